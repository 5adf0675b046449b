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

// E log|1 - lr h_B| for S >= 1, sigma > 0, lr != 0, by quadrature against the variance-gamma density of
// h_B, f(h) = C e^{beta h} |h|^nu K_nu(alpha |h|) (docs/math.md section 2; K = Arb's scaled Bessel K): the independent
// second path of xy_log_abs_mean (a different integrand, variable and singular structure). Split at
// h = 0 (the kink, or for S = 1 the log singularity of K_0, integrated in s with h = +-delta0 e^{-s}) and around
// h0 = 1/lr (the log singularity, in s with h = h0 -+ d e^{-s}); when h0 lies beyond the mass the far tail bound
// covers it. The integrator's complex-box bounds use |K_nu(z)| <= K_nu(Re z). Exponential tails bounded with
// K_nu(x) e^x decreasing. Valid for S = 1 .. 1024 and beyond, any lr != 0. A non-finite ball means "could not
// certify". CPU at 30 digits: see docs/performance.md. Proof: CONT-VG-1 .. CONT-VG-7.
void xy_log_abs_mean_vg(arb_t res, const arb_t lr, const arb_t k, const arb_t sigma, ulong S, slong prec);

// E|1 - lr h_B|^p, p > 0, S >= 1, sigma > 0, lr != 0: the same variance-gamma quadrature with the kernel
// |1 - lr h|^p (the kink at h0 in s as above): the independent second path of xy_abs_moment with a = 1,
// b = -lr. p <= 0 throws InputError. Proof: CONT-VG-1 .. CONT-VG-7.
void xy_abs_moment_vg(arb_t res, const arb_t lr, const arb_t k, const arb_t sigma, ulong S, const arb_t p,
                      slong prec);

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

namespace lyapcert::continuous {

// d/dlr E log|1 + lr (a1 + b1 h_B)| for every lr in the ball lr (lr > 0), h_B ~ xy(k, sigma, batch=S):
// (1 - I)/lr with I = int_0^inf G_m(m(t), v(t)) chi_S(t) dt, m = 1 + lr a1 + lr b1 k t^2/S,
// v = lr |b1| sigma t/S, G_m(m, v) = (m/v^2) 1F1(1; 3/2; -m^2/(2v^2)) = E[1/(m + v Z)] (principal value).
// sigma = 0 exactly: when 1 + lr a1 + lr b1 k q/S keeps one sign, the plain integral (CONT-XYD-4); when it
// changes sign, the principal value (1 - PV E[1/m])/lr (CONT-XYD-5: pole subtracted by a Taylor window);
// when the sign is undecided on the ball, or a bound fails, a non-finite ball. Working precision is capped at
// 272 bits (the derivative is used for monotonicity and Newton steps). Proof: CONT-XYD-1 .. CONT-XYD-5
// (proofs/continuous/xy_derivative.md). Test: tests/boundary/xy_derivative_test.cpp.
void xy_log_abs_mean_dlr(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t k,
                         const arb_t sigma, ulong S, slong prec);

// d/dsigma of the same exponent (sigma > 0): (1 - I_m)/sigma, I_m = int_0^inf G_m(m, v) m chi_S(t) dt.
// Proof: CONT-XYD-1, CONT-XYD-3.
void xy_log_abs_mean_dsigma(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t k,
                            const arb_t sigma, ulong S, slong prec);

}  // namespace lyapcert::continuous
