// Module-private: closed forms and bounds for integrals with a logarithmic singularity or a Gaussian tail,
// shared by the Gaussian, uniform, quadrature and xy paths of the continuous module.
#pragma once
#include <arb.h>
#include <arb_poly.h>

namespace lyapcert::continuous::internal {

// res := phi(z) = exp(-z^2/2) / sqrt(2 pi), the standard normal density.
void normal_pdf(arb_t res, const arb_t z, slong prec);

// res := an enclosure of u log|u| - u for every u in the ball u, with the value 0 at u = 0
// (continuous extension). Proof: CONT-UNIF-1.
void xlogx_minus_x(arb_t res, const arb_t u, slong prec);

// res := int_0^d t^k log t dt = d^{k+1} (log d - 1/(k+1)) / (k+1) for d in [0, 1]; balls containing 0
// are handled by the monotone bound |.| <= r^{k+1} (1 + |log r|) / (k+1) (r = sup d <= 1).
void j_moment(arb_t res, const arb_t d, slong k, slong prec);

// res := an enclosure of int_{-d1}^{d2} log|t| exp(c1 t + c2 t^2) dt for every point of the input
// balls, where 0 <= d1, d2 <= dmax, dmax <= 1/8 and |c1| R + |c2| R^2 <= 2 with R = 8 dmax
// (the caller checks these; violated hypotheses give an indeterminate result). Proof: CONT-QUAD-2.
void log_window(arb_t res, const arb_t c1, const arb_t c2, const arb_t d1, const arb_t d2,
                const arb_t dmax, slong prec);

// res := int_{-d1}^{d2} log|t| g(t) dt, g(t) = sum_k coef_k t^k analytic on |t| <= R = 8 dmax with |g| <= M
// there, 0 < d1, d2 <= dmax <= 1/8 (else indeterminate). Proof: CONT-XY-5 (CONT-QUAD-2 with a general
// analytic factor).
void log_window_poly(arb_t res, const arb_poly_t coef, slong nterms, const arb_t M, const arb_t d1,
                     const arb_t d2, const arb_t dmax, slong prec);

// res := int_{-d1}^{d2} |t|^p g(t) dt for -1 < p < 0, g as in log_window_poly (analytic on |t| <= R = 8 dmax,
// |g| <= M there), 0 < d1, d2 <= dmax <= 1/8 (else indeterminate). Proof: CONT-XY-NEG-2.
void pow_window_poly(arb_t res, const arb_poly_t coef, slong nterms, const arb_t M, const arb_t p, const arb_t d1,
                     const arb_t d2, const arb_t dmax, slong prec);

// Upper bound for int_{|z| > Z} |log|c + z|| phi(z) dz (phi the standard normal density), any real c,
// Z >= 1: 2 phi(Z) (2 + log(1 + |c|) / Z). Proof: CONT-QUAD-1.
void log_tail_bound(mag_t res, const arb_t c, const arb_t Z, slong prec);

}  // namespace lyapcert::continuous::internal
