// lyapcert::lyapnd working-memory estimates for the methods whose memory grows with the work
// (`--max-memory`): the enumeration upper bound (finite_family.hpp) and the cycle expansion
// (cycle.hpp). Both walk the words depth first, so one level / pass holds O(n) partial products,
// not k^n: the estimate is a function of the word length n, the bit sizes of the exact integer
// numerators (which grow linearly with n) and the working precision. Guarantee: an upper bound on
// the bytes the level allocates (heap blocks counted with allocator overhead and FLINT's
// over-allocation, stack frames included), not counting the process baseline. Proof: LYAPND-MEM-1.
#pragma once
#include <arb.h>

#include <cstdint>

#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd {

// Upper bound on the working memory of enumeration_bound(f, d, n, prec, ...). Proof: LYAPND-MEM-1.
std::uint64_t enumeration_memory_bytes(const laws::FiniteMatrices& f, int d, int n, slong prec);

// Upper bound on the working memory of one cycle-expansion pass over words of length <= n at
// working precision prec (cycle_levels), including the bound tables for lengths <= table_length
// (cycle_bounds at 64 bits; table_length >= n) and the k atoms. Proof: LYAPND-MEM-1.
std::uint64_t cycle_memory_bytes(const laws::FiniteMatrices& f, int n, slong prec, int table_length);

// MiB -> bytes (rounded down), for the budget check `estimate <= budget`.
std::uint64_t mib_to_bytes(double mib);

}  // namespace lyapcert::lyapnd
