#include "lyapcert/lyapnd/internal/vector_quadrature.hpp"

#include <acb.h>
#include <acb_hypgeom.h>
#include <arb.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyapnd/internal/log_quadratic.hpp"

namespace lyapcert::lyapnd::internal {
namespace {

using I = fast::OutwardInterval;
using exact::Ball;
using exact::Rational;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr slong kPrec = 128;
// sqrt(2 pi), rounded up: the Lipschitz constant of F(m, r^2) in m and in r (LYAPND-VEC-20 (a)).
constexpr double kSqrt2PiUp = 2.5066282746310007;
constexpr double kPiUp = 3.1415926535897936;

I whole() { return I(-kInf, kInf); }

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

I enclose_q(const Rational& x) { return fast::enclose(x.backend().data()); }

double mag_up(const I& x) { return std::max(std::abs(x.lower()), std::abs(x.upper())); }

void set_ball(arb_t out, const I& x) { exact::set_interval_d(out, x.lower(), x.upper(), kPrec); }

// RAII for acb_t.
struct Cx {
  acb_t z;
  Cx() { acb_init(z); }
  ~Cx() { acb_clear(z); }
  Cx(const Cx&) = delete;
  Cx& operator=(const Cx&) = delete;
};

// The 2 x 2 reduction of LYAPND-VEC-18 in the rotated coordinates y = R^T x (R the rotation by theta):
// with L the Cholesky factor of G (G = L L^T), B(v) = [[w_1, w_2], [u, 0], [0, u]], M' = L^T B R, p' = L^T v,
// C' = [p' x] M' (column-wise cross products), s0 = lr' sigma and z = M' y:
//   alpha = s0^2 |z|^2,   m = -p'.z / (s0 |z|^2) - kappa.y,   alpha gamma - beta^2 = s0^2 |C' y|^2,
//   nu = |C' y|^2 / (s0^2 |z|^4),   Gamma = 2 log c + log alpha + F(m, nu),
// kappa = (k / sigma) (cos theta, -sin theta) (so kappa.y = k x_1 / sigma).
struct Reduced {
  I two_log_c, s0;
  I Mp[3][2], pp[3], Cp[3][2], kap[2];
  I ct{1.0}, st{0.0};   // cos theta, sin theta
  I gnorm;              // |C' e_2|
  double enorm = kInf;  // an upper bound of |C' e_1|
  double lam = 0;       // a lower bound of the smallest eigenvalue of M'^T M'
  bool rank_one = false;
};

// An interval Cholesky factor of G (outward-rounded recursion: each entry encloses the exact factor's entry).
bool cholesky(const std::array<std::array<double, 3>, 3>& G, I (&l)[3][3]) {
  for (auto& row : l)
    for (auto& e : row) e = I(0.0);
  for (int j = 0; j < 3; ++j) {
    I d(G[j][j]);
    for (int k = 0; k < j; ++k) d -= square(l[j][k]);
    if (!(d.lower() > 0)) return false;
    l[j][j] = sqrt(d);
    for (int i = j + 1; i < 3; ++i) {
      I t(G[j][i]);
      for (int k = 0; k < j; ++k) t -= l[i][k] * l[j][k];
      l[i][j] = t / l[j][j];
    }
  }
  return true;
}

void cross(const I* a, const I* b, I* out) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

Reduced reduce(const laws::VectorSaddle& law, const std::array<std::array<double, 3>, 3>& G,
               const std::array<double, 3>& v) {
  if (law.q != 1 || law.d != 2 || law.batch != 1 || !(law.sigma2 > 0))
    throw InputError("vec_log_form_mean needs vector(1, 2, ...) with batch=1 and sigma > 0");
  const Rational c_exact = 1 - law.lr * law.gamma;
  if (!(c_exact > 0)) throw InputError("vec_log_form_mean needs c = 1 - lr gamma > 0");
  if (!(v[0] != 0) || !std::isfinite(v[0]) || !std::isfinite(v[1]) || !std::isfinite(v[2]))
    throw InputError("vec_log_form_mean needs a finite direction v with u != 0");
  I l[3][3];
  if (!cholesky(G, l)) throw InputError("vec_log_form_mean: G is not positive definite");
  Reduced r;
  const I c = enclose_q(c_exact);
  const I sigma = sqrt(enclose_q(law.sigma2));
  r.s0 = enclose_q(law.lr) / c * sigma;
  r.two_log_c = I(2.0) * log(c);
  const I B[3][2] = {{I(v[1]), I(v[2])}, {I(v[0]), I(0.0)}, {I(0.0), I(v[0])}};
  I M[3][2];
  for (int i = 0; i < 3; ++i) {
    r.pp[i] = I(0.0);
    for (int col = 0; col < 2; ++col) M[i][col] = I(0.0);
    for (int j = i; j < 3; ++j) {  // (L^T)_ij = L_ji, zero for j < i
      r.pp[i] += l[j][i] * I(v[j]);
      for (int col = 0; col < 2; ++col) M[i][col] += l[j][i] * B[j][col];
    }
  }
  // The rotation: theta from a binary64 estimate of the null direction of C = [p' x] M (any theta gives a valid
  // reduction; this one puts the near-kink line on y_2 = 0). cos and sin come from Arb, so R encloses an exact
  // rotation and the Gaussian law of y = R^T x is exactly N(0, I).
  double Cm[3][2];
  {
    I mc0[3], mc1[3], o0[3], o1[3];
    for (int i = 0; i < 3; ++i) {
      mc0[i] = M[i][0];
      mc1[i] = M[i][1];
    }
    cross(r.pp, mc0, o0);
    cross(r.pp, mc1, o1);
    for (int i = 0; i < 3; ++i) {
      Cm[i][0] = median(o0[i]);
      Cm[i][1] = median(o1[i]);
    }
  }
  double a = 0, b = 0, cc = 0;
  for (int i = 0; i < 3; ++i) {
    a += Cm[i][0] * Cm[i][0];
    b += Cm[i][0] * Cm[i][1];
    cc += Cm[i][1] * Cm[i][1];
  }
  const double lmb = 0.5 * (a + cc) - std::hypot(0.5 * (a - cc), b);
  double k1 = b, k2 = lmb - a;
  if (std::hypot(lmb - cc, b) > std::hypot(k1, k2)) {
    k1 = lmb - cc;
    k2 = b;
  }
  if (k1 < 0 || (k1 == 0 && k2 < 0)) {
    k1 = -k1;
    k2 = -k2;
  }
  const double theta = (k1 == 0 && k2 == 0) ? 0.0 : std::atan2(k2, k1);
  I ct(1.0), st(0.0);
  if (theta != 0) {
    Ball t, s, co;
    arb_set_d(t, theta);
    arb_sin_cos(s, co, t, kPrec);
    ct = hull(co.get());
    st = hull(s.get());
  }
  r.ct = ct;
  r.st = st;
  const I R[2][2] = {{ct, -st}, {st, ct}};
  for (int i = 0; i < 3; ++i)
    for (int col = 0; col < 2; ++col) r.Mp[i][col] = M[i][0] * R[0][col] + M[i][1] * R[1][col];
  {
    I m0[3], m1[3], o0[3], o1[3];
    for (int i = 0; i < 3; ++i) {
      m0[i] = r.Mp[i][0];
      m1[i] = r.Mp[i][1];
    }
    cross(r.pp, m0, o0);
    cross(r.pp, m1, o1);
    for (int i = 0; i < 3; ++i) {
      r.Cp[i][0] = o0[i];
      r.Cp[i][1] = o1[i];
    }
  }
  const I ks = enclose_q(law.k) / sigma;
  r.kap[0] = ks * ct;
  r.kap[1] = -ks * st;
  r.gnorm = sqrt(square(r.Cp[0][1]) + square(r.Cp[1][1]) + square(r.Cp[2][1]));
  r.enorm = sqrt(I(mag_up(r.Cp[0][0])) * I(mag_up(r.Cp[0][0])) + I(mag_up(r.Cp[1][0])) * I(mag_up(r.Cp[1][0])) +
                 I(mag_up(r.Cp[2][0])) * I(mag_up(r.Cp[2][0])))
                .upper();
  // lambda_min(M'^T M') >= det / trace (both eigenvalues are >= 0 and the larger is at most the trace).
  I g00(0.0), g01(0.0), g11(0.0);
  for (int i = 0; i < 3; ++i) {
    g00 += square(r.Mp[i][0]);
    g01 += r.Mp[i][0] * r.Mp[i][1];
    g11 += square(r.Mp[i][1]);
  }
  const I det = g00 * g11 - square(g01), tr = g00 + g11;
  r.lam = det.lower() > 0 ? (det / tr).lower() : 0.0;
  return r;
}

// The proved error of the rank-one substitute over the whole plane: pi |C' e_1| / (s0 lambda_min)
// (LYAPND-VEC-20 (b)); +inf when lambda_min has no positive lower bound.
double rank_one_error(const Reduced& r) {
  if (!(r.lam > 0)) return kInf;
  return (I(kPiUp) * I(r.enorm) / (r.s0 * I(r.lam))).upper();
}

// The forms at an interval point (or box) y: z = M' y, |z|^2, m, and C' y.
struct Forms {
  I z2, m, cy2, y2;
};
Forms forms(const Reduced& r, const I& y1, const I& y2) {
  Forms f;
  I z[3], cy[3];
  for (int i = 0; i < 3; ++i) {
    z[i] = r.Mp[i][0] * y1 + r.Mp[i][1] * y2;
    cy[i] = r.Cp[i][0] * y1 + r.Cp[i][1] * y2;
  }
  f.z2 = square(z[0]) + square(z[1]) + square(z[2]);
  const I pz = r.pp[0] * z[0] + r.pp[1] * z[1] + r.pp[2] * z[2];
  f.m = -pz / (r.s0 * f.z2) - (r.kap[0] * y1 + r.kap[1] * y2);
  f.cy2 = square(cy[0]) + square(cy[1]) + square(cy[2]);
  f.y2 = y2;
  return f;
}

// F(m, r^2) for every m in `m` and r >= 0 in `r` from one closed-form evaluation at a binary64 point and the
// Lipschitz bound |dF| <= sqrt(2 pi) (|dm| + |dr|) (LYAPND-VEC-20 (a)).
I f_lipschitz(const I& m, const I& r, std::size_t& evals) {
  if (!std::isfinite(m.lower()) || !std::isfinite(m.upper()) || !std::isfinite(r.upper())) return whole();
  const double mm = median(m);
  const double rm = std::max(0.0, median(r));
  const double sm = rm * rm;
  const I rstar = sqrt(I(sm));  // the exact sqrt(sm) lies in it
  const double dm = mag_up(m - I(mm)), dr = mag_up(r - rstar);
  ++evals;
  const I f = log_quadratic_mean(mm, sm);
  const double e = (I(kSqrt2PiUp) * (I(dm) + I(dr))).upper();
  return f + I(-e, e);
}

// Gamma (rank_one = false) or the rank-one substitute Gamma_1 (true) at an interval point y.
I gamma_at(const Reduced& r, const I& y1, const I& y2, bool rank_one, std::size_t& evals) {
  const Forms f = forms(r, y1, y2);
  if (!(f.z2.lower() > 0)) return whole();
  const I den = r.s0 * f.z2;
  const I rr = rank_one ? r.gnorm * abs(y2) / den : sqrt(f.cy2) / den;
  return r.two_log_c + log(square(r.s0) * f.z2) + f_lipschitz(f.m, rr, evals);
}

// The box enclosure of the true Gamma over the cell [y1] x [y2] (LYAPND-VEC-15, -14 (b)).
I gamma_box(const Reduced& r, const I& y1, const I& y2, std::size_t& evals) {
  const Forms f = forms(r, y1, y2);
  if (!(f.z2.lower() > 0)) return whole();
  const I nu = f.cy2 / (square(r.s0) * square(f.z2));
  evals += 2;
  return r.two_log_c + log(square(r.s0) * f.z2) + log_quadratic_mean_box(f.m, nu);
}

// phi(y) = exp(-y^2/2)/sqrt(2 pi) over the interval y.
I phi(const I& y) {
  Ball b, t;
  exact::set_interval_d(b, y.lower(), y.upper(), kPrec);
  arb_sqr(b, b, kPrec);
  arb_mul_2exp_si(b, b, -1);
  arb_neg(b, b);
  arb_exp(b, b, kPrec);
  arb_const_pi(t, kPrec);
  arb_mul_2exp_si(t, t, 1);
  arb_rsqrt(t, t, kPrec);
  arb_mul(b, b, t, kPrec);
  return hull(b.get());
}

// P(a <= y <= b) for y ~ N(0, 1).
I prob(double a, double b) {
  Ball s, x, y;
  arb_sqrt_ui(s, 2, kPrec);
  arb_set_d(x, a);
  arb_div(x, x, s, kPrec);
  arb_hypgeom_erf(x, x, kPrec);
  arb_set_d(y, b);
  arb_div(y, y, s, kPrec);
  arb_hypgeom_erf(y, y, kPrec);
  arb_sub(y, y, x, kPrec);
  arb_mul_2exp_si(y, y, -1);
  const I p = hull(y.get());
  return I(std::max(0.0, p.lower()), std::max(0.0, p.upper()));
}

// An upper bound of |Phi(zeta)| over the complex ball zeta, Phi the entire continuation of E log(zeta - eps):
// log(1.8 + |zeta|) + 1.6 + pi, plus pi |erfc(zeta/sqrt 2)| where the ball reaches Im zeta < 0 (LYAPND-VEC-19 (b)).
double phi_bound(const acb_t zeta) {
  if (!acb_is_finite(zeta)) return kInf;
  Ball a, t;
  acb_abs(a, zeta, kPrec);
  arb_set_d(t, 1.8);
  arb_add(a, a, t, kPrec);
  arb_log(a, a, kPrec);
  arb_set_d(t, 1.6);
  arb_add(a, a, t, kPrec);
  arb_const_pi(t, kPrec);
  arb_add(a, a, t, kPrec);
  I b(hull(a.get()).upper());
  if (!arb_is_nonnegative(acb_imagref(zeta))) {
    Cx w, e;
    arb_sqrt_ui(t, 2, kPrec);
    acb_div_arb(w.z, zeta, t, kPrec);
    acb_hypgeom_erfc(e.z, w.z, kPrec);
    acb_abs(a, e.z, kPrec);
    arb_const_pi(t, kPrec);
    arb_mul(a, a, t, kPrec);
    b += I(hull(a.get()).upper());
  }
  return b.upper();
}

// An upper bound of |f(y)| = |Gamma(y) phi(y_1) phi(y_2)| (Gamma_1 for the rank-one substitute) for y_j in the
// complex box [a_j - rho, b_j + rho] + i [-rho, rho] and y_o real in the other side of the cell, through the analytic
// continuation of the closed form; +inf when the continuation is not shown analytic there. Proof: LYAPND-VEC-19.
double disc_bound(const Reduced& rd, bool rank_one, const I* Y, int j, double rho) {
  Cx y[2];
  const I re = Y[j] + I(-rho, rho);
  exact::set_interval_d(acb_realref(y[j].z), re.lower(), re.upper(), kPrec);
  exact::set_interval_d(acb_imagref(y[j].z), -rho, rho, kPrec);
  exact::set_interval_d(acb_realref(y[1 - j].z), Y[1 - j].lower(), Y[1 - j].upper(), kPrec);
  arb_zero(acb_imagref(y[1 - j].z));
  Ball t;
  Cx z[3], cy[3], tmp, z2, pz, m, r;
  for (int i = 0; i < 3; ++i) {
    set_ball(t, rd.Mp[i][0]);
    acb_mul_arb(z[i].z, y[0].z, t, kPrec);
    set_ball(t, rd.Mp[i][1]);
    acb_mul_arb(tmp.z, y[1].z, t, kPrec);
    acb_add(z[i].z, z[i].z, tmp.z, kPrec);
    set_ball(t, rd.Cp[i][0]);
    acb_mul_arb(cy[i].z, y[0].z, t, kPrec);
    set_ball(t, rd.Cp[i][1]);
    acb_mul_arb(tmp.z, y[1].z, t, kPrec);
    acb_add(cy[i].z, cy[i].z, tmp.z, kPrec);
    acb_mul(tmp.z, z[i].z, z[i].z, kPrec);  // no conjugation: the real polynomial, continued
    acb_add(z2.z, z2.z, tmp.z, kPrec);
    set_ball(t, rd.pp[i]);
    acb_mul_arb(tmp.z, z[i].z, t, kPrec);
    acb_add(pz.z, pz.z, tmp.z, kPrec);
  }
  if (!arb_is_positive(acb_realref(z2.z))) return kInf;  // Re alpha > 0: Log alpha and 1/alpha analytic
  Cx den;  // s0 |z|^2
  set_ball(t, rd.s0);
  acb_mul_arb(den.z, z2.z, t, kPrec);
  acb_div(m.z, pz.z, den.z, kPrec);
  acb_neg(m.z, m.z);
  for (int i = 0; i < 2; ++i) {
    set_ball(t, rd.kap[i]);
    acb_mul_arb(tmp.z, y[i].z, t, kPrec);
    acb_sub(m.z, m.z, tmp.z, kPrec);
  }
  if (rank_one) {
    // r_1 = sigma_side |g| y_2 / (s0 |z|^2): the cell lies on one side of y_2 = 0 (LYAPND-VEC-20 (b)).
    const double side = Y[1].lower() >= 0 ? 1.0 : -1.0;
    if (Y[1].lower() < 0 && Y[1].upper() > 0) return kInf;
    set_ball(t, rd.gnorm * I(side));
    acb_mul_arb(r.z, y[1].z, t, kPrec);
    acb_div(r.z, r.z, den.z, kPrec);
  } else {
    Cx D;
    for (int i = 0; i < 3; ++i) {
      acb_mul(tmp.z, cy[i].z, cy[i].z, kPrec);
      acb_add(D.z, D.z, tmp.z, kPrec);
    }
    if (arb_is_positive(acb_realref(D.z))) {
      acb_sqrt(r.z, D.z, kPrec);  // principal branch, analytic on Re D > 0, >= 0 on the real points
    } else {
      // y_2 sigma sqrt(Q(y_1 / y_2)), Q(tau) = |C' e_2 + tau C' e_1|^2 (continued): analytic where Re y_2 keeps the
      // sign sigma and Re Q > 0, and equal to |C' y| on the real points.
      const arb_struct* ry2 = acb_realref(y[1].z);
      const bool pos = arb_is_positive(ry2), neg = arb_is_negative(ry2);
      if (!pos && !neg) return kInf;
      Cx tau, Q, q;
      acb_div(tau.z, y[0].z, y[1].z, kPrec);
      for (int i = 0; i < 3; ++i) {
        set_ball(t, rd.Cp[i][0]);
        acb_mul_arb(q.z, tau.z, t, kPrec);
        set_ball(t, rd.Cp[i][1]);
        acb_add_arb(q.z, q.z, t, kPrec);
        acb_mul(q.z, q.z, q.z, kPrec);
        acb_add(Q.z, Q.z, q.z, kPrec);
      }
      if (!arb_is_positive(acb_realref(Q.z))) return kInf;
      acb_sqrt(r.z, Q.z, kPrec);
      acb_mul(r.z, r.z, y[1].z, kPrec);
      if (neg) acb_neg(r.z, r.z);
    }
    acb_div(r.z, r.z, den.z, kPrec);
  }
  // |Gamma| <= |2 log c| + |log|alpha|| + pi/2 + |Phi(m + i r)| + |Phi(conj(m - i r))|.
  Cx zeta, zstar, al;
  acb_mul_onei(tmp.z, r.z);
  acb_add(zeta.z, m.z, tmp.z, kPrec);
  acb_sub(zstar.z, m.z, tmp.z, kPrec);
  acb_conj(zstar.z, zstar.z);
  set_ball(t, square(rd.s0));
  acb_mul_arb(al.z, z2.z, t, kPrec);
  Ball aa, lo, hi;
  acb_abs(aa, al.z, kPrec);
  arf_t l, h;
  arf_init(l);
  arf_init(h);
  arb_get_lbound_arf(l, aa, kPrec);
  arb_get_ubound_arf(h, aa, kPrec);
  arb_set_arf(lo, l);
  arb_set_arf(hi, h);
  arf_clear(l);
  arf_clear(h);
  if (!arb_is_positive(lo) || !arb_is_finite(hi)) return kInf;
  arb_log(lo, lo, kPrec);
  arb_log(hi, hi, kPrec);
  const double log_alpha = std::max(mag_up(hull(lo.get())), mag_up(hull(hi.get())));
  const I gam = I(mag_up(rd.two_log_c)) + I(log_alpha) + I(kPiUp) / I(2.0) + I(phi_bound(zeta.z)) +
                I(phi_bound(zstar.z));
  if (!std::isfinite(gam.upper())) return kInf;
  // |phi(s + i t) phi(y_o)| = exp((t^2 - s^2 - y_o^2)/2) / (2 pi) <= exp((rho^2 - min s^2 - min y_o^2)/2) / (2 pi).
  const double sq_j = square(re).lower(), sq_o = square(Y[1 - j]).lower();
  Ball e;
  arb_set_d(e, rho);
  arb_sqr(e, e, kPrec);
  arb_set_d(t, sq_j);
  arb_sub(e, e, t, kPrec);
  arb_set_d(t, sq_o);
  arb_sub(e, e, t, kPrec);
  arb_mul_2exp_si(e, e, -1);
  arb_exp(e, e, kPrec);
  arb_const_pi(t, kPrec);
  arb_mul_2exp_si(t, t, 1);
  arb_div(e, e, t, kPrec);
  return (gam * I(hull(e.get()).upper())).upper();
}

struct Rule {
  std::vector<I> t, w;  // nodes and weights on [-1, 1]
  double en = 0;        // (n!)^4 / ((2n + 1) ((2n)!)^2), rounded up
  int n = 0;
};

Rule make_rule(int n) {
  Rule r;
  r.n = n;
  Ball x, w;
  for (int k = 0; k < n; ++k) {
    arb_hypgeom_legendre_p_ui_root(x, w, static_cast<ulong>(n), static_cast<ulong>(k), kPrec);
    r.t.push_back(hull(x.get()));
    r.w.push_back(hull(w.get()));
  }
  Ball a, b;
  arb_fac_ui(a, static_cast<ulong>(n), kPrec);
  arb_pow_ui(a, a, 4, kPrec);
  arb_fac_ui(b, static_cast<ulong>(2 * n), kPrec);
  arb_sqr(b, b, kPrec);
  arb_mul_ui(b, b, static_cast<ulong>(2 * n + 1), kPrec);
  arb_div(a, a, b, kPrec);
  r.en = hull(a.get()).upper();
  return r;
}

// e_n w ((w / rho)^(2n)), rounded up.
I rule_factor(const Rule& rule, double w, double rho) {
  I q = I(w) / I(rho), p(1.0);
  for (int i = 0; i < 2 * rule.n; ++i) p *= q;
  return I(rule.en) * I(w) * p;
}

struct Cell {
  double a, b, c, d;
  int depth;
};

}  // namespace

fast::OutwardInterval vec_log_form_reduced(const laws::VectorSaddle& law, const std::array<std::array<double, 3>, 3>& G,
                                           const std::array<double, 3>& v, double x1, double x2) {
  // Proof: LYAPND-VEC-18 (the reduction), LYAPND-VEC-20 (a) (the Lipschitz bound around one evaluation of F).
  const Reduced r = reduce(law, G, v);
  // y = R^T x with R enclosed (y_1 = cos x_1 + sin x_2, y_2 = -sin x_1 + cos x_2): the enclosure contains R_theta^T x
  // for the exact rotation, at which the reduced forms take the values of Gamma(x).
  const I y1 = r.ct * I(x1) + r.st * I(x2), y2 = r.ct * I(x2) - r.st * I(x1);
  std::size_t evals = 0;
  return gamma_at(r, y1, y2, false, evals);
}

VecLogFormResult vec_log_form_mean(const laws::VectorSaddle& law, const std::array<std::array<double, 3>, 3>& G,
                                   double lmin, double lmax, const std::array<double, 3>& v,
                                   const VecLogFormOptions& opt) {
  // Proof: LYAPND-VEC-18 .. -20.
  if (!(opt.L > 0) || !std::isfinite(opt.L) || !(opt.cell > 0) || opt.nodes < 2 || opt.nodes > 40 ||
      opt.max_depth < 0 || !(opt.cell_tol > 0) || !(opt.rank1_tol >= 0))
    throw InputError("vec_log_form_mean: bad options");
  if (!(lmin > 0) || !(lmax >= lmin) || !std::isfinite(lmax))
    throw InputError("vec_log_form_mean needs 0 < lmin <= lmax bounding the eigenvalues of G");
  const Reduced rd = reduce(law, G, v);
  VecLogFormResult res;
  const double r1err = rank_one_error(rd);
  const bool rank_one = r1err <= opt.rank1_tol;
  res.rank_one = rank_one;
  // |log |v|^2| covers the rounding of v off the unit sphere in the bounds that assume |v| = 1 (LYAPND-VEC-16).
  const I vn = I(v[0]) * I(v[0]) + I(v[1]) * I(v[1]) + I(v[2]) * I(v[2]);
  const double lognorm = mag_up(log(vn));
  const double n2 = (I(vec_log_form_l2_bound(law, lmin, lmax)) + I(lognorm)).upper();
  const Rule rule = make_rule(opt.nodes);

  // The grid: an even number of cells per side, so y_2 = 0 (and y_1 = 0) is an edge (LYAPND-VEC-20 (c)).
  const std::size_t half = static_cast<std::size_t>(std::max(1.0, std::ceil(opt.L / opt.cell)));
  const std::size_t n0 = 2 * half;
  const double h = opt.L / static_cast<double>(half);
  std::vector<double> edge(n0 + 1);
  for (std::size_t i = 0; i <= n0; ++i) edge[i] = (static_cast<double>(i) - static_cast<double>(half)) * h;
  const double Leff = std::min(-edge[0], edge[n0]);
  std::vector<Cell> stack;
  for (std::size_t i = 0; i < n0; ++i)
    for (std::size_t j = 0; j < n0; ++j) stack.push_back({edge[i], edge[i + 1], edge[j], edge[j + 1], 0});

  I total(0.0);
  std::size_t visited = 0;
  while (!stack.empty()) {
    if (++visited > opt.max_cells) {
      res.value = whole();
      return res;
    }
    const Cell cl = stack.back();
    stack.pop_back();
    const I Y[2] = {I(cl.a, cl.b), I(cl.c, cl.d)};
    const I pc = prob(cl.a, cl.b) * prob(cl.c, cl.d);
    const bool at_origin = cl.a <= 0 && 0 <= cl.b && cl.c <= 0 && 0 <= cl.d;
    const bool last = cl.depth >= opt.max_depth;
    double bis[2] = {kInf, kInf};  // the rule's error shares, for the choice of the bisection direction
    if (at_origin) {
      // Gamma is not analytic (alpha = 0) at x = 0: the L^2 bound of LYAPND-VEC-16 on the cell.
      const double b = (I(n2) * sqrt(I(pc.upper()))).upper();
      if (b <= opt.origin_tol || last) {
        total += I(-b, b);
        ++res.l2_cells;
        continue;
      }
    } else {
      // The box enclosure (cheap: two evaluations of F), then the rule.
      const I part = pc * gamma_box(rd, Y[0], Y[1], res.evaluations);
      const bool box_ok = std::isfinite(part.lower()) && std::isfinite(part.upper());
      if (box_ok && part.upper() - part.lower() <= opt.cell_tol) {
        total += part;
        ++res.box_cells;
        continue;
      }
      const double wa = cl.b - cl.a, wc = cl.d - cl.c;
      // LYAPND-VEC-19 (c): err_1 + err_2 with err_1 = e_n w_1 (w_1/rho_1)^(2n) w_2 M_1 and
      // err_2 = w_1 e_n w_2 (w_2/rho_2)^(2n) M_2, each rho_j = w_j or w_j / 2, whichever gives the smaller bound.
      double ej[2] = {kInf, kInf};
      for (int j = 0; j < 2; ++j) {
        const double wj = j == 0 ? wa : wc, wo = j == 0 ? wc : wa;
        for (const double f : {1.0, 0.5}) {
          const double mj = disc_bound(rd, rank_one, Y, j, f * wj);
          if (!std::isfinite(mj)) continue;
          ej[j] = std::min(ej[j], (rule_factor(rule, wj, f * wj) * I(wo) * I(mj)).upper());
          if (ej[j] <= 0.5 * opt.cell_tol) break;
        }
      }
      const double err = (I(ej[0]) + I(ej[1])).upper();
      bis[0] = ej[0];
      bis[1] = ej[1];
      if (err <= opt.cell_tol) {
        const I ha = I(wa) / I(2.0), hc = I(wc) / I(2.0);
        const I ma = I(cl.a) + ha, mc = I(cl.c) + hc;
        std::vector<I> yb(rule.t.size()), wb(rule.t.size());
        for (std::size_t q = 0; q < rule.t.size(); ++q) {
          yb[q] = mc + hc * rule.t[q];
          wb[q] = hc * rule.w[q] * phi(yb[q]);
        }
        I sum(0.0);
        for (std::size_t p = 0; p < rule.t.size(); ++p) {
          const I xp = ma + ha * rule.t[p], wp = ha * rule.w[p] * phi(xp);
          for (std::size_t q = 0; q < rule.t.size(); ++q)
            sum += wp * wb[q] * gamma_at(rd, xp, yb[q], rank_one, res.evaluations);
        }
        total += sum + I(-err, err);
        ++res.rule_cells;
        continue;
      }
      if (last) {
        const double b = (I(n2) * sqrt(I(pc.upper()))).upper();
        if (box_ok && part.upper() - part.lower() <= 2 * b) {
          total += part;
          ++res.box_cells;
        } else {
          total += I(-b, b);
          ++res.l2_cells;
        }
        continue;
      }
    }
    // Bisect in the direction(s) whose share of the rule's error is too large (the analyticity radius is
    // anisotropic: alpha = s0^2 |M' y|^2 has complex zeros at a distance proportional to the other coordinate).
    const bool cut_a = at_origin || !(bis[0] <= 0.5 * opt.cell_tol) || bis[0] >= bis[1];
    const bool cut_c = at_origin || !(bis[1] <= 0.5 * opt.cell_tol) || bis[1] >= bis[0];
    const double ma = 0.5 * (cl.a + cl.b), mc = 0.5 * (cl.c + cl.d);
    if (cut_a && cut_c) {
      stack.push_back({cl.a, ma, cl.c, mc, cl.depth + 1});
      stack.push_back({ma, cl.b, cl.c, mc, cl.depth + 1});
      stack.push_back({cl.a, ma, mc, cl.d, cl.depth + 1});
      stack.push_back({ma, cl.b, mc, cl.d, cl.depth + 1});
    } else if (cut_a) {
      stack.push_back({cl.a, ma, cl.c, cl.d, cl.depth + 1});
      stack.push_back({ma, cl.b, cl.c, cl.d, cl.depth + 1});
    } else {
      stack.push_back({cl.a, cl.b, cl.c, mc, cl.depth + 1});
      stack.push_back({cl.a, cl.b, mc, cl.d, cl.depth + 1});
    }
  }
  if (rank_one && res.rule_cells > 0) {
    res.rank_one_error = r1err;
    total += I(-r1err, r1err);
  }
  // The tail beyond [-Leff, Leff]^2 (y = R^T x is N(0, I) like x).
  res.tail = (I(vec_log_form_tail(law, lmin, lmax, Leff)) + I(lognorm)).upper();
  total += I(-res.tail, res.tail);
  res.value = total;
  res.complete = true;
  return res;
}

}  // namespace lyapcert::lyapnd::internal
