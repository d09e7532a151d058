// A run on in-memory arrays: the data-specific half (checks, statistics, transforms) here,
// the rest through the steps run.cpp uses for a CSV (run_steps.hpp).
#include "annlab/workflow/arrays.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <stdexcept>

#include "annlab/core/error.hpp"
#include "run_steps.hpp"

#ifndef ANNLAB_VERSION
#define ANNLAB_VERSION "0.0.0"
#endif

namespace annlab::workflow {
namespace {

using detail::Matrices;

std::string text_of(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 30; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 30) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

// "X: missing value (NaN) in column 'Por' at row 12; ...": the CLI's words for a cell, with
// the 0-based row in place of the file's line.
[[noreturn]] void not_finite(const char* what, const std::string& column, long row, double v) {
  const std::string where = " in column '" + column + "' at row " + std::to_string(row);
  if (std::isnan(v))
    throw data::DataError(what, 0, 0,
                          "missing value (NaN)" + where +
                              "; expected a number (drop or fill the rows with missing values)");
  throw data::DataError(what, 0, 0, "expected a finite number, found " + text_of(v) + where);
}

void check_finite(const MatrixView& m, const std::vector<std::string>& names, const char* what) {
  for (long r = 0; r < m.rows; ++r)
    for (long c = 0; c < m.cols; ++c)
      if (const double v = m.at(r, c); !std::isfinite(v)) not_finite(what, names[c], r, v);
}

void check_view(const MatrixView& m, const char* what) {
  if (m.rows < 0 || m.cols < 0 || (m.rows > 0 && m.cols > 0 && m.data == nullptr))
    throw std::invalid_argument(std::string(what) + ": no data (null pointer or negative shape)");
}

void check_names(const std::vector<std::string>& names, long cols, const char* what) {
  if (static_cast<long>(names.size()) != cols)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(cols) +
                                " columns but " + std::to_string(names.size()) + " names");
  std::set<std::string> seen;
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (names[c].empty())
      throw std::invalid_argument(std::string(what) + ": column " + std::to_string(c) +
                                  " has an empty name; expected a name (a model file matches "
                                  "columns by name)");
    if (!seen.insert(names[c]).second)
      throw std::invalid_argument(std::string(what) + ": column name '" + names[c] +
                                  "' appears twice; expected unique names (a model file matches "
                                  "columns by name)");
  }
}

// data::fit's statistics of one column over `rows`, computed in the same order of operations
// as dataset.cpp's fit_column, so the same numbers give the same bits: min, max and a running
// sum in one pass; the mean corrected by a second pass; the population std (ddof 0) from a
// third. A constant column keeps scale 1 through ColumnTransform::apply.
data::ColumnTransform numeric_column(const std::string& name, const MatrixView& m, long col,
                                     const std::vector<long>& rows, data::Scaling scaling,
                                     const char* what) {
  data::ColumnTransform ct;
  ct.name = name;
  ct.kind = data::ColumnKind::numeric;
  std::vector<double> v;
  v.reserve(rows.size());
  for (long r : rows) v.push_back(m.at(r, col));
  const double n = double(v.size());
  double mn = v[0], mx = v[0], sum = 0;
  for (double x : v) mn = std::min(mn, x), mx = std::max(mx, x), sum += x;
  double mean = sum / n, correction = 0;
  for (double x : v) correction += x - mean;
  mean += correction / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / n);
  if (!std::isfinite(mean) || !std::isfinite(sd) || !std::isfinite(mx - mn))
    throw data::DataError(what, 0, 0,
                          "column '" + name +
                              "': values too large to scale (their range or sum overflows a "
                              "double)");
  ct.min = mn, ct.max = mx, ct.mean = mean, ct.std = sd;
  ct.scaling = scaling;
  return ct;
}

bool is_classification(const data::Preprocessor& pre) {
  return pre.task == data::Task::classification;
}

// x's rows in model units (rows.size() x inputs), as Preprocessor::transform_features encodes a
// table's numeric columns.
std::vector<double> features_of(const data::Preprocessor& pre, const MatrixView& x,
                                const std::vector<long>& rows) {
  for (const auto& ct : pre.features)
    if (ct.kind != data::ColumnKind::numeric)
      throw UsageError("the model's feature '" + ct.name +
                       "' is categorical (one-hot); give the rows as a table (a CSV or a pandas "
                       "DataFrame) so that its categories can be matched");
  const long p = static_cast<long>(pre.features.size());
  if (x.cols != p)
    throw std::invalid_argument("X has " + std::to_string(x.cols) + " columns; the model expects " +
                                std::to_string(p) + " (" + name_list(pre.input_names()) + ")");
  std::vector<double> out(rows.size() * std::size_t(p));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const long r = rows[i];
    if (r < 0 || r >= x.rows)
      throw std::out_of_range("row " + std::to_string(r) + " is outside X's " +
                              std::to_string(x.rows) + " rows");
    for (long c = 0; c < p; ++c) {
      const double v = x.at(r, c);
      if (!std::isfinite(v)) not_finite("X", pre.features[c].name, r, v);
      out[i * p + c] = pre.features[c].apply(v);
    }
  }
  return out;
}

// Targets in model units (rows.size() x outputs): scaled values, or one-hot classes.
std::vector<double> targets_of(const data::Preprocessor& pre, const ArrayData& d,
                               const std::vector<long>& rows) {
  const long k = pre.outputs();
  std::vector<double> out(rows.size() * std::size_t(k), 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const long r = rows[i];
    if (is_classification(pre)) {
      out[i * k + d.labels[r]] = 1.0;
    } else {
      for (long j = 0; j < k; ++j) {
        const double v = d.y.at(r, j);
        if (!std::isfinite(v)) not_finite("y", pre.targets[j].name, r, v);
        out[i * k + j] = pre.targets[j].apply(v);
      }
    }
  }
  return out;
}

Matrices matrices_of(const data::Preprocessor& pre, const ArrayData& d,
                     const std::vector<long>& rows) {
  return {features_of(pre, d.x, rows), targets_of(pre, d, rows), static_cast<long>(rows.size())};
}

// The data must be what the model was fitted on: its feature columns, its task and targets.
void check_fits_model(const Model& m, const ArrayData& d) {
  const data::Preprocessor& pre = m.preprocessing;
  std::vector<std::string> features;
  for (const auto& ct : pre.features) features.push_back(ct.name);
  if (d.feature_names != features)
    throw std::invalid_argument("X's columns (" + name_list(d.feature_names) +
                                ") are not the model's features (" + name_list(features) + ")");
  if (is_classification(pre) != !d.classes.empty())
    throw std::invalid_argument(is_classification(pre)
                                    ? "the model classifies; give class labels"
                                    : "the model regresses; give numeric targets, not classes");
  if (is_classification(pre) && d.classes != pre.targets[0].categories)
    throw std::invalid_argument("the classes (" + name_list(d.classes) + ") are not the model's (" +
                                name_list(pre.targets[0].categories) + ")");
  if (!is_classification(pre) && d.target_names.size() != pre.targets.size())
    throw std::invalid_argument("y has " + std::to_string(d.target_names.size()) +
                                " columns; the model has " + std::to_string(pre.targets.size()) +
                                " targets");
}

std::vector<long> all_rows(long n) {
  std::vector<long> rows(std::size_t(std::max(n, 0L)));
  std::iota(rows.begin(), rows.end(), 0L);
  return rows;
}

data::Split split_of(const ArrayData& d, const RunConfig& c) {
  const long n = d.x.rows;
  std::vector<long> labels;
  if (!d.classes.empty() && c.stratify) labels.assign(d.labels, d.labels + n);
  data::Split s = data::split_rows(all_rows(n), c.validation_fraction, c.test_fraction,
                                   c.train.seed, labels.empty() ? nullptr : &labels);
  if (s.train.empty()) throw UsageError("no rows left to train on after the split");
  return s;
}

void check_probe_rows(const RunConfig& c, long train_rows) {
  for (long r : c.train.history.probe_rows)
    if (r >= train_rows)
      throw UsageError("probe row " + std::to_string(r) + " is outside the " +
                       std::to_string(train_rows) + " training rows");
}

template <class T>
Network<T> network_of(const Model& m) {
  Network<T> net(m.arch);
  std::copy(m.parameters.begin(), m.parameters.end(), net.parameters().begin());
  return net;
}

template <class T>
std::vector<double> outputs_of(const Model& m, const std::vector<double>& x, long rows) {
  const Network<T> net = network_of<T>(m);
  const std::vector<T> xt(x.begin(), x.end());
  const std::vector<T> y = predict(net, xt.data(), rows);
  return std::vector<double>(y.begin(), y.end());
}

// Trains `net` (already initialized or trained) as detail::train_network does, then fills the
// result's history, metrics and the model's parameters and metrics.
template <class T>
void train_and_report(Network<T>& net, RunResult& res, const RunConfig& c, const Matrices& tr,
                      const Matrices& va, const Matrices& te, const RunCallbacks& cb) {
  const data::Preprocessor& pre = res.model.preprocessing;
  res.history = detail::fit_network<T>(net, c, pre, tr, va, cb);
  res.train = detail::evaluate_network(net, pre, tr);
  res.validation = detail::evaluate_network(net, pre, va);
  res.test = detail::evaluate_network(net, pre, te);
  res.model.parameters.assign(net.parameters().begin(), net.parameters().end());
}

// What run.cpp's run_typed does after the preprocessing, for arrays.
template <class T>
void train_new(RunResult& res, const RunConfig& c, const Matrices& tr, const Matrices& va,
               const Matrices& te, const RunCallbacks& cb) {
  auto [net, history] =
      detail::train_network<T>(res.model.arch, c, res.model.preprocessing, tr, va, cb);
  const data::Preprocessor& pre = res.model.preprocessing;
  res.history = std::move(history);
  res.train = detail::evaluate_network(net, pre, tr);
  res.validation = detail::evaluate_network(net, pre, va);
  res.test = detail::evaluate_network(net, pre, te);
  res.model.parameters.assign(net.parameters().begin(), net.parameters().end());
}

void record_metrics(RunResult& res) {
  res.model.metrics.clear();
  for (const auto& [name, split] :
       {std::pair{"train", &res.train}, std::pair{"validation", &res.validation},
        std::pair{"test", &res.test}})
    for (const auto& [k, v] : detail::flat_metrics(*split))
      res.model.metrics[std::string(name) + "." + k] = v;
}

void fnv(std::uint64_t& h, const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
}
void fnv_u64(std::uint64_t& h, std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  fnv(h, b, 8);
}
void fnv_text(std::uint64_t& h, const std::string& s) {
  fnv_u64(h, s.size());
  fnv(h, s.data(), s.size());
}

}  // namespace

void validate_arrays(const ArrayData& d) {
  check_view(d.x, "X");
  check_names(d.feature_names, d.x.cols, "X");
  const bool classes = !d.classes.empty();
  if (classes) {
    if (d.target_names.size() != 1)
      throw std::invalid_argument("a class target is one column; got " +
                                  std::to_string(d.target_names.size()) + " target names");
    check_names(d.target_names, 1, "y");
    if (d.x.rows > 0 && d.labels == nullptr)
      throw std::invalid_argument("y: no class labels given");
    std::set<std::string> seen(d.classes.begin(), d.classes.end());
    if (seen.size() != d.classes.size())
      throw std::invalid_argument("y: the class list names a class twice");
    if (d.classes.size() < 2)
      throw data::DataError("y", 0, 0,
                            "target '" + d.target_names[0] + "' has only one class ('" +
                                d.classes[0] + "'); expected at least two classes");
    const auto k = static_cast<std::int64_t>(d.classes.size());
    for (long r = 0; r < d.x.rows; ++r)
      if (d.labels[r] < 0 || d.labels[r] >= k)
        throw std::invalid_argument("y: class index " + std::to_string(d.labels[r]) + " at row " +
                                    std::to_string(r) + " is outside the " + std::to_string(k) +
                                    " classes");
  } else {
    check_view(d.y, "y");
    if (d.target_names.empty())
      throw std::invalid_argument("y: no target column (expected at least one)");
    check_names(d.target_names, d.y.cols, "y");
    if (d.y.rows != d.x.rows)
      throw std::invalid_argument("X has " + std::to_string(d.x.rows) + " rows but y has " +
                                  std::to_string(d.y.rows));
  }
  for (const auto& t : d.target_names)
    if (std::find(d.feature_names.begin(), d.feature_names.end(), t) != d.feature_names.end())
      throw std::invalid_argument("column '" + t +
                                  "' is both a feature and a target; expected each column in "
                                  "one role");
  check_finite(d.x, d.feature_names, "X");
  if (!classes) check_finite(d.y, d.target_names, "y");
}

data::Preprocessor fit_array_preprocessor(const ArrayData& d, const std::vector<long>& rows,
                                          data::Scaling feature_scaling,
                                          data::Scaling target_scaling) {
  if (rows.empty()) throw std::invalid_argument("fit: no training rows");
  for (long r : rows)
    if (r < 0 || r >= d.x.rows)
      throw std::out_of_range("row index " + std::to_string(r) + " out of range for " +
                              std::to_string(d.x.rows) + " rows");
  data::Preprocessor pre;
  for (long c = 0; c < d.x.cols; ++c)
    pre.features.push_back(numeric_column(d.feature_names[c], d.x, c, rows, feature_scaling, "X"));
  if (!d.classes.empty()) {
    pre.task = data::Task::classification;
    data::ColumnTransform t;
    t.name = d.target_names[0];
    t.kind = data::ColumnKind::categorical;
    t.categories = d.classes;
    pre.targets.push_back(std::move(t));
  } else {
    pre.task = data::Task::regression;
    for (long c = 0; c < d.y.cols; ++c)
      pre.targets.push_back(numeric_column(d.target_names[c], d.y, c, rows, target_scaling, "y"));
  }
  return pre;
}

RunResult train_on_arrays(const ArrayData& d, const RunConfig& c, const RunCallbacks& cb) {
  validate_arrays(d);
  if (c.kfold >= 2)
    throw UsageError(
        "kfold: cross-validation runs on a table (train_on_table); for arrays, train once per "
        "fold (scikit-learn: cross_val_score)");
  const long n = d.x.rows;
  if (n < 2)
    throw UsageError("X has " + std::to_string(n) + (n == 1 ? " sample" : " samples") +
                     "; training needs at least 2 rows");
  RunResult res;
  res.split = split_of(d, c);
  Model& m = res.model;
  m.preprocessing = fit_array_preprocessor(d, res.split.train, c.feature_scaling, c.target_scaling);
  m.arch = detail::build_architecture(c, m.preprocessing);
  const Matrices tr = matrices_of(m.preprocessing, d, res.split.train);
  const Matrices va = matrices_of(m.preprocessing, d, res.split.validation);
  const Matrices te = matrices_of(m.preprocessing, d, res.split.test);
  check_probe_rows(c, tr.rows);
  if (c.float32)
    train_new<float>(res, c, tr, va, te, cb);
  else
    train_new<double>(res, c, tr, va, te, cb);
  m.float32 = c.float32;
  m.run_config = run_config_json(c, -1);
  m.seed = c.train.seed;
  m.data_file = d.source;
  m.data_hash = arrays_hash(d);
  m.data_rows = n;
  m.annlab_version = ANNLAB_VERSION;
  record_metrics(res);
  return res;
}

RunResult continue_training(const Model& start, const ArrayData& d, const RunConfig& c,
                            const RunCallbacks& cb) {
  validate_arrays(d);
  check_fits_model(start, d);
  if (d.x.rows < 1) throw UsageError("X has 0 samples; training needs at least 1 row");
  RunResult res;
  res.split = split_of(d, c);
  res.model = start;
  const Matrices tr = matrices_of(start.preprocessing, d, res.split.train);
  const Matrices va = matrices_of(start.preprocessing, d, res.split.validation);
  const Matrices te = matrices_of(start.preprocessing, d, res.split.test);
  check_probe_rows(c, tr.rows);
  if (start.float32) {
    Network<float> net = network_of<float>(start);
    train_and_report(net, res, c, tr, va, te, cb);
  } else {
    Network<double> net = network_of<double>(start);
    train_and_report(net, res, c, tr, va, te, cb);
  }
  res.model.run_config = run_config_json(c, -1);
  record_metrics(res);
  return res;
}

std::vector<double> array_features(const Model& m, const MatrixView& x,
                                   const std::vector<long>& rows) {
  check_view(x, "X");
  return features_of(m.preprocessing, x, rows);
}

std::vector<double> array_targets(const Model& m, const ArrayData& d,
                                  const std::vector<long>& rows) {
  check_fits_model(m, d);
  for (long r : rows)
    if (r < 0 || r >= d.x.rows)
      throw std::out_of_range("row " + std::to_string(r) + " is outside the " +
                              std::to_string(d.x.rows) + " rows");
  if (d.classes.empty() && d.y.rows != d.x.rows)
    throw std::invalid_argument("X has " + std::to_string(d.x.rows) + " rows but y has " +
                                std::to_string(d.y.rows));
  if (!d.classes.empty())
    for (long r : rows)
      if (d.labels[r] < 0 || d.labels[r] >= static_cast<std::int64_t>(d.classes.size()))
        throw std::invalid_argument("y: class index " + std::to_string(d.labels[r]) + " at row " +
                                    std::to_string(r) + " is outside the " +
                                    std::to_string(d.classes.size()) + " classes");
  return targets_of(m.preprocessing, d, rows);
}

std::vector<double> predict_arrays(const Model& m, const MatrixView& x) {
  check_view(x, "X");
  const std::vector<double> xs = features_of(m.preprocessing, x, all_rows(x.rows));
  const std::vector<double> y =
      m.float32 ? outputs_of<float>(m, xs, x.rows) : outputs_of<double>(m, xs, x.rows);
  return is_classification(m.preprocessing) ? y : m.preprocessing.inverse_targets(y, x.rows);
}

BatchTrace trace_arrays(const Model& m, const ArrayData& d, const std::vector<long>& rows) {
  if (rows.empty()) throw std::invalid_argument("trace: no rows given");
  const std::vector<double> x = array_features(m, d.x, rows);
  const std::vector<double> y = array_targets(m, d, rows);
  const long n = static_cast<long>(rows.size());
  if (m.float32) {
    const Network<float> net = network_of<float>(m);
    const std::vector<float> xf(x.begin(), x.end()), yf(y.begin(), y.end());
    return trace_batch(net, xf.data(), yf.data(), n);
  }
  return trace_batch(network_of<double>(m), x.data(), y.data(), n);
}

std::uint64_t arrays_hash(const ArrayData& d) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& s : d.feature_names) fnv_text(h, s);
  for (const auto& s : d.target_names) fnv_text(h, s);
  for (const auto& s : d.classes) fnv_text(h, s);
  const auto value = [&h](double v) {
    std::uint64_t bits = 0;
    static_assert(sizeof bits == sizeof v);
    std::memcpy(&bits, &v, sizeof v);
    fnv_u64(h, bits);
  };
  for (long r = 0; r < d.x.rows; ++r) {
    for (long c = 0; c < d.x.cols; ++c) value(d.x.at(r, c));
    if (!d.classes.empty())
      fnv_u64(h, static_cast<std::uint64_t>(d.labels[r]));
    else
      for (long c = 0; c < d.y.cols; ++c) value(d.y.at(r, c));
  }
  return h;
}

}  // namespace annlab::workflow
