// Shared pieces of the randomized core tests: every differentiable hidden activation, an
// output choice, and uniform draws from a test-local generator.
#pragma once
#include <random>
#include <vector>

#include "annlab/core/activation.hpp"
#include "annlab/core/loss.hpp"

namespace annlab::test {

inline std::vector<Activation> hidden_activations() {
  using K = ActivationKind;
  return {
      Activation::of(K::identity), Activation::of(K::sigmoid),    Activation::of(K::tanh),
      Activation::of(K::relu),     Activation::of(K::leaky_relu), Activation{K::leaky_relu, 0.2},
      Activation::of(K::elu),      Activation{K::elu, 0.5},       Activation::of(K::softplus)};
}

struct OutputChoice {
  Activation act;
  LossKind loss;
};

inline double uniform(std::mt19937_64& g, double lo, double hi) {
  return lo + (hi - lo) * std::uniform_real_distribution<double>(0.0, 1.0)(g);
}

}  // namespace annlab::test
