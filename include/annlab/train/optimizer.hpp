// Optimizers: one update rule each, over the flat parameter buffer; state (velocity,
// moments) lives in flat buffers of the same layout, allocated once by make_optimizer, so a
// step allocates nothing.
//
// The rules, with g = ∂L/∂θ (the averaged batch gradient), η this step's learning rate,
// wd = weight_decay, t = 1, 2, ... the step count. Each is PyTorch's torch.optim form
// (dampening 0, not centered, no amsgrad) and is checked against a NumPy transcription of the
// published formulas (tools/optimizers_numpy.py -> tests/fixtures/train/optimizers.json):
//   every rule but adamw first adds the L2 term:   g ← g + wd·θ   (PyTorch's weight_decay)
//   gd        θ ← θ - η·g
//   momentum  v ← μ·v + g;  θ ← θ - η·v          (v starts at 0, so the first v is g; this is
//                                                 PyTorch's SGD(momentum=μ), not the
//                                                 v ← μv - ηg form: the two differ when η
//                                                 changes between steps)
//   nesterov  v ← μ·v + g;  θ ← θ - η·(g + μ·v)  (PyTorch's SGD(nesterov=True))
//   rmsprop   s ← ρ·s + (1-ρ)·g²;  θ ← θ - η·g/(√s + ε)   (ε outside the root)
//   adam      m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;
//             m̂ = m/(1-β1^t);  v̂ = v/(1-β2^t);  θ ← θ - η·m̂/(√v̂ + ε)
//             (Kingma & Ba's Algorithm 1 and PyTorch's Adam; Keras adds ε to √v before the
//             bias correction, which differs only when √v̂ is near ε)
//   adamw     θ ← θ - η·wd·θ, then the adam step without the L2 term (PyTorch's AdamW,
//             Loshchilov & Hutter's decoupled decay scaled by η)
// Weight decay applies to every parameter, biases included (PyTorch's default).
// State below the smallest normal number (about 1.2e-38 in float, 2.2e-308 in double) is
// stored as 0: a velocity or moment whose gradient stays 0 (a dead ReLU unit's weights)
// would otherwise decay into the subnormal range and stay there (μ times the smallest
// subnormal rounds back to it), and every vector instruction touching a subnormal costs a
// microcode assist (W2: 14 % of its training time). Only a step whose state was that small
// changes: for momentum and nesterov η times such a state is under half an ulp of any normal
// θ; adam and rmsprop divide by √v + ε, which can scale it by up to 1/ε, so there a θ below
// about η·(smallest normal)/ε (|θ| < 1e-33 in float at ε = 1e-8) moves differently. ε must
// be normal in the network's precision (make_optimizer says so). No flush-to-zero mode is
// set; the rest of the arithmetic is IEEE's.
#pragma once
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "annlab/core/parallel.hpp"

namespace annlab {

enum class OptimizerKind { gd, momentum, nesterov, rmsprop, adam, adamw, lbfgs };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::gd;
  double learning_rate = 0.01;  // lbfgs: not used (its line search picks each step)
  double momentum = 0.9;        // momentum, nesterov: μ in [0, 1)
  double rho = 0.9;             // rmsprop decay of the squared-gradient average, in [0, 1)
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  // adam, adamw (epsilon also rmsprop)
  double weight_decay = 0.0;  // L2 penalty (λ/2)|θ|² added to the loss for every optimizer
                              // but adamw, where it is AdamW's decoupled decay
  int lbfgs_history = 10;     // lbfgs: pairs kept
};

// Canonical names gd, momentum, nesterov, rmsprop, adam, adamw, lbfgs; also accepted (any
// case, '-' for '_'): sgd = gd, nag = nesterov, l-bfgs / l_bfgs = lbfgs.
OptimizerKind parse_optimizer(std::string_view text);  // throws UsageError listing names
std::string optimizer_name(OptimizerKind kind);
std::vector<std::string> optimizer_names();

// Throws UsageError naming the first out-of-range field (learning rate not > 0 and finite,
// momentum/rho/beta outside [0, 1), epsilon not > 0, negative weight decay, lbfgs_history
// < 1). fit() and make_optimizer call it.
void validate_optimizer(const OptimizerConfig& config);

// A first-order update rule (everything but lbfgs, which the trainer runs full-batch).
template <class T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // θ ← update(θ, grad) with this step's learning rate (from the schedule). params and grad
  // must not overlap (the update loops read them through restrict pointers).
  virtual void step(std::span<T> params, std::span<const T> grad, double learning_rate) = 0;
  virtual void reset() = 0;  // forget state (moments, step count)

  // An upper bound on max|θ| right after the next step with this learning rate, given
  // max|g| of its gradient and max|θ| now (both finite); +inf where the rule cannot bound
  // it. Const: the rules bound their state from its largest magnitude, which each step
  // records. fit() skips its copy of the parameters (kept to put them back after a
  // non-finite update) when the bound proves the update finite.
  virtual double step_bound(double grad_max, double param_max, double learning_rate) const {
    (void)grad_max, (void)param_max, (void)learning_rate;
    return std::numeric_limits<double>::infinity();
  }
  // Runs the update loops on two threads when `pool` has them (null: the caller's thread).
  // Every element is updated alone: the results do not depend on it.
  void set_pool(WorkerPool* pool) { pool_ = pool; }

 protected:
  WorkerPool* pool_ = nullptr;
};

// `size` = number of parameters (state buffers are allocated here, once). Throws UsageError
// for kind lbfgs (a full-batch method with a line search: run it with fit()) and for
// configurations validate_optimizer() rejects.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerConfig& config, std::size_t size);

}  // namespace annlab
