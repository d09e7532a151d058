// annlab report RUN.json -o report.html: the dashboard's self-contained HTML report of a run
// saved with export/run.json.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "annlab/core/error.hpp"
#include "annlab/formats/atomic_file.hpp"
#include "commands.hpp"
#include "paths.hpp"
#ifdef ANNLAB_HAVE_DASHBOARD
#include "html_report.hpp"
#endif

namespace annlab::cli {

Command add_report(CLI::App& root) {
  struct Opts {
    std::string run, out;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "report",
      "Turn a run saved by the dashboard (annlab.run JSON) into one HTML file that "
      "opens offline");
  app->add_option("run", o->run, "the annlab.run document (the dashboard's export/run.json)")
      ->required();
  app->add_option("-o,--out", o->out, "the HTML file to write (atomically)")->required();
  app->footer(
      "Example: annlab report annlab-run.json -o report.html\n"
      "Exit codes: 0 written, 1 the file could not be written, 2 usage error, 3 not an "
      "annlab.run document.");
  return {app, [o] {
#ifndef ANNLAB_HAVE_DASHBOARD
            (void)o;
            fmt::print(stderr,
                       "annlab report: error: this annlab was built without the dashboard "
                       "(configure with -DANNLAB_BUILD_DASHBOARD=ON)\n");
            return kExitUsage;
#else
            check_outputs({{"--out", o->out}}, {o->run});
            std::ifstream in(o->run, std::ios::binary);
            if (!in) throw UsageError("'" + o->run + "' cannot be read");
            std::stringstream text;
            text << in.rdbuf();
            std::string html;
            try {
              html = web::report_html(text.str(), o->run);
            } catch (const web::ReportError& e) {
              fmt::print(stderr, "annlab report: error: {}\n", e.what());
              return kExitData;
            }
            formats::write_file_atomically(o->out, html);
            fmt::print("report written to {}\n", o->out);
            return kExitOk;
#endif
          }};
}

}  // namespace annlab::cli
