// The chapter's worked example: 3-2-1 network, sigmoid hidden, identity output, one sample
// x = (0.5, 0.2, 0.7), y = 0.3, half squared error, full-batch gradient descent, parameters
// drawn from NumPy's legacy generator (seed 13): λ14, λ24, λ34, λ15, λ25, λ35 ~ U[-1/√3, 1/√3],
// λ46, λ56 ~ U[-1/√2, 1/√2], then b4, b5, b6 = (u - 0.5)·0.5.
#pragma once
#include <cstdint>
#include <vector>

#include "annlab/core/init.hpp"
#include "annlab/core/network.hpp"
#include "annlab/core/trace.hpp"

namespace annlab {

struct ChapterConfig {
  double learning_rate = 0.2;
  int epochs = 1000;
  std::uint32_t seed = 13;
  std::vector<double> x{0.5, 0.2, 0.7};
  std::vector<double> y{0.3};
};

// A recorded run: the state after e updates for e = 0..epochs, each with its full trace.
struct TraceHistory {
  Architecture arch;
  InitSpec init;
  double learning_rate = 0;
  int epochs = 0;
  std::uint32_t seed = 0;
  std::vector<double> x, y;  // the samples traced (rows x l0, rows x ln)
  long rows = 0;
  std::vector<BatchTrace> states;  // states[e] = network after e updates
};

Architecture chapter_architecture();
Network<double> chapter_network(std::uint32_t seed);  // initialized as the chapter does
TraceHistory run_chapter(const ChapterConfig& config);

}  // namespace annlab
