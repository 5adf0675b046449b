#include "lyapcert/continuous/internal/integrate.hpp"

#include <cmath>
#include <limits>

#include "lyapcert/core/stop.hpp"

namespace lyapcert::continuous::internal {

void integrate(arb_t res, acb_calc_func_t f, void* param, const arb_t a, const arb_t b, slong prec) {
  integrate_tol(res, f, param, a, b, prec, prec);
}

namespace {

// The integrand seen by acb_calc_integrate: the caller's, until core::stop_requested() (the interrupt or the
// caller's time budget, checked before every evaluation: a clock read, negligible next to an Arb integrand); then 0, so that the integrator ends at once, and
// the result is thrown away (made indeterminate) by integrate_tol: a stopped quadrature never yields a value.
struct Stoppable {
  acb_calc_func_t f;
  void* param;
  bool stopped = false;
};

int stoppable_integrand(acb_ptr out, const acb_t x, void* param, slong order, slong prec) {
  auto* s = static_cast<Stoppable*>(param);
  if (!s->stopped && core::stop_requested()) s->stopped = true;
  if (s->stopped) {
    acb_zero(out);
    return 0;
  }
  return s->f(out, x, s->param, order, prec);
}

}  // namespace

void integrate_tol(arb_t res, acb_calc_func_t f, void* param, const arb_t a, const arb_t b, slong tol_bits,
                   slong prec) {
  if (core::stop_requested()) {
    arb_indeterminate(res);
    return;
  }
  acb_t r, aa, bb;
  acb_init(r);
  acb_init(aa);
  acb_init(bb);
  acb_set_arb(aa, a);
  acb_set_arb(bb, b);
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -tol_bits);
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  Stoppable s{f, param};
  acb_calc_integrate(r, stoppable_integrand, &s, aa, bb, tol_bits, tol, opt, prec);
  if (s.stopped) {
    arb_indeterminate(res);  // the whole line: still an enclosure, never a value computed from the zeros
  } else {
    arb_set(res, acb_realref(r));
  }
  mag_clear(tol);
  acb_clear(r);
  acb_clear(aa);
  acb_clear(bb);
}

void add_error_arb(arb_t res, const arb_t bound) {
  if (!arb_is_finite(bound)) {
    arb_indeterminate(res);
    return;
  }
  mag_t m;
  mag_init(m);
  arb_get_mag(m, bound);
  arb_add_error_mag(res, m);
  mag_clear(m);
}

void abs_lb(arb_t res, const arb_t x, slong prec) {
  arf_t l;
  arf_init(l);
  arb_get_abs_lbound_arf(l, x, prec);
  arb_set_arf(res, l);
  arf_clear(l);
}

void abs_ub(arb_t res, const arb_t x, slong prec) {
  arf_t u;
  arf_init(u);
  arb_get_abs_ubound_arf(u, x, prec);
  arb_set_arf(res, u);
  arf_clear(u);
}

double mid_d(const arb_t x) {
  double d = arf_get_d(arb_midref(x), ARF_RND_NEAR);
  if (std::isnan(d)) return 0.0;
  if (d > 1e300) return 1e300;
  if (d < -1e300) return -1e300;
  return d;
}

double abs_upper_d(const arb_t x) {
  if (!arb_is_finite(x)) return std::numeric_limits<double>::infinity();
  mag_t m;
  mag_init(m);
  arb_get_mag(m, x);
  double d = mag_get_d(m);  // mag_get_d rounds up
  mag_clear(m);
  return d;
}

// Proof: CONT-QUAD-3 (|z^p| <= sup|z|^p on a box touching 0).
void pow_real_exponent(acb_t z, const arb_t p, slong p_int, slong order, slong prec) {
  if (p_int >= 0) {
    acb_pow_ui(z, z, static_cast<ulong>(p_int), prec);
  } else if (order == 0 && acb_contains_zero(z)) {
    arb_t m;
    arb_init(m);
    acb_abs(m, z, prec);
    arb_get_ubound_arf(arb_midref(m), m, prec);
    mag_zero(arb_radref(m));
    arb_pow(m, m, p, prec);  // m^p over the p ball, m > 0 exact (or 0: then 0)
    acb_zero(z);
    arb_get_mag(arb_radref(acb_realref(z)), m);
    arb_get_mag(arb_radref(acb_imagref(z)), m);
    arb_clear(m);
  } else {
    acb_t pp;
    acb_init(pp);
    acb_set_arb(pp, p);
    acb_pow_analytic(z, z, pp, order != 0, prec);
    acb_clear(pp);
  }
}

}  // namespace lyapcert::continuous::internal
