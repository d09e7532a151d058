// annlab train DATA.csv --target COL ...: train on the user's CSV, report metrics in the
// data's units, write the model (and the history) atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <list>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "annlab/core/error.hpp"
#include "annlab/formats/atomic_file.hpp"
#include "annlab/formats/json.hpp"
#include "annlab/workflow/run.hpp"
#include "commands.hpp"
#include "paths.hpp"
#include "report.hpp"

namespace annlab::cli {
namespace {

enum class Kind { text, number, integer, list, flag, negated_flag };
struct OptionRow {
  const char* flags;
  const char* key;  // the run-configuration key (docs/cli.md)
  Kind kind;
  const char* help;
};

// Every `train` option and the run-configuration key it sets. A --config file uses the same
// keys; options given on the command line override it.
const OptionRow kOptions[] = {
    {"--target", "target", Kind::list, "column(s) to predict, comma-separated (required)"},
    {"--features", "features", Kind::list, "predictor columns (default: all other columns)"},
    {"--drop", "drop", Kind::list, "columns to leave out"},
    {"--categorical", "categorical", Kind::list, "treat these columns as categorical (one-hot)"},
    {"--numeric", "numeric", Kind::list, "treat these columns as numeric"},
    {"--class-target", "class_target", Kind::flag,
     "an integer target holds class labels: classify (softmax) instead of regress"},
    {"--missing", "missing", Kind::text,
     "missing values: 'error' (default, names row and column) or 'drop' (drop those rows)"},
    {"--scale", "scale", Kind::text,
     "predictor scaling fitted on the training rows: minmax01 (default), minmax11, standard, "
     "none"},
    {"--scale-target", "scale_target", Kind::text,
     "regression target scaling (predictions are transformed back): minmax01 (default), "
     "minmax11, standard, none"},
    {"--validation", "validation", Kind::number, "fraction of rows held out for validation"},
    {"--test", "test", Kind::number, "fraction of rows held out for the final test"},
    {"--no-stratify", "stratify", Kind::negated_flag,
     "do not keep class proportions in classification splits"},
    {"--stratify", "stratify", Kind::flag,
     "keep class proportions in classification splits (the default; overrides a config)"},
    {"--kfold", "kfold", Kind::integer,
     "k-fold cross-validation over the non-test rows before the final fit (k >= 2)"},
    {"--layers", "layers", Kind::list,
     "hidden layer widths, e.g. 16,8 ('none' for no hidden layer)"},
    {"--activation", "activation", Kind::list,
     "hidden activation, or one per hidden layer: relu (default), tanh, sigmoid, leaky_relu[:s], "
     "elu[:a], softplus, identity"},
    {"--output", "output", Kind::text,
     "output activation (default: identity for regression, softmax for classes)"},
    {"--loss", "loss", Kind::text,
     "half_squared_error, mean_squared_error (regression default), softmax_cross_entropy"},
    {"--init", "init", Kind::text,
     "weight initializer: normalized_xavier (default), xavier, he, he_uniform, zeros, "
     "constant:V"},
    {"--bias-init", "bias_init", Kind::text, "zeros (default), chapter_uniform, constant:V"},
    {"--dtype", "dtype", Kind::text, "float64 (default) or float32"},
    {"--optimizer", "optimizer", Kind::text,
     "gd, momentum, nesterov, rmsprop, adam (default), adamw, lbfgs"},
    {"--lr", "lr", Kind::number, "learning rate η (default 0.001)"},
    {"--momentum", "momentum", Kind::number, "momentum / nesterov coefficient (0.9)"},
    {"--rho", "rho", Kind::number, "rmsprop decay (0.9)"},
    {"--beta1", "beta1", Kind::number, "adam β1 (0.9)"},
    {"--beta2", "beta2", Kind::number, "adam β2 (0.999)"},
    {"--epsilon", "epsilon", Kind::number, "adam / rmsprop ε (1e-8)"},
    {"--weight-decay", "weight_decay", Kind::number, "L2 weight decay (decoupled for adamw) (0)"},
    {"--lbfgs-history", "lbfgs_history", Kind::integer, "L-BFGS correction pairs (10)"},
    {"--schedule", "schedule", Kind::text,
     "learning-rate schedule: constant (default), chapter_decay, inverse_time, step, "
     "exponential, reduce_on_plateau"},
    {"--decay", "decay", Kind::number, "decay for chapter_decay and inverse_time"},
    {"--decay-steps", "decay_steps", Kind::number, "inverse_time decay steps (1)"},
    {"--step-size", "step_size", Kind::integer, "epochs per step of the step schedule (10)"},
    {"--factor", "factor", Kind::number,
     "factor of the step, exponential and reduce_on_plateau schedules (0.5)"},
    {"--schedule-patience", "schedule_patience", Kind::integer,
     "reduce_on_plateau: epochs without improvement before reducing (10)"},
    {"--schedule-min-delta", "schedule_min_delta", Kind::number,
     "reduce_on_plateau: smallest improvement that counts (0)"},
    {"--min-lr", "min_lr", Kind::number, "floor for the learning rate (0)"},
    {"--epochs", "epochs", Kind::integer, "passes over the training rows (200)"},
    {"--batch", "batch", Kind::integer, "mini-batch size: 0 = full batch, 1 = stochastic (32)"},
    {"--seed", "seed", Kind::integer, "seed for initialization, splits and shuffling (0)"},
    {"--no-shuffle", "shuffle", Kind::negated_flag, "keep the row order in every epoch"},
    {"--shuffle", "shuffle", Kind::flag, "shuffle every epoch (the default; overrides a config)"},
    {"--threads", "threads", Kind::integer,
     "threads for training (0 = ANNLAB_THREADS, else 1); every count gives the same model"},
    {"--epoch-loss", "epoch_loss", Kind::text,
     "the recorded training loss: full_pass (default; the model after the epoch, one more "
     "forward pass) or batch_mean (the mean of the epoch's batch losses, as scikit-learn and "
     "Keras report; no extra pass)"},
    {"--early-stopping", "early_stopping", Kind::flag,
     "stop when the validation loss stops improving (training loss without validation)"},
    {"--patience", "patience", Kind::integer, "early stopping patience in epochs (10)"},
    {"--min-delta", "min_delta", Kind::number, "smallest improvement that counts (0)"},
    {"--no-restore-best", "restore_best", Kind::negated_flag,
     "keep the last weights instead of the best epoch's"},
    {"--restore-best", "restore_best", Kind::flag,
     "put back the best epoch's weights (the default; overrides a config)"},
    {"--history-every", "history_every", Kind::integer,
     "record the probe rows' full trace every k-th epoch (0 = none)"},
    {"--history-last", "history_last", Kind::integer, "keep only the last N recorded traces"},
    {"--probe-rows", "probe_rows", Kind::list,
     "training rows (0-based) whose full trace the history records, e.g. 0,1"},
    {"--history-budget", "history_budget_mb", Kind::number,
     "memory budget of the recorded traces in MiB (256)"},
};

// Options that only some optimizers / schedules / modes read: given with another one they
// change nothing, which deserves a warning (not an error: a config may be shared).
struct Applies {
  const char* key;
  const char* where;  // "optimizer" or "schedule" or "early_stopping"
  std::vector<std::string> names;
};
const std::vector<Applies>& applicability() {
  static const std::vector<Applies> table{
      {"momentum", "optimizer", {"momentum", "nesterov"}},
      {"rho", "optimizer", {"rmsprop"}},
      {"beta1", "optimizer", {"adam", "adamw"}},
      {"beta2", "optimizer", {"adam", "adamw"}},
      {"epsilon", "optimizer", {"rmsprop", "adam", "adamw"}},
      {"lbfgs_history", "optimizer", {"lbfgs"}},
      {"decay", "schedule", {"chapter_decay", "inverse_time"}},
      {"decay_steps", "schedule", {"inverse_time", "exponential"}},
      {"step_size", "schedule", {"step"}},
      {"factor", "schedule", {"step", "exponential", "reduce_on_plateau"}},
      {"schedule_patience", "schedule", {"reduce_on_plateau"}},
      {"schedule_min_delta", "schedule", {"reduce_on_plateau"}},
      {"patience", "early_stopping", {}},
      {"min_delta", "early_stopping", {}},
  };
  return table;
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::string read_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(std::string(what) + " '" + path + "' cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Progress: a bar redrawn in place on a terminal, plain lines (every ~10%) otherwise.
class Progress {
 public:
  Progress(bool enabled) : enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1) {}
  void epoch(const EpochRecord& r, int epochs) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (start_.time_since_epoch().count() == 0) start_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::string val = std::isnan(r.validation_loss)
                          ? std::string()
                          : fmt::format("  val_loss {:.4g}", r.validation_loss);
    if (tty_) {
      if (r.epoch != epochs && now - last_ < std::chrono::milliseconds(100)) return;
      last_ = now;
      const int width = 30;
      const int filled = epochs > 0 ? static_cast<int>(double(r.epoch) / epochs * width) : width;
      const double eta = r.epoch > 0 ? elapsed / r.epoch * (epochs - r.epoch) : 0;
      fmt::print(stderr, "\r\033[Kepoch {:>{}}/{} [{}{}] loss {:.4g}{}  {:.1f}s left", r.epoch,
                 std::to_string(epochs).size(), epochs, std::string(filled, '#'),
                 std::string(width - filled, '.'), r.train_loss, val, eta);
      if (r.epoch == epochs) fmt::print(stderr, "\n");
    } else {
      const int step = std::max(1, epochs / 10);
      if (r.epoch % step == 0 || r.epoch == epochs || r.epoch == 1)
        fmt::print(stderr, "epoch {}/{}: loss {:.6g}{} ({:.2f} s)\n", r.epoch, epochs, r.train_loss,
                   val, elapsed);
    }
  }
  void finish() {
    if (enabled_ && tty_) fmt::print(stderr, "\r\033[K");
  }

 private:
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_{}, last_{};
};

}  // namespace

Command add_train(CLI::App& root) {
  struct Opts {
    std::string data, config, out, history, history_csv, save_config;
    bool quiet = false, no_progress = false;
    std::list<std::string> values;  // storage for every table option (stable addresses)
    std::vector<std::pair<const OptionRow*, CLI::Option*>> options;
    std::vector<std::pair<const OptionRow*, bool*>> flags;
    std::list<bool> flag_values;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "train", "Train a network on a CSV file and write the model (and its history)");
  app->add_option("data", o->data, "CSV file with a header row")->required();
  app->add_option("--config", o->config,
                  "run configuration (JSON, the keys of docs/cli.md); options given here "
                  "override it");
  app->add_option("-o,--out", o->out, "write the model file here (atomically)");
  app->add_option("--history", o->history, "write the training history (annlab.history JSON) here");
  app->add_option("--history-csv", o->history_csv, "write the per-epoch records as CSV here");
  app->add_option("--save-config", o->save_config,
                  "write the effective run configuration (JSON) here");
  app->add_flag("-q,--quiet", o->quiet, "print only errors");
  app->add_flag("--no-progress", o->no_progress, "no progress bar or epoch lines");
  for (const OptionRow& row : kOptions) {
    if (row.kind == Kind::flag || row.kind == Kind::negated_flag) {
      o->flag_values.push_back(false);
      bool* b = &o->flag_values.back();
      app->add_flag(row.flags, *b, row.help);
      o->flags.emplace_back(&row, b);
    } else {
      o->values.emplace_back();
      CLI::Option* opt = app->add_option(row.flags, o->values.back(), row.help);
      opt->type_name(row.kind == Kind::number    ? "NUMBER"
                     : row.kind == Kind::integer ? "INT"
                     : row.kind == Kind::list    ? "A,B,.."
                                                 : "TEXT");
      o->options.emplace_back(&row, opt);
    }
  }
  app->footer(
      "Example: annlab train ../shared/data/geodatasets/unconv_MV_v4.csv --target Prod "
      "--drop Well --layers 16,8 --activation tanh --optimizer adam --lr 0.01 --epochs 500 "
      "--seed 1 --validation 0.2 --test 0.1 --out model.json\n"
      "Exit codes: 0 trained, 2 usage error, 3 bad data file, 4 training diverged, 130 "
      "interrupted (Ctrl-C; no model written).");

  return {
      app, [o, app] {
        // 1. The run configuration: --config file, then the options given.
        nlohmann::json cfg = nlohmann::json::object();
        if (!o->config.empty()) {
          try {
            cfg = nlohmann::json::parse(read_text(o->config, "--config"));
          } catch (const nlohmann::json::exception& e) {
            throw UsageError("--config " + o->config + ": not valid JSON: " + e.what());
          }
          if (!cfg.is_object())
            throw UsageError("--config " + o->config + ": not a JSON object of run options");
        }
        for (const auto& [row, opt] : o->options) {
          if (opt->count() == 0) continue;
          const std::string& v = opt->as<std::string>();
          const std::string flag = row->flags;
          switch (row->kind) {
            case Kind::number: {
              double d = 0;
              auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
              if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d))
                throw UsageError(flag + ": expected a finite number, found '" + v + "'");
              cfg[row->key] = d;
              break;
            }
            case Kind::integer: {
              long long i = 0;
              auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
              if (v.empty() || ec != std::errc() || p != v.data() + v.size())
                throw UsageError(flag + ": expected a whole number, found '" + v + "'");
              cfg[row->key] = i;
              break;
            }
            case Kind::list:
              cfg[row->key] = (std::string(row->key) == "layers" && v == "none") ? "" : v;
              break;
            default:
              cfg[row->key] = v;
          }
        }
        for (const auto& [row, b] : o->flags)
          if (*b) cfg[row->key] = row->kind == Kind::flag;
        const workflow::RunConfig config =
            workflow::parse_run_config(cfg.dump(), o->config.empty() ? "options" : o->config);
        for (const auto& [row, opt] : o->options) {
          if (opt->count() == 0) continue;
          for (const Applies& a : applicability()) {
            if (std::string(a.key) != row->key) continue;
            const std::string where = a.where;
            std::string current;
            bool used = false;
            if (where == "optimizer") {
              current = optimizer_name(config.train.optimizer.kind);
              used = std::find(a.names.begin(), a.names.end(), current) != a.names.end();
            } else if (where == "schedule") {
              current = schedule_name(config.train.schedule.kind);
              used = std::find(a.names.begin(), a.names.end(), current) != a.names.end();
            } else {
              used = config.train.early_stopping.enabled;
            }
            if (!used && !o->quiet)
              fmt::print(stderr, "annlab train: warning: {} has no effect {}\n", row->flags,
                         where == "early_stopping" ? std::string("without --early-stopping")
                                                   : fmt::format("with --{} {}", where, current));
          }
        }
        if (config.columns.targets.empty())
          throw UsageError("name the column to predict with --target (e.g. --target Prod)");

        check_outputs({{"--out", o->out},
                       {"--history", o->history},
                       {"--history-csv", o->history_csv},
                       {"--save-config", o->save_config}},
                      {o->data, o->config});

        // 2. Data and training.
        const data::Table table = data::read_csv(o->data);
        Progress progress(!o->quiet && !o->no_progress);
        workflow::RunCallbacks cb;
        cb.on_epoch = [&progress](const EpochRecord& r, int epochs) { progress.epoch(r, epochs); };
        if (!o->quiet)
          cb.on_fold = [](int f, int k) {
            if (f < k) fmt::print(stderr, "cross-validation fold {}/{}\n", f + 1, k);
          };
        g_interrupted = false;
        cb.should_stop = [] { return g_interrupted.load(); };
        auto previous = std::signal(SIGINT, on_sigint);
        const auto t0 = std::chrono::steady_clock::now();
        workflow::RunResult res;
        try {
          res = workflow::train_on_table(table, config, cb);
        } catch (...) {
          std::signal(SIGINT, previous);
          progress.finish();
          throw;
        }
        std::signal(SIGINT, previous);
        progress.finish();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (res.history.interrupted) {
          fmt::print(stderr, "annlab train: interrupted at epoch {} (Ctrl-C); no model written\n",
                     res.history.epochs.empty() ? 0 : res.history.epochs.back().epoch);
          return 130;
        }

        // 3. Report.
        if (!o->quiet) {
          fmt::print("{}", report_header(table, res, config));
          fmt::print(
              "trained {} epochs in {:.2f} s{}{}\n\n", res.history.epochs.size(), seconds,
              res.history.stopped_early
                  ? fmt::format(" (early stop; best epoch {} restored)", res.history.best_epoch)
                  : std::string(),
              config.float32 ? ", float32" : "");
          if (res.cross_validation)
            fmt::print("{}\n", cross_validation_text(*res.cross_validation));
          fmt::print("{}", metrics_table(res.model.preprocessing, {{"train", &res.train},
                                                                   {"validation", &res.validation},
                                                                   {"test", &res.test}}));
        }

        // 4. Outputs, each written atomically.
        if (!o->out.empty()) {
          workflow::save_model(res.model, o->out);
          if (!o->quiet) fmt::print("model written to {}\n", o->out);
        }
        if (!o->history.empty() || !o->history_csv.empty()) {
          if (!o->history.empty()) {
            // Probe rows in model units, in the order recorded.
            std::vector<double> px, py;
            const auto& probes = config.train.history.probe_rows;
            if (!probes.empty()) {
              std::vector<long> rows;
              for (long r : probes) rows.push_back(res.split.train[r]);
              px = res.model.preprocessing.transform_features(table, rows);
              py = res.model.preprocessing.transform_targets(table, rows);
            }
            formats::write_file_atomically(
                o->history, formats::training_history_json(res.model.arch, res.model.run_config,
                                                           res.history, px, py, ANNLAB_VERSION) +
                                "\n");
            if (!o->quiet) fmt::print("history written to {}\n", o->history);
          }
          if (!o->history_csv.empty()) {
            formats::write_file_atomically(o->history_csv,
                                           formats::training_history_csv(res.history));
            if (!o->quiet) fmt::print("history (CSV) written to {}\n", o->history_csv);
          }
        }
        if (!o->save_config.empty())
          formats::write_file_atomically(o->save_config, workflow::run_config_json(config) + "\n");
        (void)app;
        return kExitOk;
      }};
}

}  // namespace annlab::cli
