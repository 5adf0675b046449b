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

void isotropic_quadrature(arb_t res, int d, const exact::Rational& lr, slong prec) {
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
