// lyapcert::laws::minibatch_law -- the exact law of a minibatch mean.
#pragma once
#include <cstdint>
#include <span>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/finite_law.hpp"

namespace lyapcert::laws {

// Limits that keep the construction bounded in memory and time. Both are checked before any
// enumeration, against proved upper bounds (Proof: LAW-MINIBATCH-1). Measured cost (docs/performance.md): about
// 0.15 us of CPU per atom of the result (10^7 atoms: 1.5 s) and 2-3 ns per counted DP step, so max_steps = 2.5e8
// is at most about 0.7 s (it was 10^9, up to 3 s).
struct MinibatchLimits {
  std::uint64_t max_atoms = 10'000'000;   // most atoms of the resulting law
  std::uint64_t max_steps = 250'000'000;  // most elementary DP updates (weighted by count size and path)
};

// The law of h_B = (1/S) sum_{j in B} d_j for a minibatch B of S = `batch` draws from the N values
// `data` (equal values are distinct data points). replace = true: S ordered i.i.d. uniform draws
// (probability of a sum = #ordered tuples / N^S); replace = false: a uniformly random S-subset of the
// N points (#subsets / C(N, S)).
// Guarantee: exact. Atoms are the distinct values of h_B in increasing order, each once; all atoms
// share the value denominator S * L (L = lcm of the data denominators; fractions are not reduced);
// weight_den() is N^S (with replacement) or C(N, S) (without), except that equal data give the
// single atom d_1 with weight 1/1. No ordered tuple is enumerated: a
// (count, sum) dynamic programme over the distinct data values (Proof: LAW-MINIBATCH-1).
// Throws InputError on an empty dataset, S = 0, S > N without replacement, or when the proved bound
// on the number of atoms (or on the DP work) exceeds the limits (the message gives the bound).
FiniteLaw minibatch_law(std::span<const exact::Rational> data, std::uint64_t batch, bool replace,
                        const MinibatchLimits& limits = {});

}  // namespace lyapcert::laws
