// annlab serve: the dashboard (docs/dashboard.md) on a local port until Ctrl-C or SIGTERM.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "annlab/core/error.hpp"
#include "commands.hpp"
#ifdef ANNLAB_HAVE_DASHBOARD
#include "server.hpp"
#endif

namespace annlab::cli {

Command add_serve(CLI::App& root) {
  struct Opts {
    int port = 8050;
    std::string host = "127.0.0.1";
    bool open = false;
    std::string data_dir;
    int max_upload_mb = 32;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "serve",
      "Start the dashboard: train in the browser and see every number (docs/dashboard.md)");
  app->add_option("--port", o->port, "port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app->add_option("--host", o->host, "address to bind (loopback unless you say otherwise)")
      ->capture_default_str();
  app->add_flag("--open", o->open, "open the page with xdg-open");
  app->add_option("--data-dir", o->data_dir,
                  "folder of the shipped data sets (default: the data/ folder next to the "
                  "repository, ../shared/data)");
  app->add_option("--max-upload-mb", o->max_upload_mb, "largest CSV upload in MB")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app->footer(
      "Example: annlab serve --port 8050 --open\n"
      "Exit codes: 0 stopped by SIGTERM, 1 the server failed, 2 usage error (port in use), 130 "
      "stopped with Ctrl-C.");
  return {app, [o] {
#ifndef ANNLAB_HAVE_DASHBOARD
            (void)o;
            fmt::print(stderr,
                       "annlab serve: error: this annlab was built without the dashboard "
                       "(configure with -DANNLAB_BUILD_DASHBOARD=ON)\n");
            return kExitUsage;
#else
            web::ServerOptions opt;
            opt.host = o->host;
            opt.port = o->port;
            opt.max_upload_bytes = std::size_t(o->max_upload_mb) << 20;
            if (!o->data_dir.empty()) {
              std::error_code ec;
              if (!std::filesystem::is_directory(o->data_dir, ec))
                throw UsageError("--data-dir '" + o->data_dir + "' is not a folder");
              opt.data_dir = o->data_dir;
            }
            // SIGINT and SIGTERM are taken by one waiting thread (sigwait), never by a handler
            // inside the server's threads, which inherit the blocked mask.
            sigset_t signals, previous;
            sigemptyset(&signals);
            sigaddset(&signals, SIGINT);
            sigaddset(&signals, SIGTERM);
            sigaddset(&signals, SIGUSR1);  // wakes the waiter when the server ends on its own
            pthread_sigmask(SIG_BLOCK, &signals, &previous);
            web::Dashboard dashboard(opt);
            int port = 0;
            try {
              port = dashboard.bind();
            } catch (const std::runtime_error& e) {
              pthread_sigmask(SIG_SETMASK, &previous, nullptr);
              throw UsageError(e.what());
            }
            std::atomic<int> received{0};
            std::thread waiter([&] {
              int sig = 0;
              sigwait(&signals, &sig);
              received = sig;
              dashboard.stop();
            });
            const std::string url = fmt::format("http://{}:{}/", o->host, port);
            fmt::print("annlab: dashboard at {} (Ctrl-C to stop)\n", url);
            std::fflush(stdout);
            if (o->open) {
              const std::string cmd = "command -v xdg-open >/dev/null 2>&1 && xdg-open '" + url +
                                      "' >/dev/null 2>&1 &";
              if (std::system(cmd.c_str()) != 0)
                fmt::print(stderr, "annlab serve: could not run xdg-open; open {} yourself\n", url);
            }
            const bool ok = dashboard.run();
            if (received == 0) pthread_kill(waiter.native_handle(), SIGUSR1);
            waiter.join();
            dashboard.stop();
            pthread_sigmask(SIG_SETMASK, &previous, nullptr);
            if (received == SIGINT) {
              fmt::print(stderr, "annlab serve: stopped (Ctrl-C)\n");
              return 130;
            }
            if (received == SIGTERM) return kExitOk;
            return ok ? kExitOk : kExitFailure;
#endif
          }};
}

}  // namespace annlab::cli
