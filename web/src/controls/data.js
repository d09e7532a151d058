import { h, clear } from "../util/dom.js";
import { field, select, setOptions, numberInput } from "./fields.js";

const GENERATED = [
  ["circle", "circle (2 classes)"],
  ["xor", "xor (2 classes)"],
  ["gaussians", "two gaussians"],
  ["spiral", "spiral (2 classes)"],
  ["curve", "curve (1-D regression)"],
];

// Data choice: the chapter's sample, generated sets, shipped sets, or an uploaded CSV with its
// target and features. Calls onChange() when the choice changes (the app makes a new session).
export class DataControls {
  constructor(container, { source, onChange, onError }) {
    this.source = source;
    this.onChange = onChange;
    this.onError = onError;
    this.upload = null;
    this.sourceSel = select(
      [
        ["chapter", "Chapter example (1 sample)"],
        ["generated", "Generated"],
        ["shipped", "Shipped data set"],
        ["upload", "Upload a CSV"],
      ],
      "chapter",
      { testid: "data-source", onchange: () => this.changed() },
    );
    this.genName = select(GENERATED, "circle", { testid: "gen-name", onchange: () => this.changed() });
    this.genSize = numberInput(200, { min: 10, max: 5000, step: 10, testid: "gen-size", onchange: () => this.changed() });
    this.genNoise = h("input", { type: "range", min: 0, max: 0.5, step: 0.01, value: "0.1", testid: "gen-noise", oninput: () => this.noiseOut.replaceChildren(this.genNoise.value), onchange: () => this.changed() });
    this.noiseOut = h("output", {}, "0.1");
    this.genSeed = numberInput(1, { min: 0, step: 1, testid: "gen-seed", onchange: () => this.changed() });
    this.shippedSel = select([], null, { testid: "shipped-name", onchange: () => this.changed() });
    this.fileInput = h("input", { type: "file", accept: ".csv,text/csv", testid: "upload-input", onchange: () => this.uploadFile() });
    this.uploadInfo = h("div", { class: "upload-info", testid: "upload-info" });
    this.targetSel = select([], null, { testid: "upload-target", onchange: () => this.targetChanged() });
    this.classTarget = h("input", { type: "checkbox", testid: "upload-class-target", onchange: () => this.changed() });
    this.featureBox = h("div", { class: "feature-list", testid: "upload-features" });

    this.genBox = h("div", { class: "sub" }, field("Set", this.genName), h("div", { class: "row2" }, field("Rows", this.genSize), field("Seed", this.genSeed)), field(h("span", {}, "Noise ", this.noiseOut), this.genNoise));
    this.shippedBox = h("div", { class: "sub" }, field("Data set", this.shippedSel), h("div", { class: "field-hint", testid: "shipped-info" }));
    this.uploadBox = h(
      "div",
      { class: "sub" },
      field("CSV file", this.fileInput),
      this.uploadInfo,
      h("div", { class: "upload-columns" }, field("Target", this.targetSel), h("label", { class: "check" }, this.classTarget, " integer target holds class labels"), h("div", { class: "field-label" }, "Features"), this.featureBox),
    );
    container.append(field("Source", this.sourceSel), this.genBox, this.shippedBox, this.uploadBox);
    this.showBoxes();
  }

  // GET /api/datasets: {"datasets": [{data: DATA, title, task, available, target?}]}.
  setDatasets(d) {
    const list = (d && d.datasets) || [];
    const pick = (src) =>
      list
        .filter((x) => x.data && x.data.source === src && x.available !== false)
        .map((x) => ({ name: x.data.name, title: x.title, task: x.task, target: x.target, defaults: x.data }));
    this.datasets = { generated: pick("generated"), shipped: pick("shipped") };
    this.maxUploadBytes = d && d.max_upload_bytes ? d.max_upload_bytes : null;
    const shipped = this.datasets.shipped.map((s) => [s.name, `${s.name}: ${s.title || ""}`]);
    setOptions(this.shippedSel, shipped.length ? shipped : [["", "(none found in --data-dir)"]], shipped[0] ? shipped[0][0] : "");
    const gen = (this.datasets.generated || []).map((g) => [g.name, g.title || g.name]);
    if (gen.length) setOptions(this.genName, gen, this.genName.value || gen[0][0]);
  }

  showBoxes() {
    const s = this.sourceSel.value;
    this.genBox.hidden = s !== "generated";
    this.shippedBox.hidden = s !== "shipped";
    this.uploadBox.hidden = s !== "upload";
    this.uploadBox.querySelector(".upload-columns").hidden = !this.upload;
    const info = this.shippedBox.querySelector("[data-testid=shipped-info]");
    const ds = (this.datasets?.shipped || []).find((x) => x.name === this.shippedSel.value);
    info.textContent = ds ? `${ds.task || ""}${ds.target ? `; target ${[].concat(ds.target).join(", ")}` : ""}` : "";
  }

  changed() {
    this.showBoxes();
    if (this.sourceSel.value === "upload" && !this.upload) return; // wait for a file
    this.onChange();
  }

  async uploadFile() {
    const f = this.fileInput.files[0];
    if (!f) return;
    clear(this.uploadInfo).append(h("span", { class: "muted" }, `uploading ${f.name}…`));
    try {
      if (this.maxUploadBytes && f.size > this.maxUploadBytes)
        throw new Error(`${f.name} has ${(f.size / 1048576).toFixed(1)} MB; the server takes at most ${(this.maxUploadBytes / 1048576).toFixed(0)} MB (annlab serve --max-upload-mb)`);
      const text = await f.text();
      const u = await this.source.upload(f.name, text);
      this.upload = u;
      clear(this.uploadInfo).append(h("span", {}, h("b", {}, u.name), ` · ${u.rows} rows · ${u.columns.length} columns`));
      const cols = u.columns.map((c) => c.name);
      setOptions(
        this.targetSel,
        u.columns.map((c) => [c.name, `${c.name} (${c.kind}${c.missing ? `, ${c.missing} missing` : ""})`]),
        cols[cols.length - 1],
      );
      this.targetChanged(true);
    } catch (e) {
      clear(this.uploadInfo);
      this.onError(e, "upload");
    }
  }

  targetChanged() {
    if (!this.upload) return;
    const target = this.targetSel.value;
    clear(this.featureBox);
    for (const c of this.upload.columns) {
      if (c.name === target) continue;
      this.featureBox.append(h("label", { class: "check" }, h("input", { type: "checkbox", checked: true, value: c.name, onchange: () => this.changed() }), ` ${c.name}`));
    }
    const col = this.upload.columns.find((c) => c.name === target);
    this.classTarget.checked = false;
    this.classTarget.disabled = col && col.kind === "categorical";
    this.changed();
  }

  kind() {
    return this.sourceSel.value;
  }

  // The DATA object of POST /api/sessions.
  data() {
    switch (this.sourceSel.value) {
      case "generated":
        return { source: "generated", name: this.genName.value, size: Number(this.genSize.value), noise: Number(this.genNoise.value), seed: Number(this.genSeed.value) };
      case "shipped":
        return { source: "shipped", name: this.shippedSel.value };
      case "upload":
        return { source: "upload", id: this.upload.id };
      default:
        return { source: "chapter" };
    }
  }

  // Config keys the data choice decides (uploads: the columns).
  configPart() {
    if (this.sourceSel.value !== "upload" || !this.upload) return {};
    const features = [...this.featureBox.querySelectorAll("input:checked")].map((i) => i.value);
    const part = { target: [this.targetSel.value], features };
    if (this.classTarget.checked) part.class_target = true;
    return part;
  }
}
