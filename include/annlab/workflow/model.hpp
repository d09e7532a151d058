// Model files: a versioned, data-only JSON document ("annlab.model") holding the
// architecture, every parameter (exact round trip), the preprocessing (scalers, category
// maps, column names), the run configuration, the seed, a hash of the training data and
// the annlab version. Written atomically; loading validates every field, size and index.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "annlab/core/architecture.hpp"
#include "annlab/data/dataset.hpp"

namespace annlab::workflow {

inline constexpr int kModelVersion = 1;
inline constexpr const char* kModelFormat = "annlab.model";

// A malformed, inconsistent or oversized model file: "FILE: message" (with the JSON
// line and column for syntax errors).
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Model {
  Architecture arch;
  std::vector<double> parameters;  // flat layout (architecture.hpp); float32 models hold
                                   // float values exactly
  bool float32 = false;
  data::Preprocessor preprocessing;
  std::string run_config;  // the effective RunConfig as JSON text (run.hpp)
  // provenance
  std::uint32_t seed = 0;
  std::string data_file;
  std::uint64_t data_hash = 0;
  long data_rows = 0;
  std::string annlab_version;
  std::map<std::string, double> metrics;  // final metrics ("test.rmse", ...), informative
};

std::string model_json(const Model& m, int indent = 1);
// The model file's "preprocessing" object on its own: {task, features, targets}.
std::string preprocessing_json(const data::Preprocessor& p);
Model parse_model(const std::string& text, const std::string& source);

void save_model(const Model& m, const std::filesystem::path& path);  // atomic
Model load_model(const std::filesystem::path& path, std::uintmax_t max_bytes = std::uintmax_t(1)
                                                                               << 30);

// Human-readable summary (annlab inspect).
std::string describe_model(const Model& m);

}  // namespace annlab::workflow
