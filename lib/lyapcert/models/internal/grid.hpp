// Internal to lyapcert::models (not part of the public API; included by the module's .cpp files only).
// Shared machinery of the phase-diagram sweeps (two-layer and diagonal models): the parallel loop over
// grid points and the setting of the second axis. Deterministic: each point's result depends only on
// its index, never on the thread that computed it.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/exact/rational.hpp"

namespace lyapcert::models {

// Evaluates eval(idx) for idx = 0 .. total-1 with core::parallel_for on `jobs` threads; eval returns whether the
// point is done (false: the time budget ended before it had an enclosure). No new point starts after *cancel or
// core::stop_requested(); progress(done, total) after each point, serialised. Returns the number of points done.
// The interrupt throws core::Interrupted("interrupted after N of M grid points"). With encode/decode (the exact
// bytes of point idx) the sweep goes through the calling thread's distributor (core::distributed_for: MPI ranks,
// a journal), named `name`.
std::size_t sweep_grid(std::size_t total, int jobs, const std::atomic<bool>* cancel,
                       const std::function<void(std::size_t, std::size_t)>& progress,
                       const std::function<bool(std::size_t)>& eval, const std::string& name = {},
                       const std::function<void(std::size_t, core::ItemWriter&)>& encode = {},
                       const std::function<void(std::size_t, core::ItemReader&)>& decode = {});

// Sets the quantity a value y of the sigma axis (sigma^2 = y^2, y >= 0) or the batch axis (S = y, a
// positive integer) stands for. InputError for a negative sigma.
void set_sigma_or_batch(bool batch_axis, const exact::Rational& y, exact::Rational& sigma2, std::uint64_t& batch);

}  // namespace lyapcert::models
