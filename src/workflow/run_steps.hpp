// The steps of a run that do not depend on where its rows come from (a CSV table in run.cpp,
// in-memory arrays in arrays.cpp). Defined in run.cpp; internal to the workflow library, so
// that both entry points train, evaluate and report through the same code.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "annlab/core/architecture.hpp"
#include "annlab/core/network.hpp"
#include "annlab/data/dataset.hpp"
#include "annlab/train/trainer.hpp"
#include "annlab/workflow/run.hpp"
#include "annlab/workflow/steps.hpp"

namespace annlab::workflow::detail {

// Rows in model units (steps.hpp).
using Matrices = ModelRows;

// Rows of `t` (table row indices) in model units.
Matrices matrices(const data::Table& t, const data::Preprocessor& pre,
                  const std::vector<long>& rows);

// Widths [inputs, hidden..., outputs] from the preprocessing, the hidden activations
// (relu by default), the output and loss by task. Throws UsageError for impossible choices.
Architecture build_architecture(const RunConfig& c, const data::Preprocessor& pre);

// Metrics of model-unit outputs against model-unit targets, reported in the data's units.
SplitMetrics metrics_of(const data::Preprocessor& pre, const std::vector<double>& yhat_model,
                        const std::vector<double>& y_model, long rows);
// {"rmse", "mae", "r2"} or {"accuracy", "log_loss"}: the per-epoch and model-file metrics.
std::map<std::string, double> flat_metrics(const SplitMetrics& m);

// Trains `net` as it stands (new or already trained) on `train`, validated on `val`, with
// c.train; the history records the data's metrics per epoch (workflow::epoch_metrics, which
// the dashboard's session, running fit() itself, takes too). The CLI's and the Python
// module's runs train here.
template <class T>
History fit_network(Network<T>& net, const RunConfig& c, const data::Preprocessor& pre,
                    const Matrices& train, const Matrices& val, const RunCallbacks& cb);
// A network initialized from c.init and c.train.seed, trained on `train` (validated on `val`).
template <class T>
std::pair<Network<T>, History> train_network(const Architecture& arch, const RunConfig& c,
                                             const data::Preprocessor& pre, const Matrices& train,
                                             const Matrices& val, const RunCallbacks& cb);
template <class T>
SplitMetrics evaluate_network(const Network<T>& net, const data::Preprocessor& pre,
                              const Matrices& m);

}  // namespace annlab::workflow::detail
