// The worker pool (parallel.hpp): a generation counter that every run bumps. A worker that
// has finished its share watches the counter for a short while (kSpin, a bounded spin with
// the pause instruction), then sleeps on `start`; the caller likewise watches `pending` for
// its workers' shares, then sleeps on `done`. On this project's virtual machines a futex
// wake-up takes about 30 µs (a run's round trip about 60 µs, measured with 2 threads), as
// long as a whole mini-batch of a mid-sized network: without the short watch, a second
// thread could never pay for itself there. After kSpin without work the threads sleep, so
// an idle pool costs no CPU and does not compete with another library's threads.
//
// Lost wake-ups: a sleeper announces itself (sleepers / caller_sleeps, under the mutex) and
// checks the counter again before waiting; the waker changes the counter, then reads the
// announcement (both sequentially consistent), so at least one of the two sees the other.
#include "annlab/core/parallel.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace annlab {

int default_threads() {
  const char* v = std::getenv("ANNLAB_THREADS");
  if (!v) return 1;
  int n = 0;
  const char* end = v + std::strlen(v);
  const auto [p, ec] = std::from_chars(v, end, n);
  return ec == std::errc() && p == end && n >= 1 ? n : 1;
}

namespace {

// How long an idle thread watches for work before it sleeps; after wake() (a run is coming
// once the caller's serial work is done), longer: fit's epoch end takes 60-80 µs on digits.
constexpr std::chrono::microseconds kSpin{50}, kWokenSpin{250};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until ready() or `spin` has passed; returns ready()'s last answer.
template <class Ready>
bool watch(Ready&& ready, std::chrono::microseconds spin = kSpin) {
  const auto deadline = std::chrono::steady_clock::now() + spin;
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

void run_share(int thread, int threads, int tasks, void (*call)(const void*, int),
               const void* context) {
  for (int i = thread; i < tasks; i += threads) call(context, i);
}

}  // namespace

struct WorkerPool::State {
  std::mutex mutex, serial;  // `serial`: one run at a time
  std::condition_variable start, done;
  std::atomic<long> generation{0};  // bumped by every run (and by the destructor)
  std::atomic<int> pending{0};      // worker shares of the current run not yet finished
  std::atomic<int> sleepers{0};     // workers asleep on `start` (or about to be)
  std::atomic<bool> caller_sleeps{false};
  std::atomic<long> alarms{0};     // bumped by wake(): sleepers get up and watch again
  std::atomic<long> woken_at{-1};  // the generation of the last wake()
  bool quit = false;               // read after a generation change
  // The current run, written before `generation` is bumped, read after it changed.
  int tasks = 0;
  void (*call)(const void*, int) = nullptr;
  const void* context = nullptr;
  std::vector<std::thread> workers;
};

WorkerPool::WorkerPool(int threads) : threads_(threads < 1 ? 1 : threads), state_(new State) {
  State& s = *state_;
  for (int t = 1; t < threads_; ++t)
    s.workers.emplace_back([&s, t, n = threads_] {
      long seen = 0, alarm_seen = 0;
      std::chrono::microseconds spin = kSpin;
      for (;;) {
        const auto changed = [&] { return s.generation.load() != seen; };
        const auto alarmed = [&] { return s.alarms.load() != alarm_seen; };
        if (!watch(changed, spin)) {
          if (!alarmed()) {  // no wake() while watching: sleep until a run or a wake()
            std::unique_lock<std::mutex> lock(s.mutex);
            s.sleepers.fetch_add(1);
            s.start.wait(lock, [&] { return changed() || alarmed(); });
            s.sleepers.fetch_sub(1);
          }
          if (!changed()) {  // a wake(): a run is coming, watch for it
            alarm_seen = s.alarms.load();
            spin = kWokenSpin;
            continue;
          }
        }
        spin = kSpin;
        alarm_seen = s.alarms.load();  // a wake() before this run was for this run
        seen = s.generation.load();
        if (s.quit) return;
        run_share(t, n, s.tasks, s.call, s.context);
        if (s.pending.fetch_sub(1) == 1 && s.caller_sleeps.load()) {
          std::lock_guard<std::mutex> lock(s.mutex);  // the caller is waiting, or about to
          s.done.notify_one();
        }
      }
    });
}

WorkerPool::~WorkerPool() {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.quit = true;
    s.generation.fetch_add(1);
  }
  s.start.notify_all();
  for (std::thread& w : s.workers) w.join();
}

int WorkerPool::sleeping() const {
  return state_->sleepers.load();
}

void WorkerPool::wake() {
  if (threads_ == 1) return;
  State& s = *state_;
  // No run since the last wake(): the pool is not in use (a fit whose batches are too
  // small to cut), so its workers may sleep.
  const long g = s.generation.load();
  if (s.woken_at.exchange(g) == g) return;
  s.alarms.fetch_add(1);  // seen by a watching worker when its watch ends
  if (s.sleepers.load() > 0) {
    std::lock_guard<std::mutex> lock(s.mutex);  // a sleeper is waiting, or about to
    s.start.notify_all();
  }
}

void WorkerPool::run_impl(int tasks, void (*call)(const void*, int), const void* context) {
  if (threads_ == 1 || tasks <= 1) {
    run_share(0, 1, tasks, call, context);
    return;
  }
  State& s = *state_;
  std::lock_guard<std::mutex> serial(s.serial);
  s.tasks = tasks;
  s.call = call;
  s.context = context;
  s.pending.store(threads_ - 1);
  s.generation.fetch_add(1);  // publishes the run (sequentially consistent)
  if (s.sleepers.load() > 0) {
    std::lock_guard<std::mutex> lock(s.mutex);  // a sleeper is waiting, or about to
    s.start.notify_all();
  }
  run_share(0, threads_, tasks, call, context);
  const auto finished = [&] { return s.pending.load() == 0; };
  if (!watch(finished)) {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.caller_sleeps.store(true);
    s.done.wait(lock, finished);
    s.caller_sleeps.store(false);
  }
}

}  // namespace annlab
