#include "annlab/core/architecture.hpp"

#include <charconv>
#include <string>

#include "annlab/core/error.hpp"

namespace annlab {
namespace {
std::string widths_text(const std::vector<int>& w) {
  std::string s;
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? "-" : "") + std::to_string(w[i]);
  return s;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
template <class F>
void for_each_item(std::string_view text, F&& f) {
  std::size_t start = 0;
  int index = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    f(trim(text.substr(start,
                       comma == std::string_view::npos ? std::string_view::npos : comma - start)),
      index++);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}
}  // namespace

std::vector<int> parse_widths(std::string_view text) {
  std::vector<int> w;
  for_each_item(text, [&](std::string_view item, int index) {
    int v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec == std::errc::result_out_of_range)
      throw UsageError("layer widths '" + std::string(text) + "': item " +
                       std::to_string(index + 1) + " ('" + std::string(item) +
                       "') is too large for a layer width");
    if (item.empty() || ec != std::errc() || p != item.data() + item.size())
      throw UsageError("layer widths '" + std::string(text) + "': item " +
                       std::to_string(index + 1) + " ('" + std::string(item) +
                       "') is not a whole number; write widths like 3,2,1");
    w.push_back(v);
  });
  return w;
}

std::vector<Activation> parse_activations(std::string_view text) {
  std::vector<Activation> v;
  for_each_item(text, [&](std::string_view item, int) { v.push_back(Activation::parse(item)); });
  return v;
}

void Architecture::validate(bool for_training) const {
  if (widths.size() < 2)
    throw ArchitectureError("a network needs at least an input and an output layer (got " +
                            std::to_string(widths.size()) + " widths); give widths like 3,2,1");
  for (std::size_t i = 0; i < widths.size(); ++i)
    if (widths[i] <= 0)
      throw ArchitectureError("layer " + std::to_string(i) + " has width " +
                              std::to_string(widths[i]) + " in " + widths_text(widths) +
                              "; every layer needs at least one node");
  const int n = layers();
  if (static_cast<int>(activations.size()) != n)
    throw ArchitectureError("network " + widths_text(widths) + " has " + std::to_string(n) +
                            " layers after the input, so it needs " + std::to_string(n) +
                            " activations (one per layer), got " +
                            std::to_string(activations.size()));
  for (int l = 1; l <= n; ++l) {
    const Activation& a = activations[l - 1];
    if (a.kind == ActivationKind::softmax && l != n)
      throw ArchitectureError("softmax is on layer " + std::to_string(l) + " of " +
                              std::to_string(n) +
                              "; softmax belongs on the output layer only (use relu, tanh "
                              "or sigmoid for hidden layers)");
    if (a.kind == ActivationKind::softmax && widths[l] < 2)
      throw ArchitectureError(
          "softmax on a layer of one node always outputs 1; use two or more output nodes "
          "(one per class), or sigmoid/identity for a single output");
    if (for_training && !a.differentiable())
      throw ArchitectureError("layer " + std::to_string(l) + " uses " + a.name() +
                              ", which cannot be trained through (its derivative is zero "
                              "almost everywhere); use sigmoid or tanh to train");
    if (a.kind == ActivationKind::leaky_relu && !(a.param >= 0 && a.param < 1))
      throw ArchitectureError("leaky_relu slope " + std::to_string(a.param) +
                              " is outside [0, 1); typical values are 0.01-0.3");
  }
  if (loss == LossKind::softmax_cross_entropy && activations.back().kind != ActivationKind::softmax)
    throw ArchitectureError("softmax_cross_entropy needs a softmax output layer (got " +
                            activations.back().name() +
                            "); set the last activation to softmax, or use "
                            "half_squared_error / mean_squared_error for regression");
}

std::string Architecture::describe() const {
  std::string s = widths_text(widths) + " (";
  for (std::size_t i = 0; i < activations.size(); ++i) s += (i ? ", " : "") + activations[i].name();
  return s + "), " + loss_name(loss);
}

ParameterCount count_parameters(const std::vector<int>& widths) {
  ParameterCount c;
  for (std::size_t l = 1; l < widths.size(); ++l) {
    const long in = widths[l - 1], out = widths[l];
    c.layers.push_back({static_cast<int>(l), in, out, in * out, out});
    c.weights += in * out;
    c.biases += out;
  }
  c.total = c.weights + c.biases;
  return c;
}

ParameterLayout::ParameterLayout(const std::vector<int>& widths) {
  std::size_t off = 0;
  for (std::size_t l = 1; l < widths.size(); ++l) {
    weight_offset.push_back(off);
    off += static_cast<std::size_t>(widths[l]) * static_cast<std::size_t>(widths[l - 1]);
    bias_offset.push_back(off);
    off += static_cast<std::size_t>(widths[l]);
  }
  size = off;
}

NodeNames::NodeNames(const std::vector<int>& widths) {
  layers_ = static_cast<int>(widths.size()) - 1;
  int id = 1;
  for (int w : widths) {
    first_id_.push_back(id);
    id += w;
  }
  total_ = id - 1;
}

std::string NodeNames::node(int layer, int index) const {
  const char* prefix = layer == 0 ? "I" : (layer == layers_ ? "O" : "H");
  return prefix + std::to_string(id(layer, index));
}
std::string NodeNames::weight(int layer, int to, int from) const {
  return "λ(" + std::to_string(id(layer - 1, from)) + "," + std::to_string(id(layer, to)) + ")";
}
std::string NodeNames::bias(int layer, int index) const {
  return "b" + std::to_string(id(layer, index));
}

}  // namespace annlab
