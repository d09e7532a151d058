// Peak memory of fit() on W3's network (784-512-512-10, softmax + cross-entropy, batch 128,
// Adam, one epoch), beyond the data and the network: issue #6 asks for a training peak under
// 2 x (parameters + optimizer state + one batch of activations). Synthetic data (8192 rows;
// the peak does not grow with the rows beyond the shuffle order, 8 bytes a row).
//   build/release/bench/bench_memory
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "annlab/train/trainer.hpp"

namespace {
long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}
}  // namespace

int main() {
  using namespace annlab;
  const long N = 8192;
  std::vector<float> x(std::size_t(N) * 784), y(std::size_t(N) * 10, 0.f);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(double(i)));
  for (long r = 0; r < N; ++r) y[std::size_t(r * 10 + r % 10)] = 1.f;
  const Activation relu = Activation::of(ActivationKind::relu);
  Network<float> net(Architecture{{784, 512, 512, 10},
                                  {relu, relu, Activation::of(ActivationKind::softmax)},
                                  LossKind::softmax_cross_entropy});
  for (std::size_t i = 0; i < net.parameters().size(); ++i)
    net.parameters()[i] = float(0.03 * std::cos(double(i)));
  const long before = max_rss_kb();
  TrainConfig c;
  c.optimizer.kind = OptimizerKind::adam;
  c.optimizer.learning_rate = 1e-3;
  c.batch_size = 128;
  c.epochs = 1;
  c.history.every = 0;
  fit<float>(net, {x.data(), y.data(), N}, {}, c);
  const double params = double(net.parameters().size()) * 4 / 1e6;
  const double batch = 128.0 * (784 + 512 + 512 + 10) * 4 * 4 / 1e6;  // z, a, dz, da
  const double peak = params + double(max_rss_kb() - before) / 1e3;
  std::printf(
      "fit() peak %.1f MB (network %.1f MB + %.1f MB more while training); budget 2 x "
      "(parameters %.1f + Adam state %.1f + one batch of activations %.1f) = %.1f MB\n",
      peak, params, peak - params, params, 2 * params, batch, 2 * (3 * params + batch));
  return peak <= 2 * (3 * params + batch) ? 0 : 1;
}
