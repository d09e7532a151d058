// A whole run on a table: columns, split, preprocessing fitted on the training rows,
// network, training, metrics in the data's own units. No I/O here besides the table given.
#include "annlab/workflow/run.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "annlab/core/error.hpp"
#include "annlab/core/random.hpp"
#include "run_steps.hpp"

#ifndef ANNLAB_VERSION
#define ANNLAB_VERSION "0.0.0"
#endif

namespace annlab::workflow {
namespace {
using nlohmann::json;

// ---- RunConfig <-> JSON ---------------------------------------------------------------
const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys{"target",
                                             "features",
                                             "drop",
                                             "categorical",
                                             "numeric",
                                             "class_target",
                                             "missing",
                                             "scale",
                                             "scale_target",
                                             "validation",
                                             "test",
                                             "stratify",
                                             "kfold",
                                             "layers",
                                             "activation",
                                             "output",
                                             "loss",
                                             "init",
                                             "bias_init",
                                             "dtype",
                                             "optimizer",
                                             "lr",
                                             "momentum",
                                             "rho",
                                             "beta1",
                                             "beta2",
                                             "epsilon",
                                             "weight_decay",
                                             "lbfgs_history",
                                             "schedule",
                                             "decay",
                                             "decay_steps",
                                             "step_size",
                                             "factor",
                                             "schedule_patience",
                                             "schedule_min_delta",
                                             "min_lr",
                                             "epochs",
                                             "batch",
                                             "seed",
                                             "shuffle",
                                             "epoch_loss",
                                             "threads",
                                             "early_stopping",
                                             "patience",
                                             "min_delta",
                                             "restore_best",
                                             "history_every",
                                             "history_last",
                                             "probe_rows",
                                             "history_budget_mb"};
  return keys;
}

// Typed getters with the key and source in the message.
struct Get {
  const json& j;
  const std::string& source;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw UsageError(source + ": '" + key + "': " + what);
  }
  // A key that is present must hold a valid value; only "output" and "loss" take null
  // (meaning: the task's default), see parse_run_config.
  bool has(const char* k) const { return j.contains(k); }
  double num(const char* k, double lo, double hi) const {
    if (!j[k].is_number()) fail(k, "expected a number");
    const double v = j[k].get<double>();
    if (!std::isfinite(v) || v < lo || v > hi)
      fail(k, "value " + j[k].dump() + " is outside [" + json(lo).dump() + ", " + json(hi).dump() +
                  "]");
    return v;
  }
  long integer(const char* k, long lo, long hi) const {
    if (!j[k].is_number_integer()) fail(k, "expected a whole number");
    const long long v = j[k].get<long long>();
    if (v < lo || v > hi)
      fail(k, "value " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
    return static_cast<long>(v);
  }
  bool boolean(const char* k) const {
    if (!j[k].is_boolean()) fail(k, "expected true or false");
    return j[k].get<bool>();
  }
  std::string str(const char* k) const {
    if (!j[k].is_string()) fail(k, "expected a string");
    return j[k].get<std::string>();
  }
  // A list of strings; a single string is a one-item list; "a,b" splits on commas.
  std::vector<std::string> strings(const char* k) const {
    std::vector<std::string> out;
    auto add = [&](const std::string& s) {
      std::size_t start = 0;
      while (true) {
        const auto comma = s.find(',', start);
        std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    };
    if (j[k].is_string()) {
      add(j[k].get<std::string>());
    } else if (j[k].is_array()) {
      for (const auto& v : j[k]) {
        if (!v.is_string()) fail(k, "expected a list of strings");
        out.push_back(v.get<std::string>());
      }
    } else {
      fail(k, "expected a string or a list of strings");
    }
    return out;
  }
  std::vector<long> integers(const char* k, long lo, long hi) const {
    std::vector<long> out;
    if (j[k].is_array()) {
      for (const auto& v : j[k]) {
        if (!v.is_number_integer()) fail(k, "expected a list of whole numbers");
        const long long x = v.get<long long>();
        if (x < lo || x > hi) fail(k, "value " + std::to_string(x) + " is out of range");
        out.push_back(static_cast<long>(x));
      }
    } else if (j[k].is_string()) {
      for (int w : parse_widths(j[k].get<std::string>())) {
        if (w < lo || w > hi) fail(k, "value " + std::to_string(w) + " is out of range");
        out.push_back(w);
      }
    } else {
      fail(k, "expected a list of whole numbers");
    }
    return out;
  }
};

}  // namespace

RunConfig::RunConfig() {
  train.optimizer.kind = OptimizerKind::adam;
  train.optimizer.learning_rate = 0.001;
  train.batch_size = 32;
  train.epochs = 200;
  train.seed = 0;
  train.history.every = 0;  // no probe traces unless asked
}

std::string run_config_json(const RunConfig& c, int indent) {
  json j;
  j["target"] = c.columns.targets;
  j["features"] = c.columns.features;
  j["drop"] = c.columns.drop;
  std::vector<std::string> cat, num;
  for (const auto& [name, kind] : c.columns.kinds)
    (kind == data::ColumnKind::categorical ? cat : num).push_back(name);
  j["categorical"] = cat;
  j["numeric"] = num;
  j["class_target"] = c.columns.target_is_class;
  j["missing"] = c.columns.missing == data::MissingPolicy::error ? "error" : "drop";
  j["scale"] = data::scaling_name(c.feature_scaling);
  j["scale_target"] = data::scaling_name(c.target_scaling);
  j["validation"] = c.validation_fraction;
  j["test"] = c.test_fraction;
  j["stratify"] = c.stratify;
  j["kfold"] = c.kfold;
  j["layers"] = c.hidden;
  std::vector<std::string> acts;
  for (const auto& a : c.activations) acts.push_back(a.name());
  j["activation"] = acts;
  j["output"] = c.output ? json(c.output->name()) : json(nullptr);
  j["loss"] = c.loss ? json(loss_name(*c.loss)) : json(nullptr);
  j["init"] = c.init.weights == WeightInit::constant
                  ? "constant:" + json(c.init.weight_constant).dump()
                  : weight_init_name(c.init.weights);
  j["bias_init"] = c.init.biases == BiasInit::constant
                       ? "constant:" + json(c.init.bias_constant).dump()
                       : bias_init_name(c.init.biases);
  j["dtype"] = c.float32 ? "float32" : "float64";
  const auto& o = c.train.optimizer;
  j["optimizer"] = optimizer_name(o.kind);
  j["lr"] = o.learning_rate;
  j["momentum"] = o.momentum;
  j["rho"] = o.rho;
  j["beta1"] = o.beta1;
  j["beta2"] = o.beta2;
  j["epsilon"] = o.epsilon;
  j["weight_decay"] = o.weight_decay;
  j["lbfgs_history"] = o.lbfgs_history;
  const auto& s = c.train.schedule;
  j["schedule"] = schedule_name(s.kind);
  j["decay"] = s.decay;
  j["decay_steps"] = s.decay_steps;
  j["step_size"] = s.step_size;
  j["factor"] = s.factor;
  j["schedule_patience"] = s.patience;
  j["schedule_min_delta"] = s.min_delta;
  j["min_lr"] = s.min_lr;
  j["epochs"] = c.train.epochs;
  j["batch"] = c.train.batch_size;
  j["seed"] = c.train.seed;
  j["shuffle"] = c.train.shuffle;
  j["epoch_loss"] = epoch_loss_name(c.train.epoch_loss);
  j["early_stopping"] = c.train.early_stopping.enabled;
  j["patience"] = c.train.early_stopping.patience;
  j["min_delta"] = c.train.early_stopping.min_delta;
  j["restore_best"] = c.train.early_stopping.restore_best;
  j["history_every"] = c.train.history.every;
  j["history_last"] = c.train.history.last;
  j["probe_rows"] = c.train.history.probe_rows;
  j["history_budget_mb"] = static_cast<double>(c.train.history.memory_budget) / (1 << 20);
  return j.dump(indent, ' ', false, json::error_handler_t::strict);
}

RunConfig parse_run_config(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw UsageError(source + ": not valid JSON: " + std::string(e.what()));
  }
  if (!j.is_object()) throw UsageError(source + ": expected a JSON object of run options");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& keys = known_keys();
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      throw UsageError(source + ": unknown option '" + it.key() + "' (known: " + list + ")");
    }
  }
  const Get g{j, source};
  RunConfig c;
  if (g.has("target")) c.columns.targets = g.strings("target");
  if (g.has("features")) c.columns.features = g.strings("features");
  if (g.has("drop")) c.columns.drop = g.strings("drop");
  if (g.has("categorical"))
    for (const auto& n : g.strings("categorical"))
      c.columns.kinds[n] = data::ColumnKind::categorical;
  if (g.has("numeric"))
    for (const auto& n : g.strings("numeric")) c.columns.kinds[n] = data::ColumnKind::numeric;
  if (g.has("class_target")) c.columns.target_is_class = g.boolean("class_target");
  if (g.has("missing")) {
    const std::string m = g.str("missing");
    if (m == "error")
      c.columns.missing = data::MissingPolicy::error;
    else if (m == "drop")
      c.columns.missing = data::MissingPolicy::drop_rows;
    else
      g.fail("missing", "expected 'error' or 'drop'");
  }
  try {
    if (g.has("scale")) c.feature_scaling = data::parse_scaling(g.str("scale"));
    if (g.has("scale_target")) c.target_scaling = data::parse_scaling(g.str("scale_target"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(source + ": " + e.what());
  }
  if (g.has("validation")) c.validation_fraction = g.num("validation", 0, 0.95);
  if (g.has("test")) c.test_fraction = g.num("test", 0, 0.95);
  if (c.validation_fraction + c.test_fraction >= 1)
    throw UsageError(source + ": validation + test fractions must leave rows to train on");
  if (g.has("stratify")) c.stratify = g.boolean("stratify");
  if (g.has("kfold")) c.kfold = static_cast<int>(g.integer("kfold", 0, 1000));
  if (c.kfold == 1) g.fail("kfold", "use 0 (off) or at least 2 folds");
  if (g.has("layers")) {
    c.hidden.clear();
    if (!(j["layers"].is_string() && j["layers"].get<std::string>().empty()))
      for (long w : g.integers("layers", 0, 1'000'000)) {
        if (w == 0)
          g.fail("layers",
                 "a hidden layer of width 0 has no nodes; give widths >= 1 (e.g. "
                 "16,8), or 'none' for no hidden layer");
        c.hidden.push_back(static_cast<int>(w));
      }
  }
  try {
    if (g.has("activation")) {
      c.activations.clear();
      for (const auto& a : g.strings("activation")) c.activations.push_back(Activation::parse(a));
    }
    if (g.has("output") && !j["output"].is_null()) c.output = Activation::parse(g.str("output"));
    if (g.has("loss") && !j["loss"].is_null()) c.loss = parse_loss(g.str("loss"));
    // "constant:0.3" sets the value of the constant initializers.
    const auto constant = [&](const char* key, double& value) {
      const std::string name = g.str(key);
      if (name.rfind("constant", 0) != 0) return name;
      if (name == "constant") g.fail(key, "give the value, e.g. constant:0.1");
      if (name[8] != ':') return name;
      const std::string v = name.substr(9);
      double d = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(d))
        g.fail(key, "'" + v + "' is not a number (write e.g. constant:0.1)");
      value = d;
      return std::string("constant");
    };
    if (g.has("init")) c.init.weights = parse_weight_init(constant("init", c.init.weight_constant));
    if (g.has("bias_init"))
      c.init.biases = parse_bias_init(constant("bias_init", c.init.bias_constant));
    if (g.has("optimizer")) c.train.optimizer.kind = parse_optimizer(g.str("optimizer"));
    if (g.has("schedule")) c.train.schedule.kind = parse_schedule(g.str("schedule"));
  } catch (const UsageError& e) {
    throw UsageError(source + ": " + e.what());
  }
  if (g.has("dtype")) {
    const std::string d = g.str("dtype");
    if (d != "float32" && d != "float64") g.fail("dtype", "expected float32 or float64");
    c.float32 = d == "float32";
  }
  auto& o = c.train.optimizer;
  if (g.has("lr")) o.learning_rate = g.num("lr", 1e-12, 1e6);
  if (g.has("momentum")) o.momentum = g.num("momentum", 0, 0.999999);
  if (g.has("rho")) o.rho = g.num("rho", 0, 0.999999);
  if (g.has("beta1")) o.beta1 = g.num("beta1", 0, 0.999999);
  if (g.has("beta2")) o.beta2 = g.num("beta2", 0, 0.99999999);
  if (g.has("epsilon")) o.epsilon = g.num("epsilon", 1e-300, 1);
  if (g.has("weight_decay")) o.weight_decay = g.num("weight_decay", 0, 1e6);
  if (g.has("lbfgs_history"))
    o.lbfgs_history = static_cast<int>(g.integer("lbfgs_history", 1, 1000));
  auto& s = c.train.schedule;
  if (g.has("decay")) s.decay = g.num("decay", 0, 1e6);
  if (g.has("decay_steps")) s.decay_steps = g.num("decay_steps", 1e-12, 1e12);
  if (g.has("step_size")) s.step_size = static_cast<int>(g.integer("step_size", 1, 100'000'000));
  if (g.has("factor")) s.factor = g.num("factor", 1e-12, 1);
  if (g.has("schedule_patience"))
    s.patience = static_cast<int>(g.integer("schedule_patience", 1, 100'000'000));
  if (g.has("schedule_min_delta")) s.min_delta = g.num("schedule_min_delta", 0, 1e300);
  if (g.has("min_lr")) s.min_lr = g.num("min_lr", 0, 1e6);
  if ((s.kind == ScheduleKind::chapter_decay || s.kind == ScheduleKind::inverse_time) &&
      !(s.decay > 0))
    g.fail("decay", "schedule " + schedule_name(s.kind) +
                        " needs a decay > 0 (e.g. --decay 0.01); with 0 it is constant");
  if (g.has("epochs")) c.train.epochs = static_cast<int>(g.integer("epochs", 0, 100'000'000));
  if (g.has("batch")) c.train.batch_size = g.integer("batch", 0, std::numeric_limits<int>::max());
  // L-BFGS is a full-batch method: its default batch is the whole training set.
  else if (o.kind == OptimizerKind::lbfgs)
    c.train.batch_size = 0;
  if (g.has("seed")) c.train.seed = static_cast<std::uint32_t>(g.integer("seed", 0, 4294967295L));
  if (g.has("shuffle")) c.train.shuffle = g.boolean("shuffle");
  // How to run, not what: every thread count gives the same bits, so run_config_json (the
  // model file's record of the run) leaves it out.
  if (g.has("threads")) c.train.threads = static_cast<int>(g.integer("threads", 0, 1024));
  if (g.has("epoch_loss")) {
    const std::string e = g.str("epoch_loss");
    if (e != "full_pass" && e != "batch_mean")
      g.fail("epoch_loss", "expected \"full_pass\" or \"batch_mean\", got \"" + e + "\"");
    c.train.epoch_loss = parse_epoch_loss(e);
  }
  auto& es = c.train.early_stopping;
  if (g.has("early_stopping")) es.enabled = g.boolean("early_stopping");
  if (g.has("patience")) es.patience = static_cast<int>(g.integer("patience", 1, 100'000'000));
  if (g.has("min_delta")) es.min_delta = g.num("min_delta", 0, 1e300);
  if (g.has("restore_best")) es.restore_best = g.boolean("restore_best");
  auto& h = c.train.history;
  if (g.has("history_every"))
    h.every = static_cast<int>(g.integer("history_every", 0, 100'000'000));
  if (g.has("history_last")) h.last = static_cast<int>(g.integer("history_last", 0, 100'000'000));
  if (g.has("probe_rows"))
    h.probe_rows = g.integers("probe_rows", 0, std::numeric_limits<long>::max());
  if (!h.probe_rows.empty() && h.every == 0) h.every = 1;
  if (g.has("history_budget_mb"))
    h.memory_budget = static_cast<std::size_t>(g.num("history_budget_mb", 0, 1e7) * (1 << 20));
  return c;
}

// The steps of a run that do not depend on where the rows come from, shared with
// arrays.cpp through run_steps.hpp (detail: not part of the public API).
namespace detail {

Architecture build_architecture(const RunConfig& c, const data::Preprocessor& pre) {
  Architecture a;
  a.widths.push_back(pre.inputs());
  for (int w : c.hidden) a.widths.push_back(w);
  a.widths.push_back(pre.outputs());
  const std::size_t hidden = c.hidden.size();
  if (c.activations.size() > 1 && c.activations.size() != hidden)
    throw UsageError("give one hidden activation for every hidden layer, or one for all (" +
                     std::to_string(hidden) + " hidden layers, " +
                     std::to_string(c.activations.size()) + " activations)");
  for (std::size_t l = 0; l < hidden; ++l)
    a.activations.push_back(c.activations.empty()       ? Activation::of(ActivationKind::relu)
                            : c.activations.size() == 1 ? c.activations[0]
                                                        : c.activations[l]);
  const bool classes = pre.task == data::Task::classification;
  a.activations.push_back(
      c.output ? *c.output
               : Activation::of(classes ? ActivationKind::softmax : ActivationKind::identity));
  a.loss =
      c.loss ? *c.loss : (classes ? LossKind::softmax_cross_entropy : LossKind::mean_squared_error);
  if (classes && a.activations.back().kind != ActivationKind::softmax)
    throw UsageError(
        "a categorical target is classified with a softmax output; drop --output or "
        "set it to softmax");
  if (!classes) {
    // A bounded output cannot reach targets scaled outside its range.
    const Activation& out = a.activations.back();
    const data::Scaling ts = c.target_scaling;
    const char* range = nullptr;
    bool fits = true;
    switch (out.kind) {
      case ActivationKind::sigmoid:
        range = "(0, 1)";
        fits = ts == data::Scaling::minmax01;
        break;
      case ActivationKind::tanh:
        range = "(-1, 1)";
        fits = ts == data::Scaling::minmax01 || ts == data::Scaling::minmax11;
        break;
      case ActivationKind::relu:
      case ActivationKind::softplus:
        range = "[0, ∞)";
        fits = ts != data::Scaling::minmax11 && ts != data::Scaling::standard;
        break;
      default:
        break;
    }
    if (ts == data::Scaling::none && range) {  // unscaled: the training targets' own range
      for (const auto& t : pre.targets) {
        const double lo = out.kind == ActivationKind::tanh ? -1.0 : 0.0;
        const double hi = out.kind == ActivationKind::relu || out.kind == ActivationKind::softplus
                              ? std::numeric_limits<double>::infinity()
                              : 1.0;
        if (t.min < lo || t.max > hi) fits = false;
      }
    }
    if (!fits)
      throw UsageError("--output " + out.name() + " produces values in " + range +
                       ", but --scale-target " + data::scaling_name(ts) +
                       " puts the targets outside it; use --scale-target minmax01 or "
                       "--output identity");
  }
  if (!classes && a.loss == LossKind::softmax_cross_entropy)
    throw UsageError(
        "softmax_cross_entropy needs a categorical target (use --class-target "
        "for integer labels)");
  a.validate(/*for_training=*/true);
  return a;
}

template <class T>
std::vector<T> as(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

SplitMetrics metrics_of(const data::Preprocessor& pre, const std::vector<double>& yhat_model,
                        const std::vector<double>& y_model, long rows) {
  SplitMetrics m;
  m.rows = rows;
  if (rows == 0) return m;
  if (pre.task == data::Task::classification) {
    const long k = pre.outputs();
    std::vector<long> labels(rows);
    for (long r = 0; r < rows; ++r)
      labels[r] = std::max_element(y_model.begin() + r * k, y_model.begin() + (r + 1) * k) -
                  (y_model.begin() + r * k);
    m.classification = data::classification_metrics(yhat_model, labels, rows, k);
  } else {
    const auto yhat = pre.inverse_targets(yhat_model, rows);
    const auto y = pre.inverse_targets(y_model, rows);
    m.regression = data::regression_metrics(yhat, y, rows, static_cast<long>(pre.targets.size()));
  }
  return m;
}

std::map<std::string, double> flat_metrics(const SplitMetrics& m) {
  std::map<std::string, double> out;
  if (m.regression) {
    out["rmse"] = m.regression->rmse;
    out["mae"] = m.regression->mae;
    out["r2"] = m.regression->r2;
  }
  if (m.classification) {
    out["accuracy"] = m.classification->accuracy;
    out["log_loss"] = m.classification->log_loss;
  }
  return out;
}

Matrices matrices(const data::Table& t, const data::Preprocessor& pre,
                  const std::vector<long>& rows) {
  return {pre.transform_features(t, rows), pre.transform_targets(t, rows),
          static_cast<long>(rows.size())};
}

template <class T>
History fit_network(Network<T>& net, const RunConfig& c, const data::Preprocessor& pre,
                    const Matrices& train, const Matrices& val, const RunCallbacks& cb) {
  const std::vector<T> xt = as<T>(train.x), yt = as<T>(train.y), xv = as<T>(val.x),
                       yv = as<T>(val.y);
  TrainCallbacks<T> tcb;
  tcb.metrics = workflow::epoch_metrics<T>(pre);
  const int epochs = c.train.epochs;
  if (cb.on_epoch) tcb.on_epoch = [&cb, epochs](const EpochRecord& r) { cb.on_epoch(r, epochs); };
  if (cb.should_stop) tcb.should_stop = cb.should_stop;
  return fit(net, Batch<T>{xt.data(), yt.data(), train.rows},
             Batch<T>{val.rows ? xv.data() : nullptr, val.rows ? yv.data() : nullptr, val.rows},
             c.train, tcb);
}

// Trains one network on `train` (validated on `val`), returns it with its history.
template <class T>
std::pair<Network<T>, History> train_network(const Architecture& arch, const RunConfig& c,
                                             const data::Preprocessor& pre, const Matrices& train,
                                             const Matrices& val, const RunCallbacks& cb) {
  Network<T> net(arch);
  NumpyRandom rng(c.train.seed);
  initialize(net, c.init, rng);
  History h = fit_network<T>(net, c, pre, train, val, cb);
  return {std::move(net), std::move(h)};
}

template <class T>
SplitMetrics evaluate_network(const Network<T>& net, const data::Preprocessor& pre,
                              const Matrices& m) {
  if (m.rows == 0) return {};
  const std::vector<T> x = as<T>(m.x);
  const std::vector<T> yhat = predict(net, x.data(), m.rows);
  return metrics_of(pre, std::vector<double>(yhat.begin(), yhat.end()), m.y, m.rows);
}

template History fit_network<float>(Network<float>&, const RunConfig&, const data::Preprocessor&,
                                    const Matrices&, const Matrices&, const RunCallbacks&);
template History fit_network<double>(Network<double>&, const RunConfig&, const data::Preprocessor&,
                                     const Matrices&, const Matrices&, const RunCallbacks&);
template std::pair<Network<float>, History> train_network<float>(const Architecture&,
                                                                 const RunConfig&,
                                                                 const data::Preprocessor&,
                                                                 const Matrices&, const Matrices&,
                                                                 const RunCallbacks&);
template std::pair<Network<double>, History> train_network<double>(const Architecture&,
                                                                   const RunConfig&,
                                                                   const data::Preprocessor&,
                                                                   const Matrices&, const Matrices&,
                                                                   const RunCallbacks&);
template SplitMetrics evaluate_network<float>(const Network<float>&, const data::Preprocessor&,
                                              const Matrices&);
template SplitMetrics evaluate_network<double>(const Network<double>&, const data::Preprocessor&,
                                               const Matrices&);

}  // namespace detail

namespace {
using namespace detail;

template <class T>
RunResult run_typed(const data::Table& table, const RunConfig& c, const RunCallbacks& cb) {
  const PreparedRun run = prepare_run(table, c);
  const data::Prepared& p = run.prepared;
  const std::vector<long>& labels = run.labels;
  RunResult res;
  res.split = run.split;

  // k-fold cross-validation over the non-test rows, each fold with its own preprocessing.
  if (c.kfold >= 2) {
    std::vector<long> pool = res.split.train;
    pool.insert(pool.end(), res.split.validation.begin(), res.split.validation.end());
    std::sort(pool.begin(), pool.end());
    std::vector<long> pool_labels;
    if (!labels.empty()) pool_labels = p.unfitted.labels_of(table, pool);
    if (c.kfold > static_cast<int>(pool.size()))
      throw UsageError("--kfold " + std::to_string(c.kfold) + " is more folds than the " +
                       std::to_string(pool.size()) + " rows to fold");
    const auto folds =
        data::kfold(pool, c.kfold, c.train.seed, pool_labels.empty() ? nullptr : &pool_labels);
    FoldReport report;
    for (int f = 0; f < c.kfold; ++f) {
      if (cb.on_fold) cb.on_fold(f, c.kfold);
      std::vector<long> fold_train;
      for (int g = 0; g < c.kfold; ++g)
        if (g != f) fold_train.insert(fold_train.end(), folds[g].begin(), folds[g].end());
      std::sort(fold_train.begin(), fold_train.end());
      const data::Preprocessor pre =
          data::fit(table, p, fold_train, c.feature_scaling, c.target_scaling);
      const Architecture arch = build_architecture(c, pre);
      const Matrices tr = matrices(table, pre, fold_train), va = matrices(table, pre, folds[f]);
      RunConfig fc = c;
      fc.train.history.probe_rows.clear();
      fc.train.history.every = 0;
      auto [net, h] = train_network<T>(arch, fc, pre, tr, va, {nullptr, nullptr, cb.should_stop});
      report.folds.push_back(evaluate_network(net, pre, va));
    }
    res.cross_validation = std::move(report);
    if (cb.on_fold) cb.on_fold(c.kfold, c.kfold);
  }

  const data::Preprocessor& pre = run.preprocessing;
  const Matrices &tr = run.train, &va = run.validation, &te = run.test;
  for (long r : c.train.history.probe_rows)
    if (r >= tr.rows)
      throw UsageError("probe row " + std::to_string(r) + " is outside the " +
                       std::to_string(tr.rows) + " training rows");
  auto [net, history] = train_network<T>(run.arch, c, pre, tr, va, cb);
  res.history = std::move(history);
  res.train = evaluate_network(net, pre, tr);
  res.validation = evaluate_network(net, pre, va);
  res.test = evaluate_network(net, pre, te);

  res.model = make_model(table, run, c,
                         std::vector<double>(net.parameters().begin(), net.parameters().end()),
                         res.train, res.validation, res.test);
  return res;
}

template <class T>
Network<T> network_of(const Model& m) {
  Network<T> net(m.arch);
  std::copy(m.parameters.begin(), m.parameters.end(), net.parameters().begin());
  return net;
}

std::vector<long> all_rows(const data::Table& t) {
  std::vector<long> rows(t.rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<long>(i);
  return rows;
}

template <class T>
std::vector<double> model_outputs(const Model& m, const std::vector<double>& x, long rows) {
  const Network<T> net = network_of<T>(m);
  const std::vector<T> xt = as<T>(x);
  const std::vector<T> y = predict(net, xt.data(), rows);
  return std::vector<double>(y.begin(), y.end());
}

// A prediction that is not a finite number is an error naming the row, never a "null" or
// "inf" in an output file.
void check_finite(const data::Table& t, const std::vector<double>& values, long rows) {
  if (rows == 0) return;
  const long k = static_cast<long>(values.size()) / rows;
  for (long r = 0; r < rows; ++r)
    for (long c = 0; c < k; ++c)
      if (!std::isfinite(values[r * k + c]))
        throw data::DataError(t.source, t.lines[r], 0,
                              "the prediction for this row is not a finite number; its "
                              "predictors are probably far outside the range the model was "
                              "trained on");
}

}  // namespace

RunResult train_on_table(const data::Table& table, const RunConfig& config,
                         const RunCallbacks& callbacks) {
  return config.float32 ? run_typed<float>(table, config, callbacks)
                        : run_typed<double>(table, config, callbacks);
}

Predictions predict_table(const Model& m, const data::Table& table) {
  Predictions p;
  const std::vector<long> rows = all_rows(table);
  p.rows = static_cast<long>(rows.size());
  const std::vector<double> x = m.preprocessing.transform_features(table, rows);
  const std::vector<double> y =
      m.float32 ? model_outputs<float>(m, x, p.rows) : model_outputs<double>(m, x, p.rows);
  check_finite(table, y, p.rows);
  if (m.preprocessing.task == data::Task::classification) {
    const auto& t = m.preprocessing.targets[0];
    for (const auto& cat : t.categories) p.columns.push_back("P(" + t.name + "=" + cat + ")");
    p.values = y;
    for (long c : m.preprocessing.classes_of(y, p.rows)) p.labels.push_back(t.categories[c]);
  } else {
    for (const auto& t : m.preprocessing.targets) p.columns.push_back(t.name);
    p.values = m.preprocessing.inverse_targets(y, p.rows);
    check_finite(table, p.values, p.rows);
  }
  return p;
}

SplitMetrics evaluate_table(const Model& m, const data::Table& table) {
  const std::vector<long> rows = all_rows(table);
  const Matrices mx = matrices(table, m.preprocessing, rows);
  const std::vector<double> yhat =
      m.float32 ? model_outputs<float>(m, mx.x, mx.rows) : model_outputs<double>(m, mx.x, mx.rows);
  check_finite(table, yhat, mx.rows);
  if (m.preprocessing.task == data::Task::regression)
    check_finite(table, m.preprocessing.inverse_targets(yhat, mx.rows), mx.rows);
  return metrics_of(m.preprocessing, yhat, mx.y, mx.rows);
}

SampleTrace trace_row(const Model& m, const data::Table& table, long row) {
  if (row < 0 || row >= static_cast<long>(table.rows.size()))
    throw UsageError("--row " + std::to_string(row) + " is outside the table's " +
                     std::to_string(table.rows.size()) + " rows (0-based)");
  const Matrices mx = matrices(table, m.preprocessing, {row});
  if (m.float32) {
    const Network<float> net = network_of<float>(m);
    const std::vector<float> x = as<float>(mx.x), y = as<float>(mx.y);
    return trace_sample(net, x.data(), y.data());
  }
  const Network<double> net = network_of<double>(m);
  return trace_sample(net, mx.x.data(), mx.y.data());
}

}  // namespace annlab::workflow
