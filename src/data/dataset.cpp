// Columns to matrices and back: resolving the request, typing, missing values, one-hot
// encoding, scaling fitted on training rows, and the back-transform.
#include "annlab/data/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "values.hpp"

namespace annlab::data {

namespace {

using detail::NumberStatus;
using detail::shown;

// ---- messages ------------------------------------------------------------------------------

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// " (did you mean 'Por'?)" for a case-insensitive match or a close spelling, else "".
std::string suggestion(const Table& t, const std::string& name) {
  if (name.size() > 64) return "";
  std::string best;
  std::size_t best_d = std::max<std::size_t>(1, name.size() / 3) + 1;
  for (const auto& col : t.columns) {
    if (col.empty() || col.size() > 64) continue;
    const std::size_t d = lower(col) == lower(name) ? 0 : edit_distance(lower(col), lower(name));
    if (d < best_d) best_d = d, best = col;
  }
  return best.empty() ? "" : " (did you mean " + shown(best) + "?)";
}

long resolve(const Table& t, const std::string& name, const char* list) {
  const long c = column_index(t, name);
  if (c < 0)
    throw DataError(t.source, t.header_line, 0,
                    "unknown column " + shown(name) + " in the " + list + suggestion(t, name) +
                        "; the columns are: " + detail::name_list(t.columns));
  return c;
}

std::vector<std::string> names_of(const std::vector<ColumnTransform>& cols) {
  std::vector<std::string> out;
  for (const auto& ct : cols) out.push_back(ct.name);
  return out;
}

// ---- cells ---------------------------------------------------------------------------------

// Where row r starts in the file; 0 (unknown) for a Table built without `lines`.
long line_of(const Table& t, long r) {
  return std::size_t(r) < t.lines.size() ? t.lines[std::size_t(r)] : 0;
}

// Row indices in range, and rows as wide as the header (a Table built by hand may not be).
void check_rows(const Table& t, const std::vector<long>& rows) {
  for (long r : rows) {
    if (r < 0 || std::size_t(r) >= t.rows.size())
      throw std::out_of_range("row index " + std::to_string(r) + " out of range for " + t.source +
                              " (" + std::to_string(t.rows.size()) + " rows)");
    if (t.rows[std::size_t(r)].size() != t.columns.size())
      throw DataError(t.source, line_of(t, r), 0,
                      "expected " + std::to_string(t.columns.size()) +
                          " fields as in the header, found " +
                          std::to_string(t.rows[std::size_t(r)].size()));
  }
}

std::vector<long> all_rows(const Table& t) {
  std::vector<long> v(t.rows.size());
  for (std::size_t r = 0; r < v.size(); ++r) v[r] = long(r);
  return v;
}

// The table's column for a fitted transform (the table may be a new file).
long require_column(const Table& t, const std::string& name,
                    const std::vector<ColumnTransform>& fitted) {
  const long c = column_index(t, name);
  if (c < 0)
    throw DataError(t.source, t.header_line, 0,
                    "missing column " + shown(name) + "; expected the columns fitted (" +
                        detail::name_list(names_of(fitted)) +
                        "); the file has: " + detail::name_list(t.columns));
  return c;
}

[[noreturn]] void missing_value(const Table& t, long r, long c, const std::string& name,
                                const std::string& expected) {
  const std::string_view cell = detail::trim(t.rows[r][c]);
  throw DataError(t.source, line_of(t, r), c + 1,
                  "missing value (" + (cell.empty() ? std::string("empty field") : shown(cell)) +
                      ") in column " + shown(name) + "; expected " + expected);
}

[[noreturn]] void not_a_number(const Table& t, long r, long c, const std::string& name,
                               NumberStatus st, const std::string& note) {
  const std::string& cell = t.rows[r][c];
  throw DataError(t.source, line_of(t, r), c + 1,
                  std::string(st == NumberStatus::out_of_range
                                  ? "expected a number within the range of a double"
                                  : "expected a number") +
                      ", found " + shown(detail::trim(cell)) + " in column " + shown(name) + note);
}

double number_at(const Table& t, long r, long c, const std::string& name,
                 const std::vector<std::string>& markers) {
  const std::string& cell = t.rows[r][c];
  if (detail::is_missing(cell, markers)) missing_value(t, r, c, name, "a number");
  double v = 0;
  const NumberStatus st = detail::parse_number(cell, v);
  if (st != NumberStatus::ok) not_a_number(t, r, c, name, st, "");
  return v;
}

// Cell text to category index: by text, or by value when every category is a number
// ("3.0" finds "3").
class CategoryIndex {
 public:
  explicit CategoryIndex(const ColumnTransform& ct) : numeric_(!ct.categories.empty()) {
    for (std::size_t k = 0; k < ct.categories.size(); ++k) {
      by_text_.emplace(ct.categories[k], long(k));
      double v = 0;
      if (detail::parse_number(ct.categories[k], v) == NumberStatus::ok)
        by_value_.emplace(v + 0.0, long(k));
      else
        numeric_ = false;
    }
  }
  long find(std::string_view cell) const {
    const std::string_view text = detail::trim(cell);
    const auto it = by_text_.find(std::string(text));
    if (it != by_text_.end()) return it->second;
    double v = 0;
    if (numeric_ && detail::parse_number(text, v) == NumberStatus::ok) {
      const auto jt = by_value_.find(v + 0.0);
      if (jt != by_value_.end()) return jt->second;
    }
    return -1;
  }

 private:
  bool numeric_;
  std::unordered_map<std::string, long> by_text_;
  std::map<double, long> by_value_;
};

long category_at(const Table& t, long r, long c, const ColumnTransform& ct,
                 const CategoryIndex& index, const std::vector<std::string>& markers) {
  const std::string& cell = t.rows[r][c];
  const auto known = [&] { return detail::name_list(ct.categories, 20); };
  if (detail::is_missing(cell, markers)) missing_value(t, r, c, ct.name, "one of: " + known());
  const long k = index.find(cell);
  if (k < 0)
    throw DataError(t.source, line_of(t, r), c + 1,
                    "unseen category " + shown(detail::trim(cell)) + " in column " +
                        shown(ct.name) + "; expected one of the categories fitted: " + known());
  return k;
}

// Distinct values of a categorical column over `rows`, in the documented order.
std::vector<std::string> collect_categories(const Table& t, long c, const std::vector<long>& rows) {
  std::set<std::string> texts;  // byte order (char_traits<char> compares as unsigned)
  for (long r : rows) texts.emplace(detail::trim(t.rows[r][c]));
  std::map<double, std::string> by_value;
  for (const auto& s : texts) {
    double v = 0;
    if (detail::parse_number(s, v) != NumberStatus::ok) return {texts.begin(), texts.end()};
    v += 0.0;  // -0 and 0 are one category, "0"
    by_value.emplace(v, detail::number_text(v));
  }
  std::vector<std::string> out;
  for (auto& kv : by_value) out.push_back(std::move(kv.second));
  return out;
}

// What the values of a column over `rows` parse as.
struct Scan {
  long numbers = 0, others = 0;
  long first_other = -1;  // row index
  NumberStatus first_other_status = NumberStatus::ok;
  long first_non_integer = -1;  // row index of the first number that is not an integer
};
Scan scan(const Table& t, long c, const std::vector<long>& rows) {
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  Scan s;
  for (long r : rows) {
    double v = 0;
    const NumberStatus st = detail::parse_number(t.rows[r][c], v);
    if (st == NumberStatus::ok) {
      ++s.numbers;
      if (s.first_non_integer < 0 && !(v == std::floor(v) && std::fabs(v) <= kMaxExact))
        s.first_non_integer = r;
    } else {
      ++s.others;
      if (s.first_other < 0) s.first_other = r, s.first_other_status = st;
    }
  }
  return s;
}

void encode(const Table& t, const std::vector<ColumnTransform>& cols,
            const std::vector<std::string>& markers, const std::vector<long>& rows, int width,
            std::vector<double>& out) {
  check_rows(t, rows);
  out.assign(rows.size() * std::size_t(width), 0.0);
  std::size_t offset = 0;
  for (const auto& ct : cols) {
    const long c = require_column(t, ct.name, cols);
    if (ct.kind == ColumnKind::numeric) {
      for (std::size_t i = 0; i < rows.size(); ++i)
        out[i * width + offset] = ct.apply(number_at(t, rows[i], c, ct.name, markers));
    } else {
      const CategoryIndex index(ct);
      for (std::size_t i = 0; i < rows.size(); ++i)
        out[i * width + offset + category_at(t, rows[i], c, ct, index, markers)] = 1.0;
    }
    offset += std::size_t(ct.width());
  }
}

void fit_column(const Table& t, const std::vector<long>& rows,
                const std::vector<std::string>& markers, const std::vector<ColumnTransform>& all,
                ColumnTransform& ct, Scaling scaling) {
  if (ct.kind == ColumnKind::categorical) {
    ct.scaling = Scaling::none;
    return;
  }
  const long c = require_column(t, ct.name, all);
  std::vector<double> v;
  v.reserve(rows.size());
  for (long r : rows) v.push_back(number_at(t, r, c, ct.name, markers));
  const double n = double(v.size());
  double mn = v[0], mx = v[0], sum = 0;
  for (double x : v) mn = std::min(mn, x), mx = std::max(mx, x), sum += x;
  double mean = sum / n, correction = 0;
  for (double x : v) correction += x - mean;
  mean += correction / n;  // second pass: exact to rounding even when the sum lost digits
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / n);
  if (!std::isfinite(mean) || !std::isfinite(sd) || !std::isfinite(mx - mn))
    throw DataError(t.source, 0, 0,
                    "column " + shown(ct.name) +
                        ": values too large to scale (their range or sum overflows a double)");
  ct.min = mn, ct.max = mx, ct.mean = mean, ct.std = sd;
  ct.scaling = scaling;
}

std::vector<std::string> node_names(const std::vector<ColumnTransform>& cols) {
  std::vector<std::string> out;
  for (const auto& ct : cols) {
    if (ct.kind == ColumnKind::numeric) {
      out.push_back(ct.name);
    } else {
      for (const auto& cat : ct.categories) out.push_back(ct.name + "=" + cat);
    }
  }
  return out;
}

}  // namespace

// ---- ColumnTransform -----------------------------------------------------------------------

double ColumnTransform::apply(double v) const {
  const double range = max - min;
  switch (scaling) {
    case Scaling::none:
      return v;
    case Scaling::minmax01:
      return range > 0 ? (v - min) / range : v - min;
    case Scaling::minmax11:
      return range > 0 ? 2 * ((v - min) / range) - 1 : v - min;
    case Scaling::standard:
      return std > 0 ? (v - mean) / std : v - mean;
  }
  return v;
}

double ColumnTransform::invert(double v) const {
  const double range = max - min;
  switch (scaling) {
    case Scaling::none:
      return v;
    case Scaling::minmax01:
      return range > 0 ? v * range + min : v + min;
    case Scaling::minmax11:
      return range > 0 ? (v + 1) / 2 * range + min : v + min;
    case Scaling::standard:
      return std > 0 ? v * std + mean : v + mean;
  }
  return v;
}

// ---- Preprocessor --------------------------------------------------------------------------

int Preprocessor::inputs() const {
  int n = 0;
  for (const auto& ct : features) n += ct.width();
  return n;
}

int Preprocessor::outputs() const {
  int n = 0;
  for (const auto& ct : targets) n += ct.width();
  return n;
}

std::vector<std::string> Preprocessor::input_names() const {
  return node_names(features);
}
std::vector<std::string> Preprocessor::output_names() const {
  return node_names(targets);
}

std::vector<double> Preprocessor::transform_features(const Table& t,
                                                     const std::vector<long>& rows) const {
  std::vector<double> out;
  encode(t, features, missing_markers, rows, inputs(), out);
  return out;
}

std::vector<double> Preprocessor::transform_targets(const Table& t,
                                                    const std::vector<long>& rows) const {
  std::vector<double> out;
  encode(t, targets, missing_markers, rows, outputs(), out);
  return out;
}

std::vector<double> Preprocessor::inverse_targets(const std::vector<double>& y, long rows) const {
  if (task != Task::regression)
    throw std::invalid_argument(
        "inverse_targets: the target is a class label; use classes_of for classification");
  const std::size_t m = targets.size();
  if (rows < 0 || y.size() != std::size_t(rows) * m)
    throw std::invalid_argument(
        "inverse_targets: expected rows x outputs = " + std::to_string(rows) + " x " +
        std::to_string(m) + " numbers, got " + std::to_string(y.size()));
  std::vector<double> out(y.size());
  for (std::size_t i = 0; i < std::size_t(rows); ++i)
    for (std::size_t j = 0; j < m; ++j) out[i * m + j] = targets[j].invert(y[i * m + j]);
  return out;
}

std::vector<long> Preprocessor::classes_of(const std::vector<double>& probabilities,
                                           long rows) const {
  if (task != Task::classification)
    throw std::invalid_argument("classes_of: the targets are numeric (regression), not classes");
  const std::size_t k = std::size_t(outputs());
  if (rows < 0 || probabilities.size() != std::size_t(rows) * k)
    throw std::invalid_argument("classes_of: expected rows x classes = " + std::to_string(rows) +
                                " x " + std::to_string(k) + " numbers, got " +
                                std::to_string(probabilities.size()));
  std::vector<long> out(std::size_t(rows), 0);
  for (std::size_t i = 0; i < std::size_t(rows); ++i) {
    const double* p = probabilities.data() + i * k;
    std::size_t best = 0;
    for (std::size_t j = 1; j < k; ++j)
      if (p[j] > p[best]) best = j;
    out[i] = long(best);
  }
  return out;
}

std::vector<long> Preprocessor::labels_of(const Table& t, const std::vector<long>& rows) const {
  if (task != Task::classification || targets.size() != 1)
    throw std::invalid_argument("labels_of: the targets are numeric (regression), not classes");
  check_rows(t, rows);
  const ColumnTransform& ct = targets[0];
  const long c = require_column(t, ct.name, targets);
  const CategoryIndex index(ct);
  std::vector<long> out;
  out.reserve(rows.size());
  for (long r : rows) out.push_back(category_at(t, r, c, ct, index, missing_markers));
  return out;
}

// ---- prepare / fit -------------------------------------------------------------------------

Prepared prepare(const Table& t, const ColumnRequest& request) {
  const long hl = t.header_line;
  const auto error = [&](long line, long column, const std::string& message) {
    return DataError(t.source, line, column, message);
  };
  check_rows(t, all_rows(t));
  if (request.targets.empty())
    throw error(hl, 0,
                "no target column given; expected one or more of: " + detail::name_list(t.columns));

  enum Role { kNone, kTarget, kFeature, kDropped };
  const char* role_name[] = {"", "a target", "a feature", "dropped"};
  std::vector<Role> role(t.columns.size(), kNone);
  const auto assign = [&](const std::string& name, Role r, const char* list) {
    const long c = resolve(t, name, list);
    if (role[c] == r)
      throw error(hl, c + 1, "column " + shown(name) + " is listed twice in the " + list);
    if (role[c] != kNone)
      throw error(hl, c + 1,
                  "column " + shown(name) + " is both " + role_name[role[c]] + " and " +
                      role_name[r] + "; expected each column in one role");
    role[c] = r;
    return c;
  };
  std::vector<long> targets, features;
  for (const auto& name : request.targets) targets.push_back(assign(name, kTarget, "targets"));
  for (const auto& name : request.features) features.push_back(assign(name, kFeature, "features"));
  for (const auto& name : request.drop) assign(name, kDropped, "dropped columns");
  for (const auto& kv : request.kinds) resolve(t, kv.first, "column kinds");
  if (request.features.empty()) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (role[c] != kNone || long(c) == t.index_column) continue;
      if (t.columns[c].empty())
        throw error(hl, long(c) + 1,
                    "column " + std::to_string(c + 1) +
                        " has no name in the header; expected a name (or list the features "
                        "explicitly)");
      features.push_back(long(c));
      role[c] = kFeature;
    }
  }
  if (features.empty())
    throw error(hl, 0,
                "no feature columns left besides the targets and dropped columns; the columns "
                "are: " +
                    detail::name_list(t.columns));

  std::vector<long> used;  // in file order, so the first problem reported is the leftmost
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    if (role[c] == kTarget || role[c] == kFeature) used.push_back(long(c));

  // Missing values. A column with no value at all is named as such: dropping the rows with
  // missing values would drop every row.
  const auto& markers = request.missing_markers;
  if (!t.rows.empty())
    for (long c : used) {
      const bool empty = std::all_of(t.rows.begin(), t.rows.end(), [&](const auto& row) {
        return detail::is_missing(row[c], markers);
      });
      if (empty)
        throw error(hl, c + 1,
                    "column " + shown(t.columns[c]) + " is empty: all " +
                        std::to_string(t.rows.size()) + " of its values are missing; " +
                        (role[c] == kTarget ? "choose another target column"
                                            : "leave it out (drop it, or choose the features)"));
    }
  Prepared out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    bool missing = false;
    for (long c : used) {
      if (!detail::is_missing(t.rows[r][c], markers)) continue;
      if (request.missing == MissingPolicy::error)
        missing_value(t, long(r), c, t.columns[c],
                      "a value (or drop the rows with missing values: --missing drop)");
      missing = true;
      break;
    }
    if (missing) {
      ++out.dropped_rows;
    } else {
      out.rows.push_back(long(r));
    }
  }
  if (out.rows.empty())
    throw error(hl, 0,
                "no rows left: each of the " + std::to_string(t.rows.size()) +
                    " rows has a missing value in the selected columns");

  // Kinds.
  std::vector<ColumnKind> kind(t.columns.size(), ColumnKind::numeric);
  for (long c : used) {
    const std::string& name = t.columns[c];
    const Scan s = scan(t, c, out.rows);
    const auto declared = request.kinds.find(name);
    ColumnKind k = ColumnKind::categorical;
    if (declared != request.kinds.end()) {
      k = declared->second;
      if (k == ColumnKind::numeric && s.others > 0)
        not_a_number(t, s.first_other, c, name, s.first_other_status, " (declared numeric)");
    } else if (s.others == 0) {
      k = ColumnKind::numeric;
    } else if (s.numbers > s.others) {
      not_a_number(t, s.first_other, c, name, s.first_other_status,
                   " (" + std::to_string(s.numbers) + " of its " +
                       std::to_string(s.numbers + s.others) +
                       " values are numbers); correct the value, mark it missing, or declare the "
                       "column categorical");
    }
    if (request.target_is_class && role[c] == kTarget && k == ColumnKind::numeric) {
      if (s.first_non_integer >= 0)
        throw error(line_of(t, s.first_non_integer), c + 1,
                    "expected an integer class label, found " +
                        shown(detail::trim(t.rows[s.first_non_integer][c])) + " in target " +
                        shown(name) + " (target_is_class)");
      k = ColumnKind::categorical;
    }
    kind[c] = k;
  }

  std::vector<std::string> others;
  long categorical_target = -1;
  for (long c : targets) {
    if (kind[c] == ColumnKind::categorical && categorical_target < 0) {
      categorical_target = c;
    } else {
      others.push_back(t.columns[c]);
    }
  }
  if (categorical_target >= 0 && targets.size() > 1)
    throw error(hl, categorical_target + 1,
                "target " + shown(t.columns[categorical_target]) +
                    " is categorical (a classification target) and cannot be combined with "
                    "other targets (" +
                    detail::name_list(others) +
                    "); expected exactly one target for classification");

  Preprocessor& pp = out.unfitted;
  pp.missing_markers = markers;
  pp.task = categorical_target >= 0 ? Task::classification : Task::regression;
  const auto transform_of = [&](long c) {
    ColumnTransform ct;
    ct.name = t.columns[c];
    ct.kind = kind[c];
    if (ct.kind == ColumnKind::categorical) ct.categories = collect_categories(t, c, out.rows);
    return ct;
  };
  for (long c : features) pp.features.push_back(transform_of(c));
  for (long c : targets) pp.targets.push_back(transform_of(c));
  if (pp.task == Task::classification && pp.targets[0].categories.size() < 2)
    throw error(hl, categorical_target + 1,
                "target " + shown(pp.targets[0].name) + " has a single class " +
                    shown(pp.targets[0].categories.at(0)) +
                    " in the rows kept; expected at least two classes");
  return out;
}

Preprocessor fit(const Table& t, const Prepared& p, const std::vector<long>& train_rows,
                 Scaling feature_scaling, Scaling target_scaling) {
  if (train_rows.empty()) throw std::invalid_argument("fit: no training rows");
  check_rows(t, train_rows);
  Preprocessor pp = p.unfitted;
  for (auto& ct : pp.features)
    fit_column(t, train_rows, pp.missing_markers, pp.features, ct, feature_scaling);
  const Scaling ts = pp.task == Task::regression ? target_scaling : Scaling::none;
  for (auto& ct : pp.targets) fit_column(t, train_rows, pp.missing_markers, pp.targets, ct, ts);
  return pp;
}

std::string scaling_name(Scaling s) {
  switch (s) {
    case Scaling::none:
      return "none";
    case Scaling::minmax01:
      return "minmax01";
    case Scaling::minmax11:
      return "minmax11";
    case Scaling::standard:
      return "standard";
  }
  return "none";
}

Scaling parse_scaling(std::string_view s) {
  if (s == "none") return Scaling::none;
  if (s == "minmax" || s == "minmax01") return Scaling::minmax01;
  if (s == "minmax11") return Scaling::minmax11;
  if (s == "standard" || s == "zscore") return Scaling::standard;
  throw std::invalid_argument("unknown scaling '" + std::string(s) +
                              "' (expected none, minmax01, minmax11 or standard)");
}

}  // namespace annlab::data
