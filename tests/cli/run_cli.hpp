// Runs the built `annlab` binary as a user would and captures what it prints.
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace annlab::test {

struct CliResult {
  int code;         // exit status (-1 if it did not exit normally)
  std::string out;  // stdout and stderr together, unless `stdout_only`
};

inline CliResult run_cli(const std::string& args, bool stdout_only = false) {
  const std::string cmd =
      std::string(ANNLAB_CLI) + " " + args + (stdout_only ? " 2>/dev/null" : " 2>&1");
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace annlab::test
