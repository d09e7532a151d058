// The training loop: batch, stochastic and mini-batch gradient descent with any optimizer
// and schedule, validation, early stopping, divergence detection and a recorded history.
//
// One epoch (first-order optimizers) is one pass over the training rows:
//   ℓ = epoch - 1; η = schedule.rate(ℓ, monitored loss of the epoch before)
//   order = 0..rows-1, shuffled (mini-batch and stochastic only, when config.shuffle) by
//           Fisher-Yates from one NumpyRandom(config.seed) stream that runs across epochs:
//           for i = rows-1 down to 1: swap(order[i], order[rng.below(i + 1)])
//   for each batch of batch_size rows in that order (the last one smaller):
//     callbacks.should_stop() -> interrupted, return
//     forward, backward (gradient averaged over the batch), optimizer step with η
//   training loss (by config.epoch_loss, below), validation loss, metrics; early stopping;
//   EpochRecord; callbacks.on_epoch; probe state
// A full batch (batch_size 0 or >= rows) is never shuffled (that would only reorder the
// gradient's sum), so full-batch gd is the chapter's loop (train_full_batch_gd) bit for bit
// while the batch is too small to be cut into two row halves (the chapter's one row; see
// TrainConfig::threads); a halved batch sums its gradient as two halves, to rounding the same.
//
// One epoch of lbfgs is one L-BFGS iteration on the full batch: a direction from the
// two-loop recursion over the last lbfgs_history (s, y) pairs, a line search for the strong
// Wolfe conditions (several forward+backward passes over all rows), one pair added
// (lbfgs.hpp). It needs batch_size 0 (or >= rows) and the constant schedule; the step length
// the line search accepted is reported as EpochRecord::learning_rate (learning_rate in the
// config is not used). should_stop is polled once per iteration. When no step lowers the
// loss even along the steepest descent (a minimum, to round-off), training ends there with
// History::converged, without a record for that last attempt.
//
// The L2 term of weight_decay enters the update (and lbfgs' objective), never the reported
// losses: train_loss and validation_loss are the data loss alone.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "annlab/core/network.hpp"
#include "annlab/core/trace.hpp"
#include "annlab/train/optimizer.hpp"
#include "annlab/train/schedule.hpp"

namespace annlab {

// A view on row-major matrices: x is rows x l0, y is rows x ln.
template <class T>
struct Batch {
  const T* x = nullptr;
  const T* y = nullptr;
  long rows = 0;
};

// Keras' EarlyStopping on the monitored loss: an epoch improves when its loss is below
// best - min_delta; training stops after `patience` consecutive epochs without improvement.
// With restore_best, the best epoch's parameters are put back at the end of training
// (stopped early or not; not after an interruption, which keeps the current state).
struct EarlyStopping {
  bool enabled = false;
  int patience = 10;         // epochs without improvement before stopping
  double min_delta = 0.0;    // an improvement must beat the best by more than this
  bool restore_best = true;  // put back the best epoch's parameters at the end
};

// Which epochs keep a full trace of the probe rows (parameters, gradients, node values).
// The state before training (epoch 0) is always recorded and always kept; then epochs e with
// e % every == 0. With last = N only the N most recent of those later states are kept (a
// ring), so History::probes is [epoch 0, then at most N states, oldest first]. Nothing is
// recorded when every is 0 or probe_rows is empty. Before anything is traced or trained,
// the bytes of one state (trace_bytes of a one-row trace, scaled to the probe rows) times the
// states the policy can record (1 + epochs/every, or 1 + min(epochs/every, last)) is checked
// against memory_budget; over it, fit throws UsageError, e.g. "history would need 1.3 GB
// for 1001 states of 1.3 MB (budget 268.4 MB); raise --history-budget, record
// --history-every 5, or keep --history-last 205" (sizes in decimal units).
struct HistoryPolicy {
  int every = 1;                 // every k-th epoch (1 = every epoch; 0 = none)
  int last = 0;                  // >0: keep only the last N recorded (a ring)
  std::vector<long> probe_rows;  // rows of the training data to trace
  std::size_t memory_budget = std::size_t(256) << 20;  // bytes; exceeding it is an error
                                                       // raised before training starts
  // false: History::epochs stays empty and each EpochRecord goes to on_epoch only, for a
  // caller that keeps (and thins) its own, e.g. the dashboard's sessions over 1e6 epochs.
  bool keep_records = true;
};

// What EpochRecord::train_loss (and the training metrics) of a first-order epoch measure.
//   full_pass: the model at the epoch's end, on every training row: one more forward pass
//     over the rows after the epoch's updates (exact; the chapter's and the dashboard's).
//   batch_mean: the mean of the batch losses the epoch computed anyway, each before its
//     update, weighted by rows (scikit-learn's loss_curve_, Keras' "loss"); the training
//     metrics likewise come from those batch predictions. No extra pass: for a wide network
//     that pass is a third of the epoch's arithmetic.
// Both train the same parameters, bit for bit (the loss is only read, by early stopping and
// reduce_on_plateau when there is no validation data, whose decisions may then differ).
// lbfgs always uses full_pass. The validation loss is always a full pass.
enum class EpochLoss { full_pass, batch_mean };
std::string epoch_loss_name(EpochLoss e);  // "full_pass", "batch_mean"
// Parses a name epoch_loss_name gives; throws UsageError listing both otherwise.
EpochLoss parse_epoch_loss(const std::string& name);

struct TrainConfig {
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  long batch_size = 0;  // 0 or >= rows: full batch; 1: stochastic; else mini-batch
  int epochs = 100;
  std::uint32_t seed = 0;  // shuffling each epoch (from this seed), nothing else
  bool shuffle = true;
  EpochLoss epoch_loss = EpochLoss::full_pass;
  EarlyStopping early_stopping;  // monitors validation loss (training loss without one)
  HistoryPolicy history;
  // Threads (core/parallel.hpp) for the two row halves of a large mini-batch and the two
  // column halves of a large product; 0: ANNLAB_THREADS, else 1. The halves are the same
  // whatever the count, so the results are bit-identical for every thread count.
  int threads = 0;
};

struct EpochRecord {
  int epoch = 0;  // 1-based: the number of passes made over the training data
  double learning_rate = 0;
  double train_loss = 0;       // mean loss over the training rows (TrainConfig::epoch_loss)
  double validation_loss = 0;  // NaN without validation data
  std::map<std::string, double> train_metrics, validation_metrics;  // from the evaluator
  double seconds = 0;
};

// trace_batch on the probe rows with the parameters after `epoch` epochs: every node value
// and per-sample derivative of each probe row, the parameters (in every sample's weights and
// biases) and the probe rows' averaged gradient (not the training batch's).
struct ProbeState {
  int epoch = 0;     // 0 = before training
  BatchTrace trace;  // of the probe rows; weight/bias values are in trace.samples[r]
};

struct History {
  std::vector<EpochRecord> epochs;  // completed epochs only, epochs[i].epoch = i + 1
  std::vector<ProbeState> probes;
  int best_epoch = 0;  // by the monitored loss (early stopping's rule); 0: no epoch completed
  bool stopped_early = false;
  bool interrupted = false;  // callbacks.should_stop returned true
  bool converged = false;    // lbfgs: no step lowered the loss, training ended early
};

template <class T>
struct TrainCallbacks {
  // Called after each completed epoch, once its EpochRecord is final (losses, metrics,
  // seconds) and before its probe state is taken; not for epoch 0, nor for an epoch cut
  // short by should_stop. `net` already holds that epoch's parameters.
  std::function<void(const EpochRecord&)> on_epoch;
  // Metrics of predictions against targets (in whatever units the caller wants).
  std::function<std::map<std::string, double>(const T* yhat, const T* y, long rows)> metrics;
  // Polled between batches; true stops training cleanly (Ctrl-C) with the current state.
  std::function<bool()> should_stop;
};

// Trains `net` in place. Throws DivergenceError (naming the epoch and the first layer whose
// parameters or gradients are not finite, with a hint) and leaves `net` at its last finite
// state; throws UsageError for impossible configurations (sizes, budget).
// Deterministic: the same inputs give bit-identical parameters.
// `validation.rows` may be 0 (no validation). Around every update the batch loss, the
// gradient and the parameters are checked (epoch = the one in progress, 1-based); the
// message names the first non-finite of:
//   the batch loss, before the update (net keeps its finite parameters): "training diverged
//     at epoch 68: the loss is not finite (loss inf; largest |parameter| 3.1e+153 in layer 2
//     weights); lower the learning rate (now 40)"
//   the gradient, before the update: "... layer 1 weight gradients are not finite (loss
//     nan); ..." (or bias gradients)
//   the parameters after it (net gets the parameters from before that update back):
//     "training diverged at epoch 12: layer 2 weights are not finite (loss 3.1e+07); lower
//     the learning rate (now 0.5)" (or biases; the loss is that batch's, before the update)
// and the training loss at the epoch's end, like the batch loss, or grown a million-fold past
// the initial network's mean loss over the training rows ("... the loss grew from 0.52 to
// 7.1e+05 (largest |parameter| ...); ..."). That initial loss is computed only when a
// decision needs it (from a copy of the initial parameters that mini-batch training keeps
// for the fit): before any DivergenceError, and when an epoch's loss is past a million times
// the first batch's share of it (which bounds it from below at no cost). If it is not finite
// the data is at fault: UsageError "the loss of the initial network is not finite (inf);
// check the data ...", with net as it came in, when training first fails (a bad row in
// epoch 1's batches, or only later when just the sum over all rows overflows; updates and
// callbacks may have run by then). Training that stays finite and under that bound never
// computes it: data whose summed loss overflows while training does not is trained, and a
// first-order fit interrupted before its first bad row, or of 0 epochs, reports nothing
// (lbfgs computes it before starting, as its line search needs all rows anyway).
// softmax_cross_entropy needs targets >= 0: UsageError naming the first negative one's row
// and output.
// No allocation inside the batch loop after the first epoch: the Propagators (one, and two
// for the row halves of a large batch), two gradient buffers, the gather buffers, all sized
// at the start or by the first epoch (and once, the
// copy of the parameters kept for restoring, the first time Optimizer::step_bound cannot
// prove an update finite; until then no copy is made).
template <class T>
History fit(Network<T>& net, Batch<T> train, Batch<T> validation, const TrainConfig& config,
            const TrainCallbacks<T>& callbacks = {});

// Forward pass on many rows in chunks of kPredictChunk rows (no gradients) on
// default_threads() threads (at most 2). Returns rows x ln, row-major. A chunk with enough
// work (as fit's halved batches) is cut into two fixed row halves, each through its own
// Propagator, so the outputs are the same for every thread count. The propagators are kept
// per thread between calls (for the last architecture seen) while their buffers take at
// most 16 MB.
inline constexpr long kPredictChunk = 4096;
template <class T>
std::vector<T> predict(const Network<T>& net, const T* x, long rows);

// Bytes a trace holds (the structs, their vectors' capacity and any heap-allocated names):
// what HistoryPolicy::memory_budget is checked against, per probe state.
std::size_t trace_bytes(const BatchTrace& trace);

}  // namespace annlab
