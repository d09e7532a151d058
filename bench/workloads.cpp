// The workloads of issue #6 (performance), run with annlab's public API, one JSON line per
// measurement on stdout. bench/peers/run.py runs this program and the peers (PyTorch,
// scikit-learn, FANN, OpenBLAS sgemm) on the same data and the same initial parameters, and
// tabulates them (bench/README.md).
//
//   W1 chapter  the chapter's 3-2-1 network (sigmoid, identity; ½(ŷ-y)²), one sample
//               x = (0.5, 0.2, 0.7), y = 0.3, gradient descent η = 0.2, `--steps` steps,
//               double. Figure: ns per step (forward, backward, update), median of runs.
//   W2 tabular  regression 8-64-64-1 (relu or tanh hidden, identity output; mean squared
//               error), fit() with mini-batch 32 shuffled each epoch, momentum 0.9, η = 0.01,
//               3 epochs, float. Figures: training samples/s, final training MSE.
//   W3 wide     classification 784-512-512-10 (relu, relu, softmax; cross-entropy), fit()
//               with mini-batch 128, Adam η = 1e-3 (--optimizer momentum or sgd: η 0.01, to
//               show what the update costs), 1 epoch, float. Figures: samples/s,
//               GFLOP/s (6 x weights x samples / s), final training loss and accuracy.
//   W4 predict  the W2 network: one-row latency (Propagator::forward on one row, µs) and
//               batched throughput (annlab::predict on `--batch` rows, rows/s).
//
// Data (written by bench/peers/data.py, raw little-endian arrays, row-major):
//   w1_init.f64        11 parameters of the chapter's network (checked against annlab's own
//                      chapter_network(13), to 1e-14)
//   w2_x.f32 (rows x 8), w2_y.f32 (rows), w2_init.f32 (annlab's flat layout [W1 b1 W2 b2 W3 b3],
//                      W_l is out x in, PyTorch's nn.Linear default U[-1/√in, 1/√in])
//   w3_x.f32 (rows x 784), w3_labels.i32 (rows, 0..9), w3_init.f32 (same layout and family)
// fit() shuffles with its own NumpyRandom(--seed) Fisher-Yates; data.py writes that very
// order for the peers, so every framework sees the same batches in the same order.
//
// --threads N sets TrainConfig::threads (W2, W3) and Propagator::set_threads (W4): the large
// products run in two fixed halves on N threads, with the same results for every N.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "annlab/core/init.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/train/chapter.hpp"
#include "annlab/train/gd.hpp"
#include "annlab/train/trainer.hpp"

namespace {
using namespace annlab;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string workload, variant = "relu", data, optimizer = "adam";
  int threads = 1, epochs = -1, steps = 1000;
  long rows = 0, batch = -1;
  std::uint32_t seed = 6;
  double min_seconds = 0.3;  // W1, W4: repeat a measurement until this much time has passed
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Runs `once` (which returns the seconds it measured) at least 3 times and until
// `min_seconds` have passed (at most 100000 times); returns every run's seconds.
template <class F>
std::vector<double> repeat(F once, double min_seconds) {
  std::vector<double> runs;
  const Clock::time_point t0 = Clock::now();
  while (runs.size() < 3 || (seconds_since(t0) < min_seconds && runs.size() < 100000))
    runs.push_back(once());
  return runs;
}

// Reads exactly `count` values of T from `path` (raw little-endian, as data.py writes them).
template <class T>
std::vector<T> read_array(const std::string& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path + " (run bench/peers/run.py)");
  const auto bytes = static_cast<std::size_t>(in.tellg());
  if (bytes != count * sizeof(T))
    throw std::runtime_error(path + " has " + std::to_string(bytes) + " bytes, expected " +
                             std::to_string(count * sizeof(T)) + " (" + std::to_string(count) +
                             " values): --rows does not match the data");
  std::vector<T> v(count);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
  return v;
}

// The common fields of one JSON line.
json line(const Options& o, const std::string& variant) {
  json j{{"framework", "annlab"},
         {"workload", o.workload},
         {"variant", variant},
         {"threads", o.threads}};
  return j;
}

// ---------------------------------------------------------------------------------------
// W1: the chapter's training step, as bench_core's BM_ChapterStep, `steps` of them per run.
void run_w1(const Options& o) {
  // The peers start from data.py's replica of the chapter's draws (NumPy's arithmetic); so
  // does annlab, after checking it is chapter_network(13) (the same to an ulp or so: annlab's
  // build may contract a·b+c into one FMA where NumPy rounds twice).
  Network<double> start = chapter_network(13);  // np.random.seed(13), the chapter's
  double init_diff = 0;
  if (!o.data.empty()) {
    const auto peers = read_array<double>(o.data + "/w1_init.f64", start.layout().size);
    for (std::size_t i = 0; i < peers.size(); ++i) {
      init_diff = std::max(init_diff, std::abs(peers[i] - start.parameters()[i]));
      start.parameters()[i] = peers[i];
    }
    if (init_diff > 1e-14)
      throw std::runtime_error("w1_init.f64 is not chapter_network(13): off by " +
                               std::to_string(init_diff));
  }
  const double x[3] = {0.5, 0.2, 0.7}, y[1] = {0.3};
  Network<double> net = start;
  Propagator<double> pass(net.architecture());
  // As fit() sets its propagators: training never reads dL/dX, and x outlives each pass.
  pass.set_input_gradient(false);
  pass.set_input_copy(false);
  std::vector<double> grad(net.layout().size);
  const auto runs = repeat(
      [&] {
        std::copy(start.parameters().begin(), start.parameters().end(), net.parameters().begin());
        const Clock::time_point t0 = Clock::now();
        for (int s = 0; s < o.steps; ++s) {
          pass.forward(net, x, 1);
          pass.backward(net, y, grad);
          gd_update<double>(net.parameters(), grad, 0.2);
        }
        return seconds_since(t0);
      },
      o.min_seconds);
  const double out = pass.forward(net, x, 1)[0];  // O6 after `steps` updates
  // A check that discriminates (after 1000 steps every framework sits at y): O6 after 10.
  std::copy(start.parameters().begin(), start.parameters().end(), net.parameters().begin());
  for (int s = 0; s < 10; ++s) {
    pass.forward(net, x, 1);
    pass.backward(net, y, grad);
    gd_update<double>(net.parameters(), grad, 0.2);
  }
  const double out10 = pass.forward(net, x, 1)[0];
  json j = line(o, "sigmoid");
  j["steps"] = o.steps;
  j["runs"] = runs.size();
  j["ns_per_step"] = median(runs) * 1e9 / o.steps;
  j["final_output"] = out;
  j["final_loss"] = 0.5 * (out - y[0]) * (out - y[0]);
  j["output_after_10"] = out10;
  j["init_max_diff"] = init_diff;  // data.py's parameters vs chapter_network(13)
  std::cout << j.dump() << std::endl;
}

// The loss over all rows after training, untimed (as the peers measure theirs), by the pass
// fit() makes at each epoch's end with EpochLoss::full_pass (in chunks of 2^18 values per
// layer buffer, at least a batch, at most kPredictChunk rows; trainer.cpp). The workloads
// train with EpochLoss::batch_mean, as PyTorch's loop and scikit-learn do (no such pass while
// training); the pass is timed too (after a warm-up pass), to say what full_pass would add.
struct LossPass {
  double loss = 0, seconds = 0;
};
LossPass loss_pass(const Network<float>& net, const float* x, const float* y, long rows,
                   long batch) {
  Propagator<float> pass(net.architecture());
  const long l0 = net.architecture().inputs(), ln = net.architecture().outputs();
  long width = 0;
  for (const int w : net.architecture().widths) width += w;
  const long chunk =
      std::clamp((long(1) << 18) / width, std::min(batch, kPredictChunk), kPredictChunk);
  LossPass out;
  for (int warm = 1; warm >= 0; --warm) {
    double sum = 0;
    const Clock::time_point t0 = Clock::now();
    for (long r = 0; r < rows; r += chunk) {
      const long c = std::min(chunk, rows - r);
      pass.forward(net, x + r * l0, c);
      sum += pass.loss(y + r * ln) * double(c);
    }
    out.seconds = seconds_since(t0);
    out.loss = sum / double(rows);
  }
  if (!std::isfinite(out.loss)) throw std::runtime_error("loss pass: loss is not finite");
  return out;
}

// ---------------------------------------------------------------------------------------
// W2/W4 network: 8-64-64-1, `variant` hidden activations, identity output, MSE.
Architecture tabular(const std::string& variant) {
  const Activation h = Activation::parse(variant);
  return Architecture{{8, 64, 64, 1},
                      {h, h, Activation::of(ActivationKind::identity)},
                      LossKind::mean_squared_error};
}

Network<float> load_network(const Architecture& arch, const std::string& path) {
  Network<float> net(arch);
  const auto init = read_array<float>(path, net.layout().size);
  std::copy(init.begin(), init.end(), net.parameters().begin());
  return net;
}

void run_w2(const Options& o) {
  const long N = o.rows, epochs = o.epochs < 0 ? 3 : o.epochs, B = o.batch < 0 ? 32 : o.batch;
  const auto x = read_array<float>(o.data + "/w2_x.f32", std::size_t(N) * 8);
  const auto y = read_array<float>(o.data + "/w2_y.f32", std::size_t(N));
  Network<float> net = load_network(tabular(o.variant), o.data + "/w2_init.f32");

  TrainConfig c;
  c.optimizer.kind = OptimizerKind::momentum;  // v ← 0.9·v + g; θ ← θ - η·v (PyTorch's SGD)
  c.optimizer.learning_rate = 0.01;
  c.optimizer.momentum = 0.9;
  c.batch_size = B;
  c.epochs = int(epochs);
  c.seed = o.seed;  // data.py writes the order this seed gives, for the peers
  c.shuffle = true;
  c.epoch_loss = EpochLoss::batch_mean;  // no extra pass per epoch, as the peers' loops
  c.threads = o.threads;
  const Clock::time_point t0 = Clock::now();
  fit(net, Batch<float>{x.data(), y.data(), N}, Batch<float>{}, c);
  const double s = seconds_since(t0);

  const LossPass after = loss_pass(net, x.data(), y.data(), N, B);

  json j = line(o, o.variant);
  j["rows"] = N;
  j["epochs"] = epochs;
  j["batch"] = B;
  j["seconds"] = s;
  j["samples_per_s"] = double(N) * double(epochs) / s;
  j["final_mse"] = after.loss;  // mean (ŷ - y)² over all rows, after training
  j["epoch_end_pass_s"] = after.seconds * double(epochs);  // what full_pass would add
  std::cout << j.dump() << std::endl;
}

// ---------------------------------------------------------------------------------------
void run_w3(const Options& o) {
  const long N = o.rows, epochs = o.epochs < 0 ? 1 : o.epochs, B = o.batch < 0 ? 128 : o.batch;
  const int K = 10;
  const auto x = read_array<float>(o.data + "/w3_x.f32", std::size_t(N) * 784);
  const auto labels = read_array<std::int32_t>(o.data + "/w3_labels.i32", std::size_t(N));
  std::vector<float> y(std::size_t(N) * K, 0.0f);  // one-hot targets, N x 10
  for (long r = 0; r < N; ++r) y[std::size_t(r) * K + labels[r]] = 1.0f;
  const Activation relu = Activation::of(ActivationKind::relu);
  const Architecture arch{{784, 512, 512, K},
                          {relu, relu, Activation::of(ActivationKind::softmax)},
                          LossKind::softmax_cross_entropy};
  Network<float> net = load_network(arch, o.data + "/w3_init.f32");

  TrainConfig c;
  // The workload is Adam (β1 0.9, β2 0.999, ε 1e-8: PyTorch's defaults); --optimizer momentum
  // or sgd (η 0.01, momentum 0.9) shows what Adam's update costs, for the figures against
  // OpenBLAS sgemm, which times the products alone.
  c.optimizer.kind = parse_optimizer(o.optimizer);
  c.optimizer.learning_rate = c.optimizer.kind == OptimizerKind::adam ? 1e-3 : 0.01;
  c.optimizer.momentum = 0.9;
  c.batch_size = B;
  c.epochs = int(epochs);
  c.seed = o.seed;
  c.shuffle = true;
  c.epoch_loss = EpochLoss::batch_mean;  // no extra pass per epoch, as the peers' loops
  c.threads = o.threads;
  const Clock::time_point t0 = Clock::now();
  fit(net, Batch<float>{x.data(), y.data(), N}, Batch<float>{}, c);
  const double s = seconds_since(t0);

  const LossPass after = loss_pass(net, x.data(), y.data(), N, B);
  const std::vector<float> p = predict(net, x.data(), N);  // N x 10 probabilities
  long correct = 0;
  for (long r = 0; r < N; ++r) {
    const float* pr = p.data() + std::size_t(r) * K;
    correct += std::max_element(pr, pr + K) - pr == labels[r];
  }

  const double weights = 784.0 * 512 + 512.0 * 512 + 512.0 * K;
  const double samples = double(N) * double(epochs);
  // Another optimizer is another cell of run.py's report: variant relu_momentum, relu_sgd.
  json j = line(o, o.optimizer == "adam" ? "relu" : "relu_" + o.optimizer);
  j["rows"] = N;
  j["epochs"] = epochs;
  j["batch"] = B;
  j["seconds"] = s;
  j["samples_per_s"] = samples / s;
  j["gflops"] = 6.0 * weights * samples / s * 1e-9;
  j["optimizer"] = o.optimizer;
  j["final_loss"] = after.loss;  // mean cross-entropy over all rows, after training
  j["final_accuracy"] = double(correct) / double(N);
  j["epoch_end_pass_s"] = after.seconds * double(epochs);  // what full_pass would add
  std::cout << j.dump() << std::endl;
}

// ---------------------------------------------------------------------------------------
void run_w4(const Options& o) {
  const long N = o.rows, B = o.batch < 0 ? 10000 : o.batch;
  if (B > N) throw std::runtime_error("--batch is larger than --rows");
  const auto x = read_array<float>(o.data + "/w2_x.f32", std::size_t(N) * 8);
  const Network<float> net = load_network(tabular(o.variant), o.data + "/w2_init.f32");

  // One row at a time through one Propagator (what a server answering single requests does),
  // cycling over the first 1000 rows; blocks of 1000 calls, median of the block means.
  const long block = 1000, distinct = std::min(N, 1000L);
  Propagator<float> pass(net.architecture());
  pass.set_threads(o.threads);
  float sink = 0;
  const auto single = repeat(
      [&] {
        const Clock::time_point t0 = Clock::now();
        for (long i = 0; i < block; ++i)
          sink += pass.forward(net, x.data() + (i % distinct) * 8, 1)[0];
        return seconds_since(t0) / double(block);
      },
      o.min_seconds);
  json j = line(o, o.variant);
  j["mode"] = "single";
  j["latency_us"] = median(single) * 1e6;
  j["runs"] = single.size() * block;
  j["checksum"] = sink;  // keeps the calls observable
  std::cout << j.dump() << std::endl;

  // The first B rows in one predict() call (chunks of kPredictChunk rows inside).
  double check = 0;
  const auto batched = repeat(
      [&] {
        const Clock::time_point t0 = Clock::now();
        const std::vector<float> out = predict(net, x.data(), B);
        const double s = seconds_since(t0);
        check += out[0];
        return s;
      },
      o.min_seconds);
  json k = line(o, o.variant);
  k["mode"] = "batch";
  k["batch"] = B;
  k["batch_ms"] = median(batched) * 1e3;
  k["rows_per_s"] = double(B) / median(batched);
  k["runs"] = batched.size();
  k["checksum"] = check;
  std::cout << k.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"annlab's side of the issue #6 workloads (bench/README.md); one JSON line each"};
  app.add_option("--workload", o.workload, "W1, W2, W3 or W4")
      ->required()
      ->check(CLI::IsMember({"W1", "W2", "W3", "W4"}));
  app.add_option("--variant", o.variant, "hidden activation of W2/W4")
      ->check(CLI::IsMember({"relu", "tanh"}));
  app.add_option("--threads", o.threads, "threads (TrainConfig::threads; results do not change)");
  app.add_option("--data", o.data, "folder with the files bench/peers/data.py writes");
  app.add_option("--rows", o.rows, "rows in the data files (W2, W3, W4)");
  app.add_option("--epochs", o.epochs, "W2: 3, W3: 1 by default");
  app.add_option("--batch", o.batch, "W2: 32, W3: 128, W4: 10000 by default");
  app.add_option("--optimizer", o.optimizer, "W3: adam (the workload), momentum or sgd")
      ->check(CLI::IsMember({"adam", "momentum", "sgd"}));
  app.add_option("--steps", o.steps, "W1: training steps per run");
  app.add_option("--seed", o.seed, "fit()'s shuffling seed (data.py's orders use the same)");
  app.add_option("--min-seconds", o.min_seconds, "W1, W4: repeat until this much time passed");
  CLI11_PARSE(app, argc, argv);
  // predict() (W4 batch) takes its threads from ANNLAB_THREADS.
  ::setenv("ANNLAB_THREADS", std::to_string(o.threads).c_str(), 1);
  try {
    if (o.workload != "W1" && (o.data.empty() || o.rows <= 0))
      throw std::runtime_error(o.workload + " needs --data and --rows");
    if (o.workload != "W3" && o.optimizer != "adam")
      throw std::runtime_error("--optimizer is W3's (W1 is gradient descent, W2 momentum)");
    if (o.workload == "W1") run_w1(o);
    if (o.workload == "W2") run_w2(o);
    if (o.workload == "W3") run_w3(o);
    if (o.workload == "W4") run_w4(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_workloads: %s\n", e.what());
    return 1;
  }
  return 0;
}
