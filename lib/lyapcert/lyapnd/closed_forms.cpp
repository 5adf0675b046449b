#include "lyapcert/lyapnd/closed_forms.hpp"

#include <acb.h>
#include <acb_calc.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/exact/ball.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;

struct IsoParams {
  int d;
  int piece;  // 0: t in [0, 1] (r = 1 - t), 1: t >= 1 (r = t - 1)
  arb_srcptr s0;  // 1 / lr
};

// Integrand in t = lr s (s = s0 t): (1/2) I_d(|1 - t|) f_d(s0 t) s0, analytic on each piece.
// Proof: LYAPND-ISO-3 (holomorphy: log and 1/(1 + r) have their singularities at 1 + r = 0 only,
// i.e. t = 2 for piece 0 and t = 0 for piece 1, outside the segments and their Bernstein ellipses
// as tested by acb_log_analytic / acb_div, which return non-finite balls otherwise).
int iso_integrand(acb_ptr res, const acb_t t, void* param, slong order, slong prec) {
  const auto* p = static_cast<const IsoParams*>(param);
  const int analytic = order != 0;
  acb_t onepr, u, dens, s;
  acb_init(onepr); acb_init(u); acb_init(dens); acb_init(s);
  // 1 + r
  if (p->piece == 0) {
    acb_neg(onepr, t);
    acb_add_ui(onepr, onepr, 2, prec);
  } else {
    acb_set(onepr, t);
  }
  acb_mul_2exp_si(u, onepr, -1);
  acb_log_analytic(res, u, analytic, prec);  // log((1 + r)/2); (1/2) I_d starts with this
  if (p->d == 4) {
    // + (1/2)(1 - r)/(1 + r) = (1/2)(2 - (1 + r))/(1 + r) = 1/(1 + r) - 1/2
    acb_inv(u, onepr, prec);
    acb_add(res, res, u, prec);
    acb_set_d(u, 0.5);
    acb_sub(res, res, u, prec);
  }
  // density: f_d(s) ds = s^{d/2 - 1} e^{-s/2} / (2^{d/2} Gamma(d/2)) ds, s = s0 t, ds = s0 dt
  acb_set_arb(s, p->s0);
  acb_mul(s, s, t, prec);
  acb_mul_2exp_si(dens, s, -1);
  acb_neg(dens, dens);
  acb_exp(dens, dens, prec);
  if (p->d == 2) {
    acb_mul_2exp_si(dens, dens, -1);  // e^{-s/2}/2
  } else {                            // d == 4: s e^{-s/2}/4
    acb_mul(dens, dens, s, prec);
    acb_mul_2exp_si(dens, dens, -2);
  }
  acb_mul_arb(dens, dens, p->s0, prec);
  acb_mul(res, res, dens, prec);
  acb_clear(onepr); acb_clear(u); acb_clear(dens); acb_clear(s);
  return 0;
}

// (1/2) I_3(r) = log r - 1 + G(r^2 - 1), G(w) = arctan(sqrt w)/sqrt w = sum_n (-w)^n/(2n + 1), holomorphic
// for Re r > 0. Three overlapping representations (Proof: LYAPND-ISO3-2), chosen on the box:
//   (A) |r^2| <= 3/4:   -r^2 log r / (q (1 + q)) - 1 + log(1 + q)/q,  q = sqrt(1 - r^2) (Re q >= 1/2),
//       regular at r = 0 up to the r^2 log r term (no cancellation);
//   (B) |r^2 - 1| <= 1/2: log r - 1 + sum_{n < N} (-w)^n/(2n+1) with the tail bound 2^-N;
//   (C) Re(r^2 - 1) > 0:  log r - 1 + arctan(x)/x, x = sqrt(r^2 - 1) (Re x > 0).
// Any other box gives a non-finite result (acb_calc_integrate then bisects), as does a box on which
// log r or sqrt is not holomorphic (acb_log_analytic / acb_sqrt_analytic with the analytic flag).
void iso3_half_i3(acb_t res, const acb_t r, int analytic, slong prec) {
  acb_t r2, w, x, t, u;
  acb_init(r2); acb_init(w); acb_init(x); acb_init(t); acb_init(u);
  mag_t m;
  mag_init(m);
  acb_mul(r2, r, r, prec);
  acb_sub_ui(w, r2, 1, prec);
  acb_get_mag(m, r2);
  mag_t three_quarters;
  mag_init(three_quarters);
  mag_set_ui_2exp_si(three_quarters, 3, -2);
  const bool near_zero = mag_cmp(m, three_quarters) <= 0;
  mag_clear(three_quarters);
  if (near_zero) {
    // (A) q = sqrt(1 - r^2), 1 - r^2 in the disc |z - 1| <= 3/4: Re >= 1/4, away from sqrt's cut.
    acb_neg(t, w);
    acb_sqrt_analytic(x, t, analytic, prec);                // q
    acb_log_analytic(t, r, analytic, prec);                 // log r
    acb_mul(t, t, r2, prec);                                // r^2 log r
    acb_add_ui(u, x, 1, prec);                              // 1 + q
    acb_mul(u, u, x, prec);                                 // q (1 + q)
    acb_div(t, t, u, prec);
    acb_neg(res, t);
    acb_add_ui(u, x, 1, prec);
    acb_log_analytic(u, u, analytic, prec);                 // log(1 + q), 1 + q has Re >= 3/2
    acb_div(u, u, x, prec);
    acb_add(res, res, u, prec);
    acb_sub_ui(res, res, 1, prec);
  } else {
    acb_get_mag(m, w);
    const bool series = mag_cmp_2exp_si(m, -1) <= 0;
    if (series) {
      // (B) sum_{n < N} (-w)^n/(2n+1); tail <= sum_{n >= N} 2^-n/(2N+1) <= 2^{1-N}/(2N+1) <= 2^-N.
      const slong N = prec + 10;
      acb_neg(t, w);
      acb_one(u);
      acb_div_ui(u, u, 2 * N - 1, prec);
      for (slong n = N - 2; n >= 0; --n) {
        acb_mul(u, u, t, prec);
        acb_one(x);
        acb_div_ui(x, x, 2 * n + 1, prec);
        acb_add(u, u, x, prec);
      }
      mag_one(m);
      mag_mul_2exp_si(m, m, -N);
      acb_add_error_mag(u, m);
    } else if (arb_is_positive(acb_realref(w))) {
      // (C) x = sqrt(w) with Re x > 0: atan is holomorphic off i((-inf, -1] u [1, inf)).
      acb_sqrt_analytic(x, w, analytic, prec);
      acb_atan(u, x, prec);
      acb_div(u, u, x, prec);
    } else {
      acb_indeterminate(u);
    }
    acb_log_analytic(t, r, analytic, prec);
    acb_add(res, t, u, prec);
    acb_sub_ui(res, res, 1, prec);
  }
  mag_clear(m);
  acb_clear(r2); acb_clear(w); acb_clear(x); acb_clear(t); acb_clear(u);
}

// d = 3 integrand in the variable r = |1 - t|, t = lr s: (1/2) I_3(r) f_3(s0 t) s0 with t = 1 - r on piece 0
// and t = 1 + r on piece 1 (dt = -+dr; r itself is the integration variable so that it is exact near the
// excised point r = 0), f_3(s) = sqrt(s) e^{-s/2} / sqrt(2 pi). Holomorphic on each piece away from r = 0
// (excised) and s = 0 (acb_sqrt_analytic flags it). Proof: LYAPND-ISO3-1, LYAPND-ISO3-2.
int iso3_integrand(acb_ptr res, const acb_t r, void* param, slong order, slong prec) {
  const auto* p = static_cast<const IsoParams*>(param);
  const int analytic = order != 0;
  acb_t t, s, dens;
  acb_init(t); acb_init(s); acb_init(dens);
  if (p->piece == 0) {
    acb_neg(t, r);
    acb_add_ui(t, t, 1, prec);
  } else {
    acb_add_ui(t, r, 1, prec);
  }
  iso3_half_i3(res, r, analytic, prec);
  acb_set_arb(s, p->s0);
  acb_mul(s, s, t, prec);
  acb_mul_2exp_si(dens, s, -1);
  acb_neg(dens, dens);
  acb_exp(dens, dens, prec);
  acb_sqrt_analytic(s, s, analytic, prec);
  acb_mul(dens, dens, s, prec);
  arb_t c;
  arb_init(c);
  arb_const_pi(c, prec);
  arb_mul_2exp_si(c, c, 1);
  arb_rsqrt(c, c, prec);
  acb_mul_arb(dens, dens, c, prec);
  arb_clear(c);
  acb_mul_arb(dens, dens, p->s0, prec);
  acb_mul(res, res, dens, prec);
  acb_clear(t); acb_clear(s); acb_clear(dens);
  return 0;
}

// int_T^inf s^k f_d(s) ds = 2^k Gamma(d/2 + k, T/2) / Gamma(d/2).
void chi2_tail_moment(arb_t res, int d, int k, const arb_t T, slong prec) {
  arb_t a, x, g;
  arb_init(a); arb_init(x); arb_init(g);
  arb_set_si(a, d + 2 * k);
  arb_mul_2exp_si(a, a, -1);
  arb_mul_2exp_si(x, T, -1);
  arb_hypgeom_gamma_upper(res, a, x, 0, prec);
  arb_set_si(a, d);
  arb_mul_2exp_si(a, a, -1);
  arb_gamma(g, a, prec);
  arb_div(res, res, g, prec);
  arb_mul_2exp_si(res, res, k);
  arb_clear(a); arb_clear(x); arb_clear(g);
}

}  // namespace

void ginibre_exponent(arb_t res, int d, int i, const exact::Rational& sigma, slong prec) {
  // Proof: LYAPND-GIN-1.
  const slong wp = prec + 10;
  Ball s2 = Ball::from_rational(2 * sigma * sigma, wp);
  arb_t x;
  arb_init(x);
  arb_log(res, s2.get(), wp);
  arb_set_si(x, d - i + 1);
  arb_mul_2exp_si(x, x, -1);
  arb_digamma(x, x, wp);
  arb_add(res, res, x, wp);
  arb_mul_2exp_si(res, res, -1);
  arb_clear(x);
}

void isotropic2_closed_form(arb_t res, const exact::Rational& lr, slong prec) {
  // Proof: LYAPND-ISO-2.
  const slong wp = prec + 20;
  Ball c = Ball::from_rational(1 / (2 * lr), wp);
  arb_t one, e1, ei1, ei2, c2, t;
  arb_init(one); arb_init(e1); arb_init(ei1); arb_init(ei2); arb_init(c2); arb_init(t);
  arb_one(one);
  arb_hypgeom_expint(e1, one, c.get(), wp);
  arb_hypgeom_ei(ei1, c.get(), wp);
  arb_mul_2exp_si(c2, c.get(), 1);
  arb_hypgeom_ei(ei2, c2, wp);
  arb_sub(t, ei2, ei1, wp);
  arb_neg(c2, c2);
  arb_exp(c2, c2, wp);
  arb_mul(t, t, c2, wp);
  arb_sub(res, e1, t, prec);
  arb_clear(one); arb_clear(e1); arb_clear(ei1); arb_clear(ei2); arb_clear(c2); arb_clear(t);
}

void isotropic3_quadrature(arb_t res, const exact::Rational& lr, slong prec) {
  // Proof: LYAPND-ISO3-1..3.
  const slong wp = prec + 20;
  Ball s0 = Ball::from_rational(1 / lr, wp);
  const double s0d = std::max(1e-300, arf_get_d(arb_midref(s0.get()), ARF_RND_UP) * (1 + 1e-6));
  // Tail point as in LYAPND-ISO-3; excision half-width eps = 2^-e with eps s0 / 4 <= 2^-(wp + 2).
  const double need = 2.0 * (static_cast<double>(prec) * 0.6931471805599453 + 30.0 + 2.0 * std::log(1 + 1 / s0d));
  const double ttd = std::min(1e15, std::max(2.0, std::ceil(need / s0d) + 2.0));
  const slong e = wp + std::max<slong>(0, static_cast<slong>(std::ceil(std::log2(s0d)))) + 2;
  arb_t eps;
  arb_init(eps);
  arb_one(eps);
  arb_mul_2exp_si(eps, eps, -e);
  acb_t a, b, piece;
  acb_init(a); acb_init(b); acb_init(piece);
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -wp);
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  IsoParams p{3, 0, s0.get()};
  arb_zero(res);
  // piece 0: t = 1 - r in [0, 1 - eps], i.e. r in [eps, 1]
  acb_set_arb(a, eps);
  acb_one(b);
  acb_calc_integrate(piece, iso3_integrand, &p, a, b, wp, tol, opt, wp);
  arb_add(res, res, acb_realref(piece), wp);
  // piece 1: t = 1 + r in [1 + eps, tt], i.e. r in [eps, tt - 1]
  p.piece = 1;
  acb_set_arb(a, eps);
  acb_set_d(b, ttd - 1);  // an integer-valued double: exact
  acb_calc_integrate(piece, iso3_integrand, &p, a, b, wp, tol, opt, wp);
  arb_add(res, res, acb_realref(piece), wp);
  // Excised |t - 1| < eps (r < eps <= 1/2): |(1/2) I_3(r)| <= 1 - log 2 < 1/2 and f_3 <= f_3(1) < 1/4,
  // so the integral over it is at most 2 eps (1/2)(1/4) s0 = eps s0 / 4. Proof: LYAPND-ISO3-3.
  arb_t bound;
  arb_init(bound);
  arb_mul(bound, eps, s0.get(), wp);
  arb_mul_2exp_si(bound, bound, -2);
  // Tail s >= T = s0 tt: 0 <= (1/2) I_3(r) <= log r <= log(lr s) <= lr s / 2, so the tail is at most
  // (lr/2) M_1. Proof: LYAPND-ISO3-3.
  arb_t T, m1, tail;
  arb_init(T); arb_init(m1); arb_init(tail);
  arb_set_d(T, ttd);
  arb_mul(T, T, s0.get(), wp);
  chi2_tail_moment(m1, 3, 1, T, wp);
  Ball lrb = Ball::from_rational(lr, wp);
  arb_mul(tail, m1, lrb.get(), wp);
  arb_mul_2exp_si(tail, tail, -1);
  arb_add(bound, bound, tail, wp);
  if (!arb_is_finite(bound)) {
    arb_indeterminate(res);
  } else {
    mag_t mb;
    mag_init(mb);
    arb_get_mag(mb, bound);
    arb_add_error_mag(res, mb);
    mag_clear(mb);
  }
  arb_set_round(res, res, prec);
  arb_clear(T); arb_clear(m1); arb_clear(tail); arb_clear(bound); arb_clear(eps);
  acb_clear(a); acb_clear(b); acb_clear(piece);
  mag_clear(tol);
}

void isotropic_quadrature(arb_t res, int d, const exact::Rational& lr, slong prec) {
  if (d == 3) {
    isotropic3_quadrature(res, lr, prec);
    return;
  }
  if (d != 2 && d != 4) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball s0 = Ball::from_rational(1 / lr, wp);
  // Tail point s = s0 * tt with tt >= 2 (so lr s >= 2) and s/2 >= prec log 2 + 30.
  const double s0d = std::max(1e-300, arf_get_d(arb_midref(s0.get()), ARF_RND_DOWN) * (1 - 1e-6));
  const double need = 2.0 * (static_cast<double>(prec) * 0.6931471805599453 + 30.0 + 2.0 * std::log(1 + 1 / s0d));
  const double ttd = std::min(1e15, std::max(2.0, std::ceil(need / s0d) + 2.0));
  acb_t a, b, piece;
  acb_init(a); acb_init(b); acb_init(piece);
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -wp);
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  IsoParams p{d, 0, s0.get()};
  arb_zero(res);
  // piece 0: t in [0, 1]
  acb_zero(a);
  acb_one(b);
  acb_calc_integrate(piece, iso_integrand, &p, a, b, wp, tol, opt, wp);
  arb_add(res, res, acb_realref(piece), wp);
  // piece 1: t in [1, tt]
  p.piece = 1;
  acb_one(a);
  acb_set_d(b, ttd);  // an integer-valued double: exact
  acb_calc_integrate(piece, iso_integrand, &p, a, b, wp, tol, opt, wp);
  arb_add(res, res, acb_realref(piece), wp);
  // Tail s >= T = s0 tt: 0 <= log((1+r)/2) <= lr s / 2 and -1 <= (1-r)/(1+r) <= 0 since lr s >= 2,
  // so |(1/2) I_d| <= lr s / 2 (+ 1/2 for d = 4). Proof: LYAPND-ISO-3.
  arb_t T, m0, m1, tail;
  arb_init(T); arb_init(m0); arb_init(m1); arb_init(tail);
  arb_set_d(T, ttd);
  arb_mul(T, T, s0.get(), wp);
  chi2_tail_moment(m1, d, 1, T, wp);
  Ball lrb = Ball::from_rational(lr, wp);
  arb_mul(tail, m1, lrb.get(), wp);
  arb_mul_2exp_si(tail, tail, -1);
  if (d == 4) {
    chi2_tail_moment(m0, d, 0, T, wp);
    arb_mul_2exp_si(m0, m0, -1);
    arb_add(tail, tail, m0, wp);
  }
  arb_add_error(res, tail);
  arb_set_round(res, res, prec);
  arb_clear(T); arb_clear(m0); arb_clear(m1); arb_clear(tail);
  acb_clear(a); acb_clear(b); acb_clear(piece);
  mag_clear(tol);
}

}  // namespace lyapcert::lyapnd
