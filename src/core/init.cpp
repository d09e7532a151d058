#include "annlab/core/init.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "annlab/core/error.hpp"

namespace annlab {
namespace {
struct WRow {
  WeightInit v;
  const char* name;
};
constexpr WRow kWeights[] = {
    {WeightInit::xavier, "xavier"}, {WeightInit::normalized_xavier, "normalized_xavier"},
    {WeightInit::he, "he"},         {WeightInit::he_uniform, "he_uniform"},
    {WeightInit::zeros, "zeros"},   {WeightInit::constant, "constant"}};
struct BRow {
  BiasInit v;
  const char* name;
};
constexpr BRow kBiases[] = {{BiasInit::zeros, "zeros"},
                            {BiasInit::constant, "constant"},
                            {BiasInit::chapter_uniform, "chapter_uniform"}};
std::string lower(std::string_view t) {
  std::string s(t);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  return s;
}
}  // namespace

WeightInit parse_weight_init(std::string_view text) {
  std::string s = lower(text);
  if (s == "glorot" || s == "glorot_uniform") s = "normalized_xavier";
  if (s == "he_normal" || s == "kaiming") s = "he";
  for (const WRow& r : kWeights)
    if (s == r.name) return r.v;
  std::string names;
  for (const WRow& r : kWeights) names += (names.empty() ? "" : ", ") + std::string(r.name);
  throw UsageError("unknown weight initializer '" + std::string(text) + "' (expected one of " +
                   names + ")");
}
BiasInit parse_bias_init(std::string_view text) {
  const std::string s = lower(text);
  for (const BRow& r : kBiases)
    if (s == r.name) return r.v;
  throw UsageError("unknown bias initializer '" + std::string(text) +
                   "' (expected zeros, constant or chapter_uniform)");
}
std::string weight_init_name(WeightInit w) {
  for (const WRow& r : kWeights)
    if (r.v == w) return r.name;
  return "?";
}
std::string bias_init_name(BiasInit b) {
  for (const BRow& r : kBiases)
    if (r.v == b) return r.name;
  return "?";
}
std::vector<std::string> weight_init_names() {
  std::vector<std::string> v;
  for (const WRow& r : kWeights) v.emplace_back(r.name);
  return v;
}
std::vector<std::string> bias_init_names() {
  std::vector<std::string> v;
  for (const BRow& r : kBiases) v.emplace_back(r.name);
  return v;
}

template <class T>
void initialize(Network<T>& net, const InitSpec& spec, NumpyRandom& rng) {
  const auto& w = net.architecture().widths;
  const int n = net.architecture().layers();
  // Weights of every layer first (the chapter's draw order), into node j from node i.
  for (int l = 1; l <= n; ++l) {
    const double p = w[l - 1], k = w[l];
    T* W = net.weights(l);
    const long count = static_cast<long>(p * k);
    for (long e = 0; e < count; ++e) {
      double v = 0;
      switch (spec.weights) {
        case WeightInit::xavier:
          v = rng.uniform(-1.0 / std::sqrt(p), 1.0 / std::sqrt(p));
          break;
        case WeightInit::normalized_xavier: {
          const double lim = std::sqrt(6.0) / std::sqrt(p + k);
          v = rng.uniform(-lim, lim);
          break;
        }
        case WeightInit::he:
          v = rng.normal(0.0, std::sqrt(2.0 / p));
          break;
        case WeightInit::he_uniform: {
          const double lim = std::sqrt(6.0 / p);
          v = rng.uniform(-lim, lim);
          break;
        }
        case WeightInit::zeros:
          v = 0;
          break;
        case WeightInit::constant:
          v = spec.weight_constant;
          break;
      }
      W[e] = static_cast<T>(v);
    }
  }
  // Then every bias.
  for (int l = 1; l <= n; ++l) {
    T* b = net.biases(l);
    for (int j = 0; j < w[l]; ++j) {
      double v = 0;
      switch (spec.biases) {
        case BiasInit::zeros:
          v = 0;
          break;
        case BiasInit::constant:
          v = spec.bias_constant;
          break;
        case BiasInit::chapter_uniform:
          v = (rng.random() - 0.5) * 0.5;
          break;
      }
      b[j] = static_cast<T>(v);
    }
  }
}

template void initialize<float>(Network<float>&, const InitSpec&, NumpyRandom&);
template void initialize<double>(Network<double>&, const InitSpec&, NumpyRandom&);

}  // namespace annlab
