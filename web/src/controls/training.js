import { h } from "../util/dom.js";
import { field, select, numberInput, OPTIMIZERS, SCHEDULES } from "./fields.js";

const LR_MIN = -4;
const LR_MAX = 0;

// Optimizer, learning rate (log slider), schedule and decay, batch size, validation share and
// the epoch budget of "play".
export class TrainingControls {
  constructor(container, { onChange }) {
    this.onChange = onChange;
    this.optimizer = select(OPTIMIZERS, "gd", { testid: "opt", onchange: () => this.onChange() });
    this.lr = h("input", { type: "range", min: LR_MIN, max: LR_MAX, step: 0.01, value: String(Math.log10(0.2)), testid: "lr-slider", oninput: () => this.showLr(), onchange: () => this.onChange() });
    this.lrOut = h("output", { testid: "lr-value" });
    this.schedule = select(SCHEDULES, "constant", { testid: "schedule", onchange: () => this.scheduleChanged() });
    this.decay = numberInput(0.01, { min: 0, step: 0.001, testid: "decay", onchange: () => this.onChange() });
    this.factor = numberInput(0.5, { min: 0, max: 1, step: 0.05, testid: "factor", onchange: () => this.onChange() });
    this.batch = numberInput(0, { min: 0, step: 1, testid: "batch", onchange: () => this.onChange() });
    this.validation = numberInput(0, { min: 0, max: 0.9, step: 0.05, testid: "validation", onchange: () => this.onChange() });
    this.maxEpochs = numberInput(1000, { min: 1, step: 100, testid: "max-epochs", onchange: () => this.onChange() });
    this.decayField = field("Decay", this.decay);
    this.factorField = field("Factor", this.factor);
    container.append(
      field("Optimizer", this.optimizer),
      field(h("span", {}, "Learning rate η ", this.lrOut), this.lr, "log scale, 10⁻⁴ … 1"),
      field("Schedule", this.schedule),
      h("div", { class: "row2" }, this.decayField, this.factorField),
      h("div", { class: "row2" }, field("Batch size", this.batch, "0 = full batch, 1 = stochastic"), field("Validation", this.validation, "share held out")),
      field("Epochs for ▶ play", this.maxEpochs),
    );
    this.showLr();
    this.scheduleChanged(true);
  }

  learningRate() {
    return +Math.pow(10, Number(this.lr.value)).toPrecision(3);
  }
  showLr() {
    this.lrOut.textContent = String(this.learningRate());
  }
  scheduleChanged(silent) {
    const s = this.schedule.value;
    this.decayField.hidden = !(s === "chapter_decay" || s === "inverse_time");
    this.factorField.hidden = !(s === "step" || s === "exponential" || s === "reduce_on_plateau");
    if (!silent) this.onChange();
  }

  setFromSession(session) {
    const c = session.config || {};
    if (c.optimizer) this.optimizer.value = c.optimizer;
    if (c.lr) {
      this.lr.value = String(Math.min(LR_MAX, Math.max(LR_MIN, Math.log10(c.lr))));
      this.showLr();
    }
    if (c.schedule) this.schedule.value = c.schedule;
    if (c.decay) this.decay.value = String(c.decay);
    if (c.factor) this.factor.value = String(c.factor);
    if (c.batch !== undefined) this.batch.value = String(c.batch);
    if (c.validation !== undefined) this.validation.value = String(c.validation);
    if (session.max_epochs) this.maxEpochs.value = String(session.max_epochs);
    this.scheduleChanged(true);
  }

  configPart() {
    const s = this.schedule.value;
    const part = {
      optimizer: this.optimizer.value,
      lr: this.learningRate(),
      schedule: s,
      batch: Number(this.batch.value),
      validation: Number(this.validation.value),
    };
    if (s === "chapter_decay" || s === "inverse_time") part.decay = Number(this.decay.value);
    if (s === "step" || s === "exponential" || s === "reduce_on_plateau") part.factor = Number(this.factor.value);
    return part;
  }

  maxEpochsValue() {
    return Math.max(1, Number(this.maxEpochs.value) || 1000);
  }
}
