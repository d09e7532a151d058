import { h, clear } from "../util/dom.js";

// The visible message area: every API error lands here with its text; nothing is swallowed.
export class Messages {
  constructor(container) {
    this.el = container;
    this.el.dataset.testid = "error-area";
    this.el.setAttribute("role", "alert");
    this.el.setAttribute("aria-live", "polite");
    this.count = 0;
  }
  error(err, context = "") {
    const text = err && err.message ? err.message : String(err);
    // The same message again replaces the last one (polling errors repeat).
    const last = this.el.lastElementChild;
    if (last && last.dataset.text === context + text) {
      const n = Number(last.dataset.n || 1) + 1;
      last.dataset.n = n;
      last.querySelector(".times").textContent = ` ×${n}`;
      return;
    }
    const item = h(
      "div",
      { class: "msg msg-error", testid: "error-message" },
      h("span", { class: "msg-icon" }, "!"),
      h("span", { class: "msg-text" }, context ? h("b", {}, `${context}: `) : null, text, h("span", { class: "times" })),
      h("button", { class: "msg-close", title: "Dismiss", onclick: () => item.remove() }, "×"),
    );
    item.dataset.text = context + text;
    this.el.append(item);
    while (this.el.children.length > 4) this.el.firstElementChild.remove();
    console.warn(`annlab: ${context ? context + ": " : ""}${text}`);
  }
  info(text) {
    const item = h("div", { class: "msg msg-info" }, h("span", { class: "msg-text" }, text), h("button", { class: "msg-close", onclick: () => item.remove() }, "×"));
    this.el.append(item);
    setTimeout(() => item.remove(), 6000);
  }
  clear() {
    clear(this.el);
  }
}

export class Tooltip {
  constructor() {
    this.el = h("div", { class: "tooltip", role: "tooltip" });
    document.body.append(this.el);
  }
  show(event, html) {
    this.el.innerHTML = html;
    this.el.style.display = "block";
    const pad = 14;
    let x = event.clientX + pad;
    let y = event.clientY + pad;
    const r = this.el.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 8) x = event.clientX - r.width - pad;
    if (y + r.height > window.innerHeight - 8) y = event.clientY - r.height - pad;
    this.el.style.left = `${x}px`;
    this.el.style.top = `${y}px`;
  }
  hide() {
    this.el.style.display = "none";
  }
}
