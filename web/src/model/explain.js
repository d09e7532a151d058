import { activationOf, activationDerivative } from "./network.js";
import { fmt, factor } from "../util/format.js";

// Builds the chain-rule explanation of one number from a trace: a list of equations, each
// {lhs, symbolic, numeric, value, engine}: the product in symbols, the same product with the
// current numbers, its value, and the engine's stored value for comparison.
// sign = -1 shows the chapter code's convention (y - ŷ): every derivative negated.
export function explain(ix, trace, weights, sel, sign = 1) {
  const { net } = ix;
  const d = sign < 0 ? "-dL/d" : "dL/d";
  const s = (x) => sign * x;
  const nodeName = (id) => ix.nodeById.get(id).name;
  const pos = (id) => ix.nodeIndex.get(id);
  const inName = (id) => {
    const n = ix.nodeById.get(id);
    return n.layer === 0 ? n.name : `${n.name}_in`;
  };
  const lines = [];

  const nodeInLine = (id) => ({ ...nodeInLine0(id), node: id });
  const nodeOutLine = (id) => ({ ...nodeOutLine0(id), node: id });
  const nodeInLine0 = (id) => {
    const n = ix.nodeById.get(id);
    const p = pos(id);
    const zin = trace.node_in[p];
    const aout = trace.node_out[p];
    const dout = trace.dL_dnode_out[p];
    const din = trace.dL_dnode_in[p];
    const lhs = `${d}${inName(id)}`;
    const last = n.layer === net.widths.length - 1;
    if (last && net.loss === "softmax_cross_entropy") {
      const k = n.index;
      const y = trace.target[k];
      return {
        lhs,
        symbolic: `${n.name} - y${net.widths.at(-1) > 1 ? k + 1 : ""}  (softmax with cross-entropy, combined)`,
        numeric: sign < 0 ? `${fmt(y)} - ${factor(aout)}` : `${fmt(aout)} - ${factor(y)}`,
        value: sign < 0 ? y - aout : aout - y,
        engine: s(din),
      };
    }
    const act = activationOf(net, n.layer);
    if (act.kind === "softmax") {
      const outs = ix.layers[n.layer].map((m) => m.id);
      const dot = outs.reduce((acc, m) => acc + trace.node_out[pos(m)] * trace.dL_dnode_out[pos(m)], 0);
      return {
        lhs,
        symbolic: `${n.name}·(${d}${n.name} - Σ_m O_m·${d}O_m)  (softmax Jacobian)`,
        numeric: `${fmt(aout)} · (${fmt(s(dout))} - ${factor(s(dot))})`,
        value: s(aout * (dout - dot)),
        engine: s(din),
      };
    }
    const der = activationDerivative(act, n.name, zin, aout);
    if (!der) return { lhs, symbolic: `${act.name} has no derivative to show`, numeric: "", value: s(din), engine: s(din) };
    let num;
    if (act.kind === "sigmoid") num = `${fmt(aout)} · (1 - ${fmt(aout)}) · ${factor(s(dout))}`;
    else if (act.kind === "tanh") num = `(1 - ${fmt(aout)}²) · ${factor(s(dout))}`;
    else num = `${fmt(der.value)} · ${factor(s(dout))}`;
    const alpha = n.layer === 0 ? "1 (input node, identity)" : der.formula;
    return {
      lhs,
      symbolic: `α'(${inName(id)}) · ${d}${n.name}   with α' = ${alpha}`,
      numeric: num,
      value: der.value * s(dout),
      engine: s(din),
    };
  };

  const nodeOutLine0 = (id) => {
    const n = ix.nodeById.get(id);
    const p = pos(id);
    const dout = trace.dL_dnode_out[p];
    const lhs = `${d}${n.name}`;
    const last = n.layer === net.widths.length - 1;
    if (last) {
      const k = n.index;
      const yhat = trace.node_out[p];
      const y = trace.target[k];
      const K = net.widths.at(-1);
      if (net.loss === "half_squared_error")
        return {
          lhs,
          symbolic: sign < 0 ? "y - ŷ  (L = ½(ŷ - y)², chapter sign)" : "ŷ - y  (L = ½(ŷ - y)²)",
          numeric: sign < 0 ? `${fmt(y)} - ${factor(yhat)}` : `${fmt(yhat)} - ${factor(y)}`,
          value: s(yhat - y),
          engine: s(dout),
        };
      if (net.loss === "mean_squared_error")
        return {
          lhs,
          symbolic: `(2/K)·(ŷ - y)  (K = ${K})`,
          numeric: `${fmt(2 / K)} · (${fmt(yhat)} - ${factor(y)})${sign < 0 ? " · (-1)" : ""}`,
          value: s((2 / K) * (yhat - y)),
          engine: s(dout),
        };
      return {
        lhs,
        symbolic: "-y / ŷ  (cross-entropy)",
        numeric: `${y === 0 ? "0" : `-${factor(y)}`} / ${fmt(yhat)}${sign < 0 ? " · (-1)" : ""}`,
        value: y === 0 ? 0 : s(-y / yhat),
        engine: s(dout),
      };
    }
    const outs = ix.outgoing.get(id) || [];
    const shown = outs.slice(0, 6);
    const sym = shown.map((wi) => `${net.weights[wi].name}·${d}${inName(net.weights[wi].to)}`);
    const numParts = shown.map((wi) => `${fmt(weights[wi])}·${factor(s(trace.dL_dnode_in[pos(net.weights[wi].to)]))}`);
    const more = outs.length > shown.length ? ` + … (${outs.length - shown.length} more)` : "";
    const value = outs.reduce((acc, wi) => acc + weights[wi] * s(trace.dL_dnode_in[pos(net.weights[wi].to)]), 0);
    return {
      lhs,
      symbolic: `Σ_k λ(${n.id},k)·${d}k_in = ${sym.join(" + ")}${more}`,
      numeric: numParts.join(" + ") + more,
      value,
      engine: s(dout),
    };
  };

  if (sel.kind === "weight") {
    const w = net.weights[sel.index];
    const pi = pos(w.from);
    const pj = pos(w.to);
    const g = trace.dL_dweights[sel.index];
    lines.push({
      lhs: `${d}${w.name}`,
      symbolic: `${nodeName(w.from)} · ${d}${inName(w.to)}`,
      numeric: `${fmt(trace.node_out[pi])} · ${factor(s(trace.dL_dnode_in[pj]))}`,
      value: trace.node_out[pi] * s(trace.dL_dnode_in[pj]),
      engine: s(g),
    });
    lines.push(nodeInLine(w.to));
    lines.push(nodeOutLine(w.to));
    return {
      title: `${w.name} = ${fmt(weights[sel.index])}`,
      subtitle: `weight from ${nodeName(w.from)} to ${nodeName(w.to)}; forward contribution ${nodeName(w.from)}·${w.name} = ${fmt(trace.node_out[pi])} · ${factor(weights[sel.index])} = ${fmt(trace.node_out[pi] * weights[sel.index])}`,
      verifyName: w.name,
      lines,
    };
  }
  if (sel.kind === "bias") {
    const b = net.biases[sel.index];
    const pj = pos(b.node);
    lines.push({
      lhs: `${d}${b.name}`,
      symbolic: `${d}${inName(b.node)}  (the bias adds 1·${b.name} to the node input)`,
      numeric: `1 · ${factor(s(trace.dL_dnode_in[pj]))}`,
      value: s(trace.dL_dnode_in[pj]),
      engine: s(trace.dL_dbiases[sel.index]),
    });
    lines.push(nodeInLine(b.node));
    lines.push(nodeOutLine(b.node));
    return { title: `${b.name} = ${fmt(trace.biases ? trace.biases[sel.index] : NaN)}`, subtitle: `bias of ${nodeName(b.node)}`, verifyName: b.name, lines };
  }
  // node
  const n = ix.nodeById.get(sel.id);
  const p = pos(sel.id);
  const act = activationOf(net, n.layer);
  let forward;
  if (n.layer === 0) forward = `${n.name} = ${fmt(trace.node_out[p])} (the predictor, model units)`;
  else {
    const ins = ix.incoming.get(n.id) || [];
    const bi = ix.biasOf.get(n.id);
    const terms = ins.slice(0, 6).map((wi) => `${fmt(trace.node_out[pos(net.weights[wi].from)])}·${factor(weights[wi])}`);
    const more = ins.length > 6 ? ` + … (${ins.length - 6} more)` : "";
    const bias = trace.biases && bi !== undefined ? trace.biases[bi] : null;
    forward = `${n.name}_in = Σ out_i·λ(i,${n.id}) + b${n.id} = ${terms.join(" + ")}${more}${bias !== null ? ` + ${factor(bias)}` : ""} = ${fmt(trace.node_in[p])};  ${n.name} = ${act.name}(${n.name}_in) = ${fmt(trace.node_out[p])}`;
  }
  lines.push(nodeOutLine(sel.id));
  lines.push(nodeInLine(sel.id));
  return { title: `${n.name} = ${fmt(trace.node_out[p])}`, subtitle: forward, verifyName: n.name, lines };
}
