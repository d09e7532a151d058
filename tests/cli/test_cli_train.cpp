// annlab train / predict / evaluate / inspect / trace, run as a user runs them.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "run_cli.hpp"

namespace {
using nlohmann::json;
namespace fs = std::filesystem;

using Result = annlab::test::CliResult;
using annlab::test::has;
Result run(const std::string& args, bool stdout_only = false) {
  return annlab::test::run_cli(args, stdout_only);
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("annlab_cli_" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
  }
  fs::path dir;
  const std::string well = std::string(ANNLAB_SHARED_DATA) + "/geodatasets/unconv_MV_v4.csv";
  const std::string iris = std::string(ANNLAB_SHARED_DATA) + "/classic/iris.csv";
};

TEST_F(CliTrain, TrainPredictEvaluateInspectTraceOnTheWellData) {
  const std::string model = path("model.json");
  Result r = run("train " + well +
                 " --target Prod --drop Well --layers 16,8 --activation tanh --optimizer adam "
                 "--lr 0.01 --epochs 100 --batch 32 --seed 1 --validation 0.2 --test 0.1 --out " +
                 model + " --history " + path("run.json") + " --history-csv " + path("run.csv") +
                 " --probe-rows 0,1 --history-every 10 --save-config " + path("cfg.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"140", "validation", "test", "RMSE", "R²", "model written to"})
    EXPECT_TRUE(has(r.out, s)) << s << "\n" << r.out;
  // Not a terminal: plain epoch lines, no carriage returns.
  EXPECT_TRUE(has(r.out, "epoch 100/100")) << r.out;
  EXPECT_FALSE(has(r.out, "\r"));

  const json hist = json::parse(slurp(path("run.json")));
  EXPECT_EQ(hist["format"], "annlab.history");
  EXPECT_EQ(hist["samples"].size(), 2u);
  int probed = 0;
  for (const auto& e : hist["epochs"]) probed += e.contains("traces");
  EXPECT_EQ(probed, 11);  // epoch 0 and every 10th of 100
  const std::string csv = slurp(path("run.csv"));
  EXPECT_EQ(csv.rfind("epoch,learning_rate,train_loss,validation_loss", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 101);

  r = run("predict " + model + " " + well, true);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("row,Prod_predicted\n0,", 0), 0u) << r.out.substr(0, 200);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 201);
  r = run("predict " + model + " " + well + " --out " + path("pred.csv"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::exists(path("pred.csv")));

  r = run("evaluate " + model + " " + well + " --json", true);
  ASSERT_EQ(r.code, 0) << r.out;
  const json ev = json::parse(r.out);
  EXPECT_EQ(ev["rows"], 200);
  EXPECT_GT(ev["r2"].get<double>(), 0.5);

  r = run("inspect " + model);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"6-16-8-1", "Por", "minmax01", "seed 1", "fnv1a64", "parameters"})
    EXPECT_TRUE(has(r.out, s)) << s << "\n" << r.out;

  r = run("trace " + model + " " + well + " --row 3");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"I1", "H7", "O", "λ(1,7)", "dL/d input"})
    EXPECT_TRUE(has(r.out, s)) << s << "\n" << r.out;

  // The saved configuration repeats the run exactly.
  r = run("train " + well + " --config " + path("cfg.json") + " -q --out " + path("again.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json::parse(slurp(path("again.json")))["parameters"],
            json::parse(slurp(model))["parameters"]);
}

TEST_F(CliTrain, ClassificationPrintsAccuracyAndConfusion) {
  const std::string model = path("iris.json");
  Result r = run("train " + iris +
                 " --target species --layers 8 --activation tanh --lr 0.02 "
                 "--epochs 100 --batch 16 --seed 2 --test 0.2 -q --out " +
                 model);
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("evaluate " + model + " " + iris);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"accuracy", "confusion matrix", "precision", "recall", "F1"})
    EXPECT_TRUE(has(r.out, s)) << s << "\n" << r.out;
  r = run("predict " + model + " " + iris, true);
  ASSERT_EQ(r.code, 0);
  EXPECT_TRUE(has(r.out.substr(0, r.out.find('\n')), "P(")) << r.out.substr(0, 200);
}

TEST_F(CliTrain, BadDataExitsThreeNamingFileLineAndColumn) {
  write("bad.csv", "a,b,y\n1,2,3\n4,oops,6\n7,8,9\n");
  Result r = run("train " + path("bad.csv") + " --target y --numeric b --epochs 1");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, path("bad.csv") + ":3:2")) << r.out;
  write("ragged.csv", "a,b,y\n1,2,3\n4,5\n");
  r = run("train " + path("ragged.csv") + " --target y --epochs 1");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, path("ragged.csv") + ":3")) << r.out;
  r = run("train " + path("missing.csv") + " --target y");
  EXPECT_EQ(r.code, 3) << r.out;
  // A model file that is not one.
  write("notamodel.json", "{\"format\": \"something\"}");
  r = run("inspect " + path("notamodel.json"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "not an annlab model")) << r.out;
}

TEST_F(CliTrain, PredictNeedsTheModelsColumns) {
  const std::string model = path("m.json");
  write("train.csv", "x,kind,y\n0.1,a,1\n0.5,b,2\n0.9,a,3\n0.3,b,1.5\n");
  Result r =
      run("train " + path("train.csv") + " --target y --layers 2 --epochs 5 -q --out " + model);
  ASSERT_EQ(r.code, 0) << r.out;
  write("nox.csv", "kind\na\n");
  r = run("predict " + model + " " + path("nox.csv"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "x")) << r.out;
  write("unseen.csv", "x,kind\n0.2,c\n");
  r = run("predict " + model + " " + path("unseen.csv"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "'c'") || has(r.out, "\"c\"") || has(r.out, " c")) << r.out;
}

TEST_F(CliTrain, UsageErrorsExitTwo) {
  for (const std::string& args :
       {"train " + well, "train " + well + " --target Prod --epochs -3",
        "train " + well + " --target Prod --lr fast",
        "train " + well + " --target Prod --optimizer sgdx",
        "train " + well + " --target Prod --validation 0.7 --test 0.5",
        "train " + well + " --target Prod --config " + path("nope.json")}) {
    const Result r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
  }
}

TEST_F(CliTrain, DivergenceExitsFourAndWritesNoModel) {
  const Result r = run("train " + well +
                       " --target Prod --drop Well --optimizer gd --lr 1e6 "
                       "--scale none --epochs 50 --out " +
                       path("m.json"));
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_TRUE(has(r.out, "diverged")) << r.out;
  EXPECT_FALSE(fs::exists(path("m.json")));
}

}  // namespace

namespace {

// Problems found in review: each must be an error with the right exit code, never a
// silently wrong result.
class CliTrainReview : public CliTrain {};

TEST_F(CliTrainReview, NonFiniteOptionValuesAreUsageErrors) {
  for (const char* v : {"--lr inf", "--lr nan", "--validation nan", "--momentum -inf"}) {
    const auto r = run("train " + well + " --target Prod " + v + " --epochs 1 -q");
    EXPECT_EQ(r.code, 2) << v << "\n" << r.out;
    EXPECT_TRUE(has(r.out, "finite number")) << r.out;
  }
  write("cfg.json", R"({"target": "Prod", "lr": null})");
  const auto r = run("train " + well + " --config " + path("cfg.json") + " -q");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(has(r.out, "'lr': expected a number")) << r.out;
}

TEST_F(CliTrainReview, NonFinitePredictionsAreErrorsNamingTheRow) {
  write("train.csv", "x,y\n0.1,1\n0.5,2\n0.9,3\n0.3,1.5\n");
  ASSERT_EQ(run("train " + path("train.csv") +
                " --target y --layers none --epochs 20 --lr 0.1 "
                "-q --out " +
                path("m.json"))
                .code,
            0);
  write("huge.csv", "x,y\n0.2,1\n1.7e308,2\n");
  auto r = run("predict " + path("m.json") + " " + path("huge.csv") + " --out " + path("p.csv"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, path("huge.csv") + ":3: the prediction for this row is not a finite"))
      << r.out;
  EXPECT_FALSE(fs::exists(path("p.csv")));
  r = run("evaluate " + path("m.json") + " " + path("huge.csv"));
  EXPECT_EQ(r.code, 3) << r.out;
}

TEST_F(CliTrainReview, EarlyStoppingDoesNotHideDivergence) {
  const auto r = run("train " + well +
                     " --target Prod --drop Well --optimizer gd --lr 50 "
                     "--epochs 100 --validation 0.2 --early-stopping -q --out " +
                     path("m.json"));
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_TRUE(has(r.out, "the loss grew from")) << r.out;
  EXPECT_FALSE(fs::exists(path("m.json")));
}

TEST_F(CliTrainReview, OutputsMayNotOverwriteInputsOrEachOther) {
  auto r = run("train " + well + " --target Prod --epochs 1 -q --out " + path("o.json") +
               " --history " + path("o.json"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(has(r.out, "both write")) << r.out;
  r = run("train " + well + " --target Prod --epochs 1 -q --out " + path("m.json") +
          " --history /nonexistent-dir/h.json");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_FALSE(fs::exists(path("m.json"))) << "nothing is written when an output cannot be";
  ASSERT_EQ(
      run("train " + well + " --target Prod --drop Well --epochs 1 -q --out " + path("m.json"))
          .code,
      0);
  r = run("predict " + path("m.json") + " " + well + " --out " + path("m.json"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(has(r.out, "is also an input")) << r.out;
  EXPECT_EQ(json::parse(std::ifstream(path("m.json")))["format"], "annlab.model");
}

TEST_F(CliTrainReview, ASingleRowIsADataError) {
  write("one.csv", "x,y\n1,2\n");
  const auto r = run("train " + path("one.csv") + " --target y -q");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "at least 2 usable rows")) << r.out;
}

TEST_F(CliTrainReview, BoundedOutputsMustFitTheTargetScaling) {
  auto r = run("train " + well + " --target Prod --output sigmoid --scale-target standard -q");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(has(r.out, "--output sigmoid produces values in (0, 1)")) << r.out;
  r = run("train " + well + " --target Prod --output tanh --scale-target none -q");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(run("train " + well + " --target Prod --drop Well --output sigmoid --epochs 1 -q").code,
            0);
}

TEST_F(CliTrainReview, ConstantInitializersTakeTheirValue) {
  ASSERT_EQ(run("train " + well +
                " --target Prod --drop Well --layers 3 --epochs 0 "
                "--init constant:0.25 --bias-init constant:-0.5 -q --out " +
                path("m.json"))
                .code,
            0);
  const json m = json::parse(std::ifstream(path("m.json")));
  // 6-3-1: W1 (18) then b1 (3), W2 (3) then b2 (1).
  const auto& p = m["parameters"];
  for (int i : {0, 17, 21, 23}) EXPECT_EQ(p[i].get<double>(), 0.25) << i;
  for (int i : {18, 20, 24}) EXPECT_EQ(p[i].get<double>(), -0.5) << i;
  EXPECT_EQ(m["run_config"]["init"], "constant:0.25");
  EXPECT_EQ(run("train " + well + " --target Prod --init constant -q").code, 2);
}

TEST_F(CliTrainReview, ModelFilesWithABadRunConfigOrDuplicateColumnsAreRejected) {
  ASSERT_EQ(
      run("train " + well + " --target Prod --drop Well --epochs 1 -q --out " + path("m.json"))
          .code,
      0);
  json m = json::parse(std::ifstream(path("m.json")));
  json bad = m;
  bad["run_config"]["lr"] = -5;
  std::ofstream(path("bad1.json")) << bad.dump();
  auto r = run("inspect " + path("bad1.json"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "'lr'")) << r.out;
  bad = m;
  bad["preprocessing"]["features"][1]["name"] = bad["preprocessing"]["features"][0]["name"];
  std::ofstream(path("bad2.json")) << bad.dump();
  r = run("inspect " + path("bad2.json"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "appears twice")) << r.out;
}

TEST_F(CliTrainReview, OptionsThatDoNotApplyAreWarnedAbout) {
  const auto r = run("train " + well +
                     " --target Prod --drop Well --epochs 1 --no-progress "
                     "--optimizer adam --momentum 0.5 --patience 3 --decay 0.1");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "warning: --momentum has no effect with --optimizer adam")) << r.out;
  EXPECT_TRUE(has(r.out, "warning: --patience has no effect without --early-stopping")) << r.out;
  EXPECT_TRUE(has(r.out, "warning: --decay has no effect with --schedule constant")) << r.out;
  const auto e = run("train " + well + " --target Prod --schedule chapter_decay --epochs 1 -q");
  EXPECT_EQ(e.code, 2) << e.out;
}

// --epoch-loss changes what the epochs report, not what is trained: the same parameters,
// and the model's run configuration says which convention its history used.
TEST_F(CliTrainReview, EpochLossChangesTheReportNotTheModel) {
  const std::string common = "train " + iris + " --target species --epochs 4 --batch 16 -q --out ";
  ASSERT_EQ(run(common + path("full.json")).code, 0);
  ASSERT_EQ(run(common + path("mean.json") + " --epoch-loss batch_mean").code, 0);
  const json full = json::parse(slurp(path("full.json")));
  const json mean = json::parse(slurp(path("mean.json")));
  EXPECT_EQ(full["parameters"], mean["parameters"]);
  EXPECT_EQ(full["run_config"]["epoch_loss"], "full_pass");
  EXPECT_EQ(mean["run_config"]["epoch_loss"], "batch_mean");
  const Result bad = run(common + path("x.json") + " --epoch-loss mean");
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(has(bad.out, "'epoch_loss': expected \"full_pass\" or \"batch_mean\", got \"mean\""))
      << bad.out;
}

// --threads runs the same training on more threads: batches of 32 rows through 4-256-128-3
// are cut into two row halves whatever the count, so the models are the same, bit for bit.
TEST_F(CliTrainReview, ThreadsGiveTheSameModel) {
  const std::string common =
      "train " + iris + " --target species --layers 256,128 --epochs 3 --batch 32 -q --out ";
  ASSERT_EQ(run(common + path("t1.json") + " --threads 1").code, 0);
  ASSERT_EQ(run(common + path("t2.json") + " --threads 2").code, 0);
  const json one = json::parse(slurp(path("t1.json")));
  const json two = json::parse(slurp(path("t2.json")));
  EXPECT_EQ(one["parameters"], two["parameters"]);
  EXPECT_FALSE(two["run_config"].contains("threads"));
  EXPECT_EQ(run(common + path("t3.json") + " --threads -1").code, 2);
}

TEST_F(CliTrainReview, ChapterJsonOfOneEpochAndTraceNeedsARow) {
  const auto r = run("chapter --json --epoch 3", true);
  ASSERT_EQ(r.code, 0);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["format"], "annlab.trace");
  EXPECT_EQ(j["trace"]["node_in"].size(), 6u);
  ASSERT_EQ(
      run("train " + well + " --target Prod --drop Well --epochs 1 -q --out " + path("m.json"))
          .code,
      0);
  EXPECT_EQ(run("trace " + path("m.json") + " " + well).code, 2);
}

}  // namespace
