// Losses. Per sample L is a sum over output nodes; a batch loss is the mean over samples,
// and parameter gradients are averaged over the batch (the chapter's update).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace annlab {

enum class LossKind {
  half_squared_error,     // L = ½ Σ_k (ŷ_k - y_k)²      dL/dŷ = ŷ - y   (the chapter's)
  mean_squared_error,     // L = (1/K) Σ_k (ŷ_k - y_k)²  dL/dŷ = 2(ŷ - y)/K
  softmax_cross_entropy,  // L = -Σ_k y_k ln softmax(z)_k, from the logits z (stable);
                          // with a softmax output, dL/dz = softmax(z) - y directly
};

LossKind parse_loss(std::string_view text);  // throws UsageError listing the names
std::string loss_name(LossKind kind);
std::vector<std::string> loss_names();

// Mean loss over `rows` samples. yhat is the network output (after the output activation),
// z the output pre-activations (used by softmax_cross_entropy for a stable log-softmax).
template <class T>
double loss_value(LossKind kind, const T* z, const T* yhat, const T* y, long rows, long cols);

// Per-sample loss of one row (same rules), in double.
template <class T>
double loss_of_row(LossKind kind, const T* z, const T* yhat, const T* y, long cols);

// dL_r/dŷ for every row r (per-sample derivative, not divided by the batch size).
// For softmax_cross_entropy this is -y/ŷ (what the trace shows on the output nodes).
template <class T>
void loss_gradient(LossKind kind, const T* yhat, const T* y, T* dyhat, long rows, long cols);

}  // namespace annlab
