// The fast path (Propagator<T>) against the naive reference path, per sample, on random
// architectures; every product kernel (plain loops below kSmallWork = 4096 multiply-adds,
// the register-blocked products of blocked.hpp for mid-sized layers, Eigen GEMM for wide
// ones and with the blocked products off); float against double; losses against hand
// formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "annlab/core/activation.hpp"
#include "annlab/core/error.hpp"
#include "annlab/core/loss.hpp"
#include "annlab/core/network.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/core/reference.hpp"
#include "random_networks.hpp"

namespace {
using namespace annlab;
using K = ActivationKind;
using test::hidden_activations;
using test::OutputChoice;
using test::uniform;

std::vector<OutputChoice> output_choices() {
  return {{Activation::of(K::identity), LossKind::half_squared_error},
          {Activation::of(K::identity), LossKind::mean_squared_error},
          {Activation::of(K::sigmoid), LossKind::mean_squared_error},
          {Activation::of(K::sigmoid), LossKind::half_squared_error},
          {Activation::of(K::softmax), LossKind::softmax_cross_entropy},
          {Activation::of(K::softmax), LossKind::half_squared_error}};
}

// Parameters ~ U[-1.5/√p, 1.5/√p] so activations stay in a useful range at any depth.
void fill_parameters(Network<double>& net, std::mt19937_64& g) {
  const auto& w = net.architecture().widths;
  for (int l = 1; l <= net.architecture().layers(); ++l) {
    const double lim = 1.5 / std::sqrt(double(w[static_cast<std::size_t>(l - 1)]));
    const long nw = long(w[static_cast<std::size_t>(l)]) * w[static_cast<std::size_t>(l - 1)];
    for (long e = 0; e < nw; ++e) net.weights(l)[e] = uniform(g, -lim, lim);
    for (int j = 0; j < w[static_cast<std::size_t>(l)]; ++j)
      net.biases(l)[j] = uniform(g, -0.5, 0.5);
  }
}

// Inputs in [-1, 1]; targets: one-hot (or soft, summing to 1) for cross-entropy, else U[-1,1]
// (U[0,1] for a sigmoid/softmax output).
void fill_data(const Architecture& arch, long batch, std::mt19937_64& g, std::vector<double>& x,
               std::vector<double>& y) {
  const long l0 = arch.inputs(), ln = arch.outputs();
  x.resize(static_cast<std::size_t>(batch * l0));
  y.assign(static_cast<std::size_t>(batch * ln), 0.0);
  for (double& v : x) v = uniform(g, -1, 1);
  const K out = arch.activations.back().kind;
  for (long r = 0; r < batch; ++r) {
    double* yr = y.data() + r * ln;
    if (arch.loss == LossKind::softmax_cross_entropy) {
      if (r % 2 == 0) {
        yr[std::uniform_int_distribution<long>(0, ln - 1)(g)] = 1.0;
      } else {
        double s = 0;
        for (long k = 0; k < ln; ++k) s += (yr[k] = uniform(g, 0.05, 1));
        for (long k = 0; k < ln; ++k) yr[k] /= s;
      }
    } else {
      for (long k = 0; k < ln; ++k)
        yr[k] = (out == K::sigmoid || out == K::softmax) ? uniform(g, 0, 1) : uniform(g, -1, 1);
    }
  }
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// |fast - ref| <= rel·max(1, largest |ref| of that vector), element by element.
template <class T>
void expect_close(const T* fast, const std::vector<double>& ref, double rel,
                  const std::string& what) {
  const double tol = rel * std::max(1.0, max_abs(ref));
  for (std::size_t j = 0; j < ref.size(); ++j)
    EXPECT_NEAR(double(fast[j]), ref[j], tol) << what << " [" << j << "]";
}

// Runs the fast path and the reference path (one sample at a time) and compares every node
// value, every per-sample derivative, the loss and the batch-averaged parameter gradient.
void compare_with_reference(const Network<double>& net, const std::vector<double>& x,
                            const std::vector<double>& y, long batch, const std::string& label,
                            int threads = 1, bool product_halves = true, bool blocked = true) {
  SCOPED_TRACE(label + (blocked ? "" : ", blocked products off"));
  const Architecture& arch = net.architecture();
  const long l0 = arch.inputs(), ln = arch.outputs();
  const int n = arch.layers();
  Propagator<double> pass(arch);
  pass.set_threads(threads);
  pass.set_product_halves(product_halves);
  pass.set_blocked_products(blocked);
  pass.forward(net, x.data(), batch);
  std::vector<double> grad(net.layout().size, -7.0);  // garbage: backward must overwrite
  pass.backward(net, y.data(), grad);
  ASSERT_EQ(pass.batch(), batch);

  std::vector<double> mean_grad(net.layout().size, 0.0);
  double mean_loss = 0;
  const std::span<const double> params = net.parameters();
  for (long r = 0; r < batch; ++r) {
    const auto ref = reference::forward_backward(
        arch, params,
        std::span<const double>(x).subspan(static_cast<std::size_t>(r * l0),
                                           static_cast<std::size_t>(l0)),
        std::span<const double>(y).subspan(static_cast<std::size_t>(r * ln),
                                           static_cast<std::size_t>(ln)));
    for (int l = 0; l <= n; ++l) {
      const long w = arch.widths[static_cast<std::size_t>(l)];
      const auto L = static_cast<std::size_t>(l);
      const std::string at = "row " + std::to_string(r) + " layer " + std::to_string(l);
      expect_close(pass.z(l) + r * w, ref.in[L], 1e-12, "in " + at);
      expect_close(pass.a(l) + r * w, ref.out[L], 1e-12, "out " + at);
      expect_close(pass.dz(l) + r * w, ref.dL_din[L], 1e-12, "dL/din " + at);
      expect_close(pass.da(l) + r * w, ref.dL_dout[L], 1e-12, "dL/dout " + at);
    }
    for (std::size_t e = 0; e < mean_grad.size(); ++e) mean_grad[e] += ref.grad[e] / double(batch);
    mean_loss += ref.loss / double(batch);
  }
  expect_close(grad.data(), mean_grad, 1e-12, "parameter gradient");
  EXPECT_NEAR(pass.loss(y.data()), mean_loss, 1e-12 * std::max(1.0, std::abs(mean_loss)));
  EXPECT_NEAR(reference::batch_loss(arch, params, x, y, batch), mean_loss,
              1e-14 * std::max(1.0, mean_loss));
}

Architecture random_architecture(std::mt19937_64& g, int max_width) {
  const int depth = std::uniform_int_distribution<int>(1, 4)(g);  // layers after the input
  const auto hidden = hidden_activations();
  const auto outputs = output_choices();
  Architecture arch;
  for (int l = 0; l <= depth; ++l)
    arch.widths.push_back(std::uniform_int_distribution<int>(1, max_width)(g));
  for (int l = 1; l < depth; ++l)
    arch.activations.push_back(
        hidden[std::uniform_int_distribution<std::size_t>(0, hidden.size() - 1)(g)]);
  const OutputChoice oc =
      outputs[std::uniform_int_distribution<std::size_t>(0, outputs.size() - 1)(g)];
  arch.activations.push_back(oc.act);
  arch.loss = oc.loss;
  if (oc.act.kind == K::softmax) arch.widths.back() = std::max(arch.widths.back(), 2);
  return arch;
}

TEST(Propagate, RandomArchitecturesMatchReference) {
  std::mt19937_64 g(20240611);
  for (int c = 0; c < 120; ++c) {
    const Architecture arch = random_architecture(g, 16);
    const long batch = std::uniform_int_distribution<long>(1, 6)(g);
    Network<double> net(arch);
    fill_parameters(net, g);
    std::vector<double> x, y;
    fill_data(arch, batch, g, x, y);
    compare_with_reference(
        net, x, y, batch,
        "case " + std::to_string(c) + ": " + arch.describe() + ", batch " + std::to_string(batch));
    if (HasFailure()) return;
  }
}

TEST(Propagate, EveryHiddenActivationAndOutputIsCovered) {
  // Deterministic sweep: each hidden activation with each output/loss pair.
  std::mt19937_64 g(7);
  for (const Activation& h : hidden_activations())
    for (const OutputChoice& oc : output_choices()) {
      Architecture arch{{4, 6, 5, 3}, {h, h, oc.act}, oc.loss};
      Network<double> net(arch);
      fill_parameters(net, g);
      std::vector<double> x, y;
      fill_data(arch, 5, g, x, y);
      compare_with_reference(net, x, y, 5, arch.describe());
      if (HasFailure()) return;
    }
}

// A network of the given widths and output, hidden layers taking the hidden activations in
// turn from `next`.
struct ShapeCase {
  std::vector<int> widths;
  long batch;
  OutputChoice out;
};
Architecture case_architecture(const ShapeCase& c, std::size_t& next) {
  const auto hidden = hidden_activations();
  Architecture arch;
  arch.widths = c.widths;
  for (std::size_t l = 2; l < c.widths.size(); ++l)
    arch.activations.push_back(hidden[next++ % hidden.size()]);
  arch.activations.push_back(c.out.act);
  arch.loss = c.out.loss;
  return arch;
}

TEST(Propagate, WideLayersUseGemmKernelAndMatchReference) {
  // batch·p·k >= 4096 takes a GEMM (the blocked products, or Eigen's with them off); smaller
  // products take the plain loops. These shapes mix the kernels inside one network, and sit
  // on both sides of the threshold.
  const std::vector<ShapeCase> cases = {
      // 16·20·64 = 20480 and 16·64·64 = 65536 (GEMM), 16·64·3 = 3072 (loops)
      {{20, 64, 64, 3}, 16, {Activation::of(K::identity), LossKind::half_squared_error}},
      {{20, 64, 64, 3}, 16, {Activation::of(K::softmax), LossKind::softmax_cross_entropy}},
      // 8·32·48 = 12288 (GEMM), 8·48·10 = 3840 (loops)
      {{32, 48, 10}, 8, {Activation::of(K::softmax), LossKind::softmax_cross_entropy}},
      // exactly at the threshold: 1·64·64 = 4096 (GEMM), and one below: 1·64·63 = 4032
      {{64, 64, 1}, 1, {Activation::of(K::identity), LossKind::half_squared_error}},
      {{64, 63, 1}, 1, {Activation::of(K::sigmoid), LossKind::mean_squared_error}},
      // every layer on GEMM: 32·16·16 = 8192
      {{16, 16, 16, 16}, 32, {Activation::of(K::identity), LossKind::mean_squared_error}},
  };
  std::mt19937_64 g(99);
  std::size_t k = 0;
  for (const ShapeCase& c : cases) {
    for (int variant = 0; variant < 3; ++variant) {
      const Architecture arch = case_architecture(c, k);
      Network<double> net(arch);
      fill_parameters(net, g);
      std::vector<double> x, y;
      fill_data(arch, c.batch, g, x, y);
      for (const bool blocked : {true, false})
        compare_with_reference(net, x, y, c.batch,
                               arch.describe() + ", batch " + std::to_string(c.batch), 1, true,
                               blocked);
      if (HasFailure()) return;
    }
  }
}

// Mid-sized layers take the blocked products (forward from 16 rows: Wᵀ first; outputs under
// half a vector as dot products) where the build has them: row counts that leave every block size
// over (23 = 12 + 4 + 4 + 2 + 1, 50, 17), widths with partial vectors (37, 100 = 3·32 + 4, 130 =
// 4·32 + 2 doubles) and below half a vector (3: Eigen); on 1 and 2 threads, product halves on and
// off.
TEST(Propagate, BlockedProductsMatchReference) {
  const std::vector<ShapeCase> cases = {
      {{20, 37, 100, 10}, 23, {Activation::of(K::softmax), LossKind::softmax_cross_entropy}},
      {{64, 130, 4}, 50, {Activation::of(K::identity), LossKind::mean_squared_error}},
      {{9, 64, 64, 3}, 17, {Activation::of(K::sigmoid), LossKind::half_squared_error}},
      {{100, 48, 40}, 8, {Activation::of(K::identity), LossKind::mean_squared_error}},
      // fewer inputs than a vector (5 doubles): dW made transposed
      {{5, 40, 3}, 30, {Activation::of(K::softmax), LossKind::softmax_cross_entropy}},
      // a regression head (64 -> 1: dot products) on one row and on 33
      {{16, 64, 1}, 1, {Activation::of(K::identity), LossKind::mean_squared_error}},
      {{16, 64, 1}, 33, {Activation::of(K::identity), LossKind::half_squared_error}},
  };
  std::mt19937_64 g(41);
  std::size_t k = 3;
  for (const ShapeCase& c : cases) {
    const Architecture arch = case_architecture(c, k);
    Network<double> net(arch);
    fill_parameters(net, g);
    std::vector<double> x, y;
    fill_data(arch, c.batch, g, x, y);
    for (const int threads : {1, 2})
      for (const bool halves : {true, false})
        compare_with_reference(net, x, y, c.batch,
                               arch.describe() + ", batch " + std::to_string(c.batch) +
                                   ", threads " + std::to_string(threads) +
                                   (halves ? "" : ", product halves off"),
                               threads, halves);
    if (HasFailure()) return;
  }
}

// A random network and batch from `seed`, drawn in double and cast to T.
template <class T>
struct RandomCase {
  Network<T> net;
  std::vector<T> x, y;
};
template <class T>
RandomCase<T> random_case(const Architecture& arch, long batch, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  Network<double> netd(arch);
  fill_parameters(netd, g);
  std::vector<double> xd, yd;
  fill_data(arch, batch, g, xd, yd);
  return {netd.cast<T>(), std::vector<T>(xd.begin(), xd.end()),
          std::vector<T>(yd.begin(), yd.end())};
}

// One forward and backward pass of the same random network and batch in T per setting
// (threads, blocked products on or off): each setting's outputs and parameter gradient.
template <class T>
struct Passes {
  std::vector<std::vector<T>> outs, grads;
};
template <class T>
Passes<T> passes_per_setting(const Architecture& arch, long batch, std::uint64_t seed,
                             const std::vector<std::pair<int, bool>>& settings) {
  const auto [net, x, y] = random_case<T>(arch, batch, seed);
  Passes<T> r;
  for (const auto& [threads, blocked] : settings) {
    Propagator<T> pass(arch);
    pass.set_threads(threads);
    pass.set_blocked_products(blocked);
    const T* yhat = pass.forward(net, x.data(), batch);
    r.outs.emplace_back(yhat, yhat + batch * arch.outputs());
    r.grads.emplace_back(net.layout().size);
    pass.backward(net, y.data(), r.grads.back());
  }
  return r;
}

// In float, the blocked and Eigen's products agree to float's rounding, values and gradient:
// a classifier, and W2's 8-64-64-1 (its first dW made transposed, its head as dot products).
void check_blocked_against_eigen_in_float(const Architecture& arch) {
  SCOPED_TRACE(arch.describe());
  const auto [outs, grads] = passes_per_setting<float>(arch, 45, 43, {{1, true}, {1, false}});
  const auto tol = [](float v) { return 4e-6f * std::max(1.0f, std::abs(v)); };
  for (std::size_t i = 0; i < outs[0].size(); ++i)
    EXPECT_NEAR(outs[0][i], outs[1][i], tol(outs[1][i])) << i;
  for (std::size_t i = 0; i < grads[0].size(); ++i)
    EXPECT_NEAR(grads[0][i], grads[1][i], tol(grads[1][i])) << i;
}

TEST(Propagate, BlockedProductsAgreeWithEigenInFloat) {
  check_blocked_against_eigen_in_float(
      Architecture{{20, 37, 100, 10},
                   {Activation::of(K::tanh), Activation::of(K::relu), Activation::of(K::softmax)},
                   LossKind::softmax_cross_entropy});
  check_blocked_against_eigen_in_float(
      Architecture{{8, 64, 64, 1},
                   {Activation::of(K::relu), Activation::of(K::relu), Activation::of(K::identity)},
                   LossKind::mean_squared_error});
}

// Products of 2^21 multiply-adds or more are cut into two column halves (run by two threads
// when there are two), and element-wise work on 2^15 elements or more into two row halves.
Architecture wide_architecture(OutputChoice out) {
  // At batch 96: 96·180·150 = 2.6M and 96·150·150 = 2.2M multiply-adds (cut), 96·150·3
  // (not cut); element-wise work is cut in the next test (64·700 = 44800 elements).
  const auto hidden = hidden_activations();
  return Architecture{{180, 150, 150, 3}, {hidden[2], hidden[6], out.act}, out.loss};
}

TEST(Propagate, ThreadedProductsMatchReference) {
  std::mt19937_64 g(7);
  for (const OutputChoice& out : output_choices())
    for (const int threads : {1, 2, 3}) {
      const Architecture arch = wide_architecture(out);
      Network<double> net(arch);
      fill_parameters(net, g);
      std::vector<double> x, y;
      fill_data(arch, 96, g, x, y);
      compare_with_reference(net, x, y, 96,
                             arch.describe() + ", threads " + std::to_string(threads), threads);
      if (HasFailure()) return;
    }
}

// With the product halves off (fit's row halves: trainer.cpp), the same products are one
// call each, on any thread count: the reference's values, and the same bits on 1 and 2
// threads.
TEST(Propagate, UncutProductsMatchReferenceOnEveryThreadCount) {
  std::mt19937_64 g(9);
  for (const OutputChoice& out : output_choices()) {
    const Architecture arch = wide_architecture(out);
    Network<double> net(arch);
    fill_parameters(net, g);
    std::vector<double> x, y;
    fill_data(arch, 96, g, x, y);
    std::vector<std::vector<double>> grads;
    for (const int threads : {1, 2}) {
      compare_with_reference(net, x, y, 96,
                             arch.describe() + " uncut, threads " + std::to_string(threads),
                             threads, /*product_halves=*/false);
      Propagator<double> pass(arch);
      pass.set_threads(threads);
      pass.set_product_halves(false);
      pass.forward(net, x.data(), 96);
      grads.emplace_back(net.layout().size);
      pass.backward(net, y.data(), grads.back());
    }
    EXPECT_TRUE(grads[0] == grads[1]) << arch.describe();
    if (HasFailure()) return;
  }
}

// A product cut in two whose input side is too narrow to cut (16 columns): the derivative
// through the narrow layer then runs after the halves, on the caller, itself in two row
// halves (2100 rows x 16 columns; 2100·16·64 = 2.15M multiply-adds).
TEST(Propagate, NarrowLayerBeforeACutProductOnTwoThreads) {
  std::mt19937_64 g(11);
  const Architecture arch{
      {4, 16, 64, 2},
      {Activation::of(K::tanh), Activation::of(K::elu), Activation::of(K::identity)},
      LossKind::mean_squared_error};
  Network<double> net(arch);
  fill_parameters(net, g);
  std::vector<double> x, y;
  fill_data(arch, 2100, g, x, y);
  compare_with_reference(net, x, y, 2100, "4-16-64-2, 2100 rows, 2 threads", 2);
}

TEST(Propagate, ResultsAreBitIdenticalForEveryThreadCount) {
  std::mt19937_64 g(8);
  const Architecture arch{{700, 200, 10},
                          {Activation::of(K::tanh), Activation::of(K::softmax)},
                          LossKind::softmax_cross_entropy};
  Network<double> net(arch);
  fill_parameters(net, g);
  std::vector<double> x, y;
  fill_data(arch, 64, g, x, y);  // 64·700·200 = 9M multiply-adds; 64·700 = 44800 elements
  std::vector<std::vector<double>> grads, outs, inputs;
  for (const int threads : {1, 2, 4}) {
    Propagator<double> pass(arch);
    pass.set_threads(threads);
    EXPECT_EQ(pass.threads(), std::min(threads, 2));  // the work is cut in two: at most 2
    const double* yhat = pass.forward(net, x.data(), 64);
    outs.emplace_back(yhat, yhat + 64 * 10);
    grads.emplace_back(net.layout().size);
    pass.backward(net, y.data(), grads.back());
    inputs.emplace_back(pass.da(0), pass.da(0) + 64 * 700);
  }
  for (std::size_t t = 1; t < grads.size(); ++t) {
    EXPECT_TRUE(outs[t] == outs[0]);
    EXPECT_TRUE(grads[t] == grads[0]);
    EXPECT_TRUE(inputs[t] == inputs[0]);
  }
}

// The blocked products cut in column halves (96·180·150 and 96·150·150 multiply-adds are
// over 2^21; Wᵀ transposed per half): the same bits on 1, 2 and 4 threads, float and double,
// with the blocked products on, and close to the Eigen path's values.
template <class T>
void check_blocked_halves_bits() {
  const Architecture arch = wide_architecture(output_choices()[4]);  // softmax + CE
  // 1, 2 and 4 threads with the blocked products, then one thread with Eigen's.
  const auto [outs, grads] =
      passes_per_setting<T>(arch, 96, 12, {{1, true}, {2, true}, {4, true}, {1, false}});
  for (std::size_t t = 1; t < 3; ++t) {
    EXPECT_TRUE(outs[t] == outs[0]) << "threads " << (t == 1 ? 2 : 4);
    EXPECT_TRUE(grads[t] == grads[0]) << "threads " << (t == 1 ? 2 : 4);
  }
  const double tol = sizeof(T) == 4 ? 1e-5 : 1e-13;
  for (std::size_t i = 0; i < outs[0].size(); ++i)
    EXPECT_NEAR(double(outs[0][i]), double(outs[3][i]), tol) << i;
  for (std::size_t i = 0; i < grads[0].size(); ++i)
    EXPECT_NEAR(double(grads[0][i]), double(grads[3][i]), tol) << i;
}

TEST(Propagate, BlockedProductsInHalvesAreBitIdenticalForEveryThreadCount) {
  check_blocked_halves_bits<double>();
  check_blocked_halves_bits<float>();
}

// ReLU layers whose blocked products make A (forward) and the dZ below them (backward) in
// the products' own pass: every hidden layer's A is activation_forward's of its Z, and its dZ
// activation_backward's of its Z and dA, bit for bit: products cut in column halves (the wide
// network at 96 rows) and not (W2's 8-64-64-1 at 32 rows), on 1 and 2 threads, halves on and
// off.
template <class T>
void check_fused_relu_bits(const Architecture& arch, long batch) {
  const auto [net, x, y] = random_case<T>(arch, batch, 13);
  for (const int threads : {1, 2})
    for (const bool halves : {true, false}) {
      SCOPED_TRACE(arch.describe() + ", threads " + std::to_string(threads) +
                   (halves ? "" : ", product halves off"));
      Propagator<T> pass(arch);
      pass.set_threads(threads);
      pass.set_product_halves(halves);
      std::vector<T> grad(net.layout().size);
      pass.forward(net, x.data(), batch);
      pass.backward(net, y.data(), grad);
      for (int l = 1; l < arch.layers(); ++l) {
        ASSERT_EQ(arch.activations[l - 1].kind, K::relu);
        const std::size_t m = std::size_t(batch) * arch.widths[l];
        std::vector<T> a(m), dz(m);
        activation_forward<T>(arch.activations[l - 1], pass.z(l), a.data(), batch, arch.widths[l]);
        activation_backward<T>(arch.activations[l - 1], pass.z(l), pass.a(l), pass.da(l), dz.data(),
                               batch, arch.widths[l]);
        EXPECT_EQ(0, std::memcmp(a.data(), pass.a(l), m * sizeof(T))) << "A of layer " << l;
        EXPECT_EQ(0, std::memcmp(dz.data(), pass.dz(l), m * sizeof(T))) << "dZ of layer " << l;
      }
    }
}

TEST(Propagate, FusedReluHasTheActivationPassesBits) {
  const Activation relu = Activation::of(K::relu);
  const Architecture wide{{180, 150, 150, 3},
                          {relu, relu, Activation::of(K::softmax)},
                          LossKind::softmax_cross_entropy};
  const Architecture w2{
      {8, 64, 64, 1}, {relu, relu, Activation::of(K::identity)}, LossKind::mean_squared_error};
  check_fused_relu_bits<double>(wide, 96);
  check_fused_relu_bits<float>(wide, 96);
  check_fused_relu_bits<double>(w2, 32);
  check_fused_relu_bits<float>(w2, 32);
}

TEST(Propagate, BothKernelsGiveTheSameAnswer) {
  // The same 20-64-3 network on 1 row (loops: 1·20·64 = 1280) and inside a batch of 16
  // (GEMM): row 0's values and per-sample derivatives must agree.
  Architecture arch{{20, 64, 3}, {Activation::of(K::tanh), Activation::of(K::identity)}};
  Network<double> net(arch);
  std::mt19937_64 g(3);
  fill_parameters(net, g);
  std::vector<double> x, y;
  fill_data(arch, 16, g, x, y);
  Propagator<double> one(arch), many(arch);
  std::vector<double> g1(net.layout().size), g16(net.layout().size);
  one.forward(net, x.data(), 1);
  one.backward(net, y.data(), g1);
  many.forward(net, x.data(), 16);
  many.backward(net, y.data(), g16);
  for (int l = 0; l <= 2; ++l) {
    const long w = arch.widths[static_cast<std::size_t>(l)];
    for (long j = 0; j < w; ++j) {
      EXPECT_NEAR(one.a(l)[j], many.a(l)[j], 1e-14) << l << "," << j;
      EXPECT_NEAR(one.dz(l)[j], many.dz(l)[j], 1e-14) << l << "," << j;
      EXPECT_NEAR(one.da(l)[j], many.da(l)[j], 1e-14) << l << "," << j;
    }
  }
}

TEST(Propagate, FloatAgreesWithDouble) {
  std::mt19937_64 g(5);
  const std::vector<Architecture> archs = {
      {{3, 2, 1}, {Activation::of(K::sigmoid), Activation::of(K::identity)}},
      {{20, 64, 64, 3},
       {Activation::of(K::tanh), Activation::of(K::relu), Activation::of(K::softmax)},
       LossKind::softmax_cross_entropy},
      {{7, 12, 9, 4},
       {Activation::of(K::elu), Activation::of(K::softplus), Activation::of(K::sigmoid)},
       LossKind::mean_squared_error},
  };
  for (const Architecture& arch : archs) {
    SCOPED_TRACE(arch.describe());
    Network<double> nd(arch);
    fill_parameters(nd, g);
    const Network<float> nf = nd.cast<float>();
    const long batch = 16;
    std::vector<double> x, y;
    fill_data(arch, batch, g, x, y);
    const std::vector<float> xf(x.begin(), x.end()), yf(y.begin(), y.end());
    Propagator<double> pd(arch);
    Propagator<float> pf(arch);
    pd.forward(nd, x.data(), batch);
    pf.forward(nf, xf.data(), batch);
    std::vector<double> gd(nd.layout().size);
    std::vector<float> gf(nf.layout().size);
    pd.backward(nd, y.data(), gd);
    pf.backward(nf, yf.data(), gf);
    for (int l = 0; l <= arch.layers(); ++l) {
      const std::size_t size =
          static_cast<std::size_t>(batch * arch.widths[static_cast<std::size_t>(l)]);
      const auto as_vec = [&](const double* p) { return std::vector<double>(p, p + size); };
      expect_close(pf.a(l), as_vec(pd.a(l)), 1e-4, "out layer " + std::to_string(l));
      expect_close(pf.z(l), as_vec(pd.z(l)), 1e-4, "in layer " + std::to_string(l));
      expect_close(pf.dz(l), as_vec(pd.dz(l)), 1e-4, "dL/din layer " + std::to_string(l));
    }
    expect_close(gf.data(), gd, 1e-4, "parameter gradient");
    EXPECT_NEAR(pf.loss(yf.data()), pd.loss(y.data()), 1e-4 * std::max(1.0, pd.loss(y.data())));
  }
}

TEST(Propagate, CastRoundTripsParameters) {
  Architecture arch{{3, 4, 2}, {Activation::of(K::tanh), Activation::of(K::identity)}};
  Network<double> nd(arch);
  std::mt19937_64 g(11);
  fill_parameters(nd, g);
  const Network<float> nf = nd.cast<float>();
  const Network<double> back = nf.cast<double>();
  EXPECT_EQ(nf.architecture().widths, arch.widths);
  for (std::size_t i = 0; i < nd.parameters().size(); ++i) {
    EXPECT_EQ(nf.parameters()[i], static_cast<float>(nd.parameters()[i]));
    EXPECT_EQ(back.parameters()[i], double(nf.parameters()[i]));
  }
}

TEST(Propagate, ReuseWithSmallerBatchAfterLargerOne) {
  Architecture arch{{5, 8, 3},
                    {Activation::of(K::sigmoid), Activation::of(K::softmax)},
                    LossKind::softmax_cross_entropy};
  Network<double> net(arch);
  std::mt19937_64 g(17);
  fill_parameters(net, g);
  std::vector<double> x, y;
  fill_data(arch, 10, g, x, y);
  // Different rows for the small batch, so stale rows of the large one would show.
  std::vector<double> xs(x.begin() + 5 * 5, x.end()), ys(y.begin() + 5 * 3, y.end());
  Propagator<double> reused(arch), fresh(arch);
  std::vector<double> g_big(net.layout().size), g_reused(net.layout().size),
      g_fresh(net.layout().size);
  reused.forward(net, x.data(), 10);
  reused.backward(net, y.data(), g_big);
  reused.forward(net, xs.data(), 3);
  reused.backward(net, ys.data(), g_reused);
  fresh.forward(net, xs.data(), 3);
  fresh.backward(net, ys.data(), g_fresh);
  EXPECT_EQ(reused.batch(), 3);
  EXPECT_EQ(g_reused, g_fresh);
  EXPECT_EQ(reused.loss(ys.data()), fresh.loss(ys.data()));
  for (int l = 0; l <= 2; ++l)
    for (long e = 0; e < 3 * arch.widths[static_cast<std::size_t>(l)]; ++e) {
      EXPECT_EQ(reused.a(l)[e], fresh.a(l)[e]);
      EXPECT_EQ(reused.dz(l)[e], fresh.dz(l)[e]);
      EXPECT_EQ(reused.da(l)[e], fresh.da(l)[e]);
    }
  compare_with_reference(net, xs, ys, 3, "small batch");
}

TEST(Propagate, UsageErrors) {
  Architecture arch{{3, 2, 1}, {Activation::of(K::sigmoid), Activation::of(K::identity)}};
  Network<double> other(
      Architecture{{3, 4, 1}, {Activation::of(K::sigmoid), Activation::of(K::identity)}});
  Network<double> net(arch);
  Propagator<double> pass(arch);
  const double x[] = {0.1, 0.2, 0.3}, y[] = {0.5};
  std::vector<double> grad(net.layout().size);
  EXPECT_THROW(pass.backward(net, y, grad), UsageError);  // no forward yet
  EXPECT_THROW(pass.forward(other, x, 1), UsageError);
  EXPECT_THROW(pass.forward(net, x, 0), UsageError);
  pass.forward(net, x, 1);
  std::vector<double> short_grad(net.layout().size - 1);
  EXPECT_THROW(pass.backward(net, y, short_grad), UsageError);
  try {
    pass.forward(other, x, 1);
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("3-4-1"), std::string::npos) << e.what();
  }
}

// ---- losses ------------------------------------------------------------------------------

TEST(Loss, ValuesMatchHandFormulas) {
  // 2 rows x 3 outputs.
  const double yhat[] = {0.2, -0.4, 1.5, 0.0, 0.9, -1.1};
  const double y[] = {0.0, 0.1, 1.0, 0.5, 0.5, -1.0};
  // ½Σ(ŷ-y)² per row: row 0: ½(0.04 + 0.25 + 0.25) = 0.27; row 1: ½(0.25 + 0.16 + 0.01) = 0.21
  EXPECT_NEAR(loss_value(LossKind::half_squared_error, yhat, yhat, y, 2, 3), (0.27 + 0.21) / 2,
              1e-15);
  EXPECT_NEAR(loss_of_row(LossKind::half_squared_error, yhat, yhat, y, 3), 0.27, 1e-15);
  // (1/K)Σ(ŷ-y)²: row 0: 0.54/3 = 0.18; row 1: 0.42/3 = 0.14
  EXPECT_NEAR(loss_value(LossKind::mean_squared_error, yhat, yhat, y, 2, 3), (0.18 + 0.14) / 2,
              1e-15);
  EXPECT_EQ(loss_value(LossKind::half_squared_error, yhat, yhat, y, 0, 3), 0.0);
  // Cross-entropy from logits z: -Σ y_k ln(e^z_k / Σ e^z_m).
  const double z[] = {1.0, 2.0, 0.5, -0.3, 0.0, 0.8};
  const double t[] = {0.0, 1.0, 0.0, 0.2, 0.3, 0.5};
  double expected = 0;
  for (int r = 0; r < 2; ++r) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += std::exp(z[3 * r + k]);
    for (int k = 0; k < 3; ++k) expected -= t[3 * r + k] * std::log(std::exp(z[3 * r + k]) / s);
  }
  expected /= 2;
  double sm[6];
  for (int r = 0; r < 2; ++r) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += std::exp(z[3 * r + k]);
    for (int k = 0; k < 3; ++k) sm[3 * r + k] = std::exp(z[3 * r + k]) / s;
  }
  EXPECT_NEAR(loss_value(LossKind::softmax_cross_entropy, z, sm, t, 2, 3), expected, 1e-15);
  // float instantiation
  const float zf[] = {1.f, 2.f, 0.5f}, tf[] = {0.f, 1.f, 0.f};
  float smf[3];
  for (int k = 0; k < 3; ++k) smf[k] = static_cast<float>(sm[k]);
  double row0 = 0;
  {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += std::exp(z[k]);
    row0 = -std::log(std::exp(2.0) / s);
  }
  EXPECT_NEAR(loss_value(LossKind::softmax_cross_entropy, zf, smf, tf, 1, 3), row0, 1e-6);
}

TEST(Loss, GradientsMatchHandFormulas) {
  const double yhat[] = {0.2, -0.4, 1.5, 0.25};
  const double y[] = {0.0, 0.1, 1.0, 0.5};
  double d[4];
  loss_gradient(LossKind::half_squared_error, yhat, y, d, 1, 4);
  for (int k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(d[k], yhat[k] - y[k]);
  loss_gradient(LossKind::mean_squared_error, yhat, y, d, 2, 2);  // K = 2
  for (int k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(d[k], 2 * (yhat[k] - y[k]) / 2);
  loss_gradient(LossKind::mean_squared_error, yhat, y, d, 1, 4);  // K = 4
  for (int k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(d[k], 2 * (yhat[k] - y[k]) / 4);
  const double p[] = {0.2, 0.5, 0.3}, t[] = {0.0, 1.0, 0.0};
  loss_gradient(LossKind::softmax_cross_entropy, p, t, d, 1, 3);
  EXPECT_EQ(d[0], 0.0);
  EXPECT_DOUBLE_EQ(d[1], -1.0 / 0.5);
  EXPECT_EQ(d[2], 0.0);
}

// loss_value's cross-entropy takes the exps of a block of rows in one loop (loss.cpp): the
// same bits as the row-by-row formula that the trace uses (loss_of_row), summed in row order,
// across block boundaries (10 classes: 51 rows a block), over the 512 values a block holds
// (one row at a time then), with soft targets and -inf logits.
template <class T>
void check_cross_entropy_blocks(long rows, long cols) {
  std::mt19937_64 gen(std::uint64_t(rows * 1000 + cols));
  std::uniform_real_distribution<double> u(
      -3, 3);  // comparable exps: any other order rounds differently
  std::vector<T> z(std::size_t(rows * cols)), y(z.size(), T(0)), a(z.size());
  for (T& v : z) v = T(u(gen));
  if (cols > 1) z[3] = -std::numeric_limits<T>::infinity();  // not a target
  for (long r = 0; r < rows; ++r) {
    y[std::size_t(r * cols + (r * 7) % cols)] = T(r % 3 == 0 ? 0.75 : 1.0);
    if (r % 3 == 0) y[std::size_t(r * cols + (r * 7 + 1) % cols)] += T(0.25);
  }
  activation_forward(Activation::of(K::softmax), z.data(), a.data(), rows, cols);
  double sum = 0;
  for (long r = 0; r < rows; ++r)
    sum += loss_of_row(LossKind::softmax_cross_entropy, z.data() + r * cols, a.data() + r * cols,
                       y.data() + r * cols, cols);
  const double got =
      loss_value(LossKind::softmax_cross_entropy, z.data(), a.data(), y.data(), rows, cols);
  EXPECT_EQ(got, sum / double(rows)) << rows << " x " << cols << (sizeof(T) == 4 ? " float" : "");
  EXPECT_TRUE(std::isfinite(got));
}

TEST(Loss, CrossEntropyBlocksGiveTheRowByRowBits) {
  for (const auto& [rows, cols] :
       {std::pair{203L, 10L}, {51L, 10L}, {9L, 1L}, {5L, 512L}, {4L, 513L}, {130L, 3L}}) {
    check_cross_entropy_blocks<double>(rows, cols);
    check_cross_entropy_blocks<float>(rows, cols);
  }
}

TEST(Loss, CrossEntropyStableWithHugeLogits) {
  // z = (1000, 0, -1000): ln Σ e^z = 1000 + ln(1 + e^-1000 + e^-2000) = 1000 in double.
  const double z[] = {1000.0, 0.0, -1000.0};
  double sm[3];
  activation_forward(Activation::of(K::softmax), z, sm, 1, 3);
  const double t_mid[] = {0.0, 1.0, 0.0}, t_top[] = {1.0, 0.0, 0.0}, t_low[] = {0.0, 0.0, 1.0};
  EXPECT_DOUBLE_EQ(loss_value(LossKind::softmax_cross_entropy, z, sm, t_mid, 1, 3), 1000.0);
  EXPECT_EQ(loss_value(LossKind::softmax_cross_entropy, z, sm, t_top, 1, 3), 0.0);
  EXPECT_DOUBLE_EQ(loss_value(LossKind::softmax_cross_entropy, z, sm, t_low, 1, 3), 2000.0);
  const float zf[] = {1000.f, 0.f, -1000.f}, tf[] = {0.f, 1.f, 0.f};
  float smf[3];
  activation_forward(Activation::of(K::softmax), zf, smf, 1, 3);
  EXPECT_DOUBLE_EQ(loss_value(LossKind::softmax_cross_entropy, zf, smf, tf, 1, 3), 1000.0);

  // Through a network: logits of ±1000 give a finite loss and dL/dz = ŷ - y.
  Architecture arch{{1, 3}, {Activation::of(K::softmax)}, LossKind::softmax_cross_entropy};
  Network<double> net(arch);
  net.weights(1)[0] = 1000.0;
  net.weights(1)[1] = 0.0;
  net.weights(1)[2] = -1000.0;
  const double x[] = {1.0};
  Propagator<double> pass(arch);
  pass.forward(net, x, 1);
  std::vector<double> grad(net.layout().size);
  pass.backward(net, t_mid, grad);
  EXPECT_DOUBLE_EQ(pass.loss(t_mid), 1000.0);
  for (int k = 0; k < 3; ++k) {
    EXPECT_TRUE(std::isfinite(pass.dz(1)[k]));
    EXPECT_DOUBLE_EQ(pass.dz(1)[k], sm[k] - t_mid[k]);
  }
  for (double v : grad) EXPECT_TRUE(std::isfinite(v));
  EXPECT_DOUBLE_EQ(grad[1], -1.0);  // dL/dλ for the true class: x·(ŷ - 1) = -1
}

TEST(Loss, ParseAndNames) {
  EXPECT_EQ(loss_names(), (std::vector<std::string>{"half_squared_error", "mean_squared_error",
                                                    "softmax_cross_entropy"}));
  for (const std::string& n : loss_names()) EXPECT_EQ(loss_name(parse_loss(n)), n);
  EXPECT_THROW(parse_loss("l1"), UsageError);
}

}  // namespace

namespace {
// Training turns off dL/dX (set_input_gradient(false)); the parameter gradients must not
// change, on both kernels.
TEST(Propagate, SkippingTheInputGradientLeavesParameterGradientsUnchanged) {
  std::mt19937_64 g(77);
  for (const std::vector<int>& widths :
       {std::vector<int>{3, 2, 1}, std::vector<int>{64, 64, 64, 3}}) {
    Architecture arch{widths, std::vector<Activation>(widths.size() - 1, Activation::of(K::tanh)),
                      LossKind::half_squared_error};
    Network<double> net(arch);
    fill_parameters(net, g);
    std::vector<double> x, y;
    fill_data(arch, 16, g, x, y);
    Propagator<double> with(arch), without(arch);
    without.set_input_gradient(false);
    std::vector<double> g1(net.layout().size), g2(net.layout().size);
    with.forward(net, x.data(), 16);
    with.backward(net, y.data(), g1);
    without.forward(net, x.data(), 16);
    without.backward(net, y.data(), g2);
    EXPECT_EQ(g1, g2);
  }
}
}  // namespace

namespace {
using namespace annlab;

// Without the input copy, forward reads X in place: the same outputs and gradients, and
// a(0) is X itself.
TEST(Propagate, ReadingTheInputInPlaceChangesNothing) {
  const Architecture arch{
      {5, 7, 2},
      {Activation::of(ActivationKind::tanh), Activation::of(ActivationKind::identity)},
      LossKind::mean_squared_error};
  Network<double> net(arch);
  for (std::size_t i = 0; i < net.parameters().size(); ++i)
    net.parameters()[i] = std::sin(double(i) + 0.5);
  std::vector<double> x(40), y(16);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(double(i));
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = 0.1 * double(i);
  Propagator<double> copying(arch), in_place(arch);
  in_place.set_input_copy(false);
  std::vector<double> g1(net.layout().size), g2(net.layout().size);
  copying.forward(net, x.data(), 8);
  copying.backward(net, y.data(), g1);
  in_place.forward(net, x.data(), 8);
  in_place.backward(net, y.data(), g2);
  EXPECT_EQ(g1, g2);
  EXPECT_EQ(in_place.a(0), x.data());
  EXPECT_EQ(in_place.z(0), x.data());
  EXPECT_NE(copying.a(0), x.data());
  for (int l = 0; l <= 2; ++l)
    for (long e = 0; e < 8 * arch.widths[std::size_t(l)]; ++e) {
      EXPECT_EQ(copying.a(l)[e], in_place.a(l)[e]);
      EXPECT_EQ(copying.da(l)[e], in_place.da(l)[e]);
    }
}

}  // namespace

namespace {
using namespace annlab;

// backward(..., mean_rows) divides the sums by mean_rows: two parts of a batch, each divided
// by the whole batch's rows, add up to the batch's mean gradient (the row halves of fit()).
TEST(Propagate, PartsOfABatchAddUpToItsMeanGradient) {
  const Architecture arch{
      {6, 9, 3},
      {Activation::of(ActivationKind::tanh), Activation::of(ActivationKind::softmax)},
      LossKind::softmax_cross_entropy};
  Network<double> net(arch);
  for (std::size_t i = 0; i < net.parameters().size(); ++i)
    net.parameters()[i] = 0.3 * std::sin(double(i) + 0.5);
  const long B = 11, h = 6;
  std::vector<double> x(std::size_t(B * 6)), y(std::size_t(B * 3), 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(double(i));
  for (long r = 0; r < B; ++r) y[std::size_t(r * 3 + r % 3)] = 1.0;
  Propagator<double> whole(arch), part(arch);
  std::vector<double> g(net.layout().size), g0(g.size()), g1(g.size());
  whole.forward(net, x.data(), B);
  whole.backward(net, y.data(), g);
  part.forward(net, x.data(), h);
  part.backward(net, y.data(), g0, B);
  part.forward(net, x.data() + h * 6, B - h);
  part.backward(net, y.data() + h * 3, g1, B);
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g0[i] + g1[i], g[i], 1e-15) << i;
  EXPECT_THROW(part.backward(net, y.data(), g0, 0), UsageError);
}

// The mean over B rows of the naive reference path's per-row gradients.
std::vector<double> reference_mean_gradient(const Network<double>& net,
                                            const std::vector<double>& x,
                                            const std::vector<double>& y, long B) {
  const Architecture& arch = net.architecture();
  const std::size_t l0 = std::size_t(arch.inputs()), ln = std::size_t(arch.outputs());
  std::vector<double> mean(net.layout().size, 0.0);
  for (long r = 0; r < B; ++r) {
    const auto ref = reference::forward_backward(
        arch, net.parameters(), std::span<const double>(x).subspan(std::size_t(r) * l0, l0),
        std::span<const double>(y).subspan(std::size_t(r) * ln, ln));
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += ref.grad[i] / double(B);
  }
  return mean;
}

// node_half_gradient's two halves over row parts cut at `cuts` (each part: forward, then
// backward_nodes) into a gradient of 7s (7: not written); m[h] is half h's max|g|, and
// after_first the gradient once half 0 has written.
template <class T>
std::vector<T> node_halves(const Network<T>& net, const std::vector<T>& x, const std::vector<T>& y,
                           const std::vector<long>& cuts, double m[2],
                           std::vector<T>* after_first = nullptr) {
  const Architecture& arch = net.architecture();
  const long l0 = arch.inputs(), ln = arch.outputs();
  std::vector<Propagator<T>> owners;
  for (std::size_t s = 0; s + 1 < cuts.size(); ++s) owners.emplace_back(arch);
  std::vector<const Propagator<T>*> parts;
  for (std::size_t s = 0; s + 1 < cuts.size(); ++s) {
    owners[s].forward(net, x.data() + cuts[s] * l0, cuts[s + 1] - cuts[s]);
    owners[s].backward_nodes(net, y.data() + cuts[s] * ln);
    parts.push_back(&owners[s]);
  }
  std::vector<T> grad(net.layout().size, T(7));
  const long rows = cuts.back();
  m[0] = node_half_gradient<T>(net, parts, grad, rows, 0);
  if (after_first) *after_first = grad;
  m[1] = node_half_gradient<T>(net, parts, grad, rows, 1);
  return grad;
}

// node_half_gradient: the two node halves of every layer, from row parts that only ran
// backward_nodes, make the whole batch's mean gradient (the reference path's, row by row),
// in double and in float, for layers of every size, with 1 to 3 parts; each half writes only
// its own entries and reports max|g| over them; NaN comes through.
TEST(Propagate, NodeHalvesOfRowPartsMakeTheMeanGradient) {
  std::mt19937_64 g(21);
  const auto hidden = hidden_activations();
  for (const std::vector<int>& widths :
       {std::vector<int>{6, 9, 3}, std::vector<int>{40, 70, 33, 1}, std::vector<int>{5, 1}}) {
    std::vector<Activation> acts(widths.size() - 1, hidden[2]);
    acts.back() = Activation::of(ActivationKind::identity);
    const Architecture arch{widths, acts, LossKind::half_squared_error};
    Network<double> net(arch);
    fill_parameters(net, g);
    const long B = 37;
    std::vector<double> x, y;
    fill_data(arch, B, g, x, y);
    const std::vector<double> mean = reference_mean_gradient(net, x, y, B);
    const Network<float> nf = net.cast<float>();
    const std::vector<float> xf(x.begin(), x.end()), yf(y.begin(), y.end());
    for (const std::vector<long>& cuts :
         {std::vector<long>{0, B}, std::vector<long>{0, 19, B}, std::vector<long>{0, 5, 30, B}}) {
      double m[2], mf[2];
      std::vector<double> after_first;
      const std::vector<double> grad = node_halves(net, x, y, cuts, m, &after_first);
      const std::vector<float> gradf = node_halves(nf, xf, yf, cuts, mf);
      double largest = 0;
      for (std::size_t i = 0; i < grad.size(); ++i) {
        EXPECT_NEAR(grad[i], mean[i], 1e-13) << arch.describe() << " parts " << cuts.size() - 1;
        EXPECT_NEAR(gradf[i], mean[i], 2e-5)
            << arch.describe() << " float, parts " << cuts.size() - 1;
        largest = std::max(largest, std::abs(grad[i]));
      }
      EXPECT_EQ(std::max(m[0], m[1]), largest);
      // Half 0 wrote the first l - l/2 nodes of every layer and left the rest (weights and
      // bias of the last l/2 nodes) to half 1.
      std::size_t untouched = 0, half_1 = 0;
      for (std::size_t i = 0; i < grad.size(); ++i) untouched += after_first[i] == 7.0;
      for (std::size_t l = 1; l < widths.size(); ++l)
        half_1 += std::size_t(widths[l] / 2) * std::size_t(widths[l - 1] + 1);
      EXPECT_EQ(untouched, half_1) << arch.describe();
      if (HasFailure()) return;
    }
  }
  // A NaN in one output column (one layer: only the half holding that node's entries) is
  // what that half reports, and the other half stays finite.
  {
    const Architecture arch{
        {5, 4}, {Activation::of(ActivationKind::identity)}, LossKind::half_squared_error};
    Network<double> net(arch);
    fill_parameters(net, g);
    std::vector<double> x, y;
    fill_data(arch, 37, g, x, y);
    y[30 * 4 + 3] = std::nan("");  // row 30 (the second part), node 3 (half 1: nodes 2, 3)
    double m[2];
    node_halves(net, x, y, {0, 19, 37}, m);
    EXPECT_TRUE(std::isfinite(m[0]));
    EXPECT_TRUE(std::isnan(m[1]));
  }
  // A NaN in the data reaches max|g|; a part without backward_nodes is refused.
  const Architecture arch{
      {3, 4, 1},
      {Activation::of(ActivationKind::tanh), Activation::of(ActivationKind::identity)},
      LossKind::half_squared_error};
  Network<double> net(arch);
  fill_parameters(net, g);
  std::vector<double> x{0.1, std::nan(""), 0.3}, y{0.5}, grad(net.layout().size);
  Propagator<double> part(arch), fresh(arch);
  part.forward(net, x.data(), 1);
  part.backward_nodes(net, y.data());
  const Propagator<double>* one[1] = {&part};
  EXPECT_TRUE(std::isnan(node_half_gradient<double>(net, one, grad, 1, 0)));
  const Propagator<double>* unready[1] = {&fresh};
  EXPECT_THROW(node_half_gradient<double>(net, unready, grad, 1, 0), UsageError);
  EXPECT_THROW(node_half_gradient<double>(net, one, grad, 1, 2), UsageError);
}

}  // namespace
