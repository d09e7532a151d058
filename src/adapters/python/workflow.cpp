// Model files, training and prediction from Python: each function one call into the workflow
// layer (run.hpp, arrays.hpp, model.hpp), run with the GIL released.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstdint>
#include <memory>

#include "annlab/core/error.hpp"
#include "annlab/formats/json.hpp"
#include "annlab/train/chapter.hpp"
#include "annlab/workflow/arrays.hpp"
#include "annlab/workflow/model.hpp"
#include "annlab/workflow/run.hpp"
#include "bindings.hpp"
#include "convert.hpp"

#ifndef ANNLAB_VERSION
#define ANNLAB_VERSION "0.0.0"
#endif

namespace annlab::python {
namespace {

using workflow::Model;

// A training run's history with what its JSON document needs (the CLI's --history file).
struct TrainedHistory {
  History history;
  Architecture arch;
  std::string run_config;
  std::vector<double> probe_x, probe_y;  // probe rows in model units
};

// The arrays of one call, kept alive (and C-ordered where the library needs it) while the
// training loop reads them without the GIL.
struct Arrays {
  workflow::ArrayData data;
  py::array x, y;
  py::array_t<std::int64_t, py::array::c_style> labels;
};

Arrays arrays_of(const py::array& x, const std::vector<std::string>& feature_names,
                 const py::object& y, const py::object& labels,
                 const std::vector<std::string>& classes,
                 const std::vector<std::string>& target_names, const std::string& source) {
  Arrays a;
  a.x = x;
  a.data.source = source;
  a.data.x = matrix_view(x, "X");
  a.data.feature_names = feature_names;
  a.data.target_names = target_names;
  a.data.classes = classes;
  if (!classes.empty()) {
    if (labels.is_none()) throw py::value_error("y: class labels are missing");
    a.labels = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(labels);
    if (!a.labels || a.labels.ndim() != 1 || a.labels.shape(0) != x.shape(0))
      throw py::value_error("y: expected one class index per row of X");
    a.data.labels = a.labels.data();
  } else if (!y.is_none()) {
    a.y = y.cast<py::array>();
    a.data.y = matrix_view(a.y, "y");
  }
  return a;
}

std::shared_ptr<TrainedHistory> history_of(workflow::RunResult& r, const workflow::RunConfig& c,
                                           const Arrays& a) {
  auto h = std::make_shared<TrainedHistory>();
  h->arch = r.model.arch;
  h->run_config = r.model.run_config;
  const auto& probes = c.train.history.probe_rows;
  if (!probes.empty() && !r.history.probes.empty()) {
    std::vector<long> rows;
    for (long p : probes) rows.push_back(r.split.train[p]);
    h->probe_x = workflow::array_features(r.model, a.data.x, rows);
    h->probe_y = workflow::array_targets(r.model, a.data, rows);
  }
  h->history = std::move(r.history);
  return h;
}

py::dict result_dict(workflow::RunResult&& r, std::shared_ptr<TrainedHistory> h,
                     const TrainingBridge& bridge) {
  py::dict d;
  d["train"] = split_metrics_dict(r.train);
  d["validation"] = split_metrics_dict(r.validation);
  d["test"] = split_metrics_dict(r.test);
  if (r.cross_validation) {
    py::list folds;
    for (const auto& f : r.cross_validation->folds) folds.append(split_metrics_dict(f));
    d["cross_validation"] = folds;
  }
  const auto rows = [](const std::vector<long>& v) { return copy_of(v, {py::ssize_t(v.size())}); };
  d["split"] = py::dict(py::arg("train") = rows(r.split.train),
                        py::arg("validation") = rows(r.split.validation),
                        py::arg("test") = rows(r.split.test));
  d["model"] = std::make_shared<Model>(std::move(r.model));
  d["history"] = h;
  d["exception"] = bridge.exception();
  return d;
}

workflow::RunConfig config_of(const std::string& json, const std::string& source) {
  return workflow::parse_run_config(json, source);
}

py::array_t<double> outputs_array(const std::vector<double>& y, long rows) {
  const py::ssize_t k = rows > 0 ? py::ssize_t(y.size() / std::size_t(rows)) : 0;
  return copy_of(y, {py::ssize_t(rows), k});
}

// One of the model file's column lists ("features" or "targets") as Python dicts: the
// model file's own text form, so Python shows exactly what the file holds.
py::object transform_list(const data::Preprocessor& p, const char* which) {
  return py::module_::import("json").attr("loads")(workflow::preprocessing_json(p))[which];
}

// A data::Table from a frame's header and cell texts (the CSV the frame would write).
data::Table table_of(const std::vector<std::string>& columns,
                     std::vector<std::vector<std::string>> rows, const std::string& source) {
  data::Table t;
  t.source = source;
  t.columns = columns;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != columns.size())
      throw py::value_error(source + ": row " + std::to_string(r) + " has " +
                            std::to_string(rows[r].size()) + " cells for " +
                            std::to_string(columns.size()) + " columns");
    t.lines.push_back(static_cast<long>(r) + 2);  // as in the CSV: the header is line 1
  }
  t.rows = std::move(rows);
  return t;
}

template <class T>
py::object network_object(const Model& m) {
  Network<T> net(m.arch);
  std::copy(m.parameters.begin(), m.parameters.end(), net.parameters().begin());
  return py::cast(std::move(net));
}

}  // namespace

void bind_workflow(py::module_& m) {
  py::class_<TrainedHistory, std::shared_ptr<TrainedHistory>>(
      m, "TrainingHistory",
      "A training run's history as the engine recorded it (annlab.History wraps it)")
      .def("data", [](const TrainedHistory& h) { return history_dict(h.history); })
      // The annlab.history document (docs/formats.md), as `annlab train --history` writes it.
      .def(
          "to_json",
          [](const TrainedHistory& h, int indent) {
            return formats::training_history_json(h.arch, h.run_config, h.history, h.probe_x,
                                                  h.probe_y, ANNLAB_VERSION, indent);
          },
          py::arg("indent") = -1)
      .def("to_csv",
           [](const TrainedHistory& h) { return formats::training_history_csv(h.history); })
      .def_property_readonly("widths", [](const TrainedHistory& h) { return h.arch.widths; })
      .def_property_readonly("activations",
                             [](const TrainedHistory& h) {
                               std::vector<std::string> out;
                               for (const auto& a : h.arch.activations) out.push_back(a.name());
                               return out;
                             })
      .def_property_readonly("loss",
                             [](const TrainedHistory& h) { return loss_name(h.arch.loss); });

  py::class_<Model, std::shared_ptr<Model>>(
      m, "Model",
      "A trained model (the annlab.model document): architecture, parameters, preprocessing "
      "(scalers, category lists), run configuration and provenance. Read and written by the "
      "CLI (annlab train --out, predict, evaluate, inspect, trace) and by the estimators.")
      .def_static(
          "from_json",
          [](const std::string& text, const std::string& source) {
            return workflow::parse_model(text, source);
          },
          py::arg("text"), py::arg("source") = "model")
      .def_static(
          "load", [](const std::filesystem::path& path) { return workflow::load_model(path); },
          py::arg("path"))
      .def(
          "to_json", [](const Model& mo, int indent) { return workflow::model_json(mo, indent); },
          py::arg("indent") = 1)
      .def(
          "save",
          [](const Model& mo, const std::filesystem::path& path) {
            workflow::save_model(mo, path);
          },
          py::arg("path"))
      .def("describe", &workflow::describe_model)
      // Read-only: a float32 model holds float values, which a write could break.
      .def_property_readonly("parameters",
                             [](py::object self) {
                               Model& mo = self.cast<Model&>();
                               return view_of<double>(mo.parameters.data(),
                                                      {py::ssize_t(mo.parameters.size())}, self,
                                                      false);
                             })
      .def_property_readonly("widths", [](const Model& mo) { return mo.arch.widths; })
      .def_property_readonly("activations",
                             [](const Model& mo) {
                               std::vector<std::string> out;
                               for (const auto& a : mo.arch.activations) out.push_back(a.name());
                               return out;
                             })
      .def_property_readonly("loss", [](const Model& mo) { return loss_name(mo.arch.loss); })
      .def_property_readonly("float32", [](const Model& mo) { return mo.float32; })
      .def_property_readonly("task",
                             [](const Model& mo) {
                               return mo.preprocessing.task == data::Task::regression
                                          ? "regression"
                                          : "classification";
                             })
      .def_property_readonly(
          "features", [](const Model& mo) { return transform_list(mo.preprocessing, "features"); })
      .def_property_readonly(
          "targets", [](const Model& mo) { return transform_list(mo.preprocessing, "targets"); })
      .def_property_readonly("input_names",
                             [](const Model& mo) { return mo.preprocessing.input_names(); })
      .def_property_readonly("output_names",
                             [](const Model& mo) { return mo.preprocessing.output_names(); })
      .def_property_readonly("run_config", [](const Model& mo) { return mo.run_config; })
      .def_property_readonly("seed", [](const Model& mo) { return mo.seed; })
      .def_property_readonly("data_file", [](const Model& mo) { return mo.data_file; })
      .def_property_readonly("data_rows", [](const Model& mo) { return mo.data_rows; })
      .def_property_readonly("annlab_version", [](const Model& mo) { return mo.annlab_version; })
      .def_property_readonly("metrics", [](const Model& mo) { return mo.metrics; })
      // rows x outputs: regression values in the targets' units, or class probabilities.
      .def(
          "predict",
          [](const Model& mo, const py::array& x) {
            const workflow::MatrixView v = matrix_view(x, "X");
            std::vector<double> y;
            {
              py::gil_scoped_release nogil;
              y = workflow::predict_arrays(mo, v);
            }
            return outputs_array(y, v.rows);
          },
          py::arg("x"))
      // The class index of each row of probabilities (the first on ties), as the CLI picks it.
      .def(
          "classes_of",
          [](const Model& mo,
             const py::array_t<double, py::array::c_style | py::array::forcecast>& p) {
            if (p.ndim() != 2) throw py::value_error("expected rows x classes probabilities");
            const std::vector<double> v(p.data(), p.data() + p.size());
            return copy_of(mo.preprocessing.classes_of(v, long(p.shape(0))), {p.shape(0)});
          },
          py::arg("probabilities"))
      // Predictions for a table of cell texts (a frame with categorical columns), matched by
      // column name as `annlab predict` matches a CSV's header.
      .def(
          "predict_table",
          [](const Model& mo, const std::vector<std::string>& columns,
             std::vector<std::vector<std::string>> rows, const std::string& source) {
            const data::Table t = table_of(columns, std::move(rows), source);
            workflow::Predictions p;
            {
              py::gil_scoped_release nogil;
              p = workflow::predict_table(mo, t);
            }
            py::dict d;
            d["values"] = outputs_array(p.values, p.rows);
            d["columns"] = p.columns;
            d["labels"] = p.labels;
            return d;
          },
          py::arg("columns"), py::arg("rows"), py::arg("source") = "DataFrame")
      .def(
          "trace",
          [](const Model& mo, const py::array& x, const std::vector<std::string>& feature_names,
             const py::object& y, const py::object& labels, const std::vector<std::string>& classes,
             const std::vector<std::string>& target_names, const std::vector<long>& rows) {
            const Arrays a = arrays_of(x, feature_names, y, labels, classes, target_names, "X");
            BatchTrace t;
            {
              py::gil_scoped_release nogil;
              t = workflow::trace_arrays(mo, a.data, rows);
            }
            return trace_dict(t);
          },
          py::arg("x"), py::arg("feature_names"), py::arg("y"), py::arg("labels"),
          py::arg("classes"), py::arg("target_names"), py::arg("rows"))
      // A copy of the parameters as a glass-box network (Network32 for float32 models).
      .def("network",
           [](const Model& mo) {
             return mo.float32 ? network_object<float>(mo) : network_object<double>(mo);
           })
      .def(py::pickle(
          [](const Model& mo) { return workflow::model_json(mo, -1); },
          [](const std::string& text) { return workflow::parse_model(text, "pickle"); }));

  // The normalized run configuration (every key, defaults filled in) for a JSON object of run
  // options, with the CLI's checks and messages.
  m.def(
      "run_config",
      [](const std::string& json, const std::string& source) {
        return workflow::run_config_json(config_of(json, source), -1);
      },
      py::arg("json") = "{}", py::arg("source") = "options");

  m.def(
      "train_arrays",
      [](const py::array& x, const std::vector<std::string>& feature_names, const py::object& y,
         const py::object& labels, const std::vector<std::string>& classes,
         const std::vector<std::string>& target_names, const std::string& config_json,
         const std::string& config_source, const std::string& data_source,
         const py::object& on_epoch) {
        const workflow::RunConfig c = config_of(config_json, config_source);
        const Arrays a = arrays_of(x, feature_names, y, labels, classes, target_names, data_source);
        TrainingBridge bridge(on_epoch);
        const workflow::RunCallbacks cb = bridge.callbacks();
        workflow::RunResult r;
        {
          py::gil_scoped_release nogil;
          r = workflow::train_on_arrays(a.data, c, cb);
        }
        auto h = history_of(r, c, a);
        return result_dict(std::move(r), h, bridge);
      },
      py::arg("x"), py::arg("feature_names"), py::arg("y"), py::arg("labels"), py::arg("classes"),
      py::arg("target_names"), py::arg("config"), py::arg("config_source") = "options",
      py::arg("data_source") = "arrays", py::arg("on_epoch") = py::none());

  m.def(
      "continue_training",
      [](const Model& start, const py::array& x, const std::vector<std::string>& feature_names,
         const py::object& y, const py::object& labels, const std::vector<std::string>& classes,
         const std::vector<std::string>& target_names, const std::string& config_json,
         const std::string& config_source, const py::object& on_epoch) {
        const workflow::RunConfig c = config_of(config_json, config_source);
        const Arrays a =
            arrays_of(x, feature_names, y, labels, classes, target_names, start.data_file);
        TrainingBridge bridge(on_epoch);
        const workflow::RunCallbacks cb = bridge.callbacks();
        workflow::RunResult r;
        {
          py::gil_scoped_release nogil;
          r = workflow::continue_training(start, a.data, c, cb);
        }
        auto h = history_of(r, c, a);
        return result_dict(std::move(r), h, bridge);
      },
      py::arg("model"), py::arg("x"), py::arg("feature_names"), py::arg("y"), py::arg("labels"),
      py::arg("classes"), py::arg("target_names"), py::arg("config"),
      py::arg("config_source") = "options", py::arg("on_epoch") = py::none());

  // train_on_table on a frame's cell texts: categorical columns are one-hot encoded exactly as
  // `annlab train` encodes a CSV's.
  m.def(
      "train_table",
      [](const std::vector<std::string>& columns, std::vector<std::vector<std::string>> rows,
         const std::string& config_json, const std::string& config_source,
         const std::string& data_source, const py::object& on_epoch) {
        const workflow::RunConfig c = config_of(config_json, config_source);
        const data::Table t = table_of(columns, std::move(rows), data_source);
        TrainingBridge bridge(on_epoch);
        const workflow::RunCallbacks cb = bridge.callbacks();
        workflow::RunResult r;
        {
          py::gil_scoped_release nogil;
          r = workflow::train_on_table(t, c, cb);
        }
        auto h = std::make_shared<TrainedHistory>();
        h->arch = r.model.arch;
        h->run_config = r.model.run_config;
        const auto& probes = c.train.history.probe_rows;
        if (!probes.empty() && !r.history.probes.empty()) {
          std::vector<long> prow;
          for (long p : probes) prow.push_back(r.split.train[p]);
          h->probe_x = r.model.preprocessing.transform_features(t, prow);
          h->probe_y = r.model.preprocessing.transform_targets(t, prow);
        }
        h->history = std::move(r.history);
        return result_dict(std::move(r), h, bridge);
      },
      py::arg("columns"), py::arg("rows"), py::arg("config"), py::arg("config_source") = "options",
      py::arg("data_source") = "DataFrame", py::arg("on_epoch") = py::none());

  // The chapter's worked example: every state (epochs 0..E) with its full trace.
  m.def(
      "chapter",
      [](int epochs, double learning_rate, std::uint32_t seed, const std::vector<double>& x,
         const std::vector<double>& y, bool json) {
        ChapterConfig c;
        c.epochs = epochs;
        c.learning_rate = learning_rate;
        c.seed = seed;
        c.x = x;
        c.y = y;
        TraceHistory h;
        {
          py::gil_scoped_release nogil;
          h = run_chapter(c);
        }
        py::dict d;
        d["widths"] = h.arch.widths;
        std::vector<std::string> acts;
        for (const auto& a : h.arch.activations) acts.push_back(a.name());
        d["activations"] = acts;
        d["loss"] = loss_name(h.arch.loss);
        d["learning_rate"] = h.learning_rate;
        d["epochs"] = h.epochs;
        d["seed"] = h.seed;
        d["x"] = h.x;
        d["y"] = h.y;
        d["rows"] = h.rows;
        py::list states;
        for (const auto& s : h.states) states.append(trace_dict(s));
        d["states"] = states;
        // The annlab.history document `annlab chapter --json` prints.
        if (json) d["json"] = formats::history_json(h, ANNLAB_VERSION, -1);
        return d;
      },
      py::arg("epochs") = 1000, py::arg("learning_rate") = 0.2, py::arg("seed") = 13,
      py::arg("x") = std::vector<double>{0.5, 0.2, 0.7}, py::arg("y") = std::vector<double>{0.3},
      py::arg("json") = false);
}

}  // namespace annlab::python
