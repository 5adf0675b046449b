// Internal to lyapcert::lyapnd (included by cycle.cpp and cycle_nd.cpp only): the last step of a cycle expansion,
// shared by d = 2 (proofs/lyapnd/cycle.md) and d = 3, 4 (proofs/lyapnd/cycle_nd.md). The walk over the necklaces
// differs (a disc or a polydisc, 2x2 or d x d products); what it produces is the same: for each length m the
// weighted trace sums W^m tau_m and W^m tau'_m (W the common denominator of the probabilities), from which
// Newton's identities give the coefficients of the Fredholm determinant and the truncated ratios enclose Lambda.
#pragma once

#include <cstdint>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/lyapnd/cycle.hpp"

namespace lyapcert::lyapnd::detail {

// tau_w[m], taud_w[m] (m = 1..N; index 0 unused) are W^m tau_m, W^m tau'_m. Returns c_n (n = 0..N) by Newton's
// identities n c_n = -sum_{m=1}^n tau_m c_{n-m}, n c_n' = -sum (tau_m' c_{n-m} + tau_m c_{n-m}'), and for each n the
// enclosure (T_n +- tail_t[n]) / (Z_n +- tail_z[n]) + shift, Z_n = sum_{j<=n} j c_j, T_n = sum_{j<=n} c_j'
// (indeterminate when the denominator ball contains 0), plus the same without the tails (rounding only).
// Proof: LYAPND-CYCLE-2 (c), -5, -6 (d = 2); LYAPND-CYCND-2 (c), (d), -5, -6 (d = 3, 4).
CycleLevels cycle_levels_from_sums(const std::vector<exact::Ball>& tau_w, const std::vector<exact::Ball>& taud_w,
                                   const exact::Integer& W, const CycleBounds& bounds, const exact::Ball& shift,
                                   int N, slong prec, std::uint64_t necklaces);

// The levels of a walk that met a contradiction (which the certificates exclude): every enclosure indeterminate,
// so that no number is ever reported.
CycleLevels indeterminate_cycle_levels(int N, std::uint64_t necklaces);

}  // namespace lyapcert::lyapnd::detail
