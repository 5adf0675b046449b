// lyapcert::lyapnd closed forms and certified quadratures for conjugation-invariant matrix laws
// (docs/math.md section 4): Gaussian (Ginibre) matrices and A = I - lr a a^T, a ~ N(0, I_d).
// Every function returns an Arb enclosure valid for every point of its input balls (non-finite
// when it could not certify at this precision; the caller raises prec). Precision is the last argument.
#pragma once
#include <arb.h>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::lyapnd {

// lambda_i = (1/2)[log(2 sigma^2) + psi((d - i + 1)/2)], 1 <= i <= d <= 4, sigma > 0: the i-th
// Lyapunov exponent of i.i.d. d x d matrices with N(0, sigma^2) entries. Proof: LYAPND-GIN-1.
void ginibre_exponent(arb_t res, int d, int i, const exact::Rational& sigma, slong prec);

// d = 2 closed form Lambda = E1(c) - e^{-2c} (Ei(2c) - Ei(c)), c = 1/(2 lr), lr > 0.
// Proof: LYAPND-ISO-1, LYAPND-ISO-2.
void isotropic2_closed_form(arb_t res, const exact::Rational& lr, slong prec);

// Lambda = (1/2) E_s[I_d(|1 - lr s|)], s ~ chi^2_d, for d = 2, 3 or 4, by rigorous quadrature
// (Arb's acb_calc_integrate on the two analytic pieces s < 1/lr, s > 1/lr, analytic tail bound; for
// d = 3 an analytically bounded excision |lr s - 1| < eps around the r^2 log r point).
// Proof: LYAPND-ISO-1, LYAPND-ISO-3 (d = 2, 4), LYAPND-ISO3-1..3 (d = 3). Other d: indeterminate ball.
void isotropic_quadrature(arb_t res, int d, const exact::Rational& lr, slong prec);

// d = 3 alone (what isotropic_quadrature(res, 3, ...) calls). Proof: LYAPND-ISO3-1..3.
void isotropic3_quadrature(arb_t res, const exact::Rational& lr, slong prec);

// Ball versions for `boundary --law-template isotropic(d, lr)`, d = 2, 3, 4: enclosures of Lambda(lr) and
// Lambda'(lr) valid for EVERY lr in the ball X (X certainly > 0; otherwise indeterminate). Same quadrature as
// isotropic_quadrature with lr-balls as parameters; the derivative is differentiated under the integral,
// Lambda'(lr) = -(1/lr) E_s[(1/2) I_d(|1 - lr s|) (d - s)/2]. Wide balls give wide (valid) enclosures.
// Proof: BND-TEMPLATE-5 (value), BND-TEMPLATE-6 (derivative) in proofs/boundary/template.md.
void isotropic_quadrature_ball(arb_t res, int d, const arb_t X, slong prec);
void isotropic_quadrature_derivative_ball(arb_t res, int d, const arb_t X, slong prec);

}  // namespace lyapcert::lyapnd
