import { buildLayout } from "./layout.js";
import { Diagram } from "./views/diagram.js";
import { ConvergencePlots } from "./views/plots.js";
import { SurfaceView, FitView } from "./views/dataviews.js";
import { ExplainPanel } from "./views/explainPanel.js";
import { Messages, Tooltip } from "./views/ui.js";
import { DataControls } from "./controls/data.js";
import { NetworkControls } from "./controls/network.js";
import { TrainingControls } from "./controls/training.js";
import { indexNetwork, lossLabel } from "./model/network.js";
import { download, downloadSvg, downloadPng, combineSvgs } from "./export.js";
import { h, clear, debounce, latestOnly, throttle } from "./util/dom.js";
import { fmt, fmtInt } from "./util/format.js";

const POLL_MS = 220; // ~4-5 history polls a second while training
const SERIES_MS = 600;
const VIEWS_MS = 500;

// The page's controller: one data source (live API or embedded run), the views, and the
// training loop's polling. Every number drawn comes from the source.
export class App {
  constructor(root, source) {
    this.source = source;
    this.live = source.live;
    this.ui = buildLayout(root, this.live);
    this.messages = new Messages(this.ui.messages);
    this.tooltip = new Tooltip();
    this.session = null;
    this.records = [];
    this.series = null;
    this.epochs = []; // the epochs the slider can show
    this.viewEpoch = 0;
    this.trace = null;
    this.selection = null;
    this.polling = null;
    this.edited = false;

    this.diagram = new Diagram(this.ui.diagram, { onSelect: (sel) => this.select(sel), tooltip: this.tooltip });
    this.plots = new ConvergencePlots(this.ui.plot, {
      tooltip: this.tooltip,
      onPick: (epoch) => {
        const i = this.indexOfEpoch(epoch);
        this.ui.follow.input.checked = i === this.epochs.length - 1;
        this.setView(this.epochs[i] ?? 0);
      },
    });
    this.surfaceView = new SurfaceView(this.ui.surface, {
      onNode: (name) => {
        const n = this.session?.network.nodes.find((m) => m.name === name);
        if (n) this.diagram.select({ kind: "node", id: n.id });
      },
    });
    this.fitView = new FitView(this.ui.fit);
    this.explainPanel = new ExplainPanel(this.ui.explain, {
      onVerify: (epoch, name) => this.source.verify(epoch, name),
      onSelect: (sel) => this.diagram.select(sel),
    });

    this.loadState = latestOnly((e) => this.fetchState(e));
    this.loadViews = throttle(
      latestOnly((e) => this.fetchViews(e)),
      VIEWS_MS,
    );
    this.renderPlots = throttle(() => this.plots.update(this.session?.network, this.records, this.series), 400);
    this.wireViewControls();
    if (this.live) this.wireLiveControls();
  }

  error(e, context) {
    this.messages.error(e, context);
  }

  // ---- start ----------------------------------------------------------------------------
  async start() {
    if (this.live) {
      this.source
        .datasets()
        .then((d) => this.dataControls.setDatasets(d))
        .catch((e) => this.error(e, "data sets"));
      try {
        const s = await this.source.createSession({ data: { source: "chapter" }, config: {}, max_epochs: 1000 });
        await this.loadSession(s);
      } catch (e) {
        this.error(e, "starting the chapter example");
      }
    } else {
      const s = await this.source.session();
      this.renderReportInfo(s);
      await this.loadSession(s);
    }
  }

  renderReportInfo(s) {
    const run = this.source.run;
    clear(this.ui.reportInfo).append(
      h("h2", {}, "Saved run"),
      h("p", {}, `This report holds a run made with annlab ${run.annlab_version || ""}: ${this.source.states.length} recorded states, plots and views, all embedded. It works offline.`),
      h("table", { class: "kv" }, [
        h("tr", {}, h("td", {}, "data"), h("td", {}, s.data?.name || "")),
        h("tr", {}, h("td", {}, "network"), h("td", {}, s.network.widths.join("-"))),
        h("tr", {}, h("td", {}, "activations"), h("td", {}, s.network.activations.join(", "))),
        h("tr", {}, h("td", {}, "loss"), h("td", {}, s.network.loss)),
        h("tr", {}, h("td", {}, "optimizer"), h("td", {}, `${s.config?.optimizer ?? ""} η=${s.config?.lr ?? ""}`)),
        h("tr", {}, h("td", {}, "epochs"), h("td", {}, String(s.epoch))),
      ]),
      h("p", { class: "muted small" }, "Training and finite-difference checks need the live server: `annlab serve`."),
    );
  }

  // ---- session ---------------------------------------------------------------------------
  // syncControls: fill the editors from the session's effective config; not when the user
  // has edited them since this session was asked for (their newer edits would be lost).
  async loadSession(s, { syncControls = true } = {}) {
    this.stopPolling();
    this.session = s;
    this.ix = indexNetwork(s.network);
    this.records = [];
    this.series = null;
    this.epochs = [];
    this.selection = null;
    this.trace = null;
    this.diagram.setNetwork(s.network);
    this.diagram.selection = null;
    this.ui.legendNote.textContent = this.diagram.detailed
      ? " · scroll to zoom, drag to pan, hover for values, click to explain"
      : " · a larger network: weights, biases and derivatives on hover; scroll to zoom, drag to pan, click to explain";
    if (this.live) {
      if (syncControls) {
        this.networkControls.setFromSession(s, { withOutput: this.dataControls.kind() === "chapter" });
        this.trainingControls.setFromSession(s);
      }
      this.updateExportLinks();
    }
    this.explainPanel.set(this.ix, null, null, 1, 0, this.live);
    this.ui.surfaceTitle.textContent = s.network.widths[0] === 2 ? "Response surface over the input plane" : s.network.widths[0] === 1 ? "Fitted curve" : "Response over the inputs";
    this.ui.fitTitle.textContent = s.task === "classification" ? "Confusion matrix" : "Predicted vs actual";
    this.renderHeader();
    await this.refreshAll(true);
    if (s.status === "running") this.startPolling();
  }

  renderHeader() {
    const s = this.session;
    if (!s) return;
    const d = s.data || {};
    const rows = d.rows ? `${fmtInt(d.rows.train)} train${d.rows.validation ? ` · ${fmtInt(d.rows.validation)} val` : ""}${d.rows.test ? ` · ${fmtInt(d.rows.test)} test` : ""}` : "";
    clear(this.ui.sessionInfo).append(
      h("b", {}, s.network.widths.join("-")),
      h("span", { class: "muted" }, ` ${s.network.activations.join("/")} · L = ${lossLabel(s.network.loss)} · `),
      h("span", {}, d.name || ""),
      h("span", { class: "muted" }, rows ? ` (${rows})` : ""),
      h("span", { class: "muted" }, ` · ${s.task || ""}`),
    );
    this.ui.status.textContent = s.status;
    this.ui.status.className = `status-pill st-${s.status}`;
    this.ui.status.title = s.message || "";
    if (this.live) {
      const running = s.status === "running";
      this.ui.btnPlay.hidden = running;
      this.ui.btnPause.hidden = !running;
    }
    const note = `${s.id}:${s.status}:${s.message}`;
    if (s.message && (s.status === "diverged" || s.status === "error") && this.shownNote !== note) {
      this.shownNote = note;
      this.error(s.message, `training ${s.status}`);
    }
  }

  // Fetch history and series from scratch and show the newest epoch.
  async refreshAll(toLatest) {
    const sid = this.session?.id;
    try {
      const hist = await this.source.history(-1);
      if (sid !== this.session?.id) return;
      this.records = hist.records || [];
      this.session.status = hist.status ?? this.session.status;
      this.session.epoch = hist.epoch ?? this.session.epoch;
      const series = await this.source.series();
      if (sid !== this.session?.id) return;
      this.series = series;
      this.updateEpochList();
      this.renderHeader();
      this.plots.update(this.session.network, this.records, this.series);
      const target = toLatest || this.ui.follow.input.checked ? this.lastEpoch() : this.viewEpoch;
      this.setView(target);
    } catch (e) {
      this.error(e);
    }
  }

  lastEpoch() {
    return this.epochs.length ? this.epochs[this.epochs.length - 1] : this.session?.epoch ?? 0;
  }

  // The slider's epochs: the recorded ones of the series, and (live) the newest epoch of the
  // history when the series has not caught up yet.
  updateEpochList() {
    this.epochs = this.live ? (this.series?.epochs ?? []).slice() : this.source.stateEpochs();
    if (this.live && this.epochs.length === 0) this.epochs = [0];
    const newest = this.records.length ? this.records[this.records.length - 1].epoch : null;
    if (this.live && newest !== null && newest > this.epochs[this.epochs.length - 1]) this.epochs.push(newest);
    const sl = this.ui.slider;
    sl.max = String(Math.max(0, this.epochs.length - 1));
  }

  // Show one epoch: slider, label, state, views, plot markers.
  setView(epoch) {
    this.viewEpoch = epoch;
    const i = this.indexOfEpoch(epoch);
    this.ui.slider.value = String(i);
    this.renderEpochLabel(epoch);
    this.plots.setMarker(epoch);
    this.loadState(epoch);
    this.loadViews(epoch);
  }

  indexOfEpoch(epoch) {
    const e = this.epochs;
    let lo = 0;
    let hi = e.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (e[mid] <= epoch) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  renderEpochLabel(epoch) {
    const last = Math.max(this.session?.epoch ?? 0, this.lastEpoch());
    clear(this.ui.epochLabel).append("epoch ", h("b", { testid: "epoch-value" }, String(epoch)), h("span", { class: "muted" }, ` / ${last}`));
    const rec = this.records.find((r) => r.epoch === epoch);
    const stats = [];
    if (rec) {
      stats.push(`train loss ${fmt(rec.train_loss)}`);
      if (rec.validation_loss !== null && rec.validation_loss !== undefined) stats.push(`val ${fmt(rec.validation_loss)}`);
      if (rec.learning_rate !== undefined) stats.push(`η ${fmt(rec.learning_rate)}`);
      const m = rec.validation_metrics && Object.keys(rec.validation_metrics).length ? rec.validation_metrics : rec.train_metrics;
      if (m && m.accuracy !== undefined) stats.push(`accuracy ${(100 * m.accuracy).toFixed(1)}%`);
      else if (m && m.r2 !== undefined) stats.push(`R² ${fmt(m.r2)}`);
    }
    this.ui.epochStats.textContent = stats.join(" · ");
  }

  async fetchState(epoch) {
    const sid = this.session?.id;
    try {
      const st = await this.source.state(epoch);
      if (sid !== this.session?.id) return; // an answer for the session before
      this.trace = { ...st.trace };
      this.stateEpoch = st.epoch;
      this.diagram.update(this.trace);
      this.renderProbe();
      this.refreshExplain();
    } catch (e) {
      this.error(e, `state at epoch ${epoch}`);
    }
  }

  // Which sample the drawn numbers belong to: the probe row, in model units.
  renderProbe() {
    const t = this.trace;
    const vec = (v) => (v && v.length ? (v.length > 8 ? `(${v.slice(0, 8).map((x) => fmt(x)).join(", ")}, … ${v.length} values)` : `(${v.map((x) => fmt(x)).join(", ")})`) : "");
    const row = this.session?.probe_row ?? 0;
    const L = this.ix ? this.session.network.loss : "";
    clear(this.ui.probe).append(
      h("span", { class: "probe-k" }, `probe row ${row}`),
      ` (model units): x = ${vec(t.input || t.node_out.slice(0, this.session.network.widths[0]))}, y = ${vec(t.target)}, ŷ = ${vec(t.prediction)}, `,
      h("b", {}, `L = ${fmt(t.loss, 6)}`),
      h("span", { class: "muted" }, ` (${lossLabel(L)}) · epoch ${this.stateEpoch}`),
    );
  }

  async fetchViews(epoch) {
    const sid = this.session?.id;
    try {
      const [surf, fit] = await Promise.all([this.source.surface(epoch, 60), this.source.fit(epoch)]);
      if (sid !== this.session?.id) return;
      this.surfaceView.update(surf);
      this.fitView.update(fit);
    } catch (e) {
      this.error(e, `views at epoch ${epoch}`);
    }
  }

  select(sel) {
    this.selection = sel;
    this.refreshExplain();
  }

  refreshExplain() {
    const sign = this.ui.tSign.input.checked ? -1 : 1;
    this.explainPanel.set(this.ix, this.trace, this.selection, sign, this.stateEpoch ?? this.viewEpoch, this.live);
  }

  // ---- training and polling --------------------------------------------------------------
  startPolling() {
    if (this.polling) return;
    let busy = false;
    let lastSeries = 0;
    this.polling = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const every = (this.ix?.nParams ?? 0) > 400 ? SERIES_MS * 4 : SERIES_MS;
        await this.pollOnce(Date.now() - lastSeries > every ? (lastSeries = Date.now()) : 0);
      } catch (e) {
        this.error(e, "training progress");
        this.stopPolling();
      } finally {
        busy = false;
      }
    }, POLL_MS);
  }

  stopPolling() {
    if (this.polling) clearInterval(this.polling);
    this.polling = null;
    this.pollGen = (this.pollGen || 0) + 1; // answers of polls still in flight are dropped
  }

  async pollOnce(withSeries) {
    const gen = this.pollGen;
    const since = this.records.length ? this.records[this.records.length - 1].epoch : -1;
    const hist = await this.source.history(since);
    if (gen !== this.pollGen) return;
    if (hist.records && hist.records.length) this.records.push(...hist.records.filter((r) => r.epoch > since));
    this.session.status = hist.status;
    this.session.epoch = hist.epoch;
    this.updateEpochList();
    const done = hist.status !== "running";
    if (done) await this.pullSeries();
    else if (withSeries && !this.seriesBusy) {
      // In the background: a large network's series is big, the loss and diagram go on.
      this.seriesBusy = true;
      this.pullSeries()
        .catch((e) => this.error(e, "convergence series"))
        .finally(() => {
          this.seriesBusy = false;
          this.renderPlots();
        });
    }
    if (gen !== this.pollGen) return;
    this.renderHeader();
    this.renderPlots();
    if (this.ui.follow.input.checked) this.setView(this.lastEpoch());
    else this.renderEpochLabel(this.viewEpoch);
    if (done) {
      this.stopPolling();
      this.session = { ...(await this.source.session()) };
      this.renderHeader();
      this.plots.update(this.session.network, this.records, this.series);
      if (this.ui.follow.input.checked) this.setView(this.lastEpoch());
    }
  }

  async pullSeries() {
    const have = this.series && this.series.epochs.length ? this.series.epochs[this.series.epochs.length - 1] : null;
    const sid = this.session?.id;
    const s = await this.source.series(have);
    if (sid !== this.session?.id) return;
    if (!this.series || have === null) this.series = s;
    else if (s.epochs.length === 0) this.series.target = s.target ?? this.series.target;
    else if (s.epochs[0] > have) {
      this.series.epochs.push(...s.epochs);
      this.series.parameters.push(...s.parameters);
      this.series.prediction.push(...s.prediction);
      this.series.target = s.target;
    } else this.series = s; // the server answered with the whole run
    // Keep the local copy small: every other epoch beyond 3000 (the last always kept).
    const sr = this.series;
    if (sr.epochs.length > 3000) {
      const keep = sr.epochs.map((_, i) => i % 2 === 0 || i === sr.epochs.length - 1);
      for (const k of ["epochs", "parameters", "prediction"]) sr[k] = sr[k].filter((_, i) => keep[i]);
    }
    this.updateEpochList();
  }

  async act(label, fn) {
    try {
      const s = await fn();
      if (s) this.session = { ...this.session, ...s };
      this.renderHeader();
      return s;
    } catch (e) {
      this.error(e, label);
      return null;
    }
  }

  async train(epochs) {
    // An edit still waiting to make its session: make it first, then train that one.
    if (this.rebuild) await this.rebuild.flush();
    if (this.creating) await this.creating;
    const s = await this.act(epochs ? `train ${epochs}` : "play", () => this.source.train(epochs));
    if (s) {
      this.ui.follow.input.checked = true;
      this.startPolling();
    }
  }

  async pause() {
    const s = await this.act("pause", () => this.source.pause());
    if (s) {
      this.stopPolling();
      await this.refreshAll(this.ui.follow.input.checked);
    }
  }

  async reset() {
    this.stopPolling();
    const s = await this.act("reset", () => this.source.reset());
    if (s) {
      this.ui.follow.input.checked = true;
      await this.refreshAll(true);
    }
  }

  // A new session from the controls (data or network edits).
  async newSession() {
    const dataSpec = this.dataControls.data();
    const chapterPlain = dataSpec.source === "chapter" && !this.edited;
    const config = chapterPlain ? {} : { ...this.networkControls.configPart(), ...this.trainingControls.configPart(), ...this.dataControls.configPart() };
    this.stopPolling();
    this.ui.status.textContent = "new session…";
    this.ui.status.className = "status-pill";
    const seq = this.editSeq;
    const job = (async () => {
      try {
        const s = await this.source.createSession({ data: dataSpec, config, max_epochs: this.trainingControls.maxEpochsValue() });
        this.ui.follow.input.checked = true;
        await this.loadSession(s, { syncControls: seq === this.editSeq });
      } catch (e) {
        this.error(e, "new session");
      }
    })();
    this.creating = job;
    await job;
    if (this.creating === job) this.creating = null;
  }

  // ---- wiring ----------------------------------------------------------------------------
  wireViewControls() {
    const ui = this.ui;
    const toggles = () => {
      this.diagram.setToggles({
        weights: ui.tWeights.input.checked,
        forward: ui.tForward.input.checked,
        backprop: ui.tBackprop.input.checked,
        chapterSign: ui.tSign.input.checked,
      });
      ui.legend.classList.toggle("chapter-sign", ui.tSign.input.checked);
      this.refreshExplain();
    };
    for (const t of [ui.tWeights, ui.tForward, ui.tBackprop, ui.tSign]) t.input.addEventListener("change", toggles);
    toggles();
    ui.tLogX.input.addEventListener("change", () => this.plots.setXLog(ui.tLogX.input.checked));
    ui.tLogY.input.addEventListener("change", () => this.plots.loss.setYLog(ui.tLogY.input.checked));
    ui.zoomReset.addEventListener("click", () => this.diagram.resetZoom());
    ui.slider.addEventListener("input", () => {
      const e = this.epochs[Number(ui.slider.value)] ?? 0;
      ui.follow.input.checked = Number(ui.slider.value) === this.epochs.length - 1;
      this.setView(e);
    });
    ui.follow.input.addEventListener("change", () => {
      if (ui.follow.input.checked) this.setView(this.lastEpoch());
    });
    const name = (what) => `annlab-${what}-epoch${this.stateEpoch ?? this.viewEpoch}`;
    const guard = (label, fn) => async () => {
      try {
        await fn();
      } catch (e) {
        this.error(e, label);
      }
    };
    ui.diagramSvg.addEventListener("click", guard("export", () => downloadSvg(this.diagram.svgElement(), name("network"))));
    ui.diagramPng.addEventListener("click", guard("export", () => downloadPng(this.diagram.svgElement(), name("network"))));
    const plotsSvg = () => {
      const c = combineSvgs(this.plots.all.map((p) => p.svgElement()));
      c.style.position = "absolute";
      c.style.left = "-10000px";
      document.body.append(c);
      return c;
    };
    ui.plotsSvg.addEventListener(
      "click",
      guard("export", () => {
        const c = plotsSvg();
        try {
          downloadSvg(c, name("convergence"));
        } finally {
          c.remove();
        }
      }),
    );
    ui.plotsPng.addEventListener(
      "click",
      guard("export", async () => {
        const c = plotsSvg();
        try {
          await downloadPng(c, name("convergence"));
        } finally {
          c.remove();
        }
      }),
    );
    const viewSvg = (box) => {
      const s = box.querySelector("svg");
      if (!s) throw new Error("nothing drawn to export yet");
      return s;
    };
    ui.surfaceSvg.addEventListener("click", guard("export", () => downloadSvg(viewSvg(ui.surface), name("surface"))));
    ui.surfacePng.addEventListener("click", guard("export", () => downloadPng(viewSvg(ui.surface), name("surface"))));
    ui.fitSvg.addEventListener("click", guard("export", () => downloadSvg(viewSvg(ui.fit), name("fit"))));
    // Keyboard: arrows scrub when the slider is not focused.
    window.addEventListener("keydown", (e) => {
      if (e.target && ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
      if (e.key === " " && this.live && e.target === document.body) {
        e.preventDefault();
        if (this.session?.status === "running") this.pause();
        else this.train(0);
        return;
      }
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        const i = Math.max(0, Math.min(this.epochs.length - 1, Number(ui.slider.value) + (e.key === "ArrowRight" ? 1 : -1)));
        ui.follow.input.checked = i === this.epochs.length - 1;
        this.setView(this.epochs[i] ?? 0);
      }
    });
  }

  wireLiveControls() {
    const ui = this.ui;
    const debounced = debounce(() => this.newSession(), 350);
    this.editSeq = 0;
    const rebuild = () => {
      this.editSeq += 1;
      debounced();
    };
    this.rebuild = debounced;
    let lastKind = "chapter";
    this.dataControls = new DataControls(ui.dataBox, {
      source: this.source,
      onError: (e, c) => this.error(e, c),
      onChange: () => {
        const kind = this.dataControls.kind();
        if (kind !== lastKind) {
          // The chapter's own output and loss (identity, ½SE); other data: the task's default.
          if (kind === "chapter") this.networkControls.setOutput("identity", "half_squared_error");
          else this.networkControls.resetOutputForTask();
          if (kind !== "chapter") this.edited = true;
          lastKind = kind;
        }
        rebuild();
      },
    });
    const edited = () => {
      this.edited = true;
      rebuild();
    };
    this.networkControls = new NetworkControls(ui.netBox, { onChange: edited });
    this.trainingControls = new TrainingControls(ui.trainBox, { onChange: edited });
    ui.btnPlay.addEventListener("click", () => this.train(0));
    ui.btnPause.addEventListener("click", () => this.pause());
    ui.btnStep1.addEventListener("click", () => this.train(1));
    ui.btnStep10.addEventListener("click", () => this.train(10));
    ui.btnStep100.addEventListener("click", () => this.train(100));
    ui.btnReset.addEventListener("click", () => this.reset());

    // Export links: fetched first, so that an error answer shows in the message area instead
    // of being saved as a file; the href stays for "save link as".
    const link = (testid, label, kind, hint) => {
      const a = h("a", { class: "btn btn-link", testid, download: "" }, label);
      a.dataset.kind = kind;
      a.addEventListener("click", async (e) => {
        e.preventDefault();
        try {
          const res = await fetch(a.href);
          if (!res.ok) {
            let msg = `HTTP ${res.status}`;
            try {
              msg = (await res.json()).error || msg;
            } catch {
              /* not JSON */
            }
            throw new Error(msg);
          }
          const cd = res.headers.get("Content-Disposition") || "";
          const m = cd.match(/filename="?([^";]+)"?/);
          download(m ? m[1] : `annlab-${kind}`, await res.blob());
        } catch (err) {
          this.error(err, `export ${label}`);
        }
      });
      return h("div", { class: "export-row" }, a, h("span", { class: "muted small" }, hint));
    };
    this.exportLinks = [
      link("export-model", "Model file", "model", "annlab predict / Python"),
      link("export-history-json", "History JSON", "history.json", "annlab.history"),
      link("export-history-csv", "History CSV", "history.csv", "one row per epoch"),
      link("export-run", "Run document", "run.json", "annlab.run"),
      link("export-report", "HTML report", "report.html", "self-contained, offline"),
    ];
    ui.exportBox.append(...this.exportLinks, h("div", { class: "muted small" }, "Diagram, plots and views: SVG / PNG buttons on each panel."));
  }

  updateExportLinks() {
    for (const row of this.exportLinks || []) {
      const a = row.querySelector("a");
      a.href = this.source.exportUrl(a.dataset.kind);
    }
  }
}
