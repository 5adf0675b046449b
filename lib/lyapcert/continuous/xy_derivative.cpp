// Derivative enclosures of the xy exponent in the learning rate (and in sigma) over balls, and of the bivariate
// exponent in the learning rate (the same quadrature with a Gaussian weight on two half-lines).
// Proof: CONT-XYD-1 .. CONT-XYD-5 (proofs/continuous/xy_derivative.md), CONT-BIVD-1, CONT-BIVD-2
// (proofs/continuous/bivariate_derivative.md).
#include "lyapcert/continuous/xy_derivative.hpp"

#include <acb_calc.h>
#include <acb_hypgeom.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "lyapcert/continuous/bivariate.hpp"
#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using internal::abs_lb;
using internal::abs_ub;
using internal::Ball;

namespace {

// m(t) = A + C t^2, v(t) = e t, u(t) = u0 + u2 t^2; weight K t^{S-1} e^{-t^2/2}.
// Integrand F = cv * G_v(m, v) v + u * G_m(m, v)   (sigma > 0), or u / m (sigma0).
struct DParam {
  arb_srcptr A, C, e, K;
  ulong S;
  arb_srcptr cv, u0, u2;  // cv = 1/lr (d/dlr) or 1/sigma (d/dsigma, u = 0)
  bool sigma0 = false;    // e = 0: integrand u/m (Proof: CONT-XYD-4)
  slong tol_bits = 0;     // absolute quadrature tolerance 2^-tol_bits (wide parameter balls: a few bits)
  // Bivariate half-line (Proof: CONT-BIVD-2): m = A + C1 t + C t^2, u = u0 + u1 t + u2 t^2 and the Gaussian
  // weight K exp(-(t - wmu)^2 / (2 ws^2)) instead of the chi weight (gauss = true; S is then unused).
  arb_srcptr C1 = nullptr, u1 = nullptr;
  bool gauss = false;
  arb_srcptr wmu = nullptr, ws = nullptr;
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
  if (q->C1 != nullptr) {          // + C1 t, + u1 t (bivariate half-line)
    acb_mul_arb(a, t, q->C1, prec);
    acb_add(m, m, a, prec);
    acb_mul_arb(a, t, q->u1, prec);
    acb_add(u, u, a, prec);
  }
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
  if (q->gauss) {  // weight K exp(-(t - wmu)^2 / (2 ws^2))
    acb_sub_arb(w, t, q->wmu, prec);
    acb_div_arb(w, w, q->ws, prec);
    acb_sqr(w, w, prec);
    acb_mul_2exp_si(w, w, -1);
    acb_neg(w, w);
    acb_exp(w, w, prec);
    acb_mul_arb(w, w, q->K, prec);
    acb_mul(out, f, w, prec);
  } else {  // weight K t^{S-1} e^{-t^2/2}
    acb_mul_2exp_si(w, w, -1);
    acb_neg(w, w);
    acb_exp(w, w, prec);
    if (q->S > 1) {
      acb_pow_ui(b, t, q->S - 1, prec);
      acb_mul(w, w, b, prec);
    }
    acb_mul_arb(w, w, q->K, prec);
    acb_mul(out, f, w, prec);
  }
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
  Ball t, h, two;
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
  Ball b1, b2, t, mlo;
  arb_indeterminate(b1);
  arb_indeterminate(b2);
  if (!q.sigma0 && arb_is_positive(lo)) {  // sqrt2 / (e lo)
    arb_mul(t, q.e, lo, prec);
    arb_sqrt_ui(b1, 2, prec);
    arb_div(b1, b1, t, prec);
  }
  if (q.C1 != nullptr) {
    // Proof: CONT-BIVD-2 -- m = A + C1 t + C t^2: inf |m| on a finite [lo, hi] from the ball m([lo, hi]);
    // on a tail only the bound sqrt2 / (e lo).
    if (!hi_inf) {
      Ball tb, mb;
      arb_union(tb, lo, hi, prec);
      arb_sqr(mb, tb, prec);
      arb_mul(mb, mb, q.C, prec);
      arb_addmul(mb, tb, q.C1, prec);
      arb_add(mb, mb, q.A, prec);
      abs_lb(mlo, mb, prec);
      if (arb_is_positive(mlo)) {
        arb_set_ui(b2, num);
        arb_div(b2, b2, mlo, prec);
      }
    }
  } else {
    // inf |A + C t^2| on [lo, hi]
    const bool same = (arb_is_nonnegative(q.A) && arb_is_nonnegative(q.C)) ||
                      (arb_is_nonpositive(q.A) && arb_is_nonpositive(q.C));
    if (same) {  // |m| >= |A| + |C| lo^2
      Ball a, c;
      abs_lb(a, q.A, prec);
      abs_lb(c, q.C, prec);
      arb_sqr(t, lo, prec);
      arb_mul(c, c, t, prec);
      arb_add(mlo, a, c, prec);
    } else {
      Ball a, c, d1, d2;
      abs_ub(a, q.A, prec);
      abs_lb(c, q.C, prec);
      // |m| >= |C| lo^2 - |A| when positive, or |A| - |C| hi^2 when positive
      arb_sqr(t, lo, prec);
      arb_mul(d1, c, t, prec);
      arb_sub(d1, d1, a, prec);
      arb_zero(d2);
      if (!hi_inf) {
        Ball al, cu;
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
  }
  if (arb_is_finite(b1) && arb_is_finite(b2)) {
    arb_min(res, b1, b2, prec);
  } else if (arb_is_finite(b1)) {
    arb_set(res, b1);
  } else {
    arb_set(res, b2);
  }
}

// Weight moments over the head [0, L] (lo = 0, hi = L) or the tail [T, inf) (lo = T):
// m0 = int w, m2 = int t^2 w (upper bounds). Chi weight: m0 = P, m2 = S P' (CONT-XYD-3);
// Gaussian weight K exp(-(t - mu)^2/(2 s^2)): head m0 <= K L, m2 <= K L^3/3 (w <= K); tail with
// z = (T - mu)/s, Q = erfc(z/sqrt2)/2, phi = e^{-z^2/2}/sqrt(2 pi): m0 = c Q, m2 = c ((mu^2 + s^2) Q +
// s phi (mu + T)), c = K s sqrt(2 pi) (Proof: CONT-BIVD-2).
void weight_moments(arb_t m0, arb_t m2, const DParam& q, const arb_t lo, const arb_t hi, bool tail, slong prec) {
  if (!q.gauss) {
    Ball s, z;
    arb_set_ui(s, q.S);
    arb_mul_2exp_si(s, s, -1);
    arb_sqr(z, tail ? lo : hi, prec);
    arb_mul_2exp_si(z, z, -1);
    if (tail) {
      arb_hypgeom_gamma_upper(m0, s, z, 1, prec);
      arb_add_ui(s, s, 1, prec);
      arb_hypgeom_gamma_upper(m2, s, z, 1, prec);
    } else {
      arb_hypgeom_gamma_lower(m0, s, z, 1, prec);
      arb_add_ui(s, s, 1, prec);
      arb_hypgeom_gamma_lower(m2, s, z, 1, prec);
    }
    arb_mul_ui(m2, m2, q.S, prec);
    return;
  }
  if (!tail) {
    arb_mul(m0, q.K, hi, prec);
    arb_sqr(m2, hi, prec);
    arb_mul(m2, m2, m0, prec);
    arb_div_ui(m2, m2, 3, prec);
    return;
  }
  Ball z, Q, phi, c, t, r2;
  arb_sub(z, lo, q.wmu, prec);
  arb_div(z, z, q.ws, prec);
  arb_sqrt_ui(r2, 2, prec);
  arb_div(Q, z, r2, prec);
  arb_hypgeom_erfc(Q, Q, prec);
  arb_mul_2exp_si(Q, Q, -1);
  internal::normal_pdf(phi, z, prec);
  arb_const_pi(c, prec);
  arb_mul_2exp_si(c, c, 1);
  arb_sqrt(c, c, prec);
  arb_mul(c, c, q.ws, prec);
  arb_mul(c, c, q.K, prec);
  arb_mul(m0, c, Q, prec);
  arb_sqr(t, q.wmu, prec);
  arb_addmul(t, q.ws, q.ws, prec);
  arb_mul(m2, t, Q, prec);
  arb_add(t, q.wmu, lo, prec);
  arb_mul(t, t, phi, prec);
  arb_addmul(m2, t, q.ws, prec);
  arb_mul(m2, m2, c, prec);
}

// Proof: CONT-XYD-3. Upper bound of int over [0, L] (head) or [T, inf) (tail) of |F| w:
// |cv| m0 + sup|G_m| (|u0| m0 + |u1| (m0 + m2)/2 + |u2| m2) (weight_moments; t <= (1 + t^2)/2), with
// |G_v v| <= 1 and sup|G_m| from sup_gm (1/|m| for sigma0, cv = 0 there).
void end_bound(arb_t res, const DParam& q, const arb_t lo, const arb_t hi, bool tail, slong prec) {
  Ball sup, p0, p2, t, acc;
  sup_gm(sup, q, lo, hi, tail, prec);
  weight_moments(p0, p2, q, lo, hi, tail, prec);
  abs_ub(acc, q.u0, prec);
  arb_mul(acc, acc, p0, prec);
  abs_ub(t, q.u2, prec);
  arb_addmul(acc, t, p2, prec);
  if (q.u1 != nullptr) {
    Ball h;
    arb_add(h, p0, p2, prec);
    arb_mul_2exp_si(h, h, -1);
    abs_ub(t, q.u1, prec);
    arb_addmul(acc, t, h, prec);
  }
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

// Proof: CONT-XYD-3. res := int_0^inf F(t) w(t) dt as head bound + Gauss-Legendre on [L, T]
// (geometric pieces below 1) + tail bound. With a window [w1, w2] (exact, L < w1 < w2 < T required, else a
// non-finite result) the window is left out: the caller adds it (Proof: CONT-XYD-5).
void f_integral(arb_t res, DParam& q, slong prec, arb_srcptr w1 = nullptr, arb_srcptr w2 = nullptr) {
  const slong wp = prec + 10;
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -(std::min(prec, q.tol_bits) + 4));
  Ball L, T, headb, tailb, zero;
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
  const bool window = w1 != nullptr && w2 != nullptr;
  if (!ok || !arb_lt(L, T) || (window && !(arb_lt(L, w1) && arb_lt(w1, w2) && arb_lt(w2, T)))) {
    arb_indeterminate(res);
    return;
  }
  Ball total, piece;
  // int over [lo, hi] minus the window (all endpoints exact, so the comparisons are decided).
  auto add_piece = [&](const arb_t lo, const arb_t hi) {
    if (!window || arb_le(hi, w1) || arb_ge(lo, w2)) {
      internal::integrate_tol(piece, dintegrand, &q, lo, hi, q.tol_bits, wp);
      arb_add(total, total, piece, wp);
      return;
    }
    if (arb_lt(lo, w1)) {
      internal::integrate_tol(piece, dintegrand, &q, lo, w1, q.tol_bits, wp);
      arb_add(total, total, piece, wp);
    }
    if (arb_gt(hi, w2)) {
      internal::integrate_tol(piece, dintegrand, &q, w2, hi, q.tol_bits, wp);
      arb_add(total, total, piece, wp);
    }
  };
  Ball one;
  arb_one(one);
  if (arb_lt(L, one) && arb_lt(one, T)) {
    Ball lo, hi;
    arb_set(lo, L);
    while (arb_lt(lo, one)) {
      arb_mul_2exp_si(hi, lo, 2);
      if (arb_gt(hi, one)) arb_set(hi, one);
      add_piece(lo, hi);
      arb_set(lo, hi);
    }
    add_piece(one, T);
  } else {
    add_piece(L, T);
  }
  internal::add_error_arb(total, headb);
  internal::add_error_arb(total, tailb);
  arb_set_round(res, total, prec);
}

// Proof: CONT-XYD-5. sigma = 0 with a sign change of m = A + C t^2 at t0 = sqrt(-A/C) > 0:
// res := PV int_0^inf w(t)/m(t) dt (w the chi_S density) = head + tail bounds + quadrature off the window
// [td - delta, td + delta] (td = mid t0, exact) + the window PV int_{-d1}^{d2} g(t0 + s)/s ds,
// g(t) = w(t)/(C (t + t0)), by the Taylor series of g at t0 (Cauchy bound M on |s| <= R = 16 delta).
void pv_sigma0(arb_t res, DParam& q, slong prec) {
  const slong wp = prec + 10;
  Ball t0, t;
  arb_div(t0, q.A, q.C, wp);
  arb_neg(t0, t0);
  if (!arb_is_positive(t0)) {
    arb_indeterminate(res);
    return;
  }
  arb_sqrt(t0, t0, wp);
  const double t0d = internal::mid_d(t0);
  const double P1 = std::max<double>(1.0, static_cast<double>(q.S) - 1.0);
  const double dcap = std::min({1.0 / 16, t0d / 32, 1.0 / (16 * (1 + t0d)), t0d / (16 * P1)});
  if (!(dcap > 1e-300) || !std::isfinite(t0d)) {
    arb_indeterminate(res);
    return;
  }
  int ex = 0;
  std::frexp(dcap, &ex);
  Ball delta, td, w1, w2, d1, d2, dmax, R, M, rest, win;
  arb_one(delta);
  arb_mul_2exp_si(delta, delta, ex - 1);  // delta <= dcap, a power of 2
  arb_set_arf(td, arb_midref(t0.get()));
  arb_sub(w1, td, delta, wp);
  arb_add(w2, td, delta, wp);
  arb_sub(d1, t0, w1, wp);
  arb_sub(d2, w2, t0, wp);
  arb_mul_2exp_si(dmax, delta, 1);
  arb_mul_2exp_si(R, dmax, 3);
  if (!arb_is_positive(d1) || !arb_is_positive(d2) || !arb_le(d1, dmax) || !arb_le(d2, dmax)) {
    arb_indeterminate(res);  // t0 too uncertain for the window (a wide lr cell): split
    return;
  }
  f_integral(rest, q, prec, w1, w2);
  if (!arb_is_finite(rest)) {
    arb_indeterminate(res);
    return;
  }
  // M >= sup_{|s| <= R} |g(t0 + s)| = K (t0 + R)^{S-1} e^{-t0^2/2 + t0 R + R^2/2} / (|C| (2 t0 - R)).
  Ball t2, den;
  arb_add(M, t0, R, wp);
  arb_pow_ui(M, M, q.S - 1, wp);
  arb_sqr(t, t0, wp);
  arb_mul_2exp_si(t, t, -1);
  arb_neg(t, t);
  arb_addmul(t, t0, R, wp);
  arb_sqr(t2, R, wp);
  arb_mul_2exp_si(t2, t2, -1);
  arb_add(t, t, t2, wp);
  arb_exp(t, t, wp);
  arb_mul(M, M, t, wp);
  arb_mul(M, M, q.K, wp);
  arb_mul_2exp_si(den, t0, 1);
  arb_sub(den, den, R, wp);
  arb_abs(t, q.C);
  arb_mul(den, den, t, wp);
  if (!arb_is_positive(den)) {
    arb_indeterminate(res);
    return;
  }
  arb_div(M, M, den, wp);
  const double log2M = std::log2(std::max(internal::abs_upper_d(M), 1e-300));
  if (!std::isfinite(log2M)) {
    arb_indeterminate(res);
    return;
  }
  const slong nterms = (wp + 8 + static_cast<slong>(std::max(0.0, log2M + 64))) / 3 + 2;
  // Taylor coefficients of g(t0 + s) = K e^{-t0^2/2} (t0 + s)^{S-1} exp(-t0 s - s^2/2) / (C (2 t0 + s)).
  arb_poly_t lin, pw, ex2, prod, inv;
  arb_poly_init(lin);
  arb_poly_init(pw);
  arb_poly_init(ex2);
  arb_poly_init(prod);
  arb_poly_init(inv);
  arb_poly_set_coeff_arb(lin, 0, t0);
  arb_poly_set_coeff_si(lin, 1, 1);
  arb_poly_pow_ui_trunc_binexp(pw, lin, q.S - 1, nterms, wp);
  arb_poly_zero(lin);
  arb_neg(t, t0);
  arb_poly_set_coeff_arb(lin, 1, t);
  arb_set_d(t, -0.5);
  arb_poly_set_coeff_arb(lin, 2, t);
  arb_poly_exp_series(ex2, lin, nterms, wp);
  arb_poly_mullow(prod, pw, ex2, nterms, wp);
  arb_poly_zero(lin);
  arb_mul_2exp_si(t, t0, 1);
  arb_mul(t, t, q.C, wp);
  arb_poly_set_coeff_arb(lin, 0, t);
  arb_poly_set_coeff_arb(lin, 1, q.C);
  arb_poly_inv_series(inv, lin, nterms, wp);
  arb_poly_mullow(prod, prod, inv, nterms, wp);
  arb_sqr(t, t0, wp);
  arb_mul_2exp_si(t, t, -1);
  arb_neg(t, t);
  arb_exp(t, t, wp);
  arb_mul(t, t, q.K, wp);
  arb_poly_scalar_mul(prod, prod, t, wp);
  // PV int_{-d1}^{d2} s^{k-1} ds: log(d2/d1) (k = 0), (d2^k - (-d1)^k)/k (k >= 1).
  Ball c, pa, pb;
  arb_div(pa, d2, d1, wp);
  arb_log(pa, pa, wp);
  arb_poly_get_coeff_arb(c, prod, 0);
  arb_mul(win, c, pa, wp);
  for (slong k = 1; k < nterms; ++k) {
    arb_pow_ui(pa, d2, static_cast<ulong>(k), wp);
    arb_pow_ui(pb, d1, static_cast<ulong>(k), wp);
    if (k % 2 == 0)
      arb_sub(pa, pa, pb, wp);
    else
      arb_add(pa, pa, pb, wp);
    arb_div_si(pa, pa, k, wp);
    arb_poly_get_coeff_arb(c, prod, k);
    arb_addmul(win, c, pa, wp);
  }
  arb_poly_clear(lin);
  arb_poly_clear(pw);
  arb_poly_clear(ex2);
  arb_poly_clear(prod);
  arb_poly_clear(inv);
  // Truncation: sum_{k >= n} (M/R^k)(d1^k + d2^k)/k <= 2 M 8^{-n} (8/7) (dmax/R = 1/8).
  arb_mul_2exp_si(t, M, 1 - 3 * nterms);
  arb_mul_ui(t, t, 8, wp);
  arb_div_ui(t, t, 7, wp);
  internal::add_error_arb(win, t);
  arb_add(res, rest, win, prec);
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
  Ball A, C, e, K, u2, cv, zero;
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
    // Proof: CONT-XYD-4 when A + C t^2 keeps one strict sign; CONT-XYD-5 (principal value) when it changes
    // sign: Lambda' = (1 - PV int w/m)/lr.
    const bool same = (arb_is_positive(A) && arb_is_nonnegative(C)) || (arb_is_negative(A) && arb_is_nonpositive(C));
    if (!same) {
      const bool change = (arb_is_positive(A) && arb_is_negative(C)) || (arb_is_negative(A) && arb_is_positive(C));
      if (!change) {
        arb_indeterminate(res);
        return;
      }
      Ball one, J;
      arb_one(one);
      q.u0 = one;
      q.u2 = zero;
      pv_sigma0(J, q, wp);
      arb_sub(J, one, J, wp);
      arb_div(res, J, lr, prec);
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
  Ball A, C, e, K, cv, zero;
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

// Proof: CONT-BIVD-1, CONT-BIVD-2 (and CONT-XYD-2, CONT-XYD-3 for the shared integrand and bounds).
void bivariate_log_abs_mean_dlr(arb_t res, const arb_t lr, const arb_t a1, const arb_t b1, const arb_t mx,
                                const arb_t my, const arb_t sx, const arb_t sy, const arb_t rho, slong prec) {
  const char* name = "bivariate_log_abs_mean_dlr";
  if (!arb_is_finite(lr) || !arb_is_finite(a1) || !arb_is_finite(b1) || !arb_is_finite(mx) ||
      !arb_is_finite(my) || !arb_is_finite(sx) || !arb_is_finite(sy) || !arb_is_finite(rho)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_nonpositive(sx) || arb_is_nonpositive(sy)) throw InputError(std::string(name) + ": standard deviation <= 0");
  const slong wp = std::min<slong>(prec, 256) + 16;
  Ball one, r2;
  arb_one(one);
  arb_sqr(r2, rho, wp);
  if (arb_ge(r2, one)) throw InputError(std::string(name) + ": |rho| >= 1");
  if (!arb_is_positive(lr) || !arb_is_positive(sx) || !arb_is_positive(sy) || !arb_lt(r2, one)) {
    arb_indeterminate(res);
    return;
  }
  Ball A;
  arb_mul(A, lr, a1, wp);
  arb_add_ui(A, A, 1, wp);
  if (arb_is_zero(b1)) {  // d/dlr log|1 + lr a1| = a1 / (1 + lr a1)
    arb_div(res, a1, A, prec);
    return;
  }
  if (arb_contains_zero(b1)) {
    arb_indeterminate(res);
    return;
  }
  // Conditioning on x (CONT-BIV-1): y | x ~ N(g0 + g1 x, s^2), g1 = rho sy/sx, g0 = my - g1 mx,
  // s = sy sqrt(1 - rho^2). On the half-line x = +-t: m = A +- C1 t + C2 t^2, v = e t, u = dm/dlr.
  Ball g0, g1, s, e, C1, C2, u1, u2, C1n, u1n, mxn, K, cv;
  arb_mul(g1, rho, sy, wp);
  arb_div(g1, g1, sx, wp);
  arb_mul(g0, g1, mx, wp);
  arb_sub(g0, my, g0, wp);
  arb_sub(s, one, r2, wp);
  arb_sqrt(s, s, wp);
  arb_mul(s, s, sy, wp);
  arb_abs(e, b1);
  arb_mul(e, e, lr, wp);
  arb_mul(e, e, s, wp);
  arb_mul(u1, b1, g0, wp);
  arb_mul(u2, b1, g1, wp);
  arb_mul(C1, lr, u1, wp);
  arb_mul(C2, lr, u2, wp);
  arb_neg(C1n, C1);
  arb_neg(u1n, u1);
  arb_neg(mxn, mx);
  arb_inv(cv, lr, wp);
  arb_const_pi(K, wp);  // K = 1/(sx sqrt(2 pi))
  arb_mul_2exp_si(K, K, 1);
  arb_sqrt(K, K, wp);
  arb_mul(K, K, sx, wp);
  arb_inv(K, K, wp);
  const slong tol = std::min(param_bits(lr, wp), param_bits(sx, wp));
  DParam pos{A, C2, e, K, 1, cv, a1, u2};
  pos.tol_bits = tol;
  pos.C1 = C1;
  pos.u1 = u1;
  pos.gauss = true;
  pos.wmu = mx;
  pos.ws = sx;
  DParam neg = pos;
  neg.C1 = C1n;
  neg.u1 = u1n;
  neg.wmu = mxn;
  Ball ip, in;
  f_integral(ip, pos, wp);
  if (!arb_is_finite(ip)) {
    arb_indeterminate(res);
    return;
  }
  f_integral(in, neg, wp);
  arb_add(res, ip, in, prec);
}

}  // namespace lyapcert::continuous
