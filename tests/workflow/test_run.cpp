// Whole runs on the shared data sets: determinism, save/load/predict agreement, metrics in
// the data's units, run configuration round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "annlab/core/error.hpp"
#include "annlab/workflow/run.hpp"
#include "annlab/workflow/steps.hpp"

namespace {
using namespace annlab;
using workflow::RunConfig;

const std::string kData = ANNLAB_SHARED_DATA;

RunConfig well_config() {
  RunConfig c = workflow::parse_run_config(R"({
    "target": "Prod", "drop": "Well", "layers": [8], "activation": "tanh",
    "optimizer": "adam", "lr": 0.01, "epochs": 60, "batch": 16, "seed": 3,
    "validation": 0.2, "test": 0.1})",
                                           "test");
  return c;
}

TEST(Run, WellDataTrainsDeterministicallyAndPredictsInProdUnits) {
  const data::Table t = data::read_csv(kData + "/geodatasets/unconv_MV_v4.csv");
  const RunConfig c = well_config();
  const auto a = workflow::train_on_table(t, c);
  const auto b = workflow::train_on_table(t, c);
  ASSERT_EQ(a.model.parameters.size(), b.model.parameters.size());
  EXPECT_EQ(a.model.parameters, b.model.parameters);  // bit for bit
  EXPECT_EQ(a.split.train.size(), 140u);
  EXPECT_EQ(a.split.validation.size(), 40u);
  EXPECT_EQ(a.split.test.size(), 20u);
  ASSERT_TRUE(a.test.regression);
  // Prod is in the thousands: an R² well above 0 means the back-transform is right.
  EXPECT_GT(a.train.regression->r2, 0.7);
  EXPECT_EQ(a.model.arch.widths, (std::vector<int>{6, 8, 1}));
  EXPECT_EQ(a.history.epochs.size(), 60u);

  // A reloaded model predicts exactly what the trained one measured.
  const workflow::Model back =
      workflow::parse_model(workflow::model_json(a.model), "round-trip.json");
  const workflow::SplitMetrics again = workflow::evaluate_table(back, t);
  const workflow::Predictions p = workflow::predict_table(back, t);
  ASSERT_EQ(p.rows, 200);
  EXPECT_EQ(p.columns, std::vector<std::string>{"Prod"});
  double sse = 0;
  const auto prod_col = std::find(t.columns.begin(), t.columns.end(), "Prod") - t.columns.begin();
  for (long r = 0; r < p.rows; ++r) {
    const double y = std::stod(t.rows[r][prod_col]);
    sse += (p.values[r] - y) * (p.values[r] - y);
  }
  EXPECT_NEAR(std::sqrt(sse / 200), again.regression->rmse, 1e-9 * again.regression->rmse);
}

TEST(Run, IrisClassifiesWithSoftmax) {
  const data::Table t = data::read_csv(kData + "/classic/iris.csv");
  const std::string target = t.columns.back();
  RunConfig c = workflow::parse_run_config(
      R"({"layers": [8], "activation": "tanh", "optimizer": "adam", "lr": 0.02,
          "epochs": 150, "batch": 16, "seed": 1, "test": 0.2})",
      "test");
  c.columns.targets = {target};
  const auto r = workflow::train_on_table(t, c);
  EXPECT_EQ(r.model.preprocessing.task, data::Task::classification);
  EXPECT_EQ(r.model.arch.activations.back().kind, ActivationKind::softmax);
  EXPECT_EQ(r.model.arch.loss, LossKind::softmax_cross_entropy);
  ASSERT_TRUE(r.test.classification);
  EXPECT_GE(r.test.classification->accuracy, 0.9);
  // Stratified: every class is in the test split in proportion (10 of each of 3 classes).
  for (const auto& row : r.test.classification->confusion) {
    long n = 0;
    for (long v : row) n += v;
    EXPECT_EQ(n, 10);
  }
  const auto p = workflow::predict_table(r.model, t);
  EXPECT_EQ(p.labels.size(), 150u);
  for (long i = 0; i < p.rows; ++i) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += p.values[i * 3 + k];
    EXPECT_NEAR(s, 1.0, 1e-12);
  }
}

// fit()'s per-epoch evaluator (in place from T) against its oracle, the split metrics of the
// same outputs in double, with ties and a saturated row among the predictions.
template <class T>
void expect_epoch_metrics_are_the_split_metrics(const workflow::PreparedRun& run) {
  const data::Preprocessor& pre = run.preprocessing;
  const long rows = run.train.rows, k = pre.outputs();
  std::vector<T> yhat(std::size_t(rows * k)), y(run.train.y.begin(), run.train.y.end());
  for (long r = 0; r < rows; ++r) {
    double sum = 0;
    for (long j = 0; j < k; ++j) sum += 1.0 + double((r * 7 + j * 3) % 5);
    for (long j = 0; j < k; ++j)
      yhat[std::size_t(r * k + j)] =
          pre.task == data::Task::classification
              ? T((1.0 + double((r * 7 + j * 3) % 5)) / sum)  // probabilities, some tied
              : T(0.1 * double(r % 11) - 0.3);
  }
  if (pre.task == data::Task::classification) {  // one row certain of a class
    std::fill(yhat.begin(), yhat.begin() + k, T(0));
    yhat[1] = T(1);
  }
  const auto fast = workflow::epoch_metrics<T>(pre)(yhat.data(), y.data(), rows);
  const auto oracle = workflow::metric_values(
      workflow::split_metrics(pre, std::vector<double>(yhat.begin(), yhat.end()),
                              std::vector<double>(y.begin(), y.end()), rows));
  EXPECT_EQ(fast, oracle);  // the same names and the same values, bit for bit
}

TEST(Run, EpochMetricsAreTheSplitMetrics) {
  const data::Table iris = data::read_csv(kData + "/classic/iris.csv");
  RunConfig c = workflow::parse_run_config(R"({"layers": [4], "seed": 1})", "test");
  c.columns.targets = {iris.columns.back()};
  const workflow::PreparedRun classes = workflow::prepare_run(iris, c);
  ASSERT_EQ(classes.preprocessing.task, data::Task::classification);
  expect_epoch_metrics_are_the_split_metrics<double>(classes);
  expect_epoch_metrics_are_the_split_metrics<float>(classes);
  const data::Table well = data::read_csv(kData + "/geodatasets/unconv_MV_v4.csv");
  const workflow::PreparedRun values = workflow::prepare_run(well, well_config());
  ASSERT_EQ(values.preprocessing.task, data::Task::regression);
  expect_epoch_metrics_are_the_split_metrics<double>(values);
  expect_epoch_metrics_are_the_split_metrics<float>(values);
}

TEST(Run, Float32TrainsToo) {
  const data::Table t = data::read_csv(kData + "/geodatasets/unconv_MV_v4.csv");
  RunConfig c = well_config();
  c.float32 = true;
  const auto r = workflow::train_on_table(t, c);
  EXPECT_TRUE(r.model.float32);
  for (double v : r.model.parameters) EXPECT_EQ(static_cast<double>(static_cast<float>(v)), v);
  const auto back = workflow::parse_model(workflow::model_json(r.model), "f32.json");
  EXPECT_EQ(back.parameters, r.model.parameters);
  EXPECT_GT(r.train.regression->r2, 0.7);
}

TEST(Run, KFoldReportsEveryFold) {
  const data::Table t = data::read_csv(kData + "/geodatasets/unconv_MV_v4.csv");
  RunConfig c = well_config();
  c.kfold = 4;
  c.train.epochs = 10;
  const auto r = workflow::train_on_table(t, c);
  ASSERT_TRUE(r.cross_validation);
  ASSERT_EQ(r.cross_validation->folds.size(), 4u);
  long rows = 0;
  for (const auto& f : r.cross_validation->folds) rows += f.rows;
  EXPECT_EQ(rows, 180);  // all non-test rows, each validated once
}

TEST(RunConfig, JsonRoundTripsAndRejectsUnknownKeys) {
  const RunConfig c = well_config();
  const std::string text = workflow::run_config_json(c);
  const RunConfig back = workflow::parse_run_config(text, "x");
  EXPECT_EQ(workflow::run_config_json(back), text);
  try {
    workflow::parse_run_config(R"({"epoch": 5})", "run.json");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown option 'epoch'"), std::string::npos);
  }
  EXPECT_THROW(workflow::parse_run_config(R"({"lr": "fast"})", "r"), std::invalid_argument);
  EXPECT_THROW(workflow::parse_run_config(R"({"validation": 0.6, "test": 0.5})", "r"),
               std::invalid_argument);
  EXPECT_THROW(workflow::parse_run_config("[1]", "r"), std::invalid_argument);
}

// epoch_loss: both names round-trip, full_pass is the default, anything else is refused
// with the names it takes.
TEST(RunConfig, EpochLossNamesTheConvention) {
  EXPECT_EQ(workflow::parse_run_config("{}", "r").train.epoch_loss, EpochLoss::full_pass);
  const RunConfig c = workflow::parse_run_config(R"({"epoch_loss": "batch_mean"})", "r");
  EXPECT_EQ(c.train.epoch_loss, EpochLoss::batch_mean);
  EXPECT_NE(workflow::run_config_json(c).find("\"epoch_loss\": \"batch_mean\""), std::string::npos);
  try {
    workflow::parse_run_config(R"({"epoch_loss": "mean"})", "run.json");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "run.json: 'epoch_loss': expected \"full_pass\" or \"batch_mean\", got \"mean\""),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_epoch_loss("full"), UsageError);
  EXPECT_EQ(parse_epoch_loss(epoch_loss_name(EpochLoss::batch_mean)), EpochLoss::batch_mean);
}

TEST(Run, ConfigurationErrorsSayWhatToChange) {
  const data::Table t = data::read_csv(kData + "/geodatasets/unconv_MV_v4.csv");
  RunConfig c = well_config();
  c.columns.targets = {"Production"};
  EXPECT_ANY_THROW(workflow::train_on_table(t, c));
  c = well_config();
  c.loss = LossKind::softmax_cross_entropy;
  EXPECT_THROW(workflow::train_on_table(t, c), std::invalid_argument);
  c = well_config();
  c.train.optimizer.learning_rate = 1e5;
  c.train.optimizer.kind = OptimizerKind::gd;
  c.feature_scaling = data::Scaling::none;
  EXPECT_THROW(workflow::train_on_table(t, c), DivergenceError);
}

}  // namespace
