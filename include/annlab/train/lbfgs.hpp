// L-BFGS over a flat parameter buffer (Nocedal & Wright, Numerical Optimization, 2nd ed.):
// the two-loop recursion (Algorithm 7.4) over the last m pairs s = θ_(k+1) - θ_k,
// y = ∇f_(k+1) - ∇f_k with H0 = γI, γ = sᵀy/yᵀy of the newest pair, and a line search for
// the strong Wolfe conditions (Algorithms 3.5 and 3.6, cubic interpolation, safeguarded):
//   f(θ + αd) <= f(θ) + c1·α·∇fᵀd        (sufficient decrease, c1 = 1e-4)
//   |∇f(θ + αd)ᵀd| <= c2·|∇fᵀd|          (curvature, c2 = 0.9)
// The trial step is 1 (the quasi-Newton scaling) except without pairs, where it is
// min(1, 1/‖∇f‖₁) (PyTorch's choice), at most 25 evaluations per search. A pair enters the
// memory only if sᵀy > ε_T·yᵀy (positive curvature), otherwise it is skipped. If the search
// finds no point with sufficient decrease, the memory is cleared and the steepest descent
// tried once; if that fails too the iteration reports moved = false (converged to
// round-off). A non-finite f at a trial point counts as "too far" (the step shrinks).
// fit() runs this full-batch, one iteration per epoch; it is public for direct use and tests.
#pragma once
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace annlab {

template <class T>
class Lbfgs {
 public:
  // f and ∇f at the parameters currently in the span given to start/iterate: writes ∇f into
  // `grad` (same size) and returns f. Called with the parameters already set.
  using Objective = std::function<double(std::span<T> grad)>;

  struct Step {
    bool moved = false;      // false: no step lowered f, even along -∇f; params unchanged
    double f = 0;            // f at the (new) current point
    double step = 0;         // accepted α (the direction is not normalized)
    int evaluations = 0;     // objective calls made by this iteration
    bool wolfe = false;      // both strong Wolfe conditions hold at the accepted point
    bool pair_kept = false;  // the (s, y) pair passed the curvature check
    bool restarted = false;  // the memory was cleared and steepest descent used
  };

  Lbfgs(std::size_t size, int history);  // history >= 1 pairs; buffers allocated here
  // Evaluates f and ∇f at `params` (one objective call) and forgets any pairs. Returns f.
  double start(std::span<T> params, const Objective& objective);
  // One iteration from the current point (start() first); `params` holds the new point after.
  Step iterate(std::span<T> params, const Objective& objective);

  double value() const { return f_; }
  std::span<const T> gradient() const { return g_; }
  int pairs() const { return count_; }
  void reset() { count_ = 0, newest_ = -1; }  // forget the pairs, keep the point

 private:
  void direction();  // d = -H·g by the two-loop recursion (d = -g without pairs)
  bool line_search(std::span<T> params, const Objective& objective, double alpha0, Step& out);

  std::size_t n_;
  int m_, count_ = 0, newest_ = -1;      // ring of pairs: newest_ is the last one written
  std::vector<T> s_, y_;                 // m x n each, row i = pair i
  std::vector<double> rho_, alpha_;      // 1/sᵀy per pair; the two-loop's α_i
  std::vector<T> x0_, d_, g_, gt_, gl_;  // start point, direction, ∇f there, trial, bracket low
  double f_ = 0;
};

extern template class Lbfgs<float>;
extern template class Lbfgs<double>;

}  // namespace annlab
