#include "annlab/train/gd.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "annlab/core/error.hpp"

namespace annlab {

namespace {
// A tiny network's update, kept scalar: its gradient was just written by scalar stores, and
// a vector load of several of them cannot be forwarded from the store buffer (it waits for
// them to reach the cache: a tenth of the chapter's step).
template <class T>
[[gnu::optimize("no-tree-vectorize")]] void scalar_update(T* p, const T* g, std::size_t n, T lr) {
  for (std::size_t i = 0; i < n; ++i) p[i] -= lr * g[i];
}
}  // namespace

template <class T>
void gd_update(std::span<T> params, std::span<const T> grad, T learning_rate) {
  const std::size_t n = params.size();
  T* p = params.data();
  const T* g = grad.data();
  if (n < 32) return scalar_update(p, g, n, learning_rate);
  for (std::size_t i = 0; i < n; ++i) p[i] -= learning_rate * g[i];
}

template <class T>
void train_full_batch_gd(Network<T>& net, const T* x, const T* y, long n, double learning_rate,
                         int epochs,
                         const std::function<void(int, const Propagator<T>&)>& on_epoch) {
  if (epochs < 0) throw UsageError("epochs must be >= 0");
  net.architecture().validate(/*for_training=*/true);
  Propagator<T> pass(net.architecture());
  std::vector<T> grad(net.layout().size);
  const T lr = static_cast<T>(learning_rate);
  for (int e = 0; e <= epochs; ++e) {
    pass.forward(net, x, n);
    pass.backward(net, y, grad);
    if (on_epoch) on_epoch(e, pass);
    const double L = pass.loss(y);
    if (!std::isfinite(L))
      throw DivergenceError("training diverged at epoch " + std::to_string(e) + " (the loss is " +
                                std::to_string(L) + "); lower the learning rate",
                            e);
    if (e < epochs) gd_update<T>(net.parameters(), grad, lr);
  }
}

template void gd_update<float>(std::span<float>, std::span<const float>, float);
template void gd_update<double>(std::span<double>, std::span<const double>, double);
template void train_full_batch_gd<float>(Network<float>&, const float*, const float*, long, double,
                                         int,
                                         const std::function<void(int, const Propagator<float>&)>&);
template void train_full_batch_gd<double>(
    Network<double>&, const double*, const double*, long, double, int,
    const std::function<void(int, const Propagator<double>&)>&);

}  // namespace annlab
