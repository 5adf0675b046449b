// lyapcert::lyapnd -- the vector two-layer saddle law vector(q, d, lr, k, sigma, batch=S, gamma=G): the i.i.d.
// product of A = [[c I_q, lr M], [lr M^T, c I_d]], c = 1 - lr gamma, M = (1/S) sum_j y_j x_j^T
// (SIM-VEC-LIN-1, proofs/sim/vector.md). Proofs: LYAPND-VEC-1 .. LYAPND-VEC-13 (proofs/lyapnd/vector.md).
//
// What is certified (method "vector"):
//   q = d = 1     exactly the scalar two-layer model: Lambda = max(E log|c + lr h|, E log|c - lr h|),
//                 h ~ xy(k, sigma, batch=S), the exponents of `phase` (LYAPND-VEC-2); any digits.
//   q + d >= 3    the enclosure [L, U]:
//                 U = g(2)/2 = (1/2) log rho(E[A (x) A]) from the exact entry moments (LYAPND-VEC-3), every S;
//                 L = E log|det A| / (q + d) (LYAPND-VEC-4), certified for S = 1, q = 1 (d = 2, 3),
//                 sigma > 0, c != 0, by a Riemann enclosure over the direction of x of the xy kernel
//                 (LYAPND-VEC-5); for S = 1, q = d = 2 (sigma > 0, k != 0, c != 0) by a lower Riemann sum of the
//                 two-variable reduction LYAPND-VEC-7, -8; when that L does not decide and S = 1, d = 2,
//                 q = 1 or 2, sigma > 0, c > 0 (k != 0 for q = 2): L = a Poisson lower bound inf_v h(v) of
//                 LYAPND-VEC-9 through exact Gaussian moments and a branch and bound over the quotient
//                 (LYAPND-VEC-10 .. -13, lyapnd/internal/vector_moments); otherwise L = -inf (only the upper bound).
#pragma once
#include <chrono>
#include <optional>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/second_moment.hpp"

namespace lyapcert::lyapnd {

// Exact first and second entry moments of the vector law's multiplier A (Isserlis). Guarantee: exact.
// Proof: LYAPND-VEC-3.
EntryMoments vector_entry_moments(const laws::VectorSaddle& v);

// Certified lower bound E log|det A| / (q + d) <= Lambda for S = 1, q = 1, d in {2, 3}, sigma > 0, c != 0,
// with `pieces` pieces of the direction of x (more pieces: narrower). nullopt when the hypotheses fail.
// The ball contains E log|det A| / (q + d) (a non-finite ball when a piece could not be certified or the
// time budget of the calling thread's StopScope ran out). Proof: LYAPND-VEC-4, LYAPND-VEC-5.
std::optional<exact::Ball> vector_det_lower(const laws::VectorSaddle& v, int pieces, slong prec);

// Certified lower bound of E log|det A| / 4 <= Lambda for q = d = 2, S = 1, sigma > 0, k != 0, c != 0, from a
// lower Riemann sum over n x n boxes of equal probability of the two chi-square variables of LYAPND-VEC-7 (more
// boxes: closer to E log|det A| / 4, from below). Returns a point ball at the lower bound (a non-finite ball when a
// box could not be bounded or the calling thread's StopScope stopped it); nullopt when the hypotheses fail.
// Proof: LYAPND-VEC-4, LYAPND-VEC-7, LYAPND-VEC-8.
std::optional<exact::Ball> vector_det_lower_22(const laws::VectorSaddle& v, int n, slong prec);

// The method "vector" (see above). Same contract as certify_lyapnd: the enclosure contains Lambda; the sign is
// positive only when the certified lower bound is > 0, negative only when the certified upper bound is < 0.
Result run_vector(const laws::MatrixLaw& law, const Options& opt, std::chrono::steady_clock::time_point deadline);

}  // namespace lyapcert::lyapnd
