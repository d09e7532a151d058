import { App } from "./app.js";
import { LiveSource } from "./data/live.js";
import { EmbeddedSource } from "./data/embedded.js";

// Entry point: a report (an embedded annlab.run document) runs offline from that document;
// otherwise the page talks to `annlab serve`.
function boot() {
  let root = document.getElementById("app");
  if (!root) {
    root = document.createElement("div");
    root.id = "app";
    document.body.append(root);
  }
  const embedded = document.getElementById("annlab-run");
  let source;
  try {
    source = embedded ? new EmbeddedSource(JSON.parse(embedded.textContent)) : new LiveSource("");
  } catch (e) {
    root.textContent = `annlab: cannot read the embedded run: ${e.message}`;
    return;
  }
  document.body.classList.add(source.live ? "mode-live" : "mode-report");
  const app = new App(root, source);
  window.annlab = app; // for the console and the tests
  app.start().catch((e) => app.error(e));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
