#include "lyapcert/continuous/internal/xy_sigma0.hpp"

#include <arb_poly.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/continuous/internal/mixture.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous::internal {

// sigma = 0: E log|a + c u^2| (kind 0) or E|a + c u^2|^p (kind 1), u ~ chi_S. Proof: CONT-XY-5, CONT-XY-6.
void sigma0(arb_t res, const arb_t a, const arb_t c, ulong S, const arb_t p, int kind, slong prec) {
  const slong wp = prec + 20;
  if (arb_is_zero(c)) {  // h_B = 0 almost surely
    Ball t;
    arb_abs(t, a);
    if (kind == 0)
      arb_log(res, t, prec);
    else
      arb_pow(res, t, p, prec);
    return;
  }
  if (arb_contains_zero(c)) {
    arb_indeterminate(res);
    return;
  }
  if (kind == 0 && arb_is_zero(a)) {  // log|c| + E log q, E log chi^2_S = log 2 + psi(S/2)
    Ball t, u;
    arb_set_ui(t, S);
    arb_mul_2exp_si(t, t, -1);
    arb_digamma(t, t, wp);
    arb_const_log2(u, wp);
    arb_add(t, t, u, wp);
    arb_abs(u, c);
    arb_log(u, u, wp);
    arb_add(res, t, u, prec);
    return;
  }
  if (kind == 1 && arb_is_zero(a)) {
    // Proof: CONT-XY-NEG-3 -- E|c q|^p = |c|^p 2^p Gamma(S/2 + p)/Gamma(S/2), q ~ chi^2_S, finite iff S/2 + p > 0
    // (every p > 0; for p < 0 every S >= 2, and S = 1 only for p > -1/2).
    Ball hs, t, u;
    arb_set_ui(hs, S);
    arb_mul_2exp_si(hs, hs, -1);
    arb_add(t, hs, p, wp);
    if (arb_is_nonpositive(t)) {
      throw InputError("E|a + b h_B|^p is +inf for sigma = 0 and a = 0 when p <= -S/2 (here S = 1 and p <= -1/2)");
    }
    if (!arb_is_positive(t)) {
      arb_indeterminate(res);
      return;
    }
    arb_lgamma(t, t, wp);
    arb_lgamma(u, hs, wp);
    arb_sub(t, t, u, wp);
    arb_abs(u, c);
    arb_mul_2exp_si(u, u, 1);
    arb_log(u, u, wp);
    arb_addmul(t, u, p, wp);
    arb_exp(res, t, prec);
    return;
  }
  Ball ratio, K, zero, one, mu, s, inv2s2, total, piece, A, B, T, tailb, cst, u0, two_u0;
  arb_div(ratio, a, c, wp);
  const bool root = arb_is_negative(ratio);
  if (!root && !arb_is_positive(ratio)) {
    arb_indeterminate(res);
    return;
  }
  chi_norm(K, S, wp);
  arb_one(one);
  arb_one(s);
  HalfLineMixture g{a, zero, c, one, K, mu, s, static_cast<slong>(S) - 1};
  arb_set_d(inv2s2, 0.5);
  if (root) {
    arb_neg(u0, ratio);
    arb_sqrt(u0, u0, wp);
  }
  arb_mul_2exp_si(two_u0, u0, 1);
  // Tail: kind 0: |log|a + c u^2|| <= Lc + 2 log u <= Lc + 2u on u >= max(1, 2 u0);
  //       kind 1: |a + c u^2|^p <= (|a| + |c|)^p u^j, j = ceil(2p).
  slong j0 = g.P;
  if (kind == 0) {
    Ball l1, l2;
    abs_ub(l1, a, wp);
    abs_ub(l2, c, wp);
    arb_add(l1, l1, l2, wp);
    arb_log(l1, l1, wp);
    arb_abs(l1, l1);
    arb_abs(l2, c);
    arb_mul_ui(l2, l2, 3, wp);
    arb_mul_2exp_si(l2, l2, -2);
    arb_log(l2, l2, wp);
    arb_abs(l2, l2);
    arb_max(A, l1, l2, wp);
    arb_set_ui(B, 2);
  } else if (arb_is_negative(p)) {
    // Proof: CONT-XY-NEG-2 -- p < 0: without a root |a + c u^2| >= |a|; with one, |a + c u^2| >= (3/4)|c| u^2
    // >= (3/4)|c| on u >= max(1, 2 u0). So |a + c u^2|^p <= A (constant) on the tail.
    if (root) {
      abs_lb(A, c, wp);
      arb_mul_ui(A, A, 3, wp);
      arb_mul_2exp_si(A, A, -2);
    } else {
      abs_lb(A, a, wp);
    }
    if (!arb_is_positive(A)) {
      arb_indeterminate(res);
      return;
    }
    arb_pow(A, A, p, wp);
    arb_zero(B);
  } else {
    const double pu = abs_upper_d(p);
    if (!(pu < 64)) {
      arb_indeterminate(res);
      return;
    }
    Ball l1;
    abs_ub(B, a, wp);
    abs_ub(l1, c, wp);
    arb_add(B, B, l1, wp);
    arb_pow(B, B, p, wp);
    arb_zero(A);
    j0 = g.P + static_cast<slong>(std::ceil(2 * pu)) - 1;
  }
  if (!choose_tail(T, tailb, g, A, B, j0, wp + 8, wp)) {
    arb_indeterminate(res);
    return;
  }
  if (root && !arb_gt(T, two_u0)) {
    abs_ub(T, two_u0, wp);
    arb_add_ui(T, T, 1, wp);
    arb_floor(T, T, wp);
    tail_poly_bound(tailb, g, T, A, B, j0, wp);
  }
  const int sa = arb_is_positive(a) ? +1 : -1;
  MixParam prm{&g, kind == 0 ? Mode::kLogQuad : Mode::kPowPiece, inv2s2, cst, p, u0, sa};
  arb_zero(total);
  if (!root) {
    integrate(total, mix_integrand, &prm, zero, T, wp);
  } else if (kind == 1 && !arb_is_negative(p)) {
    Ball ud;
    arb_set_arf(ud, arb_midref(u0.get()));
    integrate(piece, mix_integrand, &prm, zero, ud, wp);
    arb_add(total, total, piece, wp);
    prm.sign = -sa;
    integrate(piece, mix_integrand, &prm, ud, T, wp);
    arb_add(total, total, piece, wp);
    if (!arb_is_exact(u0)) {  // |a + c u^2|^p on the sliver between ud and u0 (both signs possible)
      // Proof: CONT-XY-6. Between ud and u0 (|ud - u0| <= r = |u0 - ud| upper bound) the pieces used the
      // wrong sign branch; both the true and the computed integrand are bounded there by
      // (|c| 3 (u0 + 1) r)^p K (u0 + 1)^P e^{-max(u0 - 1, 0)^2/2}, so add 2 r times that.
      Ball w;
      arb_sub(w, u0, ud, wp);
      mag_t m;
      mag_init(m);
      arb_get_mag(m, w);
      Ball sup, t;
      arf_set_mag(arb_midref(sup.get()), m);
      arb_mul_ui(sup, sup, 3, wp);
      arb_add_ui(t, u0, 1, wp);
      arb_mul(sup, sup, t, wp);
      arb_abs(t, c);
      arb_mul(sup, sup, t, wp);
      arb_pow(sup, sup, p, wp);
      arb_add_ui(t, u0, 1, wp);
      arb_pow_ui(t, t, static_cast<ulong>(g.P), wp);
      arb_mul(sup, sup, t, wp);
      arb_mul(sup, sup, K, wp);
      {  // weight factor e^{-max(u0 - 1, 0)^2/2} (the sliver lies within rad(u0) << 1 of u0)
        Ball d;
        arb_sub_ui(d, u0, 1, wp);
        if (arb_is_positive(d)) {
          arb_sqr(d, d, wp);
          arb_mul_2exp_si(d, d, -1);
          arb_neg(d, d);
          arb_exp(d, d, wp);
          arb_mul(sup, sup, d, wp);
        }
      }
      arf_set_mag(arb_midref(t.get()), m);
      mag_zero(arb_radref(t.get()));
      arb_mul(sup, sup, t, wp);
      arb_mul_2exp_si(sup, sup, 1);
      add_error_arb(total, sup);
      mag_clear(m);
    }
  } else {
    // log window of half-width delta around the exact midpoint ud of u0.
    const double u0d = mid_d(u0);
    const double P1 = std::max<double>(1.0, static_cast<double>(g.P));
    const double dcap = std::min({1.0 / 16, u0d / 32, 1.0 / (16 * (1 + u0d)), u0d / (16 * P1)});
    if (!(dcap > 1e-300)) {
      arb_indeterminate(res);
      return;
    }
    int ex = 0;
    std::frexp(dcap, &ex);
    Ball delta, ud, w1, w2, d1, d2, dmax, R, M, logc, t;
    pow2(delta, ex - 1);
    arb_set_arf(ud, arb_midref(u0.get()));
    arb_sub(w1, ud, delta, wp);
    arb_add(w2, ud, delta, wp);
    integrate(piece, mix_integrand, &prm, zero, w1, wp);
    arb_add(total, total, piece, wp);
    prm.sign = -sa;
    integrate(piece, mix_integrand, &prm, w2, T, wp);
    arb_add(total, total, piece, wp);
    if (kind == 0) {
      arb_abs(logc, c);
      arb_log(logc, logc, wp);
      MixParam pn{&g, Mode::kNearRoot, inv2s2, logc, p, u0, +1};
      integrate(piece, mix_integrand, &pn, w1, w2, wp);
      arb_add(total, total, piece, wp);
    }
    // singular part: int_{w1}^{w2} log|u - u0| w(u) du, t = u - u0 in [-d1, d2]
    arb_sub(d1, u0, w1, wp);
    arb_sub(d2, w2, u0, wp);
    arb_mul_2exp_si(dmax, delta, 1);
    arb_mul_2exp_si(R, dmax, 3);
    // w(u0 + t) = K e^{-u0^2/2} (u0 + t)^P exp(-u0 t - t^2/2); |.| <= K (u0 + R)^P e^{-u0^2/2 + u0 R + R^2/2}
    arb_add(M, u0, R, wp);
    arb_pow_ui(M, M, static_cast<ulong>(g.P), wp);
    arb_sqr(t, u0, wp);
    arb_mul_2exp_si(t, t, -1);
    arb_neg(t, t);
    Ball t2;
    arb_mul(t2, u0, R, wp);
    arb_add(t, t, t2, wp);
    arb_sqr(t2, R, wp);
    arb_mul_2exp_si(t2, t2, -1);
    arb_add(t, t, t2, wp);
    arb_exp(t, t, wp);
    arb_mul(M, M, t, wp);
    arb_mul(M, M, K, wp);
    const double log2M = ln_d(M, wp) / kLn2;
    const slong nterms = (wp + 8 + static_cast<slong>(std::max(0.0, log2M + 64))) / 3 + 2;
    arb_poly_t lin, pw, ex2, prod;
    arb_poly_init(lin);
    arb_poly_init(pw);
    arb_poly_init(ex2);
    arb_poly_init(prod);
    arb_poly_set_coeff_arb(lin, 0, u0);
    arb_poly_set_coeff_si(lin, 1, 1);
    arb_poly_pow_ui_trunc_binexp(pw, lin, static_cast<ulong>(g.P), nterms, wp);
    arb_poly_zero(lin);
    arb_neg(t, u0);
    arb_poly_set_coeff_arb(lin, 1, t);
    arb_set_d(t, -0.5);
    arb_poly_set_coeff_arb(lin, 2, t);
    arb_poly_exp_series(ex2, lin, nterms, wp);
    arb_poly_mullow(prod, pw, ex2, nterms, wp);
    arb_sqr(t, u0, wp);
    arb_mul_2exp_si(t, t, -1);
    arb_neg(t, t);
    arb_exp(t, t, wp);
    arb_mul(t, t, K, wp);
    arb_poly_scalar_mul(prod, prod, t, wp);
    if (kind == 0) {
      log_window_poly(piece, prod, nterms, M, d1, d2, dmax, wp);
    } else {
      // Proof: CONT-XY-NEG-2 -- |a + c u^2|^p = |t|^p |c|^p (2 u0 + t)^p with t = u - u0; the analytic factor
      // |c|^p (2 u0 + t)^p w(u0 + t) is expanded in t; on |t| <= R <= u0/2, |(2 u0 + t)^p| <= (3 u0/2)^p.
      Ball cp;
      arb_abs(cp, c);
      arb_pow(cp, cp, p, wp);
      arb_poly_zero(lin);
      arb_mul_2exp_si(t, u0, 1);
      arb_poly_set_coeff_arb(lin, 0, t);
      arb_poly_set_coeff_si(lin, 1, 1);
      arb_poly_pow_arb_series(pw, lin, p, nterms, wp);
      arb_poly_mullow(prod, prod, pw, nterms, wp);
      arb_poly_scalar_mul(prod, prod, cp, wp);
      arb_mul(M, M, cp, wp);
      arb_mul_ui(t, u0, 3, wp);
      arb_mul_2exp_si(t, t, -1);
      arb_pow(t, t, p, wp);
      arb_mul(M, M, t, wp);
      pow_window_poly(piece, prod, nterms, M, p, d1, d2, dmax, wp);
    }
    arb_poly_clear(lin);
    arb_poly_clear(pw);
    arb_poly_clear(ex2);
    arb_poly_clear(prod);
    arb_add(total, total, piece, wp);
  }
  add_error_arb(total, tailb);
  arb_set_round(res, total, prec);
}

}  // namespace lyapcert::continuous::internal
