// Module-private (lib/lyapcert/<module>/internal/ is not installed): the continuous module's certified
// integration primitives and the ball helpers its integrands use.
#pragma once
#include <acb_calc.h>
#include <arb.h>

#include "lyapcert/exact/ball.hpp"

namespace lyapcert::continuous::internal {

using exact::Ball;

// res := an enclosure of int_a^b f, the real part of Arb's rigorous acb_calc_integrate (for
// integrands that are real on the real segment, so the exact integral is real).
void integrate(arb_t res, acb_calc_func_t f, void* param, const arb_t a, const arb_t b, slong prec);

// The same with absolute tolerance 2^-tol_bits (integrate uses tol_bits = prec). The enclosure is rigorous
// whatever the tolerance; the tolerance only decides when subdivision stops.
// Both stop early when core::stop_requested() (the interrupt, or a time budget of the calling thread's
// StopScope): res is then indeterminate (the whole line, still an enclosure), so callers see a non-finite value.
void integrate_tol(arb_t res, acb_calc_func_t f, void* param, const arb_t a, const arb_t b, slong tol_bits,
                   slong prec);

// res += [-|bound|, |bound|] (bound an upper bound; a non-finite bound makes res non-finite).
void add_error_arb(arb_t res, const arb_t bound);

// z := z^p for the real exponent ball p on a box, inside an acb_calc_integrate integrand (order as there):
// acb_pow_ui when p_int >= 0 (p is that integer), else the analytic branch (acb_pow_analytic), except on a
// box containing 0 at order 0 (direct enclosure of a tiny segment), where |z^p| <= sup|z|^p since Arb's 0^p
// is not finite for an inexact p ball (CONT-QUAD-3).
void pow_real_exponent(acb_t z, const arb_t p, slong p_int, slong order, slong prec);

// Lower (abs_lb; 0 when x contains 0) and upper (abs_ub) bounds of |x| as exact balls.
void abs_lb(arb_t res, const arb_t x, slong prec);
void abs_ub(arb_t res, const arb_t x, slong prec);

// Heuristic doubles used only to choose algorithms and working precisions (never for enclosures).
double mid_d(const arb_t x);        // midpoint rounded to nearest (+-1e300 when out of range)
double abs_upper_d(const arb_t x);  // an upper bound of |x| (+inf when not finite)

}  // namespace lyapcert::continuous::internal
