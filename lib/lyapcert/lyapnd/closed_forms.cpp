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
  arb_srcptr s0;  // 1 / lr (a ball: every point of it, BND-TEMPLATE-5)
  bool real_bounds = false;  // d = 3 ball calls: order-0 bounds on real boxes (BND-TEMPLATE-5 (d))
  bool deriv = false;  // multiply by (d - s)/2, s = s0 t: the s0-derivative kernel (BND-TEMPLATE-6)
};

// (d - s)/2 with s = s0 t: d/ds0 [f_d(s0 t) s0] = f_d(s0 t) (d - s0 t)/2. Proof: BND-TEMPLATE-6.
void deriv_factor(acb_t res, acb_t s_times, int d, slong prec) {
  acb_neg(res, s_times);
  acb_add_si(res, res, d, prec);
  acb_mul_2exp_si(res, res, -1);
}

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
  if (p->deriv) {
    acb_set_arb(s, p->s0);
    acb_mul(s, s, t, prec);
    deriv_factor(u, s, p->d, prec);
    acb_mul(dens, dens, u, prec);
  }
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
void iso3_half_i3(acb_t res, const acb_t r, int analytic, slong prec, bool real_bounds = false) {
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
    } else if (real_bounds && !analytic && arb_is_zero(acb_imagref(r)) && arb_is_nonnegative(acb_realref(r))) {
      // Order-0 enclosure on a real box spanning the regions (ball calls only): the bounds of LYAPND-ISO3-1,
      // H in [log 2 - 1, 0] for r <= 1 and in [0, log r] for r >= 1, so H(box) is in
      // [log 2 - 1, max(0, log r_max)]. Proof: BND-TEMPLATE-5 (d).
      arb_t lo, hi;
      arb_init(lo);
      arb_init(hi);
      arb_const_log2(lo, prec);
      arb_sub_ui(lo, lo, 1, prec);
      arf_t ub;
      arf_init(ub);
      arb_get_ubound_arf(ub, acb_realref(r), prec);
      arb_set_arf(hi, ub);
      arf_clear(ub);
      arb_log(hi, hi, prec);
      if (arb_is_negative(hi)) arb_zero(hi);
      arb_union(acb_realref(res), lo, hi, prec);
      arb_zero(acb_imagref(res));
      arb_clear(lo);
      arb_clear(hi);
      mag_clear(m);
      acb_clear(r2); acb_clear(w); acb_clear(x); acb_clear(t); acb_clear(u);
      return;
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
  iso3_half_i3(res, r, analytic, prec, p->real_bounds);
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
  if (p->deriv) {
    acb_set_arb(s, p->s0);
    acb_mul(s, s, t, prec);
    deriv_factor(t, s, 3, prec);
    acb_mul(dens, dens, t, prec);
  }
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

namespace {

// d = 3 core: s0 (= 1/lr) and lrb (= lr) are balls; the result holds for every lr in them (the same
// point lr in both). deriv: J = E_s[(1/2) I_3(|1 - lr s|) (3 - s)/2] instead of Lambda (the caller
// multiplies by -s0). tol: absolute quadrature tolerance (2^-wp for exact rates).
// Proof: LYAPND-ISO3-1..3; balls BND-TEMPLATE-5; derivative kernel and bounds BND-TEMPLATE-6.
void iso3_core(arb_t res, arb_srcptr s0b, arb_srcptr lrb, bool deriv, const mag_t tol_in, slong prec,
               bool real_bounds = false) {
  const slong wp = prec + 20;
  const double s0d = std::max(1e-300, arf_get_d(arb_midref(s0b), ARF_RND_UP) * (1 + 1e-6));
  // Tail point as in LYAPND-ISO-3; excision half-width eps = 2^-e with eps s0 / 4 <= 2^-(wp + 2).
  const double need = 2.0 * (static_cast<double>(prec) * 0.6931471805599453 + 30.0 + 2.0 * std::log(1 + 1 / s0d));
  const double ttd = std::min(1e15, std::max(2.0, std::ceil(need / s0d) + 2.0));
  slong e = wp + std::max<slong>(0, static_cast<slong>(std::ceil(std::log2(s0d)))) + 2;
  if (deriv) e += static_cast<slong>(std::ceil(std::log2(3 + 2 * s0d))) + 1;  // any e keeps the bound valid
  arb_t eps;
  arb_init(eps);
  arb_one(eps);
  arb_mul_2exp_si(eps, eps, -e);
  acb_t a, b, piece;
  acb_init(a); acb_init(b); acb_init(piece);
  mag_t tol;
  mag_init(tol);
  mag_set(tol, tol_in);
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  IsoParams p{3, 0, s0b, real_bounds, deriv};
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
  // deriv: times |3 - s|/2 <= (3 + 2 s0)/2 (s = s0 t <= 2 s0): eps s0 (3 + 2 s0)/8. Proof: BND-TEMPLATE-6.
  arb_t bound;
  arb_init(bound);
  arb_mul(bound, eps, s0b, wp);
  arb_mul_2exp_si(bound, bound, -2);
  if (deriv) {
    arb_t k;
    arb_init(k);
    arb_mul_2exp_si(k, s0b, 1);
    arb_add_ui(k, k, 3, wp);
    arb_mul(bound, bound, k, wp);
    arb_mul_2exp_si(bound, bound, -1);
    arb_clear(k);
  }
  // Tail s >= T = s0 tt: 0 <= (1/2) I_3(r) <= log r <= log(lr s) <= lr s / 2, so the tail is at most
  // (lr/2) M_1. Proof: LYAPND-ISO3-3. deriv: T >= 3 gives |3 - s|/2 <= s/2: (lr/4) M_2 (BND-TEMPLATE-6).
  arb_t T, m1, tail;
  arb_init(T); arb_init(m1); arb_init(tail);
  arb_set_d(T, ttd);
  arb_mul(T, T, s0b, wp);
  if (!arb_is_exact(T)) {
    // Ball calls: M_k(T) = int_T^inf s^k f_d decreases in T, so M_k at the lower endpoint of the ball bounds
    // it for every point (BND-TEMPLATE-5 (b)); Arb's upper incomplete gamma on a wide ball may be non-finite.
    arf_t tl;
    arf_init(tl);
    arb_get_lbound_arf(tl, T, wp);
    arb_set_arf(T, tl);
    arf_clear(tl);
  }
  if (deriv) {
    arb_t three;
    arb_init(three);
    arb_set_ui(three, 3);
    const bool big = arb_ge(T, three);
    arb_clear(three);
    chi2_tail_moment(m1, 3, 2, T, wp);
    arb_mul(tail, m1, lrb, wp);
    arb_mul_2exp_si(tail, tail, -2);
    if (!big) arb_indeterminate(tail);
  } else {
    chi2_tail_moment(m1, 3, 1, T, wp);
    arb_mul(tail, m1, lrb, wp);
    arb_mul_2exp_si(tail, tail, -1);
  }
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

// d = 2, 4 core, same conventions as iso3_core. Proof: LYAPND-ISO-3; BND-TEMPLATE-5, BND-TEMPLATE-6.
void iso24_core(arb_t res, int d, arb_srcptr s0b, arb_srcptr lrb, bool deriv, const mag_t tol_in, slong prec) {
  const slong wp = prec + 20;
  // Tail point s = s0 * tt with tt >= 2 (so lr s >= 2) and s/2 >= prec log 2 + 30.
  const double s0d = std::max(1e-300, arf_get_d(arb_midref(s0b), ARF_RND_DOWN) * (1 - 1e-6));
  const double need = 2.0 * (static_cast<double>(prec) * 0.6931471805599453 + 30.0 + 2.0 * std::log(1 + 1 / s0d));
  const double ttd = std::min(1e15, std::max(2.0, std::ceil(need / s0d) + 2.0));
  acb_t a, b, piece;
  acb_init(a); acb_init(b); acb_init(piece);
  mag_t tol;
  mag_init(tol);
  mag_set(tol, tol_in);
  acb_calc_integrate_opt_t opt;
  acb_calc_integrate_opt_init(opt);
  IsoParams p{d, 0, s0b, false, deriv};
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
  // deriv: T >= d gives |d - s|/2 <= s/2: (lr/4) M_2 (+ (1/4) M_1 for d = 4). Proof: BND-TEMPLATE-6.
  arb_t T, m0, m1, tail;
  arb_init(T); arb_init(m0); arb_init(m1); arb_init(tail);
  arb_set_d(T, ttd);
  arb_mul(T, T, s0b, wp);
  if (!arb_is_exact(T)) {
    // Ball calls: M_k(T) = int_T^inf s^k f_d decreases in T, so M_k at the lower endpoint of the ball bounds
    // it for every point (BND-TEMPLATE-5 (b)); Arb's upper incomplete gamma on a wide ball may be non-finite.
    arf_t tl;
    arf_init(tl);
    arb_get_lbound_arf(tl, T, wp);
    arb_set_arf(T, tl);
    arf_clear(tl);
  }
  const int k = deriv ? 1 : 0;
  chi2_tail_moment(m1, d, 1 + k, T, wp);
  arb_mul(tail, m1, lrb, wp);
  arb_mul_2exp_si(tail, tail, -1 - k);
  if (d == 4) {
    chi2_tail_moment(m0, d, k, T, wp);
    arb_mul_2exp_si(m0, m0, -1 - k);
    arb_add(tail, tail, m0, wp);
  }
  if (deriv) {
    arb_set_si(m0, d);
    if (!arb_ge(T, m0)) arb_indeterminate(tail);
  }
  arb_add_error(res, tail);
  arb_set_round(res, res, prec);
  arb_clear(T); arb_clear(m0); arb_clear(m1); arb_clear(tail);
  acb_clear(a); acb_clear(b); acb_clear(piece);
  mag_clear(tol);
}

// Quadrature tolerance for a ball of learning rates: 2^-wp, or 1/16 of the relative radius of X when
// that is larger (the enclosure cannot be narrower than the spread of Lambda over X anyway; any
// tolerance is valid, acb_calc_integrate always returns an enclosure).
void ball_tolerance(mag_t tol, const arb_t X, slong wp) {
  mag_set_ui_2exp_si(tol, 1, -wp);
  mag_t r, m;
  mag_init(r);
  mag_init(m);
  arb_get_mag_lower(m, X);
  mag_set(r, arb_radref(X));
  if (!mag_is_zero(m)) {
    mag_div(r, r, m);
    mag_mul_2exp_si(r, r, -4);
    if (mag_cmp(r, tol) > 0) mag_set(tol, r);
  }
  mag_clear(r);
  mag_clear(m);
}

}  // namespace

void isotropic3_quadrature(arb_t res, const exact::Rational& lr, slong prec) {
  // Proof: LYAPND-ISO3-1..3.
  const slong wp = prec + 20;
  Ball s0 = Ball::from_rational(1 / lr, wp);
  Ball lrb = Ball::from_rational(lr, wp);
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -wp);
  iso3_core(res, s0.get(), lrb.get(), false, tol, prec);
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
  Ball lrb = Ball::from_rational(lr, wp);
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -wp);
  iso24_core(res, d, s0.get(), lrb.get(), false, tol, prec);
  mag_clear(tol);
}

namespace {
// s0 = 1/X and the tolerance for a ball X > 0; false when X is not certainly positive and finite.
bool ball_setup(arb_t s0, mag_t tol, const arb_t X, slong wp) {
  if (!arb_is_finite(X) || !arb_is_positive(X)) return false;
  arb_inv(s0, X, wp);
  ball_tolerance(tol, X, wp);
  return arb_is_finite(s0);
}
}  // namespace

void isotropic_quadrature_ball(arb_t res, int d, const arb_t X, slong prec) {
  // Proof: BND-TEMPLATE-5 (LYAPND-ISO-3, LYAPND-ISO3-1..3 on balls).
  const slong wp = prec + 20;
  arb_t s0;
  arb_init(s0);
  mag_t tol;
  mag_init(tol);
  if ((d < 2 || d > 4) || !ball_setup(s0, tol, X, wp)) {
    arb_indeterminate(res);
  } else if (d == 3) {
    iso3_core(res, s0, X, false, tol, prec, true);
  } else {
    iso24_core(res, d, s0, X, false, tol, prec);
  }
  arb_clear(s0);
  mag_clear(tol);
}

void isotropic_quadrature_derivative_ball(arb_t res, int d, const arb_t X, slong prec) {
  // Proof: BND-TEMPLATE-6: Lambda'(lr) = -s0 J, J = E_s[(1/2) I_d(|1 - lr s|) (d - s)/2].
  const slong wp = prec + 20;
  arb_t s0;
  arb_init(s0);
  mag_t tol;
  mag_init(tol);
  if ((d < 2 || d > 4) || !ball_setup(s0, tol, X, wp)) {
    arb_indeterminate(res);
  } else {
    if (d == 3) {
      iso3_core(res, s0, X, true, tol, wp, true);
    } else {
      iso24_core(res, d, s0, X, true, tol, wp);
    }
    arb_mul(res, res, s0, wp);
    arb_neg(res, res);
    arb_set_round(res, res, prec);
  }
  arb_clear(s0);
  mag_clear(tol);
}

}  // namespace lyapcert::lyapnd
