// The glass box: every number the chapter draws for one sample, named the chapter's way.
#pragma once
#include <string>
#include <vector>

#include "annlab/core/network.hpp"
#include "annlab/core/propagate.hpp"

namespace annlab {

struct NodeTrace {
  int id;            // global node number (1-based, once across the network)
  std::string name;  // "I1", "H4", "O6"
  int layer, index;  // layer 0..n, index within the layer
  double in;         // pre-activation (node input); for input nodes the predictor itself
  double out;        // post-activation (node output)
  double dL_din;     // dL/d(node input)
  double dL_dout;    // dL/d(node output)
};
struct WeightTrace {
  int from, to;      // global node ids: λ(from,to)
  std::string name;  // "λ(1,4)"
  int layer;         // 1..n
  double value;
  double grad;  // dL/dλ for this sample = out(from)·dL/din(to)
};
struct BiasTrace {
  int node;
  std::string name;  // "b4"
  int layer;
  double value;
  double grad;  // dL/db = dL/din(node)
};
struct SampleTrace {
  std::vector<NodeTrace> nodes;      // in id order: inputs, hidden..., outputs
  std::vector<WeightTrace> weights;  // flat parameter order
  std::vector<BiasTrace> biases;     // flat parameter order
  std::vector<double> prediction, target;
  double loss = 0.0;
};
struct BatchTrace {
  std::vector<SampleTrace> samples;
  std::vector<double> weight_grad, bias_grad;  // averaged over the batch, flat order
  double loss = 0.0;                           // mean
};

// Reads row `row` of the propagator's last forward+backward pass against Y.
template <class T>
SampleTrace read_trace(const Network<T>& net, const Propagator<T>& pass, const T* y, long row);

// Runs forward+backward on one sample (x: l0, y: ln) and names every number.
template <class T>
SampleTrace trace_sample(const Network<T>& net, const T* x, const T* y);
// The same for a batch, with the averaged parameter gradients.
template <class T>
BatchTrace trace_batch(const Network<T>& net, const T* x, const T* y, long batch);

}  // namespace annlab
