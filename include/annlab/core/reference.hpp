// The naive reference path: one sample, plain loops over nodes and connections, double,
// scalar activation formulas. Slow on purpose; it is the oracle every fast path is tested
// against (tests/core/test_propagate.cpp) and it is how gradcheck evaluates the loss.
#pragma once
#include <span>
#include <vector>

#include "annlab/core/architecture.hpp"

namespace annlab::reference {

struct SampleResult {
  // Indexed [layer][node], layer 0..n.
  std::vector<std::vector<double>> in, out, dL_din, dL_dout;
  std::vector<double> grad;  // per-sample dL/dθ in the flat parameter layout
  double loss = 0.0;
};

// Forward only: per-sample loss (in/out filled, derivatives empty).
SampleResult forward(const Architecture& arch, std::span<const double> params,
                     std::span<const double> x, std::span<const double> y);
// Forward and backward for one sample.
SampleResult forward_backward(const Architecture& arch, std::span<const double> params,
                              std::span<const double> x, std::span<const double> y);
// Mean loss over a batch (X: B x l0, Y: B x ln row-major).
double batch_loss(const Architecture& arch, std::span<const double> params,
                  std::span<const double> x, std::span<const double> y, long batch);

}  // namespace annlab::reference
