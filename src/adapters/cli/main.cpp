// annlab: train feed-forward networks and see every number inside them.
#include <fmt/format.h>

#include <exception>
#include <string>
#include <vector>

#include "annlab/core/error.hpp"
#include "annlab/data/csv.hpp"
#include "annlab/workflow/model.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace annlab::cli;
  CLI::App app{
      "annlab: train fully connected feed-forward networks and see every number inside them",
      "annlab"};
  app.set_version_flag("--version", std::string("annlab ") + ANNLAB_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Run 'annlab COMMAND --help' for a command's options. Exit codes: 0 success, "
      "1 check failed or output could not be written, 2 usage error, 3 bad data or model file, "
      "4 training diverged, 130 interrupted.");
  std::vector<Command> commands{
      add_train(app),   add_predict(app), add_evaluate(app),  add_inspect(app), add_trace(app),
      add_chapter(app), add_params(app),  add_gradcheck(app), add_serve(app),   add_report(app)};

  // A first word that is neither an option nor a command is a typo: say so plainly.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const Command& c : commands) {
      known = known || c.app->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + c.app->get_name();
    }
    if (!known) {
      fmt::print(stderr,
                 "annlab: error: unknown command '{}' (expected one of {})\n"
                 "Run 'annlab --help' for usage.\n",
                 argv[1], names);
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string where = "annlab";
    for (const Command& c : commands)
      if (c.app->parsed()) where += " " + c.app->get_name();
    fmt::print(stderr, "annlab: error: {}\nRun '{} --help' for usage.\n", e.what(), where);
    return kExitUsage;
  }
  for (const Command& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      return c.run();
    } catch (const annlab::data::DataError& e) {
      fmt::print(stderr, "annlab {}: error: {}\n", c.app->get_name(), e.what());
      return kExitData;
    } catch (const annlab::workflow::ModelError& e) {
      fmt::print(stderr, "annlab {}: error: {}\n", c.app->get_name(), e.what());
      return kExitData;
    } catch (const annlab::DivergenceError& e) {
      fmt::print(stderr, "annlab {}: error: {}\n", c.app->get_name(), e.what());
      return kExitDiverged;
    } catch (const std::invalid_argument& e) {  // UsageError, ArchitectureError
      fmt::print(stderr, "annlab {}: error: {}\nRun 'annlab {} --help' for usage.\n",
                 c.app->get_name(), e.what(), c.app->get_name());
      return kExitUsage;
    } catch (const std::exception& e) {
      fmt::print(stderr, "annlab {}: error: {}\n", c.app->get_name(), e.what());
      return kExitFailure;
    }
  }
  return kExitUsage;
}
