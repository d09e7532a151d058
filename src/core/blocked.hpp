// Register-blocked products for mid-sized layers, without packing: the operand read along
// the output row is loaded as whole vectors straight from its row-major buffer, the other
// is broadcast one value at a time, and a block of up to 6 x 64 outputs (float; 6 x 32 in
// double) stays in registers over the whole sum. Eigen's GEMM packs both operands into
// panels first, which at W2's 32 x 64 x 64 costs about as much as the arithmetic; these
// kernels run that product at ~85 % of a core's FMA ceiling (bench/README.md). They can
// also store a ReLU of each output as it leaves the registers (Relu below).
//
//   out[r, c] = init[c] + Σ_j X(r, j)·Y[j, c]      (init null: 0; then times alpha)
//
// X(r, j) = X[r·xr + j·xc] (any strides: dZ read transposed for dW), Y is K x N row-major
// with row stride ldy, out M x N with row stride ldo. Each output is one fused multiply-add
// chain over j = 0, 1, ..., K-1 started from init[c] (or 0) and, with alpha != 1, multiplied
// by alpha once at the end: its bits depend on neither M, the row's place in the batch nor
// the blocking. The naive reference path (reference.cpp) is the oracle
// (tests/core/test_propagate.cpp). AVX-512 builds only (available()); elsewhere the
// callers keep Eigen's GEMM. Internal to core.
#pragma once

namespace annlab::blocked {

// Whether this build has the kernels (compiled for AVX-512).
bool available();

// A layer's ReLU in the product's own pass, while the values are still in registers (the
// separate pass re-read them and took ~9 % of W2's step): with `out` set, each finished value
// v of product's output is also stored as relu.out[r, c] = gate > 0 ? v : 0 (row stride ldo,
// as product's out), where gate is v itself (the forward: A = max(Z, 0)) or, with `gate` set,
// gate[r, c] (the backward: dZ = dA ⊙ [Z > 0], gate = Z). activation_forward's and
// activation_backward's formula for relu, so the same bits (NaN and -0 included).
// A forward's Relu is {A}, a backward's {dZ, Z}; {} stores none.
template <class T>
struct Relu {
  T* out = nullptr;
  const T* gate = nullptr;
  // The same, `offset` values on (a block's rows or columns); null stays null.
  Relu at(long offset) const {
    return {out ? out + offset : nullptr, gate ? gate + offset : nullptr};
  }
};

template <class T>
void product(long M, long N, long K, const T* X, long xr, long xc, const T* Y, long ldy, T* out,
             long ldo, const T* init, T alpha, Relu<T> relu = {});

// The forward of a layer with fewer outputs than half a vector (a regression head):
//   out[r, j] = b[j] + Σ_i X[r, i]·W[j, i]      X: M x K, W: N x K, out: M x N, row-major
// as dot products: each row's sum in one vector over whole vectors of i (the tail masked),
// its lanes then added in a fixed tree, b[j] last; 4 rows at a time for 4 independent
// chains. Its bits do not depend on M or on the rows around.
template <class T>
void narrow_forward(long M, long N, long K, const T* X, const T* W, const T* b, T* out);

// Wt (p x k, row stride ldt) = Wᵀ for W (k x p, row-major): the forward's Y (Z = A·Wᵀ).
template <class T>
void transpose(const T* W, long k, long p, T* Wt, long ldt);

}  // namespace annlab::blocked
