// A whole run on the user's CSV, the way every surface does it: read, select columns,
// split, fit the preprocessing on the training rows, build and initialize the network,
// train, evaluate in the data's own units. The CLI, the dashboard and Python call this,
// so the same configuration and data give the same model everywhere.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "annlab/core/architecture.hpp"
#include "annlab/core/init.hpp"
#include "annlab/data/csv.hpp"
#include "annlab/data/dataset.hpp"
#include "annlab/data/metrics.hpp"
#include "annlab/train/trainer.hpp"
#include "annlab/workflow/model.hpp"

namespace annlab::workflow {

// Everything that decides a run. Stored in the model file, so a run can be repeated exactly;
// read from and written to JSON (run_config_json / parse_run_config) with the CLI's names.
struct RunConfig {
  // data
  data::ColumnRequest columns;
  data::Scaling feature_scaling = data::Scaling::minmax01;
  data::Scaling target_scaling = data::Scaling::minmax01;  // regression targets only
  double validation_fraction = 0.0;
  double test_fraction = 0.0;
  bool stratify = true;  // classification splits keep class proportions
  int kfold = 0;         // >= 2: k-fold cross-validation report before the final fit
  // network
  std::vector<int> hidden{100};           // hidden layer widths (may be empty)
  std::vector<Activation> activations{};  // 1 (all hidden layers) or one per hidden layer;
                                          // empty: relu
  std::optional<Activation> output;       // default: identity (regression), softmax (classes)
  std::optional<LossKind> loss;           // default: mean_squared_error / softmax_cross_entropy
  InitSpec init{WeightInit::normalized_xavier, BiasInit::zeros, 0, 0};
  bool float32 = false;  // train in float (faster) instead of double
  // training
  TrainConfig train;
  RunConfig();  // sets the training defaults (adam, lr 0.001, batch 32, 200 epochs)
};

std::string run_config_json(const RunConfig& c, int indent = 2);
// Unknown keys and wrong types are errors naming the key (std::invalid_argument).
RunConfig parse_run_config(const std::string& json_text, const std::string& source);

struct SplitMetrics {
  long rows = 0;
  std::optional<data::RegressionMetrics> regression;  // in the targets' own units
  std::optional<data::ClassificationMetrics> classification;
};

struct FoldReport {
  std::vector<SplitMetrics> folds;  // validation metrics of each fold
};

struct RunResult {
  Model model;
  History history;
  SplitMetrics train, validation, test;
  std::optional<FoldReport> cross_validation;
  data::Split split;
};

struct RunCallbacks {
  std::function<void(const EpochRecord&, int epochs)> on_epoch;  // progress
  std::function<void(int fold, int folds)> on_fold;              // k-fold progress
  std::function<bool()> should_stop;                             // Ctrl-C
};

// Trains on `table` (already read). Throws data::DataError for bad data,
// std::invalid_argument for impossible configurations, DivergenceError when training
// diverges (no model is returned from a diverged state).
RunResult train_on_table(const data::Table& table, const RunConfig& config,
                         const RunCallbacks& callbacks = {});

// Predictions for every row of `table` (only the model's feature columns are needed).
struct Predictions {
  long rows = 0;
  std::vector<std::string> columns;  // output column names
  std::vector<double> values;        // rows x columns: regression values in the targets'
                                     // units; classification: class probabilities
  std::vector<std::string> labels;   // classification: the predicted class of each row
};
Predictions predict_table(const Model& model, const data::Table& table);

// Metrics of the model on a table that has the target columns.
SplitMetrics evaluate_table(const Model& model, const data::Table& table);

// The full trace of one row (0-based data row) against its targets, in model units.
SampleTrace trace_row(const Model& model, const data::Table& table, long row);

}  // namespace annlab::workflow
