// A session's run and its training thread (session.hpp). The thread runs fit() once, from
// epoch 1 to max_epochs; after each epoch it records the state and, unless more epochs were
// granted, waits on the condition variable (pause), so the optimizer's state carries across
// pauses exactly as in one uninterrupted `annlab train`.
#include "session.hpp"

#include <algorithm>
#include <cmath>

#include "annlab/core/error.hpp"
#include "annlab/core/init.hpp"
#include "annlab/core/random.hpp"
#include "annlab/formats/json.hpp"
#include "annlab/workflow/model.hpp"

namespace annlab::web {
namespace {
using nlohmann::json;

template <class T>
std::vector<double> initial_parameters(const Architecture& arch, const workflow::RunConfig& c) {
  // As workflow's train_network: a Network<T> initialized from NumpyRandom(seed).
  Network<T> net(arch);
  NumpyRandom rng(c.train.seed);
  initialize(net, c.init, rng);
  return {net.parameters().begin(), net.parameters().end()};
}

template <class T>
std::vector<T> as(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

json number_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

}  // namespace

std::vector<std::size_t> spread_last(std::size_t n, std::size_t k) {
  std::vector<std::size_t> idx;
  if (n == 0 || k == 0) return idx;
  if (k >= n) {
    for (std::size_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  if (k == 1) return {n - 1};
  for (std::size_t i = 0; i < k; ++i) {
    const auto j =
        static_cast<std::size_t>(std::llround(double(i) * double(n - 1) / double(k - 1)));
    if (idx.empty() || idx.back() != j) idx.push_back(j);
  }
  return idx;
}

Session::Session(std::string id, DataSource source, const json& config, int max_epochs,
                 long probe_row)
    : id_(std::move(id)),
      source_(std::move(source)),
      max_epochs_(max_epochs),
      probe_row_(probe_row) {
  json merged = source_.defaults;
  for (auto it = config.begin(); it != config.end(); ++it) merged[it.key()] = it.value();
  if (max_epochs_ > 0) merged["epochs"] = max_epochs_;
  if (!merged.contains("target"))
    throw HttpError{400, "config.target is required: name the column to predict"};
  config_ = workflow::parse_run_config(merged.dump(), "config");
  if (config_.kfold >= 2)
    throw HttpError{400,
                    "config.kfold: cross-validation is not offered by the dashboard; use "
                    "annlab train --kfold"};
  if (config_.train.epochs < 1) throw HttpError{400, "max_epochs must be at least 1"};
  if (config_.train.epochs > kMaxEpochs)
    throw HttpError{400, "config.epochs: " + std::to_string(config_.train.epochs) +
                             " is over the dashboard's cap of " + std::to_string(kMaxEpochs) +
                             " epochs (annlab train has none)"};
  max_epochs_ = config_.train.epochs;
  // Probe traces and epoch records are the dashboard's own (state and history routes, thinned),
  // not fit()'s history.
  config_.train.history = HistoryPolicy{};
  config_.train.history.every = 0;
  config_.train.history.keep_records = false;
  run_ = workflow::prepare_run(source_.table, config_, /*min_rows=*/1);
  if (probe_row_ < 0 || probe_row_ >= run_.train.rows)
    throw HttpError{400, "probe_row " + std::to_string(probe_row_) + " is outside the " +
                             std::to_string(run_.train.rows) + " training rows (0-based)"};
  const long l0 = run_.arch.inputs(), ln = run_.arch.outputs();
  probe_x_.assign(run_.train.x.begin() + probe_row_ * l0,
                  run_.train.x.begin() + (probe_row_ + 1) * l0);
  probe_y_.assign(run_.train.y.begin() + probe_row_ * ln,
                  run_.train.y.begin() + (probe_row_ + 1) * ln);
  check_size();
  initial_ = config_.float32 ? initial_parameters<float>(run_.arch, config_)
                             : initial_parameters<double>(run_.arch, config_);
  states_.push_back({0, initial_});
  const std::size_t bytes = std::max<std::size_t>(1, initial_.size() * sizeof(double));
  max_states_ = std::clamp<std::size_t>(kStateBudget / bytes, kMinStates, kMaxStates);
}

// Before anything of the network's size is allocated: the parameter cap, then an estimate of
// the session's memory (recorded states, fit()'s per-parameter buffers, the layer buffers of
// a batch, the JSON documents a read builds: measured 1 to 2.2 KB per parameter for a create
// or a state of 3-1000-1000-1) against its cap.
void Session::check_size() const {
  const std::vector<int>& w = run_.arch.widths;
  std::size_t params = 0, width = 0;
  for (std::size_t l = 1; l < w.size(); ++l) {
    params += (std::size_t(w[l - 1]) + 1) * std::size_t(w[l]);
    width += std::size_t(w[l]);
  }
  std::string shape;
  for (int x : w) shape += (shape.empty() ? "" : "-") + std::to_string(x);
  if (params > kMaxParameters)
    throw HttpError{400, "the network " + shape + " has " + std::to_string(params) +
                             " parameters, over the dashboard's cap of " +
                             std::to_string(kMaxParameters) +
                             "; use fewer or narrower layers (annlab train has no cap)"};
  const std::size_t bytes = params * sizeof(double);
  const std::size_t states = std::clamp<std::size_t>(kStateBudget / std::max<std::size_t>(bytes, 1),
                                                     kMinStates, kMaxStates);
  const long batch = config_.train.batch_size > 0
                         ? std::min(config_.train.batch_size, run_.train.rows)
                         : run_.train.rows;
  const std::size_t estimate = bytes * (states + 7) + params * 2048 +
                               std::size_t(std::max(batch, 1L)) * width * sizeof(double) * 4;
  if (estimate > kMaxSessionBytes)
    throw HttpError{400, "the network " + shape + " (" + std::to_string(params) +
                             " parameters) would need about " + std::to_string(estimate >> 20) +
                             " MB for a session, over the dashboard's cap of " +
                             std::to_string(kMaxSessionBytes >> 20) +
                             " MB; use fewer or narrower layers, or a smaller batch"};
}

Session::~Session() {
  stop();
}

// ---- control ---------------------------------------------------------------------------

void Session::train(std::optional<int> epochs) {
  std::lock_guard control(control_);
  auto lock = read_lock();
  if (!failure_.empty())
    throw HttpError{409, "training " + failure_ + " (" + message_ + "); reset the session"};
  if (thread_state_ == Thread::done && epoch_ < max_epochs_ && (converged_ || stopped_early_))
    throw HttpError{409, std::string(converged_ ? "L-BFGS converged" : "early stopping ended it") +
                             " at epoch " + std::to_string(epoch_) + " of " +
                             std::to_string(max_epochs_) +
                             ": no more epochs to train; reset the session to train again"};
  if (thread_state_ == Thread::done || epoch_ >= max_epochs_)
    throw HttpError{409, "the session has finished its " + std::to_string(max_epochs_) +
                             " epochs; reset it, or start a session with a larger max_epochs"};
  const int target = epochs ? std::max(granted_, epoch_ + *epochs) : max_epochs_;
  granted_ = std::min(target, max_epochs_);
  if (thread_state_ == Thread::none) {
    stop_ = false;
    thread_state_ = Thread::running;
    thread_ = std::thread([this] {
      if (config_.float32)
        run_training<float>();
      else
        run_training<double>();
    });
  } else if (thread_state_ == Thread::waiting) {
    thread_state_ = Thread::running;  // it wakes up to a grant; report it running already
  }
  cv_.notify_all();
}

void Session::pause() {
  std::lock_guard control(control_);
  auto lock = read_lock();
  if (thread_state_ == Thread::none || thread_state_ == Thread::done) return;
  // A running thread finishes the epoch in progress, then waits.
  granted_ = std::min(granted_, epoch_ + (thread_state_ == Thread::running ? 1 : 0));
  cv_.wait(lock, [this] {
    return thread_state_ == Thread::done ||
           (thread_state_ == Thread::waiting && granted_ <= epoch_);
  });
}

void Session::reset() {
  std::lock_guard control(control_);
  end_thread();
  auto lock = read_lock();
  thread_state_ = Thread::none;
  stop_ = false;
  epoch_ = granted_ = 0;
  failure_.clear();
  message_.clear();
  records_.clear();
  states_.assign(1, Snapshot{0, initial_});
  stride_ = 1;
  record_stride_ = 1;
  final_.reset();
  best_epoch_ = 0;
  stopped_early_ = false;
  converged_ = false;
}

void Session::stop() {
  std::lock_guard control(control_);
  end_thread();
}

void Session::end_thread() {
  {
    auto lock = read_lock();
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

// ---- locking ----------------------------------------------------------------------------
// std::mutex is not fair: a thread that retakes it after every epoch (25,000 a second on a
// small network) can keep a reader out indefinitely. Readers announce themselves, and the
// training thread sleeps on gate_cv_ until none is waiting before it takes the lock again
// (no spinning: the last reader in wakes it).

std::unique_lock<std::mutex> Session::read_lock() const {
  ++readers_;
  std::unique_lock lock(m_);
  if (--readers_ == 0) {
    // Taking gate_m_ orders this wake-up after a trainer's check of readers_ (no lost wake).
    { std::lock_guard gate(gate_m_); }
    gate_cv_.notify_all();
  }
  return lock;
}

void Session::let_readers_in() const {
  if (readers_.load() == 0) return;
  std::unique_lock gate(gate_m_);
  gate_cv_.wait(gate, [this] { return readers_.load() == 0; });
}

// ---- the training thread ---------------------------------------------------------------

template <class T>
void Session::run_training() {
  Network<T> net = network_of<T>(run_.arch, initial_);
  const std::vector<T> xt = as<T>(run_.train.x), yt = as<T>(run_.train.y),
                       xv = as<T>(run_.validation.x), yv = as<T>(run_.validation.y);
  const long rows_v = run_.validation.rows;
  TrainConfig tc = config_.train;
  tc.epochs = max_epochs_;
  TrainCallbacks<T> cb;
  cb.metrics = workflow::epoch_metrics<T>(run_.preprocessing);
  cb.on_epoch = [this, &net](const EpochRecord& r) {
    record(r.epoch, {net.parameters().begin(), net.parameters().end()}, r);
    wait_for_grant(r.epoch);
  };
  cb.should_stop = [this] { return stop_.load(); };
  std::string failure, message;
  try {
    const History h =
        fit(net, Batch<T>{xt.data(), yt.data(), run_.train.rows},
            Batch<T>{rows_v ? xv.data() : nullptr, rows_v ? yv.data() : nullptr, rows_v}, tc, cb);
    auto lock = read_lock();
    best_epoch_ = h.best_epoch;
    stopped_early_ = h.stopped_early;
    converged_ = h.converged;
    std::vector<double> last(net.parameters().begin(), net.parameters().end());
    if (!h.interrupted && last != states_.back().parameters) final_ = std::move(last);
  } catch (const DivergenceError& e) {
    failure = "diverged";
    message = e.what();
  } catch (const std::exception& e) {
    failure = "error";
    message = e.what();
  }
  auto lock = read_lock();
  if (!stop_) {
    failure_ = failure;
    message_ = message;
  }
  thread_state_ = Thread::done;
  cv_.notify_all();
}

void Session::record(int epoch, std::vector<double> parameters, EpochRecord r) {
  let_readers_in();
  std::unique_lock lock(m_);
  // Records thin as the states do: past kMaxRecords, every 2nd, 4th, ... epoch (the latest
  // is kept off the stride until the next one replaces it).
  if (!records_.empty() && records_.back().epoch % record_stride_ != 0) records_.pop_back();
  records_.push_back(std::move(r));
  if (records_.size() > kMaxRecords) {
    record_stride_ *= 2;
    std::vector<EpochRecord> kept;
    kept.reserve(records_.size() / 2 + 1);
    for (std::size_t i = 0; i < records_.size(); ++i)
      if (records_[i].epoch % record_stride_ == 0 || i + 1 == records_.size())
        kept.push_back(std::move(records_[i]));
    records_ = std::move(kept);
  }
  epoch_ = epoch;
  // The latest state is kept even off the stride; it is replaced by the next one.
  if (states_.size() > 1 && states_.back().epoch % stride_ != 0) states_.pop_back();
  states_.push_back({epoch, std::move(parameters)});
  if (states_.size() > max_states_) {
    stride_ *= 2;
    std::vector<Snapshot> kept;
    for (std::size_t i = 0; i < states_.size(); ++i)
      if (states_[i].epoch % stride_ == 0 || i + 1 == states_.size())
        kept.push_back(std::move(states_[i]));
    states_ = std::move(kept);
  }
  cv_.notify_all();
}

void Session::wait_for_grant(int epoch) {
  let_readers_in();
  std::unique_lock lock(m_);
  if (epoch >= max_epochs_) return;  // fit() ends after this epoch
  if (granted_ > epoch || stop_) return;
  thread_state_ = Thread::waiting;
  cv_.notify_all();
  cv_.wait(lock, [this, epoch] { return stop_ || granted_ > epoch; });
  thread_state_ = Thread::running;
}

// ---- reading the recorded run --------------------------------------------------------

std::string Session::status_locked() const {
  if (!failure_.empty()) return failure_;
  switch (thread_state_) {
    case Thread::none:
      return epoch_ == 0 ? "idle" : "paused";
    case Thread::running:
      return "running";
    case Thread::waiting:
      return granted_ > epoch_ ? "running" : "paused";
    case Thread::done:
      break;
  }
  return "finished";
}

Snapshot Session::snapshot_at(int epoch) const {
  auto lock = read_lock();
  if (epoch < 0) return final_ ? Snapshot{states_.back().epoch, *final_} : states_.back();
  auto it = std::upper_bound(states_.begin(), states_.end(), epoch,
                             [](int e, const Snapshot& s) { return e < s.epoch; });
  return *std::prev(it);  // states_ starts at epoch 0, so it is never begin()
}

json Session::describe(bool with_network) const {
  const data::Preprocessor& pre = run_.preprocessing;
  json features = json::array(), targets = json::array(), classes = json::array();
  for (const auto& f : pre.features) features.push_back(f.name);
  for (const auto& t : pre.targets) targets.push_back(t.name);
  const bool classification = pre.task == data::Task::classification;
  if (classification) classes = pre.targets.front().categories;
  json j;
  j["id"] = id_;
  {
    auto lock = read_lock();
    j["status"] = status_locked();
    j["message"] = message_;
    j["epoch"] = epoch_;
    j["recorded"] = {{"count", states_.size()},
                     {"first", states_.front().epoch},
                     {"last", states_.back().epoch}};
  }
  j["max_epochs"] = max_epochs_;
  j["task"] = classification ? "classification" : "regression";
  if (with_network) j["network"] = json::parse(formats::network_json(run_.arch));
  j["data"] = {{"name", source_.name},
               {"rows",
                {{"train", run_.train.rows},
                 {"validation", run_.validation.rows},
                 {"test", run_.test.rows}}},
               {"features", features},
               {"inputs", pre.input_names()},
               {"targets", targets},
               {"classes", classes}};
  j["config"] = json::parse(workflow::run_config_json(config_, -1));
  j["probe_row"] = probe_row_;
  return j;
}

json Session::history(int since, long max_records) const {
  std::vector<EpochRecord> picked;
  std::string status;
  int epoch = 0;
  {
    auto lock = read_lock();
    const auto first = std::upper_bound(records_.begin(), records_.end(), since,
                                        [](int e, const EpochRecord& r) { return e < r.epoch; });
    const std::size_t n = std::size_t(records_.end() - first);
    for (std::size_t i : spread_last(n, max_records > 0 ? std::size_t(max_records) : n))
      picked.push_back(first[long(i)]);
    status = status_locked();
    epoch = epoch_;
  }
  json records = json::array();
  for (const EpochRecord& r : picked) {
    json tm = json::object(), vm = json::object();
    for (const auto& [k, v] : r.train_metrics) tm[k] = number_or_null(v);
    for (const auto& [k, v] : r.validation_metrics) vm[k] = number_or_null(v);
    records.push_back({{"epoch", r.epoch},
                       {"learning_rate", r.learning_rate},
                       {"train_loss", number_or_null(r.train_loss)},
                       {"validation_loss", number_or_null(r.validation_loss)},
                       {"train_metrics", tm},
                       {"validation_metrics", vm}});
  }
  return {{"status", status}, {"epoch", epoch}, {"records", records}};
}

History Session::history_locked() const {
  History h;
  h.epochs = records_;
  h.best_epoch = best_epoch_;
  h.stopped_early = stopped_early_;
  return h;
}

// ---- exports -----------------------------------------------------------------------------

std::string Session::model_document() const {
  const Snapshot s = snapshot_at(-1);
  const auto metrics = [&](const workflow::ModelRows& rows) {
    if (rows.rows == 0) return workflow::SplitMetrics{};
    const std::vector<double> yhat = config_.float32
                                         ? outputs<float>(s.parameters, rows.x, rows.rows)
                                         : outputs<double>(s.parameters, rows.x, rows.rows);
    return workflow::split_metrics(run_.preprocessing, yhat, rows.y, rows.rows);
  };
  const workflow::Model m =
      workflow::make_model(source_.table, run_, config_, s.parameters, metrics(run_.train),
                           metrics(run_.validation), metrics(run_.test));
  return workflow::model_json(m);
}

std::string Session::history_document() const {
  History h;
  {
    auto lock = read_lock();
    h = history_locked();
  }
  return formats::training_history_json(run_.arch, workflow::run_config_json(config_, -1), h, {},
                                        {}, ANNLAB_VERSION);
}

std::string Session::history_csv() const {
  auto lock = read_lock();
  return formats::training_history_csv(history_locked());
}

template <class T>
std::vector<double> Session::outputs(const std::vector<double>& params,
                                     const std::vector<double>& x, long rows) const {
  const Network<T> net = network_of<T>(run_.arch, params);
  const std::vector<T> xt = as<T>(x);
  const std::vector<T> y = predict(net, xt.data(), rows);
  return {y.begin(), y.end()};
}

template std::vector<double> Session::outputs<float>(const std::vector<double>&,
                                                     const std::vector<double>&, long) const;
template std::vector<double> Session::outputs<double>(const std::vector<double>&,
                                                      const std::vector<double>&, long) const;

}  // namespace annlab::web
