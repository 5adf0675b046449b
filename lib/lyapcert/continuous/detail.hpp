// Internal helpers of lyapcert::continuous (not part of the public API; include only from this module's
// .cpp files and its tests).
#pragma once
#include <acb_calc.h>
#include <arb.h>

namespace lyapcert::continuous::detail {

// Scoped arb_t temporary: converts to arb_ptr / arb_srcptr so it can be passed straight to Arb.
class ArbTmp {
 public:
  ArbTmp() noexcept { arb_init(v_); }
  ArbTmp(const ArbTmp&) = delete;
  ArbTmp& operator=(const ArbTmp&) = delete;
  ~ArbTmp() { arb_clear(v_); }
  operator arb_ptr() noexcept { return v_; }
  operator arb_srcptr() const noexcept { return v_; }
  arb_ptr get() noexcept { return v_; }
  arb_ptr operator->() noexcept { return v_; }  // lets Arb's arb_midref / arb_radref macros work

 private:
  arb_t v_;
};

// Heuristic doubles used only to choose algorithms and working precisions (never for enclosures).
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

// Lower (abs_lb; 0 when x contains 0) and upper (abs_ub) bounds of |x| as exact balls.
void abs_lb(arb_t res, const arb_t x, slong prec);
void abs_ub(arb_t res, const arb_t x, slong prec);

double mid_d(const arb_t x);        // midpoint rounded to nearest (+-1e300 when out of range)
double abs_upper_d(const arb_t x);  // an upper bound of |x| (+inf when not finite)

// res := phi(z) = exp(-z^2/2) / sqrt(2 pi), the standard normal density.
void normal_pdf(arb_t res, const arb_t z, slong prec);

// z := z^p for the real exponent ball p on a box, inside an acb_calc_integrate integrand (order as there):
// acb_pow_ui when p_int >= 0 (p is that integer), else the analytic branch (acb_pow_analytic), except on a
// box containing 0 at order 0 (direct enclosure of a tiny segment), where |z^p| <= sup|z|^p since Arb's 0^p
// is not finite for an inexact p ball (CONT-QUAD-3).
void pow_real_exponent(acb_t z, const arb_t p, slong p_int, slong order, slong prec);

// res := an enclosure of u log|u| - u for every u in the ball u, with the value 0 at u = 0
// (continuous extension). Proof: CONT-UNIF-1.
void xlogx_minus_x(arb_t res, const arb_t u, slong prec);

// res := an enclosure of int_{-d1}^{d2} log|t| exp(c1 t + c2 t^2) dt for every point of the input
// balls, where 0 <= d1, d2 <= dmax, dmax <= 1/8 and |c1| R + |c2| R^2 <= 2 with R = 8 dmax
// (the caller checks these; violated hypotheses give an indeterminate result). Proof: CONT-QUAD-2.
void log_window(arb_t res, const arb_t c1, const arb_t c2, const arb_t d1, const arb_t d2,
                const arb_t dmax, slong prec);

// Upper bound for int_{|z| > Z} |log|c + z|| phi(z) dz (phi the standard normal density), any real c,
// Z >= 1: 2 phi(Z) (2 + log(1 + |c|) / Z). Proof: CONT-QUAD-1.
void log_tail_bound(mag_t res, const arb_t c, const arb_t Z, slong prec);


// Gaussian mixture along a half-line (CONT-XY-2): the weight K u^P exp(-(u - mu)^2 / (2 s^2)) on
// u >= 0 and the conditional law N(a + c1 u + c2 u^2, (e u)^2). Used by xy.cpp and bivariate.cpp.
struct HalfLineMixture {
  arb_srcptr a, c1, c2, e;  // e > 0
  arb_srcptr K, mu, s;      // K > 0, s > 0
  slong P;                  // 0 <= P
};

// res := int_0^inf G(a + c1 u + c2 u^2, e u) K u^P exp(-(u - mu)^2/(2 s^2)) du (G = gauss_log_abs_mean).
// Proof: CONT-XY-1 .. CONT-XY-4.
void mixture_log_abs_mean(arb_t res, const HalfLineMixture& g, slong prec);

// res := the same with G replaced by E|N(m, v^2)|^p (gauss_abs_moment), p > 0. Proof: CONT-XY-9.
void mixture_abs_moment(arb_t res, const HalfLineMixture& g, const arb_t p, slong prec);

}  // namespace lyapcert::continuous::detail
