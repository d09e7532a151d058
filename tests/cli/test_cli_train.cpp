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
