// Between NumPy / Python objects and the library's types. No math: views, copies of results,
// and the polling that lets Ctrl-C and Python callbacks reach a training loop running
// without the GIL.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "annlab/core/trace.hpp"
#include "annlab/train/trainer.hpp"
#include "annlab/workflow/arrays.hpp"
#include "annlab/workflow/run.hpp"

namespace annlab::python {

namespace py = pybind11;

// A 2-D float32/float64 array read in place (any strides that are whole elements; the Python
// side makes a copy only for other dtypes or odd strides). TypeError for other dtypes,
// ValueError for other ranks. The array must outlive the view.
workflow::MatrixView matrix_view(const py::array& a, const char* what);

// A NumPy array over `values` that shares its memory (no copy); `owner` keeps it alive.
// Read-only unless `writable`.
template <class T>
py::array_t<T> view_of(T* values, std::vector<py::ssize_t> shape, py::handle owner, bool writable);

// A new NumPy array holding a copy of `values` with the given shape.
template <class T>
py::array_t<T> copy_of(const std::vector<T>& values, std::vector<py::ssize_t> shape);

// {"node_id", "node_name", ..., "node_in" (rows x nodes), ..., "loss" (rows,)}: every number
// of a traced batch, keyed as docs/formats.md's trace object, per-sample values stacked by row.
py::dict trace_dict(const BatchTrace& t);
py::dict trace_dict(const SampleTrace& t);  // one row
// {"epoch", "learning_rate", "train_loss", "validation_loss", "seconds" (arrays),
//  "train_metrics", "validation_metrics" ({name: array}), "probes" ([{"epoch", "trace"}]),
//  "best_epoch", "stopped_early", "interrupted", "converged"}
py::dict history_dict(const History& h);
py::dict split_metrics_dict(const workflow::SplitMetrics& m);

// Called from the training loop, which runs with the GIL released. Every `period` it takes
// the GIL and runs Python's pending signal handlers (PyErr_CheckSignals), so Ctrl-C's
// KeyboardInterrupt stops training between batches; the exception raised is kept in
// `exception` for the caller to raise once the model is stored. The epoch callback (if any)
// gets a dict per epoch; an exception from it also stops training and is kept.
class TrainingBridge {
 public:
  explicit TrainingBridge(py::object on_epoch,
                          std::chrono::milliseconds period = std::chrono::milliseconds(50));
  ~TrainingBridge();
  workflow::RunCallbacks callbacks();
  // The exception that stopped training (None if none); call with the GIL held.
  py::object exception() const;

 private:
  bool should_stop();
  void on_epoch(const EpochRecord& r, int epochs);
  void keep_error();  // with the GIL held and a Python error set
  py::object on_epoch_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point next_poll_{};
  bool stop_ = false;
  py::object exception_;  // set with the GIL held
};

}  // namespace annlab::python
