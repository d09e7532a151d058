// annlab._annlab: the extension module under the `annlab` Python package (python/annlab).
// An adapter: every number comes from the same library calls the CLI makes.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "annlab/core/activation.hpp"
#include "annlab/core/error.hpp"
#include "annlab/core/init.hpp"
#include "annlab/core/loss.hpp"
#include "annlab/data/csv.hpp"
#include "annlab/train/optimizer.hpp"
#include "annlab/train/schedule.hpp"
#include "annlab/workflow/model.hpp"
#include "bindings.hpp"

#ifndef ANNLAB_VERSION
#define ANNLAB_VERSION "0.0.0"
#endif

namespace py = pybind11;

PYBIND11_MODULE(_annlab, m) {
  m.doc() = "annlab's C++ engine (see the annlab package for the Python interface)";
  m.attr("__version__") = ANNLAB_VERSION;

  // Errors keep the library's messages. Bad data and bad model files are ValueErrors (as
  // scikit-learn raises for bad input); UsageError and ArchitectureError are
  // std::invalid_argument, which pybind11 turns into ValueError itself.
  static py::exception<annlab::data::DataError> data_error(m, "DataError", PyExc_ValueError);
  static py::exception<annlab::workflow::ModelError> model_error(m, "ModelError", PyExc_ValueError);
  static py::exception<annlab::DivergenceError> divergence_error(m, "DivergenceError",
                                                                 PyExc_ArithmeticError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const annlab::data::DataError& e) {
      data_error(e.what());
    } catch (const annlab::workflow::ModelError& e) {
      model_error(e.what());
    } catch (const annlab::DivergenceError& e) {
      divergence_error(e.what());
    }
  });

  m.def("activation_names", &annlab::activation_names);
  m.def("loss_names", &annlab::loss_names);
  m.def("optimizer_names", &annlab::optimizer_names);
  m.def("schedule_names", &annlab::schedule_names);
  m.def("weight_init_names", &annlab::weight_init_names);
  m.def("bias_init_names", &annlab::bias_init_names);

  annlab::python::bind_network(m);
  annlab::python::bind_workflow(m);
}
