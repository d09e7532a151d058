// Exports of what the page draws: SVG with its styles inlined (so it looks the same outside
// the page), PNG rendered through a canvas, and plain file downloads.
const PROPS = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "stroke-linecap",
  "stroke-linejoin",
  "paint-order",
  "opacity",
  "font-family",
  "font-size",
  "font-weight",
  "font-style",
  "text-anchor",
  "dominant-baseline",
  "letter-spacing",
];

export function serializeSvg(svg, { title } = {}) {
  const clone = svg.cloneNode(true);
  const src = [svg, ...svg.querySelectorAll("*")];
  const dst = [clone, ...clone.querySelectorAll("*")];
  const remove = [];
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    if (cs.display === "none") {
      remove.push(dst[i]);
      return;
    }
    const style = PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(";");
    dst[i].setAttribute("style", style);
    dst[i].removeAttribute("class");
  });
  for (const el of remove) el.remove();
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  clone.setAttribute("xmlns:xlink", "http://www.w3.org/1999/xlink");
  const vb = svg.viewBox && svg.viewBox.baseVal;
  if (vb && vb.width) {
    clone.setAttribute("width", vb.width);
    clone.setAttribute("height", vb.height);
  }
  // Keep the zoomed view of the diagram as it is on screen.
  if (title) {
    const t = document.createElementNS("http://www.w3.org/2000/svg", "title");
    t.textContent = title;
    clone.insertBefore(t, clone.firstChild);
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
}

export function download(name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

export function downloadSvg(svg, name) {
  download(`${name}.svg`, serializeSvg(svg, { title: name }), "image/svg+xml");
}

export function svgToPngBlob(svg, scale = 2) {
  const text = serializeSvg(svg);
  const vb = svg.viewBox.baseVal;
  const w = vb && vb.width ? vb.width : svg.clientWidth;
  const hgt = vb && vb.height ? vb.height : svg.clientHeight;
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = Math.round(w * scale);
      c.height = Math.round(hgt * scale);
      const ctx = c.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      c.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not encode the PNG"))), "image/png");
    };
    img.onerror = () => reject(new Error("the browser could not render the SVG for the PNG export"));
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  });
}

export async function downloadPng(svg, name) {
  download(`${name}.png`, await svgToPngBlob(svg), "image/png");
}

// Several SVGs side by side in one SVG (the four convergence panels).
export function combineSvgs(svgs, columns = 2) {
  const ns = "http://www.w3.org/2000/svg";
  const out = document.createElementNS(ns, "svg");
  let maxW = 0;
  let maxH = 0;
  for (const s of svgs) {
    maxW = Math.max(maxW, s.viewBox.baseVal.width);
    maxH = Math.max(maxH, s.viewBox.baseVal.height);
  }
  const rows = Math.ceil(svgs.length / columns);
  out.setAttribute("viewBox", `0 0 ${maxW * columns} ${maxH * rows}`);
  svgs.forEach((s, i) => {
    const g = document.createElementNS(ns, "svg");
    g.setAttribute("x", (i % columns) * maxW);
    g.setAttribute("y", Math.floor(i / columns) * maxH);
    g.setAttribute("width", s.viewBox.baseVal.width);
    g.setAttribute("height", s.viewBox.baseVal.height);
    g.setAttribute("viewBox", s.getAttribute("viewBox"));
    for (const c of s.childNodes) g.append(c.cloneNode(true));
    out.append(g);
  });
  return out;
}
