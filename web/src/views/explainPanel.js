import { explain } from "../model/explain.js";
import { fmt } from "../util/format.js";
import { h, clear } from "../util/dom.js";

// "Explain a number": the chain-rule product of the selected weight, bias or node with the
// numbers of the trace on view, and a verify button (finite differences on the server).
export class ExplainPanel {
  constructor(container, { onVerify, onSelect }) {
    this.onSelect = onSelect;
    this.el = container;
    this.el.dataset.testid = "explain-panel";
    this.onVerify = onVerify;
    this.sel = null;
    this.render();
  }

  set(ix, trace, sel, sign, epoch, live) {
    Object.assign(this, { ix, trace, sel, sign, epoch, live });
    this.render();
  }

  render() {
    const el = clear(this.el);
    el.append(h("h3", {}, "Explain a number"));
    if (!this.sel || !this.trace || !this.ix) {
      el.append(
        h("p", { class: "muted" }, "Click a connection, a weight label, a bias (small square) or a node in the diagram to see its loss derivative as a chain-rule product of the numbers on view."),
      );
      return;
    }
    let ex;
    try {
      ex = explain(this.ix, this.trace, this.trace.weights, this.sel, this.sign);
    } catch (e) {
      el.append(h("p", { class: "muted" }, `Nothing to explain here: ${e.message}`));
      return;
    }
    el.append(h("div", { class: "explain-title", testid: "explain-title" }, ex.title, h("span", { class: "muted" }, `  · epoch ${this.epoch}`)));
    el.append(h("div", { class: "explain-sub" }, ex.subtitle));
    ex.lines.forEach((l, k) => {
      const agree = Math.abs(l.value - l.engine) <= 1e-9 * Math.max(1, Math.abs(l.engine));
      el.append(
        h(
          "div",
          { class: `eq ${k === 0 ? "eq-main" : "eq-sub"}`, testid: k === 0 ? "explain-formula" : null },
          h(
            "div",
            { class: "eq-line" },
            l.node && k > 0
              ? h("button", { class: "lhs lhs-link", title: `explain ${l.lhs} on its own`, onclick: () => this.onSelect && this.onSelect({ kind: "node", id: l.node }) }, l.lhs)
              : h("span", { class: "lhs" }, l.lhs),
            " = ",
            h("span", { class: "sym" }, l.symbolic),
          ),
          l.numeric ? h("div", { class: "eq-line num" }, " = ", l.numeric, " = ", h("b", { testid: k === 0 ? "explain-value" : null }, fmt(l.value))) : null,
          h("div", { class: `eq-engine ${agree ? "ok" : "warn"}` }, `engine's trace: ${fmt(l.engine, 7)}${agree ? " ✓" : " (differs)"}`),
        ),
      );
      if (k === 0 && ex.lines.length > 1) el.append(h("div", { class: "where" }, "where"));
    });
    const result = h("div", { class: "verify-result", testid: "verify-result" });
    const btn = h(
      "button",
      {
        class: "btn btn-secondary",
        testid: "btn-verify",
        title: "Compare with central finite differences computed by the engine",
        onclick: async () => {
          btn.disabled = true;
          clear(result).append(h("span", { class: "muted" }, "checking…"));
          try {
            const v = await this.onVerify(this.epoch, ex.verifyName);
            const good = v.rel_error < 1e-5;
            clear(result).append(
              h("table", { class: "verify-table" }, [
                h("tr", {}, h("td", {}, "analytic (trace)"), h("td", { class: "num" }, fmt(v.analytic, 10))),
                h("tr", {}, h("td", {}, `finite differences (ε = ${v.epsilon})`), h("td", { class: "num" }, fmt(v.numeric, 10))),
                h("tr", {}, h("td", {}, "absolute error"), h("td", { class: "num" }, Number(v.abs_error).toExponential(2))),
                h(
                  "tr",
                  { class: good ? "good" : "bad" },
                  h("td", {}, "relative error"),
                  h("td", { class: "num", testid: "verify-rel-error" }, Number(v.rel_error).toExponential(2), good ? " ✓" : " ✗"),
                ),
              ]),
              h(
                "div",
                { class: "muted small" },
                `dL/d${this.sel.kind === "node" && !/^I/.test(v.name) ? `${v.name}_in` : v.name} at epoch ${v.epoch}, probe row${this.sign < 0 ? "; true sign (the page shows derivatives negated)" : ""}`,
              ),
            );
          } catch (e) {
            clear(result).append(h("div", { class: "verify-error" }, e.message));
          } finally {
            btn.disabled = false;
          }
        },
      },
      "Verify with finite differences",
    );
    el.append(h("div", { class: "verify" }, btn, this.live ? null : h("span", { class: "muted small" }, " needs the live server"), result));
  }
}
