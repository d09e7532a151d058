// The register-blocked products and the transpose (blocked.hpp), AVX-512 intrinsics for
// float and double. Blocks: R rows x CV vectors of accumulators, R·CV <= 24 of the 32 vector
// registers (the rest hold the CV loaded vectors of Y and the broadcast of X):
//   CV = 4: R = 6,  CV = 3: R = 8,  CV <= 2: R = 12 (then the broadcasts, R loads per row of
//   Y, are what the load ports wait on, not the FMAs);
// leftover rows in blocks of 4, 2 and 1. The last vector of a block is masked to the columns
// left (a masked load does not touch the lanes it leaves out).
#include "blocked.hpp"

#include <algorithm>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace annlab::blocked {

#if defined(__AVX512F__)

bool available() {
  return true;
}

namespace {

template <class T>
struct Vec;
template <>
struct Vec<float> {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int n = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(Mask m, float* p, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static Mask mask(long w) { return w >= n ? Mask(0xFFFF) : Mask((1u << w) - 1u); }
  static float sum(V v) { return _mm512_reduce_add_ps(v); }
  // g > 0 ? v : 0 lane by lane (ordered compare: NaN > 0 is false, as in the scalar formula)
  static V relu(V g, V v) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(g, zero(), _CMP_GT_OQ), v);
  }
};
template <>
struct Vec<double> {
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int n = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(Mask m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(Mask m, double* p, V v) { _mm512_mask_storeu_pd(p, m, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V set1(double x) { return _mm512_set1_pd(x); }
  static Mask mask(long w) { return w >= n ? Mask(0xFF) : Mask((1u << w) - 1u); }
  static double sum(V v) { return _mm512_reduce_add_pd(v); }
  static V relu(V g, V v) {
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(g, zero(), _CMP_GT_OQ), v);
  }
};

// out rows [0, R) x columns [0, CV·n) (the last vector masked by `last`):
// acc = init (or 0); acc += X(r, j)·Y[j, ·] for j = 0..K-1; out = acc (times alpha); and
// relu.out = the ReLU of acc, gated by acc or relu.gate (same offsets as out).
template <class T, int R, int CV>
[[gnu::always_inline]] inline void block(long K, const T* X, long xr, long xc, const T* Y, long ldy,
                                         T* out, long ldo, const T* init, T alpha, Relu<T> relu,
                                         typename Vec<T>::Mask last) {
  using W = Vec<T>;
  using V = typename W::V;
  const auto mask = [last](int c) { return c == CV - 1 ? last : W::mask(W::n); };
  V acc[R][CV];
#pragma GCC unroll 4
  for (int c = 0; c < CV; ++c) {
    const V start = init ? W::load(mask(c), init + c * W::n) : W::zero();
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) acc[r][c] = start;
  }
  for (long j = 0; j < K; ++j) {
    const T* yj = Y + j * ldy;
    V y[CV];
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) y[c] = W::load(mask(c), yj + c * W::n);
    const T* xj = X + j * xc;
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const V x = W::set1(xj[r * xr]);
#pragma GCC unroll 4
      for (int c = 0; c < CV; ++c) acc[r][c] = W::fma(x, y[c], acc[r][c]);
    }
  }
  if (alpha != T(1)) {
    const V a = W::set1(alpha);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int c = 0; c < CV; ++c) acc[r][c] = W::mul(acc[r][c], a);
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) W::store(mask(c), out + r * ldo + c * W::n, acc[r][c]);
  if (!relu.out) return;
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) {
      const long o = r * ldo + c * W::n;
      const V g = relu.gate ? W::load(mask(c), relu.gate + o) : acc[r][c];
      W::store(mask(c), relu.out + o, W::relu(g, acc[r][c]));
    }
}

// Every row of M, for one column block of CV vectors.
template <class T, int CV>
void rows(long M, long K, const T* X, long xr, long xc, const T* Y, long ldy, T* out, long ldo,
          const T* init, T alpha, Relu<T> relu, typename Vec<T>::Mask last) {
  constexpr int R = CV == 4 ? 6 : CV == 3 ? 8 : 12;
  const auto at = [&](long r) { return relu.at(r * ldo); };
  long r = 0;
  for (; r + R <= M; r += R)
    block<T, R, CV>(K, X + r * xr, xr, xc, Y, ldy, out + r * ldo, ldo, init, alpha, at(r), last);
  for (; r + 4 <= M; r += 4)
    block<T, 4, CV>(K, X + r * xr, xr, xc, Y, ldy, out + r * ldo, ldo, init, alpha, at(r), last);
  for (; r + 2 <= M; r += 2)
    block<T, 2, CV>(K, X + r * xr, xr, xc, Y, ldy, out + r * ldo, ldo, init, alpha, at(r), last);
  if (r < M)
    block<T, 1, CV>(K, X + r * xr, xr, xc, Y, ldy, out + r * ldo, ldo, init, alpha, at(r), last);
}

// Rows [0, R) of narrow_forward's output, column j.
template <class T, int R>
[[gnu::always_inline]] inline void dot_rows(long N, long K, const T* X, const T* Wj, T bj, T* out) {
  using W = Vec<T>;
  typename W::V acc[R];
#pragma GCC unroll 4
  for (int q = 0; q < R; ++q) acc[q] = W::zero();
  for (long i = 0; i < K; i += W::n) {
    const typename W::Mask m = W::mask(K - i);
    const typename W::V w = W::load(m, Wj + i);
#pragma GCC unroll 4
    for (int q = 0; q < R; ++q) acc[q] = W::fma(W::load(m, X + q * K + i), w, acc[q]);
  }
#pragma GCC unroll 4
  for (int q = 0; q < R; ++q) out[q * N] = bj + W::sum(acc[q]);
}

// 8 x 8 floats / 4 x 4 doubles in registers: rows of `from` (stride fs) to columns of `to`
// (stride ts).
inline void tile(const float* from, long fs, float* to, long ts) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(from + i * fs);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int h = 0; h < 8; h += 4) {
    r[h] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(to + i * ts, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(to + (i + 4) * ts, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}
inline void tile(const double* from, long fs, double* to, long ts) {
  __m256d r[4], t[4];
  for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(from + i * fs);
  t[0] = _mm256_unpacklo_pd(r[0], r[1]);
  t[1] = _mm256_unpackhi_pd(r[0], r[1]);
  t[2] = _mm256_unpacklo_pd(r[2], r[3]);
  t[3] = _mm256_unpackhi_pd(r[2], r[3]);
  _mm256_storeu_pd(to, _mm256_permute2f128_pd(t[0], t[2], 0x20));
  _mm256_storeu_pd(to + ts, _mm256_permute2f128_pd(t[1], t[3], 0x20));
  _mm256_storeu_pd(to + 2 * ts, _mm256_permute2f128_pd(t[0], t[2], 0x31));
  _mm256_storeu_pd(to + 3 * ts, _mm256_permute2f128_pd(t[1], t[3], 0x31));
}

}  // namespace

template <class T>
void product(long M, long N, long K, const T* X, long xr, long xc, const T* Y, long ldy, T* out,
             long ldo, const T* init, T alpha, Relu<T> relu) {
  using W = Vec<T>;
  constexpr long wide = 4 * W::n;
  for (long c0 = 0; c0 < N; c0 += wide) {
    const long w = std::min(wide, N - c0);
    const long cv = (w + W::n - 1) / W::n;
    const typename W::Mask last = W::mask(w - (cv - 1) * W::n);
    const T* i0 = init ? init + c0 : nullptr;
    const Relu<T> rc = relu.at(c0);
    switch (cv) {
      case 4:
        rows<T, 4>(M, K, X, xr, xc, Y + c0, ldy, out + c0, ldo, i0, alpha, rc, last);
        break;
      case 3:
        rows<T, 3>(M, K, X, xr, xc, Y + c0, ldy, out + c0, ldo, i0, alpha, rc, last);
        break;
      case 2:
        rows<T, 2>(M, K, X, xr, xc, Y + c0, ldy, out + c0, ldo, i0, alpha, rc, last);
        break;
      default:
        rows<T, 1>(M, K, X, xr, xc, Y + c0, ldy, out + c0, ldo, i0, alpha, rc, last);
    }
  }
}

template <class T>
void narrow_forward(long M, long N, long K, const T* X, const T* W, const T* b, T* out) {
  for (long j = 0; j < N; ++j) {
    long r = 0;
    for (; r + 4 <= M; r += 4) dot_rows<T, 4>(N, K, X + r * K, W + j * K, b[j], out + r * N + j);
    for (; r < M; ++r) dot_rows<T, 1>(N, K, X + r * K, W + j * K, b[j], out + r * N + j);
  }
}

template <class T>
void transpose(const T* W, long k, long p, T* Wt, long ldt) {
  constexpr long t = 32 / sizeof(T);  // tile side: one 256-bit vector
  const long kt = k / t * t, pt = p / t * t;
  // Row blocks of Wt outside: each tile's stores continue the last one's along the same rows
  // of Wt (whole cache lines written one after the other), the loads spread instead.
  for (long i = 0; i < pt; i += t)
    for (long j = 0; j < kt; j += t) tile(W + j * p + i, p, Wt + i * ldt + j, ldt);
  for (long j = 0; j < k; ++j)  // the edges: columns past pt, then rows past kt
    for (long i = pt; i < p; ++i) Wt[i * ldt + j] = W[j * p + i];
  for (long j = kt; j < k; ++j)
    for (long i = 0; i < pt; ++i) Wt[i * ldt + j] = W[j * p + i];
}

#else  // no AVX-512: the callers use Eigen's GEMM (available() is false)

bool available() {
  return false;
}

template <class T>
void product(long M, long N, long K, const T* X, long xr, long xc, const T* Y, long ldy, T* out,
             long ldo, const T* init, T alpha, Relu<T> relu) {
  for (long r = 0; r < M; ++r)
    for (long c = 0; c < N; ++c) {
      T s = init ? init[c] : T(0);
      for (long j = 0; j < K; ++j) s += X[r * xr + j * xc] * Y[j * ldy + c];
      const T v = alpha != T(1) ? s * alpha : s;
      out[r * ldo + c] = v;
      if (relu.out) {
        const T g = relu.gate ? relu.gate[r * ldo + c] : v;
        relu.out[r * ldo + c] = g > T(0) ? v : T(0);
      }
    }
}

template <class T>
void narrow_forward(long M, long N, long K, const T* X, const T* W, const T* b, T* out) {
  for (long r = 0; r < M; ++r)
    for (long j = 0; j < N; ++j) {
      T s = 0;
      for (long i = 0; i < K; ++i) s += X[r * K + i] * W[j * K + i];
      out[r * N + j] = b[j] + s;
    }
}

template <class T>
void transpose(const T* W, long k, long p, T* Wt, long ldt) {
  for (long j = 0; j < k; ++j)
    for (long i = 0; i < p; ++i) Wt[i * ldt + j] = W[j * p + i];
}

#endif

template void product<float>(long, long, long, const float*, long, long, const float*, long, float*,
                             long, const float*, float, Relu<float>);
template void product<double>(long, long, long, const double*, long, long, const double*, long,
                              double*, long, const double*, double, Relu<double>);
template void narrow_forward<float>(long, long, long, const float*, const float*, const float*,
                                    float*);
template void narrow_forward<double>(long, long, long, const double*, const double*, const double*,
                                     double*);
template void transpose<float>(const float*, long, long, float*, long);
template void transpose<double>(const double*, long, long, double*, long);

}  // namespace annlab::blocked
