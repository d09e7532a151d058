// The worker pool (parallel.hpp): one generation counter under a mutex; workers sleep on
// `start` until it changes, the caller sleeps on `done` until the last task has finished.
#include "annlab/core/parallel.hpp"

#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace annlab {

int default_threads() {
  const char* v = std::getenv("ANNLAB_THREADS");
  if (!v) return 1;
  int n = 0;
  const char* end = v + std::strlen(v);
  const auto [p, ec] = std::from_chars(v, end, n);
  return ec == std::errc() && p == end && n >= 1 ? n : 1;
}

struct WorkerPool::State {
  std::mutex mutex, serial;  // `serial`: one run at a time
  std::condition_variable start, done;
  long generation = 0;  // bumped by every run
  int tasks = 0, pending = 0;
  bool quit = false;
  void (*call)(const void*, int) = nullptr;
  const void* context = nullptr;
  std::vector<std::thread> workers;
};

namespace {
void run_share(int thread, int threads, int tasks, void (*call)(const void*, int),
               const void* context) {
  for (int i = thread; i < tasks; i += threads) call(context, i);
}
}  // namespace

WorkerPool::WorkerPool(int threads) : threads_(threads < 1 ? 1 : threads), state_(new State) {
  State& s = *state_;
  for (int t = 1; t < threads_; ++t)
    s.workers.emplace_back([&s, t, n = threads_] {
      long seen = 0;
      for (;;) {
        std::unique_lock<std::mutex> lock(s.mutex);
        s.start.wait(lock, [&] { return s.quit || s.generation != seen; });
        if (s.quit) return;
        seen = s.generation;
        const int tasks = s.tasks;
        void (*call)(const void*, int) = s.call;
        const void* context = s.context;
        lock.unlock();
        run_share(t, n, tasks, call, context);
        lock.lock();
        if (--s.pending == 0) s.done.notify_one();
      }
    });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->quit = true;
  }
  state_->start.notify_all();
  for (std::thread& w : state_->workers) w.join();
}

void WorkerPool::run_impl(int tasks, void (*call)(const void*, int), const void* context) {
  if (threads_ == 1 || tasks <= 1) {
    run_share(0, 1, tasks, call, context);
    return;
  }
  State& s = *state_;
  std::lock_guard<std::mutex> serial(s.serial);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.tasks = tasks;
    s.call = call;
    s.context = context;
    s.pending = threads_ - 1;
    ++s.generation;
  }
  s.start.notify_all();
  run_share(0, threads_, tasks, call, context);
  std::unique_lock<std::mutex> lock(s.mutex);
  s.done.wait(lock, [&] { return s.pending == 0; });
}

}  // namespace annlab
