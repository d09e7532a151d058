// The naive reference path: node by node, connection by connection, as the chapter
// derives it. No shared kernels with the fast path; only the scalar activation formulas
// and the loss definitions are common.
#include "annlab/core/reference.hpp"

#include <cmath>

#include "annlab/core/error.hpp"

namespace annlab::reference {
namespace {

void check_sizes(const Architecture& arch, std::span<const double> params,
                 std::span<const double> x, std::span<const double> y) {
  if (params.size() != ParameterLayout(arch.widths).size ||
      x.size() != static_cast<std::size_t>(arch.inputs()) ||
      y.size() != static_cast<std::size_t>(arch.outputs()))
    throw UsageError("reference path: parameter, input or target size does not fit " +
                     arch.describe());
}

// Forward pass into r.in / r.out and the loss.
void run_forward(const Architecture& arch, std::span<const double> params,
                 std::span<const double> x, std::span<const double> y, SampleResult& r) {
  const auto& w = arch.widths;
  const int n = arch.layers();
  const ParameterLayout layout(w);
  r.in.assign(n + 1, {});
  r.out.assign(n + 1, {});
  r.in[0].assign(x.begin(), x.end());
  r.out[0].assign(x.begin(), x.end());
  for (int l = 1; l <= n; ++l) {
    r.in[l].assign(w[l], 0.0);
    r.out[l].assign(w[l], 0.0);
    for (int j = 0; j < w[l]; ++j) {
      // H_j_in = Σ_i λ(i,j)·out_i + b_j
      double s = params[layout.bias_offset[l - 1] + j];
      for (int i = 0; i < w[l - 1]; ++i)
        s += params[layout.weight_offset[l - 1] + j * w[l - 1] + i] * r.out[l - 1][i];
      r.in[l][j] = s;
    }
    const Activation& act = arch.activations[l - 1];
    if (act.kind == ActivationKind::softmax) {
      double m = r.in[l][0], sum = 0;
      for (double v : r.in[l]) m = std::max(m, v);
      for (int j = 0; j < w[l]; ++j) sum += std::exp(r.in[l][j] - m);
      for (int j = 0; j < w[l]; ++j) r.out[l][j] = std::exp(r.in[l][j] - m) / sum;
    } else {
      for (int j = 0; j < w[l]; ++j) r.out[l][j] = activation_value(act, r.in[l][j]);
    }
  }
  const auto& yhat = r.out[n];
  double L = 0;
  switch (arch.loss) {
    case LossKind::half_squared_error:
      for (int k = 0; k < w[n]; ++k) L += 0.5 * (yhat[k] - y[k]) * (yhat[k] - y[k]);
      break;
    case LossKind::mean_squared_error:
      for (int k = 0; k < w[n]; ++k) L += (yhat[k] - y[k]) * (yhat[k] - y[k]) / w[n];
      break;
    case LossKind::softmax_cross_entropy: {
      double m = r.in[n][0], sum = 0;
      for (double v : r.in[n]) m = std::max(m, v);
      for (double v : r.in[n]) sum += std::exp(v - m);
      for (int k = 0; k < w[n]; ++k)
        if (y[k] != 0) L -= y[k] * (r.in[n][k] - m - std::log(sum));
      break;
    }
  }
  r.loss = L;
}

}  // namespace

SampleResult forward(const Architecture& arch, std::span<const double> params,
                     std::span<const double> x, std::span<const double> y) {
  check_sizes(arch, params, x, y);
  SampleResult r;
  run_forward(arch, params, x, y, r);
  return r;
}

SampleResult forward_backward(const Architecture& arch, std::span<const double> params,
                              std::span<const double> x, std::span<const double> y) {
  arch.validate(/*for_training=*/true);
  check_sizes(arch, params, x, y);
  SampleResult r;
  run_forward(arch, params, x, y, r);
  const auto& w = arch.widths;
  const int n = arch.layers();
  const ParameterLayout layout(w);
  r.dL_din.assign(n + 1, {});
  r.dL_dout.assign(n + 1, {});
  for (int l = 0; l <= n; ++l) {
    r.dL_din[l].assign(w[l], 0.0);
    r.dL_dout[l].assign(w[l], 0.0);
  }
  r.grad.assign(layout.size, 0.0);
  // Output nodes: dL/dŷ from the loss.
  for (int k = 0; k < w[n]; ++k) {
    const double d = r.out[n][k] - y[k];
    switch (arch.loss) {
      case LossKind::half_squared_error:
        r.dL_dout[n][k] = d;
        break;
      case LossKind::mean_squared_error:
        r.dL_dout[n][k] = 2.0 * d / w[n];
        break;
      case LossKind::softmax_cross_entropy:
        r.dL_dout[n][k] = y[k] == 0 ? 0.0 : -y[k] / r.out[n][k];
        break;
    }
  }
  for (int l = n; l >= 1; --l) {
    const Activation& act = arch.activations[l - 1];
    // Through the node: dL/d(input) from dL/d(output).
    for (int j = 0; j < w[l]; ++j) {
      if (act.kind == ActivationKind::softmax) {
        // dL/dz_j = Σ_k dL/dO_k · dO_k/dz_j,  dO_k/dz_j = O_k([k==j] - O_j)
        double s = 0;
        for (int k = 0; k < w[l]; ++k)
          s += r.dL_dout[l][k] * r.out[l][k] * ((k == j ? 1.0 : 0.0) - r.out[l][j]);
        r.dL_din[l][j] = s;
      } else {
        r.dL_din[l][j] = activation_derivative(act, r.in[l][j]) * r.dL_dout[l][j];
      }
    }
    // Along each connection into node j: weight, bias, and the node it comes from.
    for (int j = 0; j < w[l]; ++j) {
      r.grad[layout.bias_offset[l - 1] + j] = r.dL_din[l][j];
      for (int i = 0; i < w[l - 1]; ++i) {
        const std::size_t e = layout.weight_offset[l - 1] + j * w[l - 1] + i;
        r.grad[e] = r.out[l - 1][i] * r.dL_din[l][j];
        r.dL_dout[l - 1][i] += params[e] * r.dL_din[l][j];  // paths meeting at node i add up
      }
    }
  }
  r.dL_din[0] = r.dL_dout[0];  // input nodes are identity
  return r;
}

double batch_loss(const Architecture& arch, std::span<const double> params,
                  std::span<const double> x, std::span<const double> y, long batch) {
  const std::size_t l0 = arch.inputs(), ln = arch.outputs();
  double sum = 0;
  for (long r = 0; r < batch; ++r)
    sum += forward(arch, params, x.subspan(r * l0, l0), y.subspan(r * ln, ln)).loss;
  return sum / double(batch);
}

}  // namespace annlab::reference
