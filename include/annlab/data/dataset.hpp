// From a Table to the matrices a network trains on, and back: column selection by name,
// numeric/categorical typing, one-hot encoding, missing values, scaling fitted on the
// training rows only, and the back-transform of predictions.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annlab/data/csv.hpp"

namespace annlab::data {

enum class ColumnKind { numeric, categorical };
enum class Scaling {
  none,
  minmax01,  // (v - min)/(max - min) to [0, 1]   (the chapter)
  minmax11,  // to [-1, 1]
  standard,  // (v - mean)/std (population std)
};
// "none", "minmax01", "minmax11", "standard" (parse also takes "minmax" and "zscore");
// parse throws std::invalid_argument listing the names.
std::string scaling_name(Scaling s);
Scaling parse_scaling(std::string_view text);

enum class MissingPolicy { error, drop_rows };
enum class Task { regression, classification };

// What the user asked for (the CLI's --target/--features/--drop/--categorical/...).
struct ColumnRequest {
  std::vector<std::string> targets;   // one or several; required
  std::vector<std::string> features;  // empty: every column that is not a target or dropped
  std::vector<std::string> drop;
  std::map<std::string, ColumnKind> kinds;  // overrides of the inferred kind
  bool target_is_class = false;             // an integer target declared a class label
  MissingPolicy missing = MissingPolicy::error;
  // Strings read as missing (besides the empty field), compared after trimming blanks.
  std::vector<std::string> missing_markers{"NA", "N/A", "NaN", "nan", "null", "NULL", "?"};
};

// How one source column becomes input or output nodes. Serialized in model files.
struct ColumnTransform {
  std::string name;
  ColumnKind kind = ColumnKind::numeric;
  // numeric: v' = (v - offset)/scale, then for minmax11: 2v' - 1 (see `scaling`), where
  // (offset, scale) is (0, 1) for none, (min, max - min) for minmax01 and minmax11,
  // (mean, std) for standard. A constant column (max == min, std == 0) uses scale 1 and skips
  // the 2v' - 1, so its training value maps to 0 under every scaling (scikit-learn's
  // MinMaxScaler maps it to the low end of the range instead, -1 for [-1, 1]).
  Scaling scaling = Scaling::none;
  double min = 0, max = 0, mean = 0, std = 0;  // fitted statistics (training rows)
  // categorical: one node per category, in this order (sorted as first seen is NOT used:
  // categories are sorted lexicographically, so the order does not depend on row order).
  // When every category is a number they are sorted by value and written in shortest form
  // ("1", "2", "10"; "3.0" and "3" are one category "3"), as np.unique orders class labels.
  std::vector<std::string> categories;
  int width() const { return kind == ColumnKind::numeric ? 1 : int(categories.size()); }
  double apply(double v) const;   // numeric: the scaling above
  double invert(double v) const;  // numeric: its inverse, apply(invert(v)) == v to rounding
};

// Fitted preprocessing: apply it to any table that has the named columns.
struct Preprocessor {
  std::vector<ColumnTransform> features;  // in input-node order
  std::vector<ColumnTransform> targets;   // in output-node order
  Task task = Task::regression;  // classification: exactly one categorical target (softmax)
  // Cell texts read as missing (besides the empty field); copied from the ColumnRequest.
  std::vector<std::string> missing_markers{"NA", "N/A", "NaN", "nan", "null", "NULL", "?"};

  int inputs() const;                            // Σ feature widths (l0)
  int outputs() const;                           // Σ target widths (ln)
  std::vector<std::string> input_names() const;  // "Por", "Facies=sand", ...
  std::vector<std::string> output_names() const;

  // Row-major rows x inputs(). Errors (DataError with file/line/column): a missing column,
  // a non-numeric value in a numeric column, an unseen category, a missing value.
  std::vector<double> transform_features(const Table& t, const std::vector<long>& rows) const;
  std::vector<double> transform_targets(const Table& t, const std::vector<long>& rows) const;
  // Back to the targets' units: rows x targets.size() numbers for regression.
  std::vector<double> inverse_targets(const std::vector<double>& y, long rows) const;
  // For classification: index of the most probable class per row (the first on ties).
  std::vector<long> classes_of(const std::vector<double>& probabilities, long rows) const;
  // For classification: the class index of the target in each of `rows` (for stratified
  // splits and metrics); works on Prepared::unfitted, whose categories are already known.
  std::vector<long> labels_of(const Table& t, const std::vector<long>& rows) const;
};

// Resolves the request against the table, infers kinds, applies the missing policy
// (returns the usable rows), and reports problems as DataError / std::invalid_argument.
// - Names are matched exactly; an unknown one is a DataError at the header line that lists
//   the columns (and suggests a near miss). A column may have one role only (target,
//   feature or dropped). Default features: every named column that is not a target, dropped,
//   or the index column; an unnamed column there is an error (name it or list the features).
// - Kinds: numeric when every non-missing value is a finite number (std::from_chars, blanks
//   and one leading '+' allowed), else categorical. A column whose values are mostly numbers
//   but not all is taken for a typo, not for categories: DataError "expected a number, found
//   'abc'" at that cell (declare it categorical in `kinds` if it really is).
// - Categories (features and targets) are collected from all kept rows, so every class has
//   an output node even when a split leaves it out of training; see ColumnTransform.
// - A classification target must have at least two classes.
struct Prepared {
  Preprocessor unfitted;   // columns and kinds; statistics not yet fitted
  std::vector<long> rows;  // rows kept (all, or those without missing values)
  long dropped_rows = 0;
};
Prepared prepare(const Table& t, const ColumnRequest& request);

// Fits scaling statistics on `train_rows` only (min, max, mean and population std, ddof 0 as
// StandardScaler). A constant column gets scale 1 (maps to 0), never a division by zero.
// Category lists are kept from `p` (all kept rows, see prepare). The target scaling applies
// to regression targets only; classification targets stay one-hot.
Preprocessor fit(const Table& t, const Prepared& p, const std::vector<long>& train_rows,
                 Scaling feature_scaling, Scaling target_scaling);

// Seeded, optionally stratified splits. Fractions of the rows given; the rest is training.
// std::invalid_argument unless 0 <= fraction < 1 for each, their sum < 1, at least one row
// is left for training, and labels (when given) has one entry per element of `rows`.
// Counts: round(fraction·n), at least 1 when the fraction is > 0. Stratified: each class
// (label value) gives round-proportional shares (largest remainder) and keeps at least one
// row in training. Every part lists row indices in ascending order; the same arguments give
// the same split on every platform (NumpyRandom(seed), Fisher-Yates).
struct Split {
  std::vector<long> train, validation, test;
};
Split split_rows(const std::vector<long>& rows, double validation_fraction, double test_fraction,
                 std::uint32_t seed, const std::vector<long>* labels = nullptr);
// k folds: fold i's validation rows are folds[i]; the rest trains. 2 <= k <= rows.size()
// (std::invalid_argument otherwise). Fold sizes differ by at most one (the first
// n mod k folds are larger); stratified, each class's count per fold differs by at most one.
std::vector<std::vector<long>> kfold(const std::vector<long>& rows, int k, std::uint32_t seed,
                                     const std::vector<long>* labels = nullptr);

// 64-bit FNV-1a hash of the table's header and cell text (provenance in model files).
// Bytes hashed: each field (header names first, then rows in order) as its length in 8 bytes
// little-endian followed by its bytes; a 0x1E byte after each record. The source name and
// line numbers are not hashed.
std::uint64_t table_hash(const Table& t);

}  // namespace annlab::data
