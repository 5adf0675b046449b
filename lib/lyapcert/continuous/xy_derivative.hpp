// lyapcert::continuous -- certified derivatives of the exponents of the xy and bivariate laws in the learning
// rate (and in sigma), for the boundary module's monotonicity tests and Newton steps. Same contract as xy.hpp
// (which includes this header, as does bivariate.hpp).
#pragma once
#include <arb.h>

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

// d/dlr E log|1 + lr (a1 + b1 x y)| for every lr in the ball lr (lr > 0): the same conditioning on x,
// E_x[ G_m(m(x), v(x)) u(x) + G_v(m, v) v / lr ] with m = 1 + lr (a1 + b1 x mu(x)), v = lr |b1| |x| s,
// u = dm/dlr, G_m = (m/v^2) 1F1(1; 3/2; -m^2/(2v^2)) = E[1/(m + v Z)]; i.e. (1 - PV E[1/(1 + lr (a1 + b1 x y))])/lr.
// The two half-lines are integrated with the quadrature of xy_log_abs_mean_dlr (Gaussian weight). Non-finite
// when 1 + lr a1 may vanish (the integrand is then unbounded at x = 0) or a bound fails; b1 exactly 0 gives
// a1/(1 + lr a1). Working precision capped at 272 bits. Certainly invalid input throws InputError.
// Proof: CONT-BIVD-1, CONT-BIVD-2 (proofs/continuous/bivariate_derivative.md).
void bivariate_log_abs_mean_dlr(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t mx,
                                const arb_t my, const arb_t sx, const arb_t sy, const arb_t rho, slong prec);

}  // namespace lyapcert::continuous
