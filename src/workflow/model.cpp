// Model files: write (atomic) and read (every field, size and index validated).
#include "annlab/workflow/model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "annlab/formats/atomic_file.hpp"
#include "annlab/workflow/run.hpp"

namespace annlab::workflow {
namespace {
using nlohmann::json;

constexpr std::size_t kMaxLayers = 1000;
constexpr long kMaxWidth = 1'000'000;
constexpr std::size_t kMaxParameters = std::size_t(1) << 31;
constexpr std::size_t kMaxCategories = 1'000'000;

std::string hex64(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = digits[v & 15];
  return s;
}

json transform_json(const data::ColumnTransform& t) {
  json j{{"name", t.name},
         {"kind", t.kind == data::ColumnKind::numeric ? "numeric" : "categorical"}};
  if (t.kind == data::ColumnKind::numeric) {
    j["scaling"] = data::scaling_name(t.scaling);
    j["min"] = t.min;
    j["max"] = t.max;
    j["mean"] = t.mean;
    j["std"] = t.std;
  } else {
    j["categories"] = t.categories;
  }
  return j;
}

json preprocessing_doc(const data::Preprocessor& p) {
  json feats = json::array(), targs = json::array();
  for (const auto& t : p.features) feats.push_back(transform_json(t));
  for (const auto& t : p.targets) targs.push_back(transform_json(t));
  return {{"task", p.task == data::Task::regression ? "regression" : "classification"},
          {"features", feats},
          {"targets", targs}};
}

// Typed, bounds-checked reading with the JSON path in every message.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw ModelError(source_ + ": " + (path.empty() ? "" : path + ": ") + what);
  }
  const json& field(const json& obj, const std::string& path, const char* key) const {
    if (!obj.is_object()) fail(path, "expected an object");
    auto it = obj.find(key);
    if (it == obj.end()) fail(path, std::string("missing field '") + key + "'");
    return *it;
  }
  void only_keys(const json& obj, const std::string& path,
                 std::initializer_list<const char*> keys) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool known = false;
      for (const char* k : keys) known = known || it.key() == k;
      if (!known) fail(path, "unexpected field '" + it.key() + "'");
    }
  }
  std::string str(const json& obj, const std::string& path, const char* key) const {
    const json& v = field(obj, path, key);
    if (!v.is_string()) fail(join(path, key), "expected a string");
    return v.get<std::string>();
  }
  double number(const json& obj, const std::string& path, const char* key) const {
    return number_value(field(obj, path, key), join(path, key));
  }
  double number_value(const json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, "expected a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(path, "expected a finite number");
    return d;
  }
  long integer(const json& obj, const std::string& path, const char* key, long lo, long hi) const {
    const json& v = field(obj, path, key);
    if (!v.is_number_integer()) fail(join(path, key), "expected a whole number");
    const long long x = v.get<long long>();
    if (x < lo || x > hi)
      fail(join(path, key), "value " + std::to_string(x) + " is outside [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
    return static_cast<long>(x);
  }
  const json& array(const json& obj, const std::string& path, const char* key,
                    std::size_t max_size) const {
    const json& v = field(obj, path, key);
    if (!v.is_array()) fail(join(path, key), "expected an array");
    if (v.size() > max_size)
      fail(join(path, key), "has " + std::to_string(v.size()) + " entries, more than the " +
                                std::to_string(max_size) + " allowed");
    return v;
  }
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::string source_;
};

data::ColumnTransform read_transform(const Reader& rd, const json& j, const std::string& path) {
  if (!j.is_object()) rd.fail(path, "expected an object");
  data::ColumnTransform t;
  t.name = rd.str(j, path, "name");
  if (t.name.empty()) rd.fail(path + ".name", "must not be empty");
  const std::string kind = rd.str(j, path, "kind");
  if (kind == "numeric") {
    rd.only_keys(j, path, {"name", "kind", "scaling", "min", "max", "mean", "std"});
    t.kind = data::ColumnKind::numeric;
    const std::string s = rd.str(j, path, "scaling");
    try {
      t.scaling = data::parse_scaling(s);
    } catch (const std::invalid_argument& e) {
      rd.fail(path + ".scaling", e.what());
    }
    t.min = rd.number(j, path, "min");
    t.max = rd.number(j, path, "max");
    t.mean = rd.number(j, path, "mean");
    t.std = rd.number(j, path, "std");
    if (t.max < t.min) rd.fail(path, "max is below min");
    if (t.std < 0) rd.fail(path + ".std", "must not be negative");
  } else if (kind == "categorical") {
    rd.only_keys(j, path, {"name", "kind", "categories"});
    t.kind = data::ColumnKind::categorical;
    const json& cats = rd.array(j, path, "categories", kMaxCategories);
    if (cats.empty()) rd.fail(path + ".categories", "needs at least one category");
    for (std::size_t i = 0; i < cats.size(); ++i) {
      if (!cats[i].is_string())
        rd.fail(path + ".categories[" + std::to_string(i) + "]", "expected a string");
      t.categories.push_back(cats[i].get<std::string>());
    }
    std::vector<std::string> sorted = t.categories;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      rd.fail(path + ".categories", "lists a category twice");
  } else {
    rd.fail(path + ".kind", "expected 'numeric' or 'categorical', found '" + kind + "'");
  }
  return t;
}

std::pair<long, long> line_and_column(const std::string& text, std::size_t byte) {
  long line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

std::string preprocessing_json(const data::Preprocessor& p) {
  return preprocessing_doc(p).dump();
}

std::string model_json(const Model& m, int indent) {
  json j;
  j["format"] = kModelFormat;
  j["version"] = kModelVersion;
  j["annlab_version"] = m.annlab_version;
  json acts = json::array();
  for (const auto& a : m.arch.activations) acts.push_back(a.name());
  j["network"] = {
      {"widths", m.arch.widths}, {"activations", acts}, {"loss", loss_name(m.arch.loss)}};
  j["dtype"] = m.float32 ? "float32" : "float64";
  j["parameters"] = m.parameters;
  j["preprocessing"] = preprocessing_doc(m.preprocessing);
  j["run_config"] = m.run_config.empty() ? json::object() : json::parse(m.run_config);
  j["provenance"] = {{"seed", m.seed},
                     {"data_file", m.data_file},
                     {"data_hash", "fnv1a64:" + hex64(m.data_hash)},
                     {"data_rows", m.data_rows}};
  j["metrics"] = m.metrics;
  return j.dump(indent, ' ', false, json::error_handler_t::strict);
}

Model parse_model(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    const auto [line, col] = line_and_column(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    throw ModelError(source + ":" + std::to_string(line) + ":" + std::to_string(col) +
                     ": not a valid JSON model file: " + what);
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw ModelError(source + ": not a valid JSON model file: " + what);
  }
  const Reader rd(source);
  if (!j.is_object()) rd.fail("", "expected a JSON object (an annlab model file)");
  const std::string format = rd.str(j, "", "format");
  if (format != kModelFormat)
    rd.fail("format", "this is a '" + format + "' document, not an annlab model (annlab.model)");
  const long version = rd.integer(j, "", "version", 1, std::numeric_limits<int>::max());
  if (version > kModelVersion)
    rd.fail("version", "written by a newer annlab (model version " + std::to_string(version) +
                           "); this annlab reads version " + std::to_string(kModelVersion));
  rd.only_keys(j, "",
               {"format", "version", "annlab_version", "network", "dtype", "parameters",
                "preprocessing", "run_config", "provenance", "metrics"});
  Model m;
  m.annlab_version = rd.str(j, "", "annlab_version");

  // network
  const json& net = rd.field(j, "", "network");
  rd.only_keys(net, "network", {"widths", "activations", "loss"});
  const json& widths = rd.array(net, "network", "widths", kMaxLayers + 1);
  if (widths.size() < 2) rd.fail("network.widths", "needs at least two layers");
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const std::string p = "network.widths[" + std::to_string(i) + "]";
    if (!widths[i].is_number_integer()) rd.fail(p, "expected a whole number");
    const long long w = widths[i].get<long long>();
    if (w < 1 || w > kMaxWidth)
      rd.fail(p, "width " + std::to_string(w) + " is outside [1, 1000000]");
    m.arch.widths.push_back(static_cast<int>(w));
  }
  const json& acts = rd.array(net, "network", "activations", kMaxLayers);
  if (acts.size() != widths.size() - 1)
    rd.fail("network.activations", "has " + std::to_string(acts.size()) + " entries; " +
                                       std::to_string(widths.size() - 1) + " layers need one each");
  for (std::size_t i = 0; i < acts.size(); ++i) {
    const std::string p = "network.activations[" + std::to_string(i) + "]";
    if (!acts[i].is_string()) rd.fail(p, "expected a string");
    try {
      m.arch.activations.push_back(Activation::parse(acts[i].get<std::string>()));
    } catch (const std::invalid_argument& e) {
      rd.fail(p, e.what());
    }
  }
  try {
    m.arch.loss = parse_loss(rd.str(net, "network", "loss"));
    m.arch.validate(/*for_training=*/false);
  } catch (const std::invalid_argument& e) {
    rd.fail("network", e.what());
  }
  std::size_t expected = 0;
  for (std::size_t l = 1; l < m.arch.widths.size(); ++l) {
    expected += std::size_t(m.arch.widths[l]) * std::size_t(m.arch.widths[l - 1] + 1);
    if (expected > kMaxParameters)
      rd.fail("network.widths", "the network would have more than 2^31 parameters");
  }

  // parameters
  const std::string dtype = rd.str(j, "", "dtype");
  if (dtype != "float32" && dtype != "float64")
    rd.fail("dtype", "expected 'float32' or 'float64', found '" + dtype + "'");
  m.float32 = dtype == "float32";
  const json& params = rd.array(j, "", "parameters", kMaxParameters);
  if (params.size() != expected)
    rd.fail("parameters", "has " + std::to_string(params.size()) + " values; the network " +
                              m.arch.describe() + " has " + std::to_string(expected));
  m.parameters.reserve(expected);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double v = rd.number_value(params[i], "parameters[" + std::to_string(i) + "]");
    if (m.float32 && static_cast<double>(static_cast<float>(v)) != v)
      rd.fail("parameters[" + std::to_string(i) + "]", "is not a float32 value");
    m.parameters.push_back(v);
  }

  // preprocessing
  const json& pre = rd.field(j, "", "preprocessing");
  rd.only_keys(pre, "preprocessing", {"task", "features", "targets"});
  const std::string task = rd.str(pre, "preprocessing", "task");
  if (task == "regression")
    m.preprocessing.task = data::Task::regression;
  else if (task == "classification")
    m.preprocessing.task = data::Task::classification;
  else
    rd.fail("preprocessing.task", "expected 'regression' or 'classification'");
  const json& feats = rd.array(pre, "preprocessing", "features", std::size_t(kMaxWidth));
  for (std::size_t i = 0; i < feats.size(); ++i)
    m.preprocessing.features.push_back(
        read_transform(rd, feats[i], "preprocessing.features[" + std::to_string(i) + "]"));
  const json& targs = rd.array(pre, "preprocessing", "targets", std::size_t(kMaxWidth));
  if (targs.empty()) rd.fail("preprocessing.targets", "needs at least one target column");
  for (std::size_t i = 0; i < targs.size(); ++i)
    m.preprocessing.targets.push_back(
        read_transform(rd, targs[i], "preprocessing.targets[" + std::to_string(i) + "]"));
  if (m.preprocessing.inputs() != m.arch.inputs())
    rd.fail("preprocessing.features", "make " + std::to_string(m.preprocessing.inputs()) +
                                          " input nodes; the network has " +
                                          std::to_string(m.arch.inputs()));
  if (m.preprocessing.outputs() != m.arch.outputs())
    rd.fail("preprocessing.targets", "make " + std::to_string(m.preprocessing.outputs()) +
                                         " output nodes; the network has " +
                                         std::to_string(m.arch.outputs()));
  {  // every source column has one role and one name
    std::vector<std::string> names;
    for (const auto& t : m.preprocessing.features) names.push_back(t.name);
    for (const auto& t : m.preprocessing.targets) names.push_back(t.name);
    std::sort(names.begin(), names.end());
    const auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end())
      rd.fail("preprocessing", "column '" + *dup + "' appears twice among features and targets");
  }
  const bool classes = m.preprocessing.targets.size() == 1 &&
                       m.preprocessing.targets[0].kind == data::ColumnKind::categorical;
  if ((m.preprocessing.task == data::Task::classification) != classes)
    rd.fail("preprocessing",
            "a classification model has exactly one categorical target, a "
            "regression model only numeric ones");
  for (const auto& t : m.preprocessing.targets)
    if (m.preprocessing.task == data::Task::regression && t.kind != data::ColumnKind::numeric)
      rd.fail("preprocessing.targets", "a regression model has only numeric targets");

  // run configuration, provenance, metrics
  const json& rc = rd.field(j, "", "run_config");
  if (!rc.is_object()) rd.fail("run_config", "expected an object");
  m.run_config = rc.dump();
  if (!rc.empty()) {  // the run that made the model must be one annlab could run
    try {
      parse_run_config(m.run_config, "run_config");
    } catch (const std::invalid_argument& e) {
      rd.fail("", e.what());
    }
  }
  const json& prov = rd.field(j, "", "provenance");
  rd.only_keys(prov, "provenance", {"seed", "data_file", "data_hash", "data_rows"});
  m.seed = static_cast<std::uint32_t>(rd.integer(prov, "provenance", "seed", 0, 4294967295L));
  m.data_file = rd.str(prov, "provenance", "data_file");
  const std::string hash = rd.str(prov, "provenance", "data_hash");
  if (hash.size() != 24 || hash.rfind("fnv1a64:", 0) != 0 ||
      hash.find_first_not_of("0123456789abcdef", 8) != std::string::npos)
    rd.fail("provenance.data_hash", "expected 'fnv1a64:' and 16 hex digits");
  m.data_hash = std::stoull(hash.substr(8), nullptr, 16);
  m.data_rows = rd.integer(prov, "provenance", "data_rows", 0, std::numeric_limits<long>::max());
  const json& met = rd.field(j, "", "metrics");
  if (!met.is_object()) rd.fail("metrics", "expected an object");
  for (auto it = met.begin(); it != met.end(); ++it)
    m.metrics[it.key()] = rd.number_value(it.value(), "metrics." + it.key());
  return m;
}

void save_model(const Model& m, const std::filesystem::path& path) {
  formats::write_file_atomically(path, model_json(m) + "\n");
}

Model load_model(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw ModelError(path.string() + ": no such model file");
  if (std::filesystem::is_directory(status))
    throw ModelError(path.string() + ": is a folder, not a model file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw ModelError(path.string() + ": cannot read: " + ec.message());
  if (size > max_bytes)
    throw ModelError(path.string() + ": " + std::to_string(size) + " bytes, over the " +
                     std::to_string(max_bytes) + "-byte limit for model files");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string() + ": cannot open for reading");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    throw ModelError(path.string() + ": could not read the whole file");
  return parse_model(text, path.string());
}

std::string describe_model(const Model& m) {
  std::ostringstream s;
  const ParameterCount c = count_parameters(m.arch.widths);
  s << "annlab model (format version " << kModelVersion << ", written by annlab "
    << m.annlab_version << ")\n";
  s << "network      " << m.arch.describe() << ", " << (m.float32 ? "float32" : "float64") << "\n";
  s << "parameters   " << c.total << " (" << c.weights << " weights, " << c.biases << " biases)\n";
  for (const auto& l : c.layers)
    s << "  layer " << l.layer << ": " << l.inputs << " -> " << l.outputs << ", " << l.weights
      << " weights + " << l.biases << " biases, " << m.arch.activations[l.layer - 1].name() << "\n";
  s << "task         "
    << (m.preprocessing.task == data::Task::regression ? "regression" : "classification") << "\n";
  auto column = [&](const data::ColumnTransform& t) {
    s << "  " << t.name << ": ";
    if (t.kind == data::ColumnKind::numeric) {
      s << "numeric, scaling " << data::scaling_name(t.scaling) << " (min " << t.min << ", max "
        << t.max << ", mean " << t.mean << ", std " << t.std << ")\n";
    } else {
      s << "categorical, one-hot over " << t.categories.size() << " categories:";
      for (std::size_t i = 0; i < t.categories.size() && i < 20; ++i) s << " " << t.categories[i];
      if (t.categories.size() > 20) s << " ...";
      s << "\n";
    }
  };
  s << "features     " << m.preprocessing.features.size() << " columns -> "
    << m.preprocessing.inputs() << " input nodes\n";
  for (const auto& t : m.preprocessing.features) column(t);
  s << "targets      " << m.preprocessing.targets.size() << " columns -> "
    << m.preprocessing.outputs() << " output nodes\n";
  for (const auto& t : m.preprocessing.targets) column(t);
  s << "trained on   " << m.data_file << " (" << m.data_rows << " rows, fnv1a64 "
    << hex64(m.data_hash) << "), seed " << m.seed << "\n";
  if (!m.metrics.empty()) {
    s << "metrics     ";
    for (const auto& [k, v] : m.metrics) s << " " << k << "=" << v;
    s << "\n";
  }
  return s.str();
}

}  // namespace annlab::workflow
