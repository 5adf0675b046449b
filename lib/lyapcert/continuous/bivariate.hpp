// lyapcert::continuous -- certified E log|a + b x y| for a bivariate normal pair (x, y) with means
// mx, my, standard deviations sx, sy > 0 and correlation |rho| < 1 (docs/math.md section 2, last law but
// one: the two-layer saddle curvature h = x y). Same contract as gaussian.hpp.
#pragma once
#include <arb.h>

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

// d/dlr E log|1 + lr (a1 + b1 x y)| for every lr in the ball lr (lr > 0): the same conditioning on x,
// E_x[ G_m(m(x), v(x)) u(x) + G_v(m, v) v / lr ] with m = 1 + lr (a1 + b1 x mu(x)), v = lr |b1| |x| s,
// u = dm/dlr, G_m = (m/v^2) 1F1(1; 3/2; -m^2/(2v^2)) = E[1/(m + v Z)]; i.e. (1 - PV E[1/(1 + lr (a1 + b1 x y))])/lr.
// The two half-lines are integrated with the quadrature of xy_log_abs_mean_dlr (Gaussian weight). Non-finite
// when 1 + lr a1 may vanish (the integrand is then unbounded at x = 0) or a bound fails; b1 exactly 0 gives
// a1/(1 + lr a1). Working precision capped at 272 bits. Certainly invalid input throws InputError.
// Implemented in xy_derivative.cpp. Proof: CONT-BIVD-1, CONT-BIVD-2 (proofs/continuous/bivariate_derivative.md).
void bivariate_log_abs_mean_dlr(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t mx,
                                const arb_t my, const arb_t sx, const arb_t sy, const arb_t rho, slong prec);

}  // namespace lyapcert::continuous
