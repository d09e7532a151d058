// The training loop (conventions in trainer.hpp): first-order epochs over batches, L-BFGS
// epochs over the full batch, then the same epoch end for both (losses, metrics, early
// stopping, record, callback, probe state).
#include "annlab/train/trainer.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <type_traits>

#include "../core/magnitude.hpp"
#include "annlab/core/error.hpp"
#include "annlab/core/propagate.hpp"
#include "annlab/core/random.hpp"
#include "annlab/train/lbfgs.hpp"

namespace annlab {
namespace {

using Clock = std::chrono::steady_clock;

void require(bool ok, const std::string& what) {
  if (!ok) throw UsageError(what);
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string bytes_text(double b) {
  char buf[32];
  if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else if (b >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

// True when no value is inf or NaN: the largest exponent field over the buffer is not all
// ones. An integer max reduction, so the compiler vectorizes it (a float sum would not be).
template <class T>
bool all_finite(const T* p, std::size_t n) {
  using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  constexpr U mask = sizeof(T) == 8 ? U(0x7ff0000000000000ull) : U(0x7f800000u);
  U worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, U(std::bit_cast<U>(p[i]) & mask));
  return worst != mask;
}

// max|v| over the buffer (+inf or NaN when a value is not finite), on two threads for large
// buffers.
template <class T>
double largest_magnitude(const T* p, std::size_t n, WorkerPool* pool) {
  HalvesMax<T> largest;
  for_halves(pool, long(n), long(1) << 15, [&](long b, long c) {
    MagBits<T> m = 0;
    for (long i = b; i < b + c; ++i) m = std::max(m, mag_bits(p[i]));
    largest.set(b, m);
  });
  return largest.value();
}

// "layer 2 weights" / "layer 1 bias gradients": the first block of the flat buffer `v` (in
// parameter layout) holding a non-finite value; empty when every value is finite.
template <class T>
std::string first_non_finite(const Network<T>& net, const T* v, bool gradients) {
  const auto& w = net.architecture().widths;
  const ParameterLayout& lay = net.layout();
  for (int l = 1; l <= net.architecture().layers(); ++l) {
    const std::string layer = "layer " + std::to_string(l);
    if (!all_finite(v + lay.weight_offset[l - 1], std::size_t(w[l]) * w[l - 1]))
      return layer + (gradients ? " weight gradients" : " weights");
    if (!all_finite(v + lay.bias_offset[l - 1], std::size_t(w[l])))
      return layer + (gradients ? " bias gradients" : " biases");
  }
  return {};
}

// "largest |parameter| 3.1e+153 in layer 2 weights": where a finite network is extreme.
template <class T>
std::string largest_parameter(const Network<T>& net) {
  const auto& w = net.architecture().widths;
  const ParameterLayout& lay = net.layout();
  double big = -1;
  std::string where;
  for (int l = 1; l <= net.architecture().layers(); ++l) {
    const auto scan = [&](std::size_t from, std::size_t count, const char* kind) {
      for (std::size_t i = from; i < from + count; ++i)
        if (const double a = std::abs(double(net.parameters()[i])); a > big)
          big = a, where = "layer " + std::to_string(l) + " " + kind;
    };
    scan(lay.weight_offset[l - 1], std::size_t(w[l]) * w[l - 1], "weights");
    scan(lay.bias_offset[l - 1], std::size_t(w[l]), "biases");
  }
  return "largest |parameter| " + number(big) + " in " + where;
}

// Throws the DivergenceError: `what` names the non-finite block ("layer 2 weights"); empty
// when only the loss is not finite, and then the largest parameter is named instead.
template <class T>
[[noreturn]] void diverged(const Network<T>& net, int epoch, const std::string& what, double loss,
                           const std::string& hint) {
  const std::string subject = what.empty() ? "the loss is not finite (loss " + number(loss) + "; " +
                                                 largest_parameter(net) + ")"
                                           : what + " are not finite (loss " + number(loss) + ")";
  throw DivergenceError(
      "training diverged at epoch " + std::to_string(epoch) + ": " + subject + "; " + hint, epoch);
}

// History::probes: epoch 0 at index 0, then the recorded epochs; with `last` > 0 the later
// ones live in a ring of `last` slots, put in chronological order by finish().
template <class T>
class ProbeRecorder {
 public:
  ProbeRecorder(const Batch<T>& train, const HistoryPolicy& policy, int l0, int ln)
      : every_(policy.every), last_(policy.last) {
    rows_ = policy.every > 0 ? long(policy.probe_rows.size()) : 0;
    for (const long r : policy.probe_rows) {
      if (rows_ == 0) break;
      x_.insert(x_.end(), train.x + r * l0, train.x + (r + 1) * l0);
      y_.insert(y_.end(), train.y + r * ln, train.y + (r + 1) * ln);
    }
  }
  bool on() const { return rows_ > 0; }
  bool due(int epoch) const { return on() && epoch % every_ == 0; }
  void record(const Network<T>& net, int epoch, std::vector<ProbeState>& probes) {
    ProbeState s{epoch, trace_batch(net, x_.data(), y_.data(), rows_)};
    if (last_ == 0 || probes.size() < std::size_t(last_) + 1) {
      probes.push_back(std::move(s));
    } else {
      probes[1 + pos_] = std::move(s);
      pos_ = (pos_ + 1) % std::size_t(last_);
    }
  }
  void finish(std::vector<ProbeState>& probes) const {
    if (last_ > 0 && probes.size() == std::size_t(last_) + 1)
      std::rotate(probes.begin() + 1, probes.begin() + 1 + long(pos_), probes.end());
  }
  // Bytes of one state, estimated before any is taken (so a huge probe set is refused
  // before it is traced): a one-row trace measured, its per-row part times the probe rows.
  std::size_t state_bytes(const Network<T>& net) const {
    const BatchTrace one = trace_batch(net, x_.data(), y_.data(), 1);
    const std::size_t grads =
        (one.weight_grad.capacity() + one.bias_grad.capacity()) * sizeof(double);
    const std::size_t per_row = trace_bytes(one) - sizeof(BatchTrace) - grads;
    return sizeof(ProbeState) + grads + std::size_t(rows_) * per_row;
  }
  // States the policy can record over `epochs` epochs (early stopping may record fewer).
  long states(int epochs) const {
    if (!on()) return 0;
    const long later = epochs / every_;
    return 1 + (last_ > 0 ? std::min<long>(later, last_) : later);
  }

 private:
  int every_, last_;
  long rows_ = 0;
  std::vector<T> x_, y_;  // the probe rows, gathered (rows_ x l0, rows_ x ln)
  std::size_t pos_ = 0;   // next ring slot to overwrite (0..last-1)
};

// Values per row in a propagator's layer buffers (Σ l_i), and multiply-adds per row of a
// forward pass (Σ l_(i-1)·l_i).
long total_width(const Architecture& a) {
  long w = 0;
  for (const int l : a.widths) w += l;
  return w;
}
long row_work(const Architecture& a) {
  long w = 0;
  for (std::size_t l = 1; l < a.widths.size(); ++l) w += long(a.widths[l - 1]) * a.widths[l];
  return w;
}

// to (count x width) = rows rows[0], rows[1], ... of from (row-major, `width` values each).
// Short rows (W2's 8 inputs and 1 target) as plain loops in a function of their own, which
// the compiler does not turn into a call to memcpy per row: those calls, two per row, made
// W2's gather of 32 rows take 3100-3900 TSC ticks instead of 2000-2700 (~3 % of its step;
// the rest is cache misses on the scattered rows). Long rows (W3's 784 inputs): memcpy.
template <class T>
[[gnu::optimize("no-tree-loop-distribute-patterns")]] void gather_rows(const T* from, long width,
                                                                       const long* rows, long count,
                                                                       T* to) {
  const bool long_rows = width * long(sizeof(T)) > 256;
  for (long i = 0; i < count; ++i) {
    const T* f = from + rows[i] * width;
    T* t = to + i * width;
    if (long_rows)
      std::copy_n(f, width, t);
    else
      for (long j = 0; j < width; ++j) t[j] = f[j];
  }
}

// Row halves, shared by fit's batches, its loss passes and predict's chunks. A block of at
// least kShardRows rows whose products hold at least kShardWork multiply-adds is cut into
// two fixed row halves (shards), whatever the thread count: each half runs through its own
// propagator, on its own thread when the pool has two, and whatever the halves sum (the
// gradient, the loss) is added in a fixed order (half 0 + half 1). So the results do not
// depend on the thread count, and a second thread gets half of every product of a mid-sized
// network, where the column halves of propagate.cpp (from 2^21 multiply-adds per product)
// never start.
//   forward  half s: Ŷ_s = net(X_s), ℓ_s = mean loss over its c_s rows
//   backward half s: g_s = (1/c)·Σ_(rows of s) ∂ℓ/∂θ;  g = g_0 + g_1,  ℓ = (c_0·ℓ_0 + c_1·ℓ_1)/c
// (large networks: g written by node halves from both row halves, node_half_gradient)
constexpr long kShardRows = 16;
constexpr long kShardWork = long(1) << 18;  // multiply-adds per block (forward); below, a
                                            // wake-up costs about what the second thread saves
bool cut_in_halves(long rows, long work_per_row) {
  return rows >= kShardRows && rows * work_per_row >= kShardWork;
}
struct RowHalves {
  long rows, first;  // first: the rows of half 0 (half 1 has rows - first)
  explicit RowHalves(long n) : rows(n), first(n - n / 2) {}
  long begin(int s) const { return s == 0 ? 0 : first; }
  long count(int s) const { return s == 0 ? first : rows - first; }
  // The mean over all rows from the halves' means.
  double mean(const double half_mean[2]) const {
    return (half_mean[0] * double(first) + half_mean[1] * double(rows - first)) / double(rows);
  }
};

// A batch's mean loss and mean gradient (forward, loss, backward), for both loops, in row
// halves (above) when the batch is large enough.
template <class T>
class BatchGradient {
 public:
  BatchGradient(const Architecture& arch, WorkerPool* pool)
      : pool_(pool),
        l0_(arch.inputs()),
        ln_(arch.outputs()),
        row_work_(row_work(arch)),
        node_halves_(ParameterLayout(arch.widths).size * sizeof(T) >= kNodeHalvesFrom),
        shard_{Propagator<T>(arch), Propagator<T>(arch)} {
    for (Propagator<T>& p : shard_) {
      p.set_input_gradient(false);  // dL/dX is never read while training
      p.set_input_copy(false);      // X (the batch or the gather buffer) outlives the pass
      p.set_product_halves(false);  // a half runs on a thread of its own (or after the other)
    }
  }
  bool sharded(long c) const { return cut_in_halves(c, row_work_); }

  struct Result {
    double loss;      // mean over the batch's rows
    double grad_max;  // max |g| (+inf or NaN when a gradient is not finite)
  };
  // Rows i in [0, c) of the batch are row i of x and y, or, with `order`, row order[i]
  // (gathered into a buffer first). Writes the mean gradient into `grad`; the batch's
  // predictions and (gathered) targets go to yhat_out / y_out (c x ln, batch order) when
  // those are not null. `whole` runs a batch too small to cut.
  Result run(const Network<T>& net, const T* x, const T* y, const long* order, long c,
             std::span<T> grad, Propagator<T>& whole, T* yhat_out, T* y_out) {
    if (!sharded(c)) {
      double loss = 0;
      part(net, whole, x, y, order, 0, c, c, grad, yhat_out, y_out, gather_[0], loss);
      return {loss, largest_magnitude(grad.data(), grad.size(), pool_)};
    }
    const RowHalves h(c);
    double loss[2] = {0, 0};
    if (!node_halves_) {
      // Each half's gradient (half 1's into g1_), then g = g_0 + g_1 and max|g| in one pass.
      g1_.resize(grad.size());  // allocates once, with the first halved batch
      // run_two: the first epoch's allocations (the shards' buffers) may throw.
      run_two(pool_, [&](int s) {
        part(net, shard_[s], x, y, order, h.begin(s), h.count(s), c,
             s == 0 ? grad : std::span<T>(g1_), yhat_out, y_out, gather_[s], loss[s]);
      });
      T* g = grad.data();
      const T* g1 = g1_.data();
      HalvesMax<T> largest;
      for_halves(pool_, long(grad.size()), long(1) << 13, [&](long b, long n) {
        MagBits<T> m = 0;
        for (long i = b; i < b + n; ++i) {
          g[i] += g1[i];
          m = std::max(m, mag_bits(g[i]));
        }
        largest.set(b, m);
      });
      return {h.mean(loss), largest.value()};
    }
    // Large networks: the nodes' derivatives of each row half ...
    run_two(pool_, [&](int s) {
      part(net, shard_[s], x, y, order, h.begin(s), h.count(s), c, {}, yhat_out, y_out, gather_[s],
           loss[s]);
    });
    // ... then the gradient over both halves, each thread writing one half of every layer's
    // nodes (one buffer, written once; no second gradient to add), and max|g|.
    const Propagator<T>* parts[2] = {&shard_[0], &shard_[1]};
    double largest[2] = {0, 0};
    run_two(pool_, [&](int s) { largest[s] = node_half_gradient<T>(net, parts, grad, c, s); });
    // The larger in mag_bits' order (NaN above +inf above every finite value); each came
    // from a T, so the round trip through T is exact.
    return {h.mean(loss), magnitude<T>(std::max(mag_bits(T(largest[0])), mag_bits(T(largest[1]))))};
  }

  // The mean loss of c rows (forward only), in the same two row halves as run() would cut a
  // batch of c rows into, so it too is the same on every thread count; the predictions go to
  // yhat_out (c x ln) when it is not null.
  double loss(const Network<T>& net, const T* x, const T* y, long c, Propagator<T>& whole,
              T* yhat_out) {
    if (!sharded(c)) {
      const T* out = whole.forward(net, x, c);
      if (yhat_out) std::copy(out, out + c * ln_, yhat_out);
      return whole.loss(y);
    }
    const RowHalves h(c);
    double loss[2] = {0, 0};
    run_two(pool_, [&](int s) {
      const long r0 = h.begin(s), rc = h.count(s);
      const T* out = shard_[s].forward(net, x + r0 * l0_, rc);
      if (yhat_out) std::copy(out, out + rc * ln_, yhat_out + r0 * ln_);
      loss[s] = shard_[s].loss(y + r0 * ln_);
    });
    return h.mean(loss);
  }

 private:
  struct Gather {
    std::vector<T> x, y;
  };
  // Forward and backward of rows [r0, r0 + rc) of a batch of c rows through `p`: with an
  // empty `grad`, the nodes' derivatives only (backward_nodes).
  void part(const Network<T>& net, Propagator<T>& p, const T* x, const T* y, const long* order,
            long r0, long rc, long c, std::span<T> grad, T* yhat_out, T* y_out, Gather& buf,
            double& loss) const {
    const T *xs = x + r0 * l0_, *ys = y + r0 * ln_;
    if (order) {                            // the shuffled rows, gathered
      buf.x.resize(std::size_t(rc * l0_));  // sized by the first (largest) batch
      buf.y.resize(std::size_t(rc * ln_));
      gather_rows(x, l0_, order + r0, rc, buf.x.data());
      gather_rows(y, ln_, order + r0, rc, buf.y.data());
      xs = buf.x.data();
      ys = buf.y.data();
    }
    const T* yhat = p.forward(net, xs, rc);
    loss = p.loss(ys);
    if (yhat_out) std::copy(yhat, yhat + rc * ln_, yhat_out + r0 * ln_);
    if (y_out) std::copy(ys, ys + rc * ln_, y_out + r0 * ln_);
    if (grad.empty())
      p.backward_nodes(net, ys);
    else
      p.backward(net, ys, grad, c);
  }

  WorkerPool* pool_;
  long l0_, ln_, row_work_;
  // How a halved batch's gradient is made (fixed per network, so the same on every thread
  // count). Small networks: each half writes a whole gradient and the two are added (its
  // products are one call per layer and half; node halves would pack each operand twice
  // and run twice as many calls: digits' fit 20 % slower). From kNodeHalvesFrom bytes of
  // gradient: node_half_gradient, which writes one buffer once instead of two buffers and
  // their sum through memory (W3: 2-4 % more samples/s at 1 and 2 threads, 2.7 MB less).
  static constexpr std::size_t kNodeHalvesFrom = std::size_t(1) << 20;
  bool node_halves_;
  Propagator<T> shard_[2];
  std::vector<T> g1_;  // shard 1's gradient, small networks (sized by the first halved batch)
  Gather gather_[2];
};

void check_budget(std::size_t state_bytes, long states, std::size_t budget, int epochs) {
  const double need = double(state_bytes) * double(states);
  if (need <= double(budget)) return;
  std::string msg = "history would need " + bytes_text(need) + " for " + std::to_string(states) +
                    " states of " + bytes_text(double(state_bytes)) + " (budget " +
                    bytes_text(double(budget)) + "); ";
  const long fit_states = long(budget / std::max<std::size_t>(state_bytes, 1));
  if (fit_states >= 2) {
    const long every = (epochs + fit_states - 2) / (fit_states - 1);  // 1 + epochs/every fits
    msg += "raise --history-budget, record --history-every " + std::to_string(every) +
           ", or keep --history-last " + std::to_string(fit_states - 1);
  } else {
    msg +=
        "not even the starting state and one more fit: raise --history-budget or trace "
        "fewer probe rows";
  }
  throw UsageError(msg);
}

template <class T>
void check_arguments(const Network<T>& net, const Batch<T>& train, const Batch<T>& validation,
                     const TrainConfig& c) {
  net.architecture().validate(/*for_training=*/true);
  require(train.rows >= 1,
          "training needs at least one row (got " + std::to_string(train.rows) + ")");
  require(train.x && train.y, "training data: x and y must not be null");
  require(validation.rows >= 0,
          "validation rows must be >= 0 (got " + std::to_string(validation.rows) + ")");
  require(validation.rows == 0 || (validation.x && validation.y),
          "validation data: x and y must not be null");
  require(c.epochs >= 0, "epochs must be >= 0 (got " + std::to_string(c.epochs) + ")");
  require(c.threads >= 0,
          "threads must be >= 0 (0 = ANNLAB_THREADS or 1; got " + std::to_string(c.threads) + ")");
  require(c.batch_size >= 0,
          "batch size must be >= 0 (0 = full batch; got " + std::to_string(c.batch_size) + ")");
  // Cross-entropy reads its targets as class probabilities: a negative one has no meaning,
  // and would make a row's loss negative (fit's divergence check counts on losses >= 0).
  if (net.architecture().loss == LossKind::softmax_cross_entropy) {
    const long ln = net.architecture().outputs();
    const auto nonnegative = [&](const Batch<T>& b, const std::string& what) {
      for (long i = 0; i < b.rows * ln; ++i)
        if (b.y[i] < T(0))
          throw UsageError(
              "softmax_cross_entropy needs targets >= 0 (class probabilities, such as one-hot "
              "rows): " +
              what + " row " + std::to_string(i / ln) + ", output " + std::to_string(i % ln) +
              " is " + number(double(b.y[i])));
    };
    nonnegative(train, "training");
    nonnegative(validation, "validation");
  }
  validate_optimizer(c.optimizer);
  validate_schedule(c.schedule);
  if (c.optimizer.kind == OptimizerKind::lbfgs) {
    require(c.batch_size == 0 || c.batch_size >= train.rows,
            "lbfgs is a full-batch method: set batch size 0 (got " + std::to_string(c.batch_size) +
                " of " + std::to_string(train.rows) + " rows)");
    require(c.schedule.kind == ScheduleKind::constant,
            "lbfgs picks each step by line search: use the constant schedule (got " +
                schedule_name(c.schedule.kind) + ")");
  }
  require(c.early_stopping.patience >= 0, "early stopping patience must be >= 0 (got " +
                                              std::to_string(c.early_stopping.patience) + ")");
  require(c.early_stopping.min_delta >= 0,
          "early stopping min_delta must be >= 0 (got " + number(c.early_stopping.min_delta) + ")");
  const HistoryPolicy& h = c.history;
  require(h.every >= 0,
          "history every must be >= 0 (0 = none; got " + std::to_string(h.every) + ")");
  require(h.last >= 0,
          "history last must be >= 0 (0 = keep all; got " + std::to_string(h.last) + ")");
  for (const long r : h.probe_rows)
    require(r >= 0 && r < train.rows, "probe row " + std::to_string(r) +
                                          " is outside the training data (rows 0.." +
                                          std::to_string(train.rows - 1) + ")");
}

}  // namespace

std::string epoch_loss_name(EpochLoss e) {
  return e == EpochLoss::batch_mean ? "batch_mean" : "full_pass";
}

EpochLoss parse_epoch_loss(const std::string& name) {
  if (name == "full_pass") return EpochLoss::full_pass;
  if (name == "batch_mean") return EpochLoss::batch_mean;
  throw UsageError("unknown epoch loss '" + name + "' (expected full_pass or batch_mean)");
}

std::size_t trace_bytes(const BatchTrace& t) {
  const auto vec = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  // A name's own buffer when it is on the heap (longer than the small-string buffer).
  const auto heap = [](const std::string& s) -> std::size_t {
    const char* d = s.data();
    const char* o = reinterpret_cast<const char*>(&s);
    const std::less<const char*> less;
    const bool inside = !less(d, o) && less(d, o + sizeof(std::string));
    return inside ? 0 : s.capacity() + 1;
  };
  std::size_t b = sizeof(BatchTrace) + vec(t.samples) + vec(t.weight_grad) + vec(t.bias_grad);
  for (const SampleTrace& s : t.samples) {
    b += vec(s.nodes) + vec(s.weights) + vec(s.biases) + vec(s.prediction) + vec(s.target);
    for (const NodeTrace& n : s.nodes) b += heap(n.name);
    for (const WeightTrace& w : s.weights) b += heap(w.name);
    for (const BiasTrace& x : s.biases) b += heap(x.name);
  }
  return b;
}

template <class T>
History fit(Network<T>& net, Batch<T> train, Batch<T> validation, const TrainConfig& config,
            const TrainCallbacks<T>& callbacks) {
  check_arguments(net, train, validation, config);
  const Architecture& arch = net.architecture();
  const long N = train.rows, V = validation.rows, l0 = arch.inputs(), ln = arch.outputs();
  const std::size_t P = net.layout().size;
  const bool lbfgs = config.optimizer.kind == OptimizerKind::lbfgs;
  const long B = config.batch_size == 0 || config.batch_size >= N ? N : config.batch_size;
  const bool shuffled = config.shuffle && B < N;
  const EarlyStopping& es = config.early_stopping;
  const std::span<T> params = net.parameters();

  History h;
  // The history's size is checked before anything is recorded or trained; then epoch 0.
  ProbeRecorder<T> probes(train, config.history, int(l0), int(ln));
  if (probes.on()) {
    check_budget(probes.state_bytes(net), probes.states(config.epochs),
                 config.history.memory_budget, config.epochs);
    probes.record(net, 0, h.probes);
  }

  // Everything the loop touches, allocated here or (the Propagator) by the first epoch.
  Propagator<T> pass(arch);
  pass.set_input_gradient(false);  // dL/dX is never read while training
  pass.set_input_copy(false);      // X (a batch, the gather buffer, a chunk) outlives its pass
  pass.set_threads(config.threads > 0 ? config.threads : default_threads());
  WorkerPool* pool = pass.pool();
  std::vector<T> grad(P), saved(lbfgs ? P : 0);  // saved: see `keep` below
  std::vector<T> best(es.enabled && es.restore_best ? P : 0);
  BatchGradient<T> gradient(arch, pool);
  std::vector<long> order(shuffled ? N : 0);
  // batch_mean: the batch losses' sum over the epoch, and (for the metrics) every batch's
  // predictions and targets in the order the batches saw them.
  const bool batch_mean = config.epoch_loss == EpochLoss::batch_mean && !lbfgs;
  double epoch_loss_sum = 0;  // Σ batch loss · batch rows over the epoch's batches
  const bool keep_rows = batch_mean && callbacks.metrics;  // the batches' rows for the metrics
  std::vector<T> y_seen(keep_rows && shuffled ? N * ln : 0);
  std::vector<T> yhat_train(callbacks.metrics ? N * ln : 0);
  std::vector<T> yhat_val(callbacks.metrics ? V * ln : 0);
  if (config.history.keep_records) h.epochs.reserve(std::size_t(config.epochs));

  // The losses at each epoch's end: forward only (no backward buffers, no dL/dX), in chunks
  // of rows as large as fit in 2^18 values per layer buffer (1 MB in float; the largest
  // product's efficiency is reached well below that), at least a batch, at most
  // kPredictChunk: a wide network's pass then needs no more memory than its training.
  const long chunk =
      std::clamp((long(1) << 18) / total_width(arch), std::min(B, kPredictChunk), kPredictChunk);
  // Mean loss over all rows of `b`, forward in chunks; predictions copied out if asked.
  const auto mean_loss = [&](const Batch<T>& b, T* yhat) {
    double sum = 0, single = 0;
    for (long r = 0; r < b.rows; r += chunk) {
      const long c = std::min(chunk, b.rows - r);
      single =
          gradient.loss(net, b.x + r * l0, b.y + r * ln, c, pass, yhat ? yhat + r * ln : nullptr);
      sum += single * double(c);
    }
    return b.rows <= chunk ? single : sum / double(b.rows);  // one chunk: its own mean
  };

  // The initial network's mean loss over the training rows: a loss that grows a million-fold
  // past it has diverged even while still finite (early stopping would otherwise restore an
  // exploded "best" epoch), and a loss that is not finite there means bad data, not a bad
  // learning rate. It costs a forward pass over every row (a third of an epoch; one epoch of
  // W3 took 30 % longer with it), so first-order training computes it only when a decision
  // needs it, once, from a copy of the initial parameters:
  // - before any DivergenceError: if it is not finite, the error is the data's (UsageError,
  //   with the initial parameters put back), whatever went wrong first in training;
  // - when an epoch's loss is past a million times a lower bound of it, which the first
  //   batch gives at no cost (it runs at the initial parameters): the row losses are >= 0
  //   (squared errors; cross-entropy, whose targets check_arguments requires >= 0), so the
  //   mean over N rows is at least c/N of the first c rows' mean. With the full batch the
  //   first batch's loss is the value (the same rows, summed in the batch's halves instead
  //   of chunks: equal up to rounding).
  // Where training stays finite and under that bound, it is never computed: data whose
  // summed loss overflows but whose training does not is not refused, a fit interrupted
  // before its first bad row stops as interrupted, and 0 epochs check nothing.
  std::optional<double> initial_loss;  // exact, once known
  double initial_low = 0;              // a lower bound of it, once the first batch has run
  std::vector<T> initial;              // the parameters before training moves them (mini-batches)
  if (!lbfgs && B < N && config.epochs > 0) initial.assign(params.begin(), params.end());
  // The exact value, computed once (params hold the initial ones until the first update;
  // after it, `initial` is swapped in and back, also when the pass throws). Not finite, the
  // data is at fault: UsageError, with net as it came in.
  const auto checked_initial_loss = [&] {
    if (!initial_loss) {
      struct Swapped {
        std::span<T> a;
        std::vector<T>& b;
        void swap() {
          if (!b.empty()) std::swap_ranges(a.begin(), a.end(), b.begin());
        }
        ~Swapped() { swap(); }
      } swapped{params, initial};
      swapped.swap();
      initial_loss = mean_loss(train, nullptr);
    }
    if (!std::isfinite(*initial_loss)) {
      if (!initial.empty()) std::copy(initial.begin(), initial.end(), params.begin());
      throw UsageError("the loss of the initial network is not finite (" + number(*initial_loss) +
                       "); check the data for huge values or scale the columns");
    }
    return *initial_loss;
  };
  if (lbfgs) initial_low = checked_initial_loss();  // its line search reads all rows anyway
  // Every DivergenceError of the fit goes through here: bad data first (the UsageError above,
  // when the initial network's loss is not finite), whatever failed in training.
  const auto fail = [&](int e, const std::string& what, double loss, const std::string& hint) {
    checked_initial_loss();
    diverged(net, e, what, loss, hint);
  };
  double previous = std::numeric_limits<double>::quiet_NaN();  // monitored loss, epoch before
  double best_loss = std::numeric_limits<double>::infinity();
  int since_best = 0;
  // The epoch end shared by both loops. Returns true when early stopping ends training.
  const auto end_epoch = [&](int e, double rate, Clock::time_point t0, const std::string& hint) {
    // The metrics and callbacks below run on this thread alone, often for longer than the
    // workers watch: wake them now, so that the next run (the validation pass, the next
    // epoch's first batch) finds them awake instead of paying for their wake-up then.
    if (pool) pool->wake();
    EpochRecord r;
    r.epoch = e;
    r.learning_rate = rate;
    r.train_loss = batch_mean ? epoch_loss_sum / double(N)  // a completed epoch saw all N
                              : mean_loss(train, callbacks.metrics ? yhat_train.data() : nullptr);
    if (!std::isfinite(r.train_loss)) fail(e, "", r.train_loss, hint);
    if (r.train_loss > 1e6 * std::max(initial_low, 1e-12)) {  // then the exact value decides
      if (r.train_loss > 1e6 * std::max(checked_initial_loss(), 1e-12))
        throw DivergenceError("training diverged at epoch " + std::to_string(e) +
                                  ": the loss grew from " + number(*initial_loss) + " to " +
                                  number(r.train_loss) + " (" + largest_parameter(net) + "); " +
                                  hint,
                              e);
    }
    r.validation_loss = V > 0 ? mean_loss(validation, callbacks.metrics ? yhat_val.data() : nullptr)
                              : std::numeric_limits<double>::quiet_NaN();
    if (callbacks.metrics) {
      r.train_metrics =
          callbacks.metrics(yhat_train.data(), y_seen.empty() ? train.y : y_seen.data(), N);
      if (V > 0) r.validation_metrics = callbacks.metrics(yhat_val.data(), validation.y, V);
    }
    const double monitored = V > 0 ? r.validation_loss : r.train_loss;
    bool stop = false;
    if (monitored < best_loss - es.min_delta) {  // Keras' rule; false for NaN
      best_loss = monitored;
      h.best_epoch = e;
      since_best = 0;
      if (!best.empty()) std::copy(params.begin(), params.end(), best.begin());
    } else if (es.enabled && ++since_best >= es.patience) {
      stop = h.stopped_early = true;
    }
    previous = monitored;
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const EpochRecord* done = &r;
    if (config.history.keep_records) {
      h.epochs.push_back(std::move(r));
      done = &h.epochs.back();
    }
    if (callbacks.on_epoch) callbacks.on_epoch(*done);
    if (probes.due(e)) probes.record(net, e, h.probes);
    return stop;
  };
  const auto stop_requested = [&] {
    if (callbacks.should_stop && callbacks.should_stop()) h.interrupted = true;
    return h.interrupted;
  };

  if (!lbfgs) {
    const auto optimizer = make_optimizer<T>(config.optimizer, P);
    Schedule schedule(config.schedule, config.optimizer.learning_rate);
    NumpyRandom rng(config.seed);
    // The update on two threads when both threads read every parameter anyway (halved
    // batches) or when it is long: otherwise each thread's half of the new parameters would
    // cross to the other core for the next forward pass, which costs more than it saves (W2
    // at 2 threads: 1.0 M samples/s with the update split, 1.65 M without).
    optimizer->set_pool(gradient.sharded(B) || P >= (std::size_t(1) << 15) ? pool : nullptr);
    // Past half the largest finite value an update might overflow: keep a copy then.
    const double finite_limit = 0.5 * double(std::numeric_limits<T>::max());
    for (int e = 1; e <= config.epochs && !h.interrupted; ++e) {
      const Clock::time_point t0 = Clock::now();
      double param_max = largest_magnitude(params.data(), P, pool);  // callbacks may write
      const double rate = schedule.rate(e - 1, previous);
      const std::string hint = "lower the learning rate (now " + number(rate) + ")";
      if (shuffled) {  // Fisher-Yates (Durstenfeld) from the identity order
        std::iota(order.begin(), order.end(), 0L);
        for (long i = N - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
      }
      epoch_loss_sum = 0;
      for (long start = 0; start < N; start += B) {
        if (stop_requested()) break;
        const long c = std::min(B, N - start);
        const auto [loss, grad_max] = gradient.run(
            net, shuffled ? train.x : train.x + start * l0,
            shuffled ? train.y : train.y + start * ln, shuffled ? order.data() + start : nullptr, c,
            grad, pass, keep_rows ? yhat_train.data() + start * ln : nullptr,
            y_seen.empty() ? nullptr : y_seen.data() + start * ln);
        if (e == 1 && start == 0) {  // the initial network's loss on the first c rows
          if (c == N) initial_loss = loss;
          // (1 - 1e-9): the batch and the exact pass add the rows in different orders.
          initial_low = loss * double(c) / double(N) * (1 - 1e-9);
        }
        if (batch_mean) epoch_loss_sum += loss * double(c);
        if (!std::isfinite(loss) || !std::isfinite(grad_max))
          fail(e, first_non_finite(net, grad.data(), true), loss, hint);
        // The parameters are copied (to be put back after a non-finite update) only when the
        // rule cannot prove this update finite: almost never, so no 2·P bytes per step.
        const double bound = optimizer->step_bound(grad_max, param_max, rate);
        const bool keep = !(bound < finite_limit);
        if (keep) {
          saved.resize(P);  // allocates once, the first time a bound is not finite
          std::copy(params.begin(), params.end(), saved.begin());
        }
        optimizer->step(params, grad, rate);
        // A finite bound proves the new parameters finite and is a valid max|θ| for the next
        // bound (rescanned at each epoch's start to keep it tight): no pass over them.
        param_max = keep ? largest_magnitude(params.data(), P, pool) : bound;
        if (!std::isfinite(param_max)) {
          const std::string what = first_non_finite(net, params.data(), false);
          if (keep) std::copy(saved.begin(), saved.end(), params.begin());
          fail(e, what, loss, hint);
        }
      }
      if (h.interrupted) break;
      if (end_epoch(e, rate, t0, hint)) break;
    }
  } else {
    const double wd = config.optimizer.weight_decay;
    // f = mean data loss + (wd/2)|θ|², ∇f = averaged gradient + wd·θ, over every row at once.
    const typename Lbfgs<T>::Objective objective = [&](std::span<T> g) {
      double f = gradient.run(net, train.x, train.y, nullptr, N, g, pass, nullptr, nullptr).loss;
      if (wd != 0) {
        double sq = 0;
        const T twd = T(wd);
        for (std::size_t i = 0; i < P; ++i) {
          sq += double(params[i]) * double(params[i]);
          g[i] += twd * params[i];
        }
        f += 0.5 * wd * sq;
      }
      return f;
    };
    const std::string hint =
        "lbfgs only accepts steps that lower a finite loss, so the data or the starting "
        "parameters are at fault: check the inputs and targets for huge or missing values";
    Lbfgs<T> solver(P, config.optimizer.lbfgs_history);
    if (config.epochs > 0) {
      const double f = solver.start(params, objective);
      if (!std::isfinite(f) || !all_finite(solver.gradient().data(), P))
        fail(1, first_non_finite(net, solver.gradient().data(), true), f, hint);
    }
    for (int e = 1; e <= config.epochs; ++e) {
      const Clock::time_point t0 = Clock::now();
      if (stop_requested()) break;
      std::copy(params.begin(), params.end(), saved.begin());
      const typename Lbfgs<T>::Step step = solver.iterate(params, objective);
      if (!step.moved) {
        h.converged = true;
        break;
      }
      if (!std::isfinite(step.f) || !all_finite(params.data(), P)) {
        const std::string what = first_non_finite(net, params.data(), false);
        std::copy(saved.begin(), saved.end(), params.begin());
        fail(e, what, step.f, hint);
      }
      if (end_epoch(e, step.step, t0, hint)) break;
    }
  }

  if (!best.empty() && !h.interrupted && h.best_epoch > 0)
    std::copy(best.begin(), best.end(), params.begin());
  probes.finish(h.probes);
  return h;
}

template <class T>
std::vector<T> predict(const Network<T>& net, const T* x, long rows) {
  require(rows >= 0, "predict: rows must be >= 0 (got " + std::to_string(rows) + ")");
  const long l0 = net.architecture().inputs(), ln = net.architecture().outputs();
  std::vector<T> out(std::size_t(rows) * ln);
  if (rows == 0) return out;
  require(x != nullptr, "predict: x must not be null");
  // A chunk large enough is cut into row halves as fit's batches are (cut_in_halves: the
  // outputs do not depend on the thread count), each through its own propagator, on two
  // threads with ANNLAB_THREADS >= 2; a smaller chunk (one row) goes through `whole`, whose
  // large products are cut into column halves.
  const Architecture& arch = net.architecture();
  const long width = total_width(arch), work = row_work(arch);
  // The propagators (and whole's pool, which runs the halves too) are kept per thread and
  // architecture between calls while their buffers are small (no allocation, no page faults
  // per call); a wide network gets fresh ones. Buffers: z and a of a chunk in `whole`, and
  // of half a chunk in each half.
  struct Kept {
    std::unique_ptr<Propagator<T>> whole, half[2];
  };
  thread_local Kept kept;
  Kept fresh;
  const bool keep = kPredictChunk * width * long(sizeof(T)) * 4 <= (long(16) << 20);
  Kept& k = keep ? kept : fresh;
  if (!(k.whole && k.whole->architecture() == arch)) {
    k.whole = std::make_unique<Propagator<T>>(arch);
    for (auto& h : k.half) {
      h = std::make_unique<Propagator<T>>(arch);
      h->set_input_copy(false);  // x outlives the call
      h->set_product_halves(false);
    }
    k.whole->set_input_copy(false);
  }
  k.whole->set_threads(default_threads());  // its pool also runs the halves
  for (long r = 0; r < rows; r += kPredictChunk) {
    const long c = std::min(kPredictChunk, rows - r);
    if (!cut_in_halves(c, work)) {
      const T* y = k.whole->forward(net, x + r * l0, c);
      std::copy(y, y + c * ln, out.begin() + r * ln);
      continue;
    }
    const RowHalves h(c);
    run_two(k.whole->pool(), [&](int s) {
      const long r0 = r + h.begin(s), rc = h.count(s);
      const T* y = k.half[s]->forward(net, x + r0 * l0, rc);
      std::copy(y, y + rc * ln, out.begin() + r0 * ln);
    });
  }
  return out;
}

#define ANNLAB_INSTANTIATE(T)                                                  \
  template History fit<T>(Network<T>&, Batch<T>, Batch<T>, const TrainConfig&, \
                          const TrainCallbacks<T>&);                           \
  template std::vector<T> predict<T>(const Network<T>&, const T*, long);
ANNLAB_INSTANTIATE(float)
ANNLAB_INSTANTIATE(double)
#undef ANNLAB_INSTANTIATE

}  // namespace annlab
