// lyapcert::lyapnd::internal -- the Poisson lower bound of LYAPND-VEC-9 for the vector law, evaluated through
// exact Gaussian moments of polynomials (LYAPND-VEC-10 .. -13, proofs/lyapnd/vector.md).
//
// For S = 1, d = 2, q in {1, 2}, sigma > 0, c = 1 - lr gamma > 0 (and k != 0 for q = 2),
//   h(v) = (1 - p) E log(|A v|/|v|) + (p/2) E log(Q(A v)/Q(v)) <= ... and inf_v h <= Lambda (LYAPND-VEC-9).
// With u = Q(A v)/Q(v) - 1 and w = |A v|^2/|v|^2 - 1 (polynomials in the Gaussian vector (x, eps) divided by
// Q(v), |v|^2), p >= 1, and any theta in (0, 1):
//   h(v) >= log c + (p/2) [E u - E u^2/2 + E u^3/3 - E u^4/(4 (1 - theta)) - tail(theta)]
//                 - ((p - 1)/2) [E w - E w^2/2 + E w^3/3]                           (LYAPND-VEC-10, -11)
// where the moments are exact Gaussian moments (LYAPND-VEC-12) and tail(theta) bounds the event u < -theta
// (LYAPND-VEC-11). The bound is evaluated over boxes of the two angles of the quotient (LYAPND-VEC-1 (c)) in
// outward-rounded interval arithmetic and the boxes are bisected until every box's lower bound is > 0
// (LYAPND-VEC-13). Q and p come from a binary64 search (a heuristic: any Q, p give a valid bound).
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd::internal {

// The invariant quadratic form and the power (LYAPND-VEC-9): q = 1, d = 2: Q = e e^T + a e3 e3^T + b I,
// e = (1, 1, 0)/sqrt 2, e3 = (0, 0, 1); q = d = 2: Q = P_+ + b I (a unused). Needs a >= 0, b > 0, p >= 1.
struct VecPoissonParams {
  double a = 0, b = 1, p = 1;
};

struct VecPoissonResult {
  bool certified = false;      // true: every box of the quotient has a lower bound > 0, and Lambda >= lower
  double lower = 0;            // the smallest box lower bound (a certified lower bound of Lambda when certified)
  VecPoissonParams params;     // the Q, p used
  double search_inf = 0;       // binary64 value of the bound minimised over the search's sampled directions
  std::size_t boxes = 0;       // boxes evaluated
  bool timed_out = false;      // the deadline (or the calling thread's StopScope) ended the branch and bound
  std::string note;            // why not certified, when not
};

// True when the hypotheses above hold (S = 1, d = 2, q in {1, 2}, sigma^2 > 0, c > 0, k != 0 for q = 2).
bool vec_poisson_applies(const laws::VectorSaddle& v);

// The quotient's direction for the two angles (LYAPND-VEC-1 (c)): q = 1: v = cos t e_b + sin t (cos f e +
// sin f e3), e_b = (1, -1, 0)/sqrt 2, (t, f) in [0, pi/2] x [0, pi]; q = 2: u = (cos al, 0),
// w = sin al (cos be, sin be), (al, be) in [0, pi/2] x [0, pi]. Binary64.
std::array<double, 4> vec_direction(int q, double a1, double a2);

// Certified enclosures, for one exact direction box (here: the interval hull of the binary64 vector `dir`,
// widened by `rad` in every coordinate), of E[u^j] (j = 1..4) and E[w^j] (j = 1..3); each pair is [lo, hi].
// For the tests (against a Monte Carlo of the same quantities). Proof: LYAPND-VEC-12.
struct VecMomentEnclosure {
  std::array<std::array<double, 2>, 5> u{};  // index j = 1..4
  std::array<std::array<double, 2>, 4> w{};  // index j = 1..3
};
VecMomentEnclosure vec_moment_enclosure(const laws::VectorSaddle& v, const VecPoissonParams& par,
                                        const std::array<double, 4>& dir, double rad = 0);

// The bound L_r >= ||(-log|1 - lr' R|)_+||_r (R = |x| |y|, lr' = lr/c) of LYAPND-VEC-11 (d), (e), r in {2, 4, 8, 12}
// (+inf for another r). For the tests.
double vec_tail_norm_bound(const laws::VectorSaddle& v, int r);

// Binary64 value of the lower bound above at one direction (the best theta, the tail included): what the search
// maximises and what the tests compare with a sampled minimum. Not certified.
double vec_poisson_bound_at(const laws::VectorSaddle& v, const VecPoissonParams& par, const std::array<double, 4>& dir);

// Certified lower bound of h over the box of angles [a1lo, a1hi] x [a2lo, a2hi] (-inf when no finite bound).
// Proof: LYAPND-VEC-10 .. -13.
double vec_poisson_box_lower(const laws::VectorSaddle& v, const VecPoissonParams& par, double a1lo, double a1hi,
                             double a2lo, double a2hi);

// The binary64 parameter search (a heuristic): a coarse scan, then a pattern search in (log a, log b, p).
// `extra`: further directions to include in the minimum.
VecPoissonParams vec_poisson_search(const laws::VectorSaddle& v, std::chrono::steady_clock::time_point deadline,
                                    double* best_inf = nullptr, const std::vector<std::array<double, 4>>& extra = {});

// Search, then the branch and bound over the quotient with the chosen parameters, until `deadline` (and the
// calling thread's StopScope). Proof: LYAPND-VEC-9 .. -13.
VecPoissonResult vec_poisson_lower(const laws::VectorSaddle& v, std::chrono::steady_clock::time_point deadline);
// The branch and bound alone, with given parameters.
// `failed_at`: the angles of the centre of the box that failed, when one did.
VecPoissonResult vec_poisson_certify(const laws::VectorSaddle& v, const VecPoissonParams& par,
                                     std::chrono::steady_clock::time_point deadline,
                                     std::array<double, 2>* failed_at = nullptr);

}  // namespace lyapcert::lyapnd::internal
