// The worker pool: every task runs once, on its thread, run after run, whether the threads
// were watching or asleep; ANNLAB_THREADS.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "annlab/core/parallel.hpp"

namespace {
using namespace annlab;

TEST(Parallel, EveryTaskRunsOnceOnItsThread) {
  for (const int threads : {1, 2, 3}) {
    WorkerPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int run = 0; run < 200; ++run) {
      const int tasks = 1 + run % 5;
      std::vector<int> count(std::size_t(tasks), 0);
      std::vector<std::thread::id> who{std::size_t(tasks)};
      pool.run(tasks, [&](int i) {
        ++count[std::size_t(i)];
        who[std::size_t(i)] = std::this_thread::get_id();
      });
      for (int i = 0; i < tasks; ++i) {
        EXPECT_EQ(count[std::size_t(i)], 1);
        const bool caller = who[std::size_t(i)] == std::this_thread::get_id();
        EXPECT_EQ(caller, i % threads == 0) << "task " << i << " of " << tasks;
      }
    }
  }
}

// Both ways to wait (parallel.cpp): a worker watches for a new run for 50 µs, then sleeps;
// the caller watches for the workers' shares, then sleeps. Runs spaced by more than that
// (workers asleep), and worker tasks longer than that (the caller asleep), in every mix: no
// run is lost and none is run twice.
TEST(Parallel, RunsAfterSleepingAndLongTasksAreNeitherLostNorRepeated) {
  using namespace std::chrono_literals;
  for (const int threads : {2, 3}) {
    WorkerPool pool(threads);
    for (int run = 0; run < 60; ++run) {
      const bool idle_before = run % 3 == 0, long_worker = run % 4 == 1;
      if (idle_before) std::this_thread::sleep_for(200us);
      std::atomic<int> count[3] = {0, 0, 0};
      pool.run(threads, [&](int i) {
        if (long_worker && i != 0) std::this_thread::sleep_for(150us);
        count[std::size_t(i)].fetch_add(1);
      });
      for (int i = 0; i < threads; ++i)
        ASSERT_EQ(count[std::size_t(i)].load(), 1) << "run " << run << ", task " << i;
    }
  }
}

// wake() (a heads-up before serial work): with the workers watching, asleep, or woken and
// already asleep again, and on a pool with no worker; runs that follow at any distance
// still run every task once, and a pool that was woken and never used shuts down.
TEST(Parallel, WakeBeforeARunLosesNothing) {
  using namespace std::chrono_literals;
  for (const int threads : {1, 2, 3}) {
    WorkerPool pool(threads);
    for (int run = 0; run < 60; ++run) {
      if (run % 3 == 0) std::this_thread::sleep_for(200us);  // workers asleep
      pool.wake();
      if (run % 4 == 1) std::this_thread::sleep_for(100us);  // serial work after the wake
      if (run % 5 == 2) std::this_thread::sleep_for(600us);  // longer than woken workers watch
      if (run % 7 == 3) pool.wake();                         // twice
      std::atomic<int> count[3] = {0, 0, 0};
      pool.run(threads, [&](int i) { count[std::size_t(i)].fetch_add(1); });
      for (int i = 0; i < threads; ++i)
        ASSERT_EQ(count[std::size_t(i)].load(), 1) << threads << " threads, run " << run;
    }
  }
  WorkerPool idle(2);
  idle.wake();
}

// A woken worker sleeps again when no run comes, and wake() on a pool that ran nothing since
// the last wake() does nothing: a fit whose pool is never used keeps its workers asleep.
TEST(Parallel, WokenWorkersSleepAgainAndAnUnusedPoolStaysAsleep) {
  using namespace std::chrono_literals;
  WorkerPool pool(3);
  const auto all_asleep_within = [&](std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (pool.sleeping() != 2 && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(100us);
    return pool.sleeping() == 2;
  };
  ASSERT_TRUE(all_asleep_within(2000ms));  // after their first watch
  pool.wake();                             // no run yet: woken once, for 250 µs
  std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(all_asleep_within(2000ms));
  for (int i = 0; i < 5; ++i) {
    pool.wake();                         // still no run since the last wake(): nothing happens
    std::this_thread::sleep_for(100us);  // (a woken worker would be up by now)
    EXPECT_EQ(pool.sleeping(), 2);
  }
  std::atomic<int> count{0};
  pool.run(3, [&](int) { count.fetch_add(1); });
  EXPECT_EQ(count.load(), 3);
  pool.wake();  // a run came: the workers watch, then sleep again
  std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(all_asleep_within(2000ms));
  WorkerPool single(1);
  single.wake();
  EXPECT_EQ(single.sleeping(), 0);
}

TEST(Parallel, ForHalvesCoversTheRangeOnce) {
  WorkerPool pool(2);
  for (const long n : {0L, 1L, 31L, 32L, 33L, 1000L, 100000L}) {
    std::vector<int> hit(std::size_t(n), 0);
    for_halves(&pool, n, 32, [&](long b, long c) {
      for (long i = b; i < b + c; ++i) ++hit[std::size_t(i)];
    });
    for (const int h : hit) EXPECT_EQ(h, 1) << n;
  }
}

TEST(Parallel, DefaultThreadsFromTheEnvironment) {
  ::unsetenv("ANNLAB_THREADS");
  EXPECT_EQ(default_threads(), 1);
  ::setenv("ANNLAB_THREADS", "2", 1);
  EXPECT_EQ(default_threads(), 2);
  for (const char* bad : {"0", "-1", "two", "2x", ""}) {
    ::setenv("ANNLAB_THREADS", bad, 1);
    EXPECT_EQ(default_threads(), 1) << bad;
  }
  ::unsetenv("ANNLAB_THREADS");
}

}  // namespace
