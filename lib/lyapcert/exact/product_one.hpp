// lyapcert::exact::product_of_powers_is_one -- exact decision of prod_j (|N_j|/M_j)^(e_j) == 1.
//
// This is the exact zero test of a finite-law Lyapunov exponent: with r_j = N_j/M_j and
// p_j = a_j/D, Lambda = sum_j p_j log|r_j| = 0 iff prod_j |r_j|^(a_j) = 1 (Proof: LYAP1D-ZERO-1).
#pragma once
#include <cstddef>
#include <span>

#include "lyapcert/exact/fmpz.hpp"

namespace lyapcert::exact {

// Three-valued answer of an exact decision: `unknown` only when a budget ran out.
enum class Tri { yes, no, unknown };

// Limits of the coprime-base stage (the modular "no" certificates always run to completion).
struct ProductOneBudget {
  std::size_t max_base = 200000;  // most coprime-base elements held at once
  double max_seconds = 10;        // wall-clock limit of the coprime-base stage
};

// Decides whether prod_j (|num[j]| / den[j])^(exps[j]) equals 1. Exponents may be any integers
// (huge or negative; 0 contributes nothing); the empty product is 1.
// Guarantee: `yes` and `no` are exact (proved) answers; `unknown` is returned only when the budget
// is exceeded. First a few primes p not dividing any value give fast "no" certificates
// (Proof: LYAP1D-ZERO-1b); "yes" needs a coprime base of all values (Proof: LYAP1D-ZERO-1a).
// Throws InputError when the spans differ in length, some num[j] == 0 or some den[j] <= 0.
Tri product_of_powers_is_one(std::span<const Fmpz> num, std::span<const Fmpz> den,
                             std::span<const Fmpz> exps, const ProductOneBudget& budget = {});

}  // namespace lyapcert::exact
