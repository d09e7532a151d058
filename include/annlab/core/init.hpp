// Parameter initializers. Draw order (the chapter's): every weight of every layer first,
// layer by layer in the flat order (into node j, from node i), then every bias.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "annlab/core/network.hpp"
#include "annlab/core/random.hpp"

namespace annlab {

enum class WeightInit {
  xavier,             // U[-1/√p, 1/√p], p = inputs to the node (the chapter)
  normalized_xavier,  // Glorot: U[-√6/√(p+k), √6/√(p+k)], k = outputs of the layer
  he,                 // N(0, 2/p)
  he_uniform,         // U[-√(6/p), √(6/p)]
  zeros,
  constant,
};
enum class BiasInit {
  zeros,
  constant,
  chapter_uniform,  // (u - 0.5)·0.5, u ~ U[0,1): the chapter's small-uniform biases
};

struct InitSpec {
  WeightInit weights = WeightInit::xavier;
  BiasInit biases = BiasInit::chapter_uniform;
  double weight_constant = 0.0;
  double bias_constant = 0.0;
};

WeightInit parse_weight_init(std::string_view text);  // throws UsageError listing names
BiasInit parse_bias_init(std::string_view text);
std::string weight_init_name(WeightInit w);
std::string bias_init_name(BiasInit b);
std::vector<std::string> weight_init_names();
std::vector<std::string> bias_init_names();

// Fills net.parameters() from rng (draws are made in double, then stored as T).
template <class T>
void initialize(Network<T>& net, const InitSpec& spec, NumpyRandom& rng);

}  // namespace annlab
