// The shared documents and the atomic writer: shapes that the dashboard and Python rely on.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "annlab/formats/atomic_file.hpp"
#include "annlab/formats/json.hpp"

namespace {
using namespace annlab;
using nlohmann::json;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AtomicFile, ReplacesTheWholeFileAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / "annlab_test_atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path f = dir / "out.txt";
  formats::write_file_atomically(f, "first version, longer than the second\n");
  formats::write_file_atomically(f, "second\n");
  EXPECT_EQ(slurp(f), "second\n");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path() == f ? 1 : 100;
  EXPECT_EQ(entries, 1);
  try {
    formats::write_file_atomically(dir / "missing" / "x.txt", "x");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/x.txt"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

History two_epochs() {
  History h;
  EpochRecord a;
  a.epoch = 1;
  a.learning_rate = 0.1;
  a.train_loss = 0.5;
  a.validation_loss = std::numeric_limits<double>::quiet_NaN();  // no validation data
  a.train_metrics = {{"rmse", 2.0}};
  EpochRecord b = a;
  b.epoch = 2;
  b.train_loss = 0.25;
  h.epochs = {a, b};
  return h;
}

TEST(TrainingHistory, CsvHasOneRowPerEpochAndEmptyCellsForMissingValues) {
  const std::string csv = formats::training_history_csv(two_epochs());
  std::istringstream in(csv);
  std::string header, row1, row2;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  EXPECT_EQ(header, "epoch,learning_rate,train_loss,validation_loss,train_rmse,seconds");
  EXPECT_EQ(row1, "1,0.1,0.5,,2.0,0.0");
  EXPECT_EQ(row2.substr(0, 10), "2,0.1,0.25");
}

TEST(TrainingHistory, JsonMergesProbeStatesIntoTheirEpochs) {
  const Architecture arch{
      {1, 1}, {Activation::of(ActivationKind::identity)}, LossKind::half_squared_error};
  Network<double> net(arch);
  net.parameters()[0] = 2.0;  // λ(1,2)
  net.parameters()[1] = 0.5;  // b2
  const double x[] = {3.0}, y[] = {1.0};
  History h = two_epochs();
  h.probes.push_back({0, trace_batch(net, x, y, 1)});
  h.probes.push_back({2, trace_batch(net, x, y, 1)});
  const json j = json::parse(
      formats::training_history_json(arch, R"({"epochs": 2})", h, {3.0}, {1.0}, "test"));
  EXPECT_EQ(j["format"], "annlab.history");
  EXPECT_EQ(j["run"]["epochs"], 2);
  ASSERT_EQ(j["epochs"].size(), 3u);  // the probed epoch 0, then 1 and 2
  EXPECT_EQ(j["epochs"][0]["epoch"], 0);
  EXPECT_EQ(j["epochs"][0]["loss"], 0.5 * 5.5 * 5.5);  // ŷ = 2·3 + 0.5 = 6.5, ½(ŷ - y)²
  EXPECT_FALSE(j["epochs"][1].contains("traces"));
  EXPECT_TRUE(j["epochs"][1]["validation_loss"].is_null());
  EXPECT_EQ(j["epochs"][2]["traces"][0]["dL_dweights"][0], 3.0 * 5.5);  // out(I1)·dL/d(in O2)
  EXPECT_EQ(j["samples"][0]["x"][0], 3.0);
}

}  // namespace
