// Bundles the page for embedding in the annlab binary: src/main.js -> OUTDIR/app.js,
// src/style.css -> OUTDIR/app.css, index.html copied. Offline: everything comes from
// node_modules (npm ci, run by scripts/install-deps.sh).
//   node build.mjs --outdir DIR
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf("--outdir");
const outdir = i > 0 ? process.argv[i + 1] : join(here, "dist");
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(here, "src/main.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir,
  logLevel: "warning",
});
await build({
  entryPoints: { app: join(here, "src/style.css") },
  bundle: true,
  minify: true,
  outdir,
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(outdir, "index.html"));
