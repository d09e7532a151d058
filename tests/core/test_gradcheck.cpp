// gradient_check: central differences of the reference loss against the fast path's
// analytic derivatives, over many random architectures, every differentiable activation and
// every loss; plus the report's bookkeeping and a case where the check must flag a mismatch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "annlab/core/error.hpp"
#include "annlab/core/gradcheck.hpp"
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
          {Activation::of(K::sigmoid), LossKind::half_squared_error},
          {Activation::of(K::sigmoid), LossKind::mean_squared_error},
          {Activation::of(K::tanh), LossKind::half_squared_error},
          {Activation::of(K::softplus), LossKind::mean_squared_error},
          {Activation::of(K::elu), LossKind::half_squared_error},
          {Activation::of(K::softmax), LossKind::softmax_cross_entropy},
          {Activation::of(K::softmax), LossKind::half_squared_error},
          {Activation::of(K::softmax), LossKind::mean_squared_error}};
}

struct Problem {
  Network<double> net;
  std::vector<double> x, y;
  long batch = 1;
};

Problem make_problem(const Architecture& arch, long batch, std::mt19937_64& g) {
  Problem p{Network<double>(arch), {}, {}, batch};
  const auto& w = arch.widths;
  for (int l = 1; l <= arch.layers(); ++l) {
    const double lim = 1.5 / std::sqrt(double(w[static_cast<std::size_t>(l - 1)]));
    const long nw = long(w[static_cast<std::size_t>(l)]) * w[static_cast<std::size_t>(l - 1)];
    for (long e = 0; e < nw; ++e) p.net.weights(l)[e] = uniform(g, -lim, lim);
    for (int j = 0; j < w[static_cast<std::size_t>(l)]; ++j)
      p.net.biases(l)[j] = uniform(g, -0.5, 0.5);
  }
  const long l0 = arch.inputs(), ln = arch.outputs();
  p.x.resize(static_cast<std::size_t>(batch * l0));
  for (double& v : p.x) v = uniform(g, -1, 1);
  p.y.assign(static_cast<std::size_t>(batch * ln), 0.0);
  for (long r = 0; r < batch; ++r) {
    double* yr = p.y.data() + r * ln;
    if (arch.loss == LossKind::softmax_cross_entropy)
      yr[std::uniform_int_distribution<long>(0, ln - 1)(g)] = 1.0;  // one-hot
    else
      for (long k = 0; k < ln; ++k) yr[k] = uniform(g, 0, 1);
  }
  return p;
}

TEST(GradCheck, RandomArchitecturesEveryActivationAndLoss) {
  const auto hidden = hidden_activations();
  const auto outputs = output_choices();
  std::set<std::string> seen_hidden, seen_output;
  double worst_overall = 0;
  std::string worst_label;
  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::mt19937_64 g(seed);
    const int depth = 1 + int(seed % 4);  // layers after the input: 1..4 (2..5 widths)
    Architecture arch;
    for (int l = 0; l <= depth; ++l)
      arch.widths.push_back(std::uniform_int_distribution<int>(1, 16)(g));
    for (int l = 1; l < depth; ++l) {
      arch.activations.push_back(hidden[(seed + unsigned(l) * 4) % hidden.size()]);
      seen_hidden.insert(arch.activations.back().name());
    }
    const OutputChoice oc = outputs[seed % outputs.size()];
    arch.activations.push_back(oc.act);
    arch.loss = oc.loss;
    if (oc.act.kind == K::softmax) arch.widths.back() = std::max(arch.widths.back(), 2);
    seen_output.insert(oc.act.name() + "/" + loss_name(oc.loss));
    const long batch = 1 + long(seed % 4);
    const Problem p = make_problem(arch, batch, g);
    const std::string label = "seed " + std::to_string(seed) + ": " + arch.describe() + ", batch " +
                              std::to_string(batch);
    // Step 1e-5 sits near the optimum for central differences (truncation ~h², round-off
    // ~ε·L/h): over these seeds the worst error is ~6e-8, well under 1e-6.
    GradCheckOptions opt;
    opt.eps = 1e-5;
    const GradCheckReport rep = gradient_check(p.net, p.x.data(), p.y.data(), batch, opt);
    EXPECT_LT(rep.worst.error, 1e-6) << label << ": worst " << rep.worst.name << " analytic "
                                     << rep.worst.analytic << " numeric " << rep.worst.numeric;
    EXPECT_EQ(rep.checked, long(p.net.layout().size) + batch * long(arch.inputs())) << label;
    // The default step (1e-6) is round-off bound: |ΔL| ~ 1e-16·L/1e-6 against the 1e-3
    // floor gives up to ~5e-7 here, so it gets a looser bound.
    const GradCheckReport def = gradient_check(p.net, p.x.data(), p.y.data(), batch);
    EXPECT_LT(def.worst.error, 1e-5) << label << ": default eps, worst " << def.worst.name;
    if (rep.worst.error > worst_overall) {
      worst_overall = rep.worst.error;
      worst_label = label + " at " + rep.worst.name;
    }
  }
  EXPECT_EQ(seen_hidden.size(), hidden.size());
  EXPECT_EQ(seen_output.size(), outputs.size());
  RecordProperty("worst_error", testing::PrintToString(worst_overall) + " (" + worst_label + ")");
}

TEST(GradCheck, EntriesAreNamedCountedAndConsistent) {
  std::mt19937_64 g(42);
  Architecture arch{{3, 4, 2},
                    {Activation::of(K::tanh), Activation::of(K::softmax)},
                    LossKind::softmax_cross_entropy};
  const long batch = 3;
  const Problem p = make_problem(arch, batch, g);
  GradCheckOptions opt;
  opt.eps = 1e-5;
  const GradCheckReport rep = gradient_check(p.net, p.x.data(), p.y.data(), batch, opt);
  const long params = long(p.net.layout().size);  // 3·4+4 + 4·2+2 = 26
  ASSERT_EQ(params, 26);
  EXPECT_EQ(long(rep.entries.size()), params + batch * 3);
  EXPECT_EQ(rep.checked, long(rep.entries.size()));
  EXPECT_EQ(rep.eps, 1e-5);
  EXPECT_EQ(rep.floor, 1e-3);

  // Every weight, bias and input is named once, the chapter's way.
  const NodeNames names(arch.widths);
  std::set<std::string> expected, got;
  for (int l = 1; l <= 2; ++l)
    for (int j = 0; j < arch.widths[static_cast<std::size_t>(l)]; ++j) {
      expected.insert(names.bias(l, j));
      for (int i = 0; i < arch.widths[static_cast<std::size_t>(l - 1)]; ++i)
        expected.insert(names.weight(l, j, i));
    }
  for (long r = 0; r < batch; ++r)
    for (int i = 0; i < 3; ++i)
      expected.insert(names.node(0, i) + "[row " + std::to_string(r) + "]");
  int weights = 0, biases = 0, inputs = 0;
  double max_error = -1;
  for (const GradCheckEntry& e : rep.entries) {
    got.insert(e.name);
    weights += e.kind == "weight";
    biases += e.kind == "bias";
    inputs += e.kind == "input";
    EXPECT_EQ(e.kind == "input", e.layer == 0) << e.name;
    // error = |analytic - numeric| / max(|analytic|, |numeric|, floor)
    EXPECT_DOUBLE_EQ(e.error, std::abs(e.analytic - e.numeric) /
                                  std::max({std::abs(e.analytic), std::abs(e.numeric), 1e-3}))
        << e.name;
    max_error = std::max(max_error, e.error);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(weights, 3 * 4 + 4 * 2);
  EXPECT_EQ(biases, 4 + 2);
  EXPECT_EQ(inputs, 3 * 3);
  // worst is a real entry, with the largest error.
  EXPECT_TRUE(expected.count(rep.worst.name)) << rep.worst.name;
  EXPECT_EQ(rep.worst.error, max_error);
  EXPECT_LT(rep.worst.error, 1e-6);

  // The analytic side is the fast path's gradient, the numeric side agrees with the reference
  // path's own analytic derivatives (mean over rows).
  Propagator<double> pass(arch);
  pass.forward(p.net, p.x.data(), batch);
  std::vector<double> grad(p.net.layout().size);
  pass.backward(p.net, p.y.data(), grad);
  std::vector<double> ref_grad(grad.size(), 0.0);
  for (long r = 0; r < batch; ++r) {
    const auto ref = reference::forward_backward(
        arch, p.net.parameters(),
        std::span<const double>(p.x).subspan(static_cast<std::size_t>(r * 3), 3),
        std::span<const double>(p.y).subspan(static_cast<std::size_t>(r * 2), 2));
    for (std::size_t e = 0; e < grad.size(); ++e) ref_grad[e] += ref.grad[e] / double(batch);
  }
  for (const GradCheckEntry& e : rep.entries) {
    if (e.kind == "input") continue;
    // Map the name back to the flat index: entries come bias first, then the node's weights.
    bool found = false;
    for (int l = 1; l <= 2 && !found; ++l)
      for (int j = 0; j < arch.widths[static_cast<std::size_t>(l)] && !found; ++j) {
        const int pw = arch.widths[static_cast<std::size_t>(l - 1)];
        for (int i = -1; i < pw && !found; ++i) {
          const std::string n = i < 0 ? names.bias(l, j) : names.weight(l, j, i);
          if (n != e.name) continue;
          const std::size_t idx =
              i < 0 ? p.net.layout().bias_offset[static_cast<std::size_t>(l - 1)] + std::size_t(j)
                    : p.net.layout().weight_offset[static_cast<std::size_t>(l - 1)] +
                          std::size_t(j * pw + i);
          EXPECT_EQ(e.analytic, grad[idx]) << e.name;
          EXPECT_NEAR(e.numeric, ref_grad[idx], 1e-7 * std::max(1.0, std::abs(ref_grad[idx])))
              << e.name;
          EXPECT_EQ(e.layer, l) << e.name;
          found = true;
        }
      }
    EXPECT_TRUE(found) << e.name;
  }
}

TEST(GradCheck, InputsOptionOff) {
  std::mt19937_64 g(8);
  Architecture arch{{5, 3, 1}, {Activation::of(K::sigmoid), Activation::of(K::identity)}};
  const Problem p = make_problem(arch, 4, g);
  GradCheckOptions opt;
  opt.inputs = false;
  const GradCheckReport rep = gradient_check(p.net, p.x.data(), p.y.data(), 4, opt);
  EXPECT_EQ(long(rep.entries.size()), long(p.net.layout().size));  // 5·3+3 + 3+1 = 22
  EXPECT_EQ(rep.entries.size(), 22u);
  EXPECT_EQ(rep.checked, 22);
  for (const GradCheckEntry& e : rep.entries) EXPECT_NE(e.kind, "input") << e.name;
  EXPECT_LT(rep.worst.error, 1e-6);
}

// A 1-1-1 relu network with the hidden pre-activation exactly at the kink (x = 0, b = 0):
// the analytic path uses relu'(0) = 0, while the two-sided difference sees slope ½ on
// average, so the check must flag b2 (and the input) with a large error. Moving the input
// away from the kink makes the same network pass.
Network<double> kink_network() {
  Architecture arch{{1, 1, 1}, {Activation::of(K::relu), Activation::of(K::identity)}};
  Network<double> net(arch);
  net.weights(1)[0] = 1.0;  // λ(1,2)
  net.biases(1)[0] = 0.0;   // b2
  net.weights(2)[0] = 1.0;  // λ(2,3)
  net.biases(2)[0] = 0.0;   // b3
  return net;
}

TEST(GradCheck, FlagsAMismatchAtAKink) {
  const Network<double> net = kink_network();
  const double x[] = {0.0}, y[] = {1.0};
  const GradCheckReport rep = gradient_check(net, x, y, 1);
  // L(b2 = ±h) = ½(h - 1)² or ½·1: numeric = (½(h-1)² - ½)/2h ≈ -½, analytic 0. The input
  // I1 sees the same kink with the same numbers, so either may be reported as the worst.
  EXPECT_TRUE(rep.worst.name == "b2" || rep.worst.name == "I1[row 0]") << rep.worst.name;
  EXPECT_NEAR(rep.worst.error, 1.0, 1e-5);
  int flagged = 0;
  for (const GradCheckEntry& e : rep.entries) {
    if (e.error > 0.5) {
      ++flagged;
      EXPECT_TRUE(e.name == "b2" || e.name == "I1[row 0]") << e.name;
      EXPECT_EQ(e.kind, e.name == "b2" ? "bias" : "input");
      EXPECT_EQ(e.analytic, 0.0) << e.name;
      EXPECT_NEAR(e.numeric, -0.5, 1e-5) << e.name;  // exactly h/4 - ½
    } else {
      EXPECT_LT(e.error, 1e-8) << e.name;  // λ(1,2), λ(2,3), b3 are fine
    }
  }
  EXPECT_EQ(flagged, 2);
}

TEST(GradCheck, PassesAwayFromTheKink) {
  const Network<double> net = kink_network();
  const double x[] = {0.7}, y[] = {1.0};
  const GradCheckReport rep = gradient_check(net, x, y, 1);
  EXPECT_LT(rep.worst.error, 1e-8) << rep.worst.name;
  // By hand: ŷ = 0.7, dL/dŷ = -0.3; dL/db2 = dL/dλ(2,3)/0.7 = -0.3; dL/dλ(1,2) = 0.7·-0.3.
  for (const GradCheckEntry& e : rep.entries) {
    double expected = -0.3;  // b2, b3, I1[row 0]
    if (e.name == "λ(1,2)" || e.name == "λ(2,3)") expected = -0.21;
    EXPECT_NEAR(e.analytic, expected, 1e-15) << e.name;
  }
}

TEST(GradCheck, RejectsBadCalls) {
  const Network<double> net = kink_network();
  const double x[] = {0.7}, y[] = {1.0};
  EXPECT_THROW(gradient_check(net, x, y, 0), UsageError);
  GradCheckOptions opt;
  opt.eps = 0;
  EXPECT_THROW(gradient_check(net, x, y, 1, opt), UsageError);
  opt.eps = -1e-6;
  EXPECT_THROW(gradient_check(net, x, y, 1, opt), UsageError);
  // binary_step: a network can be built (forward only), but not checked.
  Network<double> step(Architecture{{1, 2, 1}, {Activation::of(K::binary_step), Activation{}}});
  EXPECT_THROW(gradient_check(step, x, y, 1), ArchitectureError);
}

// Cross-entropy targets that do not sum to 1 (soft labels, an all-zero row): the loss
// -Σ y_k ln softmax(z)_k has dL/dz_j = softmax_j·Σ_k y_k - y_j; the shortcut ŷ - y is exact
// only when Σ y = 1, so the engine uses the general form (propagate.cpp, backward).
TEST(GradCheck, CrossEntropyTargetsNotSummingToOne) {
  std::mt19937_64 g(3);
  Architecture arch{{2, 3}, {Activation::of(K::softmax)}, LossKind::softmax_cross_entropy};
  Problem p = make_problem(arch, 1, g);
  for (const std::vector<double>& y : {std::vector<double>{0.5, 0.5, 0.5},     // Σ = 1.5
                                       std::vector<double>{0.0, 0.0, 0.0}}) {  // L = 0
    p.y = y;
    try {
      const GradCheckReport rep = gradient_check(p.net, p.x.data(), p.y.data(), 1);
      EXPECT_LT(rep.worst.error, 1e-6) << rep.worst.name << " analytic " << rep.worst.analytic
                                       << " numeric " << rep.worst.numeric;
    } catch (const UsageError&) {
      // Rejecting targets that are not a distribution is also a fix.
    }
  }
}

}  // namespace
