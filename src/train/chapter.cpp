#include "annlab/train/chapter.hpp"

#include "annlab/core/error.hpp"
#include "annlab/train/gd.hpp"

namespace annlab {

Architecture chapter_architecture() {
  return {{3, 2, 1},
          {Activation::of(ActivationKind::sigmoid), Activation::of(ActivationKind::identity)},
          LossKind::half_squared_error};
}

Network<double> chapter_network(std::uint32_t seed) {
  Network<double> net(chapter_architecture());
  NumpyRandom rng(seed);
  initialize(net, InitSpec{WeightInit::xavier, BiasInit::chapter_uniform, 0, 0}, rng);
  return net;
}

TraceHistory run_chapter(const ChapterConfig& c) {
  if (c.x.size() != 3 || c.y.size() != 1)
    throw UsageError("the chapter's network takes 3 inputs and 1 target");
  if (c.epochs < 0) throw UsageError("epochs must be >= 0");
  if (!(c.learning_rate > 0)) throw UsageError("learning rate must be > 0");
  TraceHistory h;
  h.arch = chapter_architecture();
  h.init = InitSpec{WeightInit::xavier, BiasInit::chapter_uniform, 0, 0};
  h.learning_rate = c.learning_rate;
  h.epochs = c.epochs;
  h.seed = c.seed;
  h.x = c.x;
  h.y = c.y;
  h.rows = 1;
  Network<double> net = chapter_network(c.seed);
  h.states.reserve(c.epochs + 1);
  train_full_batch_gd<double>(net, c.x.data(), c.y.data(), 1, c.learning_rate, c.epochs,
                              [&](int, const Propagator<double>& pass) {
                                BatchTrace bt;
                                bt.samples.push_back(read_trace(net, pass, c.y.data(), 0));
                                // One sample: the averaged gradients are that sample's.
                                for (const auto& w : bt.samples[0].weights)
                                  bt.weight_grad.push_back(w.grad);
                                for (const auto& b : bt.samples[0].biases)
                                  bt.bias_grad.push_back(b.grad);
                                bt.loss = bt.samples[0].loss;
                                h.states.push_back(std::move(bt));
                              });
  return h;
}

}  // namespace annlab
