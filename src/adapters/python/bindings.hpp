// The parts of the extension module, one function per area (module.cpp calls them).
#pragma once
#include <pybind11/pybind11.h>

namespace annlab::python {

void bind_network(pybind11::module_& m);   // Network64/Network32, gradient_check (network.cpp)
void bind_workflow(pybind11::module_& m);  // Model, training and prediction (workflow.cpp)

}  // namespace annlab::python
