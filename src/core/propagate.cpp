// Forward and backward on a batch, side by side (shapes in propagate.hpp).
// Three kernels per product: plain loops for tiny layers, where a GEMM call costs more
// than the arithmetic (the chapter's 3-2-1 network); the register-blocked products of
// blocked.hpp for mid-sized ones, whose operands fit the caches unpacked (W2's 64-node
// layers, digits' 100 and 10), which also make a ReLU layer's A (forward) and the dZ below a
// ReLU layer (backward) in their own pass; Eigen's GEMM for the wide ones (W3's 512-node
// layers).
// All are tested against the naive reference path (tests/core/test_propagate.cpp).
#include "annlab/core/propagate.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "annlab/core/error.hpp"
#include "blocked.hpp"
#include "magnitude.hpp"
#include "vmath.hpp"

namespace annlab {
namespace {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowVec = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// Below this many multiply-adds per product the plain loops win (measured with
// bench/bench_core: the Eigen call overhead is ~50 ns).
constexpr long kSmallWork = 4096;

// The blocked kernels take a product whose streamed operand Y (K x N: Wᵀ forward, W for
// dA, the layer's input rows for dW) fits a core's L2 with room to spare, read K deep, and
// at least half a vector wide (narrower outputs are dot products: Eigen's GEMV). Measured
// with the kernels against Eigen at W2's, digits' and W3's shapes (bench/README.md): 1.2-1.8x
// Eigen's GFLOP/s inside these limits, behind it at 64 x 512 x 512.
constexpr long kBlockedDepth = 512;
constexpr long kBlockedPanelBytes = long(256) << 10;
// The blocked forward transposes W first (k·p values, about what 10 rows of the product
// cost): from this many rows on (W4's one-row prediction took 0.37 µs with Eigen's product
// and 0.57 µs with the transpose).
constexpr long kBlockedForwardRows = 16;
// A layer with fewer outputs than half a vector and at least a vector of inputs (W2's
// 64 -> 1 head): its forward as blocked::narrow_forward's dot products. The plain loops make
// each output one chain of p dependent multiply-adds (64 x 4 cycles for W2's head), which
// GCC does not vectorize (that would reorder the sum).
template <class T>
bool blocked_narrow(bool on, long p, long k) {
  return on && k * long(sizeof(T)) < 32 && p * long(sizeof(T)) >= 64;
}
template <class T>
bool blocked_fits(bool on, long K, long N) {
  return on && K <= kBlockedDepth && N * long(sizeof(T)) >= 32 &&
         K * N * long(sizeof(T)) <= kBlockedPanelBytes;
}
// dW of a layer with fewer inputs than a vector (W2's first, 8 wide) and a vector of nodes or
// more: made transposed, dWᵀ (p x k) = Aᵀ·dZ with whole vectors along the nodes, then
// transposed into place (half of each vector was masked off the other way: ~6 % of W2's
// step). The same multiply-add chains in the same order, so the same bits.
template <class T>
bool blocked_dw_transposed(bool on, long B, long p, long k) {
  return on && p * long(sizeof(T)) < 64 && k * long(sizeof(T)) >= 64 && blocked_fits<T>(on, B, k);
}

// Products of at least `split_work` multiply-adds (Propagator::split_work_: 2M, or never)
// are cut into two fixed column halves (whatever the thread count, so results do not depend
// on it) that two threads can run.

// The first half of n columns, rounded up to whole 64-byte vectors.
inline long first_half(long n) {
  return std::min(n, (n / 2 + 15) / 16 * 16);
}

// Runs part(begin, count) on [0, first_half(n)) and the rest, on two threads when the pool
// has them; one part [0, n) when the product is too small to cut.
template <class F>
void in_halves(WorkerPool* pool, long work, long split_work, long n, F&& part) {
  const long h = first_half(n);
  if (work < split_work || h >= n) return part(0L, n);
  const auto half = [&](int i) { i == 0 ? part(0L, h) : part(h, n - h); };
  if (pool)
    pool->run(2, half);
  else
    half(0), half(1);
}

// Element-wise work over a rows x cols block: two row halves from this many elements on.
constexpr long kSplitElements = long(1) << 15;

template <class F>
void rows_in_halves(WorkerPool* pool, long rows, long cols, F&& part) {
  if (rows * cols < kSplitElements) return part(0L, rows);
  for_halves(pool, rows, 2, part);
}

template <class T>
using Strided = Eigen::Map<RowMat<T>, 0, Eigen::OuterStride<>>;
template <class T>
using ConstStrided = Eigen::Map<const RowMat<T>, 0, Eigen::OuterStride<>>;

// Z (B x k) = A (B x p)·Wᵀ + b, W is k x p row-major.
// then(j0, c) runs on the thread that made columns [j0, j0 + c) of Z, right after them (the
// activation of those columns: one wake-up per layer instead of two), unless a blocked
// product made a ReLU layer's A itself (dense_forward's relu).
// Z = A·Wᵀ + b with plain loops (B x p times p x k). Under a vector's width of inputs the
// loop is kept scalar: the compiler's 2-wide loads of a weight row that the optimizer's
// wide stores have just written straddle two of those stores, and a load that straddles
// stores cannot be forwarded from them (about 15 cycles each: a fifth of the chapter's
// step). Scalar loads from inside one store forward.
template <class T>
[[gnu::always_inline]] inline void small_forward_loops(const T* A, const T* W, const T* b, T* Z,
                                                       long B, long p, long k) {
  for (long r = 0; r < B; ++r) {
    const T* ar = A + r * p;
    T* zr = Z + r * k;
    for (long j = 0; j < k; ++j) {
      const T* wj = W + j * p;  // weights into node j are contiguous
      T s = b[j];
      for (long i = 0; i < p; ++i) s += wj[i] * ar[i];
      zr[j] = s;
    }
  }
}
template <class T>
[[gnu::optimize("no-tree-vectorize")]] void small_forward_narrow(const T* A, const T* W, const T* b,
                                                                 T* Z, long B, long p, long k) {
  small_forward_loops(A, W, b, Z, B, p, k);
}
template <class T>
void small_forward(const T* A, const T* W, const T* b, T* Z, long B, long p, long k) {
  if (p * long(sizeof(T)) < 32) return small_forward_narrow(A, W, b, Z, B, p, k);
  small_forward_loops(A, W, b, Z, B, p, k);
}

// A copy of a few values (a tiny layer's identity activation): a plain loop in a function
// of its own, which the compiler does not turn into a call to memmove (that call, through
// the PLT, cost about 1 ns more per copy on the chapter's step).
template <class T>
[[gnu::optimize("no-tree-loop-distribute-patterns")]] void copy_few(const T* from, T* to, long n) {
  for (long i = 0; i < n; ++i) to[i] = from[i];
}

// `blocked`: the blocked kernels may run (Propagator::blocked_); Wt: p x k scratch for Wᵀ
// when the blocked product does (blocked_fits(p, k), from kBlockedForwardRows rows).
// relu: {the layer's A (B x k)} when its activation is relu, else {}: a blocked product then
// stores A = max(Z, 0) in its own pass and then() is not called for those columns.
template <class T, class Then>
void dense_forward(const T* A, const T* W, const T* b, T* Z, long B, long p, long k,
                   WorkerPool* pool, long split_work, bool blocked, T* Wt, blocked::Relu<T> relu,
                   Then&& then) {
  if (blocked_narrow<T>(blocked, p, k)) {
    blocked::narrow_forward(B, k, p, A, W, b, Z);
    return then(0L, k);
  }
  if (B * p * k < kSmallWork) {
    small_forward(A, W, b, Z, B, p, k);
    return then(0L, k);
  }
  // Columns [j0, j0 + c) of Z: the bias first, then the products accumulate onto it (no
  // zero-fill pass, no bias pass); blocked: each half transposes its own rows of W.
  const bool blocked_product = B >= kBlockedForwardRows && blocked_fits<T>(blocked, p, k);
  in_halves(pool, B * p * k, split_work, k, [&](long j0, long c) {
    if (blocked_product) {
      blocked::transpose(W + j0 * p, c, p, Wt + j0, k);
      blocked::product<T>(B, c, p, A, p, 1, Wt + j0, k, Z + j0, k, b + j0, T(1), relu.at(j0));
      if (!relu.out) then(j0, c);
      return;
    }
    Strided<T> z(Z + j0, B, c, Eigen::OuterStride<>(k));
    z.rowwise() = Eigen::Map<const RowVec<T>>(b + j0, c);
    z.noalias() += Eigen::Map<const RowMat<T>>(A, B, p) *
                   Eigen::Map<const RowMat<T>>(W + j0 * p, c, p).transpose();
    then(j0, c);
  });
}

// dW (k x p) = inv·dZᵀ·A, db (k) = inv·Σ_rows dZ, and, if dA_prev is not null,
// dA_prev (B x p) = dZ·W (per sample: dL/d(output of node i) = Σ_j λ(i,j)·dL/d(input of j)).
// then(i0, c) runs on the thread that made columns [i0, i0 + c) of dA_prev, right after
// them (the activation's derivative on those columns), or once, then(0, p), without dA_prev;
// not when a blocked product made the dZ below a ReLU layer itself (dense_backward's
// relu).
// The plain-loop backward (shapes as dense_backward). Row 0 assigns and later rows
// accumulate: no zero-fill pass, whose wide stores would stall the narrow loads that follow
// (store forwarding) on these tiny arrays. Under a vector's width of inputs the loops are
// kept scalar, as small_forward_narrow's, for the same reason.
template <class T>
[[gnu::always_inline]] inline void small_backward_loops(const T* A, const T* W, const T* dZ, T* dW,
                                                        T* db, T* dA_prev, long B, long p, long k,
                                                        T inv) {
  for (long r = 0; r < B && dW; ++r) {  // no dW: the nodes' derivatives only
    const T* ar = A + r * p;
    const T* gr = dZ + r * k;
    for (long j = 0; j < k; ++j) {
      const T g = gr[j] * inv;
      T* dwj = dW + j * p;
      if (r == 0) {
        for (long i = 0; i < p; ++i) dwj[i] = g * ar[i];
        db[j] = g;
      } else {
        for (long i = 0; i < p; ++i) dwj[i] += g * ar[i];
        db[j] += g;
      }
    }
  }
  if (dA_prev) {
    for (long r = 0; r < B; ++r) {
      const T* gr = dZ + r * k;
      T* out = dA_prev + r * p;
      for (long i = 0; i < p; ++i) out[i] = gr[0] * W[i];
      for (long j = 1; j < k; ++j) {
        const T g = gr[j];
        const T* wj = W + j * p;
        for (long i = 0; i < p; ++i) out[i] += g * wj[i];
      }
    }
  }
}
template <class T>
[[gnu::optimize("no-tree-vectorize")]] void small_backward_narrow(const T* A, const T* W,
                                                                  const T* dZ, T* dW, T* db,
                                                                  T* dA_prev, long B, long p,
                                                                  long k, T inv) {
  small_backward_loops(A, W, dZ, dW, db, dA_prev, B, p, k, inv);
}

template <class T>
void small_backward(const T* A, const T* W, const T* dZ, T* dW, T* db, T* dA_prev, long B, long p,
                    long k, T inv) {
  if (p * long(sizeof(T)) < 32)
    small_backward_narrow(A, W, dZ, dW, db, dA_prev, B, p, k, inv);
  else
    small_backward_loops(A, W, dZ, dW, db, dA_prev, B, p, k, inv);
}

// db (c) = Σ_rows dZ (B x c, row stride k), rows in a fixed order (row 0, 1, ...),
// vectorized across nodes (Eigen's colwise().sum() would pick its reduction order from the
// buffer's alignment, so the same inputs could round differently from run to run). `first`
// starts from 0, else the sums continue from db's values.
template <class T>
void column_sums(const T* dZ, long B, long c, long k, T* db, bool first) {
  if (first) std::fill(db, db + c, T(0));
  for (long r = 0; r < B; ++r) {
    const T* gr = dZ + r * k;
    for (long j = 0; j < c; ++j) db[j] += gr[j];
  }
}

// dW (c x p) = inv·dZᵀ·A, or += with `accumulate` (dZ: B x c with row stride k; A: B x p).
template <class T>
void gemm_weight_rows(const T* A, const T* dZ, long k, T* dW, long B, long p, long c, T inv,
                      bool accumulate) {
  const auto product = inv * (ConstStrided<T>(dZ, B, c, Eigen::OuterStride<>(k)).transpose() *
                              Eigen::Map<const RowMat<T>>(A, B, p));
  Eigen::Map<RowMat<T>> w(dW, c, p);
  if (accumulate)
    w.noalias() += product;
  else
    w.noalias() = product;
}

// scratch: p x k values for blocked_dw_transposed (Propagator::wt_, free during backward).
// relu: {dZ, Z} of the previous layer (B x p) when its activation is relu, else {}: a blocked
// dA_prev product then stores dZ = dA_prev ⊙ [Z > 0] in its own pass and then() is not
// called for those columns.
template <class T, class Then>
void dense_backward(const T* A, const T* W, const T* dZ, T* dW, T* db, T* dA_prev, long B, long p,
                    long k, T inv, WorkerPool* pool, long split_work, bool blocked, T* scratch,
                    blocked::Relu<T> relu, Then&& then) {
  if (B * p * k < kSmallWork) {
    small_backward(A, W, dZ, dW, db, dA_prev, B, p, k, inv);
    return then(0L, p);
  }
  if (dW) {  // without dW (backward_nodes): dA_prev and then() only
    column_sums(dZ, B, k, k, db, /*first=*/true);
    for (long j = 0; j < k; ++j) db[j] *= inv;
  }
  // Rows [j0, j0 + c) of dW (nodes j0.., columns of dZ; inv rides in the GEMM's alpha), then
  // columns [i0, i0 + c) of dA_prev: half i of each on thread i, in one wake-up.
  // blocked: dW's Y is A (B x p), dA's is W (k x p).
  const bool dw_transposed = blocked_dw_transposed<T>(blocked, B, p, k),
             blocked_dw = blocked_fits<T>(blocked, B, p),
             blocked_da = blocked_fits<T>(blocked, k, p);
  const auto weight_rows = [&](long j0, long c) {
    if (!dW) return;
    if (dw_transposed) {  // rows j0.. of dW through scratch[j0·p, (j0 + c)·p) as p x c
      T* t = scratch + j0 * p;
      blocked::product<T>(p, c, B, A, 1, p, dZ + j0, k, t, c, nullptr, inv);
      blocked::transpose(t, p, c, dW + j0 * p, p);
    } else if (blocked_dw) {  // dW rows j0.. = inv·Σ_rows dZ[r, j0..]ᵀ·A[r, ·]: X = dZ by columns
      blocked::product<T>(c, p, B, dZ + j0, 1, k, A, p, dW + j0 * p, p, nullptr, inv);
    } else {
      gemm_weight_rows(A, dZ + j0, k, dW + j0 * p, B, p, c, inv, /*accumulate=*/false);
    }
  };
  const auto input_columns = [&](long i0, long c) {
    if (dA_prev && blocked_da) {
      blocked::product<T>(B, c, k, dZ, k, 1, W + i0, p, dA_prev + i0, p, nullptr, T(1),
                          relu.at(i0));
      if (relu.out) return;
    } else if (dA_prev)
      Strided<T>(dA_prev + i0, B, c, Eigen::OuterStride<>(p)).noalias() =
          Eigen::Map<const RowMat<T>>(dZ, B, k) *
          ConstStrided<T>(W + i0, k, c, Eigen::OuterStride<>(p));
    then(i0, c);
  };
  const long hk = first_half(k), hp = first_half(p);
  if (B * p * k < split_work || (hk >= k && hp >= p)) {
    weight_rows(0L, k);
    return input_columns(0L, p);
  }
  const auto half = [&](int i) {
    if (hk < k)
      i == 0 ? weight_rows(0L, hk) : weight_rows(hk, k - hk);
    else if (i == 0)
      weight_rows(0L, k);
    if (hp < p) i == 0 ? input_columns(0L, hp) : input_columns(hp, p - hp);
  };
  if (pool)
    pool->run(2, half);
  else
    half(0), half(1);
  if (hp >= p) input_columns(0L, p);  // on the caller: then() may use the pool itself
}

// Combined softmax + cross-entropy, the output nodes' dL/dz (B x k): ŷ_k·Σ_m y_m - y_k (exact,
// and stable when ŷ_k -> 0); for one-hot or probability targets (Σ y = 1) this is ŷ - y.
template <class T>
void softmax_cross_entropy_gradient(const T* yhat, const T* y, T* dz, long B, long k) {
  for (long r = 0; r < B; ++r) {
    const T* yr = y + r * k;
    const T* ar = yhat + r * k;
    T* out = dz + r * k;
    T sum = 0;
    for (long j = 0; j < k; ++j) sum += yr[j];
    for (long j = 0; j < k; ++j) out[j] = ar[j] * sum - yr[j];
  }
}

// Architecture's operator== with inline loops: the vectors' == calls memcmp, which cost
// 3 % of the chapter's step (a few elements each).
inline bool same_architecture(const Architecture& a, const Architecture& b) {
  // Names every member: a member added to Architecture breaks this binding (compare it below).
  [[maybe_unused]] const auto& [widths, activations, loss] = a;
  if (&a == &b) return true;
  if (a.loss != b.loss || a.widths.size() != b.widths.size() ||
      a.activations.size() != b.activations.size())
    return false;
  for (std::size_t i = 0; i < a.widths.size(); ++i)
    if (a.widths[i] != b.widths[i]) return false;
  for (std::size_t i = 0; i < a.activations.size(); ++i)
    if (!(a.activations[i] == b.activations[i])) return false;
  return true;
}

}  // namespace

template <class T>
Propagator<T>::Propagator(const Architecture& arch) : arch_(arch) {
  arch_.validate(/*for_training=*/false);
  const std::size_t n = arch_.widths.size();
  for (std::size_t l = 1; l < n; ++l)
    largest_product_ = std::max(largest_product_, long(arch_.widths[l - 1]) * arch_.widths[l]);
  // Tiny while every product takes the plain loops: then no element-wise pass is cut in two
  // either (B·k <= B·p·k < kSmallWork < kSplitElements).
  tiny_limit_ = kSmallWork;
  static_assert(kSmallWork <= kSplitElements);
  set_blocked_products(blocked::available());
  z_.resize(n);
  a_.resize(n);
  dz_.resize(n);
  da_.resize(n);
}

template <class T>
void Propagator<T>::set_blocked_products(bool on) {
  blocked_ = on && blocked::available();
  // Wᵀ of the largest layer whose forward takes the blocked kernel (at most 256 KiB), or whose
  // dW is made transposed (fewer inputs than a vector: p·k small): made here, not in the
  // passes.
  std::size_t largest = 0;
  for (std::size_t l = 1; l < arch_.widths.size() && blocked_; ++l) {
    const long p = arch_.widths[l - 1], k = arch_.widths[l];
    if (blocked_fits<T>(true, p, k) || blocked_dw_transposed<T>(true, 1, p, k))
      largest = std::max(largest, std::size_t(p * k));
  }
  wt_.assign(largest, T(0));
}

template <class T>
void Propagator<T>::set_threads(int threads) {
  // Every part of the engine's work is cut in two (propagate.cpp, trainer.cpp): a third
  // thread would only watch and wait, so the pool has at most two.
  threads = std::clamp(threads, 1, 2);
  if (threads == this->threads()) return;
  pool_ = threads > 1 ? std::make_shared<WorkerPool>(threads) : nullptr;
}

template <class T>
void Propagator<T>::reserve(long batch) {
  if (batch <= capacity_) return;
  // Forward buffers. Layer 0 (input nodes, identity) keeps only a; z(0) reads it.
  for (std::size_t l = 0; l < arch_.widths.size(); ++l) {
    const std::size_t size = static_cast<std::size_t>(batch) * arch_.widths[l];
    a_[l].resize(size);
    if (l > 0) z_[l].resize(size);
  }
  capacity_ = batch;
}

// Backward buffers, made on the first backward pass only: a propagator used for
// predictions never allocates them.
template <class T>
void Propagator<T>::reserve_backward(long batch) {
  if (batch <= backward_capacity_) return;
  for (std::size_t l = 0; l < arch_.widths.size(); ++l) {
    const std::size_t size = static_cast<std::size_t>(batch) * arch_.widths[l];
    da_[l].resize(size);  // da(0) is also dz(0)
    if (l > 0) dz_[l].resize(size);
  }
  backward_capacity_ = batch;
}

template <class T>
const T* Propagator<T>::forward(const Network<T>& net, const T* x, long batch) {
  if (batch <= 0) throw UsageError("forward pass needs at least one row");
  if (!same_architecture(net.architecture(), arch_))
    throw UsageError("network " + net.architecture().describe() +
                     " does not match this propagator's " + arch_.describe());
  reserve(batch);
  batch_ = batch;
  has_backward_ = false;
  if (tiny(batch)) return forward_tiny(net, x, batch);
  const long l0 = arch_.widths[0];
  WorkerPool* pool = pool_.get();
  input_ = x;  // input nodes pass X through: read in place, or from a copy
  if (input_copy_)
    rows_in_halves(pool, batch, l0, [&](long r0, long rc) {
      std::copy(x + r0 * l0, x + (r0 + rc) * l0, a_[0].begin() + r0 * l0);
    });
  const int n = arch_.layers();
  for (int l = 1; l <= n; ++l) {
    const long p = arch_.widths[l - 1], k = arch_.widths[l];
    const Activation& act = arch_.activations[l - 1];
    T* zl = z_[l].data();
    T* al = a_[l].data();
    // The activation of columns [j0, j0 + c): all at once for the whole width (two row
    // halves when large), row by row for a column half (softmax needs whole rows: after).
    const auto activate = [&](long j0, long c) {
      if (c == k)
        rows_in_halves(pool, batch, k, [&](long r0, long rc) {
          activation_forward(act, zl + r0 * k, al + r0 * k, rc, k);
        });
      else if (act.kind != ActivationKind::softmax)
        for (long r = 0; r < batch; ++r)
          activation_forward(act, zl + r * k + j0, al + r * k + j0, 1, c);
    };
    dense_forward(a(l - 1), net.weights(l), net.biases(l), zl, batch, p, k, pool, split_work_,
                  blocked_, wt_.data(),
                  act.kind == ActivationKind::relu ? blocked::Relu<T>{al} : blocked::Relu<T>{},
                  activate);
    if (act.kind == ActivationKind::softmax && first_half(k) < k && batch * p * k >= split_work_)
      activation_forward(act, zl, al, batch, k);
  }
  return a_[n].data();
}

template <class T>
double Propagator<T>::loss(const T* y) const {
  const int n = arch_.layers();
  return loss_value(arch_.loss, z_[n].data(), a_[n].data(), y, batch_, arch_.widths[n]);
}

template <class T>
void Propagator<T>::backward(const Network<T>& net, const T* y, std::span<T> grad) {
  backward(net, y, grad, batch_);
}

template <class T>
void Propagator<T>::backward(const Network<T>& net, const T* y, std::span<T> grad, long mean_rows) {
  if (mean_rows < 1)
    throw UsageError("backward pass: rows to average over must be >= 1 (got " +
                     std::to_string(mean_rows) + ")");
  if (grad.size() != net.layout().size)
    throw UsageError("gradient buffer has " + std::to_string(grad.size()) +
                     " entries, the network has " + std::to_string(net.layout().size) +
                     " parameters");
  backward_pass(net, y, grad.data(), mean_rows);
}

template <class T>
void Propagator<T>::backward_nodes(const Network<T>& net, const T* y) {
  backward_pass(net, y, nullptr, batch_);
}

// The backward pass; with a null `grad`, the nodes' derivatives only (no dW, no db).
template <class T>
void Propagator<T>::backward_pass(const Network<T>& net, const T* y, T* grad, long mean_rows) {
  if (batch_ == 0) throw UsageError("backward pass needs a forward pass first");
  reserve_backward(batch_);
  const int n = arch_.layers();
  const long B = batch_;
  const T inv = T(1) / static_cast<T>(mean_rows);
  if (tiny(B)) {
    backward_tiny(net, y, grad, inv);
    has_backward_ = true;
    return;
  }
  output_gradient(y);
  // The reverse loop: layer n down to 1.
  for (int l = n; l >= 1; --l) {
    const long p = arch_.widths[l - 1], k = arch_.widths[l];
    const std::size_t wo = net.layout().weight_offset[l - 1];
    const std::size_t bo = net.layout().bias_offset[l - 1];
    // The derivative through layer l-1's activation on columns [i0, i0 + c) (hidden
    // layers are never softmax, so a column half is element-wise).
    const auto through = [&](long i0, long c) {
      if (l == 1) return;
      const Activation& act = arch_.activations[l - 2];
      const T *z = z_[l - 1].data(), *av = a_[l - 1].data(), *d = da_[l - 1].data();
      T* out = dz_[l - 1].data();
      if (c == p)
        rows_in_halves(pool_.get(), B, p, [&](long r0, long rc) {
          const long o = r0 * p;
          activation_backward(act, z + o, av + o, d + o, out + o, rc, p);
        });
      else
        for (long r = 0; r < B; ++r) {
          const long o = r * p + i0;
          activation_backward(act, z + o, av + o, d + o, out + o, 1, c);
        }
    };
    const bool relu_below = l > 1 && arch_.activations[l - 2].kind == ActivationKind::relu;
    dense_backward(
        a(l - 1), net.weights(l), dz_[l].data(), grad ? grad + wo : nullptr,
        grad ? grad + bo : nullptr, l > 1 || input_gradient_ ? da_[l - 1].data() : nullptr, B, p, k,
        inv, pool_.get(), split_work_, blocked_, wt_.data(),
        relu_below ? blocked::Relu<T>{dz_[l - 1].data(), z_[l - 1].data()} : blocked::Relu<T>{},
        through);
  }
  has_backward_ = true;
}

// The general forward pass with everything it does for a tiny network written out: the
// input copy, then per layer the plain-loop product and the activation of the whole block.
template <class T>
[[gnu::always_inline]] inline const T* Propagator<T>::forward_tiny(const Network<T>& net,
                                                                   const T* x, long batch) {
  input_ = x;
  const long l0 = arch_.widths[0];
  if (input_copy_) std::copy(x, x + batch * l0, a_[0].data());
  const int n = arch_.layers();
  for (int l = 1; l <= n; ++l) {
    const long p = arch_.widths[l - 1], k = arch_.widths[l];
    small_forward(a(l - 1), net.weights(l), net.biases(l), z_[l].data(), batch, p, k);
    // The activation: below vmath::kVectorFrom values the libm formulas activation_forward
    // would use, inline (one call less per layer; the same formulas, so the same bits).
    const Activation& act = arch_.activations[l - 1];
    const T* zl = z_[l].data();
    T* al = a_[l].data();
    const long m = batch * k;
    if (act.kind == ActivationKind::identity)
      copy_few(zl, al, m);
    else if (act.kind == ActivationKind::sigmoid && m < vmath::kVectorFrom)
      for (long i = 0; i < m; ++i) al[i] = vmath::logistic_libm(zl[i]);
    else if (act.kind == ActivationKind::tanh && m < vmath::kVectorFrom)
      for (long i = 0; i < m; ++i) al[i] = std::tanh(zl[i]);
    else
      activation_forward(act, zl, al, batch, k);
  }
  return a_[n].data();
}

// The output layer's dL/dŶ per sample (da(n)), then through the output activation (dz(n)).
template <class T>
void Propagator<T>::output_gradient(const T* y) {
  const int n = arch_.layers();
  const long B = batch_, kn = arch_.widths[n];
  loss_gradient(arch_.loss, a_[n].data(), y, da_[n].data(), B, kn);
  if (arch_.loss == LossKind::softmax_cross_entropy) {
    softmax_cross_entropy_gradient(a_[n].data(), y, dz_[n].data(), B, kn);
  } else {
    activation_backward(arch_.activations[n - 1], z_[n].data(), a_[n].data(), da_[n].data(),
                        dz_[n].data(), B, kn);
  }
}

// The general backward pass for a tiny network written out (shapes and formulas there).
template <class T>
[[gnu::always_inline]] inline void Propagator<T>::backward_tiny(const Network<T>& net, const T* y,
                                                                T* grad, T inv) {
  const int n = arch_.layers();
  const long B = batch_, kn = arch_.widths[n];
  if (arch_.loss == LossKind::half_squared_error &&
      arch_.activations[n - 1].kind == ActivationKind::identity && B * kn < vmath::kVectorFrom) {
    const T* yhat = a_[n].data();  // ½(ŷ-y)² through an identity output: dz = da = ŷ - y
    T *da = da_[n].data(), *dz = dz_[n].data();
    for (long i = 0; i < B * kn; ++i) dz[i] = da[i] = yhat[i] - y[i];
  } else {
    output_gradient(y);
  }
  const ParameterLayout& lay = net.layout();
  for (int l = n; l >= 1; --l) {
    const long p = arch_.widths[l - 1], k = arch_.widths[l];
    T* dA_prev = l > 1 || input_gradient_ ? da_[l - 1].data() : nullptr;
    small_backward(a(l - 1), net.weights(l), dz_[l].data(),
                   grad ? grad + lay.weight_offset[l - 1] : nullptr,
                   grad ? grad + lay.bias_offset[l - 1] : nullptr, dA_prev, B, p, k, inv);
    if (l == 1) continue;
    // Through layer l-1's activation: sigmoid and tanh inline (vmath's formulas, as
    // activation_backward's, from the cached outputs) below vmath::kVectorFrom values.
    const ActivationKind kind = arch_.activations[l - 2].kind;
    const T *av = a_[l - 1].data(), *d = da_[l - 1].data();
    T* out = dz_[l - 1].data();
    const long m = B * p;
    if (kind == ActivationKind::sigmoid && m < vmath::kVectorFrom)
      for (long i = 0; i < m; ++i) out[i] = vmath::logistic_backward(d[i], av[i]);
    else if (kind == ActivationKind::tanh && m < vmath::kVectorFrom)
      for (long i = 0; i < m; ++i) out[i] = vmath::tanh_backward(d[i], av[i]);
    else
      activation_backward(arch_.activations[l - 2], z_[l - 1].data(), av, d, out, B, p);
  }
}

template <class T>
double node_half_gradient(const Network<T>& net, std::span<const Propagator<T>* const> parts,
                          std::span<T> grad, long mean_rows, int half) {
  const Architecture& arch = net.architecture();
  if (parts.empty()) throw UsageError("node_half_gradient: no parts");
  if (mean_rows < 1 || (half != 0 && half != 1))
    throw UsageError("node_half_gradient: rows to average over must be >= 1 and half 0 or 1");
  if (grad.size() != net.layout().size)
    throw UsageError("gradient buffer has " + std::to_string(grad.size()) +
                     " entries, the network has " + std::to_string(net.layout().size) +
                     " parameters");
  for (const Propagator<T>* q : parts)
    if (!q->has_backward() || !same_architecture(q->architecture(), arch))
      throw UsageError("node_half_gradient: every part needs backward_nodes on " + arch.describe() +
                       " first");
  const T inv = T(1) / static_cast<T>(mean_rows);
  const ParameterLayout& lay = net.layout();
  MagBits<T> largest = 0;
  for (int l = 1; l <= arch.layers(); ++l) {
    const long p = arch.widths[l - 1], k = arch.widths[l];
    const long first = k - k / 2;  // rows of dW: any cut keeps each row contiguous
    const long j0 = half == 0 ? 0 : first, c = half == 0 ? first : k - first;
    if (c == 0) continue;
    T* dW = grad.data() + lay.weight_offset[l - 1] + j0 * p;
    T* db = grad.data() + lay.bias_offset[l - 1] + j0;
    // db: the column sums of every part (rows in order), 256 nodes at a time in a local
    // buffer, each stored once: the two halves' db entries may share a cache line, which
    // a store per row would bounce between the cores.
    for (long b0 = 0; b0 < c; b0 += 256) {
      const long m = std::min(c - b0, 256L);
      T sum[256];
      for (std::size_t s = 0; s < parts.size(); ++s)
        column_sums(parts[s]->dz(l) + j0 + b0, parts[s]->batch(), m, k, sum, /*first=*/s == 0);
      for (long j = 0; j < m; ++j) db[b0 + j] = sum[j] * inv;
    }
    // dW: one product per part (dZ: B x c with row stride k), the first assigns. Always the
    // GEMM: a network this large (1 MiB of gradient) has few layers too small for it.
    for (std::size_t s = 0; s < parts.size(); ++s)
      gemm_weight_rows(parts[s]->a(l - 1), parts[s]->dz(l) + j0, k, dW, parts[s]->batch(), p, c,
                       inv, /*accumulate=*/s > 0);
    // max |g| over this layer's rows while they are in cache
    for (long i = 0; i < c * p; ++i) largest = std::max(largest, mag_bits(dW[i]));
    for (long j = 0; j < c; ++j) largest = std::max(largest, mag_bits(db[j]));
  }
  return magnitude<T>(largest);
}

template class Propagator<float>;
template class Propagator<double>;
template double node_half_gradient<float>(const Network<float>&,
                                          std::span<const Propagator<float>* const>,
                                          std::span<float>, long, int);
template double node_half_gradient<double>(const Network<double>&,
                                           std::span<const Propagator<double>* const>,
                                           std::span<double>, long, int);

}  // namespace annlab
