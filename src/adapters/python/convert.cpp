#include "convert.hpp"

#include <pybind11/stl.h>

#include <cmath>
#include <limits>

namespace annlab::python {

workflow::MatrixView matrix_view(const py::array& a, const char* what) {
  workflow::MatrixView v;
  if (a.ndim() != 2)
    throw py::value_error(std::string(what) + ": expected a 2-D array, got " +
                          std::to_string(a.ndim()) + "-D");
  if (a.dtype().is(py::dtype::of<double>())) {
    v.float32 = false;
  } else if (a.dtype().is(py::dtype::of<float>())) {
    v.float32 = true;
  } else {
    throw py::type_error(std::string(what) + ": expected float32 or float64 values, got " +
                         std::string(py::str(a.dtype())));
  }
  const auto item = static_cast<py::ssize_t>(a.itemsize());
  if (a.strides(0) % item != 0 || a.strides(1) % item != 0)
    throw py::value_error(std::string(what) + ": strides are not whole elements");
  v.data = a.data();
  v.rows = static_cast<long>(a.shape(0));
  v.cols = static_cast<long>(a.shape(1));
  v.row_stride = static_cast<long>(a.strides(0) / item);
  v.col_stride = static_cast<long>(a.strides(1) / item);
  return v;
}

template <class T>
py::array_t<T> view_of(T* values, std::vector<py::ssize_t> shape, py::handle owner, bool writable) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t step = sizeof(T);
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= shape[i];
  }
  py::array_t<T> a(shape, strides, values, owner);
  if (!writable) a.attr("flags").attr("writeable") = false;
  return a;
}
template py::array_t<double> view_of(double*, std::vector<py::ssize_t>, py::handle, bool);
template py::array_t<float> view_of(float*, std::vector<py::ssize_t>, py::handle, bool);

template <class T>
py::array_t<T> copy_of(const std::vector<T>& values, std::vector<py::ssize_t> shape) {
  py::array_t<T> a(shape);
  std::copy(values.begin(), values.end(), a.mutable_data());
  return a;
}
template py::array_t<double> copy_of(const std::vector<double>&, std::vector<py::ssize_t>);
template py::array_t<long> copy_of(const std::vector<long>&, std::vector<py::ssize_t>);
template py::array_t<int> copy_of(const std::vector<int>&, std::vector<py::ssize_t>);

namespace {

// rows x n array filled by f(row, i).
template <class F>
py::array_t<double> stacked(std::size_t rows, std::size_t n, F f) {
  py::array_t<double> a({py::ssize_t(rows), py::ssize_t(n)});
  double* p = a.mutable_data();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; ++i) p[r * n + i] = f(r, i);
  return a;
}

}  // namespace

py::dict trace_dict(const BatchTrace& t) {
  py::dict d;
  const std::size_t rows = t.samples.size();
  if (rows == 0) return d;
  const SampleTrace& s0 = t.samples[0];
  std::vector<int> node_id, node_layer, node_index, w_from, w_to, w_layer, b_node, b_layer;
  std::vector<std::string> node_name, w_name, b_name;
  std::vector<double> w_value, b_value;
  for (const auto& n : s0.nodes) {
    node_id.push_back(n.id);
    node_name.push_back(n.name);
    node_layer.push_back(n.layer);
    node_index.push_back(n.index);
  }
  for (const auto& w : s0.weights) {
    w_name.push_back(w.name);
    w_from.push_back(w.from);
    w_to.push_back(w.to);
    w_layer.push_back(w.layer);
    w_value.push_back(w.value);
  }
  for (const auto& b : s0.biases) {
    b_name.push_back(b.name);
    b_node.push_back(b.node);
    b_layer.push_back(b.layer);
    b_value.push_back(b.value);
  }
  const auto sz = [](std::size_t n) { return std::vector<py::ssize_t>{py::ssize_t(n)}; };
  d["node_id"] = copy_of(node_id, sz(node_id.size()));
  d["node_name"] = node_name;
  d["node_layer"] = copy_of(node_layer, sz(node_layer.size()));
  d["node_index"] = copy_of(node_index, sz(node_index.size()));
  const std::size_t nn = s0.nodes.size(), nw = s0.weights.size(), nb = s0.biases.size();
  d["node_in"] =
      stacked(rows, nn, [&](std::size_t r, std::size_t i) { return t.samples[r].nodes[i].in; });
  d["node_out"] =
      stacked(rows, nn, [&](std::size_t r, std::size_t i) { return t.samples[r].nodes[i].out; });
  d["dL_dnode_in"] =
      stacked(rows, nn, [&](std::size_t r, std::size_t i) { return t.samples[r].nodes[i].dL_din; });
  d["dL_dnode_out"] = stacked(
      rows, nn, [&](std::size_t r, std::size_t i) { return t.samples[r].nodes[i].dL_dout; });
  d["weight_name"] = w_name;
  d["weight_from"] = copy_of(w_from, sz(nw));
  d["weight_to"] = copy_of(w_to, sz(nw));
  d["weight_layer"] = copy_of(w_layer, sz(nw));
  d["weights"] = copy_of(w_value, sz(nw));
  d["dL_dweights"] =
      stacked(rows, nw, [&](std::size_t r, std::size_t i) { return t.samples[r].weights[i].grad; });
  d["bias_name"] = b_name;
  d["bias_node"] = copy_of(b_node, sz(nb));
  d["bias_layer"] = copy_of(b_layer, sz(nb));
  d["biases"] = copy_of(b_value, sz(nb));
  d["dL_dbiases"] =
      stacked(rows, nb, [&](std::size_t r, std::size_t i) { return t.samples[r].biases[i].grad; });
  const std::size_t no = s0.prediction.size();
  d["prediction"] =
      stacked(rows, no, [&](std::size_t r, std::size_t i) { return t.samples[r].prediction[i]; });
  d["target"] =
      stacked(rows, no, [&](std::size_t r, std::size_t i) { return t.samples[r].target[i]; });
  std::vector<double> loss;
  for (const auto& s : t.samples) loss.push_back(s.loss);
  d["loss"] = copy_of(loss, sz(rows));
  d["mean_loss"] = t.loss;
  d["mean_dL_dweights"] = copy_of(t.weight_grad, sz(t.weight_grad.size()));
  d["mean_dL_dbiases"] = copy_of(t.bias_grad, sz(t.bias_grad.size()));
  return d;
}

py::dict trace_dict(const SampleTrace& t) {
  BatchTrace b;
  b.samples.push_back(t);
  b.loss = t.loss;
  for (const auto& w : t.weights) b.weight_grad.push_back(w.grad);
  for (const auto& x : t.biases) b.bias_grad.push_back(x.grad);
  return trace_dict(b);
}

py::dict history_dict(const History& h) {
  const std::size_t n = h.epochs.size();
  const auto sz = std::vector<py::ssize_t>{py::ssize_t(n)};
  std::vector<long> epoch;
  std::vector<double> lr, train, val, secs;
  std::map<std::string, std::vector<double>> tm, vm;
  for (const auto& r : h.epochs) {
    epoch.push_back(r.epoch);
    lr.push_back(r.learning_rate);
    train.push_back(r.train_loss);
    val.push_back(r.validation_loss);
    secs.push_back(r.seconds);
  }
  // Metric names from every record (a record may lack one, e.g. before validation exists).
  for (const auto& r : h.epochs) {
    for (const auto& kv : r.train_metrics) tm[kv.first];
    for (const auto& kv : r.validation_metrics) vm[kv.first];
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : h.epochs) {
    for (auto& [k, v] : tm) {
      auto it = r.train_metrics.find(k);
      v.push_back(it == r.train_metrics.end() ? nan : it->second);
    }
    for (auto& [k, v] : vm) {
      auto it = r.validation_metrics.find(k);
      v.push_back(it == r.validation_metrics.end() ? nan : it->second);
    }
  }
  py::dict d;
  d["epoch"] = copy_of(epoch, sz);
  d["learning_rate"] = copy_of(lr, sz);
  d["train_loss"] = copy_of(train, sz);
  d["validation_loss"] = copy_of(val, sz);
  d["seconds"] = copy_of(secs, sz);
  py::dict tmd, vmd;
  for (const auto& [k, v] : tm) tmd[py::str(k)] = copy_of(v, sz);
  for (const auto& [k, v] : vm) vmd[py::str(k)] = copy_of(v, sz);
  d["train_metrics"] = tmd;
  d["validation_metrics"] = vmd;
  py::list probes;
  for (const auto& p : h.probes) {
    py::dict s;
    s["epoch"] = p.epoch;
    s["trace"] = trace_dict(p.trace);
    probes.append(s);
  }
  d["probes"] = probes;
  d["best_epoch"] = h.best_epoch;
  d["stopped_early"] = h.stopped_early;
  d["interrupted"] = h.interrupted;
  d["converged"] = h.converged;
  return d;
}

py::dict split_metrics_dict(const workflow::SplitMetrics& m) {
  py::dict d;
  d["rows"] = m.rows;
  if (m.regression) {
    d["mse"] = m.regression->mse;
    d["rmse"] = m.regression->rmse;
    d["mae"] = m.regression->mae;
    d["r2"] = m.regression->r2;
  }
  if (m.classification) {
    const auto& c = *m.classification;
    d["accuracy"] = c.accuracy;
    d["log_loss"] = c.log_loss;
    d["macro_f1"] = c.macro_f1;
    d["confusion"] = c.confusion;
    d["precision"] = c.precision;
    d["recall"] = c.recall;
    d["f1"] = c.f1;
  }
  return d;
}

// ---- TrainingBridge ----------------------------------------------------------------------

TrainingBridge::TrainingBridge(py::object on_epoch, std::chrono::milliseconds period)
    : on_epoch_(std::move(on_epoch)), period_(period), exception_(py::none()) {}

TrainingBridge::~TrainingBridge() = default;

workflow::RunCallbacks TrainingBridge::callbacks() {
  workflow::RunCallbacks cb;
  cb.should_stop = [this] { return should_stop(); };
  if (!on_epoch_.is_none())
    cb.on_epoch = [this](const EpochRecord& r, int epochs) { on_epoch(r, epochs); };
  return cb;
}

py::object TrainingBridge::exception() const {
  return exception_;
}

void TrainingBridge::keep_error() {
  py::error_already_set e;  // fetches (and clears) the pending Python error
  exception_ = e.value();
  stop_ = true;
}

bool TrainingBridge::should_stop() {
  if (stop_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_poll_) return false;
  next_poll_ = now + period_;
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) keep_error();
  return stop_;
}

void TrainingBridge::on_epoch(const EpochRecord& r, int epochs) {
  if (stop_) return;
  py::gil_scoped_acquire gil;
  py::dict d;
  d["epoch"] = r.epoch;
  d["epochs"] = epochs;
  d["learning_rate"] = r.learning_rate;
  d["train_loss"] = r.train_loss;
  d["validation_loss"] = r.validation_loss;
  d["train_metrics"] = r.train_metrics;
  d["validation_metrics"] = r.validation_metrics;
  d["seconds"] = r.seconds;
  try {
    on_epoch_(d);
  } catch (py::error_already_set& e) {
    exception_ = e.value();
    stop_ = true;
  }
}

}  // namespace annlab::python
