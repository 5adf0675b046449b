// lyapcert::continuous -- the Gaussian resolvent of a squared normal, the derivative kernel of
// E log(1 + c a^2) (sqnormal under a shift or a negative scale, where 1 - lr h keeps one sign).
// Contract as in gaussian.hpp: the output ball contains the exact value for every point of the input
// balls; "could not certify" is a non-finite ball.
#pragma once
#include <arb.h>

namespace lyapcert::continuous {

// K(c) = E[1 / (1 + c a^2)], a ~ N(mu, s^2), c > 0, s > 0:
//   K = sqrt(pi / (2 c)) / s * Re w(xi),  xi = (-mu + i / sqrt(c)) / (s sqrt 2),
// w the Faddeeva function, w(xi) = exp(-xi^2) erfc(-i xi) (Arb's acb_hypgeom_erfc). Then
// d/dc E log(1 + c a^2) = (1 - K(c)) / c. Proof: CONT-SQS-1 (proofs/boundary/derivatives.md).
void sqnormal_inv1p_mean(arb_t res, const arb_t c, const arb_t mu, const arb_t s, slong prec);

}  // namespace lyapcert::continuous
