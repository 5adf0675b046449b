#include "lyapcert/core/parallel.hpp"

#include <flint/flint.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "lyapcert/core/stop.hpp"

namespace lyapcert::core {

unsigned parallel_threads(std::size_t n, unsigned jobs) {
  unsigned t = jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
  t = static_cast<unsigned>(std::min<std::size_t>(t, std::max<std::size_t>(n, 1)));
  return std::max(1u, t);
}

ParallelResult parallel_for(std::size_t n, const ParallelOptions& opt,
                            const std::function<void(std::size_t, unsigned)>& fn) {
  ParallelResult res;
  if (n == 0) return res;
  const unsigned threads = parallel_threads(n, opt.jobs);
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> failed{false}, stopped{false};
  std::mutex mu;  // on_done calls and the recorded exception
  std::exception_ptr error;
  std::size_t error_index = std::numeric_limits<std::size_t>::max();
  const ScopeHandoff scopes;
  auto work = [&](unsigned worker) {
    for (;;) {
      if (failed.load()) return;
      if (stop_requested() || (opt.cancel && opt.cancel->load())) {
        stopped.store(true);
        return;
      }
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < error_index) {
          error_index = i;
          error = std::current_exception();
        }
        failed.store(true);
        return;
      }
      if (opt.on_done) {
        // The count is taken under the lock: taken before it, a worker preempted between its increment and the
        // lock could report 21 after another reported 33 (seen once under load), and progress went backwards.
        std::lock_guard<std::mutex> lock(mu);
        opt.on_done(++done, n);
      } else {
        ++done;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned w = 1; w < threads; ++w) {
    pool.emplace_back([&, w] {
      {
        const ScopeHandoff::Adopted adopted(scopes);
        work(w);
      }
      flint_cleanup();  // this thread's FLINT/Arb caches
    });
  }
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  res.done = done.load();
  res.stopped = res.done < n && stopped.load();
  return res;
}

}  // namespace lyapcert::core
