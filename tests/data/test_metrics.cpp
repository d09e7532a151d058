// Metrics against scikit-learn 1.2.1 (Debian's python3-sklearn), values pasted with the
// snippet that printed them (from sklearn import metrics as M; import numpy as np).
#include <gtest/gtest.h>

#include <stdexcept>

#include "annlab/data/metrics.hpp"

namespace {
using namespace annlab::data;

constexpr double kTol = 1e-14;

TEST(RegressionMetrics, OneOutput) {
  // y = [3, -0.5, 2, 7]; p = [2.5, 0.0, 2, 8]
  // M.mean_squared_error(y, p), M.mean_squared_error(y, p, squared=False),
  // M.mean_absolute_error(y, p), M.r2_score(y, p)
  const RegressionMetrics m = regression_metrics({2.5, 0.0, 2, 8}, {3, -0.5, 2, 7}, 4, 1);
  EXPECT_NEAR(m.mse, 0.375, kTol);
  EXPECT_NEAR(m.rmse, 0.6123724356957945, kTol);
  EXPECT_NEAR(m.mae, 0.5, kTol);
  EXPECT_NEAR(m.r2, 0.9486081370449679, kTol);
}

TEST(RegressionMetrics, SeveralOutputsAreAveraged) {
  // y = [[0.5, 1], [-1, 1], [7, -6]]; p = [[0, 2], [-1, 2], [8, -5]] (same four calls)
  const RegressionMetrics m =
      regression_metrics({0, 2, -1, 2, 8, -5}, {0.5, 1, -1, 1, 7, -6}, 3, 2);
  EXPECT_NEAR(m.mse, 0.7083333333333334, kTol);
  EXPECT_NEAR(m.rmse, 0.8227486121839513, kTol);  // mean of per-output RMSEs
  EXPECT_NEAR(m.mae, 0.75, kTol);
  EXPECT_NEAR(m.r2, 0.9368005266622779, kTol);
}

TEST(RegressionMetrics, ConstantTruthR2) {
  // M.r2_score([2, 2, 2], [2, 2, 2]) -> 1.0; M.r2_score([2, 2, 2], [2, 2, 3]) -> 0.0
  EXPECT_EQ(regression_metrics({2, 2, 2}, {2, 2, 2}, 3, 1).r2, 1.0);
  EXPECT_EQ(regression_metrics({2, 2, 3}, {2, 2, 2}, 3, 1).r2, 0.0);
  // y = [[1, 2], [1, 3], [1, 4]]; p = [[1, 2.5], [1, 3], [1, 3.5]]: one constant output
  // M.r2_score(y, p) -> 0.875; M.mean_squared_error(y, p, squared=False) -> 0.2041241452319315
  const RegressionMetrics m = regression_metrics({1, 2.5, 1, 3, 1, 3.5}, {1, 2, 1, 3, 1, 4}, 3, 2);
  EXPECT_NEAR(m.r2, 0.875, kTol);
  EXPECT_NEAR(m.rmse, 0.2041241452319315, kTol);
}

TEST(RegressionMetrics, SizesAreChecked) {
  EXPECT_THROW(regression_metrics({1, 2}, {1}, 2, 1), std::invalid_argument);
  EXPECT_THROW(regression_metrics({1, 2}, {1, 2}, 1, 1), std::invalid_argument);
  EXPECT_THROW(regression_metrics({}, {}, 0, 1), std::invalid_argument);
}

TEST(ClassificationMetrics, ThreeClasses) {
  // labels = [0, 1, 2, 2, 1, 0, 2, 1]
  // P = np.array([[.7,.2,.1], [.1,.6,.3], [.2,.2,.6], [.5,.1,.4], [.3,.4,.3], [.2,.5,.3],
  //               [0,.3,.7], [.4,.4,.2]]); pred = P.argmax(1) -> [0, 1, 2, 0, 1, 1, 2, 0]
  // M.accuracy_score(labels, pred) -> 0.625
  // M.log_loss(labels, P, eps=1e-15, labels=[0, 1, 2]) -> 0.7616639054332515
  // M.confusion_matrix(labels, pred, labels=[0, 1, 2]) -> [[1, 1, 0], [1, 2, 0], [1, 0, 2]]
  // M.precision_recall_fscore_support(labels, pred, labels=[0, 1, 2], zero_division=0)
  // M.f1_score(labels, pred, labels=[0, 1, 2], average='macro', zero_division=0)
  const std::vector<double> p{.7, .2, .1, .1, .6, .3, .2, .2, .6, .5, .1, .4,
                              .3, .4, .3, .2, .5, .3, 0,  .3, .7, .4, .4, .2};
  const ClassificationMetrics m = classification_metrics(p, {0, 1, 2, 2, 1, 0, 2, 1}, 8, 3);
  EXPECT_NEAR(m.accuracy, 0.625, kTol);
  EXPECT_NEAR(m.log_loss, 0.7616639054332515, kTol);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<long>>{{1, 1, 0}, {1, 2, 0}, {1, 0, 2}}));
  const double precision[] = {0.3333333333333333, 0.6666666666666666, 1.0};
  const double recall[] = {0.5, 0.6666666666666666, 0.6666666666666666};
  const double f1[] = {0.4, 0.6666666666666666, 0.8};
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(m.precision[c], precision[c], kTol);
    EXPECT_NEAR(m.recall[c], recall[c], kTol);
    EXPECT_NEAR(m.f1[c], f1[c], kTol);
  }
  EXPECT_NEAR(m.macro_f1, 0.6222222222222222, kTol);
}

TEST(ClassificationMetrics, UndefinedScoresAreZeroAndProbabilitiesAreClipped) {
  // labels = [0, 0, 1, 1]; P = [[.9,.1,0], [1,0,0], [.8,.2,0], [.6,.4,0]]: class 1 never
  // predicted, class 2 absent; row 2 gives its true class probability 0.
  // pred -> [0, 0, 0, 0]; accuracy 0.5; log_loss(eps=1e-15, labels=[0,1,2]) -> 0.6577722899915217
  // confusion [[2, 0, 0], [2, 0, 0], [0, 0, 0]]; precision [0.5, 0, 0]; recall [1, 0, 0];
  // f1 [0.6666666666666666, 0, 0]; macro 0.2222222222222222
  const std::vector<double> p{.9, .1, 0, 1, 0, 0, .8, .2, 0, .6, .4, 0};
  const ClassificationMetrics m = classification_metrics(p, {0, 0, 1, 1}, 4, 3);
  EXPECT_NEAR(m.accuracy, 0.5, kTol);
  EXPECT_NEAR(m.log_loss, 0.6577722899915217, kTol);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<long>>{{2, 0, 0}, {2, 0, 0}, {0, 0, 0}}));
  EXPECT_EQ(m.precision, (std::vector<double>{0.5, 0, 0}));
  EXPECT_EQ(m.recall, (std::vector<double>{1, 0, 0}));
  EXPECT_NEAR(m.f1[0], 0.6666666666666666, kTol);
  EXPECT_EQ(m.f1[1], 0.0);
  EXPECT_EQ(m.f1[2], 0.0);
  EXPECT_NEAR(m.macro_f1, 0.2222222222222222, kTol);
  // M.log_loss([0, 1], [[0, 1], [1, 0]], eps=1e-15, labels=[0, 1]) -> 34.538776394910684
  EXPECT_NEAR(classification_metrics({0, 1, 1, 0}, {0, 1}, 2, 2).log_loss, 34.538776394910684,
              1e-12);
}

// classification_scores (fit's per-epoch pair, read in place from one-hot targets): the
// scikit-learn values above, the same bits as classification_metrics in double, and float
// probabilities scored as their double values; ties in the targets pick the first class.
TEST(ClassificationScores, AreClassificationMetricsAccuracyAndLogLoss) {
  const std::vector<double> p{.7, .2, .1, .1, .6, .3, .2, .2, .6, .5, .1, .4,
                              .3, .4, .3, .2, .5, .3, 0,  .3, .7, .4, .4, .2};
  const std::vector<long> labels{0, 1, 2, 2, 1, 0, 2, 1};
  std::vector<double> y(24, 0.0);
  for (std::size_t r = 0; r < labels.size(); ++r) y[r * 3 + std::size_t(labels[r])] = 1;
  const ClassificationScores s = classification_scores(p.data(), y.data(), 8, 3);
  const ClassificationMetrics m = classification_metrics(p, labels, 8, 3);
  EXPECT_EQ(s.accuracy, m.accuracy);
  EXPECT_EQ(s.log_loss, m.log_loss);
  EXPECT_NEAR(s.log_loss, 0.7616639054332515, kTol);
  const std::vector<float> pf(p.begin(), p.end()), yf(y.begin(), y.end());
  const ClassificationScores sf = classification_scores(pf.data(), yf.data(), 8, 3);
  const ClassificationMetrics mf =
      classification_metrics(std::vector<double>(pf.begin(), pf.end()), labels, 8, 3);
  EXPECT_EQ(sf.accuracy, mf.accuracy);
  EXPECT_EQ(sf.log_loss, mf.log_loss);
  // A target row with two equal largest entries counts as its first class.
  const std::vector<double> p2{.2, .8}, y2{1, 1};
  EXPECT_EQ(classification_scores(p2.data(), y2.data(), 1, 2).accuracy, 0.0);
  // Tied largest probabilities predict the first of them (std::max_element's answer).
  const std::vector<double> p3{.4, .4, .2, .1, .45, .45}, y3{0, 1, 0, 0, 0, 1};
  EXPECT_EQ(classification_scores(p3.data(), y3.data(), 2, 3).accuracy, 0.0);
  EXPECT_EQ(classification_metrics(p3, {0, 1}, 2, 3).accuracy, 1.0);
  EXPECT_THROW(classification_scores(p2.data(), y2.data(), 0, 2), std::invalid_argument);
}

TEST(ClassificationMetrics, SizesAndLabelsAreChecked) {
  EXPECT_THROW(classification_metrics({1, 0}, {0, 1}, 2, 2), std::invalid_argument);
  EXPECT_THROW(classification_metrics({1, 0, 0, 1}, {0, 2}, 2, 2), std::invalid_argument);
  EXPECT_THROW(classification_metrics({1, 0, 0, 1}, {0, -1}, 2, 2), std::invalid_argument);
  EXPECT_THROW(classification_metrics({}, {}, 0, 2), std::invalid_argument);
}

}  // namespace
