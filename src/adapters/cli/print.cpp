#include "print.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace annlab::cli {
namespace {
// Fixed with `digits` decimals, or scientific when a nonzero value would print as 0.000...
// (late-epoch derivatives are ~1e-9 and must stay visible).
std::string num(double v, int width, int digits) {
  if (v != 0 && std::abs(v) < 0.5 * std::pow(10.0, -digits + 2))
    return fmt::format("{:>{}.{}e}", v, width, std::max(1, digits - 3));
  return fmt::format("{:>{}.{}f}", v, width, digits);
}
}  // namespace

std::string render_trace(const Architecture& arch, const SampleTrace& t, int digits) {
  std::map<int, const NodeTrace*> by_id;
  for (const auto& n : t.nodes) by_id[n.id] = &n;
  const int w = digits + 6;
  std::string s;
  s += fmt::format("Weights      {:>{}} {:>{}} {:>{}}\n", "λ", w, "λ·out(from)", w, "dL/dλ", w);
  int layer = 0;
  for (const auto& e : t.weights) {
    if (e.layer != layer && layer != 0) s += "\n";
    layer = e.layer;
    s += fmt::format("  {:<10} {} {} {}\n", e.name, num(e.value, w, digits),
                     num(e.value * by_id.at(e.from)->out, w, digits), num(e.grad, w, digits));
  }
  s += fmt::format("\nBiases       {:>{}} {:>{}}\n", "b", w, "dL/db", w);
  for (const auto& b : t.biases)
    s += fmt::format("  {:<10} {} {}\n", b.name, num(b.value, w, digits), num(b.grad, w, digits));
  s += fmt::format("\nNodes        {:>{}} {:>{}} {:>{}} {:>{}}\n", "input", w, "output", w,
                   "dL/d input", w, "dL/d output", w);
  layer = 0;
  for (const auto& n : t.nodes) {
    if (n.layer != layer) s += "\n";
    layer = n.layer;
    const std::string act = n.layer == 0 ? "identity" : arch.activations[n.layer - 1].name();
    s += fmt::format("  {:<10} {} {} {} {}   {}\n", n.name, num(n.in, w, digits),
                     num(n.out, w, digits), num(n.dL_din, w, digits), num(n.dL_dout, w, digits),
                     act);
  }
  return s;
}

}  // namespace annlab::cli
