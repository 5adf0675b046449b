// Internal to lyapcert::models (not part of the public API; included by the module's .cpp files only).
// Shared machinery of the phase-diagram sweeps (two-layer and diagonal models): the parallel loop over
// grid points and the setting of the second axis. Deterministic: each point's result depends only on
// its index, never on the thread that computed it.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::models {

// Evaluates eval(idx) for idx = 0 .. total-1 with `jobs` threads (the calling thread is one of them),
// stopping early when *cancel becomes true (points not started stay undone). progress(done, total) is
// called after each point, serialised. Returns the number of points evaluated.
inline std::size_t run_grid(std::size_t total, int jobs, const std::atomic<bool>* cancel,
                            const std::function<void(std::size_t)>& eval,
                            const std::function<void(std::size_t, std::size_t)>& progress) {
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  auto worker = [&] {
    while (true) {
      if (cancel && cancel->load()) return;
      const std::size_t idx = next.fetch_add(1);
      if (idx >= total) return;
      eval(idx);
      const std::size_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(d, total);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, jobs); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return done.load();
}

// Sets the quantity a value y of the sigma axis (sigma^2 = y^2, y >= 0) or the batch axis (S = y, a
// positive integer) stands for. InputError for a negative sigma.
void set_sigma_or_batch(bool batch_axis, const exact::Rational& y, exact::Rational& sigma2, std::uint64_t& batch);

}  // namespace lyapcert::models
