import { ApiError } from "./source.js";

async function request(method, url, body, contentType = "application/json") {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "Content-Type": contentType },
      body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : body,
    });
  } catch (e) {
    throw new ApiError(`${method} ${url}: the server does not answer (${e.message}); is annlab serve still running?`);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let doc = null;
  try {
    doc = text ? JSON.parse(text) : null;
  } catch {
    if (!res.ok) throw new ApiError(`${method} ${url}: HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
    throw new ApiError(`${method} ${url}: the answer is not JSON`, res.status);
  }
  if (!res.ok) {
    const msg = doc && doc.error ? doc.error : `HTTP ${res.status}`;
    throw new ApiError(msg, res.status);
  }
  return doc;
}

// The live JSON API of `annlab serve`, one session at a time.
export class LiveSource {
  constructor(base = "") {
    this.base = base;
    this.live = true;
    this.id = null;
    this.current = null;
  }
  url(path) {
    return `${this.base}/api${path}`;
  }
  sessionUrl(path = "") {
    if (!this.id) throw new ApiError("no session yet: pick data and a network first");
    return this.url(`/sessions/${encodeURIComponent(this.id)}${path}`);
  }

  version() {
    return request("GET", this.url("/version"));
  }
  datasets() {
    return request("GET", this.url("/datasets"));
  }
  upload(name, text) {
    return request("POST", this.url(`/uploads?name=${encodeURIComponent(name)}`), text, "text/csv");
  }
  async createSession(body) {
    const s = await request("POST", this.url("/sessions"), body);
    const old = this.id;
    this.id = s.id;
    this.current = s;
    // Free the session this tab no longer uses (the server keeps at most 64).
    if (old && old !== s.id) request("DELETE", this.url(`/sessions/${encodeURIComponent(old)}`)).catch(() => {});
    return s;
  }
  async session() {
    this.current = await request("GET", this.sessionUrl());
    return this.current;
  }
  async train(epochs) {
    this.current = await request("POST", this.sessionUrl("/train"), epochs ? { epochs } : {});
    return this.current;
  }
  async pause() {
    this.current = await request("POST", this.sessionUrl("/pause"), {});
    return this.current;
  }
  async reset() {
    this.current = await request("POST", this.sessionUrl("/reset"), {});
    return this.current;
  }
  history(since = -1) {
    return request("GET", this.sessionUrl(`/history?since=${since}&max_records=2000`));
  }
  // The page draws at most a few hundred points per curve and 160 curves: it asks for no more.
  series(since, { maxEpochs = 600, maxParams = 160 } = {}) {
    const q = [`max_epochs=${maxEpochs}`, `max_params=${maxParams}`];
    if (since !== undefined && since !== null) q.unshift(`since=${since}`);
    return request("GET", this.sessionUrl(`/series?${q.join("&")}`));
  }
  state(epoch) {
    return request("GET", this.sessionUrl(`/state?epoch=${epoch}`));
  }
  surface(epoch, size = 60) {
    return request("GET", this.sessionUrl(`/surface?epoch=${epoch}&size=${size}`));
  }
  fit(epoch) {
    return request("GET", this.sessionUrl(`/fit?epoch=${epoch}`));
  }
  verify(epoch, name) {
    return request("POST", this.sessionUrl("/verify"), { epoch, name });
  }
  exportUrl(kind) {
    return this.sessionUrl(`/export/${kind}`);
  }
}
