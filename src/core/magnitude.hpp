// |x| as an ordered bit pattern, for maxima over the parameters, gradients and optimizer
// state (trainer.cpp's divergence checks, optimizer.cpp's step bounds, propagate.cpp's
// gradient of row parts). Internal header of core and train.
//
// The sign bit cleared: an integer max over these vectorizes (a floating-point max reduction
// would not), and inf and NaN come out above every finite magnitude, so the largest is +inf
// or NaN when anything was not finite.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>

namespace annlab {

template <class T>
using MagBits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
template <class T>
inline MagBits<T> mag_bits(T x) {
  return std::bit_cast<MagBits<T>>(x) & (~MagBits<T>(0) >> 1);
}
template <class T>
inline double magnitude(MagBits<T> bits) {
  return double(std::bit_cast<T>(bits));
}

// The largest magnitude over the two halves of a for_halves pass (each half writes its own
// slot: the half starting at 0, and the other).
template <class T>
struct HalvesMax {
  MagBits<T> part[2] = {0, 0};
  void set(long begin, MagBits<T> m) { part[begin == 0 ? 0 : 1] = m; }
  double value() const { return magnitude<T>(std::max(part[0], part[1])); }
};

}  // namespace annlab
