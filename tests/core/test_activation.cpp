// Activations: forward against closed forms written out here (std::exp etc.), extremes,
// backward against central finite differences of activation_forward, the scalar forms used
// by the reference path, parameters, and Activation::parse / name().
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "annlab/core/activation.hpp"
#include "annlab/core/error.hpp"

namespace {
using namespace annlab;
using K = ActivationKind;

// Closed forms, in double, written independently of activation.cpp.
double closed_form(const Activation& act, double z) {
  switch (act.kind) {
    case K::identity:
      return z;
    case K::sigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case K::tanh:
      return (std::exp(2 * z) - 1) / (std::exp(2 * z) + 1);  // moderate z only
    case K::relu:
      return z > 0 ? z : 0.0;
    case K::leaky_relu:
      return z > 0 ? z : act.param * z;
    case K::elu:
      return z > 0 ? z : act.param * (std::exp(z) - 1);
    case K::softplus:
      return std::log(1 + std::exp(z));  // moderate z only
    case K::binary_step:
      return z >= 0 ? 1.0 : 0.0;
    case K::softmax:
      break;
  }
  ADD_FAILURE() << "no scalar closed form for softmax";
  return 0;
}

std::vector<Activation> elementwise_activations() {
  return {Activation::of(K::identity),   Activation::of(K::sigmoid),
          Activation::of(K::tanh),       Activation::of(K::relu),
          Activation::of(K::leaky_relu), Activation{K::leaky_relu, 0.2},
          Activation::of(K::elu),        Activation{K::elu, 0.5},
          Activation::of(K::softplus),   Activation::of(K::binary_step)};
}

std::vector<double> forward(const Activation& act, const std::vector<double>& z, long cols) {
  std::vector<double> a(z.size());
  activation_forward(act, z.data(), a.data(), static_cast<long>(z.size()) / cols, cols);
  return a;
}

// Moderate inputs, none within 0.05 of the kinks at 0.
const std::vector<double> kModerate = {-4.0, -2.5, -1.3, -0.7, -0.2, -0.06,
                                       0.06, 0.3,  0.9,  1.7,  3.1,  5.0};

// ---- forward ---------------------------------------------------------------------------

TEST(Activation, ForwardMatchesClosedForms) {
  for (const Activation& act : elementwise_activations()) {
    const std::vector<double> a = forward(act, kModerate, 3);  // 4 rows x 3 cols
    for (std::size_t i = 0; i < kModerate.size(); ++i) {
      const double expected = closed_form(act, kModerate[i]);
      EXPECT_NEAR(a[i], expected, 1e-15 * std::max(1.0, std::abs(expected)))
          << act.name() << " z=" << kModerate[i];
    }
  }
}

TEST(Activation, ForwardFloatMatchesDouble) {
  for (const Activation& act : elementwise_activations()) {
    std::vector<float> zf(kModerate.begin(), kModerate.end()), af(zf.size());
    activation_forward(act, zf.data(), af.data(), 1, static_cast<long>(zf.size()));
    for (std::size_t i = 0; i < zf.size(); ++i) {
      const double expected = closed_form(act, double(zf[i]));
      EXPECT_NEAR(double(af[i]), expected, 1e-6 * std::max(1.0, std::abs(expected)))
          << act.name() << " z=" << zf[i];
    }
  }
}

TEST(Activation, ParametersOfLeakyReluAndElu) {
  const std::vector<double> z = {-3.0, -1.0, 0.0, 2.0};
  const auto leaky_default = forward(Activation::of(K::leaky_relu), z, 4);
  EXPECT_DOUBLE_EQ(Activation::of(K::leaky_relu).param, 0.01);
  EXPECT_DOUBLE_EQ(leaky_default[0], -0.03);
  EXPECT_DOUBLE_EQ(leaky_default[3], 2.0);
  const auto leaky = forward(Activation{K::leaky_relu, 0.2}, z, 4);
  EXPECT_DOUBLE_EQ(leaky[0], -0.6);
  EXPECT_DOUBLE_EQ(leaky[1], -0.2);
  EXPECT_EQ(leaky[2], 0.0);
  EXPECT_DOUBLE_EQ(leaky[3], 2.0);
  EXPECT_DOUBLE_EQ(Activation::of(K::elu).param, 1.0);
  const auto elu = forward(Activation{K::elu, 0.5}, z, 4);
  EXPECT_NEAR(elu[0], 0.5 * (std::exp(-3.0) - 1), 1e-16);
  EXPECT_NEAR(elu[1], 0.5 * (std::exp(-1.0) - 1), 1e-16);
  EXPECT_EQ(elu[2], 0.0);
  EXPECT_DOUBLE_EQ(elu[3], 2.0);
  // Backward: slope / a·e^z on the negative side.
  const std::vector<double> da = {1.0, 1.0, 1.0, 1.0};
  std::vector<double> dz(4);
  activation_backward(Activation{K::leaky_relu, 0.2}, z.data(), leaky.data(), da.data(), dz.data(),
                      1, 4);
  EXPECT_DOUBLE_EQ(dz[0], 0.2);
  EXPECT_DOUBLE_EQ(dz[3], 1.0);
  activation_backward(Activation{K::elu, 0.5}, z.data(), elu.data(), da.data(), dz.data(), 1, 4);
  EXPECT_NEAR(dz[0], 0.5 * std::exp(-3.0), 1e-16);
  EXPECT_NEAR(dz[1], 0.5 * std::exp(-1.0), 1e-16);
  EXPECT_DOUBLE_EQ(dz[3], 1.0);
}

TEST(Activation, ExtremeInputsStayFinite) {
  const std::vector<double> z = {-800.0, -40.0, 40.0, 800.0};
  const auto sig = forward(Activation::of(K::sigmoid), z, 4);
  for (double v : sig) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ(sig[0], 0.0);
  EXPECT_NEAR(sig[1], std::exp(-40.0), 1e-30);  // σ(-40) = e^-40/(1+e^-40)
  EXPECT_EQ(sig[3], 1.0);
  const auto th = forward(Activation::of(K::tanh), z, 4);
  EXPECT_EQ(th[0], -1.0);
  EXPECT_EQ(th[3], 1.0);
  const auto sp = forward(Activation::of(K::softplus), z, 4);
  for (double v : sp) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(sp[3], 800.0, 1e-12);  // ln(1+e^800) = 800 + ln(1+e^-800)
  EXPECT_NEAR(sp[2], 40.0 + std::exp(-40.0), 1e-13);
  EXPECT_EQ(sp[0], 0.0);
  EXPECT_NEAR(sp[1], std::exp(-40.0), 1e-30);  // ln(1+ε) ≈ ε, kept to full precision
  const auto elu = forward(Activation::of(K::elu), z, 4);
  EXPECT_EQ(elu[0], -1.0);
  EXPECT_EQ(elu[3], 800.0);
  // Derivatives at the extremes: finite (no inf·0).
  const std::vector<double> da = {1.0, 1.0, 1.0, 1.0};
  for (const Activation& act : {Activation::of(K::sigmoid), Activation::of(K::tanh),
                                Activation::of(K::softplus), Activation::of(K::elu)}) {
    const auto a = forward(act, z, 4);
    std::vector<double> dz(4);
    activation_backward(act, z.data(), a.data(), da.data(), dz.data(), 1, 4);
    for (double v : dz) EXPECT_TRUE(std::isfinite(v)) << act.name();
  }
  // Float too: σ(±800f) and softplus(800f) do not overflow.
  const std::vector<float> zf = {-800.f, 800.f};
  std::vector<float> af(2);
  activation_forward(Activation::of(K::sigmoid), zf.data(), af.data(), 1, 2);
  EXPECT_EQ(af[0], 0.f);
  EXPECT_EQ(af[1], 1.f);
  activation_forward(Activation::of(K::softplus), zf.data(), af.data(), 1, 2);
  EXPECT_EQ(af[0], 0.f);
  EXPECT_EQ(af[1], 800.f);
}

TEST(Activation, SoftmaxMatchesClosedForm) {
  const std::vector<double> z = {0.1, -1.2, 2.0, 0.5, 3.0, 3.0, -2.0, 0.0};  // 2 rows x 4
  const auto a = forward(Activation::of(K::softmax), z, 4);
  for (int r = 0; r < 2; ++r) {
    double sum = 0, asum = 0;
    for (int k = 0; k < 4; ++k) sum += std::exp(z[static_cast<std::size_t>(4 * r + k)]);
    for (int k = 0; k < 4; ++k) {
      const std::size_t e = static_cast<std::size_t>(4 * r + k);
      EXPECT_NEAR(a[e], std::exp(z[e]) / sum, 1e-16);
      asum += a[e];
    }
    EXPECT_NEAR(asum, 1.0, 1e-15);
  }
}

TEST(Activation, SoftmaxInvariantToAddingAConstant) {
  const std::vector<double> z = {0.3, -0.8, 1.9, 0.05, -2.2, 4.0};  // 2 rows x 3
  const auto a = forward(Activation::of(K::softmax), z, 3);
  for (double c : {-50.0, 7.25, 123.5, 700.0}) {
    std::vector<double> zc = z;
    for (double& v : zc) v += c;
    const auto ac = forward(Activation::of(K::softmax), zc, 3);
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(ac[i], a[i], 1e-13) << "c=" << c;
  }
}

TEST(Activation, SoftmaxHugeLogitsNoNaN) {
  const std::vector<double> z = {1000.0, 999.0, -1000.0, 1e300, -1e300, 0.0};  // 2 x 3
  const auto a = forward(Activation::of(K::softmax), z, 3);
  for (double v : a) EXPECT_TRUE(std::isfinite(v));
  // Row 0: e^0, e^-1, e^-2000 over their sum.
  const double s = 1 + std::exp(-1.0);
  EXPECT_NEAR(a[0], 1 / s, 1e-15);
  EXPECT_NEAR(a[1], std::exp(-1.0) / s, 1e-15);
  EXPECT_EQ(a[2], 0.0);
  EXPECT_EQ(a[3], 1.0);
  EXPECT_EQ(a[4], 0.0);
  EXPECT_EQ(a[5], 0.0);
  std::vector<float> zf = {1000.f, 999.f, -1000.f}, af(3);
  activation_forward(Activation::of(K::softmax), zf.data(), af.data(), 1, 3);
  for (float v : af) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(double(af[0]), 1 / s, 1e-6);
}

// ---- backward vs finite differences ------------------------------------------------------

TEST(Activation, BackwardMatchesFiniteDifferences) {
  const double h = 1e-6;
  std::vector<double> da(kModerate.size());
  for (std::size_t i = 0; i < da.size(); ++i) da[i] = 0.3 + 0.17 * double(i) - 0.02 * double(i * i);
  for (const Activation& act : elementwise_activations()) {
    if (!act.differentiable()) continue;
    const auto a = forward(act, kModerate, 4);
    std::vector<double> dz(a.size());
    activation_backward(act, kModerate.data(), a.data(), da.data(), dz.data(), 3, 4);
    for (std::size_t i = 0; i < kModerate.size(); ++i) {
      const double z = kModerate[i];
      const double up = forward(act, {z + h}, 1)[0], down = forward(act, {z - h}, 1)[0];
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(dz[i], da[i] * numeric, 1e-8 * std::max(1.0, std::abs(da[i] * numeric)))
          << act.name() << " z=" << z;
      // The reference path's scalar forms agree with the same finite differences.
      EXPECT_NEAR(activation_derivative(act, z), numeric, 1e-8) << act.name() << " z=" << z;
      EXPECT_NEAR(activation_value(act, z), a[i], 1e-15 * std::max(1.0, std::abs(a[i])))
          << act.name() << " z=" << z;
    }
  }
}

TEST(Activation, SoftmaxBackwardMatchesFiniteDifferences) {
  // dz_j = Σ_k da_k·∂a_k/∂z_j, with ∂a/∂z_j from central differences of the forward.
  const long rows = 3, cols = 5;
  std::vector<double> z(rows * cols), da(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    z[i] = std::sin(1.3 * double(i) + 0.4) * 2.5;
    da[i] = std::cos(0.7 * double(i)) - 0.2;
  }
  const Activation sm = Activation::of(K::softmax);
  const auto a = forward(sm, z, cols);
  std::vector<double> dz(z.size());
  activation_backward(sm, z.data(), a.data(), da.data(), dz.data(), rows, cols);
  const double h = 1e-6;
  for (long r = 0; r < rows; ++r)
    for (long j = 0; j < cols; ++j) {
      std::vector<double> zu(z.begin() + r * cols, z.begin() + (r + 1) * cols), zd = zu;
      zu[static_cast<std::size_t>(j)] += h;
      zd[static_cast<std::size_t>(j)] -= h;
      const auto au = forward(sm, zu, cols), ad = forward(sm, zd, cols);
      double numeric = 0;
      for (long k = 0; k < cols; ++k)
        numeric += da[static_cast<std::size_t>(r * cols + k)] *
                   (au[static_cast<std::size_t>(k)] - ad[static_cast<std::size_t>(k)]) / (2 * h);
      EXPECT_NEAR(dz[static_cast<std::size_t>(r * cols + j)], numeric, 1e-9)
          << "row " << r << " col " << j;
    }
}

TEST(Activation, ReluSubgradientAtZero) {
  const std::vector<double> z = {0.0}, a = {0.0}, da = {2.0};
  std::vector<double> dz(1);
  activation_backward(Activation::of(K::relu), z.data(), a.data(), da.data(), dz.data(), 1, 1);
  EXPECT_EQ(dz[0], 0.0);
  activation_backward(Activation::of(K::identity), z.data(), a.data(), da.data(), dz.data(), 1, 1);
  EXPECT_EQ(dz[0], 2.0);
}

TEST(Activation, BinaryStepHasNoBackward) {
  const Activation step = Activation::of(K::binary_step);
  EXPECT_FALSE(step.differentiable());
  const std::vector<double> z = {-1.0, 0.0, 1.0};
  const auto a = forward(step, z, 3);
  EXPECT_EQ(a, (std::vector<double>{0.0, 1.0, 1.0}));
  std::vector<double> dz(3);
  const std::vector<double> da = {1.0, 1.0, 1.0};
  EXPECT_THROW(activation_backward(step, z.data(), a.data(), da.data(), dz.data(), 1, 3),
               UsageError);
  EXPECT_THROW(activation_derivative(step, 0.5), UsageError);
  EXPECT_THROW(activation_value(Activation::of(K::softmax), 0.5), UsageError);
}

// The reference path's scalar forms (activation_value) should agree with the fast forward
// at the extremes too: a naive log(1 + exp(z)) would be inf for z > ~709 (gradient_check
// would report NaN) and 0 for z < ~-37, and a·(exp(z) - 1) loses precision near 0.
TEST(Activation, ScalarFormsMatchForwardAtExtremes) {
  for (const Activation& act : {Activation::of(K::softplus), Activation::of(K::elu)})
    for (double z : {-800.0, -40.0, -1e-10, 1e-10, 40.0, 800.0}) {
      const double a = forward(act, {z}, 1)[0];
      EXPECT_NEAR(activation_value(act, z), a, 1e-13 * std::max(1e-300, std::abs(a)))
          << act.name() << " z=" << z;
    }
}

// ---- parse / name ----------------------------------------------------------------------

TEST(Activation, ParseAcceptsNamesAliasesAndParameters) {
  EXPECT_EQ(Activation::parse("leaky_relu:0.2"), (Activation{K::leaky_relu, 0.2}));
  EXPECT_EQ(Activation::parse("leaky_relu(0.2)"), (Activation{K::leaky_relu, 0.2}));
  EXPECT_EQ(Activation::parse("leaky_relu"), (Activation{K::leaky_relu, 0.01}));
  EXPECT_EQ(Activation::parse("ELU"), (Activation{K::elu, 1.0}));
  EXPECT_EQ(Activation::parse("elu:0.5"), (Activation{K::elu, 0.5}));
  EXPECT_EQ(Activation::parse("linear"), Activation::of(K::identity));
  EXPECT_EQ(Activation::parse("Sigmoid"), Activation::of(K::sigmoid));
  EXPECT_EQ(Activation::parse("logistic"), Activation::of(K::sigmoid));
  EXPECT_EQ(Activation::parse("softmax"), Activation::of(K::softmax));
  EXPECT_EQ(Activation::parse("binary-step"), Activation::of(K::binary_step));
}

TEST(Activation, ParseRejectsWithHelpfulMessages) {
  try {
    Activation::parse("foo");
    FAIL() << "foo accepted";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("foo"), std::string::npos) << m;
    for (const std::string& name : activation_names())
      EXPECT_NE(m.find(name), std::string::npos) << "message lacks " << name << ": " << m;
  }
  try {
    Activation::parse("relu:1");
    FAIL() << "relu:1 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("leaky_relu"), std::string::npos) << e.what();
  }
  try {
    Activation::parse("elu:-1");
    FAIL() << "elu:-1 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("> 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Activation::parse("leaky_relu:abc"), UsageError);
  EXPECT_THROW(Activation::parse("leaky_relu(0.2"), UsageError);
  EXPECT_THROW(Activation::parse("leaky_relu:0.2x"), UsageError);
  EXPECT_THROW(Activation::parse("leaky_relu:inf"), UsageError);
  EXPECT_THROW(Activation::parse(""), UsageError);
}

TEST(Activation, NameRoundTripsThroughParse) {
  for (const std::string& n : activation_names()) {
    const Activation a = Activation::parse(n);
    EXPECT_EQ(a.name(), n);
    EXPECT_EQ(Activation::parse(a.name()), a);
  }
  for (const Activation& a :
       {Activation{K::leaky_relu, 0.2}, Activation{K::leaky_relu, 0.0},
        Activation{K::leaky_relu, 1.0 / 3.0}, Activation{K::elu, 0.5}, Activation{K::elu, 2.75}}) {
    EXPECT_EQ(Activation::parse(a.name()), a) << a.name();
  }
  EXPECT_EQ((Activation{K::leaky_relu, 0.2}).name(), "leaky_relu:0.2");
  EXPECT_EQ(Activation::of(K::leaky_relu).name(), "leaky_relu");
  EXPECT_EQ(activation_names().size(), 9u);
}

}  // namespace
