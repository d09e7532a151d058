// Activation functions: a table of {name, forward, derivative} rows (TensorFlow
// Playground's shape). Forward and backward live side by side in activation.cpp.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace annlab {

enum class ActivationKind {
  identity,     // α(x) = x                      α' = 1
  sigmoid,      // α(x) = 1/(1+e^-x), in (0,1)   α' = α(1-α)  (in terms of the node output)
  tanh,         // α(x) = tanh x                 α' = 1-α²    (output)
  relu,         // α(x) = max(0,x)               α' = [x>0]
  leaky_relu,   // α(x) = x or slope·x           α' = 1 or slope          (param: slope)
  elu,          // α(x) = x or a(e^x-1)          α' = 1 or α+a            (param: a)
  softplus,     // α(x) = ln(1+e^x)              α' = σ(x)
  binary_step,  // α(x) = [x>=0]                 not differentiable: forward only
  softmax,      // row-wise exp(z_k)/Σ exp(z_m)  output layer only, needs 2+ nodes
};

struct Activation {
  ActivationKind kind = ActivationKind::identity;
  double param = 0.0;  // leaky_relu slope (default 0.01), elu a (default 1); unused otherwise

  // "sigmoid", "leaky_relu", "leaky_relu:0.2", "elu:0.5" (also "leaky_relu(0.2)").
  // Throws UsageError naming the accepted names.
  static Activation parse(std::string_view text);
  static Activation of(ActivationKind kind);  // with the default parameter

  std::string name() const;  // parseable: "leaky_relu:0.2" for a non-default slope
  bool differentiable() const { return kind != ActivationKind::binary_step; }
  bool operator==(const Activation&) const = default;
};

// Every activation's canonical name, in table order (for --help and error messages).
std::vector<std::string> activation_names();

// Forward: a = α(z) for a rows x cols row-major block (softmax acts on each row).
template <class T>
void activation_forward(const Activation& act, const T* z, T* a, long rows, long cols);

// Backward: dz = da ⊙ α'(z), using the cached z and a = α(z) (whichever the rule needs).
// Softmax: dz_k = a_k·(da_k - Σ_m a_m·da_m). Throws UsageError for binary_step.
template <class T>
void activation_backward(const Activation& act, const T* z, const T* a, const T* da, T* dz,
                         long rows, long cols);

// Scalar forms for the naive reference path (double only; not the fast path).
double activation_value(const Activation& act, double z);
double activation_derivative(const Activation& act, double z);

}  // namespace annlab
