// E log|1 - lr h_B| and E|1 - lr h_B|^p by quadrature against the variance-gamma density of h_B: the
// independent second path of xy_log_abs_mean / xy_abs_moment (proofs/continuous/xy.md, CONT-VG-1 .. CONT-VG-7).
#include "lyapcert/continuous/variance_gamma.hpp"

#include <acb_calc.h>
#include <acb_hypgeom.h>
#include <arb_hypgeom.h>
#include <flint/fmpz.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using internal::Ball;

namespace {

// The density is f(h) = C e^{beta h} |h|^nu K_nu(alpha |h|) = C z^nu Ks_nu(alpha z) e^{-g z}, z = side h > 0,
// g = alpha - side beta > 0, Ks_nu(x) = e^x K_nu(x) (CONT-VG-1, CONT-VG-5).
struct VgShape {
  Ball C, beta, alpha, nu, lr, h0, d, logd, loglr, delta0, p;
  Ball g[2];     // g[0] = alpha + beta (side -1), g[1] = alpha - beta (side +1)
  bool power = false;  // kernel |1 - lr h|^p instead of log|1 - lr h|
};

enum class Piece { kBody, kWindowLeft, kWindowRight, kNearZero };

struct VgParam {
  const VgShape* v;
  Piece piece;
  int side;      // kBody, kNearZero: +1 for h > 0, -1 for h < 0
  int log_sign;  // kBody: +1 where 1 - lr h > 0, -1 where it is < 0
};

arb_srcptr g_of(const VgShape& v, int side) {
  return side > 0 ? static_cast<arb_srcptr>(v.g[1]) : static_cast<arb_srcptr>(v.g[0]);
}

// res := Ks_nu(x) = e^x K_nu(x) at an exact x > 0, to about prec bits when possible. Half-integer nu = n + 1/2:
// the terminating sum sqrt(pi/(2x)) sum_{j<=n} (n+j)!/(j!(n-j)!) (2x)^{-j} (positive terms; CONT-VG-5).
// Otherwise an algorithm choice only (every branch is Arb's rigorous enclosure): the asymptotic series for
// large x, the 0F1 form at prec + 3x bits for moderate x and nu (its cancellation is about e^{2x}), else Arb's
// default with the working precision raised until the accuracy suffices (Arb's default loses up to ~50 bits
// near x ~ 15-60 and can take 30 ms there).
void bessel_k_scaled_point(arb_t res, const arb_t nu, const arb_t x, slong prec) {
  const double xd = internal::mid_d(x), nud = internal::mid_d(nu);
  {
    Ball t;
    arb_mul_2exp_si(t, nu, 1);
    arb_sub_ui(t, t, 1, prec);
    fmpz_t n2;
    fmpz_init(n2);
    if (arb_get_unique_fmpz(n2, t) && fmpz_is_even(n2) && fmpz_sgn(n2) >= 0 && fmpz_cmp_ui(n2, 1u << 20) < 0) {
      const slong n = fmpz_get_si(n2) / 2;  // nu = n + 1/2
      const slong wp = prec + 20;
      Ball term, sum, x2;
      arb_mul_2exp_si(x2, x, 1);
      arb_one(term);
      arb_one(sum);
      for (slong j = 0; j < n; ++j) {
        arb_mul_ui(term, term, static_cast<ulong>((n + j + 1) * (n - j)), wp);
        arb_div_ui(term, term, static_cast<ulong>(j + 1), wp);
        arb_div(term, term, x2, wp);
        arb_add(sum, sum, term, wp);
      }
      arb_const_pi(t, wp);
      arb_div(t, t, x2, wp);
      arb_sqrt(t, t, wp);
      arb_mul(res, sum, t, prec);
      fmpz_clear(n2);
      return;
    }
    // Integer nu = n >= 2: the upward recurrence Ks_{j+1} = Ks_{j-1} + (2j/x) Ks_j from Ks_0, Ks_1 (positive terms,
    // no cancellation; CONT-VG-5).
    if (arb_get_unique_fmpz(n2, nu) && fmpz_cmp_ui(n2, 2) >= 0 && fmpz_cmp_ui(n2, 1u << 20) < 0) {
      const slong n = fmpz_get_si(n2);
      const slong wp = prec + 20;
      Ball k0, k1, k2, nu01;
      arb_zero(nu01);
      bessel_k_scaled_point(k0, nu01, x, wp);
      arb_one(nu01);
      bessel_k_scaled_point(k1, nu01, x, wp);
      for (slong j = 1; j < n; ++j) {
        arb_mul_ui(k2, k1, static_cast<ulong>(2 * j), wp);
        arb_div(k2, k2, x, wp);
        arb_add(k2, k2, k0, wp);
        arb_swap(k0, k1);
        arb_swap(k1, k2);
      }
      arb_set_round(res, k1, prec);
      fmpz_clear(n2);
      return;
    }
    fmpz_clear(n2);
  }
  acb_t z, n, r;
  acb_init(z);
  acb_init(n);
  acb_init(r);
  acb_set_arb(z, x);
  acb_set_arb(n, nu);
  bool ok = false;
  if (xd >= 0.35 * static_cast<double>(prec) + nud * nud) {
    acb_hypgeom_bessel_k_asymp(r, n, z, 1, prec + 10);
    ok = arb_rel_accuracy_bits(acb_realref(r)) >= prec + 4;
  }
  if (!ok && xd < 2.0 * static_cast<double>(prec) && nud < 40) {
    acb_hypgeom_bessel_k_0f1(r, n, z, 1, prec + static_cast<slong>(3 * xd) + 30);
    ok = arb_rel_accuracy_bits(acb_realref(r)) >= prec + 4;
  }
  if (ok) {
    arb_set_round(res, acb_realref(r), prec);
  } else {
    slong wp = prec + 32;
    for (int i = 0; i < 3; ++i, wp *= 2) {
      arb_hypgeom_bessel_k_scaled(res, nu, x, wp);
      if (arb_rel_accuracy_bits(res) >= prec + 4) break;
    }
  }
  acb_clear(z);
  acb_clear(n);
  acb_clear(r);
}

// res := an enclosure of Ks_nu(x) for every x in the real ball x = [m - r, m + r], m - r > 0, from one value at
// the exact midpoint: Ks_nu is decreasing and x^mu Ks_nu(x) increasing, mu = max(nu, 1/2) (CONT-VG-5), so
// Ks_nu(x) lies in Ks_nu(m) [(m/(m + r))^mu, (m/(m - r))^mu].
void bessel_k_scaled(arb_t res, const arb_t nu, const arb_t x, slong prec) {
  if (!arb_is_positive(x)) {
    arb_indeterminate(res);
    return;
  }
  Ball m, v;
  arb_set_arf(m, arb_midref(x));
  bessel_k_scaled_point(v, nu, m, prec);
  if (mag_is_zero(arb_radref(x))) {
    arb_set(res, v);
    return;
  }
  Ball mu, r, lo, hi, t;
  arb_set_d(mu, 0.5);
  arb_max(mu, mu, nu, prec);
  arf_set_mag(arb_midref(r.get()), arb_radref(x));
  arb_add(t, m, r, prec);
  arb_div(lo, m, t, prec);
  arb_pow(lo, lo, mu, prec);
  arb_sub(t, m, r, prec);
  arb_div(hi, m, t, prec);
  arb_pow(hi, hi, mu, prec);
  arb_mul(lo, lo, v, prec);
  arb_mul(hi, hi, v, prec);
  arb_union(res, lo, hi, prec);
}

// out := C z^nu Ks_nu(alpha z) e^{-g z} at a real ball z > 0 (CONT-VG-1).
void density_real(arb_t out, const arb_t z, const VgShape& v, int side, slong prec) {
  Ball t, ks, pw;
  arb_mul(t, v.alpha, z, prec + 32);
  bessel_k_scaled(ks, v.nu, t, prec);
  if (arb_is_zero(v.nu))
    arb_one(pw);
  else
    arb_pow(pw, z, v.nu, prec);
  arb_mul(ks, ks, pw, prec);
  arb_mul(t, g_of(v, side), z, prec);
  arb_neg(t, t);
  arb_exp(t, t, prec);
  arb_mul(ks, ks, t, prec);
  arb_mul(out, ks, v.C, prec);
}

// out := f(side z) for z in the ball/box z (side = +-1). Real thin balls: direct enclosure. Otherwise the
// CONT-VG-5 magnitude bound on sub-boxes of the real extent (non-finite where Re z may be <= 0).
void density(acb_t out, const acb_t z, const VgShape& v, int side, slong prec) {
  const arb_struct* re = acb_realref(z);
  if (!arb_is_positive(re) || !acb_is_finite(z)) {
    acb_indeterminate(out);
    return;
  }
  const bool real = arb_is_zero(acb_imagref(z));
  if (real && mag_cmp_2exp_si(arb_radref(re), arf_abs_bound_lt_2exp_si(arb_midref(re)) - 24) < 0) {
    Ball r;
    density_real(r, re, v, side, prec);
    acb_set_arb(out, r);
    return;
  }
  // Box (CONT-VG-5): split the real extent [xlo, xhi] into n parts so that each part's bound loses at most a
  // factor ~e; on each part [x, X] with |Im z| <= y take the smaller of
  //   (A) C hypot(X, y)^nu Ks(alpha xlo) e^{-g x}                       (|K_nu(z)| <= K_nu(Re z)),
  //   (B) C alpha^{-nu} w^nu Ks(w_lo) e^{-w} e^{max(side beta x, side beta X)}, w = alpha sqrt(x^2 - y^2) > 0
  //       (|z^nu K_nu(z)| <= W^nu K_nu(W), W = sqrt(Re z^2)), w_lo its value on the first part.
  // The bounds need few bits: they are computed at 64-bit precision.
  const slong bp = 64;
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  arb_get_lbound_arf(lo, re, bp);
  arb_get_ubound_arf(hi, re, bp);
  const double xl = arf_get_d(lo, ARF_RND_DOWN), xh = arf_get_d(hi, ARF_RND_UP);
  const double rate = internal::mid_d(v.nu) / std::max(xl, 1e-300) + internal::abs_upper_d(v.alpha) +
                      internal::abs_upper_d(v.beta);
  int n = static_cast<int>(std::min(64.0, std::ceil((xh - xl) * rate)));
  if (!(n >= 1)) n = 1;
  mag_t m, yim;
  mag_init(m);
  mag_init(yim);
  arb_get_mag(yim, acb_imagref(z));
  Ball x, X, R, wd, y, w, ksA, ksB, bA, bB, t, sb;
  arb_set_arf(wd, hi);
  arb_sub_arf(wd, wd, lo, bp);
  arb_div_ui(wd, wd, n, bp);  // part width (ball)
  arf_set_mag(arb_midref(y.get()), yim);
  arb_mul_si(sb, v.beta, side, bp);  // side beta
  arb_mul_arf(ksA, v.alpha, lo, bp);
  bessel_k_scaled(ksA, v.nu, ksA, bp);  // >= Ks(alpha x) for x >= xlo (decreasing)
  bool haveB = false;
  {
    arb_set_arf(x, lo);
    arb_sqr(t, x, bp);
    arb_submul(t, y, y, bp);
    if (arb_is_positive(t)) {
      arb_sqrt(w, t, bp);
      arb_mul(w, w, v.alpha, bp);
      arb_get_lbound_arf(arb_midref(w.get()), w, bp);
      mag_zero(arb_radref(w.get()));
      if (arb_is_positive(w)) {
        bessel_k_scaled(ksB, v.nu, w, bp);  // >= Ks(W) for W >= w_lo
        haveB = true;
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    // part [x, X]: x a lower bound, X an upper bound of its ends
    arb_mul_ui(t, wd, i, bp);
    arb_add_arf(t, t, lo, bp);
    arb_get_lbound_arf(arb_midref(x.get()), t, bp);
    mag_zero(arb_radref(x.get()));
    if (i == 0) arb_set_arf(x, lo);
    arb_mul_ui(t, wd, i + 1, bp);
    arb_add_arf(t, t, lo, bp);
    arb_get_ubound_arf(arb_midref(X.get()), t, bp);
    mag_zero(arb_radref(X.get()));
    if (i == n - 1) arb_set_arf(X, hi);
    if (!arb_is_positive(x)) {
      mag_inf(m);
      break;
    }
    // (A)
    arb_hypot(R, X, y, bp);
    arb_mul(t, g_of(v, side), x, bp);
    arb_neg(t, t);
    arb_exp(bA, t, bp);
    if (!arb_is_zero(v.nu)) {
      arb_pow(t, R, v.nu, bp);
      arb_mul(bA, bA, t, bp);
    }
    arb_mul(bA, bA, ksA, bp);
    // (B)
    arb_indeterminate(bB);
    if (haveB) {
      arb_sqr(t, x, bp);
      arb_submul(t, y, y, bp);
      if (arb_is_positive(t)) {
        arb_sqrt(w, t, bp);
        arb_mul(w, w, v.alpha, bp);  // ball containing the lower bound of W on this part
        arb_neg(t, w);
        arb_mul(R, sb, arb_is_positive(sb) ? static_cast<arb_srcptr>(X) : static_cast<arb_srcptr>(x), bp);
        arb_add(t, t, R, bp);
        arb_exp(bB, t, bp);
        if (!arb_is_zero(v.nu)) {
          arb_div(t, w, v.alpha, bp);
          arb_pow(t, t, v.nu, bp);
          arb_mul(bB, bB, t, bp);
        }
        arb_mul(bB, bB, ksB, bp);
      }
    }
    mag_t ma, mb;
    mag_init(ma);
    mag_init(mb);
    arb_get_mag(ma, bA);
    arb_get_mag(mb, bB);
    if (mag_cmp(mb, ma) < 0) mag_swap(ma, mb);
    mag_max(m, m, mb);  // mb is the smaller one
    mag_clear(ma);
    mag_clear(mb);
  }
  if (mag_is_finite(m)) {
    arb_get_mag(yim, v.C);  // |f| <= |C| * (the bound above)
    mag_mul(m, m, yim);
  }
  acb_zero(out);
  if (mag_is_finite(m)) {
    mag_set(arb_radref(acb_realref(out)), m);
    if (!real) mag_set(arb_radref(acb_imagref(out)), m);
  } else {
    acb_indeterminate(out);
  }
  mag_clear(m);
  mag_clear(yim);
  arf_clear(lo);
  arf_clear(hi);
}

// out := the kernel at w = +-(1 - lr h) (analytic branch): log w, or w^p.
void kernel(acb_t out, const acb_t w, const VgShape& v, bool analytic, slong prec) {
  if (v.power) {
    acb_t pp;
    acb_init(pp);
    acb_set_arb(pp, v.p);
    acb_pow_analytic(out, w, pp, analytic, prec);
    acb_clear(pp);
  } else {
    acb_log_analytic(out, w, analytic, prec);
  }
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
      kernel(l, l, v, analytic, prec);
      acb_mul_si(h, x, q->side, prec);
      density(f, h, v, q->side, prec);
      acb_mul(out, l, f, prec);
      break;
    case Piece::kNearZero:
      // h = side delta0 e^{-s}, |dh| = |h| ds: the kink of f at h = 0 moves to s = +inf (CONT-VG-3).
      acb_neg(u, x);
      acb_exp(u, u, prec);
      acb_mul_arb(u, u, v.delta0, prec);  // u = side h
      acb_mul_si(h, u, q->side, prec);
      acb_mul_arb(l, h, v.lr, prec);
      acb_sub_ui(l, l, 1, prec);
      acb_neg(l, l);  // 1 - lr h, in [3/4, 5/4] on the real segment
      kernel(l, l, v, analytic, prec);
      density(f, u, v, q->side, prec);
      acb_mul(out, l, f, prec);
      acb_mul(out, out, u, prec);
      break;
    case Piece::kWindowLeft:
    case Piece::kWindowRight: {
      // u = d e^{-s}, h = h0 -+ u; log|1 - lr h| = log lr + log d - s; du = u ds (CONT-VG-3).
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
      acb_sub(l, l, x, prec);  // log(lr u)
      if (v.power) {
        acb_mul_arb(l, l, v.p, prec);
        acb_exp(l, l, prec);  // (lr u)^p
      }
      density(f, h, v, +1, prec);
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

// res := upper bound of C Ks_nu(alpha T) int_T^inf (A + B h^e) h^nu e^{-g h} dh, T > 0, g > 0, e >= 0 (CONT-VG-4):
// C Ks_nu(alpha T) [A Gamma(nu+1, g T)/g^{nu+1} + B Gamma(nu+1+e, g T)/g^{nu+1+e}].
void tail_bound(arb_t res, const VgShape& v, const arb_t T, const arb_t A, const arb_t B, const arb_t e,
                const arb_t g, slong prec) {
  Ball kt, t, s, a1, a2, acc;
  arb_mul(t, v.alpha, T, prec);
  bessel_k_scaled(kt, v.nu, t, prec);
  arb_mul(kt, kt, v.C, prec);
  arb_mul(t, g, T, prec);
  arb_add_ui(a1, v.nu, 1, prec);
  arb_hypgeom_gamma_upper(s, a1, t, 0, prec);
  arb_pow(a2, g, a1, prec);
  arb_div(s, s, a2, prec);
  arb_mul(acc, s, A, prec);
  arb_add(a1, a1, e, prec);
  arb_hypgeom_gamma_upper(s, a1, t, 0, prec);
  arb_pow(a2, g, a1, prec);
  arb_div(s, s, a2, prec);
  arb_addmul(acc, s, B, prec);
  arb_mul(res, acc, kt, prec);
}

// res := sup of h^nu e^{-g h} over [h1, h2] (0 < h1 <= h2; h2 = +inf allowed as a non-finite ball): the function
// increases up to nu/g and decreases after (CONT-VG-5).
void sup_pow_exp(arb_t res, const arb_t nu, const arb_t g, const arb_t h1, const arb_t h2, slong prec) {
  Ball c, t;
  arb_div(c, nu, g, prec);
  const arb_struct* at = nullptr;
  if (arb_is_finite(h2) && arb_lt(h2, c))
    at = h2;
  else if (arb_gt(h1, c))
    at = h1;
  else
    at = c;
  if (arb_is_zero(nu)) {
    arb_one(res);
  } else {
    arb_pow(res, at, nu, prec);
  }
  arb_mul(t, g, at, prec);
  arb_neg(t, t);
  arb_exp(t, t, prec);
  arb_mul(res, res, t, prec);
}

// A double T > 0 beyond which h^nu e^{-g h} has dropped by e^{-need} from its maximum (heuristic cut point).
double tail_cut(double nu, double g, double need) {
  const double c = nu / g;
  const double top = nu > 0 ? nu * std::log(c) - nu : 0.0;
  double T = c + 1 / g;
  auto phi = [&](double t) { return (nu > 0 ? nu * std::log(t) : 0.0) - g * t; };
  while (phi(T) > top - need) T = c + 2 * (T - c);
  return T;
}

void add_err(arb_t total, const arb_t err) {
  mag_t m;
  mag_init(m);
  arb_get_mag(m, err);
  arb_add_error_mag(total, m);
  mag_clear(m);
}

// The common driver of both kernels (Proof: CONT-VG-1 .. CONT-VG-7).
void vg_driver(arb_t res, const arb_t lr_in, const arb_t k_in, const arb_t sigma, ulong S, const arb_t p,
               slong prec) {
  if (S < 1) throw InputError("xy variance-gamma path: batch S must be >= 1");
  if (!arb_is_finite(lr_in) || !arb_is_finite(k_in) || !arb_is_finite(sigma) || !arb_is_positive(sigma) ||
      arb_contains_zero(lr_in) || (p != nullptr && (!arb_is_finite(p) || !arb_is_positive(p)))) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 30;
  // h -> -h maps xy(k) to xy(-k): reduce to lr > 0 (CONT-VG-1).
  Ball lr, k;
  arb_set(lr, lr_in);
  arb_set(k, k_in);
  if (arb_is_negative(lr)) {
    arb_neg(lr, lr);
    arb_neg(k, k);
  }
  VgShape v;
  v.power = p != nullptr;
  if (v.power) arb_set(v.p, p);
  Ball s2, l, theta, t;
  arb_set(v.lr, lr);
  arb_sqr(s2, sigma, wp);
  arb_set_ui(l, S);
  arb_mul_2exp_si(l, l, -1);  // l = S/2
  arb_set_d(t, 0.5);
  arb_sub(v.nu, l, t, wp);  // nu = (S - 1)/2 (exact)
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
  // g_+- = alpha -+ beta > 0: the exponential decay rates of the two tails. alpha^2 - beta^2 = S^2/sigma^2,
  // so alpha - beta = (S^2/sigma^2)/(alpha + beta) avoids the cancellation for large |k|/sigma.
  Ball& g_minus = v.g[0];
  Ball& g_plus = v.g[1];
  arb_set_ui(t, S);
  arb_sqr(t, t, wp);
  arb_div(t, t, s2, wp);
  Ball ab;
  arb_abs(ab, v.beta);
  arb_add(ab, ab, v.alpha, wp);
  arb_div(ab, t, ab, wp);  // alpha - |beta|
  if (arb_is_nonnegative(v.beta)) {
    arb_add(g_minus, v.alpha, v.beta, wp);
    arb_set(g_plus, ab);
  } else {
    arb_sub(g_plus, v.alpha, v.beta, wp);
    arb_set(g_minus, ab);
  }
  if (!arb_is_positive(g_plus) || !arb_is_positive(g_minus)) {
    arb_indeterminate(res);
    return;
  }
  arb_inv(v.h0, lr, wp);
  arb_log(v.loglr, lr, wp);
  const double h0d = internal::mid_d(v.h0);
  // Window half-width d = 2^j <= h0/4 (exact), cut points exact dyadics.
  int e2 = 0;
  std::frexp(h0d / 4, &e2);
  arb_one(v.d);
  arb_mul_2exp_si(v.d, v.d, e2 - 1);
  arb_log(v.logd, v.d, wp);
  Ball h0m;
  arb_set_arf(h0m, arb_midref(v.h0.get()));  // exact midpoint: the cut points are h0m -+ d
  // Tail cut points where h^nu e^{-g h} has dropped by ~2^{-wp-40} (times h0 on the right for the far case).
  const double nud = internal::mid_d(v.nu);
  const double gp = internal::mid_d(g_plus), gm = internal::mid_d(g_minus);
  const double need = (static_cast<double>(wp) + 40) * 0.6931471805599453;
  const double Tp = tail_cut(nud, gp, need + std::log1p(h0d) + 10);
  const double Tm = tail_cut(nud, gm, need + 10);
  auto dyadic_up = [](arb_t out, double x) { arb_set_d(out, std::ldexp(std::ceil(std::ldexp(x, 8)), -8)); };
  Ball TP, TM, zero, a, b, piece, total;
  dyadic_up(TM, Tm);
  // delta0 = 2^j <= min(h0/4, 1/alpha): the pieces [-delta0, 0] and [0, delta0] are integrated in s.
  {
    const double cap = std::min(h0d / 4, 1.0 / internal::abs_upper_d(v.alpha));
    int e0 = 0;
    std::frexp(cap, &e0);
    arb_one(v.delta0);
    arb_mul_2exp_si(v.delta0, v.delta0, e0 - 1);
  }
  // Far case (CONT-VG-6): the singular point lies beyond the right cut point.
  dyadic_up(TP, Tp);
  arb_add(TP, TP, v.delta0, wp);
  Ball hl;
  arb_sub(hl, h0m, v.d, wp);
  const bool far = arb_lt(TP, hl);
  arb_zero(total);
  // res := bound of int_0^eps |kernel(h)| f(+-h) dh, eps <= delta0, either side (CONT-VG-2(a), (c), CONT-VG-3):
  // Kmax C e^{|beta| delta0} J, J >= int_0^eps h^nu K_nu(alpha h) dh, Kmax >= |kernel| on [0, eps] (lr eps <= 1/4).
  auto zero_bound = [&](arb_t res_b, const arb_t eps) {
    Ball J, two, t2;
    if (arb_is_zero(v.nu)) {
      // K_0(x) <= log(1 + 2/x): J <= eps (1 + log(1 + 2/(alpha eps)))
      arb_mul(t2, v.alpha, eps, wp);
      arb_ui_div(t2, 2, t2, wp);
      arb_log1p(t2, t2, wp);
      arb_add_ui(t2, t2, 1, wp);
      arb_mul(J, t2, eps, wp);
    } else {
      // x^nu K_nu(x) <= Gamma(nu) 2^{nu-1}: J <= eps Gamma(nu) 2^{nu-1} alpha^{-nu}
      arb_gamma(J, v.nu, wp);
      arb_sub_ui(t2, v.nu, 1, wp);
      arb_set_ui(two, 2);
      arb_pow(t2, two, t2, wp);
      arb_mul(J, J, t2, wp);
      arb_pow(t2, v.alpha, v.nu, wp);
      arb_div(J, J, t2, wp);
      arb_mul(J, J, eps, wp);
    }
    arb_abs(t2, v.beta);
    arb_mul(t2, t2, v.delta0, wp);
    arb_exp(t2, t2, wp);
    arb_mul(J, J, t2, wp);
    arb_mul(J, J, v.C, wp);
    if (v.power) {
      arb_set_d(t2, 1.25);
      arb_pow(t2, t2, v.p, wp);  // (5/4)^p
      arb_mul(J, J, t2, wp);
    } else {
      // log kernel: |log(1 - lr h)| <= (4/3) lr |h| <= (4/3) lr eps for lr |h| <= 1/4
      arb_mul(t2, lr, eps, wp);
      arb_mul_ui(t2, t2, 4, wp);
      arb_div_ui(t2, t2, 3, wp);
      arb_mul(J, J, t2, wp);
    }
    arb_set(res_b, J);
  };
  // A piece whose a-priori bound is below 2^{-wp-8} is not integrated: the bound goes into the error instead.
  Ball negligible;
  arb_one(negligible);
  arb_mul_2exp_si(negligible, negligible, -wp - 8);
  auto is_negligible = [&](const arb_t bnd) { return arb_is_finite(bnd) && arb_lt(bnd, negligible); };
  Ball errs[7];
  // The h < 0 tail bound with cut T (CONT-VG-4): log(1 + lr|h|) <= lr|h|; (1 + lr|h|)^p <= 2^p (1 + lr^p |h|^p).
  auto neg_tail = [&](arb_t res_b, const arb_t T) {
    Ball A, B, e;
    if (v.power) {
      arb_set_ui(A, 2);
      arb_pow(A, A, v.p, wp);
      arb_pow(B, lr, v.p, wp);
      arb_mul(B, B, A, wp);
      arb_set(e, v.p);
    } else {
      arb_zero(A);
      arb_set(B, lr);
      arb_one(e);
    }
    tail_bound(res_b, v, T, A, B, e, g_minus, wp);
  };
  VgParam prm{&v, Piece::kBody, -1, +1};
  // h < 0: 1 - lr h > 1, kernel analytic
  neg_tail(piece, v.delta0);
  if (is_negligible(piece)) {
    arb_add(errs[5], errs[5], piece, wp);
  } else {
    arb_neg(a, TM);
    arb_neg(b, v.delta0);
    internal::integrate(piece, vg_integrand, &prm, a, b, wp);
    arb_add(total, total, piece, wp);
  }
  const double smax = need + 2 * std::log(need + 2) + 8;
  Ball Smax;
  arb_set_d(Smax, std::ceil(smax));
  // Near 0 the log kernel is O(h), so the s-range there can be half as long (CONT-VG-3).
  Ball Szero;
  arb_set_d(Szero, v.power ? std::ceil(smax) : std::ceil(smax / 2) + 4);
  prm.piece = Piece::kNearZero;
  zero_bound(piece, v.delta0);
  if (is_negligible(piece)) {
    arb_mul_2exp_si(errs[6], piece, 1);
  } else {
    for (int side : {-1, +1}) {
      prm.side = side;
      internal::integrate(piece, vg_integrand, &prm, zero, Szero, wp);
      arb_add(total, total, piece, wp);
    }
  }
  prm.piece = Piece::kBody;
  prm.side = +1;
  if (far) {
    // [delta0, TP] with 1 - lr h > 0
    internal::integrate(piece, vg_integrand, &prm, v.delta0, TP, wp);
    arb_add(total, total, piece, wp);
  } else {
    arb_mul_2exp_si(a, v.d, 1);
    arb_add(a, a, h0m, wp);  // TP >= h0m + 2d (exact)
    if (!arb_gt(TP, a)) arb_set(TP, a);
    // [delta0, h0 - d]
    internal::integrate(piece, vg_integrand, &prm, v.delta0, hl, wp);
    arb_add(total, total, piece, wp);
    // [h0 + d, TP], 1 - lr h < 0
    prm.log_sign = -1;
    arb_add(a, h0m, v.d, wp);
    internal::integrate(piece, vg_integrand, &prm, a, TP, wp);
    arb_add(total, total, piece, wp);
    // Windows at the exact h0 (ball): [h0 - d, h0] and [h0, h0 + d] in s (u = d e^{-s}); the slivers between the
    // cut points h0m -+ d and h0 -+ d (width r = |h0 - h0m|) are bounded below (CONT-VG-3).
    prm.piece = Piece::kWindowLeft;
    internal::integrate(piece, vg_integrand, &prm, zero, Smax, wp);
    arb_add(total, total, piece, wp);
    prm.piece = Piece::kWindowRight;
    internal::integrate(piece, vg_integrand, &prm, zero, Smax, wp);
    arb_add(total, total, piece, wp);
    // r = |h0 - h0m| (upper bound, exact)
    Ball r, dd, h1, h2, F, ks, es;
    arb_sub(r, v.h0, h0m, wp);
    arb_abs(r, r);
    arb_get_ubound_arf(arb_midref(r.get()), r, wp);
    mag_zero(arb_radref(r.get()));
    arb_add(dd, v.d, r, wp);
    // F >= sup f on [h1, h2] = [h0 - d - r, h0 + d + r] (CONT-VG-2(b), CONT-VG-5): C Ks(alpha h1) sup h^nu e^{-g h}
    arb_sub(h1, v.h0, dd, wp);
    arb_add(h2, v.h0, dd, wp);
    arb_mul(t, v.alpha, h1, wp);
    bessel_k_scaled(ks, v.nu, t, wp);
    sup_pow_exp(F, v.nu, g_plus, h1, h2, wp);
    arb_mul(F, F, ks, wp);
    arb_mul(F, F, v.C, wp);
    {
      // also F <= C h1^nu K_nu(alpha h1) e^{max(beta h1, beta h2)} (h^nu K_nu(alpha h) decreasing, CONT-VG-2(a)):
      // much smaller when nu is large and the window is wide relative to h0; keep the smaller bound.
      Ball F2, e1, e2;
      arb_mul(e1, v.beta, h1, wp);
      arb_mul(e2, v.beta, h2, wp);
      arb_max(e1, e1, e2, wp);
      arb_mul(e2, v.alpha, h1, wp);
      arb_sub(e1, e1, e2, wp);
      arb_exp(F2, e1, wp);
      arb_mul(F2, F2, ks, wp);
      if (!arb_is_zero(v.nu)) {
        arb_pow(e1, h1, v.nu, wp);
        arb_mul(F2, F2, e1, wp);
      }
      arb_mul(F2, F2, v.C, wp);
      if (arb_is_finite(F2) && arb_lt(F2, F)) arb_set(F, F2);
    }
    arb_neg(es, Smax);
    arb_exp(es, es, wp);  // e^{-Smax}
    if (v.power) {
      // s-tails of both windows: 2 F d e^{-Smax} ((lr u)^p <= 1); slivers: 2 r F
      arb_mul(errs[0], F, v.d, wp);
      arb_mul(errs[0], errs[0], es, wp);
      arb_mul_2exp_si(errs[0], errs[0], 1);
      arb_mul(errs[1], F, r, wp);
      arb_mul_2exp_si(errs[1], errs[1], 1);
    } else {
      // s-tails of both windows: 2 F d e^{-Smax} (|log(lr d)| + Smax + 1)
      arb_add(t, v.loglr, v.logd, wp);
      arb_abs(t, t);
      arb_add(t, t, Smax, wp);
      arb_add_ui(t, t, 1, wp);
      arb_mul(errs[0], es, t, wp);
      arb_mul(errs[0], errs[0], v.d, wp);
      arb_mul(errs[0], errs[0], F, wp);
      arb_mul_2exp_si(errs[0], errs[0], 1);
      // slivers: 2 r F (|log(lr (d - r))| + log 3)
      Ball sl;
      arb_sub(t, v.d, r, wp);
      arb_mul(t, t, lr, wp);
      arb_log(t, t, wp);
      arb_abs(t, t);
      arb_set_ui(sl, 3);
      arb_log(sl, sl, wp);
      arb_add(t, t, sl, wp);
      arb_mul(errs[1], t, F, wp);
      arb_mul(errs[1], errs[1], r, wp);
      arb_mul_2exp_si(errs[1], errs[1], 1);
    }
  }
  // s-tails at 0 (CONT-VG-3): both sides, eps = delta0 e^{-Szero}.
  {
    Ball eps;
    arb_neg(eps, Szero);
    arb_exp(eps, eps, wp);
    arb_mul(eps, eps, v.delta0, wp);
    zero_bound(errs[2], eps);
    arb_mul_2exp_si(errs[2], errs[2], 1);
  }
  // Tails (CONT-VG-4, CONT-VG-6).
  {
    Ball A, B, e, two_p;
    if (v.power) {
      arb_set_ui(two_p, 2);
      arb_pow(two_p, two_p, v.p, wp);
      arb_pow(B, lr, v.p, wp);
      arb_set(e, v.p);
      // h < -TM: (1 + lr|h|)^p <= 2^p (1 + lr^p |h|^p)
      arb_mul(B, B, two_p, wp);
      neg_tail(errs[3], TM);
      if (far) {
        // h > TP: |1 - lr h|^p <= 2^p (1 + lr^p h^p) (CONT-VG-6)
        tail_bound(errs[4], v, TP, two_p, B, e, g_plus, wp);
      } else {
        // h > TP > h0: (lr h - 1)^p <= lr^p h^p
        arb_pow(B, lr, v.p, wp);
        arb_zero(A);
        tail_bound(errs[4], v, TP, A, B, e, g_plus, wp);
      }
    } else {
      arb_one(e);
      arb_zero(A);
      neg_tail(errs[3], TM);  // h < -TM
      if (far) {
        // h > TP (CONT-VG-6): |log|1 - lr h|| <= lr h + (-log|1 - lr h|)^+, the second integrating to 2 h0 at most:
        // lr-term by CONT-VG-4, plus 2 h0 C Ks(alpha TP) sup_{h >= TP} h^nu e^{-g h}.
        Ball ks, sp, inf;
        tail_bound(errs[4], v, TP, A, lr, e, g_plus, wp);
        arb_mul(t, v.alpha, TP, wp);
        bessel_k_scaled(ks, v.nu, t, wp);
        arb_indeterminate(inf);
        sup_pow_exp(sp, v.nu, g_plus, TP, inf, wp);
        arb_mul(sp, sp, ks, wp);
        arb_mul(sp, sp, v.C, wp);
        arb_mul(sp, sp, v.h0, wp);
        arb_mul_2exp_si(sp, sp, 1);
        arb_add(errs[4], errs[4], sp, wp);
      } else {
        // h > TP: |log(lr h - 1)| <= |log(lr d)| + lr h
        arb_mul(A, lr, v.d, wp);
        arb_log(A, A, wp);
        arb_abs(A, A);
        tail_bound(errs[4], v, TP, A, lr, e, g_plus, wp);
      }
    }
  }
  for (auto& err : errs) {
    if (!arb_is_finite(err)) {
      arb_indeterminate(res);
      return;
    }
    add_err(total, err);
  }
  arb_set_round(res, total, prec);
}

}  // namespace

// Proof: CONT-VG-1 .. CONT-VG-7.
void xy_log_abs_mean_vg(arb_t res, const arb_t lr, const arb_t k, const arb_t sigma, ulong S, slong prec) {
  vg_driver(res, lr, k, sigma, S, nullptr, prec);
}

// Proof: CONT-VG-1 .. CONT-VG-7.
void xy_abs_moment_vg(arb_t res, const arb_t lr, const arb_t k, const arb_t sigma, ulong S, const arb_t p,
                      slong prec) {
  if (arb_is_finite(p) && arb_is_nonpositive(p)) throw InputError("xy_abs_moment_vg: p <= 0");
  vg_driver(res, lr, k, sigma, S, p, prec);
}

}  // namespace lyapcert::continuous
