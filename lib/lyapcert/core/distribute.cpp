#include "lyapcert/core/distribute.hpp"

#include <atomic>
#include <mutex>

namespace lyapcert::core {
namespace {
thread_local Distributor* t_distributor = nullptr;
}

DistributeScope::DistributeScope(Distributor* d) noexcept : saved_(t_distributor) { t_distributor = d; }
DistributeScope::~DistributeScope() { t_distributor = saved_; }

Distributor* current_distributor() noexcept { return t_distributor; }

ParallelResult distributed_for(const SweepItems& items, const ParallelOptions& opt) {
  if (Distributor* d = t_distributor) {
    // Items run partly on this thread: a sweep started inside one stays an ordinary parallel_for.
    const DistributeScope none(nullptr);
    return d->run(items, opt);
  }
  std::atomic<std::size_t> done{0};
  std::mutex mu;
  ParallelResult r = parallel_for(items.n, opt, [&](std::size_t i, unsigned w) {
    if (items.already_done && items.already_done(i)) {
      ++done;
    } else if (items.compute(i, w)) {
      ++done;
      if (items.on_result) {
        const std::lock_guard<std::mutex> lock(mu);
        items.on_result(i);
      }
    }
  });
  r.done = done.load();
  return r;
}

}  // namespace lyapcert::core
