// The register-blocked products (src/core/blocked.hpp) against a plain triple loop in long
// double, over the shapes that reach every block (R rows: 12, 8, 6, then 4, 2, 1 left over;
// 1-4 vectors per column block, the last one masked), every stride pattern the propagator
// uses (X row-major, X read down its columns for dW), with and without init and alpha; and
// the narrow (dot-product) forward; the transpose at sizes with and without whole 256-bit
// tiles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../src/core/blocked.hpp"
#include "annlab/core/activation.hpp"

namespace {
using namespace annlab;

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937_64& g) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> v(n);
  for (T& x : v) x = T(u(g));
  return v;
}

// out = init + Σ_j X(r, j)·Y[j, c], times alpha; every output against the long-double sum
// within K·ulp of the sum of |terms| (each is one rounded multiply-add chain), and every
// entry outside the M x N block untouched: past N in each row (row stride ldo > N) and two
// guard rows past M. X read down its columns has a row stride past M (M + 3), as dZ's k is
// past a half's c in the propagator.
template <class T>
void check_product(long M, long N, long K, bool transposed_x, bool with_init, T alpha,
                   std::mt19937_64& g) {
  SCOPED_TRACE("M " + std::to_string(M) + " N " + std::to_string(N) + " K " + std::to_string(K) +
               (transposed_x ? " X down columns" : " X rows") + (with_init ? " init" : "") +
               " alpha " + std::to_string(double(alpha)));
  const long ldy = N + 3, ldo = N + 5;  // strides past the block: its edges must hold
  const long xr = transposed_x ? 1 : K, xc = transposed_x ? M + 3 : 1;  // X(r, j)
  const std::vector<T> x = random_values<T>(std::size_t(transposed_x ? K * (M + 3) : M * K), g);
  const std::vector<T> y = random_values<T>(std::size_t(K * ldy), g);
  const std::vector<T> init = random_values<T>(std::size_t(N), g);
  std::vector<T> out(std::size_t((M + 2) * ldo), T(-7));
  blocked::product<T>(M, N, K, x.data(), xr, xc, y.data(), ldy, out.data(), ldo,
                      with_init ? init.data() : nullptr, alpha);
  const double ulp = std::numeric_limits<T>::epsilon();
  for (long r = 0; r < M; ++r) {
    for (long c = 0; c < N; ++c) {
      long double s = with_init ? init[std::size_t(c)] : 0, mag = std::abs(s);
      for (long j = 0; j < K; ++j) {
        const long double t =
            (long double)x[std::size_t(r * xr + j * xc)] * y[std::size_t(j * ldy + c)];
        s += t;
        mag += std::abs(t);
      }
      s *= alpha;
      mag *= std::abs(double(alpha));
      ASSERT_NEAR(double(out[std::size_t(r * ldo + c)]), double(s),
                  double(K + 2) * ulp * double(mag))
          << "row " << r << " column " << c;
    }
    for (long c = N; c < ldo; ++c) ASSERT_EQ(out[std::size_t(r * ldo + c)], T(-7)) << r << "," << c;
  }
  for (long e = M * ldo; e < (M + 2) * ldo; ++e)
    ASSERT_EQ(out[std::size_t(e)], T(-7)) << "guard row " << e / ldo;
}

template <class T>
void check_every_block() {
  std::mt19937_64 g(sizeof(T));
  const long n = 64 / long(sizeof(T));  // lanes of a vector
  // Rows: 1, 2, 3, 5 (4 + 1), 7, 13 (12 + 1), 23 (12 + 4 + 4 + 2 + 1), 31; columns: one
  // lane, a partial vector, whole vectors, 1-4 vectors with the last partial, two column
  // blocks with a partial third (4n + n + 3).
  for (const long M : {1L, 2L, 3L, 5L, 7L, 13L, 23L, 31L})
    for (const long N : {1L, n / 2 + 1, n, 2 * n - 3, 3 * n + 1, 4 * n, 5 * n + 3})
      for (const long K : {1L, 9L, 64L}) {
        check_product<T>(M, N, K, false, M % 2 == 1, T(1), g);
        check_product<T>(M, N, K, true, false, T(1) / T(M), g);
        if (::testing::Test::HasFatalFailure()) return;
      }
}

TEST(Blocked, ProductsFloatMatchLongDoubleAtEveryBlockAndEdge) {
  check_every_block<float>();
}
TEST(Blocked, ProductsDoubleMatchLongDoubleAtEveryBlockAndEdge) {
  check_every_block<double>();
}

// One output's bits do not depend on how many rows share its block (12, 8, 6, 4, 2 or 1 by
// the column block's width), nor on its row's place, nor on the columns beside it.
template <class T>
void check_bits_alone() {
  std::mt19937_64 g(3);
  const long n = 64 / long(sizeof(T)), K = 50;
  for (const long N : {n / 2 + 1, 2 * n - 3, 3 * n, 4 * n, 5 * n + 3}) {
    const std::vector<T> x = random_values<T>(std::size_t(31 * K), g);
    const std::vector<T> y = random_values<T>(std::size_t(K * N), g);
    std::vector<T> all(std::size_t(31 * N)), one(static_cast<std::size_t>(N));
    blocked::product<T>(31, N, K, x.data(), K, 1, y.data(), N, all.data(), N, nullptr, T(1));
    for (long r = 0; r < 31; ++r) {
      blocked::product<T>(1, N, K, x.data() + r * K, K, 1, y.data(), N, one.data(), N, nullptr,
                          T(1));
      for (long c = 0; c < N; ++c)
        ASSERT_EQ(one[std::size_t(c)], all[std::size_t(r * N + c)]) << N << ": " << r << "," << c;
    }
    // The last column alone (a block of one masked lane) against the same column in the block.
    std::vector<T> column(31);
    blocked::product<T>(31, 1, K, x.data(), K, 1, y.data() + N - 1, N, column.data(), 1, nullptr,
                        T(1));
    for (long r = 0; r < 31; ++r)
      ASSERT_EQ(column[std::size_t(r)], all[std::size_t(r * N + N - 1)]) << N << ": " << r;
  }
}

TEST(Blocked, AnOutputsBitsDoNotDependOnTheRowsAroundIt) {
  check_bits_alone<float>();
  check_bits_alone<double>();
}

// narrow_forward: b[j] + Σ_i X[r, i]·W[j, i] for outputs under half a vector, against long
// double (K + 2 ulps of the sum of |terms|: a sum of lanes in a tree), rows 1..9 (blocks of 4
// and single rows), inputs with and without a masked tail; and each row's bits alone.
template <class T>
void check_narrow() {
  std::mt19937_64 g(7);
  const double ulp = std::numeric_limits<T>::epsilon();
  for (const long M : {1L, 3L, 4L, 5L, 9L})
    for (const long N : {1L, 3L, 64 / long(sizeof(T)) / 2 - 1})
      for (const long K : {16L, 17L, 31L, 64L, 100L}) {
        SCOPED_TRACE("M " + std::to_string(M) + " N " + std::to_string(N) + " K " +
                     std::to_string(K));
        const std::vector<T> x = random_values<T>(std::size_t(M * K), g);
        const std::vector<T> w = random_values<T>(std::size_t(N * K), g);
        const std::vector<T> b = random_values<T>(std::size_t(N), g);
        std::vector<T> out(std::size_t(M * N)), one(static_cast<std::size_t>(N));
        blocked::narrow_forward<T>(M, N, K, x.data(), w.data(), b.data(), out.data());
        for (long r = 0; r < M; ++r) {
          blocked::narrow_forward<T>(1, N, K, x.data() + r * K, w.data(), b.data(), one.data());
          for (long j = 0; j < N; ++j) {
            long double s = b[std::size_t(j)], mag = std::abs(s);
            for (long i = 0; i < K; ++i) {
              const long double t =
                  (long double)x[std::size_t(r * K + i)] * w[std::size_t(j * K + i)];
              s += t;
              mag += std::abs(t);
            }
            const T got = out[std::size_t(r * N + j)];
            ASSERT_NEAR(double(got), double(s), double(K + 2) * ulp * double(mag)) << r << "," << j;
            ASSERT_EQ(one[std::size_t(j)], got) << "row " << r << " alone, column " << j;
          }
        }
      }
}

TEST(Blocked, NarrowForwardFloatAndDoubleMatchLongDouble) {
  check_narrow<float>();
  check_narrow<double>();
}

// dW made transposed (propagate.cpp, layers with fewer inputs than a vector): dWᵀ = Aᵀ·dZ
// then the transpose gives the same bits as dW = dZᵀ·A made directly (the same multiply-add
// chains over the rows, in the same order).
template <class T>
void check_dw_transposed() {
  std::mt19937_64 g(9);
  for (const long p : {1L, 5L, 8L, 15L})
    for (const long k : {16L, 40L, 64L})
      for (const long B : {1L, 7L, 32L}) {
        const std::vector<T> a = random_values<T>(std::size_t(B * p), g);
        const std::vector<T> dz = random_values<T>(std::size_t(B * k), g);
        const T inv = T(1) / T(B);
        std::vector<T> direct(std::size_t(k * p)), t(std::size_t(p * k)), via(std::size_t(k * p));
        blocked::product<T>(k, p, B, dz.data(), 1, k, a.data(), p, direct.data(), p, nullptr, inv);
        blocked::product<T>(p, k, B, a.data(), 1, p, dz.data(), k, t.data(), k, nullptr, inv);
        blocked::transpose(t.data(), p, k, via.data(), p);
        ASSERT_TRUE(via == direct) << "p " << p << " k " << k << " B " << B;
      }
}

TEST(Blocked, DwMadeTransposedHasTheSameBits) {
  check_dw_transposed<float>();
  check_dw_transposed<double>();
}

// The ReLU stored in the product's own pass (blocked::Relu): the product's output is what it
// is without it, bit for bit, and the ReLU's is what activation_forward (gated by the value,
// as the forward calls it: with a bias as init) and activation_backward (gated by Z: 0, -0,
// NaN, negative and positive gates; no init, as dA) make of that output, bit for bit. Rows
// and columns reach every block (R 6, 8, 12 with their 4, 2 and 1 leftovers; 1-4 vectors,
// the last partial), Y's row stride is past N (as a half's Wᵀ), and the value-gated case
// meets NaN rows (a NaN in X), ±0 (a zero column of Y with a -0 bias) and negatives.
// Nothing past the block is written.
template <class T>
void check_relu() {
  std::mt19937_64 g(7 * sizeof(T));
  const long n = 64 / long(sizeof(T));
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const Activation relu = Activation::of(ActivationKind::relu);
  for (const long M : {1L, 5L, 8L, 13L, 23L})
    for (const long N : {1L, n - 3, 2 * n, 2 * n + 3, 4 * n + n + 3})
      for (const bool gated : {false, true}) {
        SCOPED_TRACE("M " + std::to_string(M) + " N " + std::to_string(N) +
                     (gated ? " gated by Z" : " gated by the value, with a bias"));
        const long K = 9, ldy = N + 2, ldo = N + 5, size = (M + 2) * ldo;
        std::vector<T> x = random_values<T>(std::size_t(M * K), g);
        std::vector<T> y = random_values<T>(std::size_t(K * ldy), g);
        std::vector<T> bias = random_values<T>(std::size_t(N), g);
        if (!gated) {
          x[std::size_t(K / 2)] = nan;  // row 0: NaN everywhere
          for (long j = 0; j < K; ++j) y[std::size_t(j * ldy + N / 2)] = T(0);
          bias[std::size_t(N / 2)] = T(-0.0);  // column N/2: ±0 (x·0 + -0 over the chain)
        }
        std::vector<T> gate = random_values<T>(std::size_t(size), g);
        for (long i = 0; i < size; i += 5) gate[std::size_t(i)] = T(0);
        for (long i = 1; i < size; i += 7) gate[std::size_t(i)] = T(-0.0);
        for (long i = 2; i < size; i += 11) gate[std::size_t(i)] = nan;
        const T* init = gated ? nullptr : bias.data();
        std::vector<T> plain(std::size_t(size), T(-7)), out = plain, fused = plain;
        blocked::product<T>(M, N, K, x.data(), K, 1, y.data(), ldy, plain.data(), ldo, init, T(1));
        blocked::product<T>(M, N, K, x.data(), K, 1, y.data(), ldy, out.data(), ldo, init, T(1),
                            {fused.data(), gated ? gate.data() : nullptr});
        ASSERT_EQ(0, std::memcmp(out.data(), plain.data(), sizeof(T) * std::size_t(size)));
        for (long e = 0; e < size; ++e) {
          const long r = e / ldo, c = e % ldo;
          const T v = plain[std::size_t(e)];
          T want = T(-7);  // past the block: untouched
          if (r < M && c < N && gated)
            activation_backward<T>(relu, &gate[std::size_t(e)], nullptr, &v, &want, 1, 1);
          else if (r < M && c < N)
            activation_forward<T>(relu, &v, &want, 1, 1);
          ASSERT_EQ(0, std::memcmp(&fused[std::size_t(e)], &want, sizeof(T)))
              << "row " << r << " column " << c << ": " << fused[std::size_t(e)] << " vs " << want;
        }
      }
}

TEST(Blocked, ReluInTheProductsPassHasTheActivationPassesBits) {
  check_relu<float>();
  check_relu<double>();
}

template <class T>
void check_transpose() {
  std::mt19937_64 g(5);
  for (const long k : {1L, 3L, 4L, 8L, 13L, 64L, 100L})
    for (const long p : {1L, 5L, 8L, 16L, 37L, 64L}) {
      const std::vector<T> w = random_values<T>(std::size_t(k * p), g);
      const long ldt = k + 2;
      std::vector<T> t(std::size_t(p * ldt), T(-7));
      blocked::transpose(w.data(), k, p, t.data(), ldt);
      for (long i = 0; i < p; ++i) {
        for (long j = 0; j < k; ++j)
          ASSERT_EQ(t[std::size_t(i * ldt + j)], w[std::size_t(j * p + i)])
              << k << "x" << p << " at " << i << "," << j;
        for (long j = k; j < ldt; ++j) ASSERT_EQ(t[std::size_t(i * ldt + j)], T(-7));
      }
    }
}

TEST(Blocked, TransposeFloatAndDouble) {
  check_transpose<float>();
  check_transpose<double>();
}

TEST(Blocked, AvailableWhereTheBuildHasAvx512) {
#if defined(__AVX512F__)
  EXPECT_TRUE(blocked::available());
#else
  EXPECT_FALSE(blocked::available());
#endif
}

}  // namespace
