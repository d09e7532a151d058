// annlab params 10,8,6,4,2,1: the chapter's parameter counts, per layer and in total.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "annlab/core/architecture.hpp"
#include "annlab/core/error.hpp"
#include "commands.hpp"

namespace annlab::cli {

Command add_params(CLI::App& root) {
  struct Opts {
    std::string widths;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app =
      root.add_subcommand("params", "Count weights and biases of a network of widths l0,l1,...,ln");
  app->add_option("widths", o->widths, "layer widths, inputs first: e.g. 10,8,6,4,2,1")->required();
  app->add_flag("--json", o->json, "print the counts as JSON");
  app->footer("Example: annlab params 10,8,6,4,2,1   (162 weights, 21 biases, 183 parameters)");
  return {app, [o] {
            const std::vector<int> w = parse_widths(o->widths);
            if (w.size() < 2)
              throw UsageError("give at least two widths (inputs and outputs), e.g. 3,2,1");
            for (std::size_t i = 0; i < w.size(); ++i)
              if (w[i] <= 0)
                throw UsageError("layer " + std::to_string(i) + " has width " +
                                 std::to_string(w[i]) + "; every layer needs at least one node");
            const ParameterCount c = count_parameters(w);
            if (o->json) {
              nlohmann::json j;
              j["widths"] = w;
              j["weights"] = c.weights;
              j["biases"] = c.biases;
              j["parameters"] = c.total;
              for (const auto& l : c.layers)
                j["layers"].push_back({{"layer", l.layer},
                                       {"inputs", l.inputs},
                                       {"nodes", l.outputs},
                                       {"weights", l.weights},
                                       {"biases", l.biases},
                                       {"parameters", l.weights + l.biases}});
              fmt::print("{}\n", j.dump(2));
              return kExitOk;
            }
            std::string shape;
            for (std::size_t i = 0; i < w.size(); ++i)
              shape += (i ? "-" : "") + std::to_string(w[i]);
            fmt::print("network {}: {} inputs, {} outputs, {} layers of weights\n\n", shape,
                       w.front(), w.back(), w.size() - 1);
            fmt::print("{:>6} {:>8} {:>8} {:>12} {:>10} {:>12}\n", "layer", "inputs", "nodes",
                       "weights", "biases", "parameters");
            for (const auto& l : c.layers)
              fmt::print("{:>6} {:>8} {:>8} {:>12} {:>10} {:>12}\n", l.layer, l.inputs, l.outputs,
                         l.weights, l.biases, l.weights + l.biases);
            fmt::print("{:>6} {:>8} {:>8} {:>12} {:>10} {:>12}\n\n", "total", "", "", c.weights,
                       c.biases, c.total);
            fmt::print(
                "weights Σ l_i·l_(i-1) = {}, biases Σ l_i = {}, |θ| = Σ l_i·(l_(i-1)+1) = {}\n",
                c.weights, c.biases, c.total);
            return kExitOk;
          }};
}

}  // namespace annlab::cli
