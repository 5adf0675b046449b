#include "lyapcert/boundary/model.hpp"

#include <arb_hypgeom.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "lyapcert/continuous/bivariate.hpp"
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/quadrature.hpp"
#include "lyapcert/continuous/sqnormal_shift.hpp"
#include "lyapcert/continuous/uniform.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::boundary {
namespace {

using exact::Ball;  // the one RAII ball: passes straight to Arb (arb_add(b, x, y, prec))


// Guard bits against the cancellation of small-lr expansions (Lambda ~ -lr E h): log2(1/lr) when lr < 1.
slong small_lr_guard(const arb_t X) {
  if (!arb_is_finite(X) || !arb_is_positive(X)) return 0;
  arf_t lo;
  arf_init(lo);
  arb_get_lbound_arf(lo, X, 32);
  slong g = 0;
  if (arf_cmp_si(lo, 1) < 0) {
    const slong e = arf_abs_bound_lt_2exp_si(lo);  // lo < 2^e
    g = std::min<slong>(-e + 1, 1L << 16);
    if (g < 0) g = 0;
  }
  arf_clear(lo);
  return g;
}

// G_m / m-factor and G_v of the Gaussian log-moment G(m, v) (Proof: BND-DER-2):
//   dG/dm = (m / v^2) 1F1(1; 3/2; -x),   dG/dv = 1F1(1; 1/2; -x) / v,   x = m^2 / (2 v^2).
void gauss_partials(arb_t gm, arb_t gv, const arb_t m, const arb_t v, slong prec) {
  Ball x, one, b, f1, f2, t;
  arb_div(x, m, v, prec);
  arb_sqr(x, x, prec);
  arb_mul_2exp_si(x, x, -1);
  arb_neg(x, x);
  arb_one(one);
  arb_set_d(b, 1.5);
  arb_hypgeom_1f1(f1, one, b, x, 0, prec);
  arb_set_d(b, 0.5);
  arb_hypgeom_1f1(f2, one, b, x, 0, prec);
  arb_sqr(t, v, prec);
  arb_div(gm, m, t, prec);
  arb_mul(gm, gm, f1, prec);
  arb_div(gv, f2, v, prec);
}

// True when continuous::gauss_log_abs_mean(m, v, kernel_prec) would take its series branch with a
// working precision raised by 1.45 x_upper bits for a wide x ball (cost growing like x_upper^2):
// the cell is then treated as "could not certify" and split instead. Mirrors the kernel's branch choice.
bool gauss_series_too_costly(const arb_t m, const arb_t v, slong kernel_prec) {
  Ball x, one;
  arb_div(x, m, v, 64);
  arb_sqr(x, x, 64);
  arb_mul_2exp_si(x, x, -1);
  const double thr = 0.7 * static_cast<double>(kernel_prec) + 24.0;
  const double xm = arf_get_d(arb_midref(x), ARF_RND_NEAR);
  arb_one(one);
  if (xm > thr && arb_ge(x, one)) return false;  // asymptotic branch: cheap
  mag_t r;
  mag_init(r);
  arb_get_mag(r, x);
  const double xu = mag_get_d(r);
  mag_clear(r);
  return !(xu <= thr + 64.0);
}

void guarded_gauss(arb_t res, const arb_t m, const arb_t v, slong prec) {
  if (!arb_is_finite(m) || !arb_is_finite(v) || gauss_series_too_costly(m, v, prec)) {
    arb_indeterminate(res);
    return;
  }
  continuous::gauss_log_abs_mean(res, m, v, prec);
}

// sqnormal_log_abs_mean calls gauss_log_abs_mean at prec + min(log2(1/l)/2, 8 prec) + 16 on
// (1 -+ sqrt(l) mu, sqrt(l) s): same guard.
void guarded_sqnormal(arb_t res, const arb_t l, const arb_t mu, const arb_t s, slong prec) {
  if (!arb_is_finite(l) || !arb_is_positive(l)) {
    arb_indeterminate(res);
    return;
  }
  const double lm = arf_get_d(arb_midref(l), ARF_RND_NEAR);
  const slong extra = lm > 0 && lm < 1 ? static_cast<slong>(-std::log2(lm) / 2) : 0;
  const slong wp = prec + std::min<slong>(extra, 8 * prec) + 16;
  Ball t, m1, m2, v;
  arb_sqrt(t, l, 64);
  arb_mul(v, t, s, 64);
  arb_mul(m1, t, mu, 64);
  arb_neg(m2, m1);
  arb_add_ui(m1, m1, 1, 64);
  arb_add_ui(m2, m2, 1, 64);
  if (gauss_series_too_costly(m1, v, wp) || gauss_series_too_costly(m2, v, wp)) {
    arb_indeterminate(res);
    return;
  }
  continuous::sqnormal_log_abs_mean(res, l, mu, s, prec);
}

// sigma = sqrt(sigma2) as a ball (exactly 0 when sigma2 = 0).
void xy_sigma(arb_t s, const laws::XyLaw& n, slong prec) {
  if (n.sigma2 == 0) {
    arb_zero(s);
    return;
  }
  set_ball(s, n.sigma2, prec);
  arb_sqrt(s, s, prec);
}

// a = 1 + X a1, b = X b1, k, sigma for the xy kernel.
void xy_ball_args(arb_t a, arb_t b, arb_t k, arb_t sigma, const Rational& a1, const Rational& b1,
                  const laws::XyLaw& n, const arb_t X, slong prec) {
  Ball t;
  set_ball(t, a1, prec);
  arb_mul(a, X, t, prec);
  arb_add_ui(a, a, 1, prec);
  set_ball(t, b1, prec);
  arb_mul(b, X, t, prec);
  set_ball(k, n.k, prec);
  xy_sigma(sigma, n, prec);
}

// Cost guard (BND-MODEL-1): the xy quadrature on an lr ball wider than a factor 9/8 is slow and rarely
// decisive; such cells are reported "could not certify" and split (geometric split points).
bool xy_too_wide(const arb_t X) {
  arf_t l, h;
  arf_init(l);
  arf_init(h);
  arb_get_lbound_arf(l, X, 64);
  arb_get_ubound_arf(h, X, 64);
  arf_mul_ui(h, h, 8, 64, ARF_RND_UP);
  arf_mul_ui(l, l, 9, 64, ARF_RND_DOWN);
  const bool wide = arf_cmp(h, l) > 0;
  arf_clear(l);
  arf_clear(h);
  return wide;
}


// d < 0 below this magnitude: the one-sign quadrature at c = 1/|d| is replaced by the bound of BND-SQS-2.
constexpr double kSqsSmallD = 1.0 / 1048576.0;

// F(d) = E log|a^2 - d|, a ~ N(mu, s^2), s > 0, for every d in the ball D (any sign). Proof: BND-SQS-2.
void sqs_f(arb_t res, const arb_t D, const arb_t mu, const arb_t s, slong prec) {
  if (!arb_is_finite(D)) {
    arb_indeterminate(res);
    return;
  }
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  arb_get_lbound_arf(lo, D, prec);
  arb_get_ubound_arf(hi, D, prec);
  Ball out, t, u, g;
  bool have = false;
  auto join = [&](const arb_t piece) {
    if (!have) {
      arb_set(out, piece);
      have = true;
    } else {
      arb_union(out, out, piece, prec);
    }
  };
  // Part d >= 0: G(mu - sqrt d, s) + G(mu + sqrt d, s) with sqrt d in [sqrt(max(lo, 0)), sqrt(hi)].
  if (arf_sgn(hi) >= 0) {
    Ball dl, dh, m1, m2;
    if (arf_sgn(lo) > 0) {
      arb_set_arf(dl, lo);
    } else {
      arb_zero(dl);
    }
    arb_set_arf(dh, hi);
    arb_sqrt(dl, dl, prec);
    arb_sqrt(dh, dh, prec);
    arb_union(t, dl, dh, prec);  // contains sqrt d for every d in [max(lo,0), hi]
    arb_sub(m1, mu, t, prec);
    arb_add(m2, mu, t, prec);
    guarded_gauss(g, m1, s, prec);
    guarded_gauss(u, m2, s, prec);
    arb_add(g, g, u, prec);
    join(g);
  }
  // Part d < 0.
  if (arf_sgn(lo) < 0) {
    Ball e;
    arb_set_arf(e, lo);
    arb_neg(e, e);  // E = -lo >= |d|
    const bool far = arf_sgn(hi) < 0 && -arf_get_d(hi, ARF_RND_NEAR) >= kSqsSmallD;
    if (far) {
      // log|d| + E log(1 + a^2/|d|) on the ball |d| = -D (CONT-QUAD-7), restricted to d < 0.
      Ball ad, ci, lg;
      arb_set_arf(ad, lo);
      arb_neg(ad, ad);
      arb_set_arf(t, hi);
      arb_neg(t, t);
      arb_union(ad, ad, t, prec);  // |d| in [-hi, -lo]
      arb_inv(ci, ad, prec);
      continuous::sqnormal_log1p_quad(g, ci, mu, s, prec);
      arb_log(lg, ad, prec);
      arb_add(g, g, lg, prec);
    } else {
      // 2 G(mu, s) + [0, sqrt(2 pi E) / s].
      guarded_gauss(g, mu, s, prec);
      arb_mul_2exp_si(g, g, 1);
      arb_const_pi(t, prec);
      arb_mul_2exp_si(t, t, 1);
      arb_mul(t, t, e, prec);
      arb_sqrt(t, t, prec);
      arb_div(t, t, s, prec);
      arb_add(u, g, t, prec);
      arb_union(g, g, u, prec);
    }
    join(g);
  }
  arf_clear(lo);
  arf_clear(hi);
  if (!have) {
    arb_indeterminate(res);
    return;
  }
  arb_set(res, out);
}

// alpha = 1 + X a1, beta = X b1 (Proof: BND-SQS-1).
void sqs_alpha_beta(arb_t al, arb_t be, const arb_t X, const Rational& a1, const Rational& b1, slong prec) {
  Ball t;
  set_ball(t, a1, prec);
  arb_mul(al, X, t, prec);
  arb_add_ui(al, al, 1, prec);
  set_ball(t, b1, prec);
  arb_mul(be, X, t, prec);
}

// E log|alpha + beta a^2| for every lr in X. Proof: BND-SQS-1, BND-SQS-2.
void sqs_value(arb_t res, const arb_t X, const Rational& a1, const Rational& b1, const laws::SqNormalLaw& n,
               slong prec) {
  Ball al, be, c, mu, s, t, part;
  sqs_alpha_beta(al, be, X, a1, b1, prec);
  set_ball(mu, n.mu, prec);
  set_ball(s, n.sigma, prec);
  if (arb_contains_zero(al)) {
    // log|beta| + F(-alpha/beta).
    arb_div(c, al, be, prec);
    arb_neg(c, c);
    sqs_f(part, c, mu, s, prec);
    arb_abs(t, be);
    arb_log(t, t, prec);
    arb_add(res, part, t, prec);
    return;
  }
  arb_div(c, be, al, prec);  // c = beta / alpha, sign = sign(b1) sign(alpha)
  const bool one_sign = (b1 > 0) == arb_is_positive(al);
  if (one_sign) {
    // log|alpha| + E log(1 + c a^2), c > 0 (CONT-QUAD-7); near lr0 (c large) through F(-1/c).
    if (xy_too_wide(X)) {
      arb_indeterminate(res);
      return;
    }
    mag_t cm;
    mag_init(cm);
    arb_get_mag(cm, c);
    const bool huge = !(mag_cmp_2exp_si(cm, 20) < 0);
    mag_clear(cm);
    if (huge) {
      arb_div(c, al, be, prec);
      arb_neg(c, c);
      sqs_f(part, c, mu, s, prec);
      arb_abs(t, be);
      arb_log(t, t, prec);
      arb_add(res, part, t, prec);
      return;
    }
    continuous::sqnormal_log1p_quad(part, c, mu, s, prec);
  } else {
    arb_neg(c, c);
    guarded_sqnormal(part, c, mu, s, prec);
  }
  arb_abs(t, al);
  arb_log(t, t, prec);
  arb_add(res, part, t, prec);
}

// dS/dl for S(l) = E log|1 - l a^2| (BND-DER-4): with t = sqrt(l), m1,2 = 1 -+ t mu, v = t s,
// (1/(2t)) [ mu (G_m(1 + t mu, v) - G_m(1 - t mu, v)) + s (G_v(1 - t mu, v) + G_v(1 + t mu, v)) ].
void sqn_dl(arb_t res, const arb_t l, const arb_t mu, const arb_t s, slong prec) {
  Ball tt, v, m1, m2, gm, gv, gm2, gv2;
  arb_sqrt(tt, l, prec);
  arb_mul(v, tt, s, prec);
  arb_mul(m1, tt, mu, prec);
  arb_neg(m2, m1);
  arb_add_ui(m1, m1, 1, prec);
  arb_add_ui(m2, m2, 1, prec);
  gauss_partials(gm, gv, m2, v, prec);
  gauss_partials(gm2, gv2, m1, v, prec);
  arb_sub(res, gm2, gm, prec);
  arb_mul(res, res, mu, prec);
  arb_add(gv, gv, gv2, prec);
  arb_addmul(res, gv, s, prec);
  arb_div(res, res, tt, prec);
  arb_mul_2exp_si(res, res, -1);
}

// d/dlr E log|alpha + beta a^2| for every lr in X; non-finite when alpha may vanish on X. Proof: BND-SQS-3.
void sqs_derivative(arb_t res, const arb_t X, const Rational& a1, const Rational& b1, const laws::SqNormalLaw& n,
                    slong prec) {
  Ball al, be, c, mu, s, t, u;
  sqs_alpha_beta(al, be, X, a1, b1, prec);
  if (arb_contains_zero(al)) {
    arb_indeterminate(res);
    return;
  }
  set_ball(mu, n.mu, prec);
  set_ball(s, n.sigma, prec);
  arb_div(c, be, al, prec);
  const bool one_sign = (b1 > 0) == arb_is_positive(al);
  if (one_sign) {
    // (1 - K(c) / alpha) / lr, directly on X and as a centred form around the midpoint m of X:
    // Lambda'(X) in Lambda'(m) + [-B, 0] (X - m), B = E h'^2 / min_X alpha^2 (BND-SQS-3); intersected.
    auto direct = [&](arb_t out, const arb_t x) {
      Ball al2, be2, c2, k;
      sqs_alpha_beta(al2, be2, x, a1, b1, prec);
      arb_div(c2, be2, al2, prec);
      continuous::sqnormal_inv1p_mean(k, c2, mu, s, prec);
      arb_div(k, k, al2, prec);
      arb_sub_ui(k, k, 1, prec);
      arb_neg(k, k);
      arb_div(out, k, x, prec);
    };
    direct(res, X);
    Ball m, dm, bb, amin;
    arb_set_arf(m, arb_midref(X));
    direct(dm, m);
    // E h'^2, h' = a1 + b1 z^2: a1^2 + 2 a1 b1 E z^2 + b1^2 E z^4 (exact).
    const Rational ez2 = n.mu * n.mu + n.sigma * n.sigma;
    const Rational ez4 = n.mu * n.mu * n.mu * n.mu + 6 * n.mu * n.mu * n.sigma * n.sigma +
                         3 * n.sigma * n.sigma * n.sigma * n.sigma;
    set_ball(bb, a1 * a1 + 2 * a1 * b1 * ez2 + b1 * b1 * ez4, prec);
    arb_abs(amin, al);
    arb_get_lbound_arf(arb_midref(amin), amin, prec);
    mag_zero(arb_radref(amin));
    arb_sqr(amin, amin, prec);
    arb_div(bb, bb, amin, prec);  // B
    mag_t r;
    mag_init(r);
    arb_get_mag(r, bb);
    mag_mul(r, r, arb_radref(X));
    arb_add_error_mag(dm, r);
    mag_clear(r);
    if (arb_is_finite(dm)) {
      if (!arb_is_finite(res)) {
        arb_set(res, dm);
      } else if (!arb_intersection(res, res, dm, prec)) {
        arb_indeterminate(res);  // cannot happen for correct enclosures
      }
    }
  } else {
    // a1 / alpha - (b1 / alpha^2) S'(l), l = -c.
    arb_neg(c, c);
    sqn_dl(u, c, mu, s, prec);
    set_ball(t, b1, prec);
    arb_mul(u, u, t, prec);
    arb_div(u, u, al, prec);
    arb_div(u, u, al, prec);
    set_ball(t, a1, prec);
    arb_div(t, t, al, prec);
    arb_sub(res, t, u, prec);
  }
}
}  // namespace


void set_interval(arb_t out, const Rational& lo, const Rational& hi, slong prec) {
  Ball a, b;
  set_ball(a, lo, prec);
  set_ball(b, hi, prec);
  arb_union(out, a, b, prec);
}

ExponentModel::ExponentModel(const laws::CurvatureLaw& law) {
  add(law, Rational(1), Rational(0), Rational(-1));
  // Merge equal multipliers (exact), drop c = 0 (log 1 = 0). Proof: BND-MODEL-1.
  std::map<Rational, Rational> merged;
  for (const Atom& a : atoms_) {
    if (a.c != 0) merged[a.c] += a.weight;
  }
  atoms_.clear();
  for (auto& [c, w] : merged) atoms_.push_back({c, w});
  // Weight groups for grouped products.
  std::map<Rational, std::size_t> gi;
  for (std::size_t j = 0; j < atoms_.size(); ++j) {
    auto [it, inserted] = gi.try_emplace(atoms_[j].weight, groups_.size());
    if (inserted) groups_.emplace_back();
    groups_[it->second].push_back(j);
  }
  if (groups_.size() > std::max<std::size_t>(64, atoms_.size() / 16)) {
    groups_.clear();
    for (std::size_t j = 0; j < atoms_.size(); ++j) groups_.push_back({j});
  }
  // Integer exponents P_j * D for the exact zero test.
  exact::Integer d = 1;
  for (const Atom& a : atoms_) d = boost::multiprecision::lcm(d, exact::Integer(denominator(a.weight)));
  for (const Atom& a : atoms_) {
    const Rational e = a.weight * Rational(d);
    exps_.push_back(exact::to_fmpz(numerator(e)));
  }
}

void ExponentModel::add(const laws::CurvatureLaw& law, const Rational& w, const Rational& a1, const Rational& b1) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, laws::FiniteLaw>) {
          // 1 + lr (a1 + b1 h_j) = 1 - lr c_j with c_j = -(a1 + b1 h_j).
          for (std::size_t j = 0; j < n.size(); ++j) atoms_.push_back({-(a1 + b1 * n.value(j)), w * n.prob(j)});
        } else if constexpr (std::is_same_v<T, laws::NormalLaw> || std::is_same_v<T, laws::UniformLaw>) {
          cont_.push_back({w, a1, b1, n});
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          // Any shift and scale (BND-SQS-1 .. 3); sigma = 0 never reaches here (the parser makes it an atom).
          cont_.push_back({w, a1, b1, n});
        } else if constexpr (std::is_same_v<T, laws::XyLaw> || std::is_same_v<T, laws::BivariateLaw>) {
          cont_.push_back({w, a1, b1, n});
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          // a + b (scale h' + shift) = (a + b shift) + (b scale) h'.
          add(*n.inner, w, a1 + b1 * n.shift, b1 * n.scale);
        } else {
          static_assert(std::is_same_v<T, laws::MixtureLaw>, "every curvature law kind is handled");
          for (const auto& [part, weight] : n.parts) add(*part, w * weight, a1, b1);
        }
      },
      law.node());
}

void ExponentModel::value(arb_t res, const arb_t X, slong prec, std::size_t skip) const {
  if (!arb_is_finite(X) || !arb_is_positive(X)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 2 * static_cast<slong>(FLINT_BIT_COUNT(atoms_.size() + 1)) + 10;
  Ball acc, prod, t, c, w;
  arb_zero(acc);
  // Proof: BND-MODEL-1 -- sum_g P_g log|prod_{j in g} (1 - X c_j)|, Arb balls throughout.
  for (const auto& g : groups_) {
    arb_one(prod);
    bool any = false;
    for (std::size_t j : g) {
      if (j == skip) continue;
      any = true;
      set_ball(c, atoms_[j].c, wp);
      arb_mul(t, X, c, wp);
      arb_sub_ui(t, t, 1, wp);  // lr c - 1 (sign irrelevant under |.|)
      arb_mul(prod, prod, t, wp);
    }
    if (!any) continue;
    arb_abs(prod, prod);
    arb_log(t, prod, wp);
    set_ball(w, atoms_[g.front()].weight, wp);
    arb_addmul(acc, t, w, wp);
  }
  const slong cp = wp + small_lr_guard(X);
  Ball m, v, a, b, s, mu, part;
  for (const ContinuousPart& p : cont_) {
    std::visit(
        [&](const auto& n) {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, laws::NormalLaw>) {
            // 1 + X (a1 + b1 h) ~ N(1 - X kappa, (X |b1| sigma)^2), kappa = -(a1 + b1 mu).
            set_ball(t, -(p.a1 + p.b1 * n.mu), cp);
            arb_mul(m, X, t, cp);
            arb_sub_ui(m, m, 1, cp);
            arb_neg(m, m);
            set_ball(t, exact::rational_abs(p.b1) * n.sigma, cp);
            arb_mul(v, X, t, cp);
            guarded_gauss(part, m, v, cp);
          } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
            // c = -(a1 + b1 h) is uniform on [ca, cb].
            Rational ca = -(p.a1 + p.b1 * n.a), cb = -(p.a1 + p.b1 * n.b);
            if (cb < ca) std::swap(ca, cb);
            set_ball(a, ca, cp);
            set_ball(b, cb, cp);
            continuous::uniform_log_abs_mean(part, X, a, b, cp);
          } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
            // Proof: BND-BIV-1 -- E log|(1 + X a1) + (X b1) x y| by the bivariate kernel on the balls
            // a = 1 + X a1, b = X b1 (CONT-BIV-1, CONT-BIV-2: valid for every point of the input balls).
            if (xy_too_wide(X)) {
              arb_indeterminate(part);
            } else {
              Ball bx, by, sx, sy, rho;
              set_ball(t, p.a1, cp);
              arb_mul(a, X, t, cp);
              arb_add_ui(a, a, 1, cp);
              set_ball(t, p.b1, cp);
              arb_mul(b, X, t, cp);
              set_ball(bx, n.mx, cp);
              set_ball(by, n.my, cp);
              set_ball(sx, n.sx, cp);
              set_ball(sy, n.sy, cp);
              set_ball(rho, n.rho, cp);
              continuous::bivariate_log_abs_mean(part, a, b, bx, by, sx, sy, rho, cp);
            }
          } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
            // Proof: BND-XY-1 -- E log|(1 + X a1) + (X b1) h|, h ~ xy(k, sigma, S): the xy kernel on balls.
            xy_ball_args(a, b, mu, v, p.a1, p.b1, n, X, cp);
            if (xy_too_wide(X)) {
              arb_indeterminate(part);
            } else {
              continuous::xy_log_abs_mean(part, a, b, mu, v, n.batch, cp);
            }
          } else if (p.a1 != 0 || p.b1 > 0) {
            // Proof: BND-SQS-1, BND-SQS-2 -- sqnormal under a shift or a negative scale.
            sqs_value(part, X, p.a1, p.b1, n, cp);
          } else {
            // a1 = 0, b1 < 0: E log|1 - X |b1| z^2|.
            set_ball(t, -p.b1, cp);
            arb_mul(s, X, t, cp);
            set_ball(mu, n.mu, cp);
            set_ball(v, n.sigma, cp);
            guarded_sqnormal(part, s, mu, v, cp);
          }
        },
        p.law);
    set_ball(w, p.weight, cp);
    arb_addmul(acc, part, w, cp);
  }
  arb_set_round(res, acc, prec);
}

void ExponentModel::derivative(arb_t res, const arb_t X, slong prec, std::size_t skip) const {
  if (!arb_is_finite(X) || !arb_is_positive(X)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 2 * static_cast<slong>(FLINT_BIT_COUNT(atoms_.size() + 1)) + 10;
  Ball acc, t, u, c, w;
  arb_zero(acc);
  // Proof: BND-DER-1 -- Lambda' = -sum_j P_j c_j / (1 - lr c_j).
  for (std::size_t j = 0; j < atoms_.size(); ++j) {
    if (j == skip) continue;
    set_ball(c, atoms_[j].c, wp);
    arb_mul(t, X, c, wp);
    arb_sub_ui(t, t, 1, wp);  // lr c - 1
    arb_div(t, c, t, wp);     // c / (lr c - 1) = -c / (1 - lr c)
    set_ball(w, atoms_[j].weight, wp);
    arb_addmul(acc, t, w, wp);
  }
  const slong cp = wp + small_lr_guard(X) + 16;
  Ball m, v, gm, gv, a, b, L, part, kap, sg;
  for (const ContinuousPart& p : cont_) {
    std::visit(
        [&](const auto& n) {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, laws::NormalLaw>) {
            // Proof: BND-DER-2 -- d/dlr G(1 - lr kappa, lr sigma') = -kappa G_m + sigma' G_v.
            set_ball(kap, -(p.a1 + p.b1 * n.mu), cp);
            arb_mul(m, X, kap, cp);
            arb_sub_ui(m, m, 1, cp);
            arb_neg(m, m);
            set_ball(sg, exact::rational_abs(p.b1) * n.sigma, cp);
            arb_mul(v, X, sg, cp);
            gauss_partials(gm, gv, m, v, cp);
            arb_mul(part, gv, sg, cp);
            arb_submul(part, gm, kap, cp);
          } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
            // Proof: BND-DER-3 -- L' = (cb log|1 - lr cb| - ca log|1 - lr ca| - L (cb - ca)) / (lr (cb - ca)).
            Rational ca = -(p.a1 + p.b1 * n.a), cb = -(p.a1 + p.b1 * n.b);
            if (cb < ca) std::swap(ca, cb);
            set_ball(a, ca, cp);
            set_ball(b, cb, cp);
            continuous::uniform_log_abs_mean(L, X, a, b, cp);
            Ball la, lb, d;
            arb_mul(lb, X, b, cp);
            arb_sub_ui(lb, lb, 1, cp);
            arb_abs(lb, lb);
            arb_log(lb, lb, cp);
            arb_mul(lb, lb, b, cp);
            arb_mul(la, X, a, cp);
            arb_sub_ui(la, la, 1, cp);
            arb_abs(la, la);
            arb_log(la, la, cp);
            arb_mul(la, la, a, cp);
            set_ball(d, cb - ca, cp);
            arb_sub(part, lb, la, cp);
            arb_submul(part, L, d, cp);
            arb_mul(d, d, X, cp);
            arb_div(part, part, d, cp);
          } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
            // Proof: BND-BIV-1, CONT-BIVD-1, CONT-BIVD-2 -- (1 - PV E[1/(1 + lr (a1 + b1 x y))])/lr.
            Ball a1b, b1b, bx, by, sx, sy, rho;
            set_ball(a1b, p.a1, cp);
            set_ball(b1b, p.b1, cp);
            set_ball(bx, n.mx, cp);
            set_ball(by, n.my, cp);
            set_ball(sx, n.sx, cp);
            set_ball(sy, n.sy, cp);
            set_ball(rho, n.rho, cp);
            continuous::bivariate_log_abs_mean_dlr(part, X, a1b, b1b, bx, by, sx, sy, rho, cp);
          } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
            // Proof: BND-XY-1, CONT-XYD-1 .. 5 -- d/dlr E log|1 + lr (a1 + b1 h)| = (1 - E_t G_m)/lr.
            Ball a1b, b1b, kb, sb;
            set_ball(a1b, p.a1, cp);
            set_ball(b1b, p.b1, cp);
            set_ball(kb, n.k, cp);
            xy_sigma(sb, n, cp);
            continuous::xy_log_abs_mean_dlr(part, X, a1b, b1b, kb, sb, n.batch, cp);
          } else if (p.a1 != 0 || p.b1 > 0) {
            // Proof: BND-SQS-3 -- sqnormal under a shift or a negative scale.
            sqs_derivative(part, X, p.a1, p.b1, n, cp);
          } else {
            // Proof: BND-DER-4 -- with l = X k (k = |b1|), t = sqrt(l), m1,2 = 1 -+ t mu, v = t s:
            // dLambda/dl = (1/(2t)) [ mu (m2 F1(x2) - m1 F1(x1)) / v^2 + (F2(x1) + F2(x2)) / t ],
            // i.e. (1/(2t)) [ mu (G_m(m2) - G_m(m1)) + s (G_v(m1) + G_v(m2)) ].
            Ball k, tt, mu, s, m1, m2, gm2, gv2;
            set_ball(k, -p.b1, cp);
            arb_mul(tt, X, k, cp);
            arb_sqrt(tt, tt, cp);
            set_ball(mu, n.mu, cp);
            set_ball(s, n.sigma, cp);
            arb_mul(v, tt, s, cp);
            arb_mul(m1, tt, mu, cp);
            arb_neg(m2, m1);
            arb_add_ui(m1, m1, 1, cp);  // 1 + t mu
            arb_add_ui(m2, m2, 1, cp);  // 1 - t mu
            gauss_partials(gm, gv, m2, v, cp);   // at 1 - t mu
            gauss_partials(gm2, gv2, m1, v, cp); // at 1 + t mu
            arb_sub(part, gm2, gm, cp);
            arb_mul(part, part, mu, cp);
            arb_add(gv, gv, gv2, cp);
            arb_addmul(part, gv, s, cp);
            arb_div(part, part, tt, cp);
            arb_mul_2exp_si(part, part, -1);
            arb_mul(part, part, k, cp);  // chain rule d l / d lr = k
          }
        },
        p.law);
    set_ball(w, p.weight, cp);
    arb_addmul(acc, part, w, cp);
  }
  arb_set_round(res, acc, prec);
}

PointSign ExponentModel::sign_at(const Rational& lr, long max_bits) const {
  for (const Atom& a : atoms_) {
    if (lr * a.c == 1) return PointSign::minus_infinity;  // Proof: LYAP1D-FIN-2
  }
  bool zero_tested = false;
  Ball x, val;
  for (slong prec = 64;; prec *= 2) {
    const slong p = std::min<slong>(prec, max_bits);
    set_ball(x, lr, p + 32);
    value(val, x, p);
    if (arb_is_finite(val)) {
      if (arb_is_positive(val)) return PointSign::positive;
      if (arb_is_negative(val)) return PointSign::negative;
      if (finite_only() && !zero_tested) {
        zero_tested = true;
        // Proof: LYAP1D-ZERO-1 -- Lambda = 0 iff prod_j |r_j|^(P_j D) = 1, r_j = 1 - lr c_j.
        std::vector<exact::Fmpz> num, den;
        for (const Atom& a : atoms_) {
          const Rational r = 1 - lr * a.c;
          num.push_back(exact::to_fmpz(numerator(r)));
          den.push_back(exact::to_fmpz(denominator(r)));
        }
        if (exact::product_of_powers_is_one(num, den, exps_) == exact::Tri::yes) return PointSign::zero;
      }
    }
    if (p >= max_bits) return PointSign::undetermined;
  }
}

}  // namespace lyapcert::boundary
