// The annlab command line: each command registers its options on the root app and returns
// the action to run after a successful parse. No math here: every number comes from the
// library (core / train / formats).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace annlab::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_chapter(CLI::App& root);
Command add_params(CLI::App& root);
Command add_gradcheck(CLI::App& root);
Command add_train(CLI::App& root);
Command add_predict(CLI::App& root);
Command add_evaluate(CLI::App& root);
Command add_inspect(CLI::App& root);
Command add_trace(CLI::App& root);
Command add_serve(CLI::App& root);   // the dashboard (built with ANNLAB_BUILD_DASHBOARD)
Command add_report(CLI::App& root);  // a run's HTML report (likewise)

// Exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // a check that did not pass, an output that failed
inline constexpr int kExitUsage = 2;     // bad command line or impossible network
inline constexpr int kExitData = 3;      // bad data file or model file
inline constexpr int kExitDiverged = 4;  // training produced NaN/Inf

}  // namespace annlab::cli
