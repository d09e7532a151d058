// annlab chapter: the chapter's worked example, reproduced exactly, printed as the chapter
// draws it (or the whole trajectory as JSON).
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "annlab/core/architecture.hpp"
#include "annlab/core/error.hpp"
#include "annlab/formats/atomic_file.hpp"
#include "annlab/formats/json.hpp"
#include "annlab/train/chapter.hpp"
#include "commands.hpp"
#include "print.hpp"

namespace annlab::cli {
namespace {
std::vector<double> parse_numbers(const std::string& text, const char* what) {
  std::vector<double> v;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t used = 0;
    double d = 0;
    try {
      d = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || !std::isfinite(d))
      throw UsageError(std::string(what) + " '" + text + "': '" + item + "' is not a number");
    v.push_back(d);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return v;
}
// 1, 2, 5, 10, 20, 50, 100, ...: the next "nice" epoch after e.
long nice_next(long e) {
  if (e <= 0) return 1;
  long decade = 1;
  while (decade * 10 <= e) decade *= 10;
  const long lead = e / decade;
  return (lead < 2 ? 2 : lead < 5 ? 5 : 10) * decade;
}
}  // namespace

Command add_chapter(CLI::App& root) {
  struct Opts {
    int epochs = 1000;
    int epoch = -1;
    double lr = 0.2;
    std::uint32_t seed = 13;
    std::string x = "0.5,0.2,0.7", y = "0.3";
    bool json = false;
    std::string out;
    int digits = 7;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "chapter",
      "Reproduce the chapter's worked example (3-2-1 network, one sample) and show every "
      "weight, node value and loss derivative at an epoch");
  app->add_option("--epochs", o->epochs, "epochs of full-batch gradient descent")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  app->add_option("--epoch", o->epoch,
                  "epoch to show: the network after that many updates (default: the last)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--lr,--learning-rate", o->lr, "learning rate η")->capture_default_str();
  app->add_option("--seed", o->seed, "NumPy legacy seed for the initial parameters")
      ->capture_default_str();
  app->add_option("--x", o->x, "the sample's three predictors I1,I2,I3")->capture_default_str();
  app->add_option("--y", o->y, "the sample's target")->capture_default_str();
  app->add_option("--digits", o->digits, "decimals in the printed tables")
      ->capture_default_str()
      ->check(CLI::Range(1, 17));
  app->add_flag("--json", o->json,
                "print the whole trajectory (every epoch's trace) as an annlab.history JSON "
                "document (docs/formats.md); with --epoch, that epoch's annlab.trace document");
  app->add_option("-o,--out", o->out,
                  "write the annlab.history JSON to this file (atomically) instead of stdout");
  app->footer(
      "Example: annlab chapter --epoch 100       (O6 = 0.3000000 to four decimals)\n"
      "         annlab chapter --json -o run.json");
  return {
      app, [o] {
        ChapterConfig c;
        c.epochs = o->epochs;
        c.learning_rate = o->lr;
        c.seed = o->seed;
        c.x = parse_numbers(o->x, "--x");
        c.y = parse_numbers(o->y, "--y");
        if (c.x.size() != 3)
          throw UsageError("--x needs three numbers (I1,I2,I3), got " + std::to_string(c.x.size()));
        if (c.y.size() != 1)
          throw UsageError("--y needs one number, got " + std::to_string(c.y.size()));
        if (!(o->lr > 0) || !std::isfinite(o->lr))
          throw UsageError("--lr must be a positive number, got " + fmt::format("{}", o->lr));
        if (o->epoch > o->epochs)
          throw UsageError("--epoch " + std::to_string(o->epoch) + " is past --epochs " +
                           std::to_string(o->epochs) + "; pick 0.." + std::to_string(o->epochs));
        const TraceHistory h = run_chapter(c);
        if (o->json && o->epoch >= 0) {  // one epoch: that state's trace document
          fmt::print("{}\n", formats::trace_json(h.arch, h.states[o->epoch].samples.front(), 2));
          return kExitOk;
        }
        if (o->json || !o->out.empty()) {
          const std::string doc = formats::history_json(h, ANNLAB_VERSION, -1);
          if (!o->out.empty()) {
            formats::write_file_atomically(o->out, doc + "\n");
            fmt::print(stderr, "wrote {} epochs of traces to {}\n", h.states.size(), o->out);
          } else {
            fmt::print("{}\n", doc);
          }
          if (o->json) return kExitOk;
        }
        const int e = o->epoch < 0 ? o->epochs : o->epoch;
        const SampleTrace& t = h.states[e].samples.front();
        fmt::print("annlab chapter: the worked example, {}\n", h.arch.describe());
        fmt::print(
            "x = ({}, {}, {}), y = {}, η = {}, full-batch gradient descent, "
            "NumPy seed {}\n\n",
            c.x[0], c.x[1], c.x[2], c.y[0], c.learning_rate, c.seed);
        fmt::print(
            "epoch {} of {}: prediction O6 = {:.{}f}, target y = {}, "
            "loss L = ½(O6 - y)² = {:.3e}\n\n",
            e, o->epochs, t.prediction[0], o->digits, c.y[0], t.loss);
        fmt::print("{}", render_trace(h.arch, t, o->digits));
        // Convergence: the prediction and loss at 0, 1, 2, 5, 10, 20, 50, ... epochs.
        fmt::print("\nConvergence   {:>{}} {:>{}}\n", "O6", o->digits + 6, "loss", o->digits + 6);
        std::vector<long> shown{0};
        while (shown.back() < o->epochs)
          shown.push_back(std::min<long>(o->epochs, nice_next(shown.back())));
        if (std::find(shown.begin(), shown.end(), e) == shown.end()) {
          shown.push_back(e);
          std::sort(shown.begin(), shown.end());
        }
        for (long k : shown) {
          const BatchTrace& s = h.states[k];
          fmt::print("  epoch {:<6} {:>{}.{}f} {:>{}.3e}{}\n", k, s.samples[0].prediction[0],
                     o->digits + 6, o->digits, s.loss, o->digits + 6,
                     k == e ? "   <- shown above" : "");
        }
        return kExitOk;
      }};
}

}  // namespace annlab::cli
