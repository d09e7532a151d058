// The vectorized element-wise functions (src/core/vmath.hpp) against std's and against
// long double over the whole range: magnitudes from the smallest denormal to 1e4 on both
// signs (every binade, 64 points each), ±0, ±inf and NaN. The forward pass's sigmoid, tanh,
// ELU and softmax use them, so this bounds how far the fast path is from the std functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../../src/core/vmath.hpp"
#include "annlab/core/activation.hpp"

namespace {
using namespace annlab;

// Distance in representable values (0 for equal values, both NaN, or +0 vs -0).
template <class T>
std::int64_t ulps(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : 1LL << 40;
  using I = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
  const auto ordered = [](T v) {
    const I i = std::bit_cast<I>(v);
    return std::int64_t(i < 0 ? std::numeric_limits<I>::min() - i : i);
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

template <class T>
std::vector<T> sweep() {
  std::vector<T> v = {T(0),
                      -T(0),
                      std::numeric_limits<T>::infinity(),
                      -std::numeric_limits<T>::infinity(),
                      std::numeric_limits<T>::quiet_NaN(),
                      std::numeric_limits<T>::denorm_min(),
                      std::numeric_limits<T>::min(),
                      std::numeric_limits<T>::max(),
                      std::numeric_limits<T>::lowest()};
  for (T m = std::numeric_limits<T>::denorm_min(); m < T(1e4); m *= T(2))
    for (int i = 0; i < 64; ++i) {
      const T x = m * (T(1) + T(i) / T(64));
      v.push_back(x);
      v.push_back(-x);
    }
  return v;
}

struct Worst {
  std::int64_t ulps = 0;
  double at = 0;
  void see(std::int64_t u, double x) {
    if (u > ulps) ulps = u, at = x;
  }
};

template <class T>
void check_all(std::int64_t limit) {
  Worst tanh_std, tanh_ld, sig_ld, expm1_std, exp_std;
  for (const T x : sweep<T>()) {
    tanh_std.see(ulps(vmath::tanh(x), std::tanh(x)), double(x));
    tanh_ld.see(ulps(vmath::tanh(x), T(std::tanh((long double)x))), double(x));
    const long double e = std::exp(-std::fabs((long double)x));
    const long double sig = x >= 0 ? 1 / (1 + e) : e / (1 + e);
    sig_ld.see(ulps(vmath::logistic(x), std::isnan(x) ? x : T(sig)), double(x));
    if (!(x > T(0))) {
      expm1_std.see(ulps(vmath::expm1_nonpositive(x), std::expm1(x)), double(x));
      exp_std.see(ulps(vmath::exp_nonpositive(x), std::exp(x)), double(x));
    }
  }
  const std::string t = sizeof(T) == 8 ? "double" : "float";
  EXPECT_LE(tanh_std.ulps, limit) << t << " tanh vs std at " << tanh_std.at;
  EXPECT_LE(tanh_ld.ulps, limit) << t << " tanh vs long double at " << tanh_ld.at;
  EXPECT_LE(sig_ld.ulps, limit) << t << " logistic vs long double at " << sig_ld.at;
  EXPECT_LE(expm1_std.ulps, limit) << t << " expm1 vs std at " << expm1_std.at;
  EXPECT_LE(exp_std.ulps, limit) << t << " exp vs std at " << exp_std.at;
  std::printf(
      "%s worst ulps: tanh %lld (std) %lld (long double), logistic %lld, expm1 %lld, "
      "exp %lld\n",
      t.c_str(), (long long)tanh_std.ulps, (long long)tanh_ld.ulps, (long long)sig_ld.ulps,
      (long long)expm1_std.ulps, (long long)exp_std.ulps);
}

TEST(Vmath, DoubleWithinAFewUlpsOfStdEverywhere) {
  check_all<double>(4);
}
TEST(Vmath, FloatWithinAFewUlpsOfStdEverywhere) {
  check_all<float>(3);
}

TEST(Vmath, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(vmath::tanh(inf), 1.0);
  EXPECT_EQ(vmath::tanh(-inf), -1.0);
  EXPECT_TRUE(std::signbit(vmath::tanh(-0.0)));
  EXPECT_EQ(vmath::tanh(-0.0), 0.0);
  EXPECT_EQ(vmath::tanh(4.9e-324), 4.9e-324);  // tanh x = x for denormals
  EXPECT_TRUE(std::isnan(vmath::tanh(std::nan(""))));
  EXPECT_EQ(vmath::logistic(-inf), 0.0);
  EXPECT_EQ(vmath::logistic(inf), 1.0);
  EXPECT_EQ(vmath::logistic(0.0), 0.5);
  EXPECT_EQ(vmath::logistic(-745.0), std::exp(-745.0));  // the smallest denormal
  EXPECT_TRUE(std::isnan(vmath::logistic(std::nan(""))));
  EXPECT_EQ(vmath::exp_nonpositive(-inf), 0.0);
  EXPECT_EQ(vmath::expm1_nonpositive(-inf), -1.0);
  EXPECT_TRUE(std::isnan(vmath::exp_nonpositive(std::nan(""))));
  EXPECT_EQ(vmath::logistic(-104.0f), std::exp(-104.0f));
  EXPECT_EQ(vmath::tanh(-std::numeric_limits<float>::infinity()), -1.0f);
}

// The activation layer runs them in loops (vectorized): same values as one at a time.
TEST(Vmath, ActivationLoopsGiveTheScalarValues) {
  std::vector<float> z = sweep<float>(), a(z.size());
  for (const ActivationKind k : {ActivationKind::tanh, ActivationKind::sigmoid}) {
    activation_forward(Activation::of(k), z.data(), a.data(), 1, long(z.size()));
    for (std::size_t i = 0; i < z.size(); ++i) {
      const float want = k == ActivationKind::tanh ? vmath::tanh(z[i]) : vmath::logistic(z[i]);
      EXPECT_EQ(ulps(a[i], want), 0) << "z=" << z[i];
    }
  }
}

// Softmax takes the exps of the whole block in one loop (activation.cpp): the same bits as
// the row-by-row formula (max, exps, their sum, times its reciprocal), also with a row of one
// class, rows whose width is not a vector's, huge and -inf logits, and in place (a == z).
template <class T>
void check_softmax_rows(long rows, long cols) {
  std::vector<T> z(std::size_t(rows * cols)), a(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = T(std::sin(double(i) * 1.7) * 40);
  if (z.size() > 5) z[5] = T(1e30), z[1] = -std::numeric_limits<T>::infinity();
  activation_forward(Activation::of(ActivationKind::softmax), z.data(), a.data(), rows, cols);
  std::vector<T> in_place = z;
  activation_forward(Activation::of(ActivationKind::softmax), in_place.data(), in_place.data(),
                     rows, cols);
  for (long r = 0; r < rows; ++r) {
    const T* zr = z.data() + r * cols;
    const T m = *std::max_element(zr, zr + cols);
    std::vector<T> e(static_cast<std::size_t>(cols));
    T sum = 0;
    for (long k = 0; k < cols; ++k) e[std::size_t(k)] = vmath::exp_nonpositive(zr[k] - m);
    for (long k = 0; k < cols; ++k) sum += e[std::size_t(k)];
    const T inv = T(1) / sum;
    for (long k = 0; k < cols; ++k) {
      const std::size_t i = std::size_t(r * cols + k);
      EXPECT_EQ(ulps(a[i], e[std::size_t(k)] * inv), 0) << rows << " x " << cols << " at " << i;
      EXPECT_EQ(ulps(in_place[i], a[i]), 0) << "in place, " << rows << " x " << cols;
    }
  }
}

TEST(Vmath, SoftmaxOverABlockGivesTheRowByRowValues) {
  for (const auto& [rows, cols] : {std::pair{100L, 10L}, {7L, 1L}, {3L, 33L}, {1L, 8L}}) {
    check_softmax_rows<double>(rows, cols);
    check_softmax_rows<float>(rows, cols);
  }
}

}  // namespace
