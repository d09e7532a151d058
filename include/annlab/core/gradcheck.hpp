// Gradient check: central finite differences, in double, on every weight, bias and input,
// against the fast path's analytic derivatives.
//   numeric = (L(θ+h) - L(θ-h)) / 2h,  h = eps·max(1, |θ|)
//   error   = |analytic - numeric| / max(|analytic|, |numeric|, floor)
// The floor (1e-3) makes derivatives smaller than it compare by absolute difference, so
// round-off on a near-zero derivative is not reported as a large relative error.
#pragma once
#include <string>
#include <vector>

#include "annlab/core/network.hpp"

namespace annlab {

struct GradCheckEntry {
  std::string name;  // "λ(1,4)", "b4", "I2[row 3]"
  std::string kind;  // "weight", "bias", "input"
  int layer = 0;
  double analytic = 0, numeric = 0, error = 0;
};
struct GradCheckReport {
  std::vector<GradCheckEntry> entries;
  GradCheckEntry worst;
  long checked = 0;
  double eps = 1e-5, floor = 1e-3;
};

struct GradCheckOptions {
  double eps = 1e-5;  // balances truncation (~eps²) against round-off (~1e-16/eps)
  double floor = 1e-3;
  bool inputs = true;  // also check dL/dx for every input of every row
};

// Parameter derivatives are of the batch's mean loss; input derivatives are per sample.
GradCheckReport gradient_check(const Network<double>& net, const double* x, const double* y,
                               long batch, const GradCheckOptions& options = {});

}  // namespace annlab
