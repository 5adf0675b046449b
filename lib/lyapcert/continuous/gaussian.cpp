#include "lyapcert/continuous/gaussian.hpp"

#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using internal::Ball;

namespace {

constexpr slong kMaxSeriesTerms = 200000;

// res := H(x) = x 2F2(1,1; 3/2,2; -x) = sum_k (-1)^k x^{k+1} / ((k+1) (3/2)_k), summed at a working
// precision raised by 1.45 x bits; the tail after K terms is at most 2 |t_K| once x <= (K + 3/2)/2.
// Proof: CONT-GAUSS-1.
void h_series(arb_t res, const arb_t m, const arb_t v, double x_upper, slong prec) {
  const slong wp = prec + static_cast<slong>(1.45 * x_upper) + 2 * FLINT_BIT_COUNT(prec) + 24;
  Ball x, t, s;
  arb_div(x, m, v, wp);
  arb_sqr(x, x, wp);
  arb_mul_2exp_si(x, x, -1);
  // Sum at the exact midpoint and add the input radius afterwards: 0 < H'(x) <= 1 on x >= 0, so
  // H(x +- r) is in H(x) +- r (CONT-GAUSS-1); summing the ball directly would amplify r by e^x.
  mag_t xrad;
  mag_init(xrad);
  mag_set(xrad, arb_radref(x.get()));
  mag_zero(arb_radref(x.get()));
  if (arf_sgn(arb_midref(x.get())) < 0) arf_zero(arb_midref(x.get()));  // x >= 0
  arb_set(t, x);  // t_0
  arb_set(s, x);
  mag_t tm, tol;
  mag_init(tm);
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -wp);
  bool done = false;
  for (slong k = 1; k < kMaxSeriesTerms; ++k) {
    // t_k = t_{k-1} (-x) 2k / ((k+1)(2k+1))
    arb_mul(t, t, x, wp);
    arb_neg(t, t);
    arb_mul_ui(t, t, static_cast<ulong>(2 * k), wp);
    arb_div_ui(t, t, static_cast<ulong>((k + 1) * (2 * k + 1)), wp);
    arb_get_mag(tm, t);
    if (2.0 * x_upper <= static_cast<double>(k) + 1.5 && mag_cmp(tm, tol) <= 0) {
      mag_mul_2exp_si(tm, tm, 1);  // |sum_{j >= k} t_j| <= 2 |t_k|
      arb_add_error_mag(s, tm);
      done = true;
      break;
    }
    arb_add(s, s, t, wp);
  }
  mag_clear(tm);
  mag_clear(tol);
  arb_add_error_mag(s, xrad);
  mag_clear(xrad);
  if (done)
    arb_set(res, s);
  else
    arb_indeterminate(res);
}

// res := f(y) = H(x) - log(2 y) - gamma/2, y = sqrt(x), x >= 1, via
//   f = -q + sum_{k=1}^{n-1} (-1)^{k-1} C_k x^{-k} (1/(4k) + q/2) + (-1)^{n-1} C_n [0, q x^{1-n}/(2n-1)],
// q = D(y)/y = 1F1(1; 3/2; -x), C_1 = 1, C_{k+1} = C_k (2k+1)/2. Proof: CONT-GAUSS-2.
void f_asymptotic(arb_t res, const arb_t x, slong wp) {
  Ball q, a, b, c, pw, f, term, bound;
  arb_one(a);
  arb_set_d(b, 1.5);
  arb_neg(q, x);
  arb_hypgeom_1f1(q, a, b, q, 0, wp);
  arb_neg(f, q);
  arb_one(c);   // C_n
  arb_one(pw);  // x^{1-n}
  const double x_mid = internal::mid_d(x);
  mag_t bm, tol;
  mag_init(bm);
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -wp);
  for (slong n = 1;; ++n) {
    // bound_n = C_n q x^{1-n} / (2n - 1): the enclosing remainder if we stop before term n.
    arb_mul(bound, c, q, wp);
    arb_mul(bound, bound, pw, wp);
    arb_div_ui(bound, bound, static_cast<ulong>(2 * n - 1), wp);
    arb_get_mag(bm, bound);
    if (mag_cmp(bm, tol) <= 0 || static_cast<double>(n) >= x_mid || n > 100000) {
      // (-1)^{n-1} C_n I_n with 0 <= I_n <= q x^{1-n}/(2n-1): add the interval [0, bound] or [-bound, 0].
      mag_mul_2exp_si(bm, bm, -1);
      Ball half;
      arb_zero(half);
      arf_set_mag(arb_midref(half), bm);
      if (n % 2 == 0) arb_neg(half, half);
      arb_add(f, f, half, wp);
      arb_add_error_mag(f, bm);
      break;
    }
    arb_div(pw, pw, x, wp);  // x^{-n}
    arb_set_ui(term, static_cast<ulong>(4 * n));
    arb_inv(term, term, wp);
    arb_mul_2exp_si(a, q, -1);
    arb_add(term, term, a, wp);
    arb_mul(term, term, c, wp);
    arb_mul(term, term, pw, wp);
    if (n % 2 == 1)
      arb_add(f, f, term, wp);
    else
      arb_sub(f, f, term, wp);
    arb_mul_ui(c, c, static_cast<ulong>(2 * n + 1), wp);
    arb_mul_2exp_si(c, c, -1);
  }
  mag_clear(bm);
  mag_clear(tol);
  arb_set(res, f);
}

}  // namespace

// Proof: CONT-GAUSS-1, CONT-GAUSS-2. The output contains G(m, v) for every m, v in the input balls.
void gauss_log_abs_mean(arb_t res, const arb_t m, const arb_t v, slong prec) {
  if (arb_is_zero(v)) {
    Ball t;
    arb_abs(t, m);
    arb_log(res, t, prec);
    return;
  }
  if (!arb_is_finite(m) || !arb_is_finite(v)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(v)) throw InputError("gauss_log_abs_mean: standard deviation v < 0");
  if (!arb_is_positive(v)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp0 = prec + 24;
  Ball x;
  arb_div(x, m, v, wp0);
  arb_sqr(x, x, wp0);
  arb_mul_2exp_si(x, x, -1);
  const double x_mid = internal::mid_d(x);
  const double x_threshold = 0.7 * static_cast<double>(prec) + 24.0;
  Ball one;
  arb_one(one);
  if (x_mid > x_threshold && arb_ge(x, one)) {
    // G = log|m| + f(sqrt x).
    Ball f, l;
    f_asymptotic(f, x, wp0);
    arb_abs(l, m);
    arb_log(l, l, wp0);
    arb_add(res, l, f, prec);
    return;
  }
  const double x_upper = internal::abs_upper_d(x);
  // Only reachable with wide x balls (a point input with x beyond the threshold takes the branch
  // above): the series would need prec + 1.45 x_upper bits, so give up ("not certified") instead.
  if (!(x_upper < 2 * x_threshold + 64)) {
    arb_indeterminate(res);
    return;
  }
  Ball h, c, t;
  h_series(h, m, v, x_upper, prec);
  arb_const_euler(c, wp0);
  arb_const_log2(t, wp0);
  arb_add(c, c, t, wp0);
  arb_mul_2exp_si(c, c, -1);
  arb_log(t, v, wp0);
  arb_sub(t, t, c, wp0);
  arb_add(res, t, h, prec);
}

// Proof: CONT-GAUSS-3 (Arb's arb_hypgeom_1f1 is rigorous for all real arguments).
void gauss_abs_moment(arb_t res, const arb_t m, const arb_t v, const arb_t p, slong prec) {
  if (!arb_is_finite(p) || !arb_is_finite(m) || !arb_is_finite(v)) {
    arb_indeterminate(res);
    return;
  }
  // p in (-1, 0) is allowed: the formula holds for every p > -1 (CONT-GAUSS-3); p = 0 and p <= -1 are refused.
  Ball pm1;
  arb_add_ui(pm1, p, 1, prec + 24);
  if (arb_is_zero(p) || arb_is_nonpositive(pm1)) {
    throw InputError("gauss_abs_moment: exponent p must satisfy p > -1 and p != 0");
  }
  if (arb_is_negative(v)) throw InputError("gauss_abs_moment: standard deviation v < 0");
  if (!arb_is_positive(pm1) || arb_contains_zero(p)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 24;
  if (arb_is_zero(v)) {
    Ball t;
    arb_abs(t, m);
    if (arb_is_negative(p)) {  // |m|^p, infinite at m = 0: only a ball away from 0 has an enclosure
      if (arb_is_positive(t))
        arb_pow(res, t, p, prec);
      else
        arb_indeterminate(res);
      return;
    }
    if (arb_is_zero(t))
      arb_zero(res);
    else if (arb_is_positive(t))
      arb_pow(res, t, p, prec);
    else {  // |m|^p over [0, r]: [0, r^p]
      exact::Mag rm;
      arb_get_mag(rm, t);
      Ball r;
      arf_set_mag(arb_midref(r), rm);
      arb_pow(r, r, p, wp);
      arb_get_mag(rm, r);
      arb_zero(res);
      arf_set_mag(arb_midref(res), rm);
      arb_mul_2exp_si(res, res, -1);
      mag_mul_2exp_si(rm, rm, -1);
      arb_add_error_mag(res, rm);
    }
    return;
  }
  if (!arb_is_positive(v)) {
    arb_indeterminate(res);
    return;
  }
  Ball x, a, b, h, t, g;
  arb_div(x, m, v, wp);
  arb_sqr(x, x, wp);
  arb_mul_2exp_si(x, x, -1);
  arb_neg(x, x);
  arb_mul_2exp_si(a, p, -1);
  arb_neg(a, a);
  arb_set_d(b, 0.5);
  arb_hypgeom_1f1(h, a, b, x, 0, wp);
  // v^p 2^{p/2} = (v sqrt 2)^p
  arb_sqrt_ui(t, 2, wp);
  arb_mul(t, t, v, wp);
  arb_pow(t, t, p, wp);
  arb_add_ui(g, p, 1, wp);
  arb_mul_2exp_si(g, g, -1);
  arb_gamma(g, g, wp);
  arb_mul(t, t, g, wp);
  arb_const_sqrt_pi(g, wp);
  arb_div(t, t, g, wp);
  arb_mul(res, t, h, prec);
}

// Proof: CONT-SQN-1 (1 - lr a^2 = (1 - sqrt(lr) a)(1 + sqrt(lr) a), each factor Gaussian).
void sqnormal_log_abs_mean(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, slong prec) {
  if (!arb_is_finite(lr) || !arb_is_finite(mu) || !arb_is_finite(s)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(lr)) throw InputError("sqnormal_log_abs_mean: learning rate lr < 0");
  if (arb_is_negative(s)) throw InputError("sqnormal_log_abs_mean: standard deviation s < 0");
  if (arb_is_zero(lr)) {
    arb_zero(res);
    return;
  }
  if (!arb_is_positive(lr) || !arb_is_nonnegative(s)) {
    arb_indeterminate(res);
    return;
  }
  const double lr_mid = internal::mid_d(lr);
  const slong extra = lr_mid > 0 && lr_mid < 1 ? static_cast<slong>(-std::log2(lr_mid) / 2) : 0;
  const slong wp = prec + std::min<slong>(extra, 8 * prec) + 16;
  Ball r, v, m1, m2, g1, g2;
  arb_sqrt(r, lr, wp);
  arb_mul(v, r, s, wp);
  arb_mul(m1, r, mu, wp);
  arb_neg(m2, m1);
  arb_add_ui(m2, m2, 1, wp);  // 1 - sqrt(lr) mu
  arb_add_ui(m1, m1, 1, wp);  // 1 + sqrt(lr) mu
  gauss_log_abs_mean(g1, m2, v, wp);
  gauss_log_abs_mean(g2, m1, v, wp);
  arb_add(res, g1, g2, prec);
}

}  // namespace lyapcert::continuous
