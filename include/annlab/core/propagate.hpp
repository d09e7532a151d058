// The fast path: forward and backward on a batch, side by side.
//
// Shapes (B = batch rows, row-major): X is B x l0, Z_l and A_l are B x l_l.
//   forward   Z_l = A_(l-1)·W_lᵀ + b_l,   A_l = α_l(Z_l),   A_0 = X
//   backward  dA_n = dL/dŶ (per sample), dZ_l = dA_l ⊙ α_l'   (softmax+CE: dZ_n = Ŷ - Y)
//             dW_l = (1/B)·dZ_lᵀ·A_(l-1),  db_l = (1/B)·Σ_rows dZ_l,  dA_(l-1) = dZ_l·W_l
// dA and dZ hold per-sample derivatives (what the trace shows); only the parameter
// gradients are averaged. Buffers grow to the largest batch seen and are then reused, so
// the training loop does not allocate.
#pragma once
#include <memory>
#include <span>
#include <vector>

#include "annlab/core/network.hpp"
#include "annlab/core/parallel.hpp"

namespace annlab {

template <class T>
class Propagator {
 public:
  explicit Propagator(const Architecture& arch);

  // Runs the forward pass for `batch` rows of X (B x l0, row-major). Returns Ŷ (B x ln).
  const T* forward(const Network<T>& net, const T* x, long batch);
  // Mean loss of the last forward pass against Y (B x ln).
  double loss(const T* y) const;
  // Backward pass for the last forward; writes the averaged gradient into `grad` (same
  // flat layout as the parameters). Needs every activation differentiable.
  void backward(const Network<T>& net, const T* y, std::span<T> grad);
  // The same with the gradient's sums divided by `mean_rows` instead of the batch's rows: a
  // part of a larger batch (its rows' share of that batch's mean gradient).
  void backward(const Network<T>& net, const T* y, std::span<T> grad, long mean_rows);
  // The backward pass without the parameter gradients: dz and da of every layer only, for a
  // part of a batch whose gradient node_half_gradient (below) sums over all parts.
  void backward_nodes(const Network<T>& net, const T* y);

  // Whether backward also computes dL/dX (the input nodes' derivatives, da(0)). Training
  // never reads them, and for a wide first layer they cost a GEMM as large as dW's; the
  // trace and gradient check need them (the default).
  void set_input_gradient(bool on) { input_gradient_ = on; }
  // Whether forward copies X into the propagator (the default). Off, forward reads X in
  // place and a(0) = z(0) = X: the caller keeps X alive and unchanged until backward and
  // the reading of a(0) are done (fit does; it saves one copy of every batch).
  void set_input_copy(bool on) { input_copy_ = on; }
  // Whether the large products are cut into two column halves (the default; see
  // set_threads). Off, every product is one call: for a propagator that runs one of fit's
  // or predict's row halves (trainer.cpp), on a thread of its own, the column halves would
  // only run one after the other, each packing the same operand again (W3 at 1 thread:
  // 20.1-21.3 k -> 23.1-23.2 k samples/s without them). A fixed setting: the results still
  // do not depend on threads.
  void set_product_halves(bool on) { split_work_ = on ? kProductHalvesFrom : kNever; }
  // Whether mid-sized products take the register-blocked kernels (src/core/blocked.hpp: the
  // default where the build has them, AVX-512) or Eigen's GEMM, as wide ones do. Other
  // kernels round differently (each sums in its own order): for tests and benchmarks that
  // compare the two.
  void set_blocked_products(bool on);
  bool blocked_products() const { return blocked_; }

  // Threads for the large products (parallel.hpp; 1 by default; more than 2 count as 2:
  // the work is cut in two). The results are the same for every thread count: each large
  // product is always cut into the same two halves (unless set_product_halves(false)).
  void set_threads(int threads);
  int threads() const { return pool_ ? pool_->threads() : 1; }
  WorkerPool* pool() const { return pool_.get(); }  // null with one thread

  const Architecture& architecture() const { return arch_; }
  long batch() const { return batch_; }
  // True once backward has run for the last forward pass (dz and da hold its values).
  bool has_backward() const { return has_backward_; }
  // Per-layer buffers of the last pass, l in 0..n (B x l_l each). Input nodes are identity,
  // so z(0) = a(0) = X and dz(0) = da(0) = dL/dX (one buffer each).
  const T* z(int l) const { return l == 0 ? a(0) : z_[l].data(); }
  const T* a(int l) const { return l == 0 && !input_copy_ ? input_ : a_[l].data(); }
  const T* dz(int l) const { return l == 0 ? da_[0].data() : dz_[l].data(); }  // dL/d(node input)
  const T* da(int l) const { return da_[l].data(); }  // dL/d(node output), per sample

 private:
  void reserve(long batch);
  void reserve_backward(long batch);
  // The same passes for a tiny network (every product under the plain loops' limit, no
  // element-wise pass to cut): the same loops and formulas in the same order, so the same
  // bits, without the general path's per-layer bookkeeping, and with sigmoid, tanh, an
  // identity output and ½(ŷ-y)² computed inline below 8 values, with libm as activation.cpp (the
  // chapter's step: 71.5 ns before this path, 46.6 ns with it). Inlined into its callers.
  bool tiny(long batch) const { return batch * largest_product_ < tiny_limit_; }
  const T* forward_tiny(const Network<T>& net, const T* x, long batch);
  void backward_tiny(const Network<T>& net, const T* y, T* grad, T inv);  // grad may be null
  void backward_pass(const Network<T>& net, const T* y, T* grad, long mean_rows);
  void output_gradient(const T* y);            // da(n) and dz(n) from the targets
  long largest_product_ = 0, tiny_limit_ = 0;  // max p·k over the layers; set by the ctor
  Architecture arch_;
  long batch_ = 0, capacity_ = 0, backward_capacity_ = 0;
  bool input_gradient_ = true, input_copy_ = true;
  // Products of at least this many multiply-adds are cut into column halves (2M: below, a
  // wake-up costs about what the second thread saves); kNever when product halves are off.
  static constexpr long kProductHalvesFrom = long(1) << 21, kNever = long(1) << 62;
  long split_work_ = kProductHalvesFrom;
  bool blocked_ = false;
  std::vector<T> wt_;  // blocked scratch: the forward's Wᵀ, or a narrow layer's dWᵀ (backward)
  const T* input_ = nullptr;  // the caller's X of the last forward pass (no input copy)
  bool has_backward_ = false;
  std::vector<std::vector<T>> z_, a_, dz_, da_;
  std::shared_ptr<WorkerPool> pool_;  // null: one thread (copies share the pool)
};

extern template class Propagator<float>;
extern template class Propagator<double>;

// The mean gradient of a batch cut into row parts, each run through a propagator of its own
// (forward, then backward_nodes), for the nodes of one of two fixed halves of every layer
// (`half` 0: the first l - l/2 nodes, 1: the rest), so that two threads can write the two
// halves at once:
//   dW_l[j] = (1/mean_rows)·Σ_parts dZ_lᵀ[j]·A_(l-1)
//   db_l[j] = (1/mean_rows)·Σ_parts Σ_rows dZ_l[·, j]
// the parts added in their order (the first assigns, the next accumulate), into `grad`
// (parameter layout; the other half's entries are left alone). Returns max |g| over the
// entries written (+inf or NaN when one is not finite), while they are still in cache.
// fit's row halves use it (trainer.cpp): one gradient buffer, written once.
template <class T>
double node_half_gradient(const Network<T>& net, std::span<const Propagator<T>* const> parts,
                          std::span<T> grad, long mean_rows, int half);
extern template double node_half_gradient<float>(const Network<float>&,
                                                 std::span<const Propagator<float>* const>,
                                                 std::span<float>, long, int);
extern template double node_half_gradient<double>(const Network<double>&,
                                                  std::span<const Propagator<double>* const>,
                                                  std::span<double>, long, int);

}  // namespace annlab
