// E|1 - lr a^2|^p for a ~ N(mu, s^2): two certified paths (proofs/continuous/gaussian.md, CONT-SQN-2 .. 4).
#include "lyapcert/continuous/sqnormal_moment.hpp"

#include <arb_hypgeom.h>
#include <arb_poly.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/continuous/internal/mixture.hpp"
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using internal::Ball;

namespace {

constexpr slong kMaxPoissonTerms = 20000;

// lr of either sign when allow_negative_lr (E|1 - lr a^2|^p = E(1 + |lr| a^2)^p for lr < 0), else lr > 0.
bool check_inputs(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p, const char* who,
                  bool allow_negative_lr) {
  if (!arb_is_finite(lr) || !arb_is_finite(mu) || !arb_is_finite(s) || !arb_is_finite(p)) {
    arb_indeterminate(res);
    return false;
  }
  if ((!allow_negative_lr && arb_is_negative(lr)) || arb_is_negative(s))
    throw InputError(std::string(who) + ": lr < 0 or s < 0");
  if (arb_is_zero(p)) throw InputError(std::string(who) + ": p = 0");
  // Proof: CONT-SQN-NEG-1 -- for lr > 0 (zeros t = +-1 inside the support) the moment is +inf for p <= -1.
  Ball m1;
  arb_set_si(m1, -1);
  if (arb_is_positive(lr) && arb_le(p, m1)) {
    throw InputError(std::string(who) + ": p <= -1 with lr > 0 (E|1 - lr a^2|^p = +inf: 1 - lr a^2 has simple zeros)");
  }
  if (arb_contains_zero(lr) || !arb_is_positive(s) || arb_contains_zero(p) ||
      (arb_is_negative(p) && !arb_is_negative(lr) && !arb_gt(p, m1))) {
    arb_indeterminate(res);
    return false;
  }
  return true;
}

// |1 - t^2|^p times exp(-(t - m)^2 / (2 v^2)) on one piece where 1 - t^2 has the sign `sign`.
struct PowParam {
  const arb_struct* m;
  const arb_struct* v2;
  const arb_struct* p;
  slong p_int;  // >= 0 for integer p
  int sign;     // +1: 1 - t^2 > 0 on the piece, -1: < 0, 0: the integrand is (1 + t^2)^p (lr < 0)
};

int pow_integrand(acb_ptr out, const acb_t t, void* param, slong order, slong prec) {
  auto* q = static_cast<PowParam*>(param);
  acb_t u, g;
  acb_init(u);
  acb_init(g);
  acb_sqr(u, t, prec);
  if (q->sign == 0) {
    acb_add_ui(u, u, 1, prec);  // 1 + t^2
  } else {
    acb_sub_ui(u, u, 1, prec);  // t^2 - 1
    if (q->sign > 0) acb_neg(u, u);
  }
  internal::pow_real_exponent(u, q->p, q->p_int, order, prec);  // Proof: CONT-QUAD-3
  acb_sub_arb(g, t, q->m, prec);
  acb_sqr(g, g, prec);
  acb_div_arb(g, g, q->v2, prec);
  acb_mul_2exp_si(g, g, -1);
  acb_neg(g, g);
  acb_exp(g, g, prec);
  acb_mul(out, u, g, prec);
  acb_clear(u);
  acb_clear(g);
  return 0;
}


// ---- negative orders (CONT-SQN-NEG-1, -2) ----

// |1 - t^2|^p (sign +1: 1 - t^2 > 0 on the piece, -1: < 0) or (1 + t^2)^p (sign 0, lr < 0) times
// exp(-(t - m)^2 / (2 v^2)), p < 0. A box on which the base can vanish gives no enclosure (the pieces stay a
// positive distance away from t = +-1, so acb_calc_integrate subdivides instead).
struct NegParam {
  const arb_struct* m;
  const arb_struct* v2;
  const arb_struct* p;
  int sign;
};

int neg_integrand(acb_ptr out, const acb_t t, void* param, slong order, slong prec) {
  auto* q = static_cast<NegParam*>(param);
  acb_t u, g, pp;
  acb_init(u);
  acb_init(g);
  acb_init(pp);
  acb_sqr(u, t, prec);
  if (q->sign == 0) {
    acb_add_ui(u, u, 1, prec);  // 1 + t^2
  } else {
    acb_sub_ui(u, u, 1, prec);  // t^2 - 1
    if (q->sign > 0) acb_neg(u, u);
  }
  if (acb_contains_zero(u)) {
    acb_indeterminate(out);
  } else {
    acb_set_arb(pp, q->p);
    acb_pow_analytic(u, u, pp, order != 0, prec);  // principal branch; non-finite across the cut
    acb_sub_arb(g, t, q->m, prec);
    acb_sqr(g, g, prec);
    acb_div_arb(g, g, q->v2, prec);
    acb_mul_2exp_si(g, g, -1);
    acb_neg(g, g);
    acb_exp(g, g, prec);
    acb_mul(out, u, g, prec);
  }
  acb_clear(u);
  acb_clear(g);
  acb_clear(pp);
  return 0;
}

// Proof: CONT-SQN-NEG-2 (b) -- int_{-d}^{d} |1 - (t0 + x)^2|^p exp(-(t0 + x - m)^2 / (2 v^2)) dx, t0 = +-1,
// -1 < p < 0, 0 < d <= 1/16 exact: |1 - (t0 + x)^2| = |x| (2 + t0 x), and g(x) = (2 + t0 x)^p
// exp(-(c + x)^2 / (2 v^2)), c = t0 - m, is analytic on |x| <= R = 8 d <= 1/2 with
// |g| <= M = (2 - R)^p exp((2 |c| R + R^2 - c^2) / (2 v^2)) there; pow_window_poly integrates |x|^p g(x).
void singular_window(arb_t res, int t0, const arb_t m, const arb_t v2, const arb_t p, const arb_t d, slong extra_bits,
                     slong wp) {
  Ball c, R, M, t, t2;
  arb_set_si(c, t0);
  arb_sub(c, c, m, wp);
  arb_mul_2exp_si(R, d, 3);
  arb_set_ui(t, 2);
  arb_sub(t, t, R, wp);
  arb_pow(M, t, p, wp);
  arb_abs(t, c);
  arb_mul(t, t, R, wp);
  arb_mul_2exp_si(t, t, 1);
  arb_sqr(t2, c, wp);
  arb_sub(t, t, t2, wp);
  arb_sqr(t2, R, wp);
  arb_add(t, t, t2, wp);
  arb_div(t, t, v2, wp);
  arb_mul_2exp_si(t, t, -1);
  arb_exp(t, t, wp);
  arb_mul(M, M, t, wp);
  if (!arb_is_finite(M)) {
    arb_indeterminate(res);
    return;
  }
  // Terms: the remainder is about M 8^-n; aim at 2^-(wp + extra_bits + 64) absolute (M may be tiny when the
  // mass of t lies far from t0, then few terms suffice).
  const double log2M = internal::ln_d(M, wp) / internal::kLn2;
  const double want = static_cast<double>(wp + extra_bits + 64) + log2M;
  const slong nterms = std::max<slong>(2, static_cast<slong>(std::ceil(want / 3)) + 2);
  arb_poly_t lin, ex, pw, prod;
  arb_poly_init(lin);
  arb_poly_init(ex);
  arb_poly_init(pw);
  arb_poly_init(prod);
  // exp(-(c^2 + 2 c x + x^2) / (2 v^2))
  arb_sqr(t, c, wp);
  arb_div(t, t, v2, wp);
  arb_mul_2exp_si(t, t, -1);
  arb_neg(t, t);
  arb_poly_set_coeff_arb(lin, 0, t);
  arb_div(t, c, v2, wp);
  arb_neg(t, t);
  arb_poly_set_coeff_arb(lin, 1, t);
  arb_inv(t, v2, wp);
  arb_mul_2exp_si(t, t, -1);
  arb_neg(t, t);
  arb_poly_set_coeff_arb(lin, 2, t);
  arb_poly_exp_series(ex, lin, nterms, wp);
  // (2 + t0 x)^p
  arb_poly_zero(lin);
  arb_poly_set_coeff_si(lin, 0, 2);
  arb_poly_set_coeff_si(lin, 1, t0);
  arb_poly_pow_arb_series(pw, lin, p, nterms, wp);
  arb_poly_mullow(prod, ex, pw, nterms, wp);
  internal::pow_window_poly(res, prod, nterms, M, p, d, d, d, wp);
  arb_poly_clear(lin);
  arb_poly_clear(ex);
  arb_poly_clear(pw);
  arb_poly_clear(prod);
}

// E|1 - lr a^2|^p for p < 0 (lr > 0: -1 < p < 0; lr < 0: any p < 0, the integrand (1 + |lr| a^2)^p <= 1).
// Proof: CONT-SQN-NEG-2.
void neg_moment_quad(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p, slong prec) {
  const slong wp = prec + 20;
  const bool plus = arb_is_negative(lr);  // E(1 + |lr| a^2)^p: no zero
  Ball m, v, v2, t;
  arb_abs(t, lr);
  arb_sqrt(t, t, wp);
  arb_mul(m, t, mu, wp);  // t = sqrt|lr| a ~ N(m, v^2)
  arb_mul(v, t, s, wp);
  arb_sqr(v2, v, wp);
  const double md = internal::mid_d(m), vd = internal::mid_d(v);
  const double pu = internal::abs_upper_d(p), mu_up = internal::abs_upper_d(m), v_up = internal::abs_upper_d(v);
  if (!(mu_up < 1e15) || !(v_up < 1e15) || !(vd > 1e-300) || !(pu < 1e4)) {
    arb_indeterminate(res);
    return;
  }
  // Z (heuristic double): the tail bound 2 phi(Z)/Z K (K = (16/9)^|p| for lr > 0, 1 for lr < 0) below
  // 2^-(wp + 10) times the lower bound (1/2) (1 + (|m| + Z v)^2)^p of the value.
  const double log2K = plus ? 0.0 : pu * std::log2(16.0 / 9.0);
  double Z = 2.0;
  for (int it = 0; it < 4000; ++it) {
    const double log2tail = 1.0 - Z * Z / 2 * 1.4426950408889634 - 0.5 * std::log2(2 * M_PI) - std::log2(Z) + log2K;
    const double log2low = -1.0 - pu * std::log2(1.0 + (mu_up + Z * v_up) * (mu_up + Z * v_up));
    if (log2tail < log2low - static_cast<double>(wp + 10)) break;
    Z += 0.5;
  }
  double lo = md - Z * vd, hi = md + Z * vd;
  if (!plus) {  // the body always covers [-5/4, 5/4], so that |1 - t^2| >= 9/16 on the tails
    lo = std::min(lo, -1.25);
    hi = std::max(hi, 1.25);
  }
  // Absolute tolerance of the pieces: the unnormalised integral is about v times the moment.
  const slong extra = static_cast<slong>(std::max(0.0, -std::log2(vd))) + 4;
  Ball L, U, total, piece, cur, nxt;
  arb_set_d(L, lo);
  arb_set_d(U, hi);
  NegParam prm{m, v2, p, 0};
  arb_zero(total);
  if (plus) {
    internal::integrate_tol(total, neg_integrand, &prm, L, U, wp + extra, wp + extra);
  } else {
    // Windows of half-width d = 2^e <= min(1/16, v/8) around t = -1 and t = 1 (exact), pieces in between.
    int ex = 0;
    std::frexp(std::min(1.0 / 16, vd / 8), &ex);
    Ball d, a1, a2;
    internal::pow2(d, ex - 1);
    arb_set(cur, L);
    for (const int t0 : {-1, 1}) {
      // t0 -+ d exactly (d may lie below 2^-wp when v is tiny): the pieces and the window meet at exact points.
      arb_set_si(a1, t0);
      arb_sub(a1, a1, d, ARF_PREC_EXACT);  // t0 - d
      arb_set_si(a2, t0);
      arb_add(a2, a2, d, ARF_PREC_EXACT);  // t0 + d
      prm.sign = t0 < 0 ? -1 : +1;  // left of -1: t^2 > 1; between -1 and 1: t^2 < 1
      internal::integrate_tol(piece, neg_integrand, &prm, cur, a1, wp + extra, wp + extra);
      arb_add(total, total, piece, wp);
      singular_window(piece, t0, m, v2, p, d, extra, wp);
      arb_add(total, total, piece, wp);
      arb_set(cur, a2);
    }
    prm.sign = -1;
    internal::integrate_tol(piece, neg_integrand, &prm, cur, U, wp + extra, wp + extra);
    arb_add(total, total, piece, wp);
  }
  // normalise: 1 / (v sqrt(2 pi))
  arb_const_pi(t, wp);
  arb_mul_2exp_si(t, t, 1);
  arb_sqrt(t, t, wp);
  arb_mul(t, t, v, wp);
  arb_div(total, total, t, wp);
  // Tails t < L, t > U (|z| > Ze, Ze the certified lower bound of min(U - m, m - L)/v >= 1): the integrand is
  // at most K = (9/16)^p there (|t| >= 5/4) or 1 (lr < 0), and P(|z| > Ze) <= 2 phi(Ze)/Ze (Mills).
  Ball z1, z2, b, K;
  arb_sub(z1, U, m, wp);
  arb_sub(z2, m, L, wp);
  arb_min(z1, z1, z2, wp);
  arb_div(z1, z1, v, wp);
  {
    arf_t l;
    arf_init(l);
    arb_get_lbound_arf(l, z1, wp);
    arb_set_arf(z1, l);
    arf_clear(l);
  }
  arb_one(b);
  if (!arb_ge(z1, b)) {
    arb_indeterminate(res);
    return;
  }
  if (plus) {
    arb_one(K);
  } else {
    arb_set_ui(K, 9);
    arb_mul_2exp_si(K, K, -4);
    arb_pow(K, K, p, wp);
  }
  internal::normal_pdf(b, z1, wp);
  arb_mul_2exp_si(b, b, 1);
  arb_div(b, b, z1, wp);
  arb_mul(b, b, K, wp);
  internal::add_error_arb(total, b);
  arb_set_round(res, total, prec);
}

}  // namespace

// Proof: CONT-SQN-3 (quadrature in t = sqrt(lr) a, kinks at t = +-1 exactly; tail bound).
void sqnormal_abs_moment_quad(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p, slong prec) {
  if (!check_inputs(res, lr, mu, s, p, "sqnormal_abs_moment_quad", true)) return;
  if (arb_is_negative(p)) {
    neg_moment_quad(res, lr, mu, s, p, prec);
    return;
  }
  const slong wp = prec + 20;
  const bool plus = arb_is_negative(lr);  // E(1 + |lr| a^2)^p: no kinks
  Ball m, v, v2, L, U, total, piece, t, cur, nxt;
  arb_abs(t, lr);
  arb_sqrt(t, t, wp);
  arb_mul(m, t, mu, wp);  // t = sqrt(lr) a ~ N(m, v^2)
  arb_mul(v, t, s, wp);
  arb_sqr(v2, v, wp);
  const double md = internal::mid_d(m), vd = internal::mid_d(v);
  const double pu = internal::abs_upper_d(p), mu_up = internal::abs_upper_d(m), v_up = internal::abs_upper_d(v);
  if (!(mu_up < 1e15) || !(v_up < 1e15) || !(vd > 1e-300) || !(pu < 1e4)) {
    arb_indeterminate(res);
    return;
  }
  slong p_int = -1;
  if (arb_is_int(p)) p_int = static_cast<slong>(std::llround(internal::mid_d(p)));
  // Z: 2 C^p Z^{2p} phi(Z) / (Z - 2p/Z) below 2^-(wp + 10) relative to the scale of the value (>= 2^-e).
  const double log2C = std::log2(1.0 + (mu_up + v_up) * (mu_up + v_up));
  double Z = std::sqrt(2.0 * pu) + 2.0;
  for (int it = 0; it < 200; ++it) {
    const double lhs = -Z * Z / 2 * 1.4426950408889634 + pu * (log2C + 2 * std::log2(Z)) + 1;
    if (lhs < -static_cast<double>(wp + 10 + pu * log2C)) break;
    Z += 0.5;
  }
  const double lo = md - Z * vd, hi = md + Z * vd;
  arb_set_d(L, lo);
  arb_set_d(U, hi);
  PowParam prm{m, v2, p, p_int, +1};
  arb_zero(total);
  arb_set(cur, L);
  // Walk from L to U, cutting at the kinks t = -1 and t = 1 (exact) that lie strictly inside.
  for (const double kink : {-1.0, 1.0, 1e308}) {
    if (kink < 1e308 && (plus || !(lo < kink && kink < hi))) continue;
    if (kink < 1e308)
      arb_set_d(nxt, kink);
    else
      arb_set(nxt, U);
    const double mid_piece = 0.5 * (internal::mid_d(cur) + internal::mid_d(nxt));
    prm.sign = plus ? 0 : std::fabs(mid_piece) < 1 ? +1 : -1;
    internal::integrate(piece, pow_integrand, &prm, cur, nxt, wp);
    arb_add(total, total, piece, wp);
    arb_set(cur, nxt);
  }
  // normalise: 1 / (v sqrt(2 pi))
  arb_const_pi(t, wp);
  arb_mul_2exp_si(t, t, 1);
  arb_sqrt(t, t, wp);
  arb_mul(t, t, v, wp);
  arb_div(total, total, t, wp);
  // Tails |z| > Ze (t = m + v z): |1 -+ t^2|^p <= (C z^2)^p, C = 1 + (|m| + v)^2 (|z| >= 1), and
  // int_{|z| > Ze} |z|^q phi <= 2 Ze^q phi(Ze) / (Ze - q/Ze), q = 2p (CONT-QUAD-3). Proof: CONT-SQN-3.
  Ball z1, z2, C, b, c, q;
  arb_sub(z1, U, m, wp);
  arb_sub(z2, m, L, wp);
  arb_min(z1, z1, z2, wp);
  arb_div(z1, z1, v, wp);
  {
    arf_t l;
    arf_init(l);
    arb_get_lbound_arf(l, z1, wp);
    arb_set_arf(z1, l);
    arf_clear(l);
  }
  arb_mul_2exp_si(q, p, 1);
  arb_sqr(c, z1, wp);
  arb_one(b);
  if (!arb_gt(c, q) || !arb_ge(z1, b)) {
    arb_indeterminate(res);
    return;
  }
  arb_abs(C, m);
  arb_add(C, C, v, wp);
  arb_sqr(C, C, wp);
  arb_add_ui(C, C, 1, wp);
  arb_pow(C, C, p, wp);
  internal::normal_pdf(b, z1, wp);  // 2 phi(Ze) Ze^q / (Ze - q/Ze)
  arb_mul_2exp_si(b, b, 1);
  arb_pow(c, z1, q, wp);
  arb_mul(b, b, c, wp);
  arb_div(c, q, z1, wp);
  arb_sub(c, z1, c, wp);
  arb_div(b, b, c, wp);
  arb_mul(b, b, C, wp);
  mag_t tb;
  mag_init(tb);
  arb_get_mag(tb, b);
  arb_add_error_mag(total, tb);
  mag_clear(tb);
  arb_set_round(res, total, prec);
}

// Proof: CONT-SQN-2 (central chi-square closed form), CONT-SQN-4 (Poisson mixture and its tail).
void sqnormal_abs_moment_series(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p,
                                slong prec) {
  if (!check_inputs(res, lr, mu, s, p, "sqnormal_abs_moment_series", false)) return;
  // Proof: CONT-SQN-NEG-3 -- p < 0 only for mu = 0 (one term, no Poisson tail; the tail bound assumes p > 0).
  if (arb_is_negative(p) && !arb_is_zero(mu)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 30;
  // a^2 = s^2 Q, Q ~ noncentral chi^2_1(lambda), lambda = mu^2/s^2 = 2 ell; Q = chi^2_{1+2J}, J ~ Poisson(ell).
  // y = 1/(2 c), c = lr s^2.
  Ball ell, y, w, term, sum, k, b, f1, u, tmp, tmp2, gp1, emy, B, c2;
  arb_div(ell, mu, s, wp);
  arb_sqr(ell, ell, wp);
  arb_mul_2exp_si(ell, ell, -1);
  const double ell_up = internal::abs_upper_d(ell);
  if (!(ell_up < 4000)) {  // too many terms: the quadrature path applies
    arb_indeterminate(res);
    return;
  }
  arb_sqr(y, s, wp);
  arb_mul(y, y, lr, wp);
  arb_mul_2exp_si(c2, y, 1);  // 2c
  arb_mul_2exp_si(y, y, 1);
  arb_inv(y, y, wp);
  arb_neg(w, ell);
  arb_exp(w, w, wp);  // w_0 = e^{-ell}
  arb_add_ui(gp1, p, 1, wp);
  arb_gamma(gp1, gp1, wp);  // Gamma(p + 1)
  arb_neg(emy, y);
  arb_exp(emy, emy, wp);
  arb_zero(sum);
  const double pu = internal::abs_upper_d(p);
  bool done = false;
  for (slong j = 0; j < kMaxPoissonTerms; ++j) {
    // k = j + 1/2; M_j = y^k / Gamma(k) [B(k, p+1) 1F1(k; k+p+1; -y) + e^{-y} Gamma(p+1) U(p+1, p+k+1, y)]
    arb_set_si(k, 2 * j + 1);
    arb_mul_2exp_si(k, k, -1);
    arb_add(b, k, p, wp);
    arb_add_ui(b, b, 1, wp);  // k + p + 1
    arb_neg(tmp, y);
    arb_hypgeom_1f1(f1, k, b, tmp, 0, wp);
    arb_add_ui(tmp, p, 1, wp);
    arb_hypgeom_u(u, tmp, b, y, wp);
    arb_mul(u, u, emy, wp);
    arb_mul(u, u, gp1, wp);
    // B(k, p + 1) = Gamma(k) Gamma(p+1) / Gamma(k + p + 1): combine with 1/Gamma(k)
    arb_gamma(tmp, b, wp);
    arb_div(B, gp1, tmp, wp);  // B(k, p+1) / Gamma(k)
    arb_mul(f1, f1, B, wp);
    arb_gamma(tmp, k, wp);
    arb_div(u, u, tmp, wp);
    arb_add(term, f1, u, wp);
    arb_pow(tmp, y, k, wp);
    arb_mul(term, term, tmp, wp);
    arb_addmul(sum, term, w, wp);
    // next weight
    arb_mul(w, w, ell, wp);
    arb_div_ui(w, w, static_cast<ulong>(j + 1), wp);
    // Tail after this j (terms j' >= j + 1): bound B_j' = 2^{max(p-1,0)} (1 + (2c (k_j' + p))^p) (CONT-SQN-4),
    // ratio <= rho = ell/(j + 2) (1 + 1/(j + 3/2))^p.
    if (static_cast<double>(j) < 2.0 * ell_up + pu + 2) continue;
    Ball kk, bj, rho;
    arb_set_si(kk, 2 * (j + 1) + 1);
    arb_mul_2exp_si(kk, kk, -1);
    arb_add(kk, kk, p, wp);
    arb_mul(kk, kk, c2, wp);
    arb_pow(kk, kk, p, wp);
    arb_add_ui(bj, kk, 1, wp);
    if (pu > 1) {
      arb_sub_ui(kk, p, 1, wp);
      arb_set_ui(tmp2, 2);
      arb_pow(tmp2, tmp2, kk, wp);
      arb_mul(bj, bj, tmp2, wp);
    }
    arb_mul(bj, bj, w, wp);  // w_{j+1} B_{j+1}
    arb_set_si(tmp2, 2 * j + 3);
    arb_mul_2exp_si(tmp2, tmp2, -1);
    arb_inv(tmp2, tmp2, wp);
    arb_add_ui(tmp2, tmp2, 1, wp);
    arb_pow(tmp2, tmp2, p, wp);
    arb_div_ui(rho, ell, static_cast<ulong>(j + 2), wp);
    arb_mul(rho, rho, tmp2, wp);
    arb_set_d(tmp2, 0.75);
    if (!arb_lt(rho, tmp2)) continue;
    arb_sub_ui(tmp2, rho, 1, wp);
    arb_neg(tmp2, tmp2);
    arb_div(bj, bj, tmp2, wp);  // tail bound
    mag_t tb, target;
    mag_init(tb);
    mag_init(target);
    arb_get_mag(tb, bj);
    arb_get_mag_lower(target, sum);
    mag_mul_2exp_si(target, target, -wp);
    const bool small = mag_cmp(tb, target) <= 0;
    if (small) {
      arb_add_error_mag(sum, tb);
      done = true;
    }
    mag_clear(tb);
    mag_clear(target);
    if (done) break;
  }
  if (!done) {
    arb_indeterminate(res);
    return;
  }
  arb_set_round(res, sum, prec);
}

void sqnormal_abs_moment(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, const arb_t p, slong prec) {
  if (!check_inputs(res, lr, mu, s, p, "sqnormal_abs_moment", true)) return;
  sqnormal_abs_moment_quad(res, lr, mu, s, p, prec);
  if (!arb_is_finite(res) && arb_is_positive(lr)) sqnormal_abs_moment_series(res, lr, mu, s, p, prec);
}

}  // namespace lyapcert::continuous
