#include "lyapcert/continuous/quadrature.hpp"

#include <acb_calc.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using internal::Ball;

namespace {

// Largest power of two <= x (x > 0 finite), as an exact ball.
void pow2_below(arb_t res, double x) {
  int e = 0;
  std::frexp(x, &e);  // x in [2^(e-1), 2^e)
  arb_one(res);
  arb_mul_2exp_si(res, res, e - 1);
}

void set_exact_mid(arb_t res, const arb_t x) {
  arb_set_arf(res, arb_midref(x));
}

// Lower bound of x as an exact ball.
void lower_exact(arb_t res, const arb_t x, slong prec) {
  arf_t l;
  arf_init(l);
  arb_get_lbound_arf(l, x, prec);
  arb_set_arf(res, l);
  arf_clear(l);
}

// Unnormalised Gaussian factor exp(-(w - mu)^2 / (2 s2)) on a complex ball.
void gauss_factor(acb_t out, const acb_t w, const arb_struct* mu, const arb_struct* s2, slong prec) {
  acb_t t;
  acb_init(t);
  acb_sub_arb(t, w, mu, prec);
  acb_sqr(t, t, prec);
  acb_div_arb(t, t, s2, prec);
  acb_mul_2exp_si(t, t, -1);
  acb_neg(t, t);
  acb_exp(out, t, prec);
  acb_clear(t);
}

// ---- Gaussian log|w| against exp(-(w - mu)^2/2) ----
struct GaussLogParam {
  const arb_struct* mu;
  const arb_struct* one;
  int side;  // +1: w > 0 piece, -1: w < 0 piece
};

int gauss_log_integrand(acb_ptr out, const acb_t w, void* param, slong order, slong prec) {
  auto* p = static_cast<GaussLogParam*>(param);
  acb_t l, g;
  acb_init(l);
  acb_init(g);
  if (p->side > 0)
    acb_set(l, w);
  else
    acb_neg(l, w);
  acb_log_analytic(l, l, order != 0, prec);
  gauss_factor(g, w, p->mu, p->one, prec);
  acb_mul(out, l, g, prec);
  acb_clear(l);
  acb_clear(g);
  return 0;
}

// ---- Gaussian |w|^p ----
struct GaussPowParam {
  const arb_struct* mu;
  const arb_struct* one;
  const arb_struct* p;
  slong p_int;  // >= 0 when p is a (small) integer
  int side;
};

int gauss_pow_integrand(acb_ptr out, const acb_t w, void* param, slong order, slong prec) {
  auto* q = static_cast<GaussPowParam*>(param);
  acb_t l, g;
  acb_init(l);
  acb_init(g);
  if (q->side > 0)
    acb_set(l, w);
  else
    acb_neg(l, w);
  internal::pow_real_exponent(l, q->p, q->p_int, order, prec);  // Proof: CONT-QUAD-3
  gauss_factor(g, w, q->mu, q->one, prec);
  acb_mul(out, l, g, prec);
  acb_clear(l);
  acb_clear(g);
  return 0;
}

// ---- sqnormal: log|1 - lr a^2| against exp(-(a - mu)^2/(2 s^2)) ----
enum class SqKind { kInside, kOutside, kNearPlus, kNearMinus };
struct SqParam {
  const arb_struct* lr;
  const arb_struct* r;  // 1/sqrt(lr)
  const arb_struct* mu;
  const arb_struct* s2;
  SqKind kind;
};

int sq_integrand(acb_ptr out, const acb_t a, void* param, slong order, slong prec) {
  auto* p = static_cast<SqParam*>(param);
  acb_t l, g, t;
  acb_init(l);
  acb_init(g);
  acb_init(t);
  switch (p->kind) {
    case SqKind::kInside:  // log(1 - lr a^2)
    case SqKind::kOutside:  // log(lr a^2 - 1)
      acb_sqr(l, a, prec);
      acb_mul_arb(l, l, p->lr, prec);
      acb_sub_ui(l, l, 1, prec);
      if (p->kind == SqKind::kInside) acb_neg(l, l);
      acb_log_analytic(l, l, order != 0, prec);
      break;
    case SqKind::kNearPlus:  // log lr + log(a + r): the analytic part near a = r
      acb_add_arb(l, a, p->r, prec);
      acb_log_analytic(l, l, order != 0, prec);
      acb_set_arb(t, p->lr);
      acb_log(t, t, prec);
      acb_add(l, l, t, prec);
      break;
    case SqKind::kNearMinus:  // log lr + log(r - a): the analytic part near a = -r
      acb_neg(l, a);
      acb_add_arb(l, l, p->r, prec);
      acb_log_analytic(l, l, order != 0, prec);
      acb_set_arb(t, p->lr);
      acb_log(t, t, prec);
      acb_add(l, l, t, prec);
      break;
  }
  gauss_factor(g, a, p->mu, p->s2, prec);
  acb_mul(out, l, g, prec);
  acb_clear(l);
  acb_clear(g);
  acb_clear(t);
  return 0;
}

// ---- log(1 + t^2) against exp(-(t - m)^2 / (2 v^2)) (no real singularity) ----
struct Log1pParam {
  const arb_struct* m;
  const arb_struct* v2;
};

int log1p_integrand(acb_ptr out, const acb_t t, void* param, slong order, slong prec) {
  auto* q = static_cast<Log1pParam*>(param);
  acb_t l, g;
  acb_init(l);
  acb_init(g);
  acb_sqr(l, t, prec);
  acb_add_ui(l, l, 1, prec);
  acb_log_analytic(l, l, order != 0, prec);
  gauss_factor(g, t, q->m, q->v2, prec);
  acb_mul(out, l, g, prec);
  acb_clear(l);
  acb_clear(g);
  return 0;
}

// ---- uniform: log|1 - lr h| ----
struct UnifParam {
  const arb_struct* lr;
  int sign;  // sign of 1 - lr h on the piece
};

int unif_integrand(acb_ptr out, const acb_t h, void* param, slong order, slong prec) {
  auto* p = static_cast<UnifParam*>(param);
  acb_mul_arb(out, h, p->lr, prec);
  acb_sub_ui(out, out, 1, prec);
  if (p->sign > 0) acb_neg(out, out);
  acb_log_analytic(out, out, order != 0, prec);
  return 0;
}

// Truncation half-width in standard deviations: 2 phi(Z) (...) < 2^-(wp+10) with room for the factor.
double tail_z(slong wp) { return std::ceil(std::sqrt(2.0 * static_cast<double>(wp + 16) * 0.6931471805599453)) + 1.0; }

// 1/sqrt(2 pi)
void inv_sqrt_2pi(arb_t res, slong prec) {
  arb_const_pi(res, prec);
  arb_mul_2exp_si(res, res, 1);
  arb_rsqrt(res, res, prec);
}

// phi(Z) * 2 / Z : upper bound for P(|z| > Z) (Mills).
void two_phi_over_z(arb_t res, const arb_t Z, slong prec) {
  Ball t;
  arb_sqr(res, Z, prec);
  arb_mul_2exp_si(res, res, -1);
  arb_neg(res, res);
  arb_exp(res, res, prec);
  inv_sqrt_2pi(t, prec);
  arb_mul(res, res, t, prec);
  arb_mul_2exp_si(res, res, 1);
  arb_div(res, res, Z, prec);
}

}  // namespace

// Proof: CONT-QUAD-1 (tails), CONT-QUAD-2 (window at w = 0), CONT-QUAD-4 (assembly).
void gauss_log_abs_mean_quad(arb_t res, const arb_t m, const arb_t v, slong prec) {
  if (!arb_is_finite(m) || !arb_is_finite(v)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(v)) throw InputError("gauss_log_abs_mean_quad: v < 0");
  if (!arb_is_positive(v)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball mu, one, L, U, delta, total, piece, t;
  arb_one(one);
  arb_div(mu, m, v, wp);
  const double mud = internal::mid_d(mu);
  const double mu_up = internal::abs_upper_d(mu);
  if (!(mu_up < 1e15)) {
    arb_indeterminate(res);
    return;
  }
  const double Z = tail_z(wp);
  double lo = mud - Z, hi = mud + Z;
  pow2_below(delta, 1.0 / (8.0 * (2.0 + mu_up)));
  const double dd = arf_get_d(arb_midref(delta), ARF_RND_NEAR);
  if (lo > -2 * dd && lo < 2 * dd) lo = -2 * dd;
  if (hi > -2 * dd && hi < 2 * dd) hi = 2 * dd;
  arb_set_d(L, lo);
  arb_set_d(U, hi);
  GaussLogParam prm{mu, one, +1};
  arb_zero(total);
  if (lo < 0 && hi > 0) {
    Ball md;
    arb_neg(md, delta);
    prm.side = -1;
    internal::integrate(piece, gauss_log_integrand, &prm, L, md, wp);
    arb_add(total, total, piece, wp);
    prm.side = +1;
    internal::integrate(piece, gauss_log_integrand, &prm, delta, U, wp);
    arb_add(total, total, piece, wp);
    // window: e^{-mu^2/2} int_{-delta}^{delta} log|w| exp(mu w - w^2/2) dw
    Ball c2;
    arb_set_si(c2, -1);
    arb_mul_2exp_si(c2, c2, -1);
    internal::log_window(piece, mu, c2, delta, delta, delta, wp);
    arb_sqr(t, mu, wp);
    arb_mul_2exp_si(t, t, -1);
    arb_neg(t, t);
    arb_exp(t, t, wp);
    arb_mul(piece, piece, t, wp);
    arb_add(total, total, piece, wp);
  } else {
    prm.side = lo >= 0 ? +1 : -1;
    internal::integrate(piece, gauss_log_integrand, &prm, L, U, wp);
    arb_add(total, total, piece, wp);
  }
  inv_sqrt_2pi(t, wp);
  arb_mul(total, total, t, wp);
  // tails beyond Z_eff = min(U - mu, mu - L) (lower bound)
  Ball z1, z2;
  arb_sub(z1, U, mu, wp);
  arb_sub(z2, mu, L, wp);
  arb_min(z1, z1, z2, wp);
  lower_exact(z1, z1, wp);
  exact::Mag tb;
  internal::log_tail_bound(tb, mu, z1, wp);
  arb_add_error_mag(total, tb);
  arb_log(t, v, wp);
  arb_add(res, total, t, prec);
}

// Proof: CONT-QUAD-3.
void gauss_abs_moment_quad(arb_t res, const arb_t m, const arb_t v, const arb_t p, slong prec) {
  if (!arb_is_finite(m) || !arb_is_finite(v) || !arb_is_finite(p)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(v)) throw InputError("gauss_abs_moment_quad: v < 0");
  if (arb_is_nonpositive(p)) throw InputError("gauss_abs_moment_quad: p <= 0");
  if (!arb_is_positive(v) || !arb_is_positive(p)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball mu, one, L, U, total, piece, t, zero;
  arb_one(one);
  arb_div(mu, m, v, wp);
  const double mud = internal::mid_d(mu);
  const double pu = internal::abs_upper_d(p);
  if (!(internal::abs_upper_d(mu) < 1e15) || !(pu < 1e4)) {
    arb_indeterminate(res);
    return;
  }
  slong p_int = -1;
  if (arb_is_int(p)) p_int = static_cast<slong>(std::llround(internal::mid_d(p)));
  // Z large enough that (1 + |mu|/Z)^p 2 Z^p phi(Z) / (Z - p/Z) is negligible.
  const double Z = tail_z(wp + static_cast<slong>(pu * std::log2(2.0 + std::fabs(mud) + tail_z(wp)))) +
                   std::sqrt(pu) + 1.0;
  const double lo = mud - Z, hi = mud + Z;
  arb_set_d(L, lo);
  arb_set_d(U, hi);
  GaussPowParam prm{mu, one, p, p_int, +1};
  arb_zero(total);
  if (lo < 0 && hi > 0) {
    prm.side = -1;
    internal::integrate(piece, gauss_pow_integrand, &prm, L, zero, wp);
    arb_add(total, total, piece, wp);
    prm.side = +1;
    internal::integrate(piece, gauss_pow_integrand, &prm, zero, U, wp);
    arb_add(total, total, piece, wp);
  } else {
    prm.side = lo >= 0 ? +1 : -1;
    internal::integrate(piece, gauss_pow_integrand, &prm, L, U, wp);
    arb_add(total, total, piece, wp);
  }
  inv_sqrt_2pi(t, wp);
  arb_mul(total, total, t, wp);
  // Tail: int_{|z| > Ze} |mu + z|^p phi <= (1 + |mu|/Ze)^p 2 Ze^p phi(Ze) / (Ze - p/Ze), Ze^2 > p.
  Ball z1, z2, b, c;
  arb_sub(z1, U, mu, wp);
  arb_sub(z2, mu, L, wp);
  arb_min(z1, z1, z2, wp);
  lower_exact(z1, z1, wp);
  arb_sqr(c, z1, wp);
  if (!arb_gt(c, p)) {
    arb_indeterminate(res);
    return;
  }
  two_phi_over_z(b, z1, wp);  // 2 phi(Ze) / Ze
  arb_pow(c, z1, p, wp);
  arb_mul(b, b, c, wp);
  arb_mul(b, b, z1, wp);  // 2 Ze^p phi(Ze)
  arb_div(c, p, z1, wp);
  arb_sub(c, z1, c, wp);
  arb_div(b, b, c, wp);
  arb_abs(c, mu);
  arb_div(c, c, z1, wp);
  arb_add_ui(c, c, 1, wp);
  arb_pow(c, c, p, wp);
  arb_mul(b, b, c, wp);
  exact::Mag tb;
  arb_get_mag(tb, b);
  arb_add_error_mag(total, tb);
  arb_pow(t, v, p, wp);
  arb_mul(res, total, t, prec);
}

// Proof: CONT-QUAD-1, CONT-QUAD-2, CONT-QUAD-5.
void sqnormal_log_abs_mean_quad(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, slong prec) {
  if (!arb_is_finite(lr) || !arb_is_finite(mu) || !arb_is_finite(s)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(lr) || arb_is_negative(s)) throw InputError("sqnormal_log_abs_mean_quad: lr < 0 or s < 0");
  if (!arb_is_positive(lr) || !arb_is_positive(s)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball r, rd, s2, delta, L, U, total, piece, t, c0, c1, c2, d1, d2;
  arb_rsqrt(r, lr, wp);
  set_exact_mid(rd, r);
  arb_sqr(s2, s, wp);
  const double rdd = internal::mid_d(r);
  const double mud = internal::mid_d(mu), sd = internal::mid_d(s);
  const double mu_up = internal::abs_upper_d(mu), r_up = internal::abs_upper_d(r);
  const double s_lo = sd * (1 - 1e-9);
  if (!(r_up < 1e15) || !(mu_up < 1e15) || !(s_lo > 0) || !(sd < 1e15)) {
    arb_indeterminate(res);
    return;
  }
  // c1 bound (|r| + |mu|)/s^2, sqrt|c2| = 1/(s sqrt 2).
  const double c1_up = (r_up + mu_up) / (s_lo * s_lo) * (1 + 1e-9);
  const double dcap = std::min({1.0 / 16, rdd / 4, 1.0 / (8.0 * (1.0 + c1_up + 1.0 / s_lo))});
  if (!(dcap > 1e-300)) {
    arb_indeterminate(res);
    return;
  }
  pow2_below(delta, dcap);
  const double dd = arf_get_d(arb_midref(delta), ARF_RND_NEAR);
  const double Z = tail_z(wp);
  double lo = mud - Z * sd, hi = mud + Z * sd;
  for (double p : {-rdd, rdd}) {
    if (lo > p - 2 * dd && lo < p + 2 * dd) lo = p - 2 * dd;
    if (hi > p - 2 * dd && hi < p + 2 * dd) hi = p + 2 * dd;
  }
  arb_set_d(L, lo);
  arb_set_d(U, hi);
  SqParam prm{lr, r, mu, s2, SqKind::kInside};
  arb_zero(total);
  // Walk from L to U, inserting a window around each singular point +-rd that lies inside.
  Ball cur, nxt, prd;
  arb_set(cur, L);
  arb_neg(c2, s2);
  arb_mul_2exp_si(c2, c2, 1);
  arb_inv(c2, c2, wp);  // -1/(2 s^2)
  for (int sgn : {-1, +1}) {
    const double p = sgn * rdd;
    if (!(lo < p && p < hi)) continue;
    if (sgn < 0)
      arb_neg(prd, rd);
    else
      arb_set(prd, rd);
    arb_sub(nxt, prd, delta, wp);  // exact
    const double mid_piece = 0.5 * (internal::mid_d(cur) + internal::mid_d(nxt));
    prm.kind = std::fabs(mid_piece) < rdd ? SqKind::kInside : SqKind::kOutside;
    internal::integrate(piece, sq_integrand, &prm, cur, nxt, wp);
    arb_add(total, total, piece, wp);
    // analytic part of the window
    arb_add(cur, prd, delta, wp);
    prm.kind = sgn > 0 ? SqKind::kNearPlus : SqKind::kNearMinus;
    internal::integrate(piece, sq_integrand, &prm, nxt, cur, wp);
    arb_add(total, total, piece, wp);
    // singular part: t = a - (sgn r); density exp(c0 + c1 t + c2 t^2)
    //   c0 = -(sgn r - mu)^2/(2 s^2), c1 = -(sgn r - mu)/s^2.
    Ball pr;
    if (sgn < 0)
      arb_neg(pr, r);
    else
      arb_set(pr, r);
    arb_sub(t, pr, mu, wp);  // sgn r - mu
    arb_div(c1, t, s2, wp);
    arb_neg(c1, c1);
    arb_sqr(c0, t, wp);
    arb_mul(c0, c0, c2, wp);
    arb_exp(c0, c0, wp);
    // window in t: [prd - delta - pr, prd + delta - pr] = [-d1, d2]
    arb_sub(t, pr, prd, wp);
    arb_add(d1, delta, t, wp);
    arb_sub(d2, delta, t, wp);
    arb_mul_2exp_si(t, delta, 1);  // dmax = 2 delta covers |r - rd|
    internal::log_window(piece, c1, c2, d1, d2, t, wp);
    arb_mul(piece, piece, c0, wp);
    arb_add(total, total, piece, wp);
  }
  {
    const double mid_piece = 0.5 * (internal::mid_d(cur) + hi);
    prm.kind = std::fabs(mid_piece) < rdd ? SqKind::kInside : SqKind::kOutside;
    internal::integrate(piece, sq_integrand, &prm, cur, U, wp);
    arb_add(total, total, piece, wp);
  }
  inv_sqrt_2pi(t, wp);
  arb_mul(total, total, t, wp);
  arb_div(total, total, s, wp);
  // Tails: |z| > Ze with z = (a - mu)/s; |log|1 - lr a^2|| <= sum_+- (|log(sqrt(lr) s)| + |log|z -+ c_+-||).
  Ball z1, z2, sl, cpm, b;
  arb_sub(z1, U, mu, wp);
  arb_sub(z2, mu, L, wp);
  arb_min(z1, z1, z2, wp);
  arb_div(z1, z1, s, wp);
  lower_exact(z1, z1, wp);
  arb_sqrt(sl, lr, wp);
  arb_mul(sl, sl, s, wp);  // sqrt(lr) s
  exact::Mag tb, acc;
  arb_log(b, sl, wp);
  arb_abs(b, b);
  two_phi_over_z(t, z1, wp);
  arb_mul(b, b, t, wp);
  arb_mul_2exp_si(b, b, 1);  // both factors
  arb_get_mag(acc, b);
  for (int sgn : {-1, +1}) {
    arb_sqrt(cpm, lr, wp);
    arb_mul(cpm, cpm, mu, wp);
    if (sgn < 0) arb_neg(cpm, cpm);
    arb_add_ui(cpm, cpm, 1, wp);
    arb_div(cpm, cpm, sl, wp);
    internal::log_tail_bound(tb, cpm, z1, wp);
    mag_add(acc, acc, tb);
  }
  arb_add_error_mag(total, acc);
  arb_set_round(res, total, prec);
}

// Proof: CONT-QUAD-7.
void sqnormal_log1p_quad(arb_t res, const arb_t c, const arb_t mu, const arb_t s, slong prec) {
  if (!arb_is_finite(c) || !arb_is_finite(mu) || !arb_is_finite(s)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(c) || arb_is_negative(s)) throw InputError("sqnormal_log1p_quad: c < 0 or s < 0");
  if (!arb_is_positive(c) || !arb_is_positive(s)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball m, v, v2, L, U, total, t, logC, b, z1, z2;
  arb_sqrt(t, c, wp);
  arb_mul(m, t, mu, wp);  // t = sqrt(c) a ~ N(m, v^2)
  arb_mul(v, t, s, wp);
  arb_sqr(v2, v, wp);
  const double md = internal::mid_d(m), vd = internal::mid_d(v);
  if (!(internal::abs_upper_d(m) < 1e15) || !(internal::abs_upper_d(v) < 1e15) || !(vd > 1e-300)) {
    arb_indeterminate(res);
    return;
  }
  const double Z = tail_z(wp) + std::log2(2.0 + std::fabs(md) + vd);
  arb_set_d(L, md - Z * vd);
  arb_set_d(U, md + Z * vd);
  Log1pParam prm{m, v2};
  internal::integrate(total, log1p_integrand, &prm, L, U, wp);
  inv_sqrt_2pi(t, wp);
  arb_mul(total, total, t, wp);
  arb_div(total, total, v, wp);
  // Tails |z| > Ze (t = m + v z, Ze >= 1): log(1 + t^2) <= log C + 2|z|, C = 1 + (|m| + v)^2, so the tails are at
  // most 2 phi(Ze) (log C / Ze + 2).
  arb_sub(z1, U, m, wp);
  arb_sub(z2, m, L, wp);
  arb_min(z1, z1, z2, wp);
  arb_div(z1, z1, v, wp);
  lower_exact(z1, z1, wp);
  arb_one(t);
  if (!arb_ge(z1, t)) {
    arb_indeterminate(res);
    return;
  }
  arb_abs(logC, m);
  arb_add(logC, logC, v, wp);
  arb_sqr(logC, logC, wp);
  arb_log1p(logC, logC, wp);
  two_phi_over_z(b, z1, wp);  // 2 phi(Ze) / Ze
  arb_mul(b, b, logC, wp);
  arb_sqr(t, z1, wp);  // + 4 phi(Ze)
  arb_mul_2exp_si(t, t, -1);
  arb_neg(t, t);
  arb_exp(t, t, wp);
  inv_sqrt_2pi(z2, wp);
  arb_mul(t, t, z2, wp);
  arb_mul_2exp_si(t, t, 2);
  arb_add(b, b, t, wp);
  exact::Mag tb;
  arb_get_mag(tb, b);
  arb_add_error_mag(total, tb);
  arb_set_round(res, total, prec);
}

// Proof: CONT-QUAD-6.
void uniform_log_abs_mean_quad(arb_t res, const arb_t lr, const arb_t a, const arb_t b, slong prec) {
  if (!arb_is_finite(lr) || !arb_is_finite(a) || !arb_is_finite(b)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_lt(b, a)) throw InputError("uniform_log_abs_mean_quad: b < a");
  Ball w;
  arb_sub(w, b, a, prec);
  if (arb_contains_zero(lr) || !arb_is_positive(w)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball h0, hd, delta, ws, we, total, piece, t, t1, t2;
  arb_inv(h0, lr, wp);
  set_exact_mid(hd, h0);
  const double ad = internal::mid_d(a), bd = internal::mid_d(b), hdd = internal::mid_d(h0);
  pow2_below(delta, std::min(1.0 / 16, (bd - ad) / 4));
  const double dd = arf_get_d(arb_midref(delta), ARF_RND_NEAR);
  UnifParam prm{lr, +1};
  arb_zero(total);
  if (hdd + dd <= ad || hdd - dd >= bd) {  // singular point outside [a, b] with margin delta
    prm.sign = hdd >= bd ? +1 : -1;
    if (arb_is_positive(lr) == false) prm.sign = -prm.sign;
    internal::integrate(total, unif_integrand, &prm, a, b, wp);
  } else {
    // window [ws, we] around h0, clipped to [a, b]
    const bool clip_lo = hdd - dd <= ad, clip_hi = hdd + dd >= bd;
    if (clip_lo)
      arb_set(ws, a);
    else
      arb_sub(ws, hd, delta, wp);
    if (clip_hi)
      arb_set(we, b);
    else
      arb_add(we, hd, delta, wp);
    const int left_sign = arb_is_positive(lr) ? +1 : -1;  // sign of 1 - lr h for h < h0
    if (!clip_lo) {
      prm.sign = left_sign;
      internal::integrate(piece, unif_integrand, &prm, a, ws, wp);
      arb_add(total, total, piece, wp);
    }
    if (!clip_hi) {
      prm.sign = -left_sign;
      internal::integrate(piece, unif_integrand, &prm, we, b, wp);
      arb_add(total, total, piece, wp);
    }
    // window: int_{ws}^{we} (log|lr| + log|h - h0|) dh
    arb_sub(t1, ws, h0, wp);
    arb_sub(t2, we, h0, wp);
    arb_neg(t1, t1);  // d1 = h0 - ws
    Ball zero, dmax;
    arb_mul_2exp_si(dmax, delta, 1);
    if (arb_is_nonnegative(t1) && arb_is_nonnegative(t2)) {
      internal::log_window(piece, zero, zero, t1, t2, dmax, wp);
    } else {  // clipped window not containing h0 certainly: antiderivative u log|u| - u (CONT-UNIF-1)
      arb_neg(t1, t1);
      internal::xlogx_minus_x(piece, t2, wp);
      internal::xlogx_minus_x(t, t1, wp);
      arb_sub(piece, piece, t, wp);
    }
    arb_add(total, total, piece, wp);
    arb_abs(t, lr);
    arb_log(t, t, wp);
    arb_sub(w, we, ws, wp);
    arb_addmul(total, t, w, wp);
  }
  arb_sub(w, b, a, wp);
  arb_div(res, total, w, prec);
}

}  // namespace lyapcert::continuous
