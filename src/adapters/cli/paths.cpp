#include "paths.hpp"

#include <unistd.h>

#include <filesystem>

#include "annlab/core/error.hpp"

namespace annlab::cli {
namespace fs = std::filesystem;

namespace {
fs::path normal(const std::string& p) {
  std::error_code ec;
  const fs::path n = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : n;
}
}  // namespace

void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs,
                   const std::vector<std::string>& inputs) {
  std::vector<std::pair<std::string, fs::path>> seen;
  for (const auto& [option, path] : outputs) {
    if (path.empty()) continue;
    const fs::path n = normal(path);
    for (const auto& in : inputs)
      if (!in.empty() && normal(in) == n)
        throw UsageError(option + " " + path +
                         " is also an input of this command; choose "
                         "another file so the input is not overwritten");
    for (const auto& [other, p] : seen)
      if (p == n)
        throw UsageError(option + " and " + other + " both write " + path +
                         "; give each output its own file");
    seen.emplace_back(option, n);
    std::error_code ec;
    if (fs::is_directory(n, ec))
      throw UsageError(option + " " + path + " is a folder; give a file name");
    const fs::path dir = n.parent_path();
    if (!fs::is_directory(dir, ec))
      throw UsageError(option + " " + path + ": the folder " + dir.string() + " does not exist");
    if (::access(dir.c_str(), W_OK) != 0)
      throw UsageError(option + " " + path + ": the folder " + dir.string() + " is not writable");
  }
}

}  // namespace annlab::cli
