// A network's shape: widths L = [l0..ln], one activation per layer 1..n, and the loss.
// Parameters live in one flat buffer laid out layer by layer as [W1, b1, W2, b2, ...];
// W_l is l_l x l_(l-1), row-major, so W_l[j][i] = λ(i,j) and the weights into a node are
// contiguous (the chapter's order: λ14, λ24, λ34, then λ15, λ25, λ35).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "annlab/core/activation.hpp"
#include "annlab/core/loss.hpp"

namespace annlab {

struct Architecture {
  std::vector<int> widths;              // l0 (inputs) .. ln (outputs); at least two entries
  std::vector<Activation> activations;  // size widths.size()-1: layer 1..n
  LossKind loss = LossKind::half_squared_error;

  int layers() const { return static_cast<int>(widths.size()) - 1; }  // n
  int inputs() const { return widths.front(); }
  int outputs() const { return widths.back(); }

  // Throws ArchitectureError saying what to change: zero/negative width, fewer than two
  // layers, wrong number of activations, softmax not last or with one output,
  // cross-entropy without a softmax output, binary_step when `for_training`.
  void validate(bool for_training = true) const;
  std::string describe() const;  // "3-2-1 (sigmoid, identity), half_squared_error"
  bool operator==(const Architecture&) const = default;
};

// "10,8,6,4,2,1" -> {10,8,6,4,2,1}; throws UsageError with the offending item.
std::vector<int> parse_widths(std::string_view text);
// "sigmoid,identity" -> one Activation per item.
std::vector<Activation> parse_activations(std::string_view text);

// The chapter's counts: layer l has l_l·l_(l-1) weights and l_l biases.
struct LayerCount {
  int layer;  // 1..n
  long inputs, outputs, weights, biases;
};
struct ParameterCount {
  std::vector<LayerCount> layers;
  long weights = 0, biases = 0, total = 0;  // total = Σ l_i·(l_(i-1)+1)
};
ParameterCount count_parameters(const std::vector<int>& widths);

// Offsets of each layer's W and b in the flat buffer (index 0 is layer 1).
struct ParameterLayout {
  std::vector<std::size_t> weight_offset, bias_offset;
  std::size_t size = 0;
  explicit ParameterLayout(const std::vector<int>& widths);
  ParameterLayout() = default;
};

// The chapter's global node numbering: nodes numbered once across the network from 1.
// Layer 0 nodes are I1..I(l0); the last layer's are O..; the rest H...
struct NodeNames {
  explicit NodeNames(const std::vector<int>& widths);
  int id(int layer, int index) const { return first_id_[layer] + index; }  // 1-based id
  std::string node(int layer, int index) const;                            // "H4"
  std::string weight(int layer, int to, int from) const;                   // "λ(1,4)"
  std::string bias(int layer, int index) const;                            // "b4"
  int total_nodes() const { return total_; }

 private:
  std::vector<int> first_id_;
  int layers_ = 0, total_ = 0;
};

}  // namespace annlab
