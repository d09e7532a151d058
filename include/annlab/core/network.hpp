// A network: its architecture and its parameters in one flat buffer (see architecture.hpp).
#pragma once
#include <span>
#include <vector>

#include "annlab/core/architecture.hpp"

namespace annlab {

template <class T>
class Network {
 public:
  Network() = default;
  explicit Network(Architecture arch);  // validates (for forward use); parameters zero

  const Architecture& architecture() const { return arch_; }
  const ParameterLayout& layout() const { return layout_; }

  std::span<T> parameters() { return params_; }
  std::span<const T> parameters() const { return params_; }

  // Layer l in 1..n. weights(l) is l_l x l_(l-1) row-major: weights(l)[j*l_(l-1) + i] = λ(i,j).
  T* weights(int l) { return params_.data() + layout_.weight_offset[l - 1]; }
  const T* weights(int l) const { return params_.data() + layout_.weight_offset[l - 1]; }
  T* biases(int l) { return params_.data() + layout_.bias_offset[l - 1]; }
  const T* biases(int l) const { return params_.data() + layout_.bias_offset[l - 1]; }

  // The same network with parameters converted to U (float <-> double).
  template <class U>
  Network<U> cast() const;

 private:
  Architecture arch_;
  ParameterLayout layout_;
  std::vector<T> params_;
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace annlab
