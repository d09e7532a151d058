// Errors the engine raises. Each message says what was wrong and what to change.
#pragma once
#include <stdexcept>
#include <string>

namespace annlab {

// A network description that cannot be built or trained (zero width, softmax not last, ...).
class ArchitectureError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A call with arguments that do not fit the network (wrong sizes, bad option values).
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Training produced a non-finite loss or parameters. No model should be kept from it.
class DivergenceError : public std::runtime_error {
 public:
  DivergenceError(const std::string& what, int epoch) : std::runtime_error(what), epoch_(epoch) {}
  int epoch() const { return epoch_; }

 private:
  int epoch_;
};

}  // namespace annlab
