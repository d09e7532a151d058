import { h, clear } from "../util/dom.js";
import { field, select, numberInput, ACTIVATIONS, OUTPUTS, LOSSES, INITS, BIAS_INITS } from "./fields.js";

// The network editor: hidden layers (add/remove layers and nodes, activation per layer),
// output activation and loss, initializers and seed.
export class NetworkControls {
  constructor(container, { onChange }) {
    this.onChange = onChange;
    this.layers = [{ width: 2, activation: "sigmoid" }];
    this.layerBox = h("div", { class: "layers", testid: "layers" });
    this.addBtn = h("button", { class: "btn btn-small", testid: "btn-add-layer", onclick: () => this.addLayer() }, "+ hidden layer");
    this.output = select(OUTPUTS, "auto", { testid: "net-output", onchange: () => this.onChange() });
    this.loss = select(LOSSES, "auto", { testid: "net-loss", onchange: () => this.onChange() });
    this.init = select(INITS, "xavier", { testid: "net-init", onchange: () => this.onChange() });
    this.biasInit = select(BIAS_INITS, "chapter_uniform", { testid: "net-bias-init", onchange: () => this.onChange() });
    this.seed = numberInput(13, { min: 0, step: 1, testid: "net-seed", onchange: () => this.onChange() });
    this.summary = h("div", { class: "field-hint", testid: "net-summary" });
    container.append(
      h("div", { class: "field-label" }, "Hidden layers"),
      this.layerBox,
      this.addBtn,
      h("div", { class: "row2" }, field("Output", this.output), field("Loss", this.loss)),
      field("Weights init", this.init),
      h("div", { class: "row2" }, field("Bias init", this.biasInit), field("Seed", this.seed)),
      this.summary,
    );
    this.renderLayers();
  }

  addLayer() {
    const last = this.layers[this.layers.length - 1];
    this.layers.push({ width: last ? last.width : 4, activation: last ? last.activation : "tanh" });
    this.renderLayers();
    this.onChange();
  }

  renderLayers() {
    clear(this.layerBox);
    this.layers.forEach((l, i) => {
      const width = h("span", { class: "width", testid: `layer-width-${i}` }, String(l.width));
      const set = (w) => {
        l.width = Math.max(1, Math.min(512, w));
        width.textContent = String(l.width);
        this.onChange();
      };
      const act = select(ACTIVATIONS, l.activation, {
        testid: `layer-act-${i}`,
        onchange: () => {
          l.activation = act.value;
          this.onChange();
        },
      });
      this.layerBox.append(
        h(
          "div",
          { class: "layer-row" },
          h("span", { class: "layer-name" }, `H${i + 1}`),
          h("button", { class: "btn btn-icon", title: "remove a node", testid: `layer-minus-${i}`, onclick: () => set(l.width - 1) }, "−"),
          width,
          h("button", { class: "btn btn-icon", title: "add a node", testid: `layer-plus-${i}`, onclick: () => set(l.width + 1) }, "+"),
          act,
          h(
            "button",
            {
              class: "btn btn-icon btn-remove",
              title: "remove this layer",
              testid: `layer-remove-${i}`,
              onclick: () => {
                this.layers.splice(i, 1);
                this.renderLayers();
                this.onChange();
              },
            },
            "×",
          ),
        ),
      );
    });
    if (this.layers.length === 0) this.layerBox.append(h("div", { class: "muted small" }, "no hidden layer: a linear model"));
  }

  // Fill the editor from a session's effective config and network.
  // withOutput: also take the output and loss (the chapter's identity and ½SE); other data
  // keep "auto" unless the user picked them, so a new data set gets its task's default.
  setFromSession(session, { withOutput = true } = {}) {
    const c = session.config || {};
    const acts = [].concat(c.activation || []);
    if (Array.isArray(c.layers)) this.layers = c.layers.map((w, i) => ({ width: w, activation: acts[i] || acts[0] || "relu" }));
    this.renderLayers();
    const net = session.network;
    const outAct = net ? net.activations[net.activations.length - 1] : null;
    if (withOutput) {
      this.output.value = c.output ?? "auto";
      if (!this.output.value) this.output.value = "auto";
      this.loss.value = c.loss ?? "auto";
      if (!this.loss.value) this.loss.value = "auto";
    }
    if (c.init && !String(c.init).startsWith("constant")) this.init.value = c.init;
    if (c.bias_init && !String(c.bias_init).startsWith("constant")) this.biasInit.value = c.bias_init;
    if (c.seed !== undefined) this.seed.value = String(c.seed);
    if (net) {
      const nW = net.weights.length;
      const nB = net.biases.length;
      this.summary.textContent = `${net.widths.join("-")} · output ${outAct} · ${net.loss} · ${nW} weights + ${nB} biases = ${nW + nB} parameters · epoch budget ${session.max_epochs}`;
    }
  }

  // Chapter defaults carry over between data sets except the output and loss, which follow
  // the task.
  setOutput(output, loss) {
    this.output.value = output;
    this.loss.value = loss;
  }

  resetOutputForTask() {
    this.output.value = "auto";
    this.loss.value = "auto";
  }

  configPart() {
    return {
      layers: this.layers.map((l) => l.width),
      activation: this.layers.map((l) => l.activation),
      output: this.output.value === "auto" ? null : this.output.value,
      loss: this.loss.value === "auto" ? null : this.loss.value,
      init: this.init.value,
      bias_init: this.biasInit.value,
      seed: Number(this.seed.value),
    };
  }
}
