// The JSON documents every surface shares (schema in docs/formats.md). Dumped as text so
// that callers need not include a JSON library; numbers round-trip exactly (shortest
// representation that reads back to the same double).
#pragma once
#include <string>

#include "annlab/core/architecture.hpp"
#include "annlab/core/trace.hpp"
#include "annlab/train/chapter.hpp"

namespace annlab::formats {

inline constexpr int kHistoryVersion = 1;

// {"widths", "activations", "loss", "nodes", "weights", "biases"}
std::string network_json(const Architecture& arch, int indent = -1);
// One sample's trace in the "annlab.trace" document.
std::string trace_json(const Architecture& arch, const SampleTrace& trace, int indent = -1);
// The whole trajectory in the "annlab.history" document.
std::string history_json(const TraceHistory& history, const std::string& annlab_version,
                         int indent = -1);

}  // namespace annlab::formats
