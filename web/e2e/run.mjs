// End-to-end checks of the dashboard: starts `annlab serve --port 0` ($ANNLAB_BIN), drives
// Debian's chromium through playwright-core, saves screenshots to $ANNLAB_E2E_OUT
// (default build/e2e-screenshots/ at the repository root), exits non-zero on any failure.
//   ANNLAB_BIN=build/release/annlab npm run e2e --prefix web
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync, mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
// npm run --prefix web runs in web/; relative paths are taken from where npm was started.
const cwd = process.env.INIT_CWD || process.cwd();
const bin = process.env.ANNLAB_BIN ? resolve(cwd, process.env.ANNLAB_BIN) : null;
const outDir = process.env.ANNLAB_E2E_OUT ? resolve(cwd, process.env.ANNLAB_E2E_OUT) : join(repo, "build/e2e-screenshots");
const chromiumPath = process.env.ANNLAB_CHROMIUM || "/usr/bin/chromium";
const T = 30000; // per wait
const started = Date.now();

if (!bin || !existsSync(bin)) {
  console.error(`e2e: set ANNLAB_BIN to the annlab binary (got ${process.env.ANNLAB_BIN || "nothing"})`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
rmSync(join(outDir, "failure.png"), { force: true }); // from an earlier failed run
const tmp = mkdtempSync(join(tmpdir(), "annlab-e2e-"));

const results = [];
let server = null;
let browser = null;

function log(msg) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}

function startServer() {
  return new Promise((resolveAddr, reject) => {
    server = spawn(bin, ["serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`annlab serve printed no address within 20 s; output so far:\n${out}`)), 20000);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/https?:\/\/[^\s)]+/);
      if (m) {
        clearTimeout(timer);
        resolveAddr(m[0].endsWith("/") ? m[0] : m[0] + "/");
      }
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`annlab serve exited with ${code} before printing its address:\n${out}`));
    });
  });
}

// A small 2-feature classification CSV: points in a disc (class "inner") and a ring ("outer").
function circleCsv(n = 160) {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ["x1,x2,label"];
  for (let i = 0; i < n; i++) {
    const inner = i % 2 === 0;
    const r = inner ? rnd() * 2 : 3 + rnd() * 2;
    const a = rnd() * 2 * Math.PI;
    lines.push(`${(r * Math.cos(a)).toFixed(4)},${(r * Math.sin(a)).toFixed(4)},${inner ? "inner" : "outer"}`);
  }
  return lines.join("\n") + "\n";
}

let currentPage = null;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
    log(`FAIL ${name}: ${e.message.split("\n")[0]}`);
    if (currentPage) {
      await currentPage.screenshot({ path: join(outDir, "failure.png"), fullPage: true }).catch(() => {});
      const shown = await currentPage.getByTestId("error-area").textContent().catch(() => "");
      if (shown) log(`  the page's message area: ${shown}`);
    }
    throw e;
  }
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function text(page, testid) {
  return (await page.getByTestId(testid).first().textContent()).trim();
}

async function waitText(page, testid, pred, what) {
  const t0 = Date.now();
  let last = null;
  while (Date.now() - t0 < T) {
    try {
      last = await text(page, testid);
      if (pred(last)) return last;
    } catch {
      /* not there yet */
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`${testid}: ${what} (last text: ${JSON.stringify(last)})`);
}

async function waitIdle(page, epoch) {
  await waitText(page, "status", (s) => s !== "running" && s !== "…", "training did not stop");
  if (epoch !== undefined) await waitText(page, "epoch-value", (s) => Number(s) === epoch, `expected epoch ${epoch}`);
}

async function errorsShown(page) {
  return page.getByTestId("error-message").allTextContents();
}

async function shot(page, name) {
  await page.screenshot({ path: join(outDir, name), fullPage: true });
}

async function main() {
  const base = await startServer();
  log(`server at ${base}`);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1560, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  currentPage = page;
  const consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));

  await check("page loads with the chapter example and no console errors", async () => {
    await page.goto(base, { waitUntil: "load" });
    const o6 = await waitText(page, "node-out-O6", (s) => s === "0.0991", "O6 at epoch 0 should read 0.0991");
    expect(o6 === "0.0991", "O6");
    await page.waitForTimeout(400);
    expect(consoleErrors.length === 0, `console errors: ${consoleErrors.join(" | ")}`);
    const errs = await errorsShown(page);
    expect(errs.length === 0, `error area shows: ${errs.join(" | ")}`);
    await shot(page, "01-chapter-epoch0.png");
  });

  await check("explain dL/dλ(4,6) at epoch 0 and verify it by finite differences", async () => {
    await page.getByTestId("weight-4-6").click();
    const f = await waitText(page, "explain-formula", (s) => s.includes("λ(4,6)"), "explain panel should show λ(4,6)");
    expect(f.includes("H4 · dL/dO6_in"), `symbolic product missing: ${f}`);
    expect(f.includes("0.6065 · (-0.2009)") && f.includes("-0.1218"), `numbers should read 0.6065 · (-0.2009) = -0.1218: ${f}`);
    await page.getByTestId("btn-verify").click();
    const rel = await waitText(page, "verify-rel-error", (s) => /e/.test(s), "verify shows no relative error");
    const v = Number.parseFloat(rel);
    expect(Number.isFinite(v) && v < 1e-6, `relative error ${rel} should be < 1e-6`);
    log(`  verify λ(4,6): relative error ${rel}`);
    await shot(page, "02-explain-verify.png");
  });

  await check("train the chapter example 100 epochs: O6 reads 0.3000", async () => {
    await page.getByTestId("btn-step-100").click();
    await waitIdle(page, 100);
    const o6 = await waitText(page, "node-out-O6", (s) => s === "0.3000", "O6 at epoch 100 should read 0.3000");
    expect(o6 === "0.3000", "O6");
  });

  await check("toggles show and hide the weight, forward and backprop labels", async () => {
    const vis = (id) => page.getByTestId(id).first().isVisible();
    const setToggle = async (id, on) => {
      const box = page.getByTestId(id);
      if ((await box.isChecked()) !== on) await box.click();
    };
    await setToggle("toggle-weights", true);
    await setToggle("toggle-forward", true);
    await setToggle("toggle-backprop", false);
    expect(await vis("weight-4-6"), "weight label hidden with Weights on");
    expect(await vis("node-out-O6"), "O6 output hidden with Forward pass on");
    expect(!(await vis("wgrad-4-6")), "dL/dλ label visible with Back propagation off");
    await setToggle("toggle-backprop", true);
    expect(await vis("wgrad-4-6"), "dL/dλ label hidden with Back propagation on");
    expect(await vis("node-dout-O6"), "dL/dO6 hidden with Back propagation on");
    await setToggle("toggle-weights", false);
    expect(!(await vis("weight-4-6")), "weight label visible with Weights off");
    await setToggle("toggle-forward", false);
    expect(!(await vis("node-out-O6")), "O6 output visible with Forward pass off");
    expect(!(await vis("contrib-4-6")), "contribution visible with Forward pass off");
    await setToggle("toggle-weights", true);
    await setToggle("toggle-forward", true);
    // The chapter's sign negates every derivative.
    await page.getByTestId("btn-step-1").click(); // leave the exact optimum, where all are 0
    await waitIdle(page, 101);
    const g = Number(await text(page, "wgrad-4-6"));
    await setToggle("toggle-chapter-sign", true);
    const gneg = Number(await text(page, "wgrad-4-6"));
    expect(g === -gneg || (g === 0 && gneg === 0), `chapter sign should negate dL/dλ(4,6): ${g} vs ${gneg}`);
    await setToggle("toggle-chapter-sign", false);
    await shot(page, "03-chapter-epoch101-all-labels.png");
  });

  await check("the epoch slider scrubs back to epoch 10 without retraining", async () => {
    const before = await text(page, "node-out-O6");
    await page.getByTestId("epoch-slider").evaluate((el) => {
      el.value = "10";
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await waitText(page, "epoch-value", (s) => s === "10", "slider should show epoch 10");
    const o6 = await waitText(page, "node-out-O6", (s) => s === "0.2975", "O6 at epoch 10 should read 0.2975 (annlab chapter prints 0.2974660)");
    expect(o6 !== before, "diagram did not change");
    const status = await text(page, "status");
    expect(status !== "running", "scrubbing started training");
    await page.waitForTimeout(700); // the views follow, throttled
    await shot(page, "04-slider-epoch10.png");
  });

  await check("export the diagram as SVG (styles inline) and PNG", async () => {
    const [svgDl] = await Promise.all([page.waitForEvent("download", { timeout: T }), page.getByTestId("export-diagram-svg").click()]);
    const svgPath = join(outDir, "diagram.svg");
    await svgDl.saveAs(svgPath);
    const svg = readFileSync(svgPath, "utf8");
    expect(svg.includes("<svg") && svg.includes("O6") && /style="[^"]*fill:/.test(svg), "the SVG should hold the drawing with inline styles");
    const [pngDl] = await Promise.all([page.waitForEvent("download", { timeout: T }), page.getByTestId("export-diagram-png").click()]);
    const pngPath = join(outDir, "diagram.png");
    await pngDl.saveAs(pngPath);
    const png = readFileSync(pngPath);
    expect(png.length > 5000 && png.subarray(1, 4).toString() === "PNG", `the PNG export is not a PNG image (${png.length} bytes)`);
  });

  await check("export the model file and the history (JSON, CSV)", async () => {
    const save = async (testid, name) => {
      const [dl] = await Promise.all([page.waitForEvent("download", { timeout: T }), page.getByTestId(testid).click()]);
      const path = join(outDir, name);
      await dl.saveAs(path);
      return readFileSync(path, "utf8");
    };
    const model = JSON.parse(await save("export-model", "annlab-model.json"));
    expect(model.format === "annlab.model", `model file format is ${model.format}`);
    const hist = JSON.parse(await save("export-history-json", "annlab-history.json"));
    expect(hist.format === "annlab.history", `history format is ${hist.format}`);
    const csv = await save("export-history-csv", "annlab-history.csv");
    expect(csv.split("\n").length > 100 && /epoch/.test(csv.split("\n")[0]), "history CSV should have a header and a row per epoch");
  });

  let reportPath = null;
  await check("export the HTML report", async () => {
    const [dl] = await Promise.all([page.waitForEvent("download", { timeout: T }), page.getByTestId("export-report").click()]);
    reportPath = join(outDir, "report.html");
    await dl.saveAs(reportPath);
    const failure = await dl.failure();
    expect(!failure, `download failed: ${failure}`);
  });

  await check("the report opens from file:// with the network blocked and draws the diagram", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1560, height: 1000 }, offline: true });
    const requests = [];
    await ctx.route(/^(https?|wss?):/, (route) => {
      requests.push(route.request().url());
      route.abort();
    });
    const rp = await ctx.newPage();
    const errs = [];
    rp.on("console", (m) => m.type() === "error" && errs.push(m.text()));
    rp.on("pageerror", (e) => errs.push(e.message));
    await rp.goto(pathToFileURL(reportPath).href, { waitUntil: "load" });
    expect((await text(rp, "mode")) === "report", "page did not switch to report mode");
    await waitText(rp, "node-out-O6", (s) => /^-?\d/.test(s), "report diagram shows no O6 value");
    const o6 = await text(rp, "node-out-O6");
    await rp.getByTestId("epoch-slider").evaluate((el) => {
      el.value = "0";
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await waitText(rp, "node-out-O6", (s) => s === "0.0991", "report slider at the first state should show O6 = 0.0991");
    await rp.getByTestId("epoch-slider").evaluate((el) => {
      el.value = el.max;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await waitText(rp, "node-out-O6", (s) => s === o6, "report slider back at the last state");
    expect(!(await rp.getByTestId("btn-play").count()), "report shows training buttons");
    await rp.getByTestId("weight-4-6").click();
    await rp.getByTestId("btn-verify").click();
    await waitText(rp, "verify-result", (s) => s.includes("live server"), "verify should say it needs the live server");
    expect(requests.length === 0, `the report tried to fetch: ${requests.join(", ")}`);
    expect(errs.length === 0, `console errors in the report: ${errs.join(" | ")}`);
    await rp.screenshot({ path: join(outDir, "05-report-offline.png"), fullPage: true });
    await ctx.close();
  });

  await check("reset returns the chapter example to epoch 0", async () => {
    await page.getByTestId("btn-reset").click();
    await waitText(page, "epoch-value", (s) => s === "0", "reset should show epoch 0");
    await waitText(page, "node-out-O6", (s) => s === "0.0991", "O6 after reset should read 0.0991 again");
  });

  await check("upload a CSV, train, and the heat map changes", async () => {
    const csv = join(tmp, "rings.csv");
    writeFileSync(csv, circleCsv());
    await page.getByTestId("data-source").selectOption("upload");
    await page.getByTestId("upload-input").setInputFiles(csv);
    await waitText(page, "upload-info", (s) => s.includes("160 rows"), "upload should report 160 rows");
    await waitText(page, "session-info", (s) => s.includes("rings"), "a session on the upload should start");
    // A network that can draw a ring: 6 tanh nodes, Adam.
    for (let i = 0; i < 4; i++) await page.getByTestId("layer-plus-0").click();
    await page.getByTestId("layer-act-0").selectOption("tanh");
    await page.getByTestId("opt").selectOption("adam");
    await page.getByTestId("lr-slider").evaluate((el) => {
      el.value = String(Math.log10(0.05));
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await waitText(page, "net-summary", (s) => s.startsWith("2-6-2"), "network should be 2-6-2");
    await waitText(page, "net-summary", (s) => s.includes("softmax"), "classification output should be softmax");
    // A large epoch budget, so that pause stops a run still going.
    await page.getByTestId("max-epochs").fill("200000");
    await page.getByTestId("max-epochs").evaluate((el) => el.blur()); // commits: a new session
    await waitText(page, "net-summary", (s) => s.includes("budget 200000"), "a session with 200000 epochs should start");
    await waitText(page, "status", (s) => s === "idle", "a new session should start idle");
    await page.getByTestId("heatmap-image").waitFor({ timeout: T });
    await page.waitForTimeout(600);
    const before = await page.getByTestId("heatmap-image").getAttribute("href");
    await page.getByTestId("btn-play").click();
    await waitText(page, "status", (s) => s === "running", "play should start training");
    await waitText(page, "epoch-value", (s) => Number(s) >= 150, "play should reach epoch 150");
    await page.getByTestId("btn-pause").click();
    await waitText(page, "status", (s) => s === "paused", "pause should stop training");
    // The page catches up with the epochs trained before the pause (a busy machine may take a
    // while), then the epoch count must stay put.
    const total = async () => Number((await text(page, "epoch-label")).split("/")[1]);
    let last = await total();
    for (let t0 = Date.now(); Date.now() - t0 < T; ) {
      await page.waitForTimeout(800);
      const now = await total();
      if (now === last) break;
      last = now;
    }
    await page.waitForTimeout(1000);
    expect((await total()) === last, `epochs still grow after pause (${last} -> ${await total()})`);
    const t0 = Date.now();
    let after = before;
    while (Date.now() - t0 < T && after === before) {
      await page.waitForTimeout(200);
      after = await page.getByTestId("heatmap-image").getAttribute("href");
    }
    expect(after !== before, "the heat map did not change after training");
    await page.getByTestId("hidden-maps").waitFor({ timeout: T });
    const errs = await errorsShown(page);
    expect(errs.length === 0, `error area shows: ${errs.join(" | ")}`);
    await page.waitForTimeout(500);
    await shot(page, "06-upload-trained.png");
  });

  expect(consoleErrors.length === 0, `console errors during the run: ${consoleErrors.join(" | ")}`);
  await check("an API error is shown in the message area", async () => {
    await page.getByTestId("validation").fill("1.5");
    await page.getByTestId("validation").dispatchEvent("change");
    await waitText(page, "error-area", (s) => s.length > 0, "a bad validation share should show the server's error");
    const msg = await text(page, "error-area");
    expect(/validation/i.test(msg), `the message should name the bad setting: ${msg}`);
    // The browser logs the 400 itself; nothing else may appear.
    const others = consoleErrors.filter((m) => !/status of 400/.test(m));
    expect(others.length === 0, `console errors: ${others.join(" | ")}`);
    await shot(page, "07-error-message.png");
  });
}

let code = 0;
try {
  await main();
} catch (e) {
  code = 1;
  console.error(`\ne2e FAILED: ${e.message}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) server.kill("SIGTERM");
  rmSync(tmp, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
console.log(`\ne2e: ${passed} of ${results.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${outDir}`);
process.exit(code);
