// The library's one thread pool: parallel_for over the indices 0 .. n-1.
//
// * Deterministic placement: fn(i, worker) must write only what belongs to item i (slot i of a vector sized
//   beforehand), so results never depend on the thread count or on which thread took which item. Items are
//   handed out in increasing index order.
// * FLINT/Arb: every worker thread it starts calls flint_cleanup() before it ends (FLINT's per-thread caches).
// * Stopping: no new item starts once core::stop_requested() is true (the interrupt flag, or a token of the
//   caller's StopScope, which the workers inherit) or *opt.cancel is set; items already running finish (long
//   items check stop_requested() themselves). The result says how many items were done.
// * Exceptions: the first one stops new items; after every worker has ended, the exception of the lowest failing
//   index is rethrown.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>

namespace lyapcert::core {

struct ParallelOptions {
  // Threads, the calling thread included (it is worker 0); 0 = std::thread::hardware_concurrency(). Never more
  // threads than items; jobs = 1 runs every item on the calling thread.
  unsigned jobs = 1;
  // A caller's stop flag besides stop_requested() (e.g. set by an item that wants the sweep to end).
  const std::atomic<bool>* cancel = nullptr;
  // Called after each finished item with (items done so far, n), serialised (one call at a time).
  std::function<void(std::size_t done, std::size_t total)> on_done;
};

struct ParallelResult {
  std::size_t done = 0;   // items that finished
  bool stopped = false;   // a stop or the cancel flag ended the loop before every item was done
};

// Runs fn(i, worker) for i = 0 .. n-1 on up to opt.jobs threads; worker in [0, threads) names the thread (for
// per-thread scratch state; the item-to-worker assignment is not deterministic, so results must not depend on it).
ParallelResult parallel_for(std::size_t n, const ParallelOptions& opt,
                            const std::function<void(std::size_t i, unsigned worker)>& fn);

// The same with fn(i) and `jobs` threads.
inline ParallelResult parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t i)>& fn) {
  ParallelOptions o;
  o.jobs = jobs;
  return parallel_for(n, o, [&fn](std::size_t i, unsigned) { fn(i); });
}

// Threads that parallel_for(n, {jobs}) would use: min(jobs or hardware_concurrency(), n), at least 1.
unsigned parallel_threads(std::size_t n, unsigned jobs);

}  // namespace lyapcert::core
