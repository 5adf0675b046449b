// lyapcert::continuous -- certified E log|a + b x y| for a bivariate normal pair (x, y) with means
// mx, my, standard deviations sx, sy > 0 and correlation |rho| < 1 (docs/math.md section 2, last law but
// one: the two-layer saddle curvature h = x y). Same contract as gaussian.hpp.
#pragma once
#include <arb.h>

#include "lyapcert/continuous/xy_derivative.hpp"  // bivariate_log_abs_mean_dlr (declared there)

namespace lyapcert::continuous {

// E log|a + b x y| by conditioning on x: y | x ~ N(my + rho sy (x - mx)/sx, sy^2 (1 - rho^2)), so
// a + b x y | x ~ N(a + b x mu(x), (|b| |x| sy sqrt(1 - rho^2))^2) and the value is
// int G(m(x), v(x)) N(mx, sx^2)(x) dx, split at x = 0 (where v vanishes: analytic head bound) into
// two half-line integrals of the CONT-XY-2 kind. b exactly 0 gives log|a|.
// The independent second path is the same expectation conditioned on y, i.e. this function with
// (mx, sx) and (my, sy) exchanged (different integrand, different singular structure).
// sx, sy <= 0 or |rho| >= 1 (certainly) throws InputError. Proof: CONT-BIV-1, CONT-BIV-2.
void bivariate_log_abs_mean(arb_t res, const arb_t a, const arb_t b, const arb_t mx, const arb_t my,
                            const arb_t sx, const arb_t sy, const arb_t rho, slong prec);

// E|a + b x y|^p, p > 0 or -1 < p < 0 (CONT-BIV-NEG-1; b = 0 with a containing 0 is then indeterminate), by the same conditioning on x with E|N(m, v^2)|^p (gauss_abs_moment) in place
// of G, i.e. two half-line integrals of the CONT-XY-9 kind. b exactly 0 gives |a|^p. The independent
// second path is again the exchange of (mx, sx) and (my, sy); p = 2, 4, ... are checked against exact
// rational Gaussian moments in the tests. Proof: CONT-BIV-1, CONT-BIV-3, CONT-BIV-NEG-1.
void bivariate_abs_moment(arb_t res, const arb_t a, const arb_t b, const arb_t mx, const arb_t my, const arb_t sx,
                          const arb_t sy, const arb_t rho, const arb_t p, slong prec);

}  // namespace lyapcert::continuous
