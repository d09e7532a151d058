// Metrics on predictions (any units): regression MSE, RMSE, MAE, R²; classification
// accuracy, log loss, confusion matrix, per-class precision/recall/F1.
#pragma once
#include <string>
#include <vector>

namespace annlab::data {

struct RegressionMetrics {
  double mse = 0, rmse = 0, mae = 0, r2 = 0;  // averaged over all outputs
};
// yhat, y: rows x outputs, row-major. Each metric is computed per output, then averaged
// (scikit-learn's multioutput="uniform_average"; so rmse is the mean of per-output RMSEs).
// R² of an output whose true values are constant: 1 if the predictions are exact, else 0
// (scikit-learn's force_finite). std::invalid_argument when sizes disagree or rows < 1.
RegressionMetrics regression_metrics(const std::vector<double>& yhat, const std::vector<double>& y,
                                     long rows, long outputs);

struct ClassificationMetrics {
  double accuracy = 0, log_loss = 0;
  std::vector<std::vector<long>> confusion;   // [true class][predicted class]
  std::vector<double> precision, recall, f1;  // per class (0 where undefined)
  double macro_f1 = 0;
};
// probabilities: rows x classes (softmax output); labels: true class per row, in [0, classes).
// Predicted class: the most probable (the first on ties). Log loss as scikit-learn's
// log_loss(eps=1e-15, labels=range(classes)) (1e-15 was its default before 1.2): probabilities
// clipped to [1e-15, 1 - 1e-15], each row renormalized to sum 1, mean of -ln p(true class).
// Precision/recall/F1 are 0 where undefined (zero_division=0); macro_f1 averages over all
// `classes`, absent ones included. std::invalid_argument when sizes disagree, rows < 1, classes < 1
// or a label is out of range.
ClassificationMetrics classification_metrics(const std::vector<double>& probabilities,
                                             const std::vector<long>& labels, long rows,
                                             long classes);

struct ClassificationScores {
  double accuracy = 0, log_loss = 0;
};
// Accuracy and log loss alone, the same arithmetic as classification_metrics', read in place
// from probabilities and one-hot targets (rows x classes each; the true class of a row is
// its target's largest entry, the first on ties), with no copy, label vector or confusion
// matrix: fit's history takes them after every epoch (digits' 1,347 rows: 44 -> 38 µs).
// std::invalid_argument when rows < 1 or classes < 1.
template <class T>
ClassificationScores classification_scores(const T* probabilities, const T* targets, long rows,
                                           long classes);
extern template ClassificationScores classification_scores<float>(const float*, const float*, long,
                                                                  long);
extern template ClassificationScores classification_scores<double>(const double*, const double*,
                                                                   long, long);

}  // namespace annlab::data
