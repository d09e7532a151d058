// One dashboard session (docs/dashboard.md): a prepared run, a training thread that runs the
// engine's fit() and waits between epochs until more are granted, and every recorded state
// (parameters after each epoch, thinned past kMaxStates), from which the views of any epoch
// are computed on request.
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "annlab/train/trainer.hpp"
#include "annlab/workflow/run.hpp"
#include "annlab/workflow/steps.hpp"
#include "sources.hpp"

namespace annlab::web {

// States kept per session before thinning to every 2nd, 4th, ... epoch; fewer when the
// parameters are large (kStateBudget bytes of parameters per session, at least kMinStates).
inline constexpr std::size_t kMaxStates = 2000;
inline constexpr std::size_t kMinStates = 4;
inline constexpr std::size_t kStateBudget = std::size_t(256) << 20;
// Epoch records kept before thinning them the same way (about 700 bytes each).
inline constexpr std::size_t kMaxRecords = 100'000;
// The largest network a session accepts, and the largest estimate of a session's memory
// (recorded states, fit()'s buffers, the JSON documents a read builds), both checked before
// anything of that size is allocated.
inline constexpr std::size_t kMaxParameters = 5'000'000;
inline constexpr std::size_t kMaxSessionBytes = std::size_t(3) << 30;
// max_epochs / config.epochs: fit() keeps one EpochRecord (136 bytes, its metrics moved out)
// per epoch, so a session's own history is bounded by about 136 MB at this cap.
inline constexpr long kMaxEpochs = 1'000'000;
// The most values (epochs x parameters) one series answer holds (about 80 MB of JSON).
inline constexpr std::size_t kMaxSeriesValues = 4'000'000;
// Hidden-node maps per surface (the first hidden layer's nodes, evenly spread).
inline constexpr int kMaxHiddenMaps = 16;

// Up to k of n indices, evenly spread, always the last (and the first when k >= 2).
std::vector<std::size_t> spread_last(std::size_t n, std::size_t k);

// A network of the session's architecture holding `params` (flat layout) in T.
template <class T>
Network<T> network_of(const Architecture& arch, const std::vector<double>& params) {
  Network<T> net(arch);
  std::copy(params.begin(), params.end(), net.parameters().begin());
  return net;
}

struct Snapshot {
  int epoch = 0;                   // updates made (0 = initial parameters)
  std::vector<double> parameters;  // flat layout; float sessions hold float values exactly
};

class Session {
 public:
  // Prepares the run (workflow::prepare_run): throws HttpError, data::DataError, UsageError.
  Session(std::string id, DataSource source, const nlohmann::json& config, int max_epochs,
          long probe_row);
  ~Session();  // stops and joins the training thread
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& id() const { return id_; }

  // Control (each returns once the change has taken effect). HttpError 409 when the session
  // cannot train any more (finished, diverged, failed).
  void train(std::optional<int> epochs);  // N more epochs, or all up to max_epochs
  void pause();                           // returns when the thread waits at an epoch's end
  void reset();                           // epoch 0, history cleared, same initial parameters
  void stop();                            // ends the thread (delete, shutdown)

  // Views (docs/dashboard.md); `epoch` < 0 means the latest recorded.
  // The session; with_network: the full network document (create and GET only; train, pause
  // and reset answer without it, the page keeps the one it has).
  nlohmann::json describe(bool with_network = true) const;
  // Records with epoch > since; at most max_records (> 0) of them, evenly spread, the last kept.
  nlohmann::json history(int since, long max_records = 0) const;
  // Recorded states with epoch > since; at most max_epochs of them and max_params parameters
  // (evenly spread; 0 = all), with "param_index" when parameters were left out.
  nlohmann::json series(int since = -1, long max_epochs = 0, long max_params = 0) const;
  nlohmann::json state(int epoch) const;
  nlohmann::json verify(int epoch, const std::string& name) const;
  nlohmann::json surface(int epoch, int size, int max_hidden = kMaxHiddenMaps) const;
  nlohmann::json fit_view(int epoch) const;

  // Exports.
  std::string model_document() const;  // annlab.model at the latest state
  std::string history_document() const;
  std::string history_csv() const;
  nlohmann::json run_document() const;  // annlab.run

 private:
  enum class Thread { none, running, waiting, done };
  template <class T>
  void run_training();
  void record(int epoch, std::vector<double> parameters, EpochRecord r);
  void wait_for_grant(int epoch);  // in on_epoch: returns when granted or told to stop
  void end_thread();               // sets stop_, joins the thread
  void check_size() const;         // HttpError 400 over kMaxParameters or kMaxSessionBytes
  std::unique_lock<std::mutex> read_lock() const;  // m_, ahead of the training thread
  void let_readers_in() const;            // the training thread, before taking m_: sleeps until no
                                          // reader waits for it
  Snapshot snapshot_at(int epoch) const;  // the latest recorded state <= epoch
  std::string status_locked() const;
  History history_locked() const;
  template <class T>
  nlohmann::json surface_typed(const std::vector<double>& params, int size, int max_hidden) const;
  template <class T>
  std::vector<double> outputs(const std::vector<double>& params, const std::vector<double>& x,
                              long rows) const;

  // Fixed after construction.
  std::string id_;
  DataSource source_;
  workflow::RunConfig config_;
  workflow::PreparedRun run_;
  int max_epochs_;
  long probe_row_;                         // index into the training rows
  std::vector<double> probe_x_, probe_y_;  // model units
  std::vector<double> initial_;            // parameters before training

  std::mutex control_;  // serializes train/pause/reset/stop (one joins at a time)
  mutable std::mutex m_;
  mutable std::atomic<int> readers_{0};  // readers waiting for m_
  mutable std::mutex gate_m_;            // with gate_cv_: the trainer waits for readers_ == 0
  mutable std::condition_variable gate_cv_;
  std::condition_variable cv_;
  std::thread thread_;
  Thread thread_state_ = Thread::none;
  std::atomic<bool> stop_{false};
  int epoch_ = 0;        // completed epochs
  int granted_ = 0;      // the thread may run epochs up to this one
  std::string failure_;  // "diverged" or "error" once fit() threw
  std::string message_;
  std::vector<EpochRecord> records_;
  std::vector<Snapshot> states_;  // ascending epochs; always the initial and the latest
  int stride_ = 1;                // states kept at epochs divisible by this (and the latest)
  std::size_t max_states_ = kMaxStates;
  int record_stride_ = 1;  // records kept at epochs divisible by this (and the latest)
  std::optional<std::vector<double>> final_;  // parameters fit() ended with when they differ
                                              // from the last epoch's (restore_best)
  int best_epoch_ = 0;
  bool stopped_early_ = false;
  bool converged_ = false;
};

}  // namespace annlab::web
