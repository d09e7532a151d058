// Small DOM helpers: h() builds elements, so the views need no HTML strings.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "testid") el.dataset.testid = v;
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function debounce(fn, ms) {
  let t = null;
  let args = null;
  const d = (...a) => {
    clearTimeout(t);
    args = a;
    t = setTimeout(() => {
      t = null;
      fn(...args);
    }, ms);
  };
  d.cancel = () => {
    clearTimeout(t);
    t = null;
  };
  // Runs a pending call now (and returns its result); nothing when none is pending.
  d.flush = () => {
    if (t === null) return undefined;
    d.cancel();
    return fn(...args);
  };
  return d;
}

// Runs an async job with the newest arguments only: while one call is in flight, later calls
// replace each other and the last one runs when it finishes (slider scrubbing, polling).
export function latestOnly(job) {
  let running = false;
  let pending = null;
  const run = async (...args) => {
    if (running) {
      pending = args;
      return;
    }
    running = true;
    try {
      await job(...args);
    } finally {
      running = false;
      if (pending) {
        const p = pending;
        pending = null;
        run(...p);
      }
    }
  };
  return run;
}

// Calls fn at most every `ms` (leading and trailing), newest arguments win.
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  let args = null;
  return (...a) => {
    args = a;
    const now = Date.now();
    const wait = last + ms - now;
    if (wait <= 0) {
      last = now;
      fn(...args);
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn(...args);
      }, wait);
    }
  };
}

export class Emitter {
  constructor() {
    this.handlers = new Map();
  }
  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(fn);
    return () => this.handlers.set(name, this.handlers.get(name).filter((f) => f !== fn));
  }
  emit(name, ...args) {
    for (const fn of this.handlers.get(name) || []) fn(...args);
  }
}
