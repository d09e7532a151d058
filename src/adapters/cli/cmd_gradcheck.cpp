// annlab gradcheck: central finite differences against the analytic gradient of any network.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "annlab/core/error.hpp"
#include "annlab/core/gradcheck.hpp"
#include "annlab/core/init.hpp"
#include "commands.hpp"

namespace annlab::cli {

Command add_gradcheck(CLI::App& root) {
  struct Opts {
    std::string layers = "3,2,1", activations, loss = "half_squared_error", init = "xavier",
                bias_init = "chapter_uniform";
    long batch = 4;
    std::uint32_t seed = 1;
    double eps = 1e-5, tol = 1e-6;
    bool all = false, json = false, no_inputs = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "gradcheck",
      "Check every weight, bias and input derivative of a network against central finite "
      "differences (float64) on random data; print the worst relative error and where");
  app->add_option("--layers", o->layers, "layer widths, inputs first")->capture_default_str();
  app->add_option("--activations", o->activations,
                  "one activation per layer after the input, e.g. tanh,relu,identity "
                  "(default: sigmoid hidden, identity output; softmax output for "
                  "softmax_cross_entropy). Names: identity, sigmoid, tanh, relu, "
                  "leaky_relu[:slope], elu[:a], softplus, softmax");
  app->add_option("--loss", o->loss,
                  "half_squared_error, mean_squared_error or softmax_cross_entropy")
      ->capture_default_str();
  app->add_option("--init", o->init,
                  "weight initializer: xavier, normalized_xavier, he, "
                  "he_uniform, zeros, constant")
      ->capture_default_str();
  app->add_option("--bias-init", o->bias_init, "zeros or chapter_uniform")->capture_default_str();
  app->add_option("--batch", o->batch, "random rows to check on")
      ->capture_default_str()
      ->check(CLI::Range(1L, 100000L));
  app->add_option("--seed", o->seed, "seed for parameters and data")->capture_default_str();
  app->add_option("--eps", o->eps, "finite-difference step (relative to max(1,|θ|))")
      ->capture_default_str();
  app->add_option("--tol", o->tol, "largest acceptable relative error")->capture_default_str();
  app->add_flag("--all", o->all, "print every checked derivative, not only the worst");
  app->add_flag("--no-inputs", o->no_inputs, "check parameters only, not dL/dx");
  app->add_flag("--json", o->json, "print the report as JSON");
  app->footer(
      "Exit status 0 when the worst error is within --tol, 1 when it is not.\n"
      "Example: annlab gradcheck --layers 4,16,8,3 --activations tanh,elu,softmax "
      "--loss softmax_cross_entropy");
  return {
      app, [o] {
        Architecture arch;
        arch.widths = parse_widths(o->layers);
        arch.loss = parse_loss(o->loss);
        if (!o->activations.empty()) {
          arch.activations = parse_activations(o->activations);
        } else if (arch.widths.size() >= 2) {
          arch.activations.assign(arch.widths.size() - 2, Activation::of(ActivationKind::sigmoid));
          arch.activations.push_back(Activation::of(arch.loss == LossKind::softmax_cross_entropy
                                                        ? ActivationKind::softmax
                                                        : ActivationKind::identity));
        }
        if (!(o->eps > 0) || !(o->tol > 0)) throw UsageError("--eps and --tol must be positive");
        arch.validate(/*for_training=*/true);
        Network<double> net(arch);
        NumpyRandom rng(o->seed);
        InitSpec spec;
        spec.weights = parse_weight_init(o->init);
        spec.biases = parse_bias_init(o->bias_init);
        initialize(net, spec, rng);
        const long l0 = arch.inputs(), ln = arch.outputs();
        std::vector<double> x(o->batch * l0), y(o->batch * ln, 0.0);
        for (double& v : x) v = rng.uniform(-1, 1);
        for (long r = 0; r < o->batch; ++r) {
          if (arch.loss == LossKind::softmax_cross_entropy)
            y[r * ln + static_cast<long>(rng.below(ln))] = 1.0;
          else
            for (long k = 0; k < ln; ++k) y[r * ln + k] = rng.uniform(0, 1);
        }
        GradCheckOptions opt;
        opt.eps = o->eps;
        opt.inputs = !o->no_inputs;
        const GradCheckReport rep = gradient_check(net, x.data(), y.data(), o->batch, opt);
        const bool pass = rep.worst.error <= o->tol;
        if (o->json) {
          nlohmann::json j;
          j["network"] = arch.describe();
          j["batch"] = o->batch;
          j["seed"] = o->seed;
          j["eps"] = rep.eps;
          j["floor"] = rep.floor;
          j["checked"] = rep.checked;
          j["tolerance"] = o->tol;
          j["pass"] = pass;
          auto entry = [](const GradCheckEntry& e) {
            return nlohmann::json{{"name", e.name},       {"kind", e.kind},
                                  {"layer", e.layer},     {"analytic", e.analytic},
                                  {"numeric", e.numeric}, {"error", e.error}};
          };
          j["worst"] = entry(rep.worst);
          if (o->all)
            for (const auto& e : rep.entries) j["entries"].push_back(entry(e));
          fmt::print("{}\n", j.dump(2, ' ', false));
          return pass ? kExitOk : kExitFailure;
        }
        fmt::print("gradient check: {}, batch {}, seed {}\n", arch.describe(), o->batch, o->seed);
        fmt::print(
            "checked {} derivatives by central differences in float64 (eps {:g}, "
            "relative error floor {:g})\n",
            rep.checked, rep.eps, rep.floor);
        if (o->all) {
          fmt::print("\n  {:<16} {:<7} {:>22} {:>22} {:>10}\n", "derivative of L by", "kind",
                     "analytic", "numeric", "rel.error");
          for (const auto& e : rep.entries)
            fmt::print("  {:<16} {:<7} {:>22.15g} {:>22.15g} {:>10.2e}\n", e.name, e.kind,
                       e.analytic, e.numeric, e.error);
          fmt::print("\n");
        }
        const auto& w = rep.worst;
        fmt::print(
            "worst relative error {:.3e} at {} ({}{}): analytic {:.15g}, numeric "
            "{:.15g}\n",
            w.error, w.name, w.kind, w.kind == "input" ? "" : fmt::format(", layer {}", w.layer),
            w.analytic, w.numeric);
        fmt::print("{} (tolerance {:g})\n", pass ? "PASS" : "FAIL", o->tol);
        return pass ? kExitOk : kExitFailure;
      }};
}

}  // namespace annlab::cli
