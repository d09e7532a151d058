#include "annlab/core/trace.hpp"

#include "annlab/core/error.hpp"

namespace annlab {

template <class T>
SampleTrace read_trace(const Network<T>& net, const Propagator<T>& pass, const T* y, long row) {
  if (!pass.has_backward())
    throw UsageError("a trace reads a forward and a backward pass; run backward first");
  if (row < 0 || row >= pass.batch())
    throw UsageError("trace row " + std::to_string(row) + " is outside the batch of " +
                     std::to_string(pass.batch()));
  const Architecture& arch = net.architecture();
  const auto& w = arch.widths;
  const int n = arch.layers();
  const NodeNames names(w);
  SampleTrace t;
  for (int l = 0; l <= n; ++l)
    for (int j = 0; j < w[l]; ++j) {
      const long e = row * w[l] + j;
      t.nodes.push_back({names.id(l, j), names.node(l, j), l, j, double(pass.z(l)[e]),
                         double(pass.a(l)[e]), double(pass.dz(l)[e]), double(pass.da(l)[e])});
    }
  for (int l = 1; l <= n; ++l) {
    const T* W = net.weights(l);
    const T* b = net.biases(l);
    for (int j = 0; j < w[l]; ++j) {
      const double dzj = pass.dz(l)[row * w[l] + j];
      for (int i = 0; i < w[l - 1]; ++i)
        t.weights.push_back({names.id(l - 1, i), names.id(l, j), names.weight(l, j, i), l,
                             double(W[j * w[l - 1] + i]),
                             double(pass.a(l - 1)[row * w[l - 1] + i]) * dzj});
      t.biases.push_back({names.id(l, j), names.bias(l, j), l, double(b[j]), dzj});
    }
  }
  const long ln = w[n];
  for (long k = 0; k < ln; ++k) {
    t.prediction.push_back(double(pass.a(n)[row * ln + k]));
    t.target.push_back(double(y[row * ln + k]));
  }
  t.loss = loss_of_row(arch.loss, pass.z(n) + row * ln, pass.a(n) + row * ln, y + row * ln, ln);
  return t;
}

template <class T>
BatchTrace trace_batch(const Network<T>& net, const T* x, const T* y, long batch) {
  Propagator<T> pass(net.architecture());
  pass.forward(net, x, batch);
  std::vector<T> grad(net.layout().size);
  pass.backward(net, y, grad);
  BatchTrace bt;
  for (long r = 0; r < batch; ++r) bt.samples.push_back(read_trace(net, pass, y, r));
  const int n = net.architecture().layers();
  for (int l = 1; l <= n; ++l) {
    const auto wo = net.layout().weight_offset[l - 1], bo = net.layout().bias_offset[l - 1];
    for (std::size_t e = wo; e < bo; ++e) bt.weight_grad.push_back(double(grad[e]));
    for (int j = 0; j < net.architecture().widths[l]; ++j)
      bt.bias_grad.push_back(double(grad[bo + j]));
  }
  bt.loss = pass.loss(y);
  return bt;
}

template <class T>
SampleTrace trace_sample(const Network<T>& net, const T* x, const T* y) {
  return std::move(trace_batch(net, x, y, 1).samples.front());
}

#define ANNLAB_INSTANTIATE(T)                                                                  \
  template SampleTrace read_trace<T>(const Network<T>&, const Propagator<T>&, const T*, long); \
  template SampleTrace trace_sample<T>(const Network<T>&, const T*, const T*);                 \
  template BatchTrace trace_batch<T>(const Network<T>&, const T*, const T*, long);
ANNLAB_INSTANTIATE(float)
ANNLAB_INSTANTIATE(double)
#undef ANNLAB_INSTANTIATE

}  // namespace annlab
