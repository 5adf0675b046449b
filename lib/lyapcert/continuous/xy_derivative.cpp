// Derivative enclosures of the xy exponent in the learning rate (and in sigma) over balls.
// Proof: CONT-XYD-1 .. CONT-XYD-4 (proofs/continuous/xy_derivative.md).
#include <acb_calc.h>
#include <acb_hypgeom.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "lyapcert/continuous/detail.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using detail::abs_lb;
using detail::abs_ub;
using detail::ArbTmp;

namespace {

// m(t) = A + C t^2, v(t) = e t, u(t) = u0 + u2 t^2; weight K t^{S-1} e^{-t^2/2}.
// Integrand F = cv * G_v(m, v) v + u * G_m(m, v)   (sigma > 0), or u / m (sigma0).
struct DParam {
  arb_srcptr A, C, e, K;
  ulong S;
  arb_srcptr cv, u0, u2;  // cv = 1/lr (d/dlr) or 1/sigma (d/dsigma, u = 0)
  bool sigma0 = false;    // e = 0: integrand u/m (Proof: CONT-XYD-4)
  slong tol_bits = 0;     // absolute quadrature tolerance 2^-tol_bits (wide parameter balls: a few bits)
};

// Bits of relative accuracy of the parameter balls (wide cells need only a coarse quadrature).
slong param_bits(const arb_t x, slong prec) {
  const slong b = std::min<slong>(arb_rel_accuracy_bits(x), prec);  // exact balls: ARF_PREC_EXACT
  return std::max<slong>(16, std::min<slong>(prec, b + 12));
}

// out := 1F1(1; b; -y) for the ball y (real point balls: arb; boxes: acb, with the bounds of CONT-XYD-2 on
// Re y >= 0 when tighter: |1F1(1; 3/2; -y)| <= 1, |1F1(1; 1/2; -y)| <= 1 + 2|y|).
void f11(acb_t out, const acb_t y, double bpar, bool point, slong prec) {
  if (point) {
    arb_t xr, one, th, r;
    arb_init(xr);
    arb_init(one);
    arb_init(th);
    arb_init(r);
    arb_neg(xr, acb_realref(y));
    arb_one(one);
    arb_set_d(th, bpar);
    arb_hypgeom_1f1(r, one, th, xr, 0, prec);
    if (!arb_is_finite(r) && arb_is_nonnegative(acb_realref(y))) {
      // Proof: CONT-XYD-3 -- for real y >= 0: 0 <= 1F1(1; 3/2; -y) <= min(1, 1/y), |1F1(1; 1/2; -y)| <= 1.
      arb_zero(r);
      mag_t bm;
      mag_init(bm);
      if (bpar > 1) {
        arb_get_mag_lower(bm, acb_realref(y));
        if (mag_cmp_2exp_si(bm, 0) > 0) {
          mag_inv(bm, bm);  // upper bound of 1/y_lo
        } else {
          mag_one(bm);
        }
        mag_mul_2exp_si(bm, bm, -1);
        arf_set_mag(arb_midref(r), bm);
        mag_set(arb_radref(r), bm);  // [0, bound]
      } else {
        mag_one(bm);
        mag_set(arb_radref(r), bm);  // [-1, 1]
      }
      mag_clear(bm);
    }
    acb_zero(out);
    arb_set(acb_realref(out), r);
    arb_clear(xr);
    arb_clear(one);
    arb_clear(th);
    arb_clear(r);
    return;
  }
  acb_t one, th, ny;
  acb_init(one);
  acb_init(th);
  acb_init(ny);
  acb_one(one);
  acb_set_d(th, bpar);
  acb_neg(ny, y);
  acb_hypgeom_1f1(out, one, th, ny, 0, prec);
  if (arb_is_nonnegative(acb_realref(y))) {
    // Proof: CONT-XYD-2.
    mag_t r1, ra;
    mag_init(r1);
    mag_init(ra);
    if (bpar > 1) {
      mag_one(r1);
    } else {
      acb_get_mag(r1, y);
      mag_mul_2exp_si(r1, r1, 1);
      mag_add_ui(r1, r1, 1);
    }
    acb_get_mag(ra, out);
    if (!acb_is_finite(out) || mag_cmp(ra, r1) > 0) {
      acb_zero(out);
      arb_add_error_mag(acb_realref(out), r1);
      arb_add_error_mag(acb_imagref(out), r1);
    }
    mag_clear(r1);
    mag_clear(ra);
  }
  acb_clear(one);
  acb_clear(th);
  acb_clear(ny);
}

// Proof: CONT-XYD-1. G_m(m, v) = (m/v^2) 1F1(1; 3/2; -y), G_v(m, v) v = 1F1(1; 1/2; -y), y = m^2/(2 v^2):
// entire in (m, 1/v), hence holomorphic in t on Re t > 0.
int dintegrand(acb_ptr out, const acb_t t, void* param, slong order, slong prec) {
  (void)order;
  auto* q = static_cast<DParam*>(param);
  if (!arb_is_positive(acb_realref(t))) {
    acb_indeterminate(out);
    return 0;
  }
  acb_t m, v, y, f, w, a, b, u;
  acb_init(m);
  acb_init(v);
  acb_init(y);
  acb_init(f);
  acb_init(w);
  acb_init(a);
  acb_init(b);
  acb_init(u);
  acb_sqr(w, t, prec);
  acb_mul_arb(m, w, q->C, prec);
  acb_add_arb(m, m, q->A, prec);  // m = A + C t^2
  acb_mul_arb(u, w, q->u2, prec);
  acb_add_arb(u, u, q->u0, prec);  // u = u0 + u2 t^2
  if (q->sigma0) {
    acb_div(f, u, m, prec);
  } else {
    const bool point = arb_is_zero(acb_imagref(t)) && arb_rel_accuracy_bits(acb_realref(t)) > prec / 2;
    acb_mul_arb(v, t, q->e, prec);
    acb_sqr(v, v, prec);     // v^2
    acb_div(b, m, v, prec);  // m / v^2
    acb_mul(y, b, m, prec);
    acb_mul_2exp_si(y, y, -1);  // y = m^2 / (2 v^2)
    f11(a, y, 1.5, point, prec);
    acb_mul(a, a, b, prec);  // G_m
    acb_mul(f, a, u, prec);  // u G_m
    if (!arb_is_zero(q->cv)) {
      f11(a, y, 0.5, point, prec);  // G_v v
      acb_mul_arb(a, a, q->cv, prec);
      acb_add(f, f, a, prec);
    }
  }
  // weight K t^{S-1} e^{-t^2/2}
  acb_mul_2exp_si(w, w, -1);
  acb_neg(w, w);
  acb_exp(w, w, prec);
  if (q->S > 1) {
    acb_pow_ui(b, t, q->S - 1, prec);
    acb_mul(w, w, b, prec);
  }
  acb_mul_arb(w, w, q->K, prec);
  acb_mul(out, f, w, prec);
  acb_clear(m);
  acb_clear(v);
  acb_clear(y);
  acb_clear(f);
  acb_clear(w);
  acb_clear(a);
  acb_clear(b);
  acb_clear(u);
  return 0;
}

// K = 2^{1 - S/2} / Gamma(S/2).
void chi_const(arb_t K, ulong S, slong prec) {
  ArbTmp t, h, two;
  arb_set_ui(t, S);
  arb_mul_2exp_si(t, t, -1);
  arb_gamma(t, t, prec);
  arb_one(K);
  arb_mul_2exp_si(K, K, 1);
  arb_div(K, K, t, prec);
  arb_set_ui(h, S);
  arb_mul_2exp_si(h, h, -1);
  arb_set_ui(two, 2);
  arb_pow(h, two, h, prec);
  arb_div(K, K, h, prec);
}

// Proof: CONT-XYD-3. Upper bound of sup |G_m(m(t), e t)| (|1/m| for sigma0) over t in [lo, hi]
// (0 <= lo < hi, hi may be +inf encoded as lo with hi_inf), from |G_m| <= min(sqrt2 / v, 2 / |m|) and
// |G_m m| <= 2 (x >= 0 real). Non-finite when no bound applies.
void sup_gm(arb_t res, const DParam& q, const arb_t lo, const arb_t hi, bool hi_inf, slong prec) {
  const ulong num = q.sigma0 ? 1 : 2;  // |1/m| <= 1/|m| (sigma = 0), |G_m| <= 2/|m|
  ArbTmp b1, b2, t, mlo;
  arb_indeterminate(b1);
  arb_indeterminate(b2);
  if (!q.sigma0 && arb_is_positive(lo)) {  // sqrt2 / (e lo)
    arb_mul(t, q.e, lo, prec);
    arb_sqrt_ui(b1, 2, prec);
    arb_div(b1, b1, t, prec);
  }
  // inf |A + C t^2| on [lo, hi]
  const bool same = (arb_is_nonnegative(q.A) && arb_is_nonnegative(q.C)) ||
                    (arb_is_nonpositive(q.A) && arb_is_nonpositive(q.C));
  if (same) {  // |m| >= |A| + |C| lo^2
    ArbTmp a, c;
    abs_lb(a, q.A, prec);
    abs_lb(c, q.C, prec);
    arb_sqr(t, lo, prec);
    arb_mul(c, c, t, prec);
    arb_add(mlo, a, c, prec);
  } else {
    ArbTmp a, c, d1, d2;
    abs_ub(a, q.A, prec);
    abs_lb(c, q.C, prec);
    // |m| >= |C| lo^2 - |A| when positive, or |A| - |C| hi^2 when positive
    arb_sqr(t, lo, prec);
    arb_mul(d1, c, t, prec);
    arb_sub(d1, d1, a, prec);
    arb_zero(d2);
    if (!hi_inf) {
      ArbTmp al, cu;
      abs_lb(al, q.A, prec);
      abs_ub(cu, q.C, prec);
      arb_sqr(t, hi, prec);
      arb_mul(cu, cu, t, prec);
      arb_sub(d2, al, cu, prec);
    }
    arb_max(mlo, d1, d2, prec);
  }
  if (arb_is_positive(mlo)) {
    arb_set_ui(b2, num);
    arb_div(b2, b2, mlo, prec);
  }
  if (arb_is_finite(b1) && arb_is_finite(b2)) {
    arb_min(res, b1, b2, prec);
  } else if (arb_is_finite(b1)) {
    arb_set(res, b1);
  } else {
    arb_set(res, b2);
  }
}

// Proof: CONT-XYD-3. Upper bound of int over [0, L] (head) or [T, inf) (tail) of |F| w:
// |cv| Pr0 + sup|G_m| (|u0| Pr0 + |u2| S Pr1), Pr0 = P(t in range), Pr1 = P(chi^2_{S+2} in range^2)
// (E[t^2; range] = S Pr1), with |G_v v| <= 1 and sup|G_m| from sup_gm (1/|m| for sigma0, cv = 0 there).
void end_bound(arb_t res, const DParam& q, const arb_t lo, const arb_t hi, bool tail, slong prec) {
  ArbTmp sup, p0, p1, s, z, t, acc;
  sup_gm(sup, q, lo, hi, tail, prec);
  arb_set_ui(s, q.S);
  arb_mul_2exp_si(s, s, -1);
  arb_sqr(z, tail ? lo : hi, prec);
  arb_mul_2exp_si(z, z, -1);
  if (tail) {
    arb_hypgeom_gamma_upper(p0, s, z, 1, prec);
    arb_add_ui(s, s, 1, prec);
    arb_hypgeom_gamma_upper(p1, s, z, 1, prec);
  } else {
    arb_hypgeom_gamma_lower(p0, s, z, 1, prec);
    arb_add_ui(s, s, 1, prec);
    arb_hypgeom_gamma_lower(p1, s, z, 1, prec);
  }
  abs_ub(acc, q.u0, prec);
  arb_mul(acc, acc, p0, prec);
  abs_ub(t, q.u2, prec);
  arb_mul_ui(t, t, q.S, prec);
  arb_mul(t, t, p1, prec);
  arb_add(acc, acc, t, prec);
  arb_mul(acc, acc, sup, prec);
  abs_ub(t, q.cv, prec);
  arb_addmul(acc, t, p0, prec);
  arb_set(res, acc);
}

bool small_enough(const arb_t b, const mag_t tol) {
  if (!arb_is_finite(b)) return false;
  mag_t mm;
  mag_init(mm);
  arb_get_mag(mm, b);
  const bool ok = mag_cmp(mm, tol) <= 0;
  mag_clear(mm);
  return ok;
}

// Proof: CONT-XYD-3. res := int_0^inf F(t) K t^{S-1} e^{-t^2/2} dt as head bound + Gauss-Legendre on [L, T]
// (geometric pieces below 1) + tail bound.
void f_integral(arb_t res, DParam& q, slong prec) {
  const slong wp = prec + 10;
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -(std::min(prec, q.tol_bits) + 4));
  ArbTmp L, T, headb, tailb, zero;
  bool ok = false;
  for (slong j = 1; j < 4 * wp + 64 && !ok; j = j < 16 ? j + 1 : j + j / 4) {
    arb_one(L);
    arb_mul_2exp_si(L, L, -j);
    end_bound(headb, q, zero, L, false, wp);
    ok = small_enough(headb, tol);
  }
  if (!ok) {
    mag_clear(tol);
    arb_indeterminate(res);
    return;
  }
  ok = false;
  for (double td = std::max(2.0, std::sqrt(static_cast<double>(q.S))); td < 1e6 && !ok; td *= 1.125) {
    arb_set_d(T, std::ldexp(std::floor(std::ldexp(td, 8)), -8));
    end_bound(tailb, q, T, T, true, wp);
    ok = small_enough(tailb, tol);
  }
  mag_clear(tol);
  if (!ok || !arb_lt(L, T)) {
    arb_indeterminate(res);
    return;
  }
  ArbTmp total, piece, one;
  arb_one(one);
  if (arb_lt(L, one) && arb_lt(one, T)) {
    ArbTmp lo, hi;
    arb_set(lo, L);
    while (arb_lt(lo, one)) {
      arb_mul_2exp_si(hi, lo, 2);
      if (arb_gt(hi, one)) arb_set(hi, one);
      detail::integrate_tol(piece, dintegrand, &q, lo, hi, q.tol_bits, wp);
      arb_add(total, total, piece, wp);
      arb_set(lo, hi);
    }
    detail::integrate_tol(piece, dintegrand, &q, one, T, q.tol_bits, wp);
    arb_add(total, total, piece, wp);
  } else {
    detail::integrate_tol(total, dintegrand, &q, L, T, q.tol_bits, wp);
  }
  detail::add_error_arb(total, headb);
  detail::add_error_arb(total, tailb);
  arb_set_round(res, total, prec);
}

// e := |b1| lr sigma / S (v(t) = e t).
void noise_scale(arb_t e, const arb_t lr, const arb_t b1, const arb_t sigma, ulong S, slong wp) {
  arb_abs(e, b1);
  arb_mul(e, e, lr, wp);
  arb_mul(e, e, sigma, wp);
  arb_div_ui(e, e, S, wp);
}

// Shared prologue; returns false (res set) when decided.
bool dprologue(arb_t res, const arb_t lr, const arb_t b1, const arb_t sigma, ulong S, const char* name) {
  if (S == 0) throw InputError(std::string(name) + ": batch size S = 0");
  if (arb_is_finite(sigma) && arb_is_negative(sigma)) throw InputError(std::string(name) + ": sigma < 0");
  if (!arb_is_finite(lr) || !arb_is_positive(lr) || !arb_is_finite(b1) || !arb_is_finite(sigma) ||
      !arb_is_nonnegative(sigma)) {
    arb_indeterminate(res);
    return false;
  }
  return true;
}

}  // namespace

// Proof: CONT-XYD-1 .. CONT-XYD-4.
void xy_log_abs_mean_dlr(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t k,
                         const arb_t sigma, ulong S, slong prec) {
  if (!dprologue(res, lr, b1, sigma, S, "xy_log_abs_mean_dlr")) return;
  const slong wp = std::min<slong>(prec, 256) + 16;
  ArbTmp A, C, e, K, u2, cv, zero;
  arb_mul(A, lr, a1, wp);
  arb_add_ui(A, A, 1, wp);
  if (arb_is_zero(b1)) {  // d/dlr log|1 + lr a1| = a1 / (1 + lr a1)
    arb_div(res, a1, A, prec);
    return;
  }
  arb_mul(u2, b1, k, wp);
  arb_div_ui(u2, u2, S, wp);  // u = a1 + (b1 k/S) t^2 = dm/dlr
  arb_mul(C, lr, u2, wp);
  noise_scale(e, lr, b1, sigma, S, wp);
  arb_inv(cv, lr, wp);
  chi_const(K, S, wp);
  DParam q{A, C, e, K, S, cv, a1, u2};
  q.tol_bits = std::min(param_bits(lr, wp), param_bits(sigma, wp));
  if (arb_is_zero(sigma)) {
    q.sigma0 = true;
    q.cv = zero;
    // Proof: CONT-XYD-4: only when A + C t^2 keeps one strict sign (no principal value).
    const bool same = (arb_is_positive(A) && arb_is_nonnegative(C)) || (arb_is_negative(A) && arb_is_nonpositive(C));
    if (!same) {
      arb_indeterminate(res);
      return;
    }
  } else if (!arb_is_positive(e)) {
    arb_indeterminate(res);
    return;
  }
  f_integral(res, q, wp);
  arb_set_round(res, res, prec);
}

// Proof: CONT-XYD-1 (d/dsigma), CONT-XYD-3.
void xy_log_abs_mean_dsigma(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t k,
                            const arb_t sigma, ulong S, slong prec) {
  if (!dprologue(res, lr, b1, sigma, S, "xy_log_abs_mean_dsigma")) return;
  if (!arb_is_positive(sigma) || arb_contains_zero(b1)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = std::min<slong>(prec, 256) + 16;
  ArbTmp A, C, e, K, cv, zero;
  arb_mul(A, lr, a1, wp);
  arb_add_ui(A, A, 1, wp);
  arb_mul(C, lr, b1, wp);
  arb_mul(C, C, k, wp);
  arb_div_ui(C, C, S, wp);
  noise_scale(e, lr, b1, sigma, S, wp);
  arb_inv(cv, sigma, wp);
  chi_const(K, S, wp);
  DParam q{A, C, e, K, S, cv, zero, zero};
  q.tol_bits = std::min(param_bits(lr, wp), param_bits(sigma, wp));
  f_integral(res, q, wp);
  arb_set_round(res, res, prec);
}

}  // namespace lyapcert::continuous
