// The first-order update rules (formulas in optimizer.hpp), one class per state shape:
// no state (gd), a velocity (momentum, nesterov), a squared-gradient average (rmsprop), two
// moments and a step count (adam, adamw). Each step is one loop over the flat buffer;
// scalar coefficients are formed in double and cast to T once per step.
#include "annlab/train/optimizer.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../core/magnitude.hpp"
#include "annlab/core/error.hpp"
#include "annlab/train/gd.hpp"

namespace annlab {
namespace {

struct NameRow {
  OptimizerKind kind;
  const char* name;
};
constexpr NameRow kNames[] = {
    {OptimizerKind::gd, "gd"},
    {OptimizerKind::momentum, "momentum"},
    {OptimizerKind::nesterov, "nesterov"},
    {OptimizerKind::rmsprop, "rmsprop"},
    {OptimizerKind::adam, "adam"},
    {OptimizerKind::adamw, "adamw"},
    {OptimizerKind::lbfgs, "lbfgs"},
};
struct AliasRow {
  const char* alias;
  OptimizerKind kind;
};
constexpr AliasRow kAliases[] = {
    {"sgd", OptimizerKind::gd},
    {"nag", OptimizerKind::nesterov},
    {"l_bfgs", OptimizerKind::lbfgs},
};

void check_sizes(std::size_t size, std::size_t params, std::size_t grad) {
  if (params != size || grad != size)
    throw UsageError("optimizer step: the optimizer was made for " + std::to_string(size) +
                     " parameters, got " + std::to_string(params) + " parameters and " +
                     std::to_string(grad) + " gradients");
}

// Update loops split in two halves on the pool from this many parameters on (Adam's step
// costs about 2 ns per double parameter, a run of the pool about 1 µs: parallel.cpp).
constexpr long kSplit = long(1) << 12;

// Rounding slack for the bounds below (each is exact arithmetic on magnitudes).
constexpr double kSlack = 1.001;

// θ ← θ - η·(g + wd·θ); with wd = 0 exactly gd_update (the chapter's loop, bit for bit).
template <class T>
class Gd final : public Optimizer<T> {
 public:
  Gd(const OptimizerConfig& c, std::size_t size) : wd_(T(c.weight_decay)), size_(size) {}
  void step(std::span<T> params, std::span<const T> grad, double learning_rate) override {
    check_sizes(size_, params.size(), grad.size());
    const T lr = static_cast<T>(learning_rate);
    for_halves(this->pool_, long(size_), kSplit, [=, this](long b, long c) {
      if (wd_ == T(0)) return gd_update<T>(params.subspan(b, c), grad.subspan(b, c), lr);
      T* p = params.data();
      const T* g = grad.data();
      for (long i = b; i < b + c; ++i) p[i] -= lr * (g[i] + wd_ * p[i]);
    });
  }
  void reset() override {}
  double step_bound(double gmax, double pmax, double lr) const override {
    return kSlack * (pmax * (1 + lr * double(wd_)) + lr * gmax);
  }

 private:
  T wd_;
  std::size_t size_;
};

// State below the smallest normal number stored as 0: why, and what it changes, in
// optimizer.hpp. A compare and a select per vector (W2's momentum update took 2.7 µs a step
// with the subnormals' microcode assists, 0.9 µs without).
template <class T>
inline T flushed(T x) {
  return std::abs(x) < std::numeric_limits<T>::min() ? T(0) : x;
}

// The momentum updates over n parameters (functions of their own, as adam_update: plain
// pointers and scalars by value vectorize; fused with the max|v| reduction, GCC 12 left the
// loop scalar, 18 % of W2's time).
template <class T>
void momentum_update(T* __restrict p, const T* __restrict g, T* __restrict v, long n, T mu, T wd,
                     T lr) {
  for (long i = 0; i < n; ++i) {
    v[i] = flushed(mu * v[i] + (g[i] + wd * p[i]));
    p[i] -= lr * v[i];
  }
}
template <class T>
void nesterov_update(T* __restrict p, const T* __restrict g, T* __restrict v, long n, T mu, T wd,
                     T lr) {
  for (long i = 0; i < n; ++i) {
    const T gi = g[i] + wd * p[i];
    v[i] = flushed(mu * v[i] + gi);
    p[i] -= lr * (gi + mu * v[i]);
  }
}

// v ← μ·v + g;  θ ← θ - η·v          (momentum)
// v ← μ·v + g;  θ ← θ - η·(g + μ·v)  (nesterov)       with g ← g + wd·θ first.
template <class T>
class Momentum final : public Optimizer<T> {
 public:
  Momentum(const OptimizerConfig& c, std::size_t size, bool nesterov)
      : mu_(T(c.momentum)), wd_(T(c.weight_decay)), nesterov_(nesterov), v_(size) {}
  void step(std::span<T> params, std::span<const T> grad, double learning_rate) override {
    check_sizes(v_.size(), params.size(), grad.size());
    const T lr = static_cast<T>(learning_rate), mu = mu_, wd = wd_;
    const bool nesterov = nesterov_;
    T* p = params.data();
    const T* g = grad.data();
    T* v = v_.data();
    for_halves(this->pool_, long(v_.size()), kSplit, [=, this](long b, long c) {
      // Blocks of 2048: the update, then max|v| over the block while it is in L1.
      MagBits<T> vm = 0;
      for (long o = b; o < b + c; o += 2048) {
        const long e = std::min(o + 2048, b + c);
        if (nesterov)
          nesterov_update(p + o, g + o, v + o, e - o, mu, wd, lr);
        else
          momentum_update(p + o, g + o, v + o, e - o, mu, wd, lr);
        for (long i = o; i < e; ++i) vm = std::max(vm, mag_bits(v[i]));
      }
      v_max_.set(b, vm);
    });
  }
  void reset() override {
    std::fill(v_.begin(), v_.end(), T(0));
    v_max_ = {};
  }
  // |v'| <= μ|v| + |g| + wd|θ|;  |θ'| <= |θ| + η|v'|  (nesterov: + η(|g| + wd|θ| + μ|v'|)).
  double step_bound(double gmax, double pmax, double lr) const override {
    const double gi = gmax + double(wd_) * pmax;
    const double v = double(mu_) * v_max_.value() + gi;
    return kSlack * (pmax + lr * (nesterov_ ? gi + double(mu_) * v : v));
  }

 private:
  T mu_, wd_;
  bool nesterov_;
  std::vector<T> v_;      // velocity, parameter layout
  HalvesMax<T> v_max_{};  // largest |v| after the last step
};

// s ← ρ·s + (1-ρ)·g²;  θ ← θ - η·g/(√s + ε), with g ← g + wd·θ first (a function of its
// own, as adam_update, so that it vectorizes).
template <class T>
void rmsprop_update(T* __restrict p, const T* __restrict g, T* __restrict s, long n, T rho, T keep,
                    T eps, T wd, T lr) {
  for (long i = 0; i < n; ++i) {
    const T gi = g[i] + wd * p[i];
    s[i] = flushed(rho * s[i] + keep * gi * gi);
    p[i] -= lr * gi / (std::sqrt(s[i]) + eps);
  }
}

template <class T>
class RmsProp final : public Optimizer<T> {
 public:
  RmsProp(const OptimizerConfig& c, std::size_t size)
      : rho_(T(c.rho)),
        one_minus_rho_(T(1.0 - c.rho)),
        eps_(T(c.epsilon)),
        wd_(T(c.weight_decay)),
        s_(size) {}
  void step(std::span<T> params, std::span<const T> grad, double learning_rate) override {
    check_sizes(s_.size(), params.size(), grad.size());
    const T lr = static_cast<T>(learning_rate);
    T* p = params.data();
    const T* g = grad.data();
    T* s = s_.data();
    const T rho = rho_, keep = one_minus_rho_, eps = eps_, wd = wd_;
    for_halves(this->pool_, long(s_.size()), kSplit, [=](long b, long c) {
      rmsprop_update(p + b, g + b, s + b, c, rho, keep, eps, wd, lr);
    });
  }
  void reset() override { std::fill(s_.begin(), s_.end(), T(0)); }
  // s' >= (1-ρ)g², so |g|/(√s' + ε) <= 1/√(1-ρ) (s' = inf makes the step 0), as long as
  // g + wd·θ is finite and (1-ρ)g² does not underflow; below that, |g|/ε is smaller than
  // √(smallest normal/(1-ρ))/ε.
  double step_bound(double gmax, double pmax, double lr) const override {
    const double gi = gmax + double(wd_) * pmax;
    if (!(gi < 1e300)) return std::numeric_limits<double>::infinity();
    const double keep = double(one_minus_rho_);
    const double tiny = std::sqrt(double(std::numeric_limits<T>::min()) / keep) / double(eps_);
    return kSlack * (pmax + lr * std::max(1 / std::sqrt(keep), tiny));
  }

 private:
  T rho_, one_minus_rho_, eps_, wd_;
  std::vector<T> s_;  // running mean of g², parameter layout
};

template <class T>
struct AdamScalars {
  T l2, b1, a1, b2, a2, step_size, inv_sqrt_bc2, eps;
};

// The update over n parameters (a function of its own: plain pointers and scalars by value
// are what GCC vectorizes, sqrt and division included).
template <class T>
void adam_update(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, long n,
                 const AdamScalars<T> s) {
  for (long i = 0; i < n; ++i) {
    const T gi = g[i] + s.l2 * p[i];
    m[i] = flushed(s.b1 * m[i] + s.a1 * gi);
    v[i] = flushed(s.b2 * v[i] + s.a2 * gi * gi);
    p[i] -= s.step_size * m[i] / (std::sqrt(v[i]) * s.inv_sqrt_bc2 + s.eps);
  }
}

// adam:  g ← g + wd·θ;  m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;
//        θ ← θ - (η/(1-β1^t))·m/(√v/√(1-β2^t) + ε)          (= η·m̂/(√v̂ + ε))
// adamw: θ ← θ·(1 - η·wd) first, then the same without the L2 term.
template <class T>
class Adam final : public Optimizer<T> {
 public:
  Adam(const OptimizerConfig& c, std::size_t size, bool decoupled)
      : c_(c), decoupled_(decoupled), m_(size), v_(size) {}
  void step(std::span<T> params, std::span<const T> grad, double learning_rate) override {
    check_sizes(m_.size(), params.size(), grad.size());
    ++t_;
    // Bias corrections in double: β^t for t in the thousands loses nothing there.
    const double bc1 = 1.0 - std::pow(c_.beta1, double(t_));
    const double bc2 = 1.0 - std::pow(c_.beta2, double(t_));
    const T step_size = static_cast<T>(learning_rate / bc1);
    // √v/√(1-β2^t) as √v times the reciprocal: one sqrt and one division per parameter
    // (they share the divider; a second division made the step 1.5x as long).
    const T inv_sqrt_bc2 = static_cast<T>(1.0 / std::sqrt(bc2));
    const T b1 = T(c_.beta1), a1 = T(1.0 - c_.beta1), b2 = T(c_.beta2), a2 = T(1.0 - c_.beta2);
    const T eps = T(c_.epsilon);
    const T l2 = decoupled_ ? T(0) : T(c_.weight_decay);
    const T shrink = T(1.0 - learning_rate * c_.weight_decay);  // adamw only
    T* p = params.data();
    const T* g = grad.data();
    T* m = m_.data();
    T* v = v_.data();
    const bool shrinking = decoupled_ && c_.weight_decay != 0.0;
    // Captures by value: a scalar read through a reference could alias the stores to p, m
    // and v, and the compiler would not vectorize the loop.
    for_halves(this->pool_, long(m_.size()), kSplit, [=, this](long b, long c) {
      if (shrinking)
        for (long i = b; i < b + c; ++i) p[i] *= shrink;
      // Blocks of 2048: the update (its own vectorized loop; fused with the reduction, GCC
      // 12 leaves it scalar), then max|m| over the block while it is in L1.
      MagBits<T> mm = 0;
      for (long o = b; o < b + c; o += 2048) {
        const long e = std::min(o + 2048, b + c);
        adam_update(p + o, g + o, m + o, v + o, e - o,
                    {l2, b1, a1, b2, a2, step_size, inv_sqrt_bc2, eps});
        for (long i = o; i < e; ++i) mm = std::max(mm, mag_bits(m[i]));
      }
      m_max_.set(b, mm);
    });
  }
  void reset() override {
    std::fill(m_.begin(), m_.end(), T(0));
    std::fill(v_.begin(), v_.end(), T(0));
    m_max_ = {};
    t_ = 0;
  }
  // |m'| <= β1|m| + (1-β1)(|g| + l2|θ|) and √v'/√(1-β2^t) >= 0, so the step is at most
  // (η/(1-β1^t))·|m'|/ε; adamw first scales θ by (1 - η·wd).
  double step_bound(double gmax, double pmax, double lr) const override {
    const double l2 = decoupled_ ? 0.0 : c_.weight_decay;
    const double shrink = decoupled_ ? std::abs(1.0 - lr * c_.weight_decay) : 1.0;
    const double m = c_.beta1 * m_max_.value() + (1 - c_.beta1) * (gmax + l2 * pmax);
    const double bc1 = 1.0 - std::pow(c_.beta1, double(t_ + 1));
    const double eps = double(T(c_.epsilon));  // as the step uses it (0 if it underflows)
    return kSlack * (shrink * pmax + lr / bc1 * m / eps);
  }

 private:
  OptimizerConfig c_;
  bool decoupled_;
  long t_ = 0;            // steps taken
  std::vector<T> m_, v_;  // first and second moments, parameter layout
  HalvesMax<T> m_max_{};  // largest |m| after the last step
};

std::string names_list() {
  std::string s;
  for (const NameRow& r : kNames) s += (s.empty() ? "" : ", ") + std::string(r.name);
  return s;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw UsageError(what);
}

}  // namespace

OptimizerKind parse_optimizer(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  for (const NameRow& r : kNames)
    if (lower == r.name) return r.kind;
  for (const AliasRow& a : kAliases)
    if (lower == a.alias) return a.kind;
  throw UsageError("unknown optimizer '" + std::string(text) + "' (expected one of " +
                   names_list() + "; sgd means gd)");
}

std::string optimizer_name(OptimizerKind kind) {
  for (const NameRow& r : kNames)
    if (r.kind == kind) return r.name;
  throw UsageError("unknown optimizer kind " + std::to_string(static_cast<int>(kind)));
}

std::vector<std::string> optimizer_names() {
  std::vector<std::string> v;
  for (const NameRow& r : kNames) v.emplace_back(r.name);
  return v;
}

void validate_optimizer(const OptimizerConfig& c) {
  const std::string who = "optimizer " + optimizer_name(c.kind) + ": ";
  const auto unit = [](double x) { return x >= 0.0 && x < 1.0; };  // [0, 1), false for NaN
  if (c.kind == OptimizerKind::lbfgs) {
    require(c.lbfgs_history >= 1,
            who + "lbfgs_history must be >= 1 (got " + std::to_string(c.lbfgs_history) + ")");
  } else {
    require(c.learning_rate > 0 && std::isfinite(c.learning_rate),
            who + "the learning rate must be > 0 and finite (got " +
                std::to_string(c.learning_rate) + ")");
  }
  require(c.weight_decay >= 0 && std::isfinite(c.weight_decay),
          who + "weight_decay must be >= 0 (got " + std::to_string(c.weight_decay) + ")");
  switch (c.kind) {
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      require(unit(c.momentum),
              who + "momentum must be in [0, 1) (got " + std::to_string(c.momentum) + ")");
      break;
    case OptimizerKind::rmsprop:
      require(unit(c.rho), who + "rho must be in [0, 1) (got " + std::to_string(c.rho) + ")");
      require(c.epsilon > 0, who + "epsilon must be > 0 (got " + std::to_string(c.epsilon) + ")");
      break;
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      require(unit(c.beta1), who + "beta1 must be in [0, 1) (got " + std::to_string(c.beta1) + ")");
      require(unit(c.beta2), who + "beta2 must be in [0, 1) (got " + std::to_string(c.beta2) + ")");
      require(c.epsilon > 0, who + "epsilon must be > 0 (got " + std::to_string(c.epsilon) + ")");
      break;
    case OptimizerKind::gd:
    case OptimizerKind::lbfgs:
      break;
  }
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerConfig& config, std::size_t size) {
  if (config.kind == OptimizerKind::lbfgs)
    throw UsageError(
        "lbfgs is not a per-batch update rule: it runs full-batch with a line search; train "
        "with fit() (batch_size 0) instead of make_optimizer");
  validate_optimizer(config);
  // ε below T's normal range (0 or a subnormal in float) with v or s flushed to 0 would make
  // the step m/ε or g/ε: infinite, or huge.
  const bool uses_epsilon = config.kind == OptimizerKind::rmsprop ||
                            config.kind == OptimizerKind::adam ||
                            config.kind == OptimizerKind::adamw;
  if (uses_epsilon && !(T(config.epsilon) >= std::numeric_limits<T>::min()))
    throw UsageError("optimizer " + optimizer_name(config.kind) + ": epsilon " +
                     std::to_string(config.epsilon) + " is below the smallest normal " +
                     (sizeof(T) == 4 ? "float32 (1.2e-38)" : "float64 (2.2e-308)") +
                     " number; use a larger epsilon");
  switch (config.kind) {
    case OptimizerKind::gd:
      return std::make_unique<Gd<T>>(config, size);
    case OptimizerKind::momentum:
      return std::make_unique<Momentum<T>>(config, size, false);
    case OptimizerKind::nesterov:
      return std::make_unique<Momentum<T>>(config, size, true);
    case OptimizerKind::rmsprop:
      return std::make_unique<RmsProp<T>>(config, size);
    case OptimizerKind::adam:
      return std::make_unique<Adam<T>>(config, size, false);
    case OptimizerKind::adamw:
      return std::make_unique<Adam<T>>(config, size, true);
    case OptimizerKind::lbfgs:
      break;
  }
  throw UsageError("unknown optimizer kind " + std::to_string(static_cast<int>(config.kind)));
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(const OptimizerConfig&,
                                                                 std::size_t);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const OptimizerConfig&,
                                                                   std::size_t);

}  // namespace annlab
