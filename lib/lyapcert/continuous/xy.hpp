// lyapcert::continuous -- certified E log|a + b h_B| and E|a + b h_B|^p for the minibatch curvature
// of the two-layer saddle model: h_B = (1/S) sum_j x_j y_j, x_j ~ N(0,1), y_j = k x_j + sigma eps_j
// (docs/math.md section 3). Lambda_{+-} = E log|1 - lr gamma +- lr h_B| is xy_log_abs_mean with
// a = 1 - lr gamma, b = +-lr; the 1-D exponent E log|1 - lr h_B| has a = 1, b = -lr.
//
// Contract (as gaussian.hpp): the output ball contains the exact value for every point of the input
// balls; "could not certify" is a non-finite ball; certainly invalid input (sigma < 0, S = 0, p <= -1, p = 0)
// throws lyapcert::InputError. Precision (bits) is last. Thread-safe, no global state.
#pragma once
#include <arb.h>

#include "lyapcert/continuous/variance_gamma.hpp"  // the second path: xy_log_abs_mean_vg, xy_abs_moment_vg
#include "lyapcert/continuous/xy_derivative.hpp"   // d/dlr, d/dsigma of the exponent

namespace lyapcert::continuous {

// E log|a + b h_B|. With t = sqrt(q), q = sum x_j^2 ~ chi^2_S, a + b h_B | t ~ N(a + b k t^2/S,
// (|b| sigma t/S)^2), so the value is int_0^inf G(a + b k t^2/S, |b| sigma t/S) chi_S(t) dt
// (G = gauss_log_abs_mean), integrated by Arb's rigorous Gauss-Legendre (acb_calc_integrate) with an
// analytic bound of G on complex balls, analytic head and tail bounds. sigma = 0 exactly: the
// scaled chi-square law, with the singular point t0 = sqrt(-a S/(b k)) handled by a log window.
// b exactly 0 gives log|a|; sigma = 0 with a = 0 exactly gives log|b k/S| + log 2 + psi(S/2).
// Proof: CONT-XY-1 .. CONT-XY-6. CPU cost at 30 digits: 35-40 ms for S <= 32, ~65 ms for S = 1024
// (about 1000 evaluations of gauss_log_abs_mean); sigma = 0: 2-3 ms. Independent checks: bivariate_log_abs_mean (S = 1) and the
// mpmath reference file (q-integral and variance-gamma density, two mpmath methods).
void xy_log_abs_mean(arb_t res, const arb_t a, const arb_t b, const arb_t k, const arb_t sigma,
                     ulong S, slong prec);

// E|a + b h_B|^p, p > 0 or -1 < p < 0 (the pole at a + b h_B = 0 is integrable for p > -1): int_0^inf M_p(a + b k t^2/S, |b| sigma t/S) chi_S(t) dt with
// M_p = gauss_abs_moment (holomorphic extension via acb_hypgeom_1f1). sigma = 0: E|a + b k q/S|^p
// by the same quadrature with |.|^p split at the kink. Proof: CONT-XY-9, CONT-XY-10 (box bounds). Independent
// check: xy_abs_moment_vg. p < 0: the same quadrature, head and tail bounded by Anderson's inequality
// E|m + v z|^p <= v^p E|z|^p (CONT-XY-NEG-1); sigma = 0 with the pole |u - u0|^p integrated by a power window
// (CONT-XY-NEG-2; a = 0 exactly is the closed form |c|^p 2^p Gamma(S/2 + p)/Gamma(S/2), c = b k/S, of
// CONT-XY-NEG-3, +inf and refused with InputError when p <= -S/2, i.e. S = 1 and p <= -1/2; it serves p > 0 too). p <= -1 or p = 0 throws InputError.
void xy_abs_moment(arb_t res, const arb_t a, const arb_t b, const arb_t k, const arb_t sigma,
                   ulong S, const arb_t p, slong prec);

}  // namespace lyapcert::continuous
