// lyapcert::continuous -- independent second paths: certified quadrature of the same expectations.
// Each splits the integral at the singular point(s), integrates the analytic pieces with Arb's
// rigorous acb_calc_integrate, integrates log|t| against the Taylor expansion of the density over a
// small window around each singular point (CONT-QUAD-2), and bounds the Gaussian tails analytically
// (CONT-QUAD-1, CONT-QUAD-3). Same contract as gaussian.hpp (enclosure for every point of the input
// balls, non-finite when not certified), but much slower (milliseconds): meant for cross-checks.
#pragma once
#include <arb.h>

namespace lyapcert::continuous {

// int log|m + v z| phi(z) dz, v > 0. Proof: CONT-QUAD-1, CONT-QUAD-2, CONT-QUAD-4.
void gauss_log_abs_mean_quad(arb_t res, const arb_t m, const arb_t v, slong prec);

// int |m + v z|^p phi(z) dz, v > 0, p > 0 (integer p is fast; other p bisect towards the kink).
// Proof: CONT-QUAD-3.
void gauss_abs_moment_quad(arb_t res, const arb_t m, const arb_t v, const arb_t p, slong prec);

// int log|1 - lr a^2| N(mu, s^2)(a) da split at a = +-1/sqrt(lr); lr > 0, s > 0.
// Proof: CONT-QUAD-1, CONT-QUAD-2, CONT-QUAD-5.
void sqnormal_log_abs_mean_quad(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, slong prec);

// E log(1 + c a^2), a ~ N(mu, s^2), c > 0, s > 0 (the sqnormal exponent when 1 - lr h keeps one sign,
// lr = -c < 0): a holomorphic integrand (branch points at a = +-i/sqrt(c)), no split. Proof: CONT-QUAD-7.
void sqnormal_log1p_quad(arb_t res, const arb_t c, const arb_t mu, const arb_t s, slong prec);

// (1/(b-a)) int_a^b log|1 - lr h| dh split at h = 1/lr; lr != 0, b > a. Proof: CONT-QUAD-6.
void uniform_log_abs_mean_quad(arb_t res, const arb_t lr, const arb_t a, const arb_t b, slong prec);

}  // namespace lyapcert::continuous
