// One seeded random stream for every draw annlab makes. It is NumPy's legacy generator
// (np.random.seed / np.random.random / np.random.normal) reproduced draw for draw, so the
// chapter's example and any NumPy script seeded the same way give the same parameters.
#pragma once
#include <cstdint>
#include <random>

namespace annlab {

class NumpyRandom {
 public:
  explicit NumpyRandom(std::uint32_t seed = 0) { seed_stream(seed); }
  // np.random.seed(seed): MT19937 init_genrand(seed), identical to std::mt19937(seed).
  void seed_stream(std::uint32_t seed) {
    mt_.seed(seed);
    has_gauss_ = false;
  }
  // np.random.random(): 53-bit double in [0,1) from two 32-bit outputs a, b.
  double random() {
    const std::uint32_t a = static_cast<std::uint32_t>(mt_()) >> 5;
    const std::uint32_t b = static_cast<std::uint32_t>(mt_()) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }
  // np.random.uniform(low, high) = low + (high - low)·random().
  double uniform(double low, double high) { return low + (high - low) * random(); }
  // np.random.standard_normal() (legacy polar Box-Muller with the cached second value).
  double standard_normal();
  double normal(double mean, double stddev) { return mean + stddev * standard_normal(); }
  // Uniform integer in [0, n) (for shuffles); not NumPy's randint stream.
  std::uint64_t below(std::uint64_t n);

 private:
  std::mt19937 mt_;
  bool has_gauss_ = false;
  double gauss_ = 0.0;
};

}  // namespace annlab
