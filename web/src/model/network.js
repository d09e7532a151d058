// Helpers over the `network` object of docs/formats.md: layers, lookups by node id, and the
// derivative each node's activation contributes (for the chain-rule explanations).

export function indexNetwork(net) {
  const layers = net.widths.map(() => []);
  const nodeIndex = new Map(); // node id -> position in network.nodes (and in trace arrays)
  net.nodes.forEach((n, i) => {
    layers[n.layer].push(n);
    nodeIndex.set(n.id, i);
  });
  const incoming = new Map(); // node id -> [weight positions]
  const outgoing = new Map();
  net.weights.forEach((w, i) => {
    if (!incoming.has(w.to)) incoming.set(w.to, []);
    if (!outgoing.has(w.from)) outgoing.set(w.from, []);
    incoming.get(w.to).push(i);
    outgoing.get(w.from).push(i);
  });
  const biasOf = new Map(); // node id -> bias position
  net.biases.forEach((b, i) => biasOf.set(b.node, i));
  const nodeById = new Map(net.nodes.map((n) => [n.id, n]));
  return { net, layers, nodeIndex, incoming, outgoing, biasOf, nodeById, nParams: net.weights.length + net.biases.length };
}

// Activation of a node's layer ("identity" for inputs), split into kind and parameter.
export function activationOf(net, layer) {
  if (layer === 0) return { kind: "identity", param: null, name: "identity" };
  const name = net.activations[layer - 1];
  const [kind, p] = name.split(":");
  const defaults = { leaky_relu: 0.01, elu: 1 };
  const param = p !== undefined ? Number(p) : defaults[kind] ?? null;
  return { kind, param, name };
}

// α'(in) for one node, with a formula in the node's own names. null for softmax and the
// binary step (no per-node derivative).
export function activationDerivative(act, nodeName, zin, aout) {
  switch (act.kind) {
    case "identity":
      return { value: 1, formula: "1" };
    case "sigmoid":
      return { value: aout * (1 - aout), formula: `σ'(${nodeName}_in) = ${nodeName}·(1 - ${nodeName})` };
    case "tanh":
      return { value: 1 - aout * aout, formula: `tanh'(${nodeName}_in) = 1 - ${nodeName}²` };
    case "relu":
      return { value: zin > 0 ? 1 : 0, formula: `relu'(${nodeName}_in) = ${zin > 0 ? "1 (input > 0)" : "0 (input ≤ 0)"}` };
    case "leaky_relu":
      return { value: zin > 0 ? 1 : act.param, formula: `leaky_relu'(${nodeName}_in) = ${zin > 0 ? "1 (input > 0)" : `${act.param} (input ≤ 0)`}` };
    case "elu":
      return { value: zin > 0 ? 1 : aout + act.param, formula: `elu'(${nodeName}_in) = ${zin > 0 ? "1 (input > 0)" : `${nodeName} + ${act.param} (input ≤ 0)`}` };
    case "softplus": {
      const s = 1 / (1 + Math.exp(-zin));
      return { value: s, formula: `softplus'(${nodeName}_in) = σ(${nodeName}_in)` };
    }
    default:
      return null;
  }
}

export function lossLabel(loss) {
  return (
    {
      half_squared_error: "½(ŷ - y)²",
      mean_squared_error: "(1/K)Σ(ŷ - y)²",
      softmax_cross_entropy: "-Σ y·ln ŷ",
    }[loss] || loss
  );
}

// Weight name without the λ prefix, for test ids: "4-6".
export function weightKey(w) {
  return `${w.from}-${w.to}`;
}
