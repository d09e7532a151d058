// `annlab report` and `annlab serve` as a user runs them.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../cli/run_cli.hpp"
#include "server.hpp"

namespace {
namespace fs = std::filesystem;
using annlab::test::has;
using annlab::test::run_cli;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path =
      fs::temp_directory_path() / ("annlab_web_cli_" + std::to_string(::getpid()) + "_" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

// A run saved from a live session (the chapter, 30 epochs).
std::string chapter_run_document() {
  annlab::web::ServerOptions opt;
  opt.port = 0;
  annlab::web::Dashboard d(opt);
  const int port = d.bind();
  std::thread t([&] { d.run(); });
  httplib::Client c("127.0.0.1", port);
  auto s = c.Post("/api/sessions", R"({"data": {"source": "chapter"}, "max_epochs": 30})",
                  "application/json");
  const std::string id = nlohmann::json::parse(s->body)["id"];
  c.Post("/api/sessions/" + id + "/train", "{}", "application/json");
  for (int i = 0; i < 5000; ++i) {
    auto r = c.Get("/api/sessions/" + id);
    if (nlohmann::json::parse(r->body)["status"] == "finished") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const std::string doc = c.Get("/api/sessions/" + id + "/export/run.json")->body;
  d.stop();
  t.join();
  return doc;
}

TEST(ReportCli, WritesTheReportOfARun) {
  TempDir dir;
  std::ofstream(dir.path / "run.json") << chapter_run_document();
  const auto r = run_cli("report " + (dir.path / "run.json").string() + " -o " +
                         (dir.path / "report.html").string());
  EXPECT_EQ(r.code, 0) << r.out;
  const std::string html = read(dir.path / "report.html");
  EXPECT_TRUE(has(html, "<script type=\"application/json\" id=\"annlab-run\">{"));
  EXPECT_TRUE(has(html, "\"format\":\"annlab.run\""));
  EXPECT_TRUE(has(html, "<style>"));
}

TEST(ReportCli, RejectsADocumentThatIsNotARun) {
  TempDir dir;
  std::ofstream(dir.path / "model.json") << R"({"format": "annlab.model", "version": 1})";
  auto r = run_cli("report " + (dir.path / "model.json").string() + " -o " +
                   (dir.path / "out.html").string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "model.json: not an annlab.run document")) << r.out;
  EXPECT_FALSE(fs::exists(dir.path / "out.html"));
  std::ofstream(dir.path / "broken.json") << "{\"format\": ";
  r = run_cli("report " + (dir.path / "broken.json").string() + " -o " +
              (dir.path / "out.html").string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "broken.json: not valid JSON")) << r.out;
  r = run_cli("report " + (dir.path / "missing.json").string() + " -o " +
              (dir.path / "out.html").string());
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST(ServeCli, PrintsItsAddressAndStopsOnSignals) {
  TempDir dir;
  const std::string out = (dir.path / "serve.out").string();
  for (const auto& [signal, code] : {std::pair{"INT", 130}, std::pair{"TERM", 0}}) {
    const auto r = run_cli(std::string("serve --port 0 > ") + out + " 2>&1 & P=$!; " +
                           "for i in $(seq 100); do grep -q 'dashboard at' " + out +
                           " && break; sleep 0.05; done; cat " + out + "; kill -" + signal +
                           " $P; wait $P; echo rc=$?");
    EXPECT_TRUE(has(r.out, "annlab: dashboard at http://127.0.0.1:")) << r.out;
    EXPECT_TRUE(has(r.out, "(Ctrl-C to stop)")) << r.out;
    EXPECT_TRUE(has(r.out, "rc=" + std::to_string(code))) << r.out;
  }
  const auto bad = run_cli("serve --data-dir /nonexistent/dir --port 0");
  EXPECT_EQ(bad.code, 2) << bad.out;
}

}  // namespace
