#include "annlab/core/network.hpp"

#include <utility>

namespace annlab {

template <class T>
Network<T>::Network(Architecture arch) : arch_(std::move(arch)) {
  arch_.validate(/*for_training=*/false);
  layout_ = ParameterLayout(arch_.widths);
  params_.assign(layout_.size, T(0));
}

template <class T>
template <class U>
Network<U> Network<T>::cast() const {
  Network<U> out(arch_);
  auto dst = out.parameters();
  for (std::size_t i = 0; i < params_.size(); ++i) dst[i] = static_cast<U>(params_[i]);
  return out;
}

template class Network<float>;
template class Network<double>;
template Network<double> Network<float>::cast<double>() const;
template Network<float> Network<float>::cast<float>() const;
template Network<float> Network<double>::cast<float>() const;
template Network<double> Network<double>::cast<double>() const;

}  // namespace annlab
