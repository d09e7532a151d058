// The glass box from Python: Network<T> with its parameters as NumPy views, forward,
// backward, trace and the gradient check, each one call into core.
#include <pybind11/stl.h>

#include "annlab/core/error.hpp"
#include "annlab/core/gradcheck.hpp"
#include "annlab/core/init.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/core/trace.hpp"
#include "annlab/train/trainer.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace annlab::python {
namespace {

Architecture architecture_of(const std::vector<int>& widths,
                             const std::vector<std::string>& activations, const std::string& loss) {
  Architecture a;
  a.widths = widths;
  for (const auto& s : activations) a.activations.push_back(Activation::parse(s));
  a.loss = parse_loss(loss);
  a.validate(/*for_training=*/false);
  return a;
}

// Rows of a 1-D (one sample) or 2-D (rows x width) array as a C-ordered array of T.
template <class T>
py::array_t<T, py::array::c_style> rows_of(const py::array& a, int width, const char* what) {
  auto c = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!c) throw py::type_error(std::string(what) + ": expected an array of numbers");
  if (c.ndim() == 1) c = c.reshape({py::ssize_t(1), c.shape(0)});
  if (c.ndim() != 2 || c.shape(1) != width)
    throw py::value_error(std::string(what) + ": expected rows of " + std::to_string(width) +
                          " values, got shape " + std::string(py::str(a.attr("shape"))));
  return c;
}

template <class T>
void check_same_rows(const py::array_t<T, py::array::c_style>& x,
                     const py::array_t<T, py::array::c_style>& y) {
  if (x.shape(0) != y.shape(0))
    throw py::value_error("x has " + std::to_string(x.shape(0)) + " rows but y has " +
                          std::to_string(y.shape(0)));
  if (x.shape(0) < 1) throw py::value_error("x: expected at least one row");
}

template <class T>
void bind_network_type(py::module_& m, const char* name) {
  using Net = Network<T>;
  py::class_<Net>(m, name, "Network<T>: the engine's network (annlab.Network wraps it)")
      .def(py::init([](const std::vector<int>& widths, const std::vector<std::string>& activations,
                       const std::string& loss) {
             return Net(architecture_of(widths, activations, loss));
           }),
           py::arg("widths"), py::arg("activations"), py::arg("loss"))
      .def_property_readonly("widths", [](const Net& n) { return n.architecture().widths; })
      .def_property_readonly("activations",
                             [](const Net& n) {
                               std::vector<std::string> out;
                               for (const auto& a : n.architecture().activations)
                                 out.push_back(a.name());
                               return out;
                             })
      .def_property_readonly("loss", [](const Net& n) { return loss_name(n.architecture().loss); })
      .def_property_readonly("describe", [](const Net& n) { return n.architecture().describe(); })
      // [W1, b1, W2, b2, ...] in one buffer, shared with the network (writes go into it).
      .def_property_readonly("parameters",
                             [](py::object self) {
                               Net& n = self.cast<Net&>();
                               return view_of<T>(n.parameters().data(),
                                                 {py::ssize_t(n.parameters().size())}, self, true);
                             })
      .def(
          "weight_offset",
          [](const Net& n, int l) {
            if (l < 1 || l > n.architecture().layers())
              throw py::index_error("layer " + std::to_string(l) + " is outside 1.." +
                                    std::to_string(n.architecture().layers()));
            return n.layout().weight_offset[l - 1];
          },
          py::arg("layer"))
      .def(
          "bias_offset",
          [](const Net& n, int l) {
            if (l < 1 || l > n.architecture().layers())
              throw py::index_error("layer " + std::to_string(l) + " is outside 1.." +
                                    std::to_string(n.architecture().layers()));
            return n.layout().bias_offset[l - 1];
          },
          py::arg("layer"))
      .def(
          "initialize",
          [](Net& n, const std::string& weights, const std::string& biases, std::uint32_t seed,
             double weight_constant, double bias_constant) {
            InitSpec spec{parse_weight_init(weights), parse_bias_init(biases), weight_constant,
                          bias_constant};
            NumpyRandom rng(seed);
            initialize(n, spec, rng);
          },
          py::arg("weights"), py::arg("biases"), py::arg("seed"), py::arg("weight_constant") = 0.0,
          py::arg("bias_constant") = 0.0)
      .def(
          "forward",
          [](const Net& n, const py::array& x) {
            const auto xs = rows_of<T>(x, n.architecture().inputs(), "x");
            const long rows = long(xs.shape(0));
            std::vector<T> y;
            {
              py::gil_scoped_release nogil;
              y = predict(n, xs.data(), rows);
            }
            py::array_t<T> out({py::ssize_t(rows), py::ssize_t(n.architecture().outputs())});
            std::copy(y.begin(), y.end(), out.mutable_data());
            return out;
          },
          py::arg("x"))
      // Mean loss over the rows and its gradient (averaged over the rows, flat layout).
      .def(
          "backward",
          [](const Net& n, const py::array& x, const py::array& y) {
            const auto xs = rows_of<T>(x, n.architecture().inputs(), "x");
            const auto ys = rows_of<T>(y, n.architecture().outputs(), "y");
            check_same_rows<T>(xs, ys);
            n.architecture().validate(/*for_training=*/true);
            py::array_t<T> grad(py::ssize_t(n.layout().size));
            double loss = 0;
            {
              py::gil_scoped_release nogil;
              Propagator<T> pass(n.architecture());
              pass.forward(n, xs.data(), long(xs.shape(0)));
              loss = pass.loss(ys.data());
              pass.backward(n, ys.data(), std::span<T>(grad.mutable_data(), n.layout().size));
            }
            return py::make_tuple(loss, grad);
          },
          py::arg("x"), py::arg("y"))
      .def(
          "trace",
          [](const Net& n, const py::array& x, const py::array& y) {
            const auto xs = rows_of<T>(x, n.architecture().inputs(), "x");
            const auto ys = rows_of<T>(y, n.architecture().outputs(), "y");
            check_same_rows<T>(xs, ys);
            n.architecture().validate(/*for_training=*/true);
            BatchTrace t;
            {
              py::gil_scoped_release nogil;
              t = trace_batch(n, xs.data(), ys.data(), long(xs.shape(0)));
            }
            return trace_dict(t);
          },
          py::arg("x"), py::arg("y"))
      .def("copy", [](const Net& n) { return Net(n); })
      .def("__copy__", [](const Net& n) { return Net(n); })
      .def("__deepcopy__", [](const Net& n, py::dict) { return Net(n); })
      .def("to_float32", [](const Net& n) { return n.template cast<float>(); })
      .def("to_float64", [](const Net& n) { return n.template cast<double>(); });
}

}  // namespace

void bind_network(py::module_& m) {
  bind_network_type<double>(m, "Network64");
  bind_network_type<float>(m, "Network32");
  m.def(
      "gradient_check",
      [](const Network<double>& net, const py::array& x, const py::array& y, double eps,
         double floor, bool inputs) {
        const auto xs = rows_of<double>(x, net.architecture().inputs(), "x");
        const auto ys = rows_of<double>(y, net.architecture().outputs(), "y");
        check_same_rows<double>(xs, ys);
        GradCheckReport r;
        {
          py::gil_scoped_release nogil;
          r = gradient_check(net, xs.data(), ys.data(), long(xs.shape(0)),
                             GradCheckOptions{eps, floor, inputs});
        }
        py::dict d;
        py::list name, kind, layer, analytic, numeric, error;
        for (const auto& e : r.entries) {
          name.append(e.name);
          kind.append(e.kind);
          layer.append(e.layer);
          analytic.append(e.analytic);
          numeric.append(e.numeric);
          error.append(e.error);
        }
        d["name"] = name;
        d["kind"] = kind;
        d["layer"] = layer;
        d["analytic"] = analytic;
        d["numeric"] = numeric;
        d["error"] = error;
        d["worst"] = r.worst.name;
        d["worst_error"] = r.worst.error;
        d["checked"] = r.checked;
        return d;
      },
      py::arg("network"), py::arg("x"), py::arg("y"), py::arg("eps") = 1e-5,
      py::arg("floor") = 1e-3, py::arg("inputs") = true,
      "Central finite differences on every weight, bias and input (float64 networks).");
}

}  // namespace annlab::python
