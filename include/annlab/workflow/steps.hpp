// The steps of train_on_table one at a time, for a caller that drives fit() itself: the
// dashboard trains on its own thread, waits between epochs, keeps every state and computes
// views of any of them later. train_on_table is these steps plus fit() and the metrics, so
// the same table and RunConfig give the same split, preprocessing, network and model here.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "annlab/core/architecture.hpp"
#include "annlab/data/csv.hpp"
#include "annlab/data/dataset.hpp"
#include "annlab/workflow/model.hpp"
#include "annlab/workflow/run.hpp"

namespace annlab::workflow {

// Rows in model units: x is rows x inputs, y is rows x outputs (one-hot for classes).
struct ModelRows {
  std::vector<double> x, y;
  long rows = 0;
};

// Everything decided before the first epoch.
struct PreparedRun {
  data::Prepared prepared;            // columns, kinds, the usable rows
  std::vector<long> labels;           // class of each usable row for a stratified split, else empty
  data::Split split;                  // table rows of each part (ascending)
  data::Preprocessor preprocessing;   // fitted on split.train
  Architecture arch;                  // from the preprocessing and the config (validated)
  ModelRows train, validation, test;  // split.train/validation/test in model units
};

// Columns, at least `min_rows` usable rows (train_on_table needs 2), the seeded split, the
// preprocessing fitted on the training rows, the architecture and the model-unit rows.
// Throws as train_on_table does (data::DataError, UsageError); the config's kfold is not read.
PreparedRun prepare_run(const data::Table& table, const RunConfig& config, long min_rows = 2);

// Metrics of model-unit outputs (rows x outputs) against model-unit targets, in the data's
// units; and their flat form {"rmse", "mae", "r2"} or {"accuracy", "log_loss"}.
SplitMetrics split_metrics(const data::Preprocessor& pre, const std::vector<double>& yhat_model,
                           const std::vector<double>& y_model, long rows);
std::map<std::string, double> metric_values(const SplitMetrics& m);
// fit()'s per-epoch evaluator (TrainCallbacks::metrics) for this preprocessing: the values
// of metric_values(split_metrics(...)), computed in place from T for classification (no
// copies, no confusion matrix). Keeps a reference to `pre`, which must outlive training.
template <class T>
std::function<std::map<std::string, double>(const T*, const T*, long)> epoch_metrics(
    const data::Preprocessor& pre);

// The model file of a run with the given flat parameters: architecture, preprocessing,
// effective config, provenance (seed, the table's name, hash and rows) and the metrics of
// each split ("train.rmse", ...).
Model make_model(const data::Table& table, const PreparedRun& run, const RunConfig& config,
                 std::vector<double> parameters, const SplitMetrics& train,
                 const SplitMetrics& validation, const SplitMetrics& test);

// A column as the data layer types it without a request: numeric when every non-missing cell
// (empty or a missing marker) is a finite number, else categorical.
struct ColumnSummary {
  std::string name;  // "" for an unnamed column
  data::ColumnKind kind = data::ColumnKind::numeric;
  long missing = 0;  // cells that read as missing
};
std::vector<ColumnSummary> summarize_columns(const data::Table& t);

}  // namespace annlab::workflow
