// Element-wise exp, expm1, tanh and the logistic function written so that a plain loop over
// them vectorizes (no calls, no branches: selects, bit casts and one division), for float
// and double. Accurate to a few ulps of std's over the whole range, ±0, denormals, ±inf
// and NaN included (tests/core/test_vmath.cpp sweeps them against std and long double).
//
// All of them rest on one reduction: y = k·ln2 + r with k = round(y/ln2), |r| <= ln2/2,
// and expm1(r) from its Taylor polynomial (degree 13 in double, 8 in float: the truncation
// is below 0.01 ulp there). Also the libm-based logistic that tiny layers use, and the
// sigmoid and tanh derivatives, one formula for every pass. Internal to core (not a public
// header).
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace annlab::vmath {

template <class T>
struct Bits;
template <>
struct Bits<double> {
  using Int = std::int64_t;
  static constexpr int mantissa = 52, bias = 1023;
  static constexpr double shifter = 0x1.8p52;  // y + shifter rounds y to an integer
  static constexpr double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
};
template <>
struct Bits<float> {
  using Int = std::int32_t;
  static constexpr int mantissa = 23, bias = 127;
  static constexpr float shifter = 0x1.8p23f;
  static constexpr float ln2_hi = 0x1.62e400p-1f, ln2_lo = 0x1.7f7d1cp-20f;
};

// expm1(r) for |r| <= ln2/2: r + r²·(1/2! + r/3! + ...), the bracket by Estrin's scheme
// (pairs, then pairs of pairs: a short dependency chain, which is what one small layer such
// as the chapter's waits for; Horner's would be 11 multiply-adds long).
inline double expm1_poly(double r) {
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q0 = 1.0 / 2 + r * (1.0 / 6), q1 = 1.0 / 24 + r * (1.0 / 120);
  const double q2 = 1.0 / 720 + r * (1.0 / 5040), q3 = 1.0 / 40320 + r * (1.0 / 362880);
  const double q4 = 1.0 / 3628800 + r * (1.0 / 39916800);
  const double q5 = 1.0 / 479001600 + r * (1.0 / 6227020800);
  const double s0 = q0 + r2 * q1, s1 = q2 + r2 * q3, s2 = q4 + r2 * q5;
  return r + r2 * ((s0 + r4 * s1) + r8 * s2);
}
inline float expm1_poly(float r) {
  const float r2 = r * r, r4 = r2 * r2;
  const float q0 = 1.0f / 2 + r * (1.0f / 6), q1 = 1.0f / 24 + r * (1.0f / 120);
  const float q2 = 1.0f / 720 + r * (1.0f / 5040), q3 = 1.0f / 40320;
  return r + r2 * ((q0 + r2 * q1) + r4 * (q2 + r2 * q3));
}

// 2^k for an integer k whose biased exponent is in range (k >= -bias+1).
template <class T>
inline T pow2(typename Bits<T>::Int k) {
  using B = Bits<T>;
  using U = std::make_unsigned_t<typename B::Int>;
  return std::bit_cast<T>(static_cast<U>(static_cast<U>(k + B::bias) << B::mantissa));
}

// y = k·ln2 + r; returns r and sets k (|r| <= ln2/2 up to rounding).
template <class T>
inline T reduce(T y, typename Bits<T>::Int& k) {
  using B = Bits<T>;
  const T shifted = y * T(1.4426950408889634) + B::shifter;  // k in the low mantissa bits
  const T kf = shifted - B::shifter;
  // The shifter's mantissa holds k in two's complement: sign-extend the low bits.
  using Int = typename B::Int;
  constexpr int unused = int(sizeof(Int) * 8) - B::mantissa + 1;
  using U = std::make_unsigned_t<Int>;
  k = static_cast<Int>(static_cast<U>(std::bit_cast<Int>(shifted)) << unused) >> unused;
  return (y - kf * B::ln2_hi) - kf * B::ln2_lo;
}

// expm1(y) for y <= 0, y >= -40 (double) / -20 (float): the caller clamps (expm1 is -1 to
// the last bit below that). 2^k·(1 + p) - 1 = 2^k·p + (2^k - 1): both exact but the sum.
template <class T>
inline T expm1_neg(T y) {
  typename Bits<T>::Int k;
  const T p = expm1_poly(reduce(y, k));
  const T s = pow2<T>(k);
  return s * p + (s - T(1));
}

// exp(y) for y <= 0 (NaN: anything; the caller selects). Down to the smallest denormal
// and 0 below it: 2^k is applied in two halves so that neither leaves the normal range.
template <class T>
inline T exp_neg(T y) {
  constexpr T lowest = sizeof(T) == 8 ? T(-750) : T(-110);  // exp is 0 (rounded) below
  y = y > lowest ? y : lowest;
  using B = Bits<T>;
  using Int = typename B::Int;
  Int k;
  const T m = T(1) + expm1_poly(reduce(y, k));  // in [0.7, 1.42]
  // Normal results: k added to m's exponent field (one integer add, no multiply on the
  // critical path); near and below the smallest normal, 2^k in two halves instead.
  const T fast = std::bit_cast<T>(Int(std::bit_cast<Int>(m) + Int(k * (Int(1) << B::mantissa))));
  const Int k1 = k / 2;
  const T slow = m * pow2<T>(k1) * pow2<T>(k - k1);
  return k > Int(2 - B::bias) ? fast : slow;
}

// Below this many values one libm call per value is quicker than the polynomial chains
// above, which pay off across a vector (the chapter's 2 hidden nodes: BM_ChapterStep 88 -> 81
// ns). activation.cpp's passes and propagate.cpp's tiny path both switch here, with the same
// formulas, so they give the same bits.
constexpr long kVectorFrom = 8;

// 1/(1+e^-x) with libm's exp; never evaluates exp of a large positive number.
template <class T>
inline T logistic_libm(T x) {
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

// dL/dz from dL/da and the cached output a: σ' = σ(1-σ), tanh' = 1 - tanh². One formula
// for activation_backward's loops and the tiny path's inline ones (propagate.cpp), so both
// give the same bits.
template <class T>
inline T logistic_backward(T da, T a) {
  return da * a * (T(1) - a);
}
template <class T>
inline T tanh_backward(T da, T a) {
  return da * (T(1) - a * a);
}

template <class T>
inline T abs(T x) {
  return x < T(0) ? -x : x;
}
template <class T>
inline T copysign(T magnitude, T sign) {  // magnitude >= 0 (or +NaN)
  using U = std::make_unsigned_t<typename Bits<T>::Int>;
  constexpr U sign_bit = U(1) << (sizeof(U) * 8 - 1);
  return std::bit_cast<T>(std::bit_cast<U>(magnitude) | (std::bit_cast<U>(sign) & sign_bit));
}

// tanh x = -expm1(-2|x|)/(2 + expm1(-2|x|)), with x's sign: no cancellation near 0.
template <class T>
inline T tanh(T x) {
  constexpr T top = sizeof(T) == 8 ? T(20) : T(10);  // tanh rounds to 1 from here on
  const T a = abs(x);
  const T u = expm1_neg(T(-2) * (a < top ? a : top));
  const T t = copysign(-u / (T(2) + u), x);
  return x != x ? x : t;
}

// 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below, with e = exp(-|x|) (never overflows).
template <class T>
inline T logistic(T x) {
  const T e = exp_neg(-abs(x));
  const T s = T(1) / (T(1) + e);
  const T v = x >= T(0) ? s : e * s;
  return x != x ? x : v;
}

// exp(y) - 1 for y <= 0 (ELU's negative side); NaN passes through.
template <class T>
inline T expm1_nonpositive(T y) {
  constexpr T lowest = sizeof(T) == 8 ? T(-40) : T(-20);
  const T v = expm1_neg(y > lowest ? y : lowest);
  return y != y ? y : v;
}

// exp(y) for y <= 0 (softmax after the row maximum is subtracted); NaN passes through.
template <class T>
inline T exp_nonpositive(T y) {
  const T v = exp_neg(y);
  return y != y ? y : v;
}

}  // namespace annlab::vmath
