// The views of a recorded state (docs/dashboard.md): computed on request from the stored
// parameters with the engine's functions (trace_sample, predict, the propagator's forward pass,
// gradient_check), so scrubbing to an earlier epoch never retrains.
#include <algorithm>
#include <cmath>

#include "annlab/core/gradcheck.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/core/reference.hpp"
#include "annlab/core/trace.hpp"
#include "annlab/formats/json.hpp"
#include "session.hpp"

namespace annlab::web {
namespace {
using nlohmann::json;

template <class T>
SampleTrace trace_of(const Architecture& arch, const std::vector<double>& params,
                     const std::vector<double>& x, const std::vector<double>& y) {
  const Network<T> net = network_of<T>(arch, params);
  const std::vector<T> xt(x.begin(), x.end()), yt(y.begin(), y.end());
  return trace_sample(net, xt.data(), yt.data());
}

// Flat engine layout [W1, b1, W2, b2, ...] -> the network document's order: every weight
// (layer by layer, W_l row-major), then every bias.
std::vector<double> document_order(const Architecture& arch, const std::vector<double>& p) {
  const ParameterLayout layout(arch.widths);
  std::vector<double> out;
  out.reserve(p.size());
  for (int l = 1; l <= arch.layers(); ++l) {
    const std::size_t n = std::size_t(arch.widths[l]) * std::size_t(arch.widths[l - 1]);
    out.insert(out.end(), p.begin() + long(layout.weight_offset[l - 1]),
               p.begin() + long(layout.weight_offset[l - 1] + n));
  }
  for (int l = 1; l <= arch.layers(); ++l)
    out.insert(out.end(), p.begin() + long(layout.bias_offset[l - 1]),
               p.begin() + long(layout.bias_offset[l - 1]) + arch.widths[l]);
  return out;
}

struct Part {
  const char* name;
  const workflow::ModelRows* rows;
};

}  // namespace

json Session::series(int since, long max_epochs, long max_params) const {
  // The size is checked before any state is copied.
  const std::size_t count = initial_.size();
  const std::vector<std::size_t> columns =
      spread_last(count, max_params > 0 ? std::size_t(max_params) : count);
  std::vector<Snapshot> states;
  {
    auto lock = read_lock();
    const auto first = std::upper_bound(states_.begin(), states_.end(), since,
                                        [](int e, const Snapshot& x) { return e < x.epoch; });
    const std::size_t n = std::size_t(states_.end() - first);
    const std::vector<std::size_t> picked =
        spread_last(n, max_epochs > 0 ? std::size_t(max_epochs) : n);
    if (picked.size() * columns.size() > kMaxSeriesValues)
      throw HttpError{400, "a series of " + std::to_string(picked.size()) + " epochs x " +
                               std::to_string(columns.size()) +
                               " parameters is over the limit of " +
                               std::to_string(kMaxSeriesValues) +
                               " values; ask for fewer with max_epochs and max_params"};
    for (std::size_t i : picked) states.push_back(first[long(i)]);
  }
  json epochs = json::array(), params = json::array(), prediction = json::array();
  for (const Snapshot& s : states) {
    epochs.push_back(s.epoch);
    const std::vector<double> all = document_order(run_.arch, s.parameters);
    std::vector<double> sent;
    sent.reserve(columns.size());
    for (std::size_t c : columns) sent.push_back(all[c]);
    params.push_back(sent);
    prediction.push_back(config_.float32 ? outputs<float>(s.parameters, probe_x_, 1)
                                         : outputs<double>(s.parameters, probe_x_, 1));
  }
  json j = {
      {"epochs", epochs}, {"parameters", params}, {"prediction", prediction}, {"target", probe_y_}};
  if (columns.size() < count) j["param_index"] = columns;
  return j;
}

json Session::state(int epoch) const {
  const Snapshot s = snapshot_at(epoch);
  const SampleTrace t = config_.float32
                            ? trace_of<float>(run_.arch, s.parameters, probe_x_, probe_y_)
                            : trace_of<double>(run_.arch, s.parameters, probe_x_, probe_y_);
  // The engine's own trace document, its values merged into the trace object.
  json doc = json::parse(formats::trace_json(run_.arch, t));
  json trace = doc["trace"];
  trace["weights"] = doc["weights"];
  trace["biases"] = doc["biases"];
  trace["input"] = probe_x_;
  return {{"epoch", s.epoch}, {"trace", trace}};
}

json Session::verify(int epoch, const std::string& name) const {
  const Snapshot s = snapshot_at(epoch);
  // In double whatever the session trains in: the analytic value from the trace, the numeric
  // one by central differences on the one value asked for (the engine's reference loss of the
  // probe row, step h = eps·max(1, |θ|) as gradient_check takes it), so a verify costs two
  // forward passes, not a gradient check of every parameter.
  const Network<double> net = network_of<double>(run_.arch, s.parameters);
  const SampleTrace t = trace_sample(net, probe_x_.data(), probe_y_.data());
  const GradCheckOptions opt;
  const ParameterLayout layout(run_.arch.widths);
  const NodeNames names(run_.arch.widths);
  std::vector<double> theta(s.parameters.begin(), s.parameters.end());
  std::vector<double> x = probe_x_;
  // dL/dv by central differences, v one of theta's or x's entries.
  const auto central = [&](std::vector<double>& v, std::size_t k) {
    const double saved = v[k];
    const double h = opt.eps * std::max(1.0, std::abs(saved));
    v[k] = saved + h;
    const double up = reference::batch_loss(run_.arch, theta, x, probe_y_, 1);
    v[k] = saved - h;
    const double down = reference::batch_loss(run_.arch, theta, x, probe_y_, 1);
    v[k] = saved;
    return (up - down) / (2 * h);
  };
  double analytic = 0, numeric = 0, value = 0;
  bool found = false;
  for (const WeightTrace& w : t.weights)
    if (!found && w.name == name) {
      const int p = run_.arch.widths[w.layer - 1];
      const int to = w.to - names.id(w.layer, 0), from = w.from - names.id(w.layer - 1, 0);
      const std::size_t k =
          layout.weight_offset[w.layer - 1] + std::size_t(to) * std::size_t(p) + std::size_t(from);
      analytic = w.grad;
      value = w.value;
      numeric = central(theta, k);
      found = true;
    }
  const auto bias_offset = [&](int node_id, int layer) {
    return layout.bias_offset[layer - 1] + std::size_t(node_id - names.id(layer, 0));
  };
  for (const BiasTrace& b : t.biases)
    if (!found && b.name == name) {
      analytic = b.grad;
      value = b.value;
      numeric = central(theta, bias_offset(b.node, b.layer));
      found = true;
    }
  for (const NodeTrace& n : t.nodes)
    if (!found && n.name == name) {
      // dL/d(node input): for an input node the predictor is the input; for any other node
      // in_j = Σ λ(i,j)·out_i + b_j, so moving b_j by h moves in_j by exactly h.
      analytic = n.dL_din;
      if (n.layer == 0) {
        value = n.in;
        numeric = central(x, std::size_t(n.index));
      } else {
        const std::size_t k = bias_offset(n.id, n.layer);
        value = theta[k];
        numeric = central(theta, k);
      }
      found = true;
    }
  if (!found)
    throw HttpError{400, "name '" + name +
                             "' is not a weight, bias or node of this network (e.g. λ(1,4), "
                             "b4, I1, H4, as in network.weights/biases/nodes)"};
  // gradient_check's measure: derivatives smaller than the floor compare by their absolute
  // difference, so round-off around a zero derivative is not a relative error of 1.
  const double abs_error = std::abs(analytic - numeric);
  const double scale = std::max({std::abs(analytic), std::abs(numeric), opt.floor});
  return {{"name", name},           {"epoch", s.epoch},
          {"analytic", analytic},   {"numeric", numeric},
          {"abs_error", abs_error}, {"rel_error", abs_error / scale},
          {"floor", opt.floor},     {"epsilon", opt.eps * std::max(1.0, std::abs(value))}};
}

json Session::surface(int epoch, int size, int max_hidden) const {
  const Snapshot s = snapshot_at(epoch);
  json j = config_.float32 ? surface_typed<float>(s.parameters, size, max_hidden)
                           : surface_typed<double>(s.parameters, size, max_hidden);
  j["epoch"] = s.epoch;
  return j;
}

template <class T>
json Session::surface_typed(const std::vector<double>& params, int size, int max_hidden) const {
  const data::Preprocessor& pre = run_.preprocessing;
  const auto& f = pre.features;
  const bool numeric = std::all_of(f.begin(), f.end(), [](const data::ColumnTransform& c) {
    return c.kind == data::ColumnKind::numeric;
  });
  if (!numeric || f.empty() || f.size() > 2) return {{"kind", "none"}};
  const bool plane = f.size() == 2;
  const bool classification = pre.task == data::Task::classification;
  const long l0 = run_.arch.inputs(), ln = run_.arch.outputs();

  // Every usable row in data units (inverse of the fitted scaling), at most 2,000 shown.
  const Part parts[] = {
      {"train", &run_.train}, {"validation", &run_.validation}, {"test", &run_.test}};
  long total = 0;
  for (const Part& p : parts) total += p.rows->rows;
  const long step = std::max<long>(1, (total + 1999) / 2000);
  std::vector<double> lo(f.size(), INFINITY), hi(f.size(), -INFINITY);
  json points = json::array();
  long k = 0;
  for (const Part& p : parts) {
    const std::vector<double> y =
        classification ? p.rows->y : pre.inverse_targets(p.rows->y, p.rows->rows);
    const long ky = classification ? ln : long(pre.targets.size());
    for (long r = 0; r < p.rows->rows; ++r, ++k) {
      double v[2] = {0, 0};
      for (std::size_t c = 0; c < f.size(); ++c) {
        v[c] = f[c].invert(p.rows->x[r * l0 + long(c)]);
        lo[c] = std::min(lo[c], v[c]);
        hi[c] = std::max(hi[c], v[c]);
      }
      if (k % step != 0) continue;
      json target;
      if (classification) {
        const auto row = y.begin() + r * ky;
        target = pre.targets[0].categories[std::max_element(row, row + ky) - row];
      } else {
        target = y[r * ky];
      }
      if (plane)
        points.push_back({{"x", v[0]}, {"y", v[1]}, {"target", target}, {"split", p.name}});
      else
        points.push_back({{"x", v[0]}, {"y", target}, {"split", p.name}});
    }
  }
  for (std::size_t c = 0; c < f.size(); ++c) {  // 5% margin; a constant column gets ±0.5
    const double pad = hi[c] > lo[c] ? 0.05 * (hi[c] - lo[c]) : 0.5;
    lo[c] -= pad;
    hi[c] += pad;
  }

  // The grid (S x S, row-major, y from min to max; or S points) in model units.
  const long S = size, rows = plane ? S * S : S;
  std::vector<T> grid(std::size_t(rows * l0));
  const auto at = [&](int c, long i) {
    return lo[c] + (hi[c] - lo[c]) * double(i) / double(S - 1);
  };
  for (long r = 0; r < rows; ++r) {
    grid[r * l0] = static_cast<T>(f[0].apply(at(0, plane ? r % S : r)));
    if (plane) grid[r * l0 + 1] = static_cast<T>(f[1].apply(at(1, r / S)));
  }
  const Network<T> net = network_of<T>(run_.arch, params);
  Propagator<T> pass(run_.arch);
  const T* yhat = pass.forward(net, grid.data(), rows);
  std::vector<double> values(static_cast<std::size_t>(rows));
  if (classification) {
    for (long r = 0; r < rows; ++r) values[r] = double(yhat[r * ln]);  // P(first class)
  } else {
    const std::vector<double> y =
        pre.inverse_targets(std::vector<double>(yhat, yhat + rows * ln), rows);
    const long kt = long(pre.targets.size());
    for (long r = 0; r < rows; ++r) values[r] = y[r * kt];
  }
  json hidden = json::array();
  int hidden_nodes = 0;
  if (run_.arch.layers() >= 2) {  // the first hidden layer's node outputs, at most 16
    const NodeNames names(run_.arch.widths);
    const int l1 = run_.arch.widths[1];
    hidden_nodes = l1;
    const T* a1 = pass.a(1);
    for (std::size_t jj : spread_last(std::size_t(l1), std::size_t(max_hidden))) {
      const int j = int(jj);
      std::vector<double> v(static_cast<std::size_t>(rows));
      for (long r = 0; r < rows; ++r) v[r] = double(a1[r * l1 + j]);
      hidden.push_back({{"node", names.node(1, j)}, {"values", v}});
    }
  }
  json j;
  j["value_kind"] = classification ? "probability" : "regression";
  if (classification) j["class"] = pre.targets[0].categories.front();
  j["target"] = pre.targets[0].name;
  j["hidden"] = hidden;
  j["hidden_nodes"] = hidden_nodes;
  j["points"] = points;
  if (plane) {
    j["kind"] = "plane";
    j["x"] = {{"name", f[0].name}, {"min", lo[0]}, {"max", hi[0]}};
    j["y"] = {{"name", f[1].name}, {"min", lo[1]}, {"max", hi[1]}};
    j["size"] = S;
    j["values"] = values;
  } else {
    j["kind"] = "curve";
    std::vector<double> xs(static_cast<std::size_t>(S));
    for (long i = 0; i < S; ++i) xs[i] = at(0, i);
    j["x"] = xs;
    j["y"] = values;
    j["x_name"] = f[0].name;
    j["size"] = S;
  }
  return j;
}

json Session::fit_view(int epoch) const {
  const Snapshot s = snapshot_at(epoch);
  const data::Preprocessor& pre = run_.preprocessing;
  const bool classification = pre.task == data::Task::classification;
  const Part parts[] = {
      {"train", &run_.train}, {"validation", &run_.validation}, {"test", &run_.test}};
  long total = 0;
  for (const Part& p : parts) total += p.rows->rows;
  const long step = std::max<long>(1, (total + 1999) / 2000);
  json metrics = json::object(), points = json::array(), by_split = json::object();
  std::vector<std::vector<long>> confusion;
  long k = 0;
  for (const Part& p : parts) {
    const workflow::ModelRows& m = *p.rows;
    if (m.rows == 0) continue;
    const std::vector<double> yhat = config_.float32 ? outputs<float>(s.parameters, m.x, m.rows)
                                                     : outputs<double>(s.parameters, m.x, m.rows);
    const workflow::SplitMetrics sm = workflow::split_metrics(pre, yhat, m.y, m.rows);
    json mj = json::object();
    for (const auto& [key, v] : workflow::metric_values(sm))
      mj[key] = std::isfinite(v) ? json(v) : json(nullptr);
    metrics[p.name] = mj;
    if (classification) {
      const auto& c = sm.classification->confusion;
      by_split[p.name] = c;
      if (confusion.empty()) confusion.assign(c.size(), std::vector<long>(c.size(), 0));
      for (std::size_t i = 0; i < c.size(); ++i)
        for (std::size_t j = 0; j < c.size(); ++j) confusion[i][j] += c[i][j];
    } else {
      const std::vector<double> actual = pre.inverse_targets(m.y, m.rows);
      const std::vector<double> predicted = pre.inverse_targets(yhat, m.rows);
      const long kt = long(pre.targets.size());
      for (long r = 0; r < m.rows; ++r, ++k)
        if (k % step == 0)
          points.push_back(
              {{"actual", actual[r * kt]}, {"predicted", predicted[r * kt]}, {"split", p.name}});
    }
  }
  if (classification)
    return {{"kind", "classification"},
            {"epoch", s.epoch},
            {"classes", pre.targets[0].categories},
            {"confusion", confusion},
            {"confusion_by_split", by_split},
            {"metrics", metrics}};
  return {{"kind", "regression"},
          {"epoch", s.epoch},
          {"target", pre.targets[0].name},
          {"points", points},
          {"metrics", metrics}};
}

// What annlab.run keeps of a long run (docs/dashboard.md): the page's own live limits for the
// history and the series; as many states (11 to 201) as fit in about 3 MB, and as many
// surfaces and fits (5 to 51, size 40, at most 8 hidden maps) as fit in about 3 MB.
constexpr long kRunRecords = 2000, kRunEpochs = 600, kRunParams = 160;
constexpr std::size_t kRunStateBytes = 3u << 20, kRunSurfaceBytes = 3u << 20;
constexpr int kRunSurfaceSize = 40, kRunHiddenMaps = 8;

json Session::run_document() const {
  std::vector<int> recorded;
  {
    auto lock = read_lock();
    for (const Snapshot& s : states_) recorded.push_back(s.epoch);
  }
  // Sized on the latest state's documents (every state's are about as large).
  const auto size_of = [](const json& j) { return std::max<std::size_t>(1, j.dump().size()); };
  const json last_trace = state(recorded.back())["trace"];
  const std::size_t n_states =
      std::clamp<std::size_t>(kRunStateBytes / size_of(last_trace), 11, 201);
  const std::size_t view_bytes =
      size_of(surface(recorded.back(), kRunSurfaceSize, kRunHiddenMaps)) +
      size_of(fit_view(recorded.back()));
  const std::size_t n_views = std::clamp<std::size_t>(kRunSurfaceBytes / view_bytes, 5, 51);
  json states = json::array(), surfaces = json::array(), fits = json::array();
  for (std::size_t i : spread_last(recorded.size(), n_states))
    states.push_back({{"epoch", recorded[i]}, {"trace", state(recorded[i])["trace"]}});
  for (std::size_t i : spread_last(recorded.size(), n_views)) {
    surfaces.push_back({{"epoch", recorded[i]},
                        {"surface", surface(recorded[i], kRunSurfaceSize, kRunHiddenMaps)}});
    fits.push_back({{"epoch", recorded[i]}, {"fit", fit_view(recorded[i])}});
  }
  return {{"format", "annlab.run"},
          {"version", 1},
          {"annlab_version", ANNLAB_VERSION},
          {"session", describe()},
          {"history", history(-1, kRunRecords)},
          {"series", series(-1, kRunEpochs, kRunParams)},
          {"states", states},
          {"surfaces", surfaces},
          {"fit", fits}};
}

}  // namespace annlab::web
