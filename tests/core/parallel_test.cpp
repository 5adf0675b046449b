// core::parallel_for and the stop machinery (lib/lyapcert/core): deterministic placement for every thread count,
// stopping by flag / deadline / interrupt, the lowest failing index's exception, worker ids, Arb in workers.
#include <arb.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"

namespace lyapcert::core {
namespace {

// A value that depends on the index only (splitmix64), so placement errors show.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

TEST(ParallelFor, ResultIGoesToSlotIForEveryThreadCount) {
  const std::size_t n = 1000;
  std::vector<std::uint64_t> expect(n);
  for (std::size_t i = 0; i < n; ++i) expect[i] = mix(i);
  for (unsigned jobs : {1u, 2u, 3u, 8u, 64u, 0u}) {
    std::vector<std::uint64_t> got(n, 0);
    const ParallelResult r = parallel_for(n, jobs, [&](std::size_t i) { got[i] = mix(i); });
    EXPECT_EQ(r.done, n);
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(got, expect) << "jobs = " << jobs;
  }
}

TEST(ParallelFor, EmptyAndWorkerIds) {
  EXPECT_EQ(parallel_for(0, 4, [](std::size_t) { FAIL(); }).done, 0u);
  ParallelOptions o;
  o.jobs = 3;
  std::vector<unsigned> seen(300, 99);
  parallel_for(seen.size(), o, [&](std::size_t i, unsigned w) { seen[i] = w; });
  for (unsigned w : seen) EXPECT_LT(w, 3u);
  EXPECT_EQ(parallel_threads(2, 8), 2u);
  EXPECT_EQ(parallel_threads(0, 8), 1u);
  EXPECT_GE(parallel_threads(100, 0), 1u);
}

TEST(ParallelFor, OnDoneIsSerialisedAndCountsEveryItem) {
  ParallelOptions o;
  o.jobs = 4;
  std::size_t calls = 0, last = 0;
  bool in_call = false, overlap = false;
  o.on_done = [&](std::size_t done, std::size_t total) {
    if (in_call) overlap = true;
    in_call = true;
    ++calls;
    EXPECT_EQ(total, 200u);
    EXPECT_GT(done, last);
    last = done;
    in_call = false;
  };
  parallel_for(200, o, [](std::size_t, unsigned) {});
  EXPECT_EQ(calls, 200u);
  EXPECT_EQ(last, 200u);
  EXPECT_FALSE(overlap);
}

TEST(ParallelFor, CancelFlagStopsNewItems) {
  std::atomic<bool> cancel{false};
  ParallelOptions o;
  o.jobs = 2;
  o.cancel = &cancel;
  std::vector<int> hit(1000, 0);
  const ParallelResult r = parallel_for(hit.size(), o, [&](std::size_t i, unsigned) {
    hit[i] = 1;
    if (i == 10) cancel = true;
  });
  EXPECT_TRUE(r.stopped);
  EXPECT_LT(r.done, hit.size());
  std::size_t n = 0;
  for (int h : hit) n += h;
  EXPECT_EQ(n, r.done);
}

TEST(ParallelFor, DeadlineOfTheCallersScopeReachesTheWorkers) {
  const StopScope scope(StopToken::after_seconds(0.05));
  std::atomic<std::size_t> ran{0};
  const auto t0 = Clock::now();
  const ParallelResult r = parallel_for(100000, 2, [&](std::size_t) {
    ++ran;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("stopped after %zu of 100000 items, %.3f s\n", r.done, secs);
  EXPECT_TRUE(r.stopped);
  // Without the deadline reaching the workers all 100000 items would run (each sleeps 1 ms: at least 50 s on two
  // threads, far past the 0.05 s deadline on any machine); a count, not a duration, so no load can fail it.
  EXPECT_LT(r.done, 100000u);
  EXPECT_EQ(r.done, ran.load());
  EXPECT_TRUE(stop_requested());
  EXPECT_TRUE(scope_expired());
}

TEST(ParallelFor, WorkersSeeTheScope) {
  std::atomic<bool> flag{true};
  const StopScope scope(StopToken().with_flag(&flag));
  std::atomic<int> seen{0};
  // The flag is set: parallel_for starts nothing.
  const ParallelResult r = parallel_for(10, 2, [&](std::size_t) { ++seen; });
  EXPECT_EQ(r.done, 0u);
  EXPECT_TRUE(r.stopped);
  flag = false;
  ParallelOptions o;
  o.jobs = 4;
  std::atomic<int> stop_seen{0};
  parallel_for(40, o, [&](std::size_t, unsigned) { stop_seen += stop_requested() ? 1 : 0; });
  EXPECT_EQ(stop_seen.load(), 0);
}

TEST(ParallelFor, InterruptFlagStopsAndThrowIfInterrupted) {
  clear_interrupt();
  EXPECT_NO_THROW(throw_if_interrupted());
  const ParallelResult r = parallel_for(1000, 2, [&](std::size_t i) {
    if (i == 5) request_interrupt();
  });
  EXPECT_TRUE(r.stopped);
  EXPECT_LT(r.done, 1000u);
  EXPECT_TRUE(stop_requested());
  EXPECT_THROW(throw_if_interrupted("x"), Interrupted);
  clear_interrupt();
  EXPECT_FALSE(stop_requested());
}

TEST(ParallelFor, RethrowsTheLowestFailingIndex) {
  for (unsigned jobs : {1u, 2u, 4u}) {
    try {
      parallel_for(100, jobs, [](std::size_t i) {
        if (i == 7 || i == 8 || i == 50) throw std::runtime_error(std::to_string(i));
      });
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      // Item 7 is handed out before 8 and 50 and always runs: its exception is the one rethrown.
      EXPECT_STREQ(e.what(), "7") << "jobs = " << jobs;
    }
  }
}

TEST(StopToken, DeadlinesCombine) {
  const StopToken none;
  EXPECT_FALSE(none.has_deadline());
  EXPECT_FALSE(none.expired());
  EXPECT_TRUE(std::isinf(none.seconds_left()));
  EXPECT_FALSE(StopToken::after_seconds(1e12).has_deadline());
  const StopToken soon = StopToken::after_seconds(0);
  EXPECT_TRUE(soon.expired());
  const StopToken later = StopToken::after_seconds(100);
  EXPECT_FALSE(later.expired());
  EXPECT_TRUE(later.with_deadline(soon.deadline()).expired());
  EXPECT_FALSE(soon.with_deadline(later.deadline()).deadline() > soon.deadline());
  {
    const StopScope outer(soon);
    const StopScope inner(later);
    EXPECT_TRUE(scope_expired());  // the enclosing token stops inner code too
  }
  EXPECT_FALSE(scope_expired());
}

TEST(ParallelFor, ArbInWorkers) {
  // Each worker computes with Arb (per-thread caches, freed by flint_cleanup() when the worker ends); values are
  // the same as on the calling thread.
  std::vector<double> got(64), expect(64);
  auto val = [](std::size_t i) {
    arb_t x;
    arb_init(x);
    arb_const_pi(x, 64 + static_cast<slong>(i) * 64);
    arb_mul_ui(x, x, i + 1, 64);
    const double d = arf_get_d(arb_midref(x), ARF_RND_NEAR);
    arb_clear(x);
    return d;
  };
  for (std::size_t i = 0; i < got.size(); ++i) expect[i] = val(i);
  parallel_for(got.size(), 4, [&](std::size_t i) { got[i] = val(i); });
  EXPECT_EQ(got, expect);
}

}  // namespace
}  // namespace lyapcert::core
