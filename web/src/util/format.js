// Number formatting shared by every view. The diagram shows values the way the chapter does,
// 4 decimals; tiny or huge values switch to exponent form so they never read as 0.0000.
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return (0).toFixed(digits);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return x.toFixed(digits);
  return x.toExponential(Math.max(1, digits - 2));
}

// Short form for axes and legends.
export function fmtShort(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1e-3 && a < 1e4) return String(+x.toPrecision(4));
  return x.toExponential(2);
}

// A number in parentheses when negative, as a factor in a product: 0.6065 · (-0.2009).
export function factor(x, digits = 4) {
  const s = fmt(x, digits);
  return x < 0 ? `(${s})` : s;
}

export function fmtInt(n) {
  return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
}
