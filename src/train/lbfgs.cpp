// L-BFGS: two-loop recursion and a strong-Wolfe line search (references and constants in
// lbfgs.hpp). Vectors are T (the parameters' type); every dot product accumulates in double.
// Buffers are allocated in the constructor: an iteration allocates nothing.
#include "annlab/train/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "annlab/core/error.hpp"

namespace annlab {
namespace {

constexpr double kC1 = 1e-4;         // sufficient decrease
constexpr double kC2 = 0.9;          // curvature (the usual choice for quasi-Newton directions)
constexpr int kMaxEvaluations = 25;  // per line search (PyTorch's max_ls)

template <class T>
double dot(const T* a, const T* b, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
  return s;
}

// Minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2 (Nocedal & Wright
// eq. 3.59, in PyTorch's form), clamped to [lo, hi]; the midpoint when the cubic has no
// minimizer or an input is not finite.
double cubic_minimizer(double x1, double f1, double g1, double x2, double f2, double g2, double lo,
                       double hi) {
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2sq = d1 * d1 - g1 * g2;
  if (std::isfinite(d2sq) && d2sq >= 0) {
    const double d2 = std::sqrt(d2sq);
    const double m = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                              : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    if (std::isfinite(m)) return std::clamp(m, lo, hi);
  }
  return 0.5 * (lo + hi);
}

}  // namespace

template <class T>
Lbfgs<T>::Lbfgs(std::size_t size, int history) : n_(size), m_(history) {
  if (history < 1)
    throw UsageError("lbfgs_history must be >= 1 (got " + std::to_string(history) + ")");
  s_.resize(std::size_t(m_) * n_);
  y_.resize(std::size_t(m_) * n_);
  rho_.resize(m_);
  alpha_.resize(m_);
  x0_.resize(n_);
  d_.resize(n_);
  g_.resize(n_);
  gt_.resize(n_);
  gl_.resize(n_);
}

template <class T>
double Lbfgs<T>::start(std::span<T> params, const Objective& objective) {
  if (params.size() != n_)
    throw UsageError("lbfgs: made for " + std::to_string(n_) + " parameters, got " +
                     std::to_string(params.size()));
  reset();
  f_ = objective(std::span<T>(g_));
  return f_;
}

// d = -H·g. The two-loop recursion: q = g; newest to oldest α_i = ρ_i·s_iᵀq, q -= α_i·y_i;
// r = γ·q; oldest to newest β = ρ_i·y_iᵀr, r += (α_i - β)·s_i; d = -r.
template <class T>
void Lbfgs<T>::direction() {
  T* q = d_.data();
  std::copy(g_.begin(), g_.end(), q);
  if (count_ > 0) {
    for (int j = 0; j < count_; ++j) {
      const int i = (newest_ - j + m_) % m_;
      const T* s = s_.data() + std::size_t(i) * n_;
      const T* y = y_.data() + std::size_t(i) * n_;
      alpha_[i] = rho_[i] * dot(s, q, n_);
      const T a = T(alpha_[i]);
      for (std::size_t k = 0; k < n_; ++k) q[k] -= a * y[k];
    }
    const T* sn = s_.data() + std::size_t(newest_) * n_;
    const T* yn = y_.data() + std::size_t(newest_) * n_;
    const T gamma = T(dot(sn, yn, n_) / dot(yn, yn, n_));  // H0 = γI
    for (std::size_t k = 0; k < n_; ++k) q[k] *= gamma;
    for (int j = count_ - 1; j >= 0; --j) {
      const int i = (newest_ - j + m_) % m_;
      const T* s = s_.data() + std::size_t(i) * n_;
      const T* y = y_.data() + std::size_t(i) * n_;
      const T c = T(alpha_[i] - rho_[i] * dot(y, q, n_));
      for (std::size_t k = 0; k < n_; ++k) q[k] += c * s[k];
    }
  }
  for (std::size_t k = 0; k < n_; ++k) q[k] = -q[k];
}

// Searches along d_ from x0_ (f_, g_ there). On success params = x0 + α·d, the gradient there
// is in gt_, out.f/out.step set, and true returned. On failure params hold some trial point.
template <class T>
bool Lbfgs<T>::line_search(std::span<T> params, const Objective& objective, double alpha0,
                           Step& out) {
  const double f0 = f_, dg0 = dot(g_.data(), d_.data(), n_);
  const double tiny = std::numeric_limits<T>::epsilon();
  T* p = params.data();
  int evaluations = 0;
  // φ(α) = f(x0 + α·d) and φ'(α) = ∇f(x0 + α·d)ᵀd; the gradient goes to gt_.
  const auto eval = [&](double a, double& dg) {
    const T ta = T(a);
    for (std::size_t k = 0; k < n_; ++k) p[k] = x0_[k] + ta * d_[k];
    ++evaluations;
    ++out.evaluations;
    const double f = objective(std::span<T>(gt_));
    dg = dot(gt_.data(), d_.data(), n_);
    return f;
  };
  // Sufficient decrease, and a real one: near a minimum c1·α·φ'(0) falls below f's last
  // digit, and an unchanged f would otherwise pass forever.
  const auto armijo = [&](double a, double f) {
    return std::isfinite(f) && f <= f0 + kC1 * a * dg0 && f < f0;
  };
  const auto accept = [&](double a, double f, bool gradient_in_gl, bool wolfe) {
    const T ta = T(a);
    for (std::size_t k = 0; k < n_; ++k) p[k] = x0_[k] + ta * d_[k];  // same bits as the trial
    if (gradient_in_gl) gt_.swap(gl_);
    out.f = f;
    out.step = a;
    out.wolfe = wolfe;
    return true;
  };

  // Bracketing (Algorithm 3.5). `lo` is the best point with sufficient decrease so far
  // (α = 0 at first, whose gradient is g_; later ones keep theirs in gl_).
  double lo = 0, f_lo = f0, dg_lo = dg0, hi = 0, f_hi = 0, dg_hi = 0;
  bool lo_at_zero = true, bracketed = false;
  double a = alpha0;
  for (int i = 0; evaluations < kMaxEvaluations; ++i) {
    double dg = 0;
    const double f = eval(a, dg);
    if (!armijo(a, f) || (i > 0 && f >= f_lo)) {
      hi = a, f_hi = f, dg_hi = dg;  // the minimum lies between lo and a
      bracketed = true;
      break;
    }
    if (std::abs(dg) <= -kC2 * dg0) return accept(a, f, false, true);
    if (dg >= 0) {  // past the minimum: a becomes lo, the previous point hi
      hi = lo, f_hi = f_lo, dg_hi = dg_lo;
      lo = a, f_lo = f, dg_lo = dg;
      gt_.swap(gl_);
      lo_at_zero = false;
      bracketed = true;
      break;
    }
    // Still descending steeply: extrapolate, at least 1% further and at most 10x.
    const double next = cubic_minimizer(lo, f_lo, dg_lo, a, f, dg, a + 0.01 * (a - lo), 10 * a);
    lo = a, f_lo = f, dg_lo = dg;
    gt_.swap(gl_);
    lo_at_zero = false;
    a = next;
  }

  // Zoom (Algorithm 3.6): shrink [lo, hi] keeping sufficient decrease at lo and the minimum
  // between them; trial points by cubic interpolation, kept 10% inside the interval.
  while (bracketed && evaluations < kMaxEvaluations) {
    const double a_min = std::min(lo, hi), a_max = std::max(lo, hi), w = a_max - a_min;
    if (w <= tiny * a_max) break;  // the steps would no longer change θ
    double t = std::isfinite(f_hi) && std::isfinite(dg_hi)
                   ? cubic_minimizer(lo, f_lo, dg_lo, hi, f_hi, dg_hi, a_min, a_max)
                   : 0.5 * (a_min + a_max);
    t = std::clamp(t, a_min + 0.1 * w, a_max - 0.1 * w);
    double dg = 0;
    const double f = eval(t, dg);
    if (!armijo(t, f) || f >= f_lo) {
      hi = t, f_hi = f, dg_hi = dg;
      continue;
    }
    if (std::abs(dg) <= -kC2 * dg0) return accept(t, f, false, true);
    if (dg * (hi - lo) >= 0) hi = lo, f_hi = f_lo, dg_hi = dg_lo;
    lo = t, f_lo = f, dg_lo = dg;
    gt_.swap(gl_);
    lo_at_zero = false;
  }
  // Out of evaluations: the best point with sufficient decrease, if any (curvature unknown).
  if (!lo_at_zero) return accept(lo, f_lo, true, false);
  return false;
}

template <class T>
typename Lbfgs<T>::Step Lbfgs<T>::iterate(std::span<T> params, const Objective& objective) {
  if (params.size() != n_)
    throw UsageError("lbfgs: made for " + std::to_string(n_) + " parameters, got " +
                     std::to_string(params.size()));
  Step out;
  out.f = f_;
  bool fresh = count_ == 0;
  direction();
  if (!(dot(g_.data(), d_.data(), n_) < 0) && !fresh) {  // not a descent direction: restart
    reset();
    fresh = out.restarted = true;
    direction();
  }
  if (!(dot(g_.data(), d_.data(), n_) < 0)) return out;  // ∇f = 0 (or not finite)
  std::copy(params.begin(), params.end(), x0_.begin());
  const auto first_step = [&] {
    double l1 = 0;
    for (const T v : g_) l1 += std::abs(double(v));
    return std::min(1.0, 1.0 / l1);
  };
  bool ok = line_search(params, objective, fresh ? first_step() : 1.0, out);
  if (!ok && !fresh) {  // the quasi-Newton direction failed: once more along -∇f
    reset();
    out.restarted = true;
    direction();
    ok = line_search(params, objective, first_step(), out);
  }
  if (!ok) {
    std::copy(x0_.begin(), x0_.end(), params.begin());
    out.f = f_;
    return out;
  }
  out.moved = true;
  // The new pair s = θ_new - θ_old, y = ∇f_new - ∇f_old, kept when sᵀy > ε·yᵀy. The dots
  // come first: a rejected pair must not overwrite the oldest kept one.
  double sy = 0, yy = 0;
  for (std::size_t k = 0; k < n_; ++k) {
    const double sk = double(T(params[k] - x0_[k])), yk = double(T(gt_[k] - g_[k]));
    sy += sk * yk;
    yy += yk * yk;
  }
  if (std::isfinite(sy) && yy > 0 && sy > std::numeric_limits<T>::epsilon() * yy) {
    const int slot = (newest_ + 1) % m_;
    T* s = s_.data() + std::size_t(slot) * n_;
    T* y = y_.data() + std::size_t(slot) * n_;
    for (std::size_t k = 0; k < n_; ++k) {
      s[k] = params[k] - x0_[k];
      y[k] = gt_[k] - g_[k];
    }
    rho_[slot] = 1.0 / sy;
    newest_ = slot;
    count_ = std::min(count_ + 1, m_);
    out.pair_kept = true;
  }
  g_.swap(gt_);
  f_ = out.f;
  return out;
}

template class Lbfgs<float>;
template class Lbfgs<double>;

}  // namespace annlab
