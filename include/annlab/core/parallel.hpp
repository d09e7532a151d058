// Threads for the engine: a fixed pool that runs a few tasks at once and sleeps in between.
//
// Results never depend on the thread count: work is cut into the same parts whatever the
// number of threads (fit's batches into two fixed row halves, trainer.cpp; large products
// into two fixed column halves, propagate.cpp), the parts write disjoint outputs, and every
// reduction adds in a fixed order. More threads only run the parts at the same time.
//
// Between runs a worker watches for the next one for at most 50 µs (a bounded spin with the
// pause instruction: a futex wake-up costs about 30 µs on the project's virtual machines),
// or 250 µs after wake(), then sleeps on a condition variable: an idle pool costs no CPU,
// and a pool beside another library's threads does not starve them (parallel.cpp).
#pragma once
#include <exception>
#include <memory>
#include <type_traits>

namespace annlab {

// ANNLAB_THREADS from the environment (an integer >= 1), else 1. A value that is not a
// positive integer is ignored (1).
int default_threads();

class WorkerPool {
 public:
  // `threads` >= 1 in all, the calling thread included (threads - 1 workers are started).
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return threads_; }

  // Runs task(0) .. task(tasks - 1) and returns when all are done. Task i runs on thread
  // i % threads (thread 0 is the caller). One run at a time per pool (calls are
  // serialized); a task must not call run on the same pool, nor throw. Allocates nothing.
  template <class F>
  void run(int tasks, F&& task) {
    using Task = std::remove_reference_t<F>;
    run_impl(
        tasks, [](const void* f, int i) { (*static_cast<Task*>(const_cast<void*>(f)))(i); },
        static_cast<const void*>(&task));
  }

  // A heads-up that a run is coming after some serial work of the caller's: the workers
  // watch for it for up to 250 µs (a sleeping one gets up now; a watching one watches that
  // much longer), so that the run finds them awake instead of paying for a wake-up then
  // (fit calls it as each epoch ends). Does nothing when no run came since the last
  // wake(): a pool that is not being used stays asleep. A worker that sees no run in that
  // time sleeps again.
  void wake();
  // Workers asleep on their condition variable now (for tests and diagnostics).
  int sleeping() const;

 private:
  void run_impl(int tasks, void (*call)(const void*, int), const void* context);
  struct State;
  int threads_;
  std::unique_ptr<State> state_;
};

// Runs part(0) and part(1), at once when `pool` has two or more threads, else one after the
// other. Unlike a pool task, a part may throw: its exception is kept and rethrown (part 0's
// first) once both parts are done.
template <class F>
void run_two(WorkerPool* pool, F&& part) {
  std::exception_ptr failed[2];
  const auto task = [&](int i) {
    try {
      part(i);
    } catch (...) {
      failed[i] = std::current_exception();
    }
  };
  if (pool && pool->threads() >= 2)
    pool->run(2, task);
  else
    task(0), task(1);
  for (const std::exception_ptr& e : failed)
    if (e) std::rethrow_exception(e);
}

// Element-wise work on [0, n): part(0, n) on the calling thread, or, when `pool` has two or
// more threads and n >= min_split, part(0, h) and part(h, n - h) at once (h = n/2 rounded to
// 64 bytes of floats). Only for work whose every element is computed alone (the cut cannot
// change a result).
template <class F>
void for_halves(WorkerPool* pool, long n, long min_split, F&& part) {
  if (!pool || pool->threads() < 2 || n < min_split || n < 32) return part(0L, n);
  const long h = (n / 2 + 15) / 16 * 16;
  pool->run(2, [&](int i) { i == 0 ? part(0L, h) : part(h, n - h); });
}

}  // namespace annlab
