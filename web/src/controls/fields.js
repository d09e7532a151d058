import { h } from "../util/dom.js";

export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), input, hint ? h("span", { class: "field-hint" }, hint) : null);
}

export function select(options, value, attrs = {}) {
  const s = h("select", attrs);
  setOptions(s, options, value);
  return s;
}

// options: [value] or [[value, label]]
export function setOptions(sel, options, value) {
  sel.replaceChildren(
    ...options.map((o) => {
      const [v, l] = Array.isArray(o) ? o : [o, o];
      return h("option", { value: v }, l);
    }),
  );
  if (value !== undefined && value !== null) sel.value = String(value);
}

export function numberInput(value, attrs = {}) {
  return h("input", { type: "number", value: String(value), ...attrs });
}

export const ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "identity"];
export const OUTPUTS = [["auto", "auto (by task)"], "identity", "sigmoid", "tanh", "softmax"];
export const LOSSES = [["auto", "auto (by task)"], ["half_squared_error", "½ squared error (chapter)"], ["mean_squared_error", "mean squared error"], ["softmax_cross_entropy", "softmax cross-entropy"]];
export const INITS = [["xavier", "Xavier U[±1/√p] (chapter)"], ["normalized_xavier", "normalized Xavier (Glorot)"], ["he", "He (normal)"], ["he_uniform", "He (uniform)"], ["zeros", "zeros"]];
export const BIAS_INITS = [["zeros", "zeros"], ["chapter_uniform", "chapter (u - 0.5)·0.5"]];
export const OPTIMIZERS = [["gd", "gradient descent"], ["momentum", "momentum"], ["nesterov", "Nesterov"], ["rmsprop", "RMSprop"], ["adam", "Adam"], ["adamw", "AdamW"], ["lbfgs", "L-BFGS (full batch)"]];
export const SCHEDULES = [["constant", "constant"], ["chapter_decay", "chapter decay η/(1+d·ℓ)"], ["inverse_time", "inverse time (Keras)"], ["step", "step"], ["exponential", "exponential"], ["reduce_on_plateau", "reduce on plateau"]];
