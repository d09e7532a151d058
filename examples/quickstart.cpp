// annlab quick start: the chapter's 3-2-1 network, one trace, then 100 epochs of training.
//   build/release/examples/quickstart
#include <cstdio>

#include "annlab/core/init.hpp"
#include "annlab/core/trace.hpp"
#include "annlab/train/gd.hpp"

int main() {
  using namespace annlab;
  // Widths L = [3, 2, 1]: inputs I1..I3, sigmoid hidden nodes H4, H5, linear output O6.
  const Architecture arch{{3, 2, 1},
                          {Activation::parse("sigmoid"), Activation::parse("identity")},
                          LossKind::half_squared_error};  // L = ½(O6 - y)²
  Network<double> net(arch);                              // all 11 parameters in one flat buffer

  // The chapter's initialization: np.random.seed(13), Xavier weights, small uniform biases.
  NumpyRandom rng(13);
  initialize(net, InitSpec{WeightInit::xavier, BiasInit::chapter_uniform}, rng);

  // One sample; the trace names every number the chapter draws.
  const double x[] = {0.5, 0.2, 0.7}, y[] = {0.3};
  const SampleTrace t = trace_sample(net, x, y);
  for (const NodeTrace& n : t.nodes)
    std::printf("%-3s in %+.4f  out %+.4f  dL/d in %+.4f\n", n.name.c_str(), n.in, n.out, n.dL_din);
  // The chain rule for one weight: dL/dλ(4,6) = H4 · dL/dO6_in.
  const WeightTrace& w46 = t.weights[6];
  std::printf("%s = %.4f: dL/d%s = H4 · dL/dO6_in = %.4f · %.4f = %.4f\n", w46.name.c_str(),
              w46.value, w46.name.c_str(), t.nodes[3].out, t.nodes[5].dL_din, w46.grad);

  // 100 epochs of gradient descent, η = 0.2 (forward, backward, λ ← λ - η·dL/dλ).
  train_full_batch_gd(net, x, y, /*rows=*/1, /*learning_rate=*/0.2, /*epochs=*/100);
  std::printf("after 100 epochs: O6 = %.4f (target %.1f)\n", trace_sample(net, x, y).prediction[0],
              y[0]);
}
