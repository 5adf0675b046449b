#include "lyapcert/continuous/sqnormal_shift.hpp"

#include <acb.h>
#include <acb_hypgeom.h>

#include <algorithm>
#include <cmath>

namespace lyapcert::continuous {

// Proof: CONT-SQS-1.
void sqnormal_inv1p_mean(arb_t res, const arb_t c, const arb_t mu, const arb_t s, slong prec) {
  if (!arb_is_finite(c) || !arb_is_finite(mu) || !arb_is_finite(s) || !arb_is_positive(c) || !arb_is_positive(s)) {
    arb_indeterminate(res);
    return;
  }
  arb_t rc, t;
  acb_t xi, w, e;
  arb_init(rc);
  arb_init(t);
  acb_init(xi);
  acb_init(w);
  acb_init(e);
  // Guard bits: exp(-xi^2) loses |xi|^2 2^-wp relatively, erfc's relative error is similar.
  slong guard = 24;
  {
    mag_t m;
    mag_init(m);
    arb_get_mag_lower(m, c);
    const double cl = mag_get_d(m);
    arb_get_mag(m, mu);
    const double mu_u = mag_get_d(m);
    arb_get_mag_lower(m, s);
    const double sl = mag_get_d(m);
    mag_clear(m);
    const double x2 = (mu_u * mu_u + (cl > 0 ? 1.0 / cl : 1e300)) / (2.0 * sl * sl + 1e-300);
    const double g = std::log2(2.0 + x2);
    guard += static_cast<slong>(std::min(g, 1e6));
  }
  const slong wp = prec + guard;
  arb_sqrt(rc, c, wp);  // sqrt(c)
  // xi = (-mu + i / sqrt(c)) / (s sqrt 2)
  arb_inv(t, rc, wp);
  arb_set(acb_imagref(xi), t);
  arb_neg(acb_realref(xi), mu);
  arb_sqrt_ui(t, 2, wp);
  arb_mul(t, t, s, wp);
  acb_div_arb(xi, xi, t, wp);
  // w(xi) = exp(-xi^2) erfc(-i xi)
  acb_mul_onei(e, xi);
  acb_neg(e, e);
  acb_hypgeom_erfc(w, e, wp);
  acb_sqr(e, xi, wp);
  acb_neg(e, e);
  acb_exp(e, e, wp);
  acb_mul(w, w, e, wp);
  // K = sqrt(pi / 2) / (sqrt(c) s) * Re w
  arb_const_pi(t, wp);
  arb_mul_2exp_si(t, t, -1);
  arb_sqrt(t, t, wp);
  arb_div(t, t, rc, wp);
  arb_div(t, t, s, wp);
  arb_mul(res, t, acb_realref(w), prec);
  arb_clear(rc);
  arb_clear(t);
  acb_clear(xi);
  acb_clear(w);
  acb_clear(e);
}

}  // namespace lyapcert::continuous
