// Shared machinery of the phase-diagram sweeps (two-layer and diagonal models): the setting of the second axis.
// The sweeps run their grid points with core::parallel_for (deterministic: each point's result depends only on
// its index, never on the thread that computed it).
#pragma once
#include <cstdint>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::models {

// Sets the quantity a value y of the sigma axis (sigma^2 = y^2, y >= 0) or the batch axis (S = y, a
// positive integer) stands for. InputError for a negative sigma.
void set_sigma_or_batch(bool batch_axis, const exact::Rational& y, exact::Rational& sigma2, std::uint64_t& batch);

}  // namespace lyapcert::models
