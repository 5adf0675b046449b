// lyapcert::lyapnd elementary two-sided bounds for finite families, intersected with every enclosure
// certify_lyapnd returns (proofs/lyapnd/reducible.md):
//   E log|det A| / d  <=  Lambda  <=  (1/n) E log ||A_n ... A_1||_F   (every n >= 1)
// The lower bound is LYAPND-ELEM-1 (the sum of the exponents is E log|det A| and the top one is at least
// their average); it is -inf, and not used, when an atom of positive probability is singular. The upper
// bound is LYAPND-ENUM-1 at the word lengths n whose k^n products fit a small fixed budget.
#pragma once
#include <arb.h>

#include <chrono>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

struct ElementaryBounds {
  bool has_lower = false;       // every atom of positive probability is invertible
  exact::Ball det_mean;         // encloses E log|det A| / d (has_lower only)
  bool has_upper = false;       // some enumeration level finished
  bool minus_infinity = false;  // a product of positive probability is exactly 0: Lambda = -inf exactly
  exact::Ball upper;            // encloses U_n for the n with the smallest upper endpoint
  int n = 0;                    // that n
};

// The bounds at working precision prec, with enumeration levels n = 1, 2, ... while k^n <= max_products,
// the level's memory estimate fits opt.max_memory_mib (LYAPND-MEM-1) and the deadline has not passed.
// Guarantee: each ball encloses the stated quantity. Proof: LYAPND-ELEM-1, LYAPND-ENUM-1.
ElementaryBounds elementary_bounds(const laws::FiniteMatrices& f, int d, slong prec, const Options& opt,
                                   std::chrono::steady_clock::time_point deadline,
                                   std::uint64_t max_products = 1024);

// Replaces r's enclosure by its intersection with [lower, upper] of b (both rigorous, so the intersection
// contains Lambda and is never wider). Results that are exact (a proved value or -inf) and results without
// a finite enclosure are left as they are. An upper-bound-only result with a finite lower bound becomes
// two-sided (not converged unless the width is met). The sign and converged are recomputed; a note is
// appended to the message when an endpoint moved. An empty intersection contradicts two proofs and is
// a std::logic_error. Proof: LYAPND-ELEM-2.
void intersect_elementary(Result& r, const ElementaryBounds& b, const lyap::Accuracy& acc);

}  // namespace lyapcert::lyapnd
