// E log|1 - lr h_B| by quadrature against the variance-gamma density of h_B: the independent second
// path of xy_log_abs_mean for S >= 2 (proofs/continuous/xy.md, CONT-VG-1 .. CONT-VG-4).
#include <acb_calc.h>
#include <acb_hypgeom.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/detail.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using detail::ArbTmp;

namespace {

// The density is f(h) = C e^{beta h} |h|^nu K_nu(alpha |h|) (CONT-VG-1).
struct VgShape {
  ArbTmp C, beta, alpha, nu, lr, h0, d, logd, loglr, delta0;
};

enum class Piece { kBody, kWindowLeft, kWindowRight, kNearZero };

struct VgParam {
  const VgShape* v;
  Piece piece;
  int side;      // kBody, kNearZero: +1 for h > 0, -1 for h < 0 (the Bessel argument is alpha * side * h)
  int log_sign;  // kBody: +1 where 1 - lr h > 0, -1 where it is < 0
};

// out := f(h) on a complex ball h with side * Re h > 0 (holomorphic there); for a real ball touching 0 in
// direct mode, the CONT-VG-2 bound |h|^nu K_nu(alpha |h|) <= Gamma(nu) 2^{nu-1} alpha^{-nu}.
void density(acb_t out, const acb_t h, const VgShape& v, int side, bool analytic, slong prec) {
  acb_t z, k, e;
  acb_init(z);
  acb_init(k);
  acb_init(e);
  acb_mul_si(z, h, side, prec);
  acb_mul_arb(e, h, v.beta, prec);
  acb_exp(e, e, prec);
  if (arb_is_positive(acb_realref(z))) {
    acb_t az, nu;
    acb_init(az);
    acb_init(nu);
    acb_mul_arb(az, z, v.alpha, prec);
    acb_set_arb(nu, v.nu);
    acb_hypgeom_bessel_k(k, nu, az, prec);
    acb_pow_analytic(z, z, nu, analytic, prec);
    acb_mul(k, k, z, prec);
    acb_clear(az);
    acb_clear(nu);
  } else if (!analytic && arb_is_zero(acb_imagref(h))) {
    // real ball reaching 0 (or beyond, where the other side's formula is the true value): bound both sides
    ArbTmp b, t, two;
    arb_gamma(b, v.nu, prec);
    arb_sub_ui(t, v.nu, 1, prec);
    arb_set_ui(two, 2);
    arb_pow(t, two, t, prec);
    arb_mul(b, b, t, prec);
    arb_pow(t, v.alpha, v.nu, prec);
    arb_div(b, b, t, prec);
    mag_t m;
    mag_init(m);
    arb_get_mag(m, b);
    acb_zero(k);
    arb_add_error_mag(acb_realref(k), m);
    mag_clear(m);
  } else {
    acb_indeterminate(k);
  }
  acb_mul(out, k, e, prec);
  acb_mul_arb(out, out, v.C, prec);
  acb_clear(z);
  acb_clear(k);
  acb_clear(e);
}

int vg_integrand(acb_ptr out, const acb_t x, void* param, slong order, slong prec) {
  auto* q = static_cast<VgParam*>(param);
  const VgShape& v = *q->v;
  const bool analytic = order != 0;
  acb_t l, f, h, u;
  acb_init(l);
  acb_init(f);
  acb_init(h);
  acb_init(u);
  switch (q->piece) {
    case Piece::kBody:
      acb_mul_arb(l, x, v.lr, prec);
      acb_sub_ui(l, l, 1, prec);  // lr h - 1
      if (q->log_sign > 0) acb_neg(l, l);
      acb_log_analytic(l, l, analytic, prec);
      density(f, x, v, q->side, analytic, prec);
      acb_mul(out, l, f, prec);
      break;
    case Piece::kNearZero:
      // h = side delta0 e^{-s}, |dh| = |h| ds: the kink of f at h = 0 moves to s = +inf (CONT-VG-3).
      acb_neg(u, x);
      acb_exp(u, u, prec);
      acb_mul_arb(u, u, v.delta0, prec);
      acb_mul_si(h, u, q->side, prec);
      acb_mul_arb(l, h, v.lr, prec);
      acb_sub_ui(l, l, 1, prec);
      acb_neg(l, l);  // 1 - lr h, in [3/4, 5/4] on the real segment
      acb_log_analytic(l, l, analytic, prec);
      density(f, h, v, q->side, analytic, prec);
      acb_mul(out, l, f, prec);
      acb_mul(out, out, u, prec);
      break;
    case Piece::kWindowLeft:
    case Piece::kWindowRight: {
      // u = d e^{-s}, h = h0 -+ u; log|1 - lr h| = log lr + log u = log lr + log d - s; du = u ds (CONT-VG-3).
      acb_neg(u, x);
      acb_exp(u, u, prec);
      acb_mul_arb(u, u, v.d, prec);
      acb_set_arb(h, v.h0);
      if (q->piece == Piece::kWindowLeft)
        acb_sub(h, h, u, prec);
      else
        acb_add(h, h, u, prec);
      acb_set_arb(l, v.loglr);
      acb_add_arb(l, l, v.logd, prec);
      acb_sub(l, l, x, prec);
      density(f, h, v, +1, analytic, prec);
      acb_mul(out, l, f, prec);
      acb_mul(out, out, u, prec);
      break;
    }
  }
  acb_clear(l);
  acb_clear(f);
  acb_clear(h);
  acb_clear(u);
  return 0;
}

// Upper bound of C K_nu(alpha T) e^{alpha T} int_T^inf (A + B h) h^nu e^{-g h} dh, T > 0, g > 0 (CONT-VG-4):
// C K_nu(alpha T) e^{alpha T} [A Gamma(nu+1, g T)/g^{nu+1} + B Gamma(nu+2, g T)/g^{nu+2}].
void tail_bound(arb_t res, const VgShape& v, const arb_t T, const arb_t A, const arb_t B, const arb_t g, slong prec) {
  ArbTmp kt, t, s, a1, a2, acc;
  arb_mul(t, v.alpha, T, prec);
  arb_hypgeom_bessel_k(kt, v.nu, t, prec);
  arb_exp(s, t, prec);
  arb_mul(kt, kt, s, prec);
  arb_mul(kt, kt, v.C, prec);
  arb_mul(t, g, T, prec);
  arb_add_ui(a1, v.nu, 1, prec);
  arb_hypgeom_gamma_upper(s, a1, t, 0, prec);
  arb_pow(a2, g, a1, prec);
  arb_div(s, s, a2, prec);
  arb_mul(acc, s, A, prec);
  arb_add_ui(a1, v.nu, 2, prec);
  arb_hypgeom_gamma_upper(s, a1, t, 0, prec);
  arb_pow(a2, g, a1, prec);
  arb_div(s, s, a2, prec);
  arb_addmul(acc, s, B, prec);
  arb_mul(res, acc, kt, prec);
}

}  // namespace

// Proof: CONT-VG-1 .. CONT-VG-4.
void xy_log_abs_mean_vg(arb_t res, const arb_t lr_in, const arb_t k_in, const arb_t sigma, ulong S, slong prec) {
  if (S < 2) throw InputError("xy_log_abs_mean_vg: the variance-gamma path needs batch S >= 2");
  if (!arb_is_finite(lr_in) || !arb_is_finite(k_in) || !arb_is_finite(sigma) || !arb_is_positive(sigma) ||
      arb_contains_zero(lr_in)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 30;
  // h -> -h maps xy(k) to xy(-k): reduce to lr > 0 (CONT-VG-1).
  ArbTmp lr, k;
  arb_set(lr, lr_in);
  arb_set(k, k_in);
  if (arb_is_negative(lr)) {
    arb_neg(lr, lr);
    arb_neg(k, k);
  }
  VgShape v;
  ArbTmp s2, l, theta, t, g_plus, g_minus;
  arb_set(v.lr, lr);
  arb_sqr(s2, sigma, wp);
  arb_set_ui(l, S);
  arb_mul_2exp_si(l, l, -1);  // l = S/2
  arb_set_d(t, 0.5);
  arb_sub(v.nu, l, t, wp);  // nu = (S - 1)/2
  arb_mul_2exp_si(theta, s2, 1);
  arb_div_ui(theta, theta, S, wp);
  arb_div_ui(theta, theta, S, wp);  // theta = 2 sigma^2 / S^2
  arb_mul_ui(v.beta, k, S, wp);
  arb_div(v.beta, v.beta, s2, wp);  // beta = k S / sigma^2
  arb_sqr(t, k, wp);
  arb_add(t, t, s2, wp);
  arb_sqrt(t, t, wp);
  arb_mul_ui(v.alpha, t, S, wp);
  arb_div(v.alpha, v.alpha, s2, wp);  // alpha = S sqrt(k^2 + sigma^2) / sigma^2
  // C = 2 alpha^{-nu} / (sqrt(2 pi) Gamma(l) theta^l)
  arb_pow(t, v.alpha, v.nu, wp);
  arb_gamma(v.C, l, wp);
  arb_mul(v.C, v.C, t, wp);
  arb_pow(t, theta, l, wp);
  arb_mul(v.C, v.C, t, wp);
  arb_const_pi(t, wp);
  arb_mul_2exp_si(t, t, 1);
  arb_sqrt(t, t, wp);
  arb_mul(v.C, v.C, t, wp);
  arb_inv(v.C, v.C, wp);
  arb_mul_2exp_si(v.C, v.C, 1);
  // gamma_+- = alpha -+ beta > 0: the exponential decay rates of the two tails.
  arb_sub(g_plus, v.alpha, v.beta, wp);
  arb_add(g_minus, v.alpha, v.beta, wp);
  if (!arb_is_positive(g_plus) || !arb_is_positive(g_minus)) {
    arb_indeterminate(res);
    return;
  }
  arb_inv(v.h0, lr, wp);
  arb_log(v.loglr, lr, wp);
  // Window half-width d = 2^j <= h0/4 (exact), cut points exact dyadics.
  const double h0d = detail::mid_d(v.h0);
  int e2 = 0;
  std::frexp(h0d / 4, &e2);
  arb_one(v.d);
  arb_mul_2exp_si(v.d, v.d, e2 - 1);
  arb_log(v.logd, v.d, wp);
  ArbTmp h0m;
  arb_set_arf(h0m, arb_midref(v.h0.get()));  // exact midpoint: the cut points are h0m -+ d
  // Tail cut points: T = max(h0 + 2d, mean + many sd) with decay rates g_+-; target e^{-g T} ~ 2^{-wp-20}.
  const double gp = detail::mid_d(g_plus), gm = detail::mid_d(g_minus);
  const double need = (static_cast<double>(wp) + 40) * 0.6931471805599453;
  double Tp = std::max(h0d + 4 * std::ldexp(1.0, e2 - 1), (need + 10 * std::log(need + 10)) / gp + 1);
  double Tm = (need + 10 * std::log(need + 10)) / gm + 1;
  // (nu + 2) log(T) growth of the polynomial factor: extend a little more
  Tp += (detail::mid_d(v.nu) + 2) * std::log(Tp + 1) / gp;
  Tm += (detail::mid_d(v.nu) + 2) * std::log(Tm + 1) / gm;
  ArbTmp TP, TM, zero, a, b, piece, total, wl, wr;
  arb_set_d(TP, std::ldexp(std::ceil(std::ldexp(Tp, 4)), -4));
  arb_set_d(TM, std::ldexp(std::ceil(std::ldexp(Tm, 4)), -4));
  arb_zero(total);
  // delta0 = 2^j <= min(h0/4, 1/alpha): the pieces [-delta0, 0] and [0, delta0] are integrated in s.
  {
    const double cap = std::min(h0d / 4, 1.0 / detail::abs_upper_d(v.alpha));
    int e0 = 0;
    std::frexp(cap, &e0);
    arb_one(v.delta0);
    arb_mul_2exp_si(v.delta0, v.delta0, e0 - 1);
  }
  VgParam prm{&v, Piece::kBody, -1, +1};
  // h < 0: log(1 - lr h) analytic
  arb_neg(a, TM);
  arb_neg(b, v.delta0);
  detail::integrate(piece, vg_integrand, &prm, a, b, wp);
  arb_add(total, total, piece, wp);
  // [delta0, h0 - d]
  prm.side = +1;
  arb_sub(b, h0m, v.d, wp);
  detail::integrate(piece, vg_integrand, &prm, v.delta0, b, wp);
  arb_add(total, total, piece, wp);
  // [h0 + d, TP], 1 - lr h < 0
  prm.log_sign = -1;
  arb_add(a, h0m, v.d, wp);
  detail::integrate(piece, vg_integrand, &prm, a, TP, wp);
  arb_add(total, total, piece, wp);
  // Windows around h0 in s (u = d e^{-s}), s in [0, Smax]; the exact singular point is h0, the cuts use h0m:
  // the sliver between h0m -+ d and h0 -+ d is covered by the window's own bound (CONT-VG-3).
  // Place the windows at the exact h0 (ball): [h0 - d, h0] and [h0, h0 + d]; the mismatch |h0 - h0m| is
  // tiny and its two slivers are bounded by 2 |h0 - h0m| sup|integrand| below.
  const double smax = need + 2 * std::log(need + 2) + 8;
  ArbTmp Smax, F, slw, h1, kt, e1;
  arb_set_d(Smax, std::ceil(smax));
  prm.piece = Piece::kWindowLeft;
  detail::integrate(wl, vg_integrand, &prm, zero, Smax, wp);
  prm.piece = Piece::kWindowRight;
  detail::integrate(wr, vg_integrand, &prm, zero, Smax, wp);
  arb_add(total, total, wl, wp);
  arb_add(total, total, wr, wp);
  prm.piece = Piece::kNearZero;
  for (int side : {-1, +1}) {
    prm.side = side;
    detail::integrate(piece, vg_integrand, &prm, zero, Smax, wp);
    arb_add(total, total, piece, wp);
  }
  // s-tails near 0: both sides together <= 2 delta0 e^{-Smax} sup|log(1 - lr h)| sup f, with
  // |log(1 - lr h)| <= 1 for lr |h| <= 1/4 and f <= C e^{|beta| delta0} Gamma(nu) 2^{nu-1} alpha^{-nu} (CONT-VG-2).
  ArbTmp z0;
  {
    ArbTmp two;
    arb_gamma(z0, v.nu, wp);
    arb_sub_ui(t, v.nu, 1, wp);
    arb_set_ui(two, 2);
    arb_pow(t, two, t, wp);
    arb_mul(z0, z0, t, wp);
    arb_pow(t, v.alpha, v.nu, wp);
    arb_div(z0, z0, t, wp);
    arb_abs(t, v.beta);
    arb_mul(t, t, v.delta0, wp);
    arb_exp(t, t, wp);
    arb_mul(z0, z0, t, wp);
    arb_mul(z0, z0, v.C, wp);
    arb_mul(z0, z0, v.delta0, wp);
    arb_neg(t, Smax);
    arb_exp(t, t, wp);
    arb_mul(z0, z0, t, wp);
    arb_mul_2exp_si(z0, z0, 1);
  }
  // r = |h0 - h0m| (upper bound, exact): the cut points h0m -+ d are off the window ends by at most r.
  ArbTmp r, sl, dd;
  arb_sub(r, v.h0, h0m, wp);
  arb_abs(r, r);
  arb_get_ubound_arf(arb_midref(r.get()), r, wp);
  mag_zero(arb_radref(r.get()));
  arb_add(dd, v.d, r, wp);
  // F >= sup f on [h0 - d - r, h0 + d + r] (CONT-VG-2): C K_nu(alpha h1) e^{beta h1} h2^nu, h1 = h0 - d - r,
  // h2 = h0 + d + r (uses K_nu(x) e^x decreasing and alpha - beta > 0).
  arb_sub(h1, v.h0, dd, wp);
  arb_mul(t, v.alpha, h1, wp);
  arb_hypgeom_bessel_k(kt, v.nu, t, wp);
  arb_mul(e1, v.beta, h1, wp);
  arb_exp(e1, e1, wp);
  arb_mul(F, kt, e1, wp);
  arb_add(t, v.h0, dd, wp);
  arb_pow(t, t, v.nu, wp);
  arb_mul(F, F, t, wp);
  arb_mul(F, F, v.C, wp);
  // s-tails of both windows: 2 F d e^{-Smax} (|log(lr d)| + Smax + 1)
  arb_add(t, v.loglr, v.logd, wp);
  arb_abs(t, t);
  arb_add(t, t, Smax, wp);
  arb_add_ui(t, t, 1, wp);
  arb_neg(slw, Smax);
  arb_exp(slw, slw, wp);
  arb_mul(slw, slw, t, wp);
  arb_mul(slw, slw, v.d, wp);
  arb_mul(slw, slw, F, wp);
  arb_mul_2exp_si(slw, slw, 1);
  // Slivers between h0m -+ d and h0 -+ d: width r = |h0 - h0m| each; |log|1 - lr h|| <= |log(lr (d - r))| +
  // log 3 there (lr |h - h0| in [lr (d - r), lr (d + r)], d <= h0/4), times F.
  arb_sub(t, v.d, r, wp);
  arb_mul(t, t, lr, wp);
  arb_log(t, t, wp);
  arb_abs(t, t);
  arb_set_ui(sl, 3);
  arb_log(sl, sl, wp);
  arb_add(t, t, sl, wp);
  arb_mul(sl, t, F, wp);
  arb_mul(sl, sl, r, wp);
  arb_mul_2exp_si(sl, sl, 1);
  // Tails beyond TP and -TM (CONT-VG-4): h > TP: |log(lr h - 1)| <= |log(lr d)| + lr h; h < -TM: lr |h|.
  ArbTmp A, tp, tm;
  arb_mul(A, lr, v.d, wp);
  arb_log(A, A, wp);
  arb_abs(A, A);
  tail_bound(tp, v, TP, A, lr, g_plus, wp);
  arb_zero(A);
  tail_bound(tm, v, TM, A, lr, g_minus, wp);
  for (arb_srcptr err : {slw.get(), sl.get(), tp.get(), tm.get(), z0.get()}) {
    if (!arb_is_finite(err)) {
      arb_indeterminate(res);
      return;
    }
    mag_t m;
    mag_init(m);
    arb_get_mag(m, err);
    arb_add_error_mag(total, m);
    mag_clear(m);
  }
  arb_set_round(res, total, prec);
}

}  // namespace lyapcert::continuous
