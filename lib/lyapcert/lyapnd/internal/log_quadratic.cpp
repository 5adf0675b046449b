#include "lyapcert/lyapnd/internal/log_quadratic.hpp"

#include <acb.h>
#include <acb_hypgeom.h>
#include <arb.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyapnd/internal/vector_moments.hpp"

namespace lyapcert::lyapnd::internal {
namespace {

using I = fast::OutwardInterval;
using exact::Ball;
using exact::Rational;

constexpr double kInf = std::numeric_limits<double>::infinity();

I whole() { return I(-kInf, kInf); }

// The interval hull of an Arb ball, rounded outward to binary64 (the whole line when the ball is not finite).
I hull(const arb_t x) {
  if (!arb_is_finite(x)) return whole();
  arf_t l, h;
  arf_init(l);
  arf_init(h);
  arb_get_lbound_arf(l, x, 64);
  arb_get_ubound_arf(h, x, 64);
  const I r(arf_get_d(l, ARF_RND_FLOOR), arf_get_d(h, ARF_RND_CEIL));
  arf_clear(l);
  arf_clear(h);
  return r;
}

// True when the ball's radius is below 2^-48 max(1, |midpoint|): a higher precision would not change the binary64
// enclosure much (an absolute criterion near 0, where F crosses zero).
bool narrow(const arb_t x) {
  if (!arb_is_finite(x)) return false;
  mag_t m;
  mag_init(m);
  arf_get_mag(m, arb_midref(x));
  if (mag_cmp_2exp_si(m, 0) < 0) mag_one(m);
  mag_mul_2exp_si(m, m, -48);
  const bool ok = mag_cmp(arb_radref(x), m) <= 0;
  mag_clear(m);
  return ok;
}

// F(m, s) = Re H(zeta) - pi Im erfc(zeta / sqrt 2), zeta = m + i sqrt(s),
// H(z) = -gamma_E - log 2 + z^2 2F2(1, 1; 3/2, 2; -z^2/2). Proof: LYAPND-VEC-14 (a).
void f_closed(arb_t res, double m, double s, slong prec) {
  acb_t z, z2, t, h, e;
  arb_t c;
  acb_init(z);
  acb_init(z2);
  acb_init(t);
  acb_init(h);
  acb_init(e);
  arb_init(c);
  acb_ptr a = _acb_vec_init(2);
  acb_ptr b = _acb_vec_init(2);
  arb_set_d(acb_realref(z), m);
  arb_set_d(acb_imagref(z), s);
  arb_sqrt(acb_imagref(z), acb_imagref(z), prec);
  acb_sqr(z2, z, prec);
  acb_mul_2exp_si(t, z2, -1);
  acb_neg(t, t);
  acb_one(a);
  acb_one(a + 1);
  acb_set_d(b, 1.5);
  acb_set_ui(b + 1, 2);
  acb_hypgeom_pfq(h, a, 2, b, 2, t, 0, prec);
  acb_mul(h, h, z2, prec);
  arb_sqrt_ui(c, 2, prec);
  acb_div_arb(t, z, c, prec);
  acb_hypgeom_erfc(e, t, prec);
  arb_const_pi(c, prec);
  arb_mul(c, c, acb_imagref(e), prec);
  arb_sub(res, acb_realref(h), c, prec);
  arb_const_euler(c, prec);
  arb_sub(res, res, c, prec);
  arb_const_log2(c, prec);
  arb_sub(res, res, c, prec);
  _acb_vec_clear(a, 2);
  _acb_vec_clear(b, 2);
  acb_clear(z);
  acb_clear(z2);
  acb_clear(t);
  acb_clear(h);
  acb_clear(e);
  arb_clear(c);
}

I closed_form(double m, double s) {
  const double mu = m * m + s;
  // The two terms grow like e^(s/2) and the 2F2 series' terms like e^(mu/2) before they cancel: about 0.72 mu bits
  // are lost, so the working precision grows with mu.
  slong prec = 96 + static_cast<slong>(std::ceil(0.75 * std::min(mu, 1e6)));
  Ball r;
  for (int attempt = 0; attempt < 4; ++attempt, prec *= 2) {
    f_closed(r.get(), m, s, prec);
    if (narrow(r.get())) break;
  }
  return hull(r.get());
}

// (2l - 1)!! for 2l <= 24, exact in binary64 (23!! < 2^53).
double gauss_moment(int e) {
  if (e % 2 == 1) return 0;
  double r = 1;
  for (int i = e - 1; i > 1; i -= 2) r *= i;
  return r;
}

// The sandwich of LYAPND-VEC-14 (c) with n = 11, theta = 9/10.
I series(double m, double s) {
  constexpr int n = 11;
  const slong prec = 128;
  Ball mb, sb, mu, term, pw, ey, sum, p, rem, t, lmu;
  arb_set_d(mb, m);
  arb_set_d(sb, s);
  arb_sqr(mu, mb, prec);
  arb_add(mu, mu, sb, prec);
  if (!arb_is_positive(mu)) return whole();
  arb_log(lmu, mu, prec);
  // E y^j = mu^(-j) sum_i C(j, i) (-2 m)^(j - i) E eps^(j + i).
  arb_zero(p);
  for (int j = 1; j <= n + 1; ++j) {
    arb_zero(sum);
    for (int i = 0; i <= j; ++i) {
      if ((j + i) % 2 == 1) continue;
      arb_mul_si(term, mb, -2, prec);
      arb_pow_ui(term, term, static_cast<ulong>(j - i), prec);
      arb_bin_uiui(t, static_cast<ulong>(j), static_cast<ulong>(i), prec);
      arb_mul(term, term, t, prec);
      arb_set_d(t, gauss_moment(j + i));
      arb_mul(term, term, t, prec);
      arb_add(sum, sum, term, prec);
    }
    arb_pow_ui(pw, mu, static_cast<ulong>(j), prec);
    arb_div(ey, sum, pw, prec);
    if (j <= n) {
      arb_div_si(ey, ey, (j % 2 == 1) ? j : -j, prec);
      arb_add(p, p, ey, prec);
    } else {
      // E[y^(n+1)] / ((n + 1)(1 - theta)) with 1 - theta = 1/10.
      arb_mul_si(rem, ey, 10, prec);
      arb_div_si(rem, rem, n + 1, prec);
    }
  }
  // T: the event (eps - m)^2 < delta^2 = mu/10 - s.
  Ball d2, tail;
  arb_div_si(d2, mu, 10, prec);
  arb_sub(d2, d2, sb, prec);
  arb_zero(tail);
  if (!arb_is_nonpositive(d2)) {
    // T increases with delta (its derivative is 2 log(mu/delta^2) > 0 and phi(|m| - delta) increases), so the upper
    // end of delta gives an upper bound.
    Ball delta, a, ph;
    arf_t u;
    arf_init(u);
    arb_get_ubound_arf(u, d2, prec);
    arb_set_arf(delta, u);
    arf_clear(u);
    arb_sqrt(delta, delta, prec);
    arb_abs(a, mb);
    arb_sub(a, a, delta, prec);
    if (!arb_is_positive(a)) arb_zero(a);
    // phi(a) = exp(-a^2/2)/sqrt(2 pi), taken at the lower end of a (phi decreases on a >= 0).
    arf_t al;
    arf_init(al);
    arb_get_lbound_arf(al, a, prec);
    if (arf_sgn(al) < 0) arf_zero(al);
    arb_set_arf(a, al);
    arf_clear(al);
    arb_sqr(ph, a, prec);
    arb_mul_2exp_si(ph, ph, -1);
    arb_neg(ph, ph);
    arb_exp(ph, ph, prec);
    arb_const_pi(t, prec);
    arb_mul_2exp_si(t, t, 1);
    arb_rsqrt(t, t, prec);
    arb_mul(ph, ph, t, prec);
    // 2 delta phi (log mu - 2 log delta + 2)
    arb_log(t, delta, prec);
    arb_mul_2exp_si(t, t, 1);
    arb_sub(t, lmu, t, prec);
    arb_add_ui(t, t, 2, prec);
    arb_mul(tail, t, ph, prec);
    arb_mul(tail, tail, delta, prec);
    arb_mul_2exp_si(tail, tail, 1);
  }
  Ball up, lo;
  arb_add(up, lmu, p, prec);
  arb_sub(lo, up, rem, prec);
  arb_sub(lo, lo, tail, prec);
  const I hu = hull(up.get()), hl = hull(lo.get());
  return I(hl.lower(), hu.upper());
}

I enclose_q(const Rational& x) { return fast::enclose(x.backend().data()); }

}  // namespace

fast::OutwardInterval log_quadratic_mean(double m, double s, LogQuadMethod method) {
  // Proof: LYAPND-VEC-14 (a) (closed form) and (c) (series sandwich); both are enclosures for every (m, s).
  if (!std::isfinite(m) || !std::isfinite(s) || s < 0) return whole();
  const double mu = m * m + s;
  const bool use_series =
      method == LogQuadMethod::series || (method == LogQuadMethod::automatic && mu >= 400);
  if (use_series) {
    if (!(mu > 0)) return whole();
    return series(m, s);
  }
  return closed_form(m, s);
}

fast::OutwardInterval log_quadratic_mean_box(const fast::OutwardInterval& m, const fast::OutwardInterval& s) {
  // Proof: LYAPND-VEC-14 (b): F is even in m and non-decreasing in |m| and in s.
  const double s_lo = std::max(0.0, s.lower()), s_hi = s.upper();
  if (!(s_hi >= 0)) return whole();
  const double a = std::abs(m.lower()), b = std::abs(m.upper());
  const double m_hi = std::max(a, b);
  const double m_lo = (m.lower() <= 0 && m.upper() >= 0) ? 0.0 : std::min(a, b);
  const double lower = log_quadratic_mean(m_lo, s_lo).lower();
  const double upper = (std::isfinite(m_hi) && std::isfinite(s_hi)) ? log_quadratic_mean(m_hi, s_hi).upper() : kInf;
  return I(lower, upper);
}

fast::OutwardInterval log_quadratic_expectation(const fast::OutwardInterval& alpha, const fast::OutwardInterval& beta,
                                                const fast::OutwardInterval& gamma) {
  // Proof: LYAPND-VEC-14 (d): alpha eps^2 + 2 beta eps + gamma = alpha ((eps - m)^2 + s), m = -beta/alpha,
  // s = gamma/alpha - m^2 >= 0 (the true s is >= 0, so intersecting its enclosure with [0, inf) keeps it).
  if (!(alpha.lower() > 0)) return whole();
  const I m = -beta / alpha;
  const I s0 = gamma / alpha - square(m);
  const I s(std::max(0.0, s0.lower()), std::max(0.0, s0.upper()));
  return log(alpha) + log_quadratic_mean_box(m, s);
}

namespace {

// a0 and a1 of LYAPND-VEC-15 for a direction v (they are linear in v).
void affine_parts(const I& lr, const I& k, const I& sigma, const std::array<I, 3>& v, const I& x1, const I& x2, I* a0,
                  I* a1) {
  const I &u = v[0], &w1 = v[1], &w2 = v[2];
  const I s = w1 * x1 + w2 * x2;
  const I lk = lr * k * u * x1;
  a0[0] = u + lr * k * x1 * s;
  a0[1] = w1 + lk * x1;
  a0[2] = w2 + lk * x2;
  const I ls = lr * sigma;
  a1[0] = ls * s;
  a1[1] = ls * u * x1;
  a1[2] = ls * u * x2;
}

I form(const std::array<std::array<double, 3>, 3>& G, const I* a, const I* b) {
  I r(0.0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r += a[i] * I(i <= j ? G[i][j] : G[j][i]) * b[j];
  return r;
}

// An interval Cholesky factor of G (G = L L^T, L lower triangular): outward-rounded enclosures of the exact factor's
// entries (whole intervals when G is not numerically positive definite). With p = L^T a0, q = L^T a1 the forms are
// sums of squares, G(a1) = |q|^2, a0^T G a1 = p.q, G(a0) = |p|^2, alpha gamma - beta^2 = sum_(i<j) (p_i q_j - p_j q_i)^2
// (Lagrange's identity), which interval arithmetic evaluates with far less cancellation than the quadratic forms.
struct Chol {
  I l[3][3];
  bool ok = true;
};
Chol cholesky(const std::array<std::array<double, 3>, 3>& G) {
  Chol c;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) c.l[i][j] = I(0.0);
  for (int j = 0; j < 3; ++j) {
    I d(G[j][j]);
    for (int k = 0; k < j; ++k) d -= square(c.l[j][k]);
    if (!(d.lower() > 0)) {
      c.ok = false;
      return c;
    }
    c.l[j][j] = sqrt(d);
    for (int i = j + 1; i < 3; ++i) {
      I t(G[j][i]);  // G is symmetric: G_ij from the upper triangle
      for (int k = 0; k < j; ++k) t -= c.l[i][k] * c.l[j][k];
      c.l[i][j] = t / c.l[j][j];
    }
  }
  return c;
}

// alpha, beta, gamma and alpha gamma - beta^2 through the Cholesky factor; false when it failed.
bool forms_chol(const Chol& ch, const I* a0, const I* a1, I& alpha, I& beta, I& gamma, I& det) {
  if (!ch.ok) return false;
  I p[3], q[3];
  for (int i = 0; i < 3; ++i) {
    p[i] = I(0.0);
    q[i] = I(0.0);
    for (int j = i; j < 3; ++j) {
      p[i] += ch.l[j][i] * a0[j];
      q[i] += ch.l[j][i] * a1[j];
    }
  }
  alpha = square(q[0]) + square(q[1]) + square(q[2]);
  beta = p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
  gamma = square(p[0]) + square(p[1]) + square(p[2]);
  det = square(p[0] * q[1] - p[1] * q[0]) + square(p[0] * q[2] - p[2] * q[0]) + square(p[1] * q[2] - p[2] * q[1]);
  return true;
}

I meet(const I& a, const I& b) { return I(std::max(a.lower(), b.lower()), std::min(a.upper(), b.upper())); }

// alpha gamma - beta^2 = G(a1) G(a0) - (a0^T G a1)^2 as the Gram determinant c^T G2 c, c_ij = a0_i a1_j - a0_j a1_i
// (i < j) and G2 the second compound of G, G2_(ij)(kl) = G_ik G_jl - G_il G_jk (Cauchy-Binet): the direct difference
// cancels badly in interval arithmetic when gamma/alpha is large. Proof: LYAPND-VEC-15.
I gram_det(const std::array<std::array<double, 3>, 3>& G, const I* a0, const I* a1) {
  auto g = [&](int i, int j) { return I(i <= j ? G[i][j] : G[j][i]); };
  const int pr[3][2] = {{0, 1}, {0, 2}, {1, 2}};
  I c[3];
  for (int t = 0; t < 3; ++t) c[t] = a0[pr[t][0]] * a1[pr[t][1]] - a0[pr[t][1]] * a1[pr[t][0]];
  I r(0.0);
  for (int t = 0; t < 3; ++t)
    for (int u = 0; u < 3; ++u) {
      const int i = pr[t][0], j = pr[t][1], k = pr[u][0], l = pr[u][1];
      r += c[t] * (g(i, k) * g(j, l) - g(i, l) * g(j, k)) * c[u];
    }
  return r;
}

// E log(alpha eps^2 + 2 beta eps + gamma) from alpha, beta and det = alpha gamma - beta^2 (LYAPND-VEC-14 (d), (b)).
I expectation_from_det(const I& alpha, const I& beta, const I& det) {
  if (!(alpha.lower() > 0)) return whole();
  const I m = -beta / alpha;
  const I s0 = det / square(alpha);
  const I s(std::max(0.0, s0.lower()), std::max(0.0, s0.upper()));
  return log(alpha) + log_quadratic_mean_box(m, s);
}

// A ball containing the interval.
void to_ball(arb_t out, const I& x) { exact::set_interval_d(out, x.lower(), x.upper(), 128); }

}  // namespace

fast::OutwardInterval vec_conditional_log_form_box(const laws::VectorSaddle& law,
                                                   const std::array<std::array<double, 3>, 3>& G,
                                                   const std::array<fast::OutwardInterval, 3>& v,
                                                   const fast::OutwardInterval& x1, const fast::OutwardInterval& x2) {
  // Proof: LYAPND-VEC-15. A v = c (a0 + a1 eps) with s = w.x,
  // a0 = (u + lr' k x1 s, w1 + lr' k u x1^2, w2 + lr' k u x1 x2), a1 = lr' sigma (s, u x1, u x2); every operation
  // below is outward rounded, so alpha, beta, gamma enclose their values for every (v, x) of the boxes, and
  // log_quadratic_expectation encloses E log(alpha eps^2 + 2 beta eps + gamma) for all of them.
  if (law.q != 1 || law.d != 2 || law.batch != 1 || !(law.sigma2 > 0))
    throw InputError("vec_conditional_log_form needs vector(1, 2, ...) with batch=1 and sigma > 0");
  const Rational c_exact = 1 - law.lr * law.gamma;
  if (!(c_exact > 0)) throw InputError("vec_conditional_log_form needs c = 1 - lr gamma > 0");
  const I c = enclose_q(c_exact);
  const I lr = enclose_q(law.lr) / c, k = enclose_q(law.k), sigma = sqrt(enclose_q(law.sigma2));
  I a0[3], a1[3];
  affine_parts(lr, k, sigma, v, x1, x2, a0, a1);
  I alpha = form(G, a1, a1), beta = form(G, a0, a1), gamma = form(G, a0, a0);
  // Every expression below contains the exact value; their intersection is kept (the Cholesky form is usually the
  // narrowest, the Gram determinant narrower than the direct difference).
  I det = meet(gram_det(G, a0, a1), alpha * gamma - square(beta));
  I ca, cb, cc, cd;
  if (forms_chol(cholesky(G), a0, a1, ca, cb, cc, cd)) {
    alpha = meet(alpha, ca);
    beta = meet(beta, cb);
    gamma = meet(gamma, cc);
    det = meet(det, cd);
  }
  return I(2.0) * log(c) + expectation_from_det(alpha, beta, det);
}

fast::OutwardInterval vec_conditional_log_form(const laws::VectorSaddle& law,
                                               const std::array<std::array<double, 3>, 3>& G,
                                               const std::array<double, 3>& v, double x1, double x2) {
  // Proof: LYAPND-VEC-15 (the box version at a point).
  return vec_conditional_log_form_box(law, G, {I(v[0]), I(v[1]), I(v[2])}, I(x1), I(x2));
}

fast::OutwardInterval vec_conditional_log_form_derivative(const laws::VectorSaddle& law,
                                                          const std::array<std::array<double, 3>, 3>& G,
                                                          const std::array<double, 3>& v,
                                                          const std::array<double, 3>& dv, double x1, double x2) {
  // Proof: LYAPND-VEC-17. With N = 2 (a0' + a1' eps)^T G (a0 + a1 eps) = n2 eps^2 + n1 eps + n0 and
  // q = alpha eps^2 + 2 beta eps + gamma = alpha ((eps - m)^2 + nu):
  // E[N/q] = n2/alpha + (1/alpha) (r1 E[(eps - m)/X] + (r1 m + r0) E[1/X]), X = (eps - m)^2 + nu,
  // r1 = n1 - 2 beta n2/alpha, r0 = n0 - gamma n2/alpha, E[(eps - m)/X] = -sqrt(pi/2) Im W,
  // E[1/X] = sqrt(pi/2) Re W / sqrt(nu), W = w((m + i sqrt(nu)) / sqrt 2).
  if (law.q != 1 || law.d != 2 || law.batch != 1 || !(law.sigma2 > 0))
    throw InputError("vec_conditional_log_form_derivative needs vector(1, 2, ...) with batch=1 and sigma > 0");
  const Rational c_exact = 1 - law.lr * law.gamma;
  if (!(c_exact > 0)) throw InputError("vec_conditional_log_form_derivative needs c = 1 - lr gamma > 0");
  const I c = enclose_q(c_exact);
  const I lr = enclose_q(law.lr) / c, k = enclose_q(law.k), sigma = sqrt(enclose_q(law.sigma2));
  I a0[3], a1[3], d0[3], d1[3];
  affine_parts(lr, k, sigma, {I(v[0]), I(v[1]), I(v[2])}, I(x1), I(x2), a0, a1);
  affine_parts(lr, k, sigma, {I(dv[0]), I(dv[1]), I(dv[2])}, I(x1), I(x2), d0, d1);
  I alpha = form(G, a1, a1), beta = form(G, a0, a1), gamma = form(G, a0, a0);
  I det = meet(gram_det(G, a0, a1), alpha * gamma - square(beta));
  {
    I ca, cb, cc, cd;
    if (forms_chol(cholesky(G), a0, a1, ca, cb, cc, cd)) {
      alpha = meet(alpha, ca);
      beta = meet(beta, cb);
      gamma = meet(gamma, cc);
      det = meet(det, cd);
    }
  }
  if (!(alpha.lower() > 0)) return whole();
  const I n2 = I(2.0) * form(G, d1, a1), n1 = I(2.0) * (form(G, d0, a1) + form(G, d1, a0)),
          n0 = I(2.0) * form(G, d0, a0);
  const I m = -beta / alpha;
  const I nu = det / square(alpha);
  if (!(nu.lower() > 0) || !std::isfinite(m.lower()) || !std::isfinite(m.upper()) || !std::isfinite(nu.upper()))
    return whole();
  const I r1 = n1 - I(2.0) * beta * n2 / alpha, r0 = n0 - gamma * n2 / alpha;
  // W = w(z) = exp(-z^2) erfc(-i z), z = (m + i sqrt(nu)) / sqrt 2, in Arb.
  const slong prec = 128;
  acb_t z, e, t;
  acb_init(z);
  acb_init(e);
  acb_init(t);
  Ball sq;
  to_ball(acb_realref(z), m);
  to_ball(acb_imagref(z), nu);
  arb_sqrt(acb_imagref(z), acb_imagref(z), prec);
  arb_sqrt_ui(sq, 2, prec);
  acb_div_arb(z, z, sq, prec);
  acb_mul_onei(t, z);
  acb_neg(t, t);
  acb_hypgeom_erfc(e, t, prec);
  acb_sqr(t, z, prec);
  acb_neg(t, t);
  acb_exp(t, t, prec);
  acb_mul(e, e, t, prec);
  // sqrt(pi/2)
  arb_const_pi(sq, prec);
  arb_mul_2exp_si(sq, sq, -1);
  arb_sqrt(sq, sq, prec);
  Ball re, im;
  arb_mul(re, acb_realref(e), sq, prec);
  arb_mul(im, acb_imagref(e), sq, prec);
  acb_clear(z);
  acb_clear(e);
  acb_clear(t);
  const I inv_x = hull(re.get()) / sqrt(nu);  // E[1/X]
  const I shift = -hull(im.get());            // E[(eps - m)/X]
  return n2 / alpha + (r1 * shift + (r1 * m + r0) * inv_x) / alpha;
}

double vec_log_form_l2_bound(const laws::VectorSaddle& law, double lmin, double lmax) {
  // Proof: LYAPND-VEC-16: N = |log(c^2 lmin)| + |log(c^2 lmax)| + 2 L_2 + 2 lr' (4 k^2 + 2 sigma^2)^(1/2).
  if (law.q != 1 || law.d != 2 || !vec_poisson_applies(law)) return kInf;
  if (!(lmin > 0) || !(lmax >= lmin) || !std::isfinite(lmax)) return kInf;
  const double l2 = vec_tail_norm_bound(law, 2);
  if (!std::isfinite(l2)) return kInf;
  const I c = enclose_q(1 - law.lr * law.gamma);
  const I lr = enclose_q(law.lr) / c, k = enclose_q(law.k), s2 = enclose_q(law.sigma2);
  const I c2 = c * c;
  const I n = abs(log(c2 * I(lmin))) + abs(log(c2 * I(lmax))) + I(2.0) * I(l2) +
              I(2.0) * lr * sqrt(I(4.0) * k * k + I(2.0) * s2);
  return n.upper();
}

double vec_log_form_tail(const laws::VectorSaddle& law, double lmin, double lmax, double L) {
  // Proof: LYAPND-VEC-16. E[|log G(A v)| 1_E] <= N P(E)^(1/2), P(E) <= 2 erfc(L / sqrt 2).
  if (!(L > 0) || !std::isfinite(L)) return kInf;
  const double n = vec_log_form_l2_bound(law, lmin, lmax);
  if (!std::isfinite(n)) return kInf;
  // P(E) <= P(|x_1| > L) + P(|x_2| > L) = 2 erfc(L / sqrt 2), in Arb.
  Ball t, e;
  arb_set_d(t, L);
  arb_sqrt_ui(e, 2, 128);
  arb_div(t, t, e, 128);
  arb_hypgeom_erfc(e, t, 128);
  arb_mul_2exp_si(e, e, 1);
  arb_sqrt(e, e, 128);
  const I root = hull(e.get());
  return (I(n) * root).upper();
}

}  // namespace lyapcert::lyapnd::internal
