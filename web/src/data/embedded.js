import { ApiError } from "./source.js";

// The latest entry with entry.epoch <= epoch (entries sorted by epoch); the first otherwise.
function latestAtOrBefore(entries, epoch) {
  if (!entries || entries.length === 0) return null;
  let lo = 0;
  let hi = entries.length - 1;
  if (epoch < entries[0].epoch) return entries[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (entries[mid].epoch <= epoch) lo = mid;
    else hi = mid - 1;
  }
  return entries[lo];
}

// An `annlab.run` document embedded in a report (docs/dashboard.md): everything is read from
// the document; nothing is fetched.
export class EmbeddedSource {
  constructor(run) {
    if (!run || run.format !== "annlab.run") throw new ApiError("the embedded document is not an annlab.run document");
    if (run.version > 1) throw new ApiError(`annlab.run version ${run.version} is newer than this page reads (1)`);
    this.run = run;
    this.live = false;
    const byEpoch = (a, b) => a.epoch - b.epoch;
    this.states = [...(run.states || [])].sort(byEpoch);
    this.surfaces = [...(run.surfaces || [])].sort(byEpoch);
    this.fits = [...(run.fit || [])].sort(byEpoch);
    this.current = run.session;
  }
  // The epochs the slider can show: those with an embedded trace.
  stateEpochs() {
    return this.states.map((s) => s.epoch);
  }
  async session() {
    return this.run.session;
  }
  async history(since = -1) {
    const h = this.run.history || {};
    const records = (h.records || []).filter((r) => r.epoch > since);
    return { status: this.run.session.status, epoch: this.run.session.epoch, records };
  }
  async series(since) {
    const s = this.run.series || { epochs: [], parameters: [], prediction: [], target: [] };
    if (since === undefined || since === null) return s;
    const keep = s.epochs.map((e, i) => (e > since ? i : -1)).filter((i) => i >= 0);
    return {
      epochs: keep.map((i) => s.epochs[i]),
      parameters: keep.map((i) => s.parameters[i]),
      prediction: keep.map((i) => s.prediction[i]),
      target: s.target,
      ...(s.param_index ? { param_index: s.param_index } : {}),
    };
  }
  async state(epoch) {
    const s = latestAtOrBefore(this.states, epoch);
    if (!s) throw new ApiError("the report holds no recorded states");
    return s;
  }
  async surface(epoch) {
    const s = latestAtOrBefore(this.surfaces, epoch);
    return s ? { ...s.surface, epoch: s.epoch } : { kind: "none" };
  }
  async fit(epoch) {
    const f = latestAtOrBefore(this.fits, epoch);
    return f ? { ...f.fit, epoch: f.epoch } : null;
  }
  async verify() {
    throw new ApiError(
      "verify needs the live server: this report is a saved run. Start `annlab serve` and open the run there to compare with finite differences.",
    );
  }
}
