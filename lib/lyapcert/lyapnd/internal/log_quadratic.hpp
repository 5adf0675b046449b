// lyapcert::lyapnd::internal -- the Gaussian mean of the logarithm of a non-negative quadratic, certified
// (LYAPND-VEC-14, proofs/lyapnd/vector.md), and the conditional mean E[log G(A v) | x] of the vector law for q = 1,
// d = 2, S = 1 (LYAPND-VEC-15).
//
// These are the inner integrals of the quadrature route to the Poisson lower bound of LYAPND-VEC-9: given x, A v is
// affine in the scalar noise eps, so log G(A v) is the log of a quadratic in eps, whose mean has the closed form
//   F(m, s) = E log((eps - m)^2 + s) = Re H(zeta) - pi Im erfc(zeta / sqrt 2),  zeta = m + i sqrt(s),
//   H(z) = -gamma_E - log 2 + z^2 2F2(1, 1; 3/2, 2; -z^2/2).
// Unlike the polynomial sandwich of LYAPND-VEC-10 it stays tight when G(A v)/G(v) - 1 is of order one (near the
// bottom eigenvector, where the moment bound fails). The outer integral over x and the branch and bound over the
// quotient are not built yet (docs/lyapnd.md, vector section).
#pragma once
#include <array>

#include "lyapcert/fast/interval.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd::internal {

// Which formula of LYAPND-VEC-14 evaluates F: the default picks the closed form (a) for m^2 + s < 400 and the
// series sandwich (c) otherwise; the tests force one or the other to compare them.
enum class LogQuadMethod { automatic, closed_form, series };

// An interval containing F(m, s) = E log((eps - m)^2 + s), eps ~ N(0, 1), for the binary64 values m and s >= 0
// taken exactly. [-inf, +inf] when s < 0, an argument is not finite, or the series branch is asked for at
// m = s = 0. Proof: LYAPND-VEC-14 (a), (c).
fast::OutwardInterval log_quadratic_mean(double m, double s, LogQuadMethod method = LogQuadMethod::automatic);

// An interval containing F(m, s) for every m in `m` and s in `s` (s's lower end is taken as max(lower, 0): F is
// only defined for s >= 0). F is non-decreasing in |m| and in s. Proof: LYAPND-VEC-14 (b).
fast::OutwardInterval log_quadratic_mean_box(const fast::OutwardInterval& m, const fast::OutwardInterval& s);

// An interval containing E log(alpha eps^2 + 2 beta eps + gamma) for every non-negative quadratic
// (alpha gamma >= beta^2) with alpha in `alpha`, beta in `beta`, gamma in `gamma`; [-inf, +inf] unless alpha's
// enclosure is > 0. Proof: LYAPND-VEC-14 (d), (b).
fast::OutwardInterval log_quadratic_expectation(const fast::OutwardInterval& alpha,
                                                const fast::OutwardInterval& beta,
                                                const fast::OutwardInterval& gamma);

// q = 1, d = 2, S = 1, sigma > 0, c = 1 - lr gamma > 0: an interval containing E[log G(A v) | x] for the symmetric
// positive definite matrix G (only its upper triangle is read; the caller vouches for definiteness), the direction
// v = (u, w_1, w_2) (any length) and the point x = (x1, x2), exactly as given in binary64. Throws InputError for a
// law outside these hypotheses. Proof: LYAPND-VEC-15.
fast::OutwardInterval vec_conditional_log_form(const laws::VectorSaddle& law,
                                               const std::array<std::array<double, 3>, 3>& G,
                                               const std::array<double, 3>& v, double x1, double x2);

// The same for every direction v in the box `v` (any length, not containing 0) and every point x in the box
// [x1] x [x2]: one evaluation in interval arithmetic (the order-0 enclosure over a cell of x and a box of
// directions). Proof: LYAPND-VEC-15, LYAPND-VEC-14 (b).
fast::OutwardInterval vec_conditional_log_form_box(const laws::VectorSaddle& law,
                                                   const std::array<std::array<double, 3>, 3>& G,
                                                   const std::array<fast::OutwardInterval, 3>& v,
                                                   const fast::OutwardInterval& x1, const fast::OutwardInterval& x2);

// d/dtheta E[log G(A v(theta)) | x] for a curve of directions through v with velocity dv, at the point x (binary64
// values taken exactly), through the Faddeeva function: the derivative a mean-value form over boxes of directions
// needs. [-inf, +inf] where the eps-quadratic has a (near) double root (its enclosure of s reaches 0) or alpha's
// enclosure is not > 0. Proof: LYAPND-VEC-17.
fast::OutwardInterval vec_conditional_log_form_derivative(const laws::VectorSaddle& law,
                                                          const std::array<std::array<double, 3>, 3>& G,
                                                          const std::array<double, 3>& v,
                                                          const std::array<double, 3>& dv, double x1, double x2);

// q = 1, d = 2, S = 1, sigma > 0, c > 0: an upper bound N of the L^2 norm of log G(A v) over (x, eps), for every
// unit v and every symmetric G with eigenvalues in [lmin, lmax] (so E[|log G(A v)| 1_E] <= N P(E)^(1/2) for every
// event E of x). +inf when the hypotheses fail. Proof: LYAPND-VEC-16.
double vec_log_form_l2_bound(const laws::VectorSaddle& law, double lmin, double lmax);

// q = 1, d = 2, S = 1, sigma > 0, c > 0: an upper bound of E[|log G(A v)| 1{max(|x_1|, |x_2|) > L}] for every unit v
// and every symmetric G whose eigenvalues lie in [lmin, lmax] (0 < lmin <= lmax): the Gaussian tail of the outer
// integral over x. +inf when the hypotheses fail. Proof: LYAPND-VEC-16.
double vec_log_form_tail(const laws::VectorSaddle& law, double lmin, double lmax, double L);

}  // namespace lyapcert::lyapnd::internal
