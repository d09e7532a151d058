// Model files: exact round trip, atomic writes, and rejection of anything malformed,
// inconsistent or oversized with a clear error (never a crash).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "annlab/workflow/model.hpp"

namespace {
using namespace annlab;
using nlohmann::json;
using workflow::Model;
using workflow::ModelError;

Model sample_model() {
  Model m;
  m.arch = {{3, 2, 2},
            {Activation::of(ActivationKind::tanh), Activation::of(ActivationKind::softmax)},
            LossKind::softmax_cross_entropy};
  // Values that stress the text form: thirds, tiny, huge, negative zero, a subnormal.
  m.parameters = {1.0 / 3,
                  -2.0 / 3,
                  1e-300,
                  -0.0,
                  4.9406564584124654e-324,
                  1e300,
                  0.1,
                  0.2,
                  0.30000000000000004,
                  -7.5,
                  123456.789,
                  2.5,
                  -1.25,
                  3.0 / 7};
  if (m.parameters.size() != ParameterLayout(m.arch.widths).size) throw std::logic_error("setup");
  m.preprocessing.task = data::Task::classification;
  data::ColumnTransform por;
  por.name = "Por";
  por.scaling = data::Scaling::minmax01;
  por.min = 5.5;
  por.max = 24.6;
  por.mean = 14.9;
  por.std = 2.98;
  data::ColumnTransform kind;
  kind.name = "Kind, \"quoted\"";
  kind.kind = data::ColumnKind::categorical;
  kind.categories = {"a", "b"};
  data::ColumnTransform facies;
  facies.name = "Facies";
  facies.kind = data::ColumnKind::categorical;
  facies.categories = {"shale", "sand"};
  m.preprocessing.features = {por, kind};
  m.preprocessing.targets = {facies};
  m.run_config = R"({"epochs":5,"target":["Facies"]})";
  m.seed = 4294967295u;
  m.data_file = "facies.csv";
  m.data_hash = 0xfedcba9876543210ull;
  m.data_rows = 1700;
  m.annlab_version = "0.1.0";
  m.metrics = {{"test.accuracy", 0.875}};
  return m;
}

TEST(ModelFile, RoundTripsEveryFieldExactly) {
  const Model m = sample_model();
  const Model back = workflow::parse_model(workflow::model_json(m), "m.json");
  ASSERT_EQ(back.parameters.size(), m.parameters.size());
  for (std::size_t i = 0; i < m.parameters.size(); ++i)
    EXPECT_EQ(std::memcmp(&back.parameters[i], &m.parameters[i], sizeof(double)), 0)
        << "parameter " << i << " " << m.parameters[i] << " -> " << back.parameters[i];
  EXPECT_EQ(back.arch, m.arch);
  EXPECT_EQ(back.preprocessing.features.size(), 2u);
  EXPECT_EQ(back.preprocessing.features[1].name, "Kind, \"quoted\"");
  EXPECT_EQ(back.preprocessing.features[1].categories, m.preprocessing.features[1].categories);
  EXPECT_EQ(back.preprocessing.targets[0].categories, m.preprocessing.targets[0].categories);
  EXPECT_EQ(back.preprocessing.features[0].max, 24.6);
  EXPECT_EQ(back.preprocessing.task, data::Task::classification);
  EXPECT_EQ(json::parse(back.run_config), json::parse(m.run_config));
  EXPECT_EQ(back.seed, m.seed);
  EXPECT_EQ(back.data_hash, m.data_hash);
  EXPECT_EQ(back.data_rows, 1700);
  EXPECT_EQ(back.metrics.at("test.accuracy"), 0.875);
  // Text is stable: writing what was read gives the same document.
  EXPECT_EQ(workflow::model_json(back), workflow::model_json(m));
}

TEST(ModelFile, SaveIsAtomicAndLoadReadsItBack) {
  const auto dir = std::filesystem::temp_directory_path() / "annlab_test_model";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "m.json";
  workflow::save_model(sample_model(), file);
  const Model back = workflow::load_model(file);
  EXPECT_EQ(back.parameters, sample_model().parameters);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "m.json");
  }
  EXPECT_EQ(entries, 1);
  EXPECT_THROW(workflow::save_model(sample_model(), dir / "missing" / "m.json"),
               std::runtime_error);
  std::filesystem::remove_all(dir);
}

std::string message_of(const std::string& text) {
  try {
    workflow::parse_model(text, "bad.json");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(accepted)";
}

// Edits a valid document and expects a ModelError whose message contains `expected`.
void expect_rejected(const std::function<void(json&)>& edit, const std::string& expected) {
  json j = json::parse(workflow::model_json(sample_model()));
  edit(j);
  const std::string msg = message_of(j.dump());
  EXPECT_NE(msg.find(expected), std::string::npos) << "got: " << msg;
  EXPECT_EQ(msg.rfind("bad.json", 0), 0u) << msg;
}

TEST(ModelFile, RejectsMalformedFieldsNamingThem) {
  expect_rejected([](json& j) { j["format"] = "annlab.history"; }, "not an annlab model");
  expect_rejected([](json& j) { j["version"] = 99; }, "newer annlab");
  expect_rejected([](json& j) { j["version"] = "1"; }, "version: expected a whole number");
  expect_rejected([](json& j) { j.erase("network"); }, "missing field 'network'");
  expect_rejected([](json& j) { j["surprise"] = 1; }, "unexpected field 'surprise'");
  expect_rejected([](json& j) { j["network"]["widths"] = {3, 0, 2}; }, "network.widths[1]");
  expect_rejected([](json& j) { j["network"]["widths"] = {3}; }, "at least two layers");
  expect_rejected([](json& j) { j["network"]["widths"][1] = 2.5; }, "expected a whole number");
  expect_rejected([](json& j) { j["network"]["activations"] = {"tanh"}; }, "need one each");
  expect_rejected([](json& j) { j["network"]["activations"][0] = "swish"; },
                  "network.activations[0]");
  expect_rejected([](json& j) { j["network"]["activations"][0] = "softmax"; }, "output layer only");
  expect_rejected([](json& j) { j["network"]["loss"] = "hinge"; }, "unknown loss");
  expect_rejected([](json& j) { j["parameters"].erase(0); }, "has 13 values");
  expect_rejected([](json& j) { j["parameters"][3] = "x"; }, "parameters[3]: expected a number");
  expect_rejected([](json& j) { j["dtype"] = "float16"; }, "dtype");
  expect_rejected([](json& j) { j["dtype"] = "float32"; }, "is not a float32 value");
  expect_rejected([](json& j) { j["preprocessing"]["task"] = "ranking"; }, "preprocessing.task");
  expect_rejected([](json& j) { j["preprocessing"]["features"].erase(1); },
                  "make 1 input nodes; the network has 3");
  expect_rejected(
      [](json& j) {
        j["preprocessing"]["targets"][0]["categories"] = {"x", "x"};
      },
      "lists a category twice");
  expect_rejected([](json& j) { j["preprocessing"]["targets"][0]["categories"] = json::array(); },
                  "at least one category");
  expect_rejected([](json& j) { j["preprocessing"]["features"][0]["scaling"] = "log"; },
                  "unknown scaling");
  expect_rejected([](json& j) { j["preprocessing"]["features"][0]["std"] = -1; },
                  "must not be negative");
  expect_rejected([](json& j) { j["preprocessing"]["features"][0]["max"] = 1; },
                  "max is below min");
  expect_rejected([](json& j) { j["preprocessing"]["task"] = "regression"; },
                  "exactly one categorical target");
  expect_rejected([](json& j) { j["provenance"]["data_hash"] = "md5:00"; }, "data_hash");
  expect_rejected([](json& j) { j["provenance"]["seed"] = -1; }, "outside [0, 4294967295]");
  expect_rejected([](json& j) { j["metrics"]["x"] = "high"; }, "metrics.x");
  expect_rejected([](json& j) { j["run_config"] = 3; }, "run_config: expected an object");
}

TEST(ModelFile, OversizedNetworksAreRejectedBeforeAllocating) {
  // 1,000,000 x 1,000,000 weights would need 8 TB; the count check must come first.
  expect_rejected(
      [](json& j) {
        j["network"]["widths"] = {1000000, 1000000, 2};
      },
      "more than 2^31 parameters");
  expect_rejected(
      [](json& j) {
        j["network"]["widths"] = {3, 2000000, 2};
      },
      "outside [1, 1000000]");
}

TEST(ModelFile, SyntaxErrorsNameLineAndColumn) {
  const std::string msg = message_of("{\n  \"format\": \"annlab.model\",\n  \"version\": 1,,\n}");
  EXPECT_EQ(msg.rfind("bad.json:3:", 0), 0u) << msg;
  EXPECT_NE(msg.find("not a valid JSON model file"), std::string::npos) << msg;
  EXPECT_NE(message_of("").find("bad.json:"), std::string::npos);
  EXPECT_NE(message_of("[1,2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(message_of("{\"parameters\": NaN}").find("not a valid JSON"), std::string::npos);
}

TEST(ModelFile, LoadChecksThePathAndTheSizeLimit) {
  EXPECT_THROW(workflow::load_model("/nonexistent/m.json"), ModelError);
  EXPECT_THROW(workflow::load_model(std::filesystem::temp_directory_path()), ModelError);
  const auto file = std::filesystem::temp_directory_path() / "annlab_test_model_big.json";
  workflow::save_model(sample_model(), file);
  try {
    workflow::load_model(file, 100);
    FAIL() << "expected the size limit to apply";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("over the 100-byte limit"), std::string::npos);
  }
  std::filesystem::remove(file);
}

TEST(ModelFile, CorruptedFilesNeverCrash) {
  const std::string good = workflow::model_json(sample_model());
  std::mt19937 rng(7);
  int accepted = 0, rejected = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text = good;
    switch (trial % 3) {
      case 0:  // truncate
        text.resize(rng() % text.size());
        break;
      case 1:  // flip a few bytes
        for (int k = 0; k < 3; ++k) text[rng() % text.size()] = static_cast<char>(rng() % 256);
        break;
      case 2: {  // replace a number with an extreme one
        const std::size_t p = text.find("0.1");
        text.replace(p, 3, trial % 2 ? "1e999" : "-1e-999");
        break;
      }
    }
    try {
      workflow::parse_model(text, "fuzz.json");
      ++accepted;
    } catch (const ModelError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_EQ(accepted + rejected, 2000);
}

}  // namespace
