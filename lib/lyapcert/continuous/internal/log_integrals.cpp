#include "lyapcert/continuous/internal/log_integrals.hpp"

#include <cmath>

#include "lyapcert/continuous/internal/integrate.hpp"

namespace lyapcert::continuous::internal {

void normal_pdf(arb_t res, const arb_t z, slong prec) {
  Ball t;
  arb_sqr(res, z, prec);
  arb_mul_2exp_si(res, res, -1);
  arb_neg(res, res);
  arb_exp(res, res, prec);
  arb_const_pi(t, prec);
  arb_mul_2exp_si(t, t, 1);
  arb_rsqrt(t, t, prec);
  arb_mul(res, res, t, prec);
}

// Proof: CONT-UNIF-1 (|t log|t|| <= r log(1/r) on |t| <= r <= 1/e; <= max(1/e, r log r) otherwise).
void xlogx_minus_x(arb_t res, const arb_t u, slong prec) {
  if (!arb_is_finite(u)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_zero(u)) {
    arb_zero(res);
    return;
  }
  if (!arb_contains_zero(u)) {
    Ball t;
    arb_abs(t, u);
    arb_log(t, t, prec);
    arb_mul(t, t, u, prec);
    arb_sub(res, t, u, prec);
    return;
  }
  // u contains 0: r = sup |u|, B = sup_{|t| <= r} |t log|t||.
  mag_t rm;
  mag_init(rm);
  arb_get_mag(rm, u);
  Ball r, b, inv_e;
  arf_set_mag(arb_midref(r), rm);
  mag_zero(arb_radref(r));
  mag_clear(rm);
  arb_const_e(inv_e, prec);
  arb_inv(inv_e, inv_e, prec);
  if (arb_le(r, inv_e)) {
    arb_log(b, r, prec);
    arb_mul(b, b, r, prec);
    arb_neg(b, b);  // r log(1/r) >= 0
  } else {
    Ball one;
    arb_one(one);
    if (arb_gt(r, one)) {
      arb_log(b, r, prec);
      arb_mul(b, b, r, prec);
    } else {
      arb_zero(b);
    }
    arb_max(b, b, inv_e, prec);
  }
  mag_t bm;
  mag_init(bm);
  arb_get_mag(bm, b);
  arb_neg_round(res, u, prec);
  arb_add_error_mag(res, bm);
  mag_clear(bm);
}

// res := int_0^d t^k log t dt = d^{k+1} (log d - 1/(k+1)) / (k+1) for d in [0, 1]; balls containing 0
// are handled by the monotone bound |.| <= r^{k+1} (1 + |log r|) / (k+1) (r = sup d <= 1).
void j_moment(arb_t res, const arb_t d, slong k, slong prec) {
  if (arb_is_zero(d)) {
    arb_zero(res);
    return;
  }
  if (arb_is_positive(d)) {
    Ball l, p;
    arb_log(l, d, prec);
    Ball inv;
    arb_set_ui(inv, static_cast<ulong>(k + 1));
    arb_inv(inv, inv, prec);
    arb_sub(l, l, inv, prec);
    arb_pow_ui(p, d, static_cast<ulong>(k + 1), prec);
    arb_mul(res, p, l, prec);
    arb_mul(res, res, inv, prec);
    return;
  }
  // d straddles 0 (d >= 0 is checked by the caller).
  mag_t rm;
  mag_init(rm);
  arb_get_mag(rm, d);
  Ball r, l, p;
  arf_set_mag(arb_midref(r), rm);
  mag_clear(rm);
  arb_log(l, r, prec);
  arb_abs(l, l);
  arb_add_ui(l, l, 1, prec);
  arb_pow_ui(p, r, static_cast<ulong>(k + 1), prec);
  arb_mul(p, p, l, prec);
  arb_div_ui(p, p, static_cast<ulong>(k + 1), prec);
  mag_t bm;
  mag_init(bm);
  arb_get_mag(bm, p);
  arb_zero(res);
  arb_add_error_mag(res, bm);
  mag_clear(bm);
}

// Proof: CONT-QUAD-2 (Taylor expansion of the analytic factor, Cauchy bound on the circle R = 8 dmax).
void log_window(arb_t res, const arb_t c1, const arb_t c2, const arb_t d1, const arb_t d2,
                const arb_t dmax, slong prec) {
  Ball eighth;
  arb_set_ui(eighth, 1);
  arb_mul_2exp_si(eighth, eighth, -3);
  if (!arb_is_finite(c1) || !arb_is_finite(c2) || !arb_is_nonnegative(d1) ||
      !arb_is_nonnegative(d2) || !arb_is_positive(dmax) || !arb_le(dmax, eighth) ||
      !arb_le(d1, dmax) || !arb_le(d2, dmax)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 10;
  // M = exp(|c1| R + |c2| R^2) >= max_{|t| = R} |exp(c1 t + c2 t^2)|.
  Ball R, M, t;
  arb_mul_2exp_si(R, dmax, 3);
  arb_abs(M, c1);
  arb_mul(M, M, R, wp);
  arb_abs(t, c2);
  arb_mul(t, t, R, wp);
  arb_mul(t, t, R, wp);
  arb_add(M, M, t, wp);
  mag_t mm;
  mag_init(mm);
  arb_get_mag(mm, M);
  double log2_m = mag_get_d(mm) * 1.4426950408889634 + 1.0;  // log2 of an upper bound of M
  mag_clear(mm);
  if (!(log2_m < 1e6)) {
    arb_indeterminate(res);
    return;
  }
  arb_exp(M, M, wp);
  const slong K = (wp + 8 + static_cast<slong>(log2_m)) / 3 + 2;  // (1/8)^K * M * ... < 2^-wp
  arb_poly_t h, g;
  arb_poly_init(h);
  arb_poly_init(g);
  arb_poly_set_coeff_arb(h, 1, c1);
  arb_poly_set_coeff_arb(h, 2, c2);
  arb_poly_exp_series(g, h, K, wp);
  Ball sum, a, b;
  arb_zero(sum);
  for (slong k = 0; k < K; ++k) {
    arb_poly_get_coeff_arb(t, g, k);
    j_moment(a, d2, k, wp);
    j_moment(b, d1, k, wp);
    if (k % 2 == 0)
      arb_add(a, a, b, wp);
    else
      arb_sub(a, a, b, wp);
    arb_addmul(sum, t, a, wp);
  }
  arb_poly_clear(h);
  arb_poly_clear(g);
  // Truncation error: 2 dmax (1 + |log dmax|) M (1/8)^K / (1 - 1/8).
  Ball e;
  arb_log(e, dmax, wp);
  arb_abs(e, e);
  arb_add_ui(e, e, 1, wp);
  arb_mul(e, e, dmax, wp);
  arb_mul_2exp_si(e, e, 1 - 3 * K);
  arb_mul(e, e, M, wp);
  arb_mul_ui(e, e, 8, wp);
  arb_div_ui(e, e, 7, wp);
  mag_t em;
  mag_init(em);
  arb_get_mag(em, e);
  arb_add_error_mag(sum, em);
  mag_clear(em);
  arb_set_round(res, sum, prec);
}

// Proof: CONT-XY-5 (CONT-QUAD-2 with a general analytic factor). res := int_{-d1}^{d2} log|t| g(t) dt,
// g(t) = sum_k coef_k t^k analytic on |t| <= R = 8 dmax with |g| <= M there, 0 < d1, d2 <= dmax <= 1/8.
void log_window_poly(arb_t res, const arb_poly_t coef, slong nterms, const arb_t M, const arb_t d1,
                     const arb_t d2, const arb_t dmax, slong prec) {
  Ball eighth;
  arb_set_d(eighth, 0.125);
  if (!arb_is_positive(d1) || !arb_is_positive(d2) || !arb_le(d1, dmax) || !arb_le(d2, dmax) ||
      !arb_le(dmax, eighth) || !arb_is_finite(M)) {
    arb_indeterminate(res);
    return;
  }
  Ball sum, t, a, b, e;
  for (slong k = 0; k < nterms; ++k) {
    arb_poly_get_coeff_arb(t, coef, k);
    j_moment(a, d2, k, prec);
    j_moment(b, d1, k, prec);
    if (k % 2 == 0)
      arb_add(a, a, b, prec);
    else
      arb_sub(a, a, b, prec);
    arb_addmul(sum, t, a, prec);
  }
  // 2 dmax (1 + |log dmax|) M 8^{-nterms} (8/7)
  arb_log(e, dmax, prec);
  arb_abs(e, e);
  arb_add_ui(e, e, 1, prec);
  arb_mul(e, e, dmax, prec);
  arb_mul(e, e, M, prec);
  arb_mul_2exp_si(e, e, 1 - 3 * nterms);
  arb_mul_ui(e, e, 8, prec);
  arb_div_ui(e, e, 7, prec);
  add_error_arb(sum, e);
  arb_set(res, sum);
}

// Proof: CONT-XY-NEG-2. int_0^s t^{k+p} dt = s^{k+p+1}/(k+p+1); the Cauchy bound |g_k| <= M R^{-k} gives the
// remainder 2 dmax^{p+1} M 8^{-nterms} (8/7)/(p+1).
void pow_window_poly(arb_t res, const arb_poly_t coef, slong nterms, const arb_t M, const arb_t p, const arb_t d1,
                     const arb_t d2, const arb_t dmax, slong prec) {
  Ball eighth, p1;
  arb_set_d(eighth, 0.125);
  arb_add_ui(p1, p, 1, prec);
  if (!arb_is_positive(d1) || !arb_is_positive(d2) || !arb_le(d1, dmax) || !arb_le(d2, dmax) ||
      !arb_le(dmax, eighth) || !arb_is_finite(M) || !arb_is_negative(p) || !arb_is_positive(p1)) {
    arb_indeterminate(res);
    return;
  }
  Ball sum, t, a, b, e, ex;
  for (slong k = 0; k < nterms; ++k) {
    arb_poly_get_coeff_arb(t, coef, k);
    arb_add_ui(ex, p1, static_cast<ulong>(k), prec);
    arb_pow(a, d2, ex, prec);
    arb_pow(b, d1, ex, prec);
    if (k % 2 == 0)
      arb_add(a, a, b, prec);
    else
      arb_sub(a, a, b, prec);
    arb_div(a, a, ex, prec);
    arb_addmul(sum, t, a, prec);
  }
  arb_pow(e, dmax, p1, prec);
  arb_div(e, e, p1, prec);
  arb_mul(e, e, M, prec);
  arb_mul_2exp_si(e, e, 1 - 3 * nterms);
  arb_mul_ui(e, e, 8, prec);
  arb_div_ui(e, e, 7, prec);
  add_error_arb(sum, e);
  arb_set(res, sum);
}

// Proof: CONT-QUAD-1.
void log_tail_bound(mag_t res, const arb_t c, const arb_t Z, slong prec) {
  Ball one;
  arb_one(one);
  if (!arb_is_finite(c) || !arb_ge(Z, one)) {
    mag_inf(res);
    return;
  }
  Ball phi, l;
  normal_pdf(phi, Z, prec);
  arb_abs(l, c);
  arb_log1p(l, l, prec);
  arb_div(l, l, Z, prec);
  arb_add_ui(l, l, 2, prec);
  arb_mul(l, l, phi, prec);
  arb_mul_2exp_si(l, l, 1);
  arb_get_mag(res, l);
}

}  // namespace lyapcert::continuous::internal
