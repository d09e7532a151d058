#include "annlab/formats/json.hpp"

#include "annlab/formats/text.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace annlab::formats {
namespace {
using nlohmann::json;

json network_doc(const Architecture& arch) {
  const NodeNames names(arch.widths);
  json j;
  j["widths"] = arch.widths;
  json acts = json::array();
  for (const auto& a : arch.activations) acts.push_back(a.name());
  j["activations"] = acts;
  j["loss"] = loss_name(arch.loss);
  json nodes = json::array(), weights = json::array(), biases = json::array();
  const int n = arch.layers();
  for (int l = 0; l <= n; ++l)
    for (int i = 0; i < arch.widths[l]; ++i)
      nodes.push_back(
          {{"id", names.id(l, i)}, {"name", names.node(l, i)}, {"layer", l}, {"index", i}});
  for (int l = 1; l <= n; ++l)
    for (int jn = 0; jn < arch.widths[l]; ++jn) {
      for (int i = 0; i < arch.widths[l - 1]; ++i)
        weights.push_back({{"name", names.weight(l, jn, i)},
                           {"from", names.id(l - 1, i)},
                           {"to", names.id(l, jn)},
                           {"layer", l}});
      biases.push_back({{"name", names.bias(l, jn)}, {"node", names.id(l, jn)}, {"layer", l}});
    }
  j["nodes"] = nodes;
  j["weights"] = weights;
  j["biases"] = biases;
  return j;
}

// Values in the orders of network.nodes / weights / biases.
json trace_doc(const SampleTrace& t) {
  json j;
  j["loss"] = t.loss;
  j["prediction"] = t.prediction;
  j["target"] = t.target;
  std::vector<double> in, out, din, dout, dw, db;
  for (const auto& nd : t.nodes) {
    in.push_back(nd.in);
    out.push_back(nd.out);
    din.push_back(nd.dL_din);
    dout.push_back(nd.dL_dout);
  }
  for (const auto& w : t.weights) dw.push_back(w.grad);
  for (const auto& b : t.biases) db.push_back(b.grad);
  j["node_in"] = in;
  j["node_out"] = out;
  j["dL_dnode_in"] = din;
  j["dL_dnode_out"] = dout;
  j["dL_dweights"] = dw;
  j["dL_dbiases"] = db;
  return j;
}

std::string dump(const json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::strict);
}
}  // namespace

std::string network_json(const Architecture& arch, int indent) {
  return dump(network_doc(arch), indent);
}

std::string trace_json(const Architecture& arch, const SampleTrace& t, int indent) {
  json j;
  j["format"] = "annlab.trace";
  j["version"] = kHistoryVersion;
  j["network"] = network_doc(arch);
  std::vector<double> w, b;
  for (const auto& e : t.weights) w.push_back(e.value);
  for (const auto& e : t.biases) b.push_back(e.value);
  j["weights"] = w;
  j["biases"] = b;
  j["trace"] = trace_doc(t);
  return dump(j, indent);
}

std::string history_json(const TraceHistory& h, const std::string& version, int indent) {
  json j;
  j["format"] = "annlab.history";
  j["version"] = kHistoryVersion;
  j["annlab_version"] = version;
  j["network"] = network_doc(h.arch);
  j["run"] = {
      {"optimizer", "gd"},
      {"batch", "full"},
      {"learning_rate", h.learning_rate},
      {"epochs", h.epochs},
      {"seed", h.seed},
      {"init",
       {{"weights", weight_init_name(h.init.weights)}, {"biases", bias_init_name(h.init.biases)}}}};
  json samples = json::array();
  const long l0 = h.arch.inputs(), ln = h.arch.outputs();
  for (long r = 0; r < h.rows; ++r)
    samples.push_back(
        {{"x", std::vector<double>(h.x.begin() + r * l0, h.x.begin() + (r + 1) * l0)},
         {"y", std::vector<double>(h.y.begin() + r * ln, h.y.begin() + (r + 1) * ln)}});
  j["samples"] = samples;
  json states = json::array();
  for (std::size_t e = 0; e < h.states.size(); ++e) {
    const BatchTrace& bt = h.states[e];
    std::vector<double> w, b;
    for (const auto& x : bt.samples.front().weights) w.push_back(x.value);
    for (const auto& x : bt.samples.front().biases) b.push_back(x.value);
    json traces = json::array();
    for (const auto& s : bt.samples) traces.push_back(trace_doc(s));
    states.push_back({{"epoch", e},
                      {"loss", bt.loss},
                      {"weights", w},
                      {"biases", b},
                      {"dL_dweights", bt.weight_grad},
                      {"dL_dbiases", bt.bias_grad},
                      {"traces", traces}});
  }
  j["epochs"] = states;
  return dump(j, indent);
}

namespace {
json number_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

json state_doc(const BatchTrace& bt) {
  std::vector<double> w, b;
  for (const auto& x : bt.samples.front().weights) w.push_back(x.value);
  for (const auto& x : bt.samples.front().biases) b.push_back(x.value);
  json traces = json::array();
  for (const auto& s : bt.samples) traces.push_back(trace_doc(s));
  return {{"weights", w},
          {"biases", b},
          {"dL_dweights", bt.weight_grad},
          {"dL_dbiases", bt.bias_grad},
          {"traces", traces}};
}

}  // namespace

std::string training_history_json(const Architecture& arch, const std::string& run_config,
                                  const History& h, const std::vector<double>& probe_x,
                                  const std::vector<double>& probe_y, const std::string& version,
                                  int indent) {
  json j;
  j["format"] = "annlab.history";
  j["version"] = kHistoryVersion;
  j["annlab_version"] = version;
  j["network"] = network_doc(arch);
  j["run"] = run_config.empty() ? json::object() : json::parse(run_config);
  json samples = json::array();
  const std::size_t l0 = arch.inputs(), ln = arch.outputs();
  for (std::size_t r = 0; l0 && r * l0 < probe_x.size(); ++r)
    samples.push_back(
        {{"x", std::vector<double>(probe_x.begin() + r * l0, probe_x.begin() + (r + 1) * l0)},
         {"y", std::vector<double>(probe_y.begin() + r * ln, probe_y.begin() + (r + 1) * ln)}});
  j["samples"] = samples;
  j["best_epoch"] = h.best_epoch;
  j["stopped_early"] = h.stopped_early;
  j["interrupted"] = h.interrupted;
  // Records by epoch; probe states are merged into the record of their epoch (epoch 0, the
  // initial state, has a record only when it was probed).
  std::map<int, json> by_epoch;
  for (const auto& r : h.epochs) {
    json m = json::object();
    for (const auto& [k, v] : r.train_metrics) m["train"][k] = number_or_null(v);
    for (const auto& [k, v] : r.validation_metrics) m["validation"][k] = number_or_null(v);
    by_epoch[r.epoch] = {{"epoch", r.epoch},
                         {"loss", number_or_null(r.train_loss)},
                         {"validation_loss", number_or_null(r.validation_loss)},
                         {"learning_rate", r.learning_rate},
                         {"metrics", m},
                         {"seconds", r.seconds}};
  }
  for (const auto& p : h.probes) {
    json& e = by_epoch[p.epoch];
    if (!e.contains("epoch")) {
      e["epoch"] = p.epoch;
      e["loss"] = number_or_null(p.trace.loss);
    }
    e.update(state_doc(p.trace));
  }
  json epochs = json::array();
  for (auto& [k, v] : by_epoch) epochs.push_back(std::move(v));
  j["epochs"] = epochs;
  return dump(j, indent);
}

std::string training_history_csv(const History& h) {
  std::vector<std::string> tm, vm;
  for (const auto& r : h.epochs) {
    for (const auto& [k, v] : r.train_metrics)
      if (std::find(tm.begin(), tm.end(), k) == tm.end()) tm.push_back(k);
    for (const auto& [k, v] : r.validation_metrics)
      if (std::find(vm.begin(), vm.end(), k) == vm.end()) vm.push_back(k);
  }
  std::string s = "epoch,learning_rate,train_loss,validation_loss";
  for (const auto& k : tm) s += "," + csv_field("train_" + k);
  for (const auto& k : vm) s += "," + csv_field("validation_" + k);
  s += ",seconds\n";
  for (const auto& r : h.epochs) {
    s += std::to_string(r.epoch) + "," + number_text(r.learning_rate) + "," +
         number_text(r.train_loss) + "," + number_text(r.validation_loss);
    for (const auto& k : tm) {
      auto it = r.train_metrics.find(k);
      s += "," + (it == r.train_metrics.end() ? std::string() : number_text(it->second));
    }
    for (const auto& k : vm) {
      auto it = r.validation_metrics.find(k);
      s += "," + (it == r.validation_metrics.end() ? std::string() : number_text(it->second));
    }
    s += "," + number_text(r.seconds) + "\n";
  }
  return s;
}

}  // namespace annlab::formats
