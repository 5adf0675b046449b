// lyapcert::continuous -- certified absolute moments E|1 - lr a^2|^p of the sqnormal curvature law
// (a ~ N(mu, s^2)), every real order p != 0 where the moment is finite. Same contract as gaussian.hpp
// (which includes this header): the output ball contains the exact value for every point of the input balls;
// "could not certify" is a non-finite ball; certainly invalid input throws lyapcert::InputError.
#pragma once
#include <arb.h>

namespace lyapcert::continuous {

// E|1 - lr a^2|^p, a ~ N(mu, s^2), lr != 0, s > 0, p != 0 . Two independent paths
// for lr > 0 (for lr < 0, E(1 + |lr| a^2)^p, only the quadrature, whose integrand then has no kink):
// - sqnormal_abs_moment_series: a^2/s^2 is a Poisson(mu^2/(2 s^2)) mixture of central chi-squares
//   chi^2_{1+2j}, and E|1 - c chi^2_nu|^p has a closed form in 1F1 and U (arb_hypgeom_1f1/_u); summed with
//   a proved Poisson tail bound. Non-finite when mu^2/(2 s^2) > 4000 (too many terms).
//   Proof: CONT-SQN-2, CONT-SQN-4.
// - sqnormal_abs_moment_quad: acb_calc_integrate in t = sqrt(lr) a with the kinks at t = +-1 exactly,
//   analytic Gaussian tail bound. Proof: CONT-SQN-3.
// sqnormal_abs_moment uses the quadrature (1-25 ms at 110 bits), the series when the quadrature fails.
// Negative orders p < 0: lr > 0 needs -1 < p < 0 (p <= -1 throws InputError: +inf, CONT-SQN-NEG-1), lr < 0 takes
// every p < 0; the quadrature integrates the poles at t = +-1 by singular windows (CONT-SQN-NEG-2); the series
// applies only at mu = 0 exactly (one term, CONT-SQN-NEG-3) and is non-finite otherwise.
void sqnormal_abs_moment(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p, slong prec);
void sqnormal_abs_moment_series(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p,
                                slong prec);
void sqnormal_abs_moment_quad(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p, slong prec);

}  // namespace lyapcert::continuous
