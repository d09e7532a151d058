// Text rendering of traces for the terminal, the way the chapter draws them.
#pragma once
#include <string>

#include "annlab/core/trace.hpp"

namespace annlab::cli {

// Weights (value, forward contribution, dL/dλ), biases, then nodes (in, out, dL/d in,
// dL/d out), with `digits` decimals.
std::string render_trace(const Architecture& arch, const SampleTrace& t, int digits);

}  // namespace annlab::cli
