// lyapcert::continuous -- certified expectations for the curvature law uniform(a, b).
// Same contract as gaussian.hpp: the output ball contains the exact value for every point of the
// input balls; non-finite means "could not certify"; b < a (certainly) throws lyapcert::InputError.
#pragma once
#include <arb.h>

namespace lyapcert::continuous {

// E log|1 - lr h|, h ~ U[a, b]:  (F(1 - lr a) - F(1 - lr b)) / (lr (b - a)),  F(u) = u log|u| - u,
// F(0) = 0 (balls containing 0 use the continuity bound of CONT-UNIF-1). lr exactly 0 gives 0;
// a == b exactly gives log|1 - lr a|; lr or b - a balls straddling 0 give a non-finite ball.
// Working precision is raised by log2(1 / |lr (b - a)|) bits against cancellation.
// Proof: CONT-UNIF-1, CONT-UNIF-2.
void uniform_log_abs_mean(arb_t res, const arb_t lr, const arb_t a, const arb_t b, slong prec);

// E|1 - lr h|^p, h ~ U[a, b], p > 0 or -1 < p < 0:  (K(1 - lr a) - K(1 - lr b)) / (lr (b - a)),
// K(u) = sign(u) |u|^{p+1} / (p + 1) (for p < 0 an improper integral where 1 - lr h crosses 0, finite since
// p > -1). Same special cases as above; p <= -1 or p = 0 (certainly) throws InputError, a p ball touching -1 or
// 0 gives a non-finite ball. Proof: CONT-UNIF-3, CONT-UNIF-4.
void uniform_abs_moment(arb_t res, const arb_t lr, const arb_t a, const arb_t b, const arb_t p,
                        slong prec);

}  // namespace lyapcert::continuous
