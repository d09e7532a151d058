// A run on numbers already in memory (NumPy arrays from the Python module): the steps of
// train_on_table -- seeded split, preprocessing fitted on the training rows, network,
// training, metrics in the data's units, the model -- with the matrices read in place through
// their strides instead of parsed from a CSV. The same numbers under the same column names
// and RunConfig give the model train_on_table gives for a CSV of them (bit for bit), and the
// model file it makes is one the CLI predicts, evaluates and traces.
//
// Every column is numeric; a categorical column (one-hot) needs a data::Table and
// train_on_table. Non-finite values are refused with the row and column named.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "annlab/core/trace.hpp"
#include "annlab/data/dataset.hpp"
#include "annlab/workflow/model.hpp"
#include "annlab/workflow/run.hpp"

namespace annlab::workflow {

// A rows x cols matrix of float or double read in place: element (r, c) is
// data[r·row_stride + c·col_stride], strides counted in elements (NumPy's C order has
// strides (cols, 1), Fortran order (1, rows); a column of a pandas frame may be either).
struct MatrixView {
  const void* data = nullptr;
  bool float32 = false;  // float elements; otherwise double
  long rows = 0, cols = 0;
  long row_stride = 0, col_stride = 1;
  double at(long r, long c) const {
    const long i = r * row_stride + c * col_stride;
    return float32 ? double(static_cast<const float*>(data)[i])
                   : static_cast<const double*>(data)[i];
  }
};

// What the columns of a CSV would give, already numeric.
//   regression:      y is rows x target_names.size(); `classes` is empty
//   classification:  `classes` lists the class names in output-node order (at least two);
//                    labels[r] in [0, classes.size()) is row r's class; target_names holds
//                    the one target column's name; y is not read
// Names are what a model file records and the CLI matches a CSV's header against.
struct ArrayData {
  std::string source = "arrays";  // the data's name in provenance
  MatrixView x;                   // rows x feature_names.size()
  std::vector<std::string> feature_names;
  MatrixView y;
  const std::int64_t* labels = nullptr;
  std::vector<std::string> classes;
  std::vector<std::string> target_names;
};

// Checks shapes and names (one unique, non-empty name per column), the class labels, and that
// every value of x and y is finite: std::invalid_argument for shapes and names, DataError for
// values ("X: missing value (NaN) in column 'Por' at row 12; ...").
void validate_arrays(const ArrayData& d);

// Preprocessing fitted on `rows` of d as data::fit fits it on a table's training rows: per
// column min, max, mean and population std; the scalings of the config; a class target one-hot
// over d.classes.
data::Preprocessor fit_array_preprocessor(const ArrayData& d, const std::vector<long>& rows,
                                          data::Scaling feature_scaling,
                                          data::Scaling target_scaling);

// train_on_table for arrays (run.hpp): the rows are 0..rows-1, split by the config's validation
// and test fractions (stratified for classes unless config.stratify is false), with the
// config's seed. kfold is not offered here (UsageError): cross-validate by calling this per
// fold. Provenance: data_file = d.source, data_hash = arrays_hash(d).
RunResult train_on_arrays(const ArrayData& d, const RunConfig& config,
                          const RunCallbacks& callbacks = {});

// More training for a model (scikit-learn's partial_fit and warm_start): config.train.epochs
// epochs of fit() on the rows of d, split as train_on_arrays splits them, starting from the
// model's parameters. The model's architecture and preprocessing are kept (not refitted), so
// d must have its feature columns (in its order) and, for classes, its class list. The
// optimizer's state (momentum, Adam's moments) starts afresh: fit() owns it for one call.
// Returns the updated model (parameters, run_config, metrics), the history and the metrics.
RunResult continue_training(const Model& start, const ArrayData& d, const RunConfig& config,
                            const RunCallbacks& callbacks = {});

// The model's outputs for every row of x (its feature columns, in the model's order):
// regression values in the targets' units (rows x targets), or class probabilities
// (rows x classes). UsageError when the model has a categorical feature (use predict_table).
std::vector<double> predict_arrays(const Model& m, const MatrixView& x);

// Rows of d (features, and targets as for training) in model units.
std::vector<double> array_features(const Model& m, const MatrixView& x,
                                   const std::vector<long>& rows);
std::vector<double> array_targets(const Model& m, const ArrayData& d,
                                  const std::vector<long>& rows);

// The full trace of `rows` of d against their targets, in model units (trace_batch).
BatchTrace trace_arrays(const Model& m, const ArrayData& d, const std::vector<long>& rows);

// 64-bit FNV-1a over the names and the numbers (provenance): each name as its length in 8 bytes
// little-endian and its bytes, then the values row by row, each as the 8 bytes of the double
// (x, then y or the label).
std::uint64_t arrays_hash(const ArrayData& d);

}  // namespace annlab::workflow
