// The dashboard's HTTP server (docs/dashboard.md): the embedded page, the JSON API, the
// sessions (at most max_sessions, least recently used dropped) and the uploads (in memory).
// cpp-httplib stays behind this header, so callers need not include it.
#pragma once
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace annlab::web {

// ${PROJECT_SOURCE_DIR}/../shared/data at build time.
std::filesystem::path default_data_dir();

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8050;  // 0: a free port (bind() tells which)
  std::filesystem::path data_dir = default_data_dir();
  std::size_t max_upload_bytes = std::size_t(32) << 20;
  std::size_t max_sessions = 64;
  std::size_t max_uploads = 16;  // the oldest upload is dropped beyond this
};

class Dashboard {
 public:
  explicit Dashboard(ServerOptions options);
  ~Dashboard();  // stop()
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Binds host:port; returns the port. std::runtime_error when the address cannot be bound.
  int bind();
  // Serves requests until stop() (from any thread). Returns false if it stopped on an error.
  bool run();
  // Stops listening and ends every session's training thread (joined). Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace annlab::web
