#include "annlab/core/gradcheck.hpp"

#include <algorithm>
#include <cmath>

#include "annlab/core/error.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/core/reference.hpp"

namespace annlab {
namespace {
double rel_error(double a, double b, double floor) {
  return std::abs(a - b) / std::max({std::abs(a), std::abs(b), floor});
}
}  // namespace

GradCheckReport gradient_check(const Network<double>& net, const double* x, const double* y,
                               long batch, const GradCheckOptions& opt) {
  const Architecture& arch = net.architecture();
  arch.validate(/*for_training=*/true);
  if (batch <= 0) throw UsageError("gradient check needs at least one row");
  if (!(opt.eps > 0)) throw UsageError("gradient check step eps must be > 0");
  const long l0 = arch.inputs(), ln = arch.outputs();
  // Analytic derivatives from the fast path.
  Propagator<double> pass(arch);
  pass.forward(net, x, batch);
  std::vector<double> grad(net.layout().size);
  pass.backward(net, y, grad);

  GradCheckReport rep;
  rep.eps = opt.eps;
  rep.floor = opt.floor;
  rep.worst.error = -1;
  auto record = [&](GradCheckEntry e) {
    e.error = rel_error(e.analytic, e.numeric, opt.floor);
    if (e.error > rep.worst.error || std::isnan(e.error)) rep.worst = e;
    ++rep.checked;
    rep.entries.push_back(std::move(e));
  };

  std::vector<double> theta(net.parameters().begin(), net.parameters().end());
  const std::span<const double> xs(x, batch * l0), ys(y, batch * ln);
  const NodeNames names(arch.widths);
  for (int l = 1; l <= arch.layers(); ++l) {
    const int p = arch.widths[l - 1], k = arch.widths[l];
    for (int j = 0; j < k; ++j) {
      for (int i = -1; i < p; ++i) {  // i = -1: the bias of node j
        const std::size_t e = i < 0 ? net.layout().bias_offset[l - 1] + j
                                    : net.layout().weight_offset[l - 1] + j * p + i;
        const double saved = theta[e];
        const double h = opt.eps * std::max(1.0, std::abs(saved));
        theta[e] = saved + h;
        const double up = reference::batch_loss(arch, theta, xs, ys, batch);
        theta[e] = saved - h;
        const double down = reference::batch_loss(arch, theta, xs, ys, batch);
        theta[e] = saved;
        record({i < 0 ? names.bias(l, j) : names.weight(l, j, i), i < 0 ? "bias" : "weight", l,
                grad[e], (up - down) / (2 * h), 0});
      }
    }
  }
  if (opt.inputs) {
    std::vector<double> xr(l0);
    for (long r = 0; r < batch; ++r) {
      std::copy(x + r * l0, x + (r + 1) * l0, xr.begin());
      const std::span<const double> yr(y + r * ln, ln);
      for (long i = 0; i < l0; ++i) {
        const double saved = xr[i];
        const double h = opt.eps * std::max(1.0, std::abs(saved));
        xr[i] = saved + h;
        const double up = reference::forward(arch, theta, xr, yr).loss;
        xr[i] = saved - h;
        const double down = reference::forward(arch, theta, xr, yr).loss;
        xr[i] = saved;
        record({names.node(0, int(i)) + "[row " + std::to_string(r) + "]", "input", 0,
                pass.da(0)[r * l0 + i], (up - down) / (2 * h), 0});
      }
    }
  }
  return rep;
}

}  // namespace annlab
