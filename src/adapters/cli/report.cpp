#include "report.hpp"

#include <fmt/format.h>

#include <cmath>

namespace annlab::cli {

std::string report_header(const data::Table& table, const workflow::RunResult& res,
                          const workflow::RunConfig& c) {
  const auto& m = res.model;
  const ParameterCount count = count_parameters(m.arch.widths);
  std::string s = fmt::format("annlab train: {}, {} rows -> train {}, validation {}, test {}\n",
                              table.source, table.rows.size(), res.split.train.size(),
                              res.split.validation.size(), res.split.test.size());
  std::string targets;
  for (const auto& t : m.preprocessing.targets) targets += (targets.empty() ? "" : ", ") + t.name;
  s += fmt::format(
      "{} {} from {} input nodes ({} columns)\n",
      m.preprocessing.task == data::Task::regression ? "regression of" : "classification of",
      targets, m.preprocessing.inputs(), m.preprocessing.features.size());
  s += fmt::format("network {}, {} parameters\n", m.arch.describe(), count.total);
  const auto& o = c.train.optimizer;
  s += fmt::format(
      "optimizer {} ({}), schedule {}, batch {}, {} epochs, seed {}\n", optimizer_name(o.kind),
      o.kind == OptimizerKind::lbfgs ? std::string("strong-Wolfe line search")
                                     : fmt::format("lr {}", o.learning_rate),
      schedule_name(c.train.schedule.kind),
      c.train.batch_size == 0 ? std::string("full") : std::to_string(c.train.batch_size),
      c.train.epochs, c.train.seed);
  return s;
}

std::string metrics_table(
    const data::Preprocessor& pre,
    const std::vector<std::pair<const char*, const workflow::SplitMetrics*>>& splits) {
  std::string s;
  if (pre.task == data::Task::regression) {
    std::string units;
    for (const auto& t : pre.targets) units += (units.empty() ? "" : ", ") + t.name;
    s += fmt::format("{:<12} {:>8} {:>14} {:>14} {:>10}    (in the units of {})\n", "", "rows",
                     "RMSE", "MAE", "R²", units);
    for (const auto& [name, m] : splits) {
      if (!m || m->rows == 0 || !m->regression) continue;
      s += fmt::format("{:<12} {:>8} {:>14.6g} {:>14.6g} {:>10.4f}\n", name, m->rows,
                       m->regression->rmse, m->regression->mae, m->regression->r2);
    }
  } else {
    s += fmt::format("{:<12} {:>8} {:>10} {:>10} {:>10}\n", "", "rows", "accuracy", "log loss",
                     "macro F1");
    for (const auto& [name, m] : splits) {
      if (!m || m->rows == 0 || !m->classification) continue;
      s += fmt::format("{:<12} {:>8} {:>10.4f} {:>10.4f} {:>10.4f}\n", name, m->rows,
                       m->classification->accuracy, m->classification->log_loss,
                       m->classification->macro_f1);
    }
  }
  return s;
}

std::string cross_validation_text(const workflow::FoldReport& r) {
  const std::size_t k = r.folds.size();
  std::vector<double> v;
  std::string name;
  for (const auto& f : r.folds) {
    if (f.regression) {
      v.push_back(f.regression->rmse);
      name = "RMSE";
    } else if (f.classification) {
      v.push_back(f.classification->accuracy);
      name = "accuracy";
    }
  }
  double mean = 0, var = 0;
  for (double x : v) mean += x / double(v.size());
  for (double x : v) var += (x - mean) * (x - mean) / double(v.size() > 1 ? v.size() - 1 : 1);
  std::string s = fmt::format("{}-fold cross-validation, validation {} per fold:", k, name);
  for (double x : v) s += fmt::format(" {:.4g}", x);
  s += fmt::format("\n  mean {:.6g} ± {:.3g} (sample std)\n", mean, std::sqrt(var));
  return s;
}

std::string classification_details(const data::Preprocessor& pre,
                                   const data::ClassificationMetrics& m) {
  const auto& cats = pre.targets[0].categories;
  std::size_t w = 9;
  for (const auto& c : cats) w = std::max(w, c.size() + 1);
  std::string s =
      fmt::format("confusion matrix (rows: true {}, columns: predicted)\n", pre.targets[0].name);
  s += fmt::format("{:<{}}", "", w);
  for (const auto& c : cats) s += fmt::format(" {:>{}}", c, w);
  s += "\n";
  for (std::size_t i = 0; i < cats.size() && i < m.confusion.size(); ++i) {
    s += fmt::format("{:<{}}", cats[i], w);
    for (long n : m.confusion[i]) s += fmt::format(" {:>{}}", n, w);
    s += "\n";
  }
  s += fmt::format("\n{:<{}} {:>10} {:>10} {:>10}\n", "class", w, "precision", "recall", "F1");
  for (std::size_t i = 0; i < cats.size() && i < m.precision.size(); ++i)
    s += fmt::format("{:<{}} {:>10.4f} {:>10.4f} {:>10.4f}\n", cats[i], w, m.precision[i],
                     m.recall[i], m.f1[i]);
  return s;
}

}  // namespace annlab::cli
