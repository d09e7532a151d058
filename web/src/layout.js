import { h } from "./util/dom.js";

function card(cls, title, tools, ...body) {
  return h("section", { class: `card ${cls}` }, h("div", { class: "card-head" }, h("h2", {}, title), h("div", { class: "tools" }, tools)), ...body);
}

function toggle(testid, label, checked, title) {
  const input = h("input", { type: "checkbox", checked, "data-testid": testid });
  input.dataset.testid = testid;
  return { input, el: h("label", { class: "toggle", title }, input, h("span", {}, label)) };
}

// Builds the page's skeleton once and returns the elements the modules fill.
export function buildLayout(root, live) {
  const r = {};
  r.sessionInfo = h("div", { class: "session-info", testid: "session-info" });
  r.status = h("span", { class: "status-pill", testid: "status" }, "…");
  r.modeBadge = h("span", { class: `mode-badge ${live ? "live" : "report"}`, testid: "mode" }, live ? "live" : "report");
  r.messages = h("div", { class: "messages" });
  const header = h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("span", { class: "logo" }, "◉"), " annlab", h("span", { class: "brand-sub" }, "neural networks, every number shown")),
    r.sessionInfo,
    r.status,
    r.modeBadge,
  );

  // Sidebar.
  r.dataBox = h("div", {});
  r.netBox = h("div", {});
  r.trainBox = h("div", {});
  r.exportBox = h("div", { class: "exports" });
  r.reportInfo = h("div", { class: "report-info", testid: "report-info" });
  const side = h(
    "aside",
    { class: "sidebar" },
    live ? h("section", { class: "side-section" }, h("h2", {}, "Data"), r.dataBox) : r.reportInfo,
    live ? h("section", { class: "side-section" }, h("h2", {}, "Network"), r.netBox) : null,
    live ? h("section", { class: "side-section" }, h("h2", {}, "Training"), r.trainBox) : null,
    live ? h("section", { class: "side-section" }, h("h2", {}, "Export"), r.exportBox) : null,
  );

  // Play bar.
  const btn = (testid, text, title, cls = "") => h("button", { class: `btn ${cls}`, testid, title }, text);
  r.btnReset = btn("btn-reset", "⟲", "Reset to epoch 0 (same initial parameters)", "btn-round");
  r.btnPlay = btn("btn-play", "▶", "Play: train until the epoch budget (space)", "btn-round btn-primary btn-play");
  r.btnPause = btn("btn-pause", "❚❚", "Pause (space)", "btn-round btn-primary btn-play");
  r.btnStep1 = btn("btn-step-1", "+1", "Train 1 epoch");
  r.btnStep10 = btn("btn-step-10", "+10", "Train 10 epochs");
  r.btnStep100 = btn("btn-step-100", "+100", "Train 100 epochs");
  r.slider = h("input", { type: "range", min: 0, max: 0, step: 1, value: 0, class: "epoch-slider", testid: "epoch-slider", "aria-label": "epoch on view" });
  r.slider.dataset.testid = "epoch-slider";
  r.epochLabel = h("div", { class: "epoch-label", testid: "epoch-label" }, "epoch –");
  r.epochStats = h("div", { class: "epoch-stats", testid: "epoch-stats" });
  r.follow = toggle("toggle-follow", "follow latest", true, "Keep the view on the newest epoch while training");
  const playbar = h(
    "div",
    { class: "card playbar" },
    live ? h("div", { class: "play-buttons" }, r.btnReset, r.btnPlay, r.btnPause, r.btnStep1, r.btnStep10, r.btnStep100) : null,
    h("div", { class: "epoch-box" }, r.epochLabel, r.epochStats),
    h("div", { class: "slider-box" }, r.slider, h("div", { class: "slider-hint muted small" }, "scrub the recorded history (← → keys); nothing is retrained")),
    r.follow.el,
  );

  // Diagram.
  r.tWeights = toggle("toggle-weights", "Weights", true, "λ values on the connections, biases on the small squares");
  r.tForward = toggle("toggle-forward", "Forward pass", true, "node inputs and outputs, each connection's contribution out·λ");
  r.tBackprop = toggle("toggle-backprop", "Back propagation", false, "dL/d of every node input and output, weight and bias");
  r.tSign = toggle("toggle-chapter-sign", "chapter sign (y − ŷ)", false, "show every derivative negated, as the chapter's code keeps d = y - ŷ");
  r.zoomReset = h("button", { class: "btn btn-small", testid: "btn-zoom-reset", title: "Reset zoom and pan" }, "fit");
  r.diagramSvg = h("button", { class: "btn btn-small", testid: "export-diagram-svg" }, "SVG");
  r.diagramPng = h("button", { class: "btn btn-small", testid: "export-diagram-png" }, "PNG");
  r.diagram = h("div", { class: "diagram-box" });
  r.legend = h(
    "div",
    { class: "legend-row" },
    h("span", { class: "sw sw-pos" }),
    " positive λ ",
    h("span", { class: "sw sw-neg" }),
    " negative λ (thickness ∝ |λ|) ",
    h("span", { class: "lg lg-weight" }, "0.1542"),
    " λ ",
    h("span", { class: "lg lg-contrib" }, "0.0935"),
    " contribution out·λ ",
    h("span", { class: "lg lg-grad" }, "−0.1218"),
    h("span", { class: "lg-sign" }, " dL/dλ "),
    (r.legendNote = h("span", { class: "muted" }, " · scroll to zoom, drag to pan, hover for values, click to explain")),
  );
  r.probe = h("div", { class: "probe-info", testid: "probe-info" });
  const diagramCard = card(
    "diagram-card",
    "Network",
    [r.tWeights.el, r.tForward.el, r.tBackprop.el, r.tSign.el, h("span", { class: "sep" }), r.zoomReset, r.diagramSvg, r.diagramPng],
    r.diagram,
    r.probe,
    r.legend,
  );
  r.explain = h("div", { class: "explain" });
  const explainCard = h("section", { class: "card explain-card" }, r.explain);

  // Plots.
  r.tLogX = toggle("toggle-logx", "log epoch axis", false, "the chapter's log axis");
  r.tLogY = toggle("toggle-logy", "log loss axis", true);
  r.plotsSvg = h("button", { class: "btn btn-small", testid: "export-plots-svg" }, "SVG");
  r.plotsPng = h("button", { class: "btn btn-small", testid: "export-plots-png" }, "PNG");
  r.plot = { loss: h("div", { class: "plot" }), pred: h("div", { class: "plot" }), weights: h("div", { class: "plot" }), biases: h("div", { class: "plot" }) };
  const plotsCard = card("plots-card", "Convergence", [r.tLogX.el, r.tLogY.el, h("span", { class: "sep" }), r.plotsSvg, r.plotsPng], h("div", { class: "plots-grid" }, r.plot.loss, r.plot.pred, r.plot.weights, r.plot.biases));

  // Data views.
  r.surface = h("div", { class: "surface-box" });
  r.fit = h("div", { class: "fit-box" });
  r.surfaceSvg = h("button", { class: "btn btn-small", testid: "export-surface-svg" }, "SVG");
  r.surfacePng = h("button", { class: "btn btn-small", testid: "export-surface-png" }, "PNG");
  r.fitSvg = h("button", { class: "btn btn-small", testid: "export-fit-svg" }, "SVG");
  r.surfaceTitle = h("span", {}, "Response over the inputs");
  r.fitTitle = h("span", {}, "Fit");
  const surfaceCard = card("surface-card", r.surfaceTitle, [r.surfaceSvg, r.surfacePng], r.surface);
  const fitCard = card("fit-card", r.fitTitle, [r.fitSvg], r.fit);

  const main = h("main", { class: "main" }, playbar, h("div", { class: "row diagram-row" }, diagramCard, explainCard), plotsCard, h("div", { class: "row views-row" }, surfaceCard, fitCard));
  root.append(header, r.messages, h("div", { class: "layout" }, side, main), h("footer", { class: "footer muted small" }, "annlab · the chapter's network, for any data · nothing here is fetched from the internet"));
  return r;
}
