// Micro-benchmarks of the engine's kernels (Google Benchmark). Figures, not tests:
//   build/release/bench/bench_core --benchmark_repetitions=5 --benchmark_report_aggregates_only
// (BM_FwdBwd_784_512_512_10_b128/1 and /2: one and two threads; the /0 and /1 of the
// 8-64-64-1 and 64-100-10 benchmarks: Eigen's GEMM and the blocked products of
// src/core/blocked.hpp, Propagator::set_blocked_products.)
#include <benchmark/benchmark.h>

#include <utility>
#include <vector>

#include "annlab/core/init.hpp"
#include "annlab/core/parallel.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/train/chapter.hpp"
#include "annlab/train/gd.hpp"

namespace {
using namespace annlab;

// The timed loop of the forward + backward benchmarks: one batch of B rows per iteration.
template <class T>
void time_forward_backward(benchmark::State& state, Propagator<T>& pass, const Network<T>& net,
                           const std::vector<T>& x, const std::vector<T>& y, long B) {
  std::vector<T> grad(net.layout().size);
  for (auto _ : state) {
    pass.forward(net, x.data(), B);
    pass.backward(net, y.data(), grad);
    benchmark::DoNotOptimize(grad.data());
  }
  state.SetItemsProcessed(state.iterations() * B);
}

// A classifier's He-initialized network and a batch of B rows: inputs uniform in [lo, 1),
// one-hot targets (row r in class r mod the outputs).
template <class T>
struct ClassifierCase {
  Network<T> net;
  std::vector<T> x, y;
};
template <class T>
ClassifierCase<T> classifier_case(const Architecture& arch, long B, double lo) {
  Network<T> net(arch);
  NumpyRandom rng(1);
  initialize(net, InitSpec{WeightInit::he, BiasInit::zeros, 0, 0}, rng);
  const long inputs = arch.inputs(), classes = arch.outputs();
  std::vector<T> x(B * inputs), y(B * classes, T(0));
  for (T& v : x) v = static_cast<T>(rng.uniform(lo, 1));
  for (long r = 0; r < B; ++r) y[r * classes + r % classes] = T(1);
  return {std::move(net), std::move(x), std::move(y)};
}

// The benchmark's argument 0: Eigen's products, 1: the blocked ones (false, after marking the
// benchmark skipped, where the build has none).
template <class T>
bool choose_products(benchmark::State& state, Propagator<T>& pass) {
  pass.set_blocked_products(state.range(0) != 0);
  if (state.range(0) != 0 && !pass.blocked_products()) {
    state.SkipWithError("this build has no blocked products (AVX-512)");
    return false;
  }
  return true;
}

// One training step of the chapter's 3-2-1 network on its one sample, double:
// forward, backward, gradient-descent update.
void BM_ChapterStep(benchmark::State& state) {
  Network<double> net = chapter_network(13);
  Propagator<double> pass(net.architecture());
  pass.set_input_gradient(false);  // as fit() and W1: training never reads dL/dX
  pass.set_input_copy(false);      // x outlives each pass
  std::vector<double> grad(net.layout().size);
  const double x[3] = {0.5, 0.2, 0.7}, y[1] = {0.3};
  for (auto _ : state) {
    pass.forward(net, x, 1);
    pass.backward(net, y, grad);
    gd_update<double>(net.parameters(), grad, 0.2);
    benchmark::DoNotOptimize(net.parameters().data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChapterStep);

// Forward + backward of 8-64-64-1 (relu, relu, identity; MSE) on a batch of 32, float (W2's
// step without the update), with Eigen's products (argument 0) or the blocked ones (1).
void BM_FwdBwd_8_64_64_1_b32(benchmark::State& state) {
  Architecture arch{{8, 64, 64, 1},
                    {Activation::of(ActivationKind::relu), Activation::of(ActivationKind::relu),
                     Activation::of(ActivationKind::identity)},
                    LossKind::mean_squared_error};
  Network<float> net(arch);
  NumpyRandom rng(1);
  initialize(net, InitSpec{WeightInit::he, BiasInit::zeros, 0, 0}, rng);
  const long B = 32;
  std::vector<float> x(B * 8), y(B);
  for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : y) v = static_cast<float>(rng.uniform(-1, 1));
  Propagator<float> pass(arch);
  if (choose_products(state, pass)) time_forward_backward(state, pass, net, x, y, B);
}
BENCHMARK(BM_FwdBwd_8_64_64_1_b32)->Arg(0)->Arg(1);

// Forward + backward of 64-100-10 (relu, softmax; cross-entropy) on a batch of 200, double:
// one step of issue #5's digits fit (scikit-learn's defaults), Eigen's products (0) or the
// blocked ones (1).
void BM_FwdBwd_64_100_10_b200_double(benchmark::State& state) {
  Architecture arch{{64, 100, 10},
                    {Activation::of(ActivationKind::relu), Activation::of(ActivationKind::softmax)},
                    LossKind::softmax_cross_entropy};
  const long B = 200;
  const auto [net, x, y] = classifier_case<double>(arch, B, 0);
  Propagator<double> pass(arch);
  pass.set_input_gradient(false);
  if (choose_products(state, pass)) time_forward_backward(state, pass, net, x, y, B);
}
BENCHMARK(BM_FwdBwd_64_100_10_b200_double)->Arg(0)->Arg(1);

// Forward + backward of W3's 784-512-512-10 (relu, relu, softmax; cross-entropy) on a batch
// of 128, float, on 1 and 2 threads (the argument): the same results either way.
void BM_FwdBwd_784_512_512_10_b128(benchmark::State& state) {
  const Activation relu = Activation::of(ActivationKind::relu);
  Architecture arch{{784, 512, 512, 10},
                    {relu, relu, Activation::of(ActivationKind::softmax)},
                    LossKind::softmax_cross_entropy};
  const long B = 128;
  const auto [net, x, y] = classifier_case<float>(arch, B, -1);
  Propagator<float> pass(arch);
  pass.set_threads(static_cast<int>(state.range(0)));
  pass.set_input_gradient(false);
  time_forward_backward(state, pass, net, x, y, B);
}
BENCHMARK(BM_FwdBwd_784_512_512_10_b128)->Arg(1)->Arg(2)->UseRealTime();

// One run of the worker pool with two empty tasks: the cost of handing work to the second
// thread and waiting for it (its wake-up when it sleeps; ~0.7 µs while it watches).
void BM_PoolRoundTrip(benchmark::State& state) {
  WorkerPool pool(2);
  long sink[2] = {0, 0};  // one slot per task: no shared write
  for (auto _ : state) {
    pool.run(2, [&](int i) { benchmark::DoNotOptimize(sink[i] += 1); });
  }
}
BENCHMARK(BM_PoolRoundTrip)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
