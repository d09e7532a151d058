// Small deterministic problems shared by the training tests.
#pragma once
#include <cmath>
#include <vector>

#include "annlab/core/init.hpp"
#include "annlab/core/network.hpp"
#include "annlab/core/random.hpp"
#include "annlab/train/trainer.hpp"

namespace annlab::testdata {

// y = sin(x1) + x2², x ~ U[-1.5, 1.5]² from NumPy's legacy stream (seed 5): rows x 2, rows x 1.
template <class T>
struct Regression {
  std::vector<T> x, y;
  long rows = 0;
  Batch<T> batch() const { return {x.data(), y.data(), rows}; }
};
template <class T>
Regression<T> smooth_regression(long rows, std::uint32_t seed = 5) {
  Regression<T> d;
  d.rows = rows;
  NumpyRandom rng(seed);
  for (long r = 0; r < rows; ++r) {
    const double x1 = rng.uniform(-1.5, 1.5), x2 = rng.uniform(-1.5, 1.5);
    d.x.push_back(T(x1));
    d.x.push_back(T(x2));
    d.y.push_back(T(std::sin(x1) + x2 * x2));
  }
  return d;
}

// widths with tanh hidden layers and an identity output, half squared error, Xavier weights
// and zero biases from NumpyRandom(seed).
template <class T>
Network<T> tanh_network(std::vector<int> widths, std::uint32_t seed = 1) {
  std::vector<Activation> acts(widths.size() - 1, Activation::of(ActivationKind::tanh));
  acts.back() = Activation::of(ActivationKind::identity);
  Network<T> net(Architecture{std::move(widths), acts, LossKind::half_squared_error});
  NumpyRandom rng(seed);
  initialize(net, InitSpec{WeightInit::xavier, BiasInit::zeros, 0, 0}, rng);
  return net;
}

template <class T>
std::vector<T> params_of(const Network<T>& net) {
  return {net.parameters().begin(), net.parameters().end()};
}

}  // namespace annlab::testdata
