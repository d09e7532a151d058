// The JSON documents every surface shares (schema in docs/formats.md). Dumped as text so
// that callers need not include a JSON library; numbers round-trip exactly (shortest
// representation that reads back to the same double).
#pragma once
#include <string>

#include "annlab/core/architecture.hpp"
#include "annlab/core/trace.hpp"
#include "annlab/train/chapter.hpp"
#include "annlab/train/trainer.hpp"

namespace annlab::formats {

inline constexpr int kHistoryVersion = 1;

// {"widths", "activations", "loss", "nodes", "weights", "biases"}
std::string network_json(const Architecture& arch, int indent = -1);
// One sample's trace in the "annlab.trace" document.
std::string trace_json(const Architecture& arch, const SampleTrace& trace, int indent = -1);
// The whole trajectory in the "annlab.history" document.
std::string history_json(const TraceHistory& history, const std::string& annlab_version,
                         int indent = -1);

// A training run's history in the "annlab.history" document: one record per epoch (losses,
// metrics, learning rate, time) and, at the epochs the policy recorded, the probe rows'
// full traces. `run_config` is a JSON object text stored under "run"; probe_x/probe_y are
// the probe rows (model units, rows x l0 and rows x ln).
std::string training_history_json(const Architecture& arch, const std::string& run_config,
                                  const History& history, const std::vector<double>& probe_x,
                                  const std::vector<double>& probe_y,
                                  const std::string& annlab_version, int indent = -1);
// The per-epoch records as CSV: epoch, learning_rate, train_loss, validation_loss,
// train_<metric>..., validation_<metric>..., seconds.
std::string training_history_csv(const History& history);

}  // namespace annlab::formats
