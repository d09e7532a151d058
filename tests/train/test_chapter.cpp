// The chapter's worked example against the chapter's own NumPy loop
// (tests/fixtures/chapter_seed13.json, made by tools/chapter_numpy.py): every epoch, every
// parameter, node value and loss derivative, to 1e-12.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "annlab/core/error.hpp"
#include "annlab/formats/json.hpp"
#include "annlab/train/chapter.hpp"

namespace {
using nlohmann::json;
using namespace annlab;

json load_fixture() {
  std::ifstream in(std::string(ANNLAB_FIXTURES) + "/chapter_seed13.json");
  EXPECT_TRUE(in.good()) << "missing fixture; regenerate with tools/chapter_numpy.py";
  return json::parse(in);
}

constexpr double kTol = 1e-12;

void expect_near_vec(const json& golden, const std::vector<double>& got, const std::string& what) {
  ASSERT_EQ(golden.size(), got.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(golden[i].get<double>(), got[i], kTol) << what << "[" << i << "]";
}

TEST(Chapter, StartingValuesMatchTheChapterText) {
  // The values the chapter prints for epoch 0 (seed 13), to its 7 decimals.
  const TraceHistory h = run_chapter({});
  const SampleTrace& t = h.states[0].samples[0];
  EXPECT_NEAR(t.weights[0].value, 0.3206631, 5e-8);   // λ14
  EXPECT_NEAR(t.weights[1].value, -0.3030613, 5e-8);  // λ24
  EXPECT_NEAR(t.weights[2].value, 0.3744446, 5e-8);   // λ34
  EXPECT_NEAR(t.weights[6].value, 0.1542093, 5e-8);   // λ46
  EXPECT_NEAR(t.biases[2].value, -0.2324817, 5e-8);   // b6
  EXPECT_NEAR(t.prediction[0], 0.0991164, 5e-8);      // O6
  // "reaches 0.3 to four decimals within about 100 epochs"
  EXPECT_NEAR(h.states[100].samples[0].prediction[0], 0.3, 5e-5);
}

TEST(Chapter, EveryEpochMatchesTheNumpyLoop) {
  const json golden = load_fixture();
  const TraceHistory h = run_chapter({});
  const json& epochs = golden["epochs"];
  ASSERT_EQ(epochs.size(), h.states.size());
  ASSERT_EQ(h.states.size(), 1001u);
  for (std::size_t e = 0; e < h.states.size(); ++e) {
    SCOPED_TRACE("epoch " + std::to_string(e));
    const json& g = epochs[e];
    const BatchTrace& bt = h.states[e];
    const SampleTrace& t = bt.samples[0];
    const json& gt = g["traces"][0];
    std::vector<double> w, b, in, out, din, dout, dw, db;
    for (const auto& x : t.weights) w.push_back(x.value), dw.push_back(x.grad);
    for (const auto& x : t.biases) b.push_back(x.value), db.push_back(x.grad);
    for (const auto& n : t.nodes)
      in.push_back(n.in), out.push_back(n.out), din.push_back(n.dL_din), dout.push_back(n.dL_dout);
    expect_near_vec(g["weights"], w, "weights");
    expect_near_vec(g["biases"], b, "biases");
    expect_near_vec(g["dL_dweights"], bt.weight_grad, "batch dL/dweights");
    expect_near_vec(g["dL_dbiases"], bt.bias_grad, "batch dL/dbiases");
    expect_near_vec(gt["node_in"], in, "node_in");
    expect_near_vec(gt["node_out"], out, "node_out");
    expect_near_vec(gt["dL_dnode_in"], din, "dL_dnode_in");
    expect_near_vec(gt["dL_dnode_out"], dout, "dL_dnode_out");
    expect_near_vec(gt["dL_dweights"], dw, "dL_dweights");
    expect_near_vec(gt["dL_dbiases"], db, "dL_dbiases");
    expect_near_vec(gt["prediction"], t.prediction, "prediction");
    EXPECT_NEAR(g["loss"].get<double>(), bt.loss, kTol);
    if (::testing::Test::HasFailure()) return;  // one epoch's report is enough
  }
}

TEST(Chapter, HistoryDocumentHasTheFixturesSchemaAndNames) {
  const json golden = load_fixture();
  const json doc = json::parse(formats::history_json(run_chapter({}), "test"));
  EXPECT_EQ(doc["format"], "annlab.history");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["network"], golden["network"]);  // node ids, names, weight and bias names
  EXPECT_EQ(doc["samples"], golden["samples"]);
  EXPECT_EQ(doc["run"], golden["run"]);
  ASSERT_EQ(doc["epochs"].size(), golden["epochs"].size());
  // Same keys in every epoch and trace record.
  for (auto it = golden["epochs"][7].begin(); it != golden["epochs"][7].end(); ++it)
    EXPECT_TRUE(doc["epochs"][7].contains(it.key())) << it.key();
  for (auto it = golden["epochs"][7]["traces"][0].begin();
       it != golden["epochs"][7]["traces"][0].end(); ++it)
    EXPECT_TRUE(doc["epochs"][7]["traces"][0].contains(it.key())) << it.key();
  // Numbers survive the text form exactly (shortest round-trip representation).
  const TraceHistory h = run_chapter({});
  EXPECT_EQ(doc["epochs"][3]["weights"][4].get<double>(), h.states[3].samples[0].weights[4].value);
}

TEST(Chapter, OtherSeedsAndRatesStillMatchAGradientDescentStep) {
  // With another seed and rate, each epoch's parameters are the previous ones minus η·grad.
  ChapterConfig c;
  c.seed = 7;
  c.learning_rate = 0.5;
  c.epochs = 20;
  const TraceHistory h = run_chapter(c);
  ASSERT_EQ(h.states.size(), 21u);
  for (int e = 1; e <= 20; ++e)
    for (std::size_t k = 0; k < h.states[e].weight_grad.size(); ++k)
      EXPECT_NEAR(
          h.states[e].samples[0].weights[k].value,
          h.states[e - 1].samples[0].weights[k].value - 0.5 * h.states[e - 1].weight_grad[k],
          1e-15);
  EXPECT_LT(h.states[20].loss, h.states[0].loss);
}

TEST(Chapter, RejectsImpossibleConfigurations) {
  ChapterConfig c;
  c.x = {1, 2};
  EXPECT_THROW(run_chapter(c), std::invalid_argument);
  c = {};
  c.learning_rate = 0;
  EXPECT_THROW(run_chapter(c), std::invalid_argument);
  c = {};
  c.epochs = -1;
  EXPECT_THROW(run_chapter(c), std::invalid_argument);
}

TEST(Chapter, DivergenceIsReportedNotSilent) {
  ChapterConfig c;
  c.learning_rate = 1e6;  // explodes within a few steps
  c.epochs = 200;
  try {
    run_chapter(c);
    FAIL() << "expected divergence to be reported";
  } catch (const DivergenceError& e) {
    EXPECT_GT(e.epoch(), 0);
    EXPECT_NE(std::string(e.what()).find("lower the learning rate"), std::string::npos);
  }
}

}  // namespace
