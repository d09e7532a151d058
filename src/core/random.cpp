#include "annlab/core/random.hpp"

#include <cmath>

namespace annlab {

// NumPy's legacy_gauss: polar Box-Muller; each accepted pair yields two normals, the
// second cached for the next call (so the stream matches np.random.standard_normal).
double NumpyRandom::standard_normal() {
  if (has_gauss_) {
    has_gauss_ = false;
    return gauss_;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * random() - 1.0;
    x2 = 2.0 * random() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss_ = f * x1;
  has_gauss_ = true;
  return f * x2;
}

// Rejection sampling on 64-bit draws: unbiased for every n.
std::uint64_t NumpyRandom::below(std::uint64_t n) {
  if (n <= 1) return 0;
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  while (true) {
    const std::uint64_t v = (std::uint64_t(mt_()) << 32) | std::uint64_t(mt_());
    if (v < limit) return v % n;
  }
}

}  // namespace annlab
