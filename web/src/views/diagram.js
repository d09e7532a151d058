import * as d3 from "d3";
import { indexNetwork, weightKey, activationOf } from "../model/network.js";
import { fmt } from "../util/format.js";

export const POS = "#2f6fdf";
export const NEG = "#e0692f";
const GRAD = "#c0264b";

function nodeFill(v) {
  if (v === undefined || v === null || !Number.isFinite(v)) return "#fff";
  const t = Math.tanh(v);
  return t >= 0 ? d3.interpolateRgb("#ffffff", POS)(t * 0.55) : d3.interpolateRgb("#ffffff", NEG)(-t * 0.55);
}

// The network drawn the chapter's way: layers of circles named I1, H4, O6, one line per weight
// coloured by sign and thick by magnitude, and three label sets (Weights, Forward pass, Back
// propagation) that follow the toggles. Large networks switch to a compact drawing: values on
// hover, zoom and pan with the mouse.
export class Diagram {
  constructor(container, { onSelect, tooltip }) {
    this.container = container;
    this.onSelect = onSelect;
    this.tooltip = tooltip;
    this.toggles = { weights: true, forward: true, backprop: false, chapterSign: false };
    this.selection = null;
    this.svg = d3
      .select(container)
      .append("svg")
      .attr("class", "diagram-svg")
      .attr("data-testid", "diagram")
      .attr("xmlns", "http://www.w3.org/2000/svg")
      .attr("font-family", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif");
    this.svg
      .append("defs")
      .append("marker")
      .attr("id", "gradArrow")
      .attr("viewBox", "0 0 10 10")
      .attr("refX", 5)
      .attr("refY", 5)
      .attr("markerWidth", 6)
      .attr("markerHeight", 6)
      .attr("orient", "auto-start-reverse")
      .append("path")
      .attr("d", "M 0 0 L 10 5 L 0 10 z")
      .attr("fill", GRAD);
    this.viewport = this.svg.append("g").attr("class", "viewport");
    this.zoom = d3
      .zoom()
      .scaleExtent([0.25, 16])
      .on("zoom", (e) => this.viewport.attr("transform", e.transform));
    this.svg.call(this.zoom).on("dblclick.zoom", null);
    this.svg.on("click", (e) => {
      if (e.target === this.svg.node()) this.select(null);
    });
  }

  resetZoom() {
    this.svg.transition().duration(250).call(this.zoom.transform, d3.zoomIdentity);
  }

  setToggles(t) {
    Object.assign(this.toggles, t);
    this.applyToggles();
    if (this.trace) this.update(this.trace);
  }

  applyToggles() {
    const v = this.viewport;
    const show = (cls, on) => v.selectAll(cls).style("display", on ? null : "none");
    show(".lbl-weight", this.toggles.weights && this.detailed);
    show(".lbl-bias", this.toggles.weights && this.detailed);
    show(".lbl-contrib", this.toggles.forward && this.detailed);
    show(".lbl-node-fwd", this.toggles.forward);
    show(".lbl-grad", this.toggles.backprop && this.detailed);
    show(".lbl-node-grad", this.toggles.backprop);
    show(".grad-arrow", this.toggles.backprop && this.detailed);
  }

  setNetwork(net) {
    this.net = net;
    this.ix = indexNetwork(net);
    this.tooltip.hide();
    this.trace = null;
    const { layers } = this.ix;
    // What a click on a drawn element selects (the explain panel's item).
    const weightItem = (w) => ({ kind: "weight", index: w.i });
    const nodeItem = (n) => ({ kind: "node", id: n.id });
    const biasItem = (n) => ({ kind: "bias", index: this.ix.biasOf.get(n.id) });
    const maxN = d3.max(layers, (l) => l.length);
    // Three drawings: every label (small networks), node values beside the nodes (medium),
    // values on hover only (large).
    this.detailed = maxN <= 3 && net.weights.length <= 30;
    this.medium = !this.detailed && maxN <= 10 && net.weights.length <= 240;
    const L = layers.length;
    const W = 920;
    let sp, r, H;
    if (this.detailed) {
      sp = maxN <= 3 ? 128 : maxN <= 4 ? 116 : 104;
      r = 19;
      H = Math.max(380, maxN * sp + 80);
    } else if (this.medium) {
      sp = maxN <= 6 ? 78 : 62;
      r = 14;
      H = Math.max(360, maxN * sp + 60);
    } else {
      H = 600;
      sp = Math.min(44, (H - 60) / maxN);
      r = Math.max(2.5, Math.min(14, sp * 0.36));
    }
    // Large drawings spread every layer over the full height on its own.
    // Small drawings spread a narrow layer over the height of the widest (as the chapter's
    // figure: H4 level with I1, H5 with I3); large ones spread every layer on its own.
    const spOf = (l) => {
      const n = layers[l].length;
      if (this.detailed) return n > 1 ? Math.min(2 * sp, ((maxN - 1) * sp) / (n - 1)) : sp;
      if (this.medium) return sp;
      return Math.min(44, (H - 60) / n);
    };
    const rOf = (l) => (this.detailed || this.medium ? r : Math.max(2.5, Math.min(14, spOf(l) * 0.36)));
    this.showOutputLabels = !this.detailed && spOf(L - 1) >= 15;
    this.showNames = this.detailed || this.medium || sp >= 20;
    this.r = r;
    const left = this.detailed || this.medium ? 150 : 80;
    const right = this.detailed || this.medium ? 240 : this.showOutputLabels ? 200 : 60;
    const xOf = (l) => (L === 1 ? W / 2 : left + (l * (W - left - right)) / (L - 1));
    const pos = new Map();
    layers.forEach((nodes, l) => {
      const n = nodes.length;
      nodes.forEach((node, k) => {
        pos.set(node.id, { x: xOf(l), y: H / 2 + (k - (n - 1) / 2) * spOf(l) + (this.detailed ? 10 : 8), r: rOf(l) });
      });
    });
    this.pos = pos;
    this.svg.attr("viewBox", `0 0 ${W} ${H}`).attr("width", W).attr("height", H);
    this.svg.call(this.zoom.transform, d3.zoomIdentity);
    const v = this.viewport;
    v.selectAll("*").remove();

    // Layer captions.
    const caps = v.append("g").attr("class", "layer-captions");
    layers.forEach((nodes, l) => {
      const act = activationOf(net, l);
      const kind = l === 0 ? "input" : l === L - 1 ? "output" : `hidden ${l}`;
      const t = caps.append("text").attr("x", xOf(l)).attr("y", 14).attr("text-anchor", "middle").attr("class", "caption");
      t.append("tspan").attr("x", xOf(l)).text(kind);
      t.append("tspan")
        .attr("x", xOf(l))
        .attr("dy", 13)
        .attr("class", "caption-sub")
        .text(`${nodes.length}${l > 0 ? ` · ${act.name}` : ""}`);
    });

    const weights = net.weights.map((w, i) => ({ ...w, i, a: pos.get(w.from), b: pos.get(w.to), key: weightKey(w) }));
    this.weightData = weights;
    const conn = v.append("g").attr("class", "connections");
    const at = (w, t) => {
      const dx = w.b.x - w.a.x;
      const dy = w.b.y - w.a.y;
      const len = Math.hypot(dx, dy);
      const x0 = w.a.x + (dx / len) * w.a.r;
      const y0 = w.a.y + (dy / len) * w.a.r;
      const x1 = w.b.x - (dx / len) * w.b.r;
      const y1 = w.b.y - (dy / len) * w.b.r;
      return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
    };
    this.connSel = conn
      .selectAll("line.conn")
      .data(weights)
      .join("line")
      .attr("class", "conn")
      .attr("data-testid", (w) => `conn-${w.key}`)
      .attr("x1", (w) => w.a.x)
      .attr("y1", (w) => w.a.y)
      .attr("x2", (w) => w.b.x)
      .attr("y2", (w) => w.b.y)
      .attr("stroke", "#9aa5b1")
      .attr("stroke-linecap", "round");
    // Wider invisible lines for the mouse.
    conn
      .selectAll("line.hit")
      .data(weights)
      .join("line")
      .attr("class", "hit")
      .attr("x1", (w) => w.a.x)
      .attr("y1", (w) => w.a.y)
      .attr("x2", (w) => w.b.x)
      .attr("y2", (w) => w.b.y)
      .attr("stroke", "transparent")
      .attr("stroke-width", this.detailed ? 10 : 4)
      .call((sel) => this.pickable(sel, weightItem));

    const labels = v.append("g").attr("class", "labels");
    const mkLabel = (cls, t, testid, dy = 4) =>
      labels
        .selectAll(`text.${cls}`)
        .data(this.detailed ? weights : [])
        .join("text")
        .attr("class", `lbl ${cls}`)
        .attr("data-testid", (w) => `${testid}-${w.key}`)
        .attr("x", (w) => at(w, t)[0])
        .attr("y", (w) => at(w, t)[1] + dy)
        .attr("text-anchor", "middle")
        .call((sel) => this.pickable(sel, weightItem));
    this.wLabel = mkLabel("lbl-weight", 0.17, "weight", -4); // above the line
    this.gLabel = mkLabel("lbl-grad", 0.44, "wgrad", 14); // under the line
    this.cLabel = mkLabel("lbl-contrib", 0.8, "contrib");
    // Backward arrows: a short red segment along each connection, pointing to its source.
    this.arrows = labels
      .selectAll("line.grad-arrow")
      .data(this.detailed ? weights : [])
      .join("line")
      .attr("class", "grad-arrow")
      .each(function (w) {
        const [xa, ya] = at(w, 0.64);
        const [xb, yb] = at(w, 0.58);
        d3.select(this).attr("x1", xa).attr("y1", ya).attr("x2", xb).attr("y2", yb);
      })
      .attr("stroke", GRAD)
      .attr("stroke-width", 1.6)
      .attr("marker-end", "url(#gradArrow)");

    // Nodes.
    const nodesG = v.append("g").attr("class", "nodes");
    const nodeData = net.nodes.map((n) => ({ ...n, p: pos.get(n.id), L }));
    this.nodeG = nodesG
      .selectAll("g.node")
      .data(nodeData)
      .join("g")
      .attr("class", (n) => `node layer-${n.layer === 0 ? "in" : n.layer === L - 1 ? "out" : "hid"}`)
      .attr("transform", (n) => `translate(${n.p.x},${n.p.y})`);
    this.circles = this.nodeG
      .append("circle")
      .attr("r", (n) => n.p.r)
      .attr("data-testid", (n) => `node-${n.name}`)
      .call((sel) => this.pickable(sel, nodeItem));
    if (this.showNames)
      this.nodeG
        .filter((n) => this.detailed || this.medium || n.p.r >= 8)
        .append("text")
        .attr("class", "node-name")
        .attr("text-anchor", "middle")
        .attr("dy", "0.35em")
        .attr("font-size", (n) => (this.detailed ? 13 : Math.max(7, Math.min(11.5, n.p.r * 0.82))))
        .style("pointer-events", "none")
        .text((n) => n.name);

    // Beside-the-node labels need room before the next layer (about 190 units).
    const colSp = L > 1 ? xOf(1) - xOf(0) : 999;
    const roomy = this.detailed || (this.medium && colSp >= 190);
    const withLabels = (n) => roomy || n.layer === 0 || (this.showOutputLabels && n.layer === L - 1);
    // Where a node's value labels go: inputs to the left (nothing comes in there), others to
    // the right; in the small drawing, hidden nodes above the middle carry them above their
    // outgoing lines and those below the middle under them.
    const place = (n) => {
      const rr = n.p.r;
      if (n.layer === 0) return { anchor: "end", x: -rr - 6, y1: -3, y2: 11 };
      if (!this.detailed || n.layer === L - 1) return { anchor: "start", x: rr + 6, y1: -3, y2: 11 };
      const dy = n.p.y - H / 2 - (this.detailed ? 10 : 8);
      if (dy < -1) return { anchor: "start", x: rr + 4, y1: -17, y2: -4 };
      if (dy > 1) return { anchor: "start", x: rr + 4, y1: 17, y2: 30 };
      return { anchor: "start", x: rr + 6, y1: -3, y2: 11 };
    };
    const lblNodes = this.nodeG.filter(withLabels);
    const fwd = lblNodes
      .append("text")
      .attr("class", "lbl lbl-node-fwd")
      .attr("text-anchor", (n) => place(n).anchor)
      .attr("x", (n) => place(n).x)
      .attr("y", (n) => place(n).y1);
    fwd.append("tspan").attr("class", "k").text((n) => (n.layer === 0 ? "in/out " : "in "));
    fwd.filter((n) => n.layer > 0).append("tspan").attr("class", "v").attr("data-testid", (n) => `node-in-${n.name}`);
    fwd.filter((n) => n.layer > 0).append("tspan").attr("class", "k").text("  out ");
    fwd.append("tspan").attr("class", "v strong").attr("data-testid", (n) => `node-out-${n.name}`);
    fwd.call((sel) => this.pickable(sel, nodeItem, false));
    const grad = lblNodes
      .append("text")
      .attr("class", "lbl lbl-node-grad")
      .attr("text-anchor", (n) => place(n).anchor)
      .attr("x", (n) => place(n).x)
      .attr("y", (n) => place(n).y2);
    grad.append("tspan").attr("class", "k").text("← ");
    grad.append("tspan").attr("class", "k dname-in");
    grad.append("tspan").attr("class", "v").attr("data-testid", (n) => `node-din-${n.name}`);
    grad.append("tspan").attr("class", "k dname-out");
    grad.append("tspan").attr("class", "v").attr("data-testid", (n) => `node-dout-${n.name}`);
    grad.call((sel) => this.pickable(sel, nodeItem, false));

    // Bias badges (detailed drawing): a small square joined to its node; above the node in
    // the middle, to the upper left of hidden nodes above the middle and the lower left of
    // those below, where no connection runs.
    const bplace = (n) => {
      const dy = n.p.y - H / 2 - (this.detailed ? 10 : 8);
      const hidden = n.layer < L - 1;
      if (hidden && dy < -1) return { x: -r - 10, y: -r - 12, anchor: "end", tx: -8, ty: 4, gy: -9 };
      if (hidden && dy > 1) return { x: -r - 10, y: r + 12, anchor: "end", tx: -8, ty: 4, gy: 17 };
      return { x: 0, y: -r - 18, anchor: "start", tx: 9, ty: 4, gy: -9 };
    };
    const biasNodes = this.nodeG.filter((n) => n.layer > 0 && this.detailed);
    const badge = biasNodes
      .append("g")
      .attr("class", "bias")
      .attr("transform", (n) => `translate(${bplace(n).x},${bplace(n).y})`)
      .call((sel) => this.pickable(sel, biasItem));
    badge
      .append("line")
      .each(function (n) {
        const b = bplace(n);
        const len = Math.hypot(b.x, b.y);
        d3.select(this)
          .attr("x1", (-b.x / len) * 6)
          .attr("y1", (-b.y / len) * 6)
          .attr("x2", -b.x * (1 - r / len))
          .attr("y2", -b.y * (1 - r / len));
      })
      .attr("stroke", "#9aa5b1")
      .attr("stroke-dasharray", "2,2");
    badge.append("rect").attr("x", -5).attr("y", -5).attr("width", 10).attr("height", 10).attr("rx", 2).attr("data-testid", (n) => `biasnode-${n.id}`);
    this.biasLabel = badge
      .append("text")
      .attr("class", "lbl lbl-bias")
      .attr("text-anchor", (n) => bplace(n).anchor)
      .attr("x", (n) => bplace(n).tx)
      .attr("y", (n) => bplace(n).ty)
      .attr("data-testid", (n) => `bias-${n.id}`);
    this.biasGrad = badge
      .append("text")
      .attr("class", "lbl lbl-grad lbl-bias-grad")
      .attr("text-anchor", (n) => bplace(n).anchor)
      .attr("x", (n) => bplace(n).tx)
      .attr("y", (n) => bplace(n).gy)
      .attr("data-testid", (n) => `bgrad-${n.id}`);
    this.applyToggles();
    this.markSelection();
  }

  weightTip(i) {
    const w = this.net.weights[i];
    const t = this.trace;
    if (!t) return w.name;
    const out = t.node_out[this.ix.nodeIndex.get(w.from)];
    const s = this.toggles.chapterSign ? -1 : 1;
    return `<b>${w.name}</b> = ${fmt(t.weights[i])}<br>contribution ${this.nodeName(w.from)}·${w.name} = ${fmt(out * t.weights[i])}<br>${s < 0 ? "-" : ""}dL/d${w.name} = ${fmt(s * t.dL_dweights[i])}`;
  }
  biasTip(i) {
    const b = this.net.biases[i];
    const t = this.trace;
    if (!t) return b.name;
    const s = this.toggles.chapterSign ? -1 : 1;
    return `<b>${b.name}</b> = ${fmt(t.biases[i])}<br>${s < 0 ? "-" : ""}dL/d${b.name} = ${fmt(s * t.dL_dbiases[i])}`;
  }
  nodeTip(id) {
    const n = this.ix.nodeById.get(id);
    const t = this.trace;
    if (!t) return n.name;
    const p = this.ix.nodeIndex.get(id);
    const s = this.toggles.chapterSign ? -1 : 1;
    const d = s < 0 ? "-dL/d" : "dL/d";
    return `<b>${n.name}</b> (${activationOf(this.net, n.layer).name})<br>in ${fmt(t.node_in[p])} · out ${fmt(t.node_out[p])}<br>${d}${n.name}_in ${fmt(s * t.dL_dnode_in[p])}<br>${d}${n.name} ${fmt(s * t.dL_dnode_out[p])}`;
  }
  nodeName(id) {
    return this.ix.nodeById.get(id).name;
  }

  // Fills every value from a trace (the probe row at the epoch on view).
  update(trace) {
    this.trace = trace;
    if (!this.net) return;
    const s = this.toggles.chapterSign ? -1 : 1;
    const W = trace.weights;
    const maxAbs = d3.max(W, (x) => Math.abs(x)) || 1;
    const width = d3
      .scaleSqrt()
      .domain([0, maxAbs])
      .range(this.detailed ? [0.6, 7] : this.medium ? [0.5, 5] : [0.25, 3.2]);
    this.connSel
      .attr("stroke", (w) => (W[w.i] >= 0 ? POS : NEG))
      .attr("stroke-width", (w) => width(Math.abs(W[w.i])))
      .attr("stroke-opacity", this.detailed || this.medium ? 0.75 : this.net.weights.length > 600 ? 0.3 : 0.5);
    const ni = this.ix.nodeIndex;
    const out = (id) => trace.node_out[ni.get(id)];
    if (this.detailed) {
      this.wLabel.text((w) => fmt(W[w.i])).attr("fill", (w) => (W[w.i] >= 0 ? "#1d4ea8" : "#b04a17"));
      this.cLabel.text((w) => fmt(out(w.from) * W[w.i]));
      this.gLabel.text((w) => fmt(s * trace.dL_dweights[w.i]));
      this.biasLabel.text((n) => `${this.net.biases[this.ix.biasOf.get(n.id)].name} ${fmt(trace.biases[this.ix.biasOf.get(n.id)])}`);
      this.biasGrad.text((n) => `${s < 0 ? "-" : ""}dL/d${this.net.biases[this.ix.biasOf.get(n.id)].name} ${fmt(s * trace.dL_dbiases[this.ix.biasOf.get(n.id)])}`);
    }
    this.circles.attr("fill", (n) => (this.toggles.forward ? nodeFill(trace.node_out[ni.get(n.id)]) : "#fff"));
    const v = this.viewport;
    v.selectAll("[data-testid^=node-in-]").text((n) => fmt(trace.node_in[ni.get(n.id)]));
    v.selectAll("[data-testid^=node-out-]").text((n) => fmt(trace.node_out[ni.get(n.id)]));
    const d = s < 0 ? "-dL/d" : "dL/d";
    v.selectAll("tspan.dname-in").text((n) => (n.layer === 0 ? `${d}${n.name} ` : `${d}in `));
    v.selectAll("tspan.dname-out").text((n) => (n.layer === 0 ? "" : `  ${d}out `));
    v.selectAll("[data-testid^=node-din-]").text((n) => (n.layer === 0 ? "" : fmt(s * trace.dL_dnode_in[ni.get(n.id)])));
    v.selectAll("[data-testid^=node-dout-]").text((n) => fmt(s * trace.dL_dnode_out[ni.get(n.id)]));
    this.applyToggles();
  }

  // A click selects the element's item; with hover, the pointer shows its tooltip.
  pickable(sel, itemOf, hover = true) {
    sel.style("cursor", "pointer").on("click", (e, d) => {
      e.stopPropagation();
      this.select(itemOf(d));
    });
    if (!hover) return;
    sel
      .on("mousemove", (e, d) => this.tooltip.show(e, this.tipOf(itemOf(d))))
      .on("mouseleave", () => this.tooltip.hide());
  }

  tipOf(item) {
    if (item.kind === "weight") return this.weightTip(item.index);
    if (item.kind === "bias") return this.biasTip(item.index);
    return this.nodeTip(item.id);
  }

  select(sel) {
    this.selection = sel;
    this.markSelection();
    this.onSelect(sel);
  }

  markSelection() {
    if (!this.connSel) return;
    const sel = this.selection;
    this.connSel.classed("selected", (w) => sel && sel.kind === "weight" && sel.index === w.i);
    this.nodeG.classed("selected", (n) => sel && ((sel.kind === "node" && sel.id === n.id) || (sel.kind === "bias" && this.ix.biasOf.get(n.id) === sel.index)));
    this.viewport.selectAll("text.lbl-weight, text.lbl-grad, text.lbl-contrib").classed("selected", (w) => sel && sel.kind === "weight" && w && sel.index === w.i);
  }

  svgElement() {
    return this.svg.node();
  }
}
