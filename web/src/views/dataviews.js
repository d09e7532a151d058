import * as d3 from "d3";
import { POS, NEG } from "./diagram.js";
import { fmt, fmtShort } from "../util/format.js";
import { clear, h } from "../util/dom.js";

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
let clipCounter = 0;
const SPLIT_COLOR = { train: "#334155", validation: "#e0692f", test: "#2a9d8f" };

function diverging(lo, hi, light = false) {
  const mid = (lo + hi) / 2;
  const ends = light ? ["#f5b993", "#a9c4f5"] : [NEG, POS];
  return d3.scaleLinear().domain([lo, mid, hi]).range([ends[0], "#f8fafc", ends[1]]).interpolate(d3.interpolateRgb).clamp(true);
}

// Paints an S×S grid (row-major, y from min to max) into a PNG data URL, top row = max y.
function gridImage(values, size, color) {
  const c = document.createElement("canvas");
  c.width = size;
  c.height = size;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(size, size);
  for (let r = 0; r < size; r++)
    for (let col = 0; col < size; col++) {
      const v = values[r * size + col];
      const rgb = d3.rgb(color(v));
      const o = ((size - 1 - r) * size + col) * 4;
      img.data[o] = rgb.r;
      img.data[o + 1] = rgb.g;
      img.data[o + 2] = rgb.b;
      img.data[o + 3] = 255;
    }
  ctx.putImageData(img, 0, 0);
  return c.toDataURL("image/png");
}

// " (16 of 100)" when the server sent some of the layer's nodes (`hidden_nodes`: its width).
function shownOf(s, hidden) {
  const total = s.hidden_nodes ?? (s.hidden || []).length;
  return total > hidden.length ? ` (${hidden.length} of ${total})` : "";
}

function newSvg(parent, w, hgt, testid) {
  return d3
    .select(parent)
    .append("svg")
    .attr("xmlns", "http://www.w3.org/2000/svg")
    .attr("viewBox", `0 0 ${w} ${hgt}`)
    .attr("data-testid", testid)
    .attr("class", "view-svg")
    .attr("font-family", FONT);
}

// The response over the input plane (2 inputs) with the data, a contour at 0.5 for class
// probabilities, and one mini map per first-hidden-layer node; or the fitted curve (1 input).
export class SurfaceView {
  constructor(container, { onNode } = {}) {
    this.container = container;
    this.onNode = onNode; // clicking a hidden node's map explains that node
  }

  update(s) {
    const el = clear(this.container);
    if (!s || s.kind === "none" || !s.kind) {
      el.append(h("p", { class: "muted", testid: "surface-none" }, "The response surface needs one or two input nodes; this network has more. See predicted vs actual or the confusion matrix."));
      return;
    }
    if (s.kind === "curve") return this.curve(el, s);
    return this.plane(el, s);
  }

  plane(el, s) {
    const W = 430;
    const H = 400;
    const m = { top: 14, right: 70, bottom: 44, left: 54 };
    const side = Math.min(W - m.left - m.right, H - m.top - m.bottom);
    const svg = newSvg(el, W, H, "heatmap");
    svg.append("rect").attr("width", W).attr("height", H).attr("fill", "#fff");
    const x = d3.scaleLinear().domain([s.x.min, s.x.max]).range([m.left, m.left + side]);
    const y = d3.scaleLinear().domain([s.y.min, s.y.max]).range([m.top + side, m.top]);
    const prob = s.value_kind === "probability";
    const targets = (s.points || []).map((p) => p.target).filter((t) => typeof t === "number");
    const [vlo, vhi] = prob ? [0, 1] : d3.extent([...s.values, ...targets]);
    const color = prob ? diverging(0, 1, true) : d3.scaleSequential(d3.interpolateViridis).domain([vlo, vhi === vlo ? vlo + 1 : vhi]);
    svg
      .append("image")
      .attr("data-testid", "heatmap-image")
      .attr("x", m.left)
      .attr("y", m.top)
      .attr("width", side)
      .attr("height", side)
      .attr("preserveAspectRatio", "none")
      .style("image-rendering", "auto")
      .attr("href", gridImage(s.values, s.size, color));
    if (prob) {
      // Decision boundary: where the class probability crosses 0.5.
      const cont = d3.contours().size([s.size, s.size]).thresholds([0.5])(s.values);
      const sx = side / (s.size - 1);
      const path = d3.geoPath(
        d3.geoTransform({
          point(px, py) {
            this.stream.point(m.left + (px - 0.5) * sx, m.top + side - (py - 0.5) * sx);
          },
        }),
      );
      // d3.contours closes each ring along the grid's border, half a cell outside the image:
      // the clip keeps only the boundary inside the plane.
      const clipId = `surface-clip-${++clipCounter}`;
      svg.append("clipPath").attr("id", clipId).append("rect").attr("x", m.left).attr("y", m.top).attr("width", side).attr("height", side);
      svg.append("g").attr("clip-path", `url(#${clipId})`).selectAll("path").data(cont).join("path").attr("d", path).attr("fill", "none").attr("stroke", "#0f172a").attr("stroke-width", 1.4).attr("stroke-dasharray", "5,3");
    }
    const pts = (s.points || []).slice(0, 3000);
    const pcol = (p) => (prob ? (String(p.target) === String(s.class) ? POS : NEG) : color(p.target));
    svg
      .append("g")
      .selectAll("circle")
      .data(pts)
      .join("circle")
      .attr("cx", (p) => x(p.x))
      .attr("cy", (p) => y(p.y))
      .attr("r", pts.length > 600 ? 2.2 : 3.4)
      .attr("fill", pcol)
      .attr("stroke", (p) => (p.split === "train" ? "#fff" : "#111827"))
      .attr("stroke-width", (p) => (p.split === "train" ? 0.9 : 1.3))
      .append("title")
      .text((p) => `${s.x.name} ${fmtShort(p.x)}, ${s.y.name} ${fmtShort(p.y)}: ${p.target} (${p.split})`);
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${m.top + side})`).call(d3.axisBottom(x).ticks(5).tickFormat(fmtShort));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat(fmtShort));
    svg.append("text").attr("class", "axis-label").attr("x", m.left + side / 2).attr("y", m.top + side + 36).attr("text-anchor", "middle").text(s.x.name);
    svg.append("text").attr("class", "axis-label").attr("transform", `translate(14,${m.top + side / 2}) rotate(-90)`).attr("text-anchor", "middle").text(s.y.name);
    // Colour bar.
    const bx = m.left + side + 18;
    const bar = d3.scaleLinear().domain(color.domain().length === 3 ? [color.domain()[0], color.domain()[2]] : color.domain()).range([m.top + side, m.top]);
    const steps = 40;
    const [c0, c1] = bar.domain();
    for (let i = 0; i < steps; i++) {
      const v0 = c0 + ((c1 - c0) * i) / steps;
      const v1 = c0 + ((c1 - c0) * (i + 1)) / steps;
      svg.append("rect").attr("x", bx).attr("y", bar(v1)).attr("width", 12).attr("height", Math.abs(bar(v0) - bar(v1)) + 0.5).attr("fill", color((v0 + v1) / 2));
    }
    svg.append("g").attr("class", "axis").attr("transform", `translate(${bx + 12},0)`).call(d3.axisRight(bar).ticks(5).tickFormat(fmtShort));
    svg
      .append("text")
      .attr("class", "axis-label")
      .attr("transform", `translate(${bx + 54},${m.top + side / 2}) rotate(90)`)
      .attr("text-anchor", "middle")
      .text(prob ? `P(class ${s.class})` : s.target || "prediction");
    const cap = prob
      ? `Colour: probability of class “${s.class}”; dashed: decision boundary (0.5). Points: blue = ${s.class}, orange = other; dark ring = held out.`
      : "Colour: the network’s prediction; points coloured by their target; dark ring = held out.";
    el.append(h("p", { class: "caption-text" }, cap));
    // Per-node mini maps for the first hidden layer.
    const hidden = (s.hidden || []).slice(0, 24);
    if (hidden.length) {
      const grid = h("div", { class: "minimaps", testid: "hidden-maps" });
      el.append(h("div", { class: "subhead" }, `First hidden layer: each node’s output over the plane${shownOf(s, hidden)}`), grid);
      for (const node of hidden) {
        const [lo, hi] = d3.extent(node.values);
        const M = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
        const c = lo < 0 ? diverging(-M, M) : diverging(lo, hi > lo ? hi : lo + 1e-9);
        const wrap = h("figure", { class: "minimap", title: `${node.node}: click to explain`, onclick: () => this.onNode && this.onNode(node.node) });
        const sv = newSvg(wrap, 84, 84, `minimap-${node.node}`);
        sv.append("image").attr("width", 84).attr("height", 84).attr("preserveAspectRatio", "none").attr("href", gridImage(node.values, s.size, c));
        wrap.append(h("figcaption", {}, h("b", {}, node.node), ` ${fmtShort(lo)}…${fmtShort(hi)}`));
        grid.append(wrap);
      }
    }
  }

  curve(el, s) {
    const W = 430;
    const H = 320;
    const m = { top: 16, right: 16, bottom: 44, left: 58 };
    const svg = newSvg(el, W, H, "curve");
    svg.append("rect").attr("width", W).attr("height", H).attr("fill", "#fff");
    const pts = s.points || [];
    const py = (p) => (p.y !== undefined ? p.y : p.target);
    const xs = [...s.x, ...pts.map((p) => p.x)];
    const ys = [...s.y, ...pts.map(py)];
    const x = d3.scaleLinear().domain(d3.extent(xs)).nice().range([m.left, W - m.right]);
    const y = d3.scaleLinear().domain(d3.extent(ys)).nice().range([H - m.bottom, m.top]);
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${H - m.bottom})`).call(d3.axisBottom(x).ticks(6).tickFormat(fmtShort));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat(fmtShort));
    svg
      .append("g")
      .selectAll("circle")
      .data(pts.slice(0, 3000))
      .join("circle")
      .attr("cx", (p) => x(p.x))
      .attr("cy", (p) => y(py(p)))
      .attr("r", 3)
      .attr("fill", (p) => SPLIT_COLOR[p.split] || "#334155")
      .attr("fill-opacity", 0.7);
    svg
      .append("path")
      .attr("d", d3.line()(s.x.map((v, i) => [x(v), y(s.y[i])])))
      .attr("fill", "none")
      .attr("stroke", POS)
      .attr("stroke-width", 2.4);
    svg.append("text").attr("class", "axis-label").attr("x", (m.left + W - m.right) / 2).attr("y", H - 8).attr("text-anchor", "middle").text(s.x_name || "input");
    svg.append("text").attr("class", "axis-label").attr("transform", `translate(14,${(m.top + H - m.bottom) / 2}) rotate(-90)`).attr("text-anchor", "middle").text(s.y_name || s.target || "target");
    el.append(h("p", { class: "caption-text" }, "Blue line: the network’s prediction over the input range; points: the data (grey train, orange validation, green test)."));
    const hidden = (s.hidden || []).slice(0, 24);
    if (hidden.length) {
      const grid = h("div", { class: "minimaps", testid: "hidden-maps" });
      el.append(h("div", { class: "subhead" }, `First hidden layer: each node’s output over the input range${shownOf(s, hidden)}`), grid);
      for (const node of hidden) {
        const wrap = h("figure", { class: "minimap", title: `${node.node}: click to explain`, onclick: () => this.onNode && this.onNode(node.node) });
        const sv = newSvg(wrap, 84, 84, `minicurve-${node.node}`);
        sv.append("rect").attr("width", 84).attr("height", 84).attr("fill", "#fff");
        const [lo, hi] = d3.extent(node.values);
        const mx = d3.scaleLinear().domain(d3.extent(s.x)).range([4, 80]);
        const my = d3.scaleLinear().domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi]).range([78, 6]);
        if (lo < 0 && hi > 0) sv.append("line").attr("x1", 4).attr("x2", 80).attr("y1", my(0)).attr("y2", my(0)).attr("stroke", "#cbd5e1");
        sv.append("path")
          .attr("d", d3.line()(node.values.map((v, i) => [mx(s.x[i]), my(v)])))
          .attr("fill", "none")
          .attr("stroke", "#8e5cc8")
          .attr("stroke-width", 1.8);
        wrap.append(h("figcaption", {}, h("b", {}, node.node), ` ${fmtShort(lo)}…${fmtShort(hi)}`));
        grid.append(wrap);
      }
    }
  }
}

// Predicted against actual (regression) or the confusion matrix (classification).
export class FitView {
  constructor(container) {
    this.container = container;
  }

  update(f) {
    const el = clear(this.container);
    if (!f) {
      el.append(h("p", { class: "muted" }, "No fit to show yet."));
      return;
    }
    if (f.kind === "classification") this.confusion(el, f);
    else this.scatter(el, f);
    if (f.metrics) el.append(metricsTable(f.metrics));
  }

  scatter(el, f) {
    const W = 400;
    const H = 360;
    const m = { top: 16, right: 16, bottom: 46, left: 60 };
    const svg = newSvg(el, W, H, "fit-scatter");
    svg.append("rect").attr("width", W).attr("height", H).attr("fill", "#fff");
    const pts = f.points || [];
    const ext = d3.extent(pts.flatMap((p) => [p.actual, p.predicted]));
    const dom = ext[0] === undefined ? [0, 1] : ext[0] === ext[1] ? [ext[0] - 1, ext[1] + 1] : ext;
    const x = d3.scaleLinear().domain(dom).nice().range([m.left, W - m.right]);
    const y = d3.scaleLinear().domain(x.domain()).range([H - m.bottom, m.top]);
    svg.append("line").attr("x1", x(x.domain()[0])).attr("y1", y(x.domain()[0])).attr("x2", x(x.domain()[1])).attr("y2", y(x.domain()[1])).attr("stroke", "#94a3b8").attr("stroke-dasharray", "5,4");
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${H - m.bottom})`).call(d3.axisBottom(x).ticks(5).tickFormat(fmtShort));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat(fmtShort));
    svg
      .append("g")
      .selectAll("circle")
      .data(pts)
      .join("circle")
      .attr("cx", (p) => x(p.actual))
      .attr("cy", (p) => y(p.predicted))
      .attr("r", pts.length > 500 ? 2.2 : 3.2)
      .attr("fill", (p) => SPLIT_COLOR[p.split] || "#334155")
      .attr("fill-opacity", 0.75);
    svg.append("text").attr("class", "axis-label").attr("x", (m.left + W - m.right) / 2).attr("y", H - 8).attr("text-anchor", "middle").text(`actual ${f.target || ""}`);
    svg.append("text").attr("class", "axis-label").attr("transform", `translate(14,${(m.top + H - m.bottom) / 2}) rotate(-90)`).attr("text-anchor", "middle").text(`predicted ${f.target || ""}`);
    const splits = [...new Set(pts.map((p) => p.split))];
    const lg = svg.append("g");
    splits.forEach((s, i) => {
      lg.append("circle").attr("cx", m.left + 12 + i * 90).attr("cy", m.top + 6).attr("r", 4).attr("fill", SPLIT_COLOR[s] || "#334155");
      lg.append("text").attr("class", "legend-text").attr("x", m.left + 20 + i * 90).attr("y", m.top + 10).text(s);
    });
  }

  confusion(el, f) {
    const k = f.classes.length;
    const cell = Math.max(18, Math.min(48, 360 / k));
    const m = { top: 34, left: 70, right: 12, bottom: 12 };
    const W = m.left + k * cell + m.right;
    const H = m.top + k * cell + m.bottom + 20;
    const svg = newSvg(el, W, H, "confusion").style("max-width", `${Math.max(280, W * 1.5)}px`);
    svg.append("rect").attr("width", W).attr("height", H).attr("fill", "#fff");
    const rowSum = f.confusion.map((r) => d3.sum(r) || 1);
    const color = d3.scaleSequential(d3.interpolateBlues).domain([0, 1]);
    svg.append("text").attr("class", "axis-label").attr("x", m.left + (k * cell) / 2).attr("y", 12).attr("text-anchor", "middle").text("predicted class");
    svg.append("text").attr("class", "axis-label").attr("transform", `translate(12,${m.top + (k * cell) / 2}) rotate(-90)`).attr("text-anchor", "middle").text("actual class");
    f.classes.forEach((c, j) => {
      svg.append("text").attr("class", "tick-text").attr("x", m.left + j * cell + cell / 2).attr("y", m.top - 6).attr("text-anchor", "middle").text(String(c).slice(0, 6));
      svg.append("text").attr("class", "tick-text").attr("x", m.left - 6).attr("y", m.top + j * cell + cell / 2 + 4).attr("text-anchor", "end").text(String(c).slice(0, 8));
    });
    f.confusion.forEach((row, i) =>
      row.forEach((v, j) => {
        const t = v / rowSum[i];
        svg.append("rect").attr("x", m.left + j * cell).attr("y", m.top + i * cell).attr("width", cell - 1).attr("height", cell - 1).attr("fill", color(t * 0.9)).append("title").text(`actual ${f.classes[i]}, predicted ${f.classes[j]}: ${v}`);
        if (cell >= 20)
          svg
            .append("text")
            .attr("x", m.left + j * cell + cell / 2)
            .attr("y", m.top + i * cell + cell / 2 + 4)
            .attr("text-anchor", "middle")
            .attr("class", "cell-text")
            .attr("fill", t > 0.55 ? "#fff" : "#0f172a")
            .text(v);
      }),
    );
  }
}

function metricsTable(metrics) {
  const rows = [];
  const flat = (obj, prefix = "") => {
    for (const [k, v] of Object.entries(obj)) {
      if (v && typeof v === "object" && !Array.isArray(v)) flat(v, `${prefix}${k} `);
      else if (typeof v === "number") rows.push([`${prefix}${k}`, fmt(v)]);
    }
  };
  flat(metrics);
  return h("table", { class: "metrics", testid: "fit-metrics" }, rows.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", { class: "num" }, v))));
}
