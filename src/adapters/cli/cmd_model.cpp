// Commands on a saved model: predict, evaluate, inspect, trace.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "annlab/formats/atomic_file.hpp"
#include "annlab/formats/json.hpp"
#include "annlab/formats/text.hpp"
#include "annlab/workflow/run.hpp"
#include "commands.hpp"
#include "paths.hpp"
#include "print.hpp"
#include "report.hpp"

namespace annlab::cli {
namespace {
using formats::csv_field;
using formats::number_text;

nlohmann::json metrics_json(const workflow::SplitMetrics& m) {
  nlohmann::json j{{"rows", m.rows}};
  if (m.regression)
    j.update({{"mse", m.regression->mse},
              {"rmse", m.regression->rmse},
              {"mae", m.regression->mae},
              {"r2", m.regression->r2}});
  if (m.classification)
    j.update({{"accuracy", m.classification->accuracy},
              {"log_loss", m.classification->log_loss},
              {"macro_f1", m.classification->macro_f1},
              {"confusion", m.classification->confusion},
              {"precision", m.classification->precision},
              {"recall", m.classification->recall},
              {"f1", m.classification->f1}});
  return j;
}

}  // namespace

Command add_predict(CLI::App& root) {
  struct Opts {
    std::string model, data, out;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "predict", "Predict every row of a CSV with a saved model (values in the data's units)");
  app->add_option("model", o->model, "model file written by 'annlab train --out'")->required();
  app->add_option("data", o->data, "CSV with the model's feature columns (matched by name)")
      ->required();
  app->add_option("-o,--out", o->out, "write the predictions CSV here (default: stdout)");
  app->footer(
      "Output columns: row (0-based data row), then the predicted value of each target "
      "(regression), or the predicted class and one probability column per class.");
  return {app, [o] {
            check_outputs({{"--out", o->out}}, {o->model, o->data});
            const workflow::Model m = workflow::load_model(o->model);
            const data::Table t = data::read_csv(o->data);
            const workflow::Predictions p = workflow::predict_table(m, t);
            std::string s = "row";
            const bool classes = m.preprocessing.task == data::Task::classification;
            if (classes) s += "," + csv_field(m.preprocessing.targets[0].name + "_predicted");
            for (const auto& c : p.columns) s += "," + csv_field(classes ? c : c + "_predicted");
            s += "\n";
            const std::size_t k = p.columns.size();
            for (long r = 0; r < p.rows; ++r) {
              s += std::to_string(r);
              if (classes) s += "," + csv_field(p.labels[r]);
              for (std::size_t c = 0; c < k; ++c) s += "," + number_text(p.values[r * k + c]);
              s += "\n";
            }
            if (o->out.empty()) {
              fmt::print("{}", s);
            } else {
              formats::write_file_atomically(o->out, s);
              fmt::print(stderr, "{} predictions written to {}\n", p.rows, o->out);
            }
            return kExitOk;
          }};
}

Command add_evaluate(CLI::App& root) {
  struct Opts {
    std::string model, data;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "evaluate", "Metrics of a saved model on a CSV that has the target columns");
  app->add_option("model", o->model, "model file")->required();
  app->add_option("data", o->data, "CSV with the feature and target columns")->required();
  app->add_flag("--json", o->json, "print the metrics as JSON");
  return {app, [o] {
            const workflow::Model m = workflow::load_model(o->model);
            const data::Table t = data::read_csv(o->data);
            const workflow::SplitMetrics r = workflow::evaluate_table(m, t);
            if (o->json) {
              fmt::print("{}\n", metrics_json(r).dump(2));
              return kExitOk;
            }
            fmt::print("annlab evaluate: {} on {}\n\n", o->model, o->data);
            fmt::print("{}", metrics_table(m.preprocessing, {{"data", &r}}));
            if (r.regression) fmt::print("MSE {:.6g}\n", r.regression->mse);
            if (r.classification)
              fmt::print("\n{}", classification_details(m.preprocessing, *r.classification));
            return kExitOk;
          }};
}

Command add_inspect(CLI::App& root) {
  struct Opts {
    std::string model;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "inspect", "Show a model's architecture, parameter count, preprocessing and provenance");
  app->add_option("model", o->model, "model file")->required();
  app->add_flag("--json", o->json, "print the model document without its parameter values");
  return {app, [o] {
            const workflow::Model m = workflow::load_model(o->model);
            if (o->json) {
              auto j = nlohmann::json::parse(workflow::model_json(m));
              j["parameters"] = count_parameters(m.arch.widths).total;
              fmt::print("{}\n", j.dump(2));
            } else {
              fmt::print("{}", workflow::describe_model(m));
            }
            return kExitOk;
          }};
}

Command add_trace(CLI::App& root) {
  struct Opts {
    std::string model, data;
    long row = 0;
    int digits = 7;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "trace",
      "The full forward and backward trace of one row: every node's input and output and "
      "every loss derivative, named the chapter's way (values in model units)");
  app->add_option("model", o->model, "model file")->required();
  app->add_option("data", o->data, "CSV with the feature and target columns")->required();
  app->add_option("--row", o->row, "0-based data row (required)")->required();
  app->add_option("--digits", o->digits, "decimals")
      ->capture_default_str()
      ->check(CLI::Range(1, 17));
  app->add_flag("--json", o->json, "print the trace as an annlab.trace JSON document");
  return {app, [o] {
            const workflow::Model m = workflow::load_model(o->model);
            const data::Table t = data::read_csv(o->data);
            const SampleTrace tr = workflow::trace_row(m, t, o->row);
            if (o->json) {
              fmt::print("{}\n", formats::trace_json(m.arch, tr, 2));
              return kExitOk;
            }
            fmt::print("annlab trace: {} on {} row {} (line {}), {}\n", o->model, o->data, o->row,
                       t.lines[o->row], m.arch.describe());
            fmt::print("loss {:.6g}; inputs and outputs are in model units (scaled)\n", tr.loss);
            // Which column each input and output node stands for.
            const NodeNames names(m.arch.widths);
            const auto ins = m.preprocessing.input_names(), outs = m.preprocessing.output_names();
            std::string legend;
            for (std::size_t i = 0; i < ins.size(); ++i)
              legend += fmt::format("{}{} = {}", i ? ", " : "", names.node(0, int(i)), ins[i]);
            fmt::print("inputs:  {}\n", legend);
            legend.clear();
            for (std::size_t i = 0; i < outs.size(); ++i)
              legend += fmt::format("{}{} = {}", i ? ", " : "", names.node(m.arch.layers(), int(i)),
                                    outs[i]);
            fmt::print("outputs: {}\n\n", legend);
            fmt::print("{}", render_trace(m.arch, tr, o->digits));
            return kExitOk;
          }};
}

}  // namespace annlab::cli
