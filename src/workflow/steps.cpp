// The steps of a run one at a time (steps.hpp). train_on_table (run.cpp) is built from them.
#include "annlab/workflow/steps.hpp"

#include <utility>

#include "../data/values.hpp"
#include "annlab/core/error.hpp"
#include "run_steps.hpp"

#ifndef ANNLAB_VERSION
#define ANNLAB_VERSION "0.0.0"
#endif

namespace annlab::workflow {

PreparedRun prepare_run(const data::Table& table, const RunConfig& c, long min_rows) {
  if (c.columns.targets.empty())
    throw UsageError("name the column to predict with --target (e.g. --target Prod)");
  PreparedRun run;
  run.prepared = data::prepare(table, c.columns);
  const data::Prepared& p = run.prepared;
  if (static_cast<long>(p.rows.size()) < min_rows)
    throw data::DataError(table.source, 0, 0,
                          "needs at least " + std::to_string(min_rows) +
                              " usable rows to train, found " + std::to_string(p.rows.size()));
  const bool classes = p.unfitted.task == data::Task::classification;
  if (classes && c.stratify) run.labels = p.unfitted.labels_of(table, p.rows);
  run.split = data::split_rows(p.rows, c.validation_fraction, c.test_fraction, c.train.seed,
                               run.labels.empty() ? nullptr : &run.labels);
  if (run.split.train.empty()) throw UsageError("no rows left to train on after the split");
  run.preprocessing = data::fit(table, p, run.split.train, c.feature_scaling, c.target_scaling);
  run.arch = detail::build_architecture(c, run.preprocessing);
  run.train = detail::matrices(table, run.preprocessing, run.split.train);
  run.validation = detail::matrices(table, run.preprocessing, run.split.validation);
  run.test = detail::matrices(table, run.preprocessing, run.split.test);
  return run;
}

SplitMetrics split_metrics(const data::Preprocessor& pre, const std::vector<double>& yhat_model,
                           const std::vector<double>& y_model, long rows) {
  return detail::metrics_of(pre, yhat_model, y_model, rows);
}

std::map<std::string, double> metric_values(const SplitMetrics& m) {
  return detail::flat_metrics(m);
}

template <class T>
std::function<std::map<std::string, double>(const T*, const T*, long)> epoch_metrics(
    const data::Preprocessor& pre) {
  return [&pre](const T* yhat, const T* y, long rows) {
    const long k = pre.outputs();
    if (pre.task == data::Task::classification && rows > 0) {
      // The two numbers the history keeps, in place (metrics_of's values, no copies).
      const data::ClassificationScores s = data::classification_scores(yhat, y, rows, k);
      return std::map<std::string, double>{{"accuracy", s.accuracy}, {"log_loss", s.log_loss}};
    }
    return metric_values(split_metrics(pre, std::vector<double>(yhat, yhat + rows * k),
                                       std::vector<double>(y, y + rows * k), rows));
  };
}
template std::function<std::map<std::string, double>(const float*, const float*, long)>
epoch_metrics<float>(const data::Preprocessor&);
template std::function<std::map<std::string, double>(const double*, const double*, long)>
epoch_metrics<double>(const data::Preprocessor&);

Model make_model(const data::Table& table, const PreparedRun& run, const RunConfig& c,
                 std::vector<double> parameters, const SplitMetrics& train,
                 const SplitMetrics& validation, const SplitMetrics& test) {
  Model m;
  m.arch = run.arch;
  m.parameters = std::move(parameters);
  m.float32 = c.float32;
  m.preprocessing = run.preprocessing;
  m.run_config = run_config_json(c, -1);
  m.seed = c.train.seed;
  m.data_file = table.source;
  m.data_hash = data::table_hash(table);
  m.data_rows = static_cast<long>(table.rows.size());
  m.annlab_version = ANNLAB_VERSION;
  for (const auto& [name, split] :
       {std::pair{"train", &train}, std::pair{"validation", &validation}, std::pair{"test", &test}})
    for (const auto& [k, v] : detail::flat_metrics(*split))
      m.metrics[std::string(name) + "." + k] = v;
  return m;
}

std::vector<ColumnSummary> summarize_columns(const data::Table& t) {
  const std::vector<std::string> markers = data::ColumnRequest{}.missing_markers;
  std::vector<ColumnSummary> out(t.columns.size());
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    out[c].name = t.columns[c];
    for (const auto& row : t.rows) {
      if (data::detail::is_missing(row[c], markers)) {
        ++out[c].missing;
        continue;
      }
      double v = 0;
      if (data::detail::parse_number(row[c], v) != data::detail::NumberStatus::ok)
        out[c].kind = data::ColumnKind::categorical;
    }
  }
  return out;
}

}  // namespace annlab::workflow
