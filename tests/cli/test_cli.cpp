// The annlab command line, run as a user runs it: the built binary, its output and exit code.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.hpp"

namespace {
using nlohmann::json;

using Result = annlab::test::CliResult;
using annlab::test::has;
Result run(const std::string& args, bool stdout_only = false) {
  return annlab::test::run_cli(args, stdout_only);
}

json fixture() {
  std::ifstream in(std::string(ANNLAB_FIXTURES) + "/chapter_seed13.json");
  return json::parse(in);
}

TEST(Cli, HelpOnEveryCommandExitsZero) {
  for (const char* c : {"", "chapter ", "params ", "gradcheck "}) {
    const Result r = run(std::string(c) + "--help");
    EXPECT_EQ(r.code, 0) << c;
    EXPECT_TRUE(has(r.out, "Usage")) << c << r.out;
  }
  EXPECT_TRUE(has(run("--version").out, "annlab "));
}

TEST(Cli, UsageErrorsExitTwoWithAOneLineHint) {
  for (const char* args : {"", "nosuchcommand", "chapter --epochs abc", "chapter --epoch 2000",
                           "chapter --x 1,2", "params", "params 3,0,1", "params 3,x,1",
                           "gradcheck --layers 3,2,1 --activations softmax,identity",
                           "gradcheck --layers 3,2,1 --activations sigmoid,binary_step",
                           "gradcheck --activations sigmoid,nosuch"}) {
    const Result r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_TRUE(has(r.out, "--help' for usage.")) << args << "\n" << r.out;
  }
  EXPECT_TRUE(has(run("params 3,0,1").out, "at least one node"));
  EXPECT_TRUE(
      has(run("gradcheck --layers 3,2,1 --activations softmax,identity").out, "output layer only"));
}

TEST(Cli, ChapterPrintsTheChaptersStartingValues) {
  const Result r = run("chapter --epoch 0");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"O6 = 0.0991164", "λ(1,4)         0.3206631", "λ(2,4)        -0.3030613",
                        "λ(3,4)         0.3744446", "λ(4,6)         0.1542093",
                        "b6            -0.2324817", "H4", "H5", "I3"})
    EXPECT_TRUE(has(r.out, s)) << s << "\n" << r.out;
  EXPECT_TRUE(has(run("chapter --epoch 100").out, "O6 = 0.3000000"));
}

TEST(Cli, ChapterJsonEqualsTheNumpyLoopAtEveryEpoch) {
  const Result r = run("chapter --json", /*stdout_only=*/true);
  ASSERT_EQ(r.code, 0);
  const json doc = json::parse(r.out);
  const json golden = fixture();
  ASSERT_EQ(doc["epochs"].size(), golden["epochs"].size());
  double worst = 0;
  auto cmp = [&](const json& a, const json& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      worst = std::max(worst, std::abs(a[i].get<double>() - b[i].get<double>()));
  };
  for (std::size_t e = 0; e < golden["epochs"].size(); ++e) {
    const json &g = golden["epochs"][e], &d = doc["epochs"][e];
    for (const char* k : {"weights", "biases", "dL_dweights", "dL_dbiases"}) cmp(g[k], d[k]);
    for (const char* k : {"node_in", "node_out", "dL_dnode_in", "dL_dnode_out", "dL_dweights",
                          "dL_dbiases", "prediction"})
      cmp(g["traces"][0][k], d["traces"][0][k]);
  }
  EXPECT_LT(worst, 1e-12);
}

TEST(Cli, ChapterWritesItsJsonAtomicallyToAFile) {
  const auto dir = std::filesystem::temp_directory_path() / "annlab_test_cli";
  std::filesystem::create_directories(dir);
  const auto file = dir / "run.json";
  std::filesystem::remove(file);
  const Result r = run("chapter --epochs 10 -o " + file.string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(file);
  const json doc = json::parse(in);
  EXPECT_EQ(doc["epochs"].size(), 11u);
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_FALSE(has(entry.path().filename().string(), ".tmp-")) << "temporary file left";
  // An unwritable destination is an error, exit 1, and leaves nothing behind.
  const Result bad = run("chapter --epochs 1 -o /nonexistent-dir/run.json");
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(has(bad.out, "/nonexistent-dir/run.json")) << bad.out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, ChapterDivergenceExitsFour) {
  const Result r = run("chapter --lr 1e6 --epochs 100");
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_TRUE(has(r.out, "lower the learning rate")) << r.out;
}

TEST(Cli, ParamsCountsTheChaptersExample) {
  const Result r = run("params 10,8,6,4,2,1");
  ASSERT_EQ(r.code, 0);
  EXPECT_TRUE(has(r.out, "162")) << r.out;
  EXPECT_TRUE(has(r.out, "|θ| = Σ l_i·(l_(i-1)+1) = 183")) << r.out;
  const json j = json::parse(run("params 10,8,6,4,2,1 --json").out);
  EXPECT_EQ(j["weights"], 162);
  EXPECT_EQ(j["biases"], 21);
  EXPECT_EQ(j["parameters"], 183);
  EXPECT_EQ(j["layers"].size(), 5u);
  EXPECT_EQ(json::parse(run("params 10,20,3 --json").out)["parameters"], 283);
}

TEST(Cli, GradcheckReportsTheWorstErrorAndWhere) {
  Result r =
      run("gradcheck --layers 4,16,8,3 --activations tanh,elu,softmax "
          "--loss softmax_cross_entropy");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "worst relative error")) << r.out;
  EXPECT_TRUE(has(r.out, "PASS")) << r.out;
  r = run("gradcheck --json --all", true);
  ASSERT_EQ(r.code, 0);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["checked"], 11 + 4 * 3);  // 3-2-1: 11 parameters, 4 rows x 3 inputs
  EXPECT_LT(j["worst"]["error"].get<double>(), 1e-6);
  // An impossible tolerance fails with exit 1.
  EXPECT_EQ(run("gradcheck --tol 1e-30").code, 1);
}

}  // namespace
