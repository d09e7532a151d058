import * as d3 from "d3";
import { fmtShort } from "../util/format.js";

const W = 520;
const H = 250;
const M = { top: 30, right: 16, bottom: 40, left: 62 };

// Picks at most `max` indices of a sorted epoch list, evenly in linear and in log space, so
// both axis modes keep their early and late detail; always the first and the last.
export function thinIndices(epochs, max) {
  const n = epochs.length;
  if (n <= max) return d3.range(n);
  const pick = new Set([0, n - 1]);
  const half = Math.floor(max / 2);
  for (let k = 0; k < half; k++) pick.add(Math.round((k * (n - 1)) / (half - 1)));
  const lo = Math.log1p(epochs[0]);
  const hi = Math.log1p(epochs[n - 1]);
  for (let k = 0; k < half; k++) {
    const target = Math.expm1(lo + ((hi - lo) * k) / (half - 1));
    pick.add(Math.min(n - 1, d3.bisectLeft(epochs, target)));
  }
  return [...pick].sort((a, b) => a - b);
}

function logTicks(max) {
  const t = [0];
  for (let p = 1; p <= max * 1.0001; p *= 10) for (const m of [1, 2, 5]) if (p * m <= max * 1.0001) t.push(p * m);
  return t.length > 9 ? t.filter((x) => x === 0 || Math.log10(x) % 1 === 0) : t;
}

// One convergence panel: curves against epoch, optional log axes, a marker at the epoch on view.
export class LinePlot {
  constructor(container, { title, ylabel, testid, yLog = false, tooltip = null, onPick = null }) {
    this.tooltip = tooltip;
    this.onPick = onPick;
    this.title = title;
    this.ylabel = ylabel;
    this.xLog = false;
    this.yLog = yLog;
    this.marker = null;
    this.data = { lines: [] };
    this.svg = d3
      .select(container)
      .append("svg")
      .attr("class", "plot-svg")
      .attr("data-testid", testid)
      .attr("xmlns", "http://www.w3.org/2000/svg")
      .attr("viewBox", `0 0 ${W} ${H}`)
      .attr("font-family", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif");
  }

  // lines: [{name, color, xs, ys, dashed, width}], note: text under the title
  setData(data) {
    this.data = data;
    this.render();
  }
  setXLog(on) {
    this.xLog = on;
    this.render();
  }
  setYLog(on) {
    this.yLog = on;
    this.render();
  }
  setMarker(epoch) {
    this.marker = epoch;
    this.drawMarker();
  }

  render() {
    const svg = this.svg;
    svg.selectAll("*").remove();
    svg.append("rect").attr("width", W).attr("height", H).attr("fill", "#fff");
    svg.append("text").attr("class", "plot-title").attr("x", M.left).attr("y", 18).text(this.title);
    const lines = this.data.lines.filter((l) => l.xs.length > 0);
    if (this.data.note) svg.append("text").attr("class", "plot-note").attr("x", W - M.right).attr("y", 18).attr("text-anchor", "end").text(this.data.note);
    if (lines.length === 0) {
      svg.append("text").attr("class", "plot-empty").attr("x", W / 2).attr("y", H / 2).attr("text-anchor", "middle").text("no training epochs yet: press ▶ or +1");
      this.x = null;
      return;
    }
    // Legend: after the title, wrapping onto more rows above the plot area.
    const legend = lines.filter((l) => l.legend !== false).slice(0, 16);
    const items = [];
    let cx = M.left + this.title.length * 7.4 + 18;
    let cy = 18;
    for (const l of legend) {
      const w = 24 + l.name.length * 6.2 + 10;
      if (cx + w > W - M.right - (this.data.note ? 120 : 0) && items.length) {
        cx = M.left;
        cy += 14;
      }
      items.push({ l, x: cx, y: cy });
      cx += w;
    }
    const top = Math.max(M.top, cy + 14);
    const xmax = Math.max(1, d3.max(lines, (l) => l.xs[l.xs.length - 1]));
    const x = (this.xLog ? d3.scaleSymlog().constant(1) : d3.scaleLinear()).domain([0, xmax]).range([M.left, W - M.right]);
    let y;
    let ok = (v) => v !== null && Number.isFinite(v);
    if (this.yLog) {
      const pos = lines.flatMap((l) => l.ys.filter((v) => v > 0));
      const lo = d3.min(pos) ?? 1e-12;
      const hi = d3.max(pos) ?? 1;
      y = d3.scaleLog().domain([lo, hi === lo ? lo * 10 : hi]).nice().range([H - M.bottom, top]).clamp(true);
      ok = (v) => v !== null && Number.isFinite(v) && v > 0;
    } else {
      const ext = d3.extent(lines.flatMap((l) => l.ys.filter((v) => v !== null && Number.isFinite(v))));
      let [lo, hi] = ext[0] === undefined ? [0, 1] : ext;
      if (lo === hi) {
        lo -= Math.abs(lo) * 0.1 || 0.5;
        hi += Math.abs(hi) * 0.1 || 0.5;
      }
      y = d3.scaleLinear().domain([lo, hi]).nice().range([H - M.bottom, top]);
    }
    this.x = x;
    const xAxis = d3.axisBottom(x).tickSizeOuter(0);
    if (this.xLog) xAxis.tickValues(logTicks(xmax)).tickFormat(d3.format("~s"));
    else xAxis.tickValues(x.ticks(6).filter(Number.isInteger)).tickFormat(d3.format("~s"));
    const yAxis = d3.axisLeft(y).tickSizeOuter(0);
    if (this.yLog) yAxis.ticks(5, "~e");
    else yAxis.ticks(5).tickFormat(fmtShort);
    // Grid lines.
    svg
      .append("g")
      .attr("class", "grid")
      .attr("transform", `translate(${M.left},0)`)
      .call(d3.axisLeft(y).ticks(5).tickSize(-(W - M.left - M.right)).tickFormat(""))
      .call((g) => g.select(".domain").remove());
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${H - M.bottom})`).call(xAxis);
    svg.append("g").attr("class", "axis").attr("transform", `translate(${M.left},0)`).call(yAxis);
    svg
      .append("text")
      .attr("class", "axis-label")
      .attr("x", (M.left + W - M.right) / 2)
      .attr("y", H - 6)
      .attr("text-anchor", "middle")
      .text(this.xLog ? "epoch (log scale)" : "epoch");
    svg
      .append("text")
      .attr("class", "axis-label")
      .attr("transform", `translate(14,${(top + H - M.bottom) / 2}) rotate(-90)`)
      .attr("text-anchor", "middle")
      .text(this.ylabel + (this.yLog ? " (log)" : ""));
    const g = svg.append("g").attr("clip-path", null);
    for (const l of lines) {
      const pts = l.xs.map((e, i) => [e, l.ys[i]]);
      const line = d3
        .line()
        .defined((p) => ok(p[1]))
        .x((p) => x(p[0]))
        .y((p) => y(p[1]));
      g.append("path")
        .attr("d", line(pts))
        .attr("fill", "none")
        .attr("stroke", l.color)
        .attr("stroke-width", l.width || 1.6)
        .attr("stroke-opacity", l.opacity ?? 1)
        .attr("stroke-dasharray", l.dashed ? "6,4" : null)
        .append("title")
        .text(l.name);
      if (pts.length === 1 && ok(pts[0][1]))
        g.append("circle").attr("cx", x(pts[0][0])).attr("cy", y(pts[0][1])).attr("r", 3).attr("fill", l.color);
    }
    const lg = svg.append("g").attr("class", "legend");
    for (const { l, x: lx, y: ly } of items) {
      lg.append("line")
        .attr("x1", lx)
        .attr("x2", lx + 18)
        .attr("y1", ly - 4)
        .attr("y2", ly - 4)
        .attr("stroke", l.color)
        .attr("stroke-width", 2.4)
        .attr("stroke-dasharray", l.dashed ? "4,3" : null);
      lg.append("text").attr("x", lx + 22).attr("y", ly).text(l.name);
    }
    this.top = top;
    this.markerG = svg.append("g").attr("class", "marker");
    this.drawMarker();
    // Hover: the values at the nearest epoch; click: show that epoch everywhere.
    const hoverLine = svg.append("line").attr("class", "hover-line").attr("y1", top).attr("y2", H - M.bottom).attr("stroke", "#94a3b8").style("display", "none");
    const valueAt = (l, e) => {
      const i = Math.min(l.xs.length - 1, Math.max(0, d3.bisectLeft(l.xs, e)));
      const j = i > 0 && Math.abs(l.xs[i - 1] - e) < Math.abs(l.xs[i] - e) ? i - 1 : i;
      return { epoch: l.xs[j], value: l.ys[j] };
    };
    svg
      .append("rect")
      .attr("class", "hover-area")
      .attr("x", M.left)
      .attr("y", top)
      .attr("width", W - M.left - M.right)
      .attr("height", H - M.bottom - top)
      .attr("fill", "transparent")
      .style("cursor", this.onPick ? "crosshair" : null)
      .on("mousemove", (ev) => {
        const [mx] = d3.pointer(ev);
        const e = Math.max(0, x.invert(mx));
        const ref = lines.reduce((a, l) => (l.xs.length > a.xs.length ? l : a), lines[0]);
        const at = valueAt(ref, e);
        hoverLine.attr("x1", x(at.epoch)).attr("x2", x(at.epoch)).style("display", null);
        if (!this.tooltip) return;
        const shown = lines.filter((l) => !l.dashed || lines.length <= 4).slice(0, 10);
        const rows = shown.map((l) => `<span style="color:${l.color}">■</span> ${l.name} ${fmtShort(valueAt(l, at.epoch).value)}`);
        const more = lines.length > shown.length ? `<br>… ${lines.length - shown.length} more` : "";
        this.tooltip.show(ev, `<b>epoch ${at.epoch}</b><br>${rows.join("<br>")}${more}`);
      })
      .on("mouseleave", () => {
        hoverLine.style("display", "none");
        if (this.tooltip) this.tooltip.hide();
      })
      .on("click", (ev) => {
        if (!this.onPick) return;
        const [mx] = d3.pointer(ev);
        this.onPick(Math.max(0, Math.round(x.invert(mx))));
      });
  }

  drawMarker() {
    if (!this.markerG || !this.x) return;
    this.markerG.selectAll("*").remove();
    if (this.marker === null || this.marker === undefined) return;
    const xm = this.x(this.marker);
    this.markerG.append("line").attr("x1", xm).attr("x2", xm).attr("y1", (this.top ?? M.top) - 4).attr("y2", H - M.bottom).attr("stroke", "#334155").attr("stroke-width", 1).attr("stroke-dasharray", "3,3");
    this.markerG
      .append("text")
      .attr("x", xm > W - 90 ? xm - 3 : xm + 3)
      .attr("text-anchor", xm > W - 90 ? "end" : "start")
      .attr("y", H - M.bottom - 4)
      .attr("class", "marker-label")
      .text(`epoch ${this.marker}`);
  }

  svgElement() {
    return this.svg.node();
  }
}

const PALETTE = ["#2f6fdf", "#e0692f", "#2a9d8f", "#c0264b", "#8e5cc8", "#d4a017", "#5b7083", "#e377c2", "#17becf", "#7f7f00", "#1f3b73", "#a0522d"];

// The four panels of the chapter (loss, prediction against target, every weight, every bias),
// drawn from the history records and the series.
export class ConvergencePlots {
  constructor(container, { tooltip, onPick } = {}) {
    const o = { tooltip, onPick };
    this.loss = new LinePlot(container.loss, { title: "Loss", ylabel: "loss", testid: "plot-loss", yLog: true, ...o });
    this.pred = new LinePlot(container.pred, { title: "Probe prediction vs target", ylabel: "prediction (model units)", testid: "plot-prediction", ...o });
    this.weights = new LinePlot(container.weights, { title: "Weights", ylabel: "λ", testid: "plot-weights", ...o });
    this.biases = new LinePlot(container.biases, { title: "Biases", ylabel: "b", testid: "plot-biases", ...o });
    this.all = [this.loss, this.pred, this.weights, this.biases];
  }

  setXLog(on) {
    for (const p of this.all) p.setXLog(on);
  }
  setMarker(epoch) {
    for (const p of this.all) p.setMarker(epoch);
  }

  update(network, records, series) {
    // Loss: train and validation from the history records.
    const ep = records.map((r) => r.epoch);
    const lossLines = [{ name: "train loss", color: PALETTE[0], xs: ep, ys: records.map((r) => r.train_loss) }];
    if (records.some((r) => r.validation_loss !== null && r.validation_loss !== undefined))
      lossLines.push({ name: "validation loss", color: PALETTE[1], xs: ep, ys: records.map((r) => r.validation_loss ?? null) });
    const lt = thinIndices(ep, 1500);
    for (const l of lossLines) {
      l.xs = lt.map((i) => l.xs[i]);
      l.ys = lt.map((i) => l.ys[i]);
    }
    this.loss.setData({ lines: lossLines });

    if (!series || !network) return;
    const idx = thinIndices(series.epochs, 600);
    const xs = idx.map((i) => series.epochs[i]);
    const nOut = series.target ? series.target.length : 0;
    const outNames = network.nodes.filter((n) => n.layer === network.widths.length - 1).map((n) => n.name);
    const predLines = [];
    for (let k = 0; k < nOut && k < 12; k++) {
      const c = PALETTE[k % PALETTE.length];
      const legend = nOut <= 3;
      predLines.push({ name: `${outNames[k]} (ŷ)`, color: c, xs, ys: idx.map((i) => series.prediction[i][k]), legend });
      predLines.push({ name: `target ${outNames[k]}`, color: c, xs: [xs[0], Math.max(1, xs[xs.length - 1])], ys: [series.target[k], series.target[k]], dashed: true, width: 1.2, legend });
    }
    const note = nOut > 12 ? `first 12 of ${nOut} outputs; dashed: targets` : nOut > 3 ? `${nOut} outputs; dashed: targets` : "";
    this.pred.setData({ lines: predLines, note });

    const nW = network.weights.length;
    const nB = network.biases.length;
    // With max_params the server sends some columns only; param_index names them.
    const colOf = series.param_index ? new Map(series.param_index.map((flat, c) => [flat, c])) : null;
    const col = (flat) => (colOf ? colOf.get(flat) : flat);
    const pick = (list, max) => (list.length <= max ? list : d3.range(max).map((k) => list[Math.round((k * (list.length - 1)) / (max - 1))]));
    const wi = pick(d3.range(nW).filter((j) => col(j) !== undefined), 120);
    const many = nW > 12;
    const layerColor = (layer) => PALETTE[(layer - 1) % PALETTE.length];
    this.weights.setData({
      note: wi.length < nW ? `${wi.length} of ${nW} weights` : many ? `${nW} weights, coloured by layer` : "",
      lines: wi.map((j, k) => ({
        name: network.weights[j].name,
        color: many ? layerColor(network.weights[j].layer) : PALETTE[k % PALETTE.length],
        xs,
        ys: idx.map((i) => series.parameters[i][col(j)]),
        width: many ? 1 : 1.6,
        opacity: many ? 0.55 : 1,
        legend: !many,
      })),
    });
    const bi = pick(d3.range(nB).filter((j) => col(nW + j) !== undefined), 120);
    const manyB = nB > 12;
    this.biases.setData({
      note: bi.length < nB ? `${bi.length} of ${nB} biases` : manyB ? `${nB} biases, coloured by layer` : "",
      lines: bi.map((j, k) => ({
        name: network.biases[j].name,
        color: manyB ? layerColor(network.biases[j].layer) : PALETTE[k % PALETTE.length],
        xs,
        ys: idx.map((i) => series.parameters[i][col(nW + j)]),
        width: manyB ? 1 : 1.6,
        opacity: manyB ? 0.55 : 1,
        legend: !manyB,
      })),
    });
  }
}
