// Output paths are checked before any work starts: no output may overwrite an input or
// another output, and each must be writable, so a run never ends with half its outputs.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace annlab::cli {

// outputs: (option, path) pairs, empty paths ignored; inputs: paths read by the command.
// Throws UsageError naming the option and the problem.
void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs,
                   const std::vector<std::string>& inputs);

}  // namespace annlab::cli
