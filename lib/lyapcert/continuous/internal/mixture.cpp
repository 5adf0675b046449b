#include "lyapcert/continuous/internal/mixture.hpp"

#include <acb_calc.h>
#include <acb_hypgeom.h>
#include <arb_hypgeom.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"

namespace lyapcert::continuous::internal {

namespace {

// Exact double as a ball.
void set_d(arb_t res, double d) { arb_set_d(res, d); }

// out := K u^P exp(-(u - mu)^2 inv2s2) on a complex ball (entire in u).
void weight(acb_t out, const acb_t u, const MixParam* q, slong prec) {
  acb_t t;
  acb_init(t);
  acb_sub_arb(t, u, q->g->mu, prec);
  acb_sqr(t, t, prec);
  acb_mul_arb(t, t, q->inv2s2, prec);
  acb_neg(t, t);
  acb_exp(t, t, prec);
  if (q->g->P > 0) {
    acb_t w;
    acb_init(w);
    acb_pow_ui(w, u, static_cast<ulong>(q->g->P), prec);
    acb_mul(t, t, w, prec);
    acb_clear(w);
  }
  acb_mul_arb(out, t, q->g->K, prec);
  acb_clear(t);
}

// m(u) = a + c1 u + c2 u^2 on a complex ball.
void m_of_u(acb_t m, const acb_t u, const HalfLineMixture* g, slong prec) {
  acb_t t;
  acb_init(t);
  acb_mul_arb(t, u, g->c2, prec);
  acb_add_arb(t, t, g->c1, prec);
  acb_mul(t, t, u, prec);
  acb_add_arb(m, t, g->a, prec);
  acb_clear(t);
}

// Real evaluation is used on (nearly) point real balls with positive real part; everything else
// (complex ellipse boxes, wide direct-evaluation balls) gets an analytic enclosure.
bool point_real(const acb_t u, slong prec) {
  return arb_is_zero(acb_imagref(u)) && arb_is_positive(acb_realref(u)) &&
         arb_rel_accuracy_bits(acb_realref(u)) > prec / 2;
}

// Proof: CONT-XY-1. out := an enclosure of log(e u) - (gamma + log 2)/2 + H(x) on the ball u
// (Re u > 0 certified), via |H(x)| <= e^X (2 + 2 log(1 + |x|/2)), X = max(0, -Re x).
bool g_enclosure_ratio(acb_t out, const acb_t u, const MixParam* q, slong prec);

void g_enclosure(acb_t out, const acb_t u, const MixParam* q, slong prec) {
  if (g_enclosure_ratio(out, u, q, prec)) return;
  const HalfLineMixture* g = q->g;
  acb_t m, t, x;
  acb_init(m);
  acb_init(t);
  acb_init(x);
  m_of_u(m, u, g, prec);
  acb_mul_arb(t, u, g->e, prec);
  acb_div(x, m, t, prec);
  acb_sqr(x, x, prec);
  acb_mul_2exp_si(x, x, -1);
  Ball X, ax, bnd;
  arb_neg(X, acb_realref(x));
  {
    arf_t up;
    arf_init(up);
    arb_get_ubound_arf(up, X, prec);  // max(0, -Re x) <= max(0, upper(-Re x))
    if (arf_sgn(up) < 0) arf_zero(up);
    arb_set_arf(X, up);
    arf_clear(up);
  }
  acb_abs(ax, x, prec);
  if (!arb_is_finite(X) || !arb_is_finite(ax) || arf_cmpabs_2exp_si(arb_midref(X.get()), 20) > 0) {
    acb_indeterminate(out);
  } else {
    arb_mul_2exp_si(ax, ax, -1);
    arb_log1p(ax, ax, prec);
    arb_mul_2exp_si(ax, ax, 1);
    arb_add_ui(ax, ax, 2, prec);
    arb_exp(bnd, X, prec);
    arb_mul(bnd, bnd, ax, prec);
    acb_log(out, t, prec);
    acb_add_arb(out, out, q->cst, prec);
    mag_t mm;
    mag_init(mm);
    arb_get_mag(mm, bnd);
    arb_add_error_mag(acb_realref(out), mm);
    arb_add_error_mag(acb_imagref(out), mm);
    mag_clear(mm);
  }
  acb_clear(m);
  acb_clear(t);
  acb_clear(x);
}

// Proof: CONT-XY-4. Upper bound of |G(m, v) - Phi| with Phi = int_{|z| <= Z} log|m + v z| phi(z) dz:
// |log v| 2 phi(Z)/Z + 2 phi(Z) (2 + log(1 + |m/v|)/Z)  (CONT-QUAD-1).
void phi_gap(mag_t res, const arb_t m, const arb_t v, const arb_t Z, slong prec) {
  Ball c, t, l;
  arb_div(c, m, v, prec);
  log_tail_bound(res, c, Z, prec);
  normal_pdf(t, Z, prec);
  arb_mul_2exp_si(t, t, 1);
  arb_div(t, t, Z, prec);
  arb_log(l, v, prec);
  arb_abs(l, l);
  arb_mul(t, t, l, prec);
  mag_t m2;
  mag_init(m2);
  arb_get_mag(m2, t);
  mag_add(res, res, m2);
  mag_clear(m2);
}

// Proof: CONT-XY-4. On a ball u with real centre uc, mc = m(uc) != 0: if |m(u) - mc| <= |mc|/4 and
// |e u| Z <= |mc|/4 on the ball, then Phi is holomorphic there and |Phi| <= max(|log(|mc|/2)|,
// |log(3|mc|/2)|) + pi/2; on real balls also |G| <= that + 1 (x >= 1 there). out := that disc.
bool phi_disc(acb_t out, const acb_t u, const MixParam* q, slong prec) {
  const HalfLineMixture* g = q->g;
  acb_t uc, mu, t;
  acb_init(uc);
  acb_init(mu);
  acb_init(t);
  arb_set_arf(acb_realref(uc), arb_midref(acb_realref(u)));
  m_of_u(t, uc, g, prec);
  Ball mc, a4, d, ez;
  arb_abs(mc, acb_realref(t));
  bool ok = arb_is_positive(mc);
  if (ok) {
    arb_mul_2exp_si(a4, mc, -2);
    m_of_u(mu, u, g, prec);
    acb_sub(mu, mu, t, prec);
    acb_abs(d, mu, prec);
    acb_mul_arb(t, u, g->e, prec);
    acb_abs(ez, t, prec);
    arb_mul(ez, ez, q->Z, prec);
    ok = arb_le(d, a4) && arb_le(ez, a4);
  }
  if (ok) {
    Ball l1, l2, r;
    arb_mul_2exp_si(l1, mc, -1);
    arb_log(l1, l1, prec);
    arb_abs(l1, l1);
    arb_mul_ui(l2, mc, 3, prec);
    arb_mul_2exp_si(l2, l2, -1);
    arb_log(l2, l2, prec);
    arb_abs(l2, l2);
    arb_max(r, l1, l2, prec);
    arb_const_pi(l1, prec);
    arb_mul_2exp_si(l1, l1, -1);
    arb_add(r, r, l1, prec);
    arb_add_ui(r, r, 1, prec);
    mag_t bm;
    mag_init(bm);
    arb_get_mag(bm, r);
    acb_zero(out);
    arb_add_error_mag(acb_realref(out), bm);
    if (!arb_is_zero(acb_imagref(u))) arb_add_error_mag(acb_imagref(out), bm);
    mag_clear(bm);
  }
  acb_clear(uc);
  acb_clear(mu);
  acb_clear(t);
  return ok;
}

// Proof: CONT-XY-1 (ratio form). With uc the real centre of the ball, rho >= |u - uc|, r = rho/uc,
// mc = m(uc), xc = mc^2/(2 e^2 uc^2): x(u) = xc (m(u)/mc)^2 (uc/u)^2. With e1 >= |m(u) - mc|/|mc|:
// |arg(m/mc)| <= asin e1 <= pi e1/2, |arg(uc/u)| <= asin r <= pi r/2, so e1 + r <= 1/2 gives
// |arg x| <= pi/2 (Re x >= 0), and |x| <= xc (1 + e1)^2/(1 - r)^2; then |H| <= 2 + 2 log(1 + |x|/2).
bool g_enclosure_ratio(acb_t out, const acb_t u, const MixParam* q, slong prec) {
  const HalfLineMixture* g = q->g;
  acb_t uc, mc, dm;
  acb_init(uc);
  acb_init(mc);
  acb_init(dm);
  arb_set_arf(acb_realref(uc), arb_midref(acb_realref(u)));
  m_of_u(mc, uc, g, prec);
  Ball rho, e1, eta, xc, t, amc;
  mag_t r;
  mag_init(r);
  mag_hypot(r, arb_radref(acb_realref(u)), arb_radref(acb_imagref(u)));
  {  // also the distance of the midpoint from the real centre (imaginary midpoint)
    mag_t im;
    mag_init(im);
    arf_get_mag(im, arb_midref(acb_imagref(u)));
    mag_add(r, r, im);
    mag_clear(im);
  }
  arf_set_mag(arb_midref(rho.get()), r);
  mag_clear(r);
  bool ok = false;
  arb_abs(amc, acb_realref(mc));
  arb_sub(t, acb_realref(uc), rho, prec);
  if (arb_is_positive(amc) && arb_is_positive(t)) {
    m_of_u(dm, u, g, prec);
    acb_sub(dm, dm, mc, prec);
    acb_abs(e1, dm, prec);
    arb_div(e1, e1, amc, prec);
    // r = rho/uc; arg condition e1 + r <= 1/2 gives |arg x| <= pi/2; |x| <= xc (1 + e1)^2 / (1 - r)^2
    Ball rr, half;
    arb_div(rr, rho, acb_realref(uc), prec);
    arb_add(eta, e1, rr, prec);
    arb_set_d(half, 0.5);
    if (arb_le(eta, half)) {
      arb_mul(xc, acb_realref(uc), g->e, prec);
      arb_div(xc, amc, xc, prec);
      arb_sqr(xc, xc, prec);
      arb_mul_2exp_si(xc, xc, -1);
      arb_add_ui(t, e1, 1, prec);
      arb_sqr(t, t, prec);
      arb_mul(xc, xc, t, prec);
      arb_sub_ui(t, rr, 1, prec);
      arb_sqr(t, t, prec);
      arb_div(xc, xc, t, prec);
      arb_mul_2exp_si(xc, xc, -1);
      arb_log1p(xc, xc, prec);
      arb_mul_2exp_si(xc, xc, 1);
      arb_add_ui(xc, xc, 2, prec);
      acb_mul_arb(dm, u, g->e, prec);
      acb_log(out, dm, prec);
      acb_add_arb(out, out, q->cst, prec);
      mag_t mm;
      mag_init(mm);
      arb_get_mag(mm, xc);
      arb_add_error_mag(acb_realref(out), mm);
      arb_add_error_mag(acb_imagref(out), mm);
      mag_clear(mm);
      ok = arb_is_finite(xc);
    }
  }
  acb_clear(uc);
  acb_clear(mc);
  acb_clear(dm);
  return ok;
}

// Proof: CONT-XY-1 (strip form, u = 2^s). sc = real centre of the s ball, uc = 2^sc, mc = m(uc) != 0,
// e1 >= |m(u) - mc|/|mc| < 1. Then arg x = 2 arg(m/mc) - 2 ln2 Im s, so Re x >= 0 when
// pi e1 + 2 ln2 sup|Im s| <= pi/2 (asin e1 <= pi e1/2), and |x| <= xc (1 + e1)^2 4^{sup|Re s - sc|}.
bool g_enclosure_s(acb_t out, const acb_t s, const acb_t u, const MixParam* q, slong prec) {
  const HalfLineMixture* g = q->g;
  acb_t uc, mc, dm;
  acb_init(uc);
  acb_init(mc);
  acb_init(dm);
  Ball sc, l2, e1, th, t, amc, xc, bound;
  arb_set_arf(sc, arb_midref(acb_realref(s)));
  arb_const_log2(l2, prec);
  arb_mul(t, sc, l2, prec);
  arb_exp(acb_realref(uc), t, prec);
  m_of_u(mc, uc, g, prec);
  arb_abs(amc, acb_realref(mc));
  bool ok = false;
  if (arb_is_positive(amc)) {
    m_of_u(dm, u, g, prec);
    acb_sub(dm, dm, mc, prec);
    acb_abs(e1, dm, prec);
    arb_div(e1, e1, amc, prec);
    // theta = pi e1 + 2 ln2 sup|Im s|
    Ball ims, pi;
    arb_abs(ims, acb_imagref(s));
    abs_ub(ims, ims, prec);
    arb_mul(ims, ims, l2, prec);
    arb_mul_2exp_si(ims, ims, 1);
    arb_const_pi(pi, prec);
    arb_mul(th, pi, e1, prec);
    arb_add(th, th, ims, prec);
    arb_mul_2exp_si(pi, pi, -1);
    Ball one;
    arb_one(one);
    if (arb_lt(e1, one) && arb_le(th, pi)) {
      arb_mul(xc, acb_realref(uc), g->e, prec);
      arb_div(xc, amc, xc, prec);
      arb_sqr(xc, xc, prec);
      arb_mul_2exp_si(xc, xc, -1);
      arb_add_ui(t, e1, 1, prec);
      arb_sqr(t, t, prec);
      arb_mul(xc, xc, t, prec);
      // 4^{rad}: rad of Re s around sc (midpoint) is its radius
      arb_zero(t);
      arf_set_mag(arb_midref(t.get()), arb_radref(acb_realref(s)));
      arb_mul_2exp_si(t, t, 1);
      arb_mul(t, t, l2, prec);
      arb_exp(t, t, prec);
      arb_mul(xc, xc, t, prec);
      arb_mul_2exp_si(xc, xc, -1);
      arb_log1p(bound, xc, prec);
      arb_mul_2exp_si(bound, bound, 1);
      arb_add_ui(bound, bound, 2, prec);
      acb_mul_arb(dm, u, g->e, prec);
      acb_log(out, dm, prec);
      acb_add_arb(out, out, q->cst, prec);
      mag_t mm;
      mag_init(mm);
      arb_get_mag(mm, bound);
      arb_add_error_mag(acb_realref(out), mm);
      arb_add_error_mag(acb_imagref(out), mm);
      mag_clear(mm);
      ok = arb_is_finite(bound) && arb_is_positive(acb_realref(u));
    }
  }
  acb_clear(uc);
  acb_clear(mc);
  acb_clear(dm);
  return ok;
}

int mix_integrand_u(acb_ptr out, const acb_t u, void* param, slong order, slong prec);

int mix_integrand_u(acb_ptr out, const acb_t u, void* param, slong order, slong prec) {
  auto* q = static_cast<MixParam*>(param);
  const HalfLineMixture* g = q->g;
  acb_t val, w;
  acb_init(val);
  acb_init(w);
  switch (q->mode) {
    case Mode::kLogG:
    case Mode::kMoment:
      if (point_real(u, prec)) {
        Ball m, v, r;
        arb_mul(m, acb_realref(u), g->c2, prec);
        arb_add(m, m, g->c1, prec);
        arb_mul(m, m, acb_realref(u), prec);
        arb_add(m, m, g->a, prec);
        arb_mul(v, acb_realref(u), g->e, prec);
        if (q->mode == Mode::kLogG) {
          gauss_log_abs_mean(r, m, v, prec);
          mag_t gap;
          mag_init(gap);
          phi_gap(gap, m, v, q->Z, prec);
          arb_add_error_mag(r, gap);
          mag_clear(gap);
        } else
          gauss_abs_moment(r, m, v, q->p, prec);
        acb_set_arb(val, r);
      } else if (q->mode == Mode::kLogG && phi_disc(val, u, q, prec)) {
        // enclosure of Phi (and of G on real balls)
      } else if (!arb_is_positive(acb_realref(u))) {
        acb_indeterminate(val);
      } else if (q->mode == Mode::kLogG) {
        g_enclosure(val, u, q, prec);
      } else {
        // Proof: CONT-XY-9. e^p u^p 2^{p/2} Gamma((p+1)/2)/sqrt(pi) 1F1(-p/2; 1/2; -x): holomorphic on Re u > 0.
        acb_t m, x, aa, bb, pp;
        acb_init(m);
        acb_init(x);
        acb_init(aa);
        acb_init(bb);
        acb_init(pp);
        m_of_u(m, u, g, prec);
        acb_mul_arb(x, u, g->e, prec);
        acb_div(x, m, x, prec);
        acb_sqr(x, x, prec);
        acb_mul_2exp_si(x, x, -1);
        acb_neg(x, x);
        acb_set_arb(aa, q->p);
        acb_mul_2exp_si(aa, aa, -1);
        acb_neg(aa, aa);
        acb_set_d(bb, 0.5);
        acb_hypgeom_1f1(val, aa, bb, x, 0, prec);
        acb_set_arb(pp, q->p);
        acb_pow_analytic(m, u, pp, order != 0, prec);
        acb_mul(val, val, m, prec);
        if (!acb_is_real(u)) {
          // Proof: CONT-XY-10. Complex box: with w = -x, Kummer's 1F1(-p/2; 1/2; -w) = e^{-w} 1F1((1+p)/2; 1/2; w)
          // and positive coefficients give |u^p 1F1(...)| <= |u|^p e^{-Re w} 1F1((1+p)/2; 1/2; |w|) -- the same
          // size as on the real axis when Im w is small, where Arb's box evaluation of 1F1 is far wider.
          const slong bp = 64;
          Ball wre, wabs, f, al, be, up, bnd;
          arb_neg(wre, acb_realref(x));
          arb_get_lbound_arf(arb_midref(wre.get()), wre, bp);
          mag_zero(arb_radref(wre.get()));
          acb_abs(wabs, x, bp);
          arb_get_ubound_arf(arb_midref(wabs.get()), wabs, bp);
          mag_zero(arb_radref(wabs.get()));
          arb_add_ui(al, q->p, 1, bp);
          arb_mul_2exp_si(al, al, -1);
          arb_set_d(be, 0.5);
          arb_hypgeom_1f1(f, al, be, wabs, 0, bp);
          arb_neg(wre, wre);
          arb_exp(wre, wre, bp);
          arb_mul(f, f, wre, bp);
          acb_abs(up, u, bp);
          arb_pow(up, up, q->p, bp);
          arb_mul(bnd, f, up, bp);
          mag_t mb, ma;
          mag_init(mb);
          mag_init(ma);
          arb_get_mag(mb, bnd);
          acb_get_mag(ma, val);
          if (arb_is_finite(bnd) && !(mag_cmp(ma, mb) <= 0)) {  // keep the smaller enclosure
            acb_zero(val);
            arb_add_error_mag(acb_realref(val), mb);
            arb_add_error_mag(acb_imagref(val), mb);
          }
          mag_clear(mb);
          mag_clear(ma);
        }
        acb_mul_arb(val, val, q->cst, prec);
        acb_clear(m);
        acb_clear(x);
        acb_clear(aa);
        acb_clear(bb);
        acb_clear(pp);
      }
      break;
    case Mode::kLogQuad:
      m_of_u(val, u, g, prec);
      if (q->sign < 0) acb_neg(val, val);
      acb_log_analytic(val, val, order != 0, prec);
      break;
    case Mode::kPowPiece: {
      m_of_u(val, u, g, prec);
      if (q->sign < 0) acb_neg(val, val);
      acb_t pp;
      acb_init(pp);
      acb_set_arb(pp, q->p);
      acb_pow_analytic(val, val, pp, order != 0, prec);
      acb_clear(pp);
      break;
    }
    case Mode::kNearRoot:  // log|c2| + log(u + u0)
      acb_add_arb(val, u, q->u0, prec);
      acb_log_analytic(val, val, order != 0, prec);
      acb_add_arb(val, val, q->cst, prec);
      break;
  }
  weight(w, u, q, prec);
  acb_mul(out, val, w, prec);
  acb_clear(val);
  acb_clear(w);
  return 0;
}

// ---- double-precision planning helpers (heuristic; every bound is recomputed in ball arithmetic) ----
struct Plan {
  double logK, mu, s, P, ln_e;
};

// Mode of u^P exp(-(u - mu)^2/(2 s^2)) on u >= 0.
double weight_mode(const Plan& pl) {
  return 0.5 * (pl.mu + std::sqrt(pl.mu * pl.mu + 4.0 * pl.P * pl.s * pl.s));
}

// sup over u in [lo, hi] of exp(-(u - mu)^2/(2 s^2)) (upper bound).
void gauss_sup(arb_t res, const HalfLineMixture& g, const arb_t lo, const arb_t hi, slong prec) {
  Ball d, t;
  arb_sub(d, lo, g.mu, prec);  // lo - mu
  arb_sub(t, g.mu, hi, prec);  // mu - hi
  arb_max(d, d, t, prec);      // distance if positive
  Ball zero;
  arb_max(d, d, zero, prec);
  arf_t lb;
  arf_init(lb);
  arb_get_lbound_arf(lb, d, prec);
  if (arf_sgn(lb) < 0) arf_zero(lb);
  arb_set_arf(d, lb);
  arf_clear(lb);
  arb_sqr(d, d, prec);
  arb_sqr(t, g.s, prec);
  arb_div(d, d, t, prec);
  arb_mul_2exp_si(d, d, -1);
  arb_neg(d, d);
  arb_exp(res, d, prec);
}

// Proof: CONT-XY-2. A0 = |log e| + 2.64 + 2 log(1 + X0), X0 = (|a| + |c1| L + |c2| L^2)^2 / (4 e^2):
// |G(m(u), e u)| <= A0 + 5 |log u| on (0, L].
void head_a0(arb_t A0, const HalfLineMixture& g, const arb_t L, slong prec) {
  Ball mh, t;
  abs_ub(mh, g.a, prec);
  abs_ub(t, g.c1, prec);
  arb_addmul(mh, t, L, prec);
  abs_ub(t, g.c2, prec);
  arb_mul(t, t, L, prec);
  arb_addmul(mh, t, L, prec);
  arb_div(mh, mh, g.e, prec);
  arb_sqr(mh, mh, prec);
  arb_mul_2exp_si(mh, mh, -2);
  arb_log1p(mh, mh, prec);
  arb_mul_2exp_si(mh, mh, 1);
  arb_log(t, g.e, prec);
  arb_abs(t, t);
  arb_add(A0, mh, t, prec);
  set_d(t, 2.64);
  arb_add(A0, A0, t, prec);
}

// Proof: CONT-XY-2 (head, L <= 1): K W L^{P+1} (A0 + 5 (|log L| + 1/(P+1))) / (P+1).
void head_bound_small(arb_t res, const HalfLineMixture& g, const arb_t L, slong prec) {
  Ball A0, W, t, zero, lg;
  head_a0(A0, g, L, prec);
  gauss_sup(W, g, zero, L, prec);
  arb_log(lg, L, prec);
  arb_abs(lg, lg);
  arb_set_si(t, g.P + 1);
  arb_inv(t, t, prec);
  arb_add(lg, lg, t, prec);
  arb_mul_ui(lg, lg, 5, prec);
  arb_add(lg, lg, A0, prec);
  arb_mul(lg, lg, t, prec);
  arb_pow_ui(t, L, static_cast<ulong>(g.P + 1), prec);
  arb_mul(lg, lg, t, prec);
  arb_mul(lg, lg, W, prec);
  arb_mul(res, lg, g.K, prec);
}

// Proof: CONT-XY-2 (head, 1 < L <= mode of the weight):
// K [W1 (A0 + 5/(P+1))/(P+1) + (A0 + 5 log L) (L - 1) L^P exp(-(L - mu)^2/(2 s^2))].
void head_bound_large(arb_t res, const HalfLineMixture& g, const arb_t L, slong prec) {
  Ball A0, W1, t, one, zero, acc, lg;
  arb_one(one);
  head_a0(A0, g, L, prec);
  gauss_sup(W1, g, zero, one, prec);
  arb_set_si(t, g.P + 1);
  arb_inv(t, t, prec);
  arb_mul_ui(acc, t, 5, prec);
  arb_add(acc, acc, A0, prec);
  arb_mul(acc, acc, t, prec);
  arb_mul(acc, acc, W1, prec);
  arb_log(lg, L, prec);
  arb_mul_ui(lg, lg, 5, prec);
  arb_add(lg, lg, A0, prec);
  arb_sub(t, L, one, prec);
  arb_mul(lg, lg, t, prec);
  arb_pow_ui(t, L, static_cast<ulong>(g.P), prec);
  arb_mul(lg, lg, t, prec);
  gauss_sup(t, g, L, L, prec);
  arb_mul(lg, lg, t, prec);
  arb_add(acc, acc, lg, prec);
  arb_mul(res, acc, g.K, prec);
}

// Proof: CONT-XY-3. A1 = |log e| + 2.64 + 4 log(1 + (|a| + |c1| + |c2|)/(2e)): |G| <= A1 + 5 log u on u >= 1.
void tail_a1(arb_t A1, const HalfLineMixture& g, slong prec) {
  Ball t, u;
  abs_ub(t, g.a, prec);
  abs_ub(u, g.c1, prec);
  arb_add(t, t, u, prec);
  abs_ub(u, g.c2, prec);
  arb_add(t, t, u, prec);
  arb_div(t, t, g.e, prec);
  arb_mul_2exp_si(t, t, -1);
  arb_log1p(t, t, prec);
  arb_mul_ui(t, t, 4, prec);
  arb_log(u, g.e, prec);
  arb_abs(u, u);
  arb_add(A1, t, u, prec);
  set_d(u, 2.64);
  arb_add(A1, A1, u, prec);
}

// Chooses the head [0, L]: L <= 1 (2^-j) or 1 < L <= mode, bound below 2^-target.
bool choose_head(arb_t L, arb_t bound, const HalfLineMixture& g, slong target, slong prec) {
  const double mu = mid_d(g.mu), s = mid_d(g.s);
  Plan pl{ln_d(g.K, prec), mu, s, static_cast<double>(g.P), 0};
  const double mode = weight_mode(pl);
  Ball tb;
  mag_t tol;
  mag_init(tol);
  mag_set_ui_2exp_si(tol, 1, -target);
  bool ok = false;
  if (mode - s > 1.0) {  // mass away from 0: search L in (1, mode]
    for (double l = mode - s; l > 1.0; l -= 0.25 * s) {
      set_d(L, l);
      head_bound_large(tb, g, L, prec);
      mag_t m;
      mag_init(m);
      arb_get_mag(m, tb);
      const bool good = arb_is_finite(tb) && mag_cmp(m, tol) <= 0;
      mag_clear(m);
      if (good) {
        arb_set(bound, tb);
        ok = true;
        break;
      }
    }
  }
  for (slong j = 1; !ok && j < 64 * (target + 64); j = j < 8 ? j + 1 : j + j / 8) {
    pow2(L, -j);
    head_bound_small(tb, g, L, prec);
    mag_t m;
    mag_init(m);
    arb_get_mag(m, tb);
    const bool good = arb_is_finite(tb) && mag_cmp(m, tol) <= 0;
    mag_clear(m);
    if (good) {
      arb_set(bound, tb);
      ok = true;
    }
  }
  mag_clear(tol);
  return ok;
}

// Proof: CONT-XY-4. Upper bound of int_0^T |G - Phi| w du (int_0^inf w <= 1 assumed by the callers):
// 2 phi(Z) [2 + (|log e| + log(1 + Mh/e))/Z + (2/Z)(K/(P+1)^2 + log+ T)], Mh = |a| + |c1| T + |c2| T^2.
void phi_gap_total(arb_t res, const HalfLineMixture& g, const arb_t T, const arb_t Z, slong prec) {
  Ball mh, t, acc, phiZ;
  abs_ub(mh, g.a, prec);
  abs_ub(t, g.c1, prec);
  arb_addmul(mh, t, T, prec);
  abs_ub(t, g.c2, prec);
  arb_mul(t, t, T, prec);
  arb_addmul(mh, t, T, prec);
  arb_div(mh, mh, g.e, prec);
  arb_log1p(acc, mh, prec);
  arb_log(t, g.e, prec);
  arb_abs(t, t);
  arb_add(acc, acc, t, prec);
  arb_set_si(t, g.P + 1);
  arb_sqr(t, t, prec);
  arb_div(t, g.K, t, prec);
  Ball lt;
  arb_log(lt, T, prec);
  Ball zero;
  arb_max(lt, lt, zero, prec);
  arb_add(t, t, lt, prec);
  arb_mul_2exp_si(t, t, 1);
  arb_add(acc, acc, t, prec);
  arb_div(acc, acc, Z, prec);
  arb_add_ui(acc, acc, 2, prec);
  normal_pdf(phiZ, Z, prec);
  arb_mul_2exp_si(phiZ, phiZ, 1);
  arb_mul(res, acc, phiZ, prec);
}

bool mixture_valid(const HalfLineMixture& g) {
  return arb_is_finite(g.a) && arb_is_finite(g.c1) && arb_is_finite(g.c2) && arb_is_finite(g.e) &&
         arb_is_finite(g.K) && arb_is_finite(g.mu) && arb_is_finite(g.s) && arb_is_positive(g.e) &&
         arb_is_positive(g.K) && arb_is_positive(g.s) && g.P >= 0;
}

}  // namespace

// Heuristic natural log of |x| as a double (for choosing cut points only).
double ln_d(const arb_t x, slong prec) {
  Ball t;
  arb_abs(t, x);
  if (arb_is_zero(t)) return -1e300;
  arb_log(t, t, prec);
  return mid_d(t);
}

// Exact dyadic 2^j as a ball.
void pow2(arb_t res, slong j) {
  arb_one(res);
  arb_mul_2exp_si(res, res, j);
}

// u = 2^s substitution (CONT-XY-4): the sector |arg u| < pi/4 becomes the strip |Im s| < 1.13.
int mix_integrand(acb_ptr out, const acb_t x, void* param, slong order, slong prec) {
  auto* q = static_cast<MixParam*>(param);
  if (!q->log2var) return mix_integrand_u(out, x, param, order, prec);
  acb_t u, l2;
  acb_init(u);
  acb_init(l2);
  arb_const_log2(acb_realref(l2), prec);
  acb_mul(u, x, l2, prec);
  acb_exp(u, u, prec);
  acb_t v;
  acb_init(v);
  if (q->mode == Mode::kLogG && !point_real(u, prec) && !phi_disc(v, u, q, prec) &&
      g_enclosure_s(v, x, u, q, prec)) {
    acb_t w;
    acb_init(w);
    weight(w, u, q, prec);
    acb_mul(out, v, w, prec);
    acb_clear(w);
  } else {
    mix_integrand_u(out, u, param, order, prec);
  }
  acb_clear(v);
  acb_mul(out, out, u, prec);
  acb_mul(out, out, l2, prec);
  acb_clear(u);
  acb_clear(l2);
  return 0;
}

// Proof: CONT-XY-3 (tail). res := an upper bound of
// K int_T^inf (A u^P + B u^{P+1}) exp(-(u - mu)^2/(2 s^2)) du  <=  K e^{-(T-mu)^2/(2s^2)} (A T^P/k_P + B T^{P+1}/k_{P+1}),
// k_j = (T - mu)/s^2 - j/T > 0 (else non-finite).
void tail_poly_bound(arb_t res, const HalfLineMixture& g, const arb_t T, const arb_t A, const arb_t B,
                     slong j0, slong prec) {
  Ball k0, k1, t, s2, ex, acc;
  arb_sqr(s2, g.s, prec);
  arb_sub(t, T, g.mu, prec);
  arb_div(k0, t, s2, prec);
  arb_set(k1, k0);
  arb_set_si(ex, j0);
  arb_div(ex, ex, T, prec);
  arb_sub(k0, k0, ex, prec);
  arb_set_si(ex, j0 + 1);
  arb_div(ex, ex, T, prec);
  arb_sub(k1, k1, ex, prec);
  if (!arb_is_positive(k0) || !arb_is_positive(k1)) {
    arb_indeterminate(res);
    return;
  }
  arb_pow_ui(acc, T, static_cast<ulong>(j0), prec);
  arb_mul(acc, acc, A, prec);
  arb_div(acc, acc, k0, prec);
  arb_pow_ui(ex, T, static_cast<ulong>(j0 + 1), prec);
  arb_mul(ex, ex, B, prec);
  arb_div(ex, ex, k1, prec);
  arb_add(acc, acc, ex, prec);
  arb_sqr(ex, t, prec);
  arb_div(ex, ex, s2, prec);
  arb_mul_2exp_si(ex, ex, -1);
  arb_neg(ex, ex);
  arb_exp(ex, ex, prec);
  arb_mul(acc, acc, ex, prec);
  arb_mul(res, acc, g.K, prec);
}

// Chooses an exact T >= max(1, mode + s) whose tail bound (A + B u)-weighted is below 2^-target.
// Returns false if none found.
bool choose_tail(arb_t T, arb_t bound, const HalfLineMixture& g, const arb_t A, const arb_t B,
                 slong j0, slong target, slong prec) {
  const double mu = mid_d(g.mu), s = mid_d(g.s);
  Plan pl{ln_d(g.K, prec), mu, s, static_cast<double>(j0), 0};
  double t = std::max(1.0, weight_mode(pl) + s);
  for (int it = 0; it < 4000; ++it, t += 0.25 * s) {
    const double k1 = (t - mu) / (s * s) - (j0 + 1) / t;
    const double k0 = (t - mu) / (s * s) - j0 / t;
    if (k0 <= 0 || k1 <= 0) continue;
    const double lb = pl.logK - (t - mu) * (t - mu) / (2 * s * s) + (j0 + 1) * std::log(t) +
                      std::log(mid_d(A) / (t * k0) + mid_d(B) / k1 + 1e-300);
    if (lb < -(static_cast<double>(target) + 4) * kLn2) {
      set_d(T, t);
      tail_poly_bound(bound, g, T, A, B, j0, prec);
      return arb_is_finite(bound);
    }
  }
  return false;
}

// chi_S weight constant K = 2^{1 - S/2} / Gamma(S/2).
void chi_norm(arb_t K, ulong S, slong prec) {
  Ball t;
  arb_set_ui(t, S);
  arb_mul_2exp_si(t, t, -1);
  arb_gamma(t, t, prec);
  arb_one(K);
  arb_mul_2exp_si(K, K, 1);
  arb_div(K, K, t, prec);
  Ball h;
  arb_set_ui(h, S);
  arb_mul_2exp_si(h, h, -1);
  Ball two;
  arb_set_ui(two, 2);
  arb_pow(h, two, h, prec);
  arb_div(K, K, h, prec);
}

// Proof: CONT-XY-1 .. CONT-XY-4.
void mixture_log_abs_mean(arb_t res, const HalfLineMixture& g, slong prec) {
  if (!mixture_valid(g)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 8;
  Ball cst, inv2s2, A, B, T, tailb, L, headb, total;
  arb_const_euler(cst, wp);
  arb_const_log2(A, wp);
  arb_add(cst, cst, A, wp);
  arb_mul_2exp_si(cst, cst, -1);
  arb_neg(cst, cst);
  arb_sqr(inv2s2, g.s, wp);
  arb_mul_2exp_si(inv2s2, inv2s2, 1);
  arb_inv(inv2s2, inv2s2, wp);
  // tail: |G| <= A1 + 5 log u <= A1 + 5 u (u >= T >= 1)
  tail_a1(A, g, wp);
  arb_set_ui(B, 5);
  if (!choose_tail(T, tailb, g, A, B, g.P, wp + 8, wp) || !choose_head(L, headb, g, wp + 8, wp) ||
      !arb_lt(L, T)) {
    arb_indeterminate(res);
    return;
  }
  Ball Z, gap;
  arb_set_d(Z, std::ceil(std::sqrt(2.0 * static_cast<double>(wp + 16) * kLn2)) + 1.0);
  MixParam prm{&g, Mode::kLogG, inv2s2, cst, nullptr, nullptr, +1, Z};
  Ball one;
  arb_one(one);
  if (arb_lt(L, one) && arb_lt(one, T)) {
    // [L, u_phi] in u (Phi holomorphic through 0 when a != 0), [u_phi, 1] in s = log2 u, [1, T] in u.
    const double ad = std::fabs(mid_d(g.a)), c1d = std::fabs(mid_d(g.c1));
    const double c2d = std::fabs(mid_d(g.c2)), ed = mid_d(g.e);
    const double zd = mid_d(Z), Ld = mid_d(L);
    slong j = 0;
    while (j < 4 * wp && (2 * ed * std::ldexp(1.0, -j) * zd > ad / 4 ||
                          2 * c1d * std::ldexp(1.0, -j) + 4 * c2d * std::ldexp(1.0, -2 * j) > ad / 4))
      ++j;
    Ball uphi, piece, sa, sb;
    pow2(uphi, -j);
    arb_zero(total);
    if (j == 0) {
      integrate(piece, mix_integrand, &prm, L, one, wp);
      arb_add(total, total, piece, wp);
    } else {
      if (arb_gt(uphi, L)) {
        integrate(piece, mix_integrand, &prm, L, uphi, wp);
        arb_add(total, total, piece, wp);
        arb_set_si(sa, -j);
      } else {
        // L = 2^-i exactly (choose_head); the s-range starts there
        arb_set_si(sa, static_cast<slong>(std::floor(std::log2(Ld))));
        pow2(uphi, static_cast<slong>(std::floor(std::log2(Ld))));
        if (!arb_equal(uphi, L)) {
          arb_indeterminate(res);
          return;
        }
      }
      prm.log2var = true;
      integrate(piece, mix_integrand, &prm, sa, sb, wp);
      arb_add(total, total, piece, wp);
      prm.log2var = false;
    }
    integrate(piece, mix_integrand, &prm, one, T, wp);
    arb_add(total, total, piece, wp);
  } else {
    integrate(total, mix_integrand, &prm, L, T, wp);
  }
  add_error_arb(total, headb);
  phi_gap_total(gap, g, T, Z, wp);
  add_error_arb(total, gap);
  add_error_arb(total, tailb);
  arb_set_round(res, total, prec);
}

// Proof: CONT-XY-9 (p > 0), CONT-XY-NEG-1 (-1 < p < 0).
void mixture_abs_moment(arb_t res, const HalfLineMixture& g, const arb_t p, slong prec) {
  Ball p1;
  arb_add_ui(p1, p, 1, prec + 20);
  const bool negative = arb_is_finite(p) && arb_is_negative(p) && arb_is_positive(p1);
  if (!mixture_valid(g) || !arb_is_finite(p) || (!arb_is_positive(p) && !negative)) {
    arb_indeterminate(res);
    return;
  }
  const double pu = abs_upper_d(p);
  if (!(pu < 64)) {
    arb_indeterminate(res);
    return;
  }
  const slong wp = prec + 20;
  Ball cst, inv2s2, ez, C, A, B, T, tailb, L, headb, total, t, one, zero;
  arb_one(one);
  arb_sqr(inv2s2, g.s, wp);
  arb_mul_2exp_si(inv2s2, inv2s2, 1);
  arb_inv(inv2s2, inv2s2, wp);
  // E|z|^p = 2^{p/2} Gamma((p+1)/2)/sqrt(pi); cst = e^p E|z|^p
  arb_add_ui(ez, p, 1, wp);
  arb_mul_2exp_si(ez, ez, -1);
  arb_gamma(ez, ez, wp);
  arb_const_sqrt_pi(t, wp);
  arb_div(ez, ez, t, wp);
  arb_mul_2exp_si(t, p, -1);
  arb_set_ui(C, 2);
  arb_pow(t, C, t, wp);
  arb_mul(ez, ez, t, wp);
  arb_pow(cst, g.e, p, wp);
  arb_mul(cst, cst, ez, wp);
  // 2^{max(p-1,0)}
  arb_sub_ui(t, p, 1, wp);
  arb_max(t, t, zero, wp);
  arb_set_ui(C, 2);
  arb_pow(C, C, t, wp);
  // Tail (u >= T >= 1): |m| <= Bm u^2, v = e u <= e u^2, integrand <= C (Bm^p + e^p E|z|^p) u^{2p}
  // <= C (...) u^j with j = ceil(2p): A u^P... expressed as (A u^{P+j-1}... ) use j0 = P + j - 1, B = 0 term.
  Ball Bm, u;
  abs_ub(Bm, g.a, wp);
  abs_ub(u, g.c1, wp);
  arb_add(Bm, Bm, u, wp);
  abs_ub(u, g.c2, wp);
  arb_add(Bm, Bm, u, wp);
  arb_pow(Bm, Bm, p, wp);
  arb_add(Bm, Bm, cst, wp);
  arb_mul(Bm, Bm, C, wp);
  const slong j = static_cast<slong>(std::ceil(2 * pu));
  arb_zero(A);
  if (negative) {
    // Proof: CONT-XY-NEG-1 (b) -- for p < 0, M_p(m, v) <= M_p(0, v) = v^p E|z|^p (Anderson), and on u >= 1
    // (e u)^p <= e^p: the tail integrand is at most cst K u^P e^{-(u-mu)^2/(2s^2)}.
    arb_set(A, cst);
    arb_zero(Bm);
    if (!choose_tail(T, tailb, g, A, Bm, g.P, wp + 8, wp)) {
      arb_indeterminate(res);
      return;
    }
  } else if (!choose_tail(T, tailb, g, A, Bm, g.P + j - 1, wp + 8, wp)) {
    arb_indeterminate(res);
    return;
  }
  // Head [0, L], L = 2^-i <= 1: integrand <= C (Mh^p + (e L)^p E|z|^p) W K u^P.
  const slong target = wp + 8;
  mag_t tol, mm;
  mag_init(tol);
  mag_init(mm);
  mag_set_ui_2exp_si(tol, 1, -target);
  bool ok = false;
  for (slong i = 1; i < 64 * (target + 64) && !ok; i = i < 8 ? i + 1 : i + i / 8) {
    pow2(L, -i);
    Ball Mh, W;
    if (negative) {
      // Proof: CONT-XY-NEG-1 (b) -- head: M_p(m, e u) <= cst u^p, so int_0^L <= K W cst L^{P+1+p}/(P+1+p)
      // (P + 1 + p > 0 since P >= 0 and p > -1).
      gauss_sup(W, g, zero, L, wp);
      arb_add_ui(u, p, static_cast<ulong>(g.P + 1), wp);
      arb_pow(Mh, L, u, wp);
      arb_div(Mh, Mh, u, wp);
      arb_mul(Mh, Mh, cst, wp);
      // Proof: CONT-XY-NEG-1 (c) -- when |m| >= mlo > 0 on [0, L] and e L <= mlo/2:
      // M_p <= (mlo/2)^p + (Mhi/2)^{p+1} 2/((p+1) sqrt(2 pi)) e^{-mlo^2/(8 e^2 L^2)}/(e L), so the head is at
      // most that times K W L^{P+1}/(P+1); far sharper than the bound above when a != 0 (no factor L^p).
      {
        Ball mlo, mhi, t1, t2, eL;
        abs_lb(mlo, g.a, wp);
        abs_ub(t1, g.c1, wp);
        arb_mul(t1, t1, L, wp);
        arb_sub(mlo, mlo, t1, wp);
        abs_ub(t2, g.a, wp);
        arb_add(mhi, t1, t2, wp);
        abs_ub(t1, g.c2, wp);
        arb_mul(t1, t1, L, wp);
        arb_mul(t1, t1, L, wp);
        arb_sub(mlo, mlo, t1, wp);
        arb_add(mhi, mhi, t1, wp);
        arb_mul(eL, g.e, L, wp);
        arb_mul_2exp_si(t2, mlo, -1);
        if (arb_is_positive(mlo) && arb_le(eL, t2)) {
          arb_pow(t1, t2, p, wp);  // (mlo/2)^p
          Ball ex, q;
          arb_mul_2exp_si(q, mhi, -1);
          arb_pow(q, q, p1, wp);
          arb_mul_2exp_si(q, q, 1);
          arb_div(q, q, p1, wp);
          arb_const_pi(ex, wp);
          arb_mul_2exp_si(ex, ex, 1);
          arb_sqrt(ex, ex, wp);
          arb_div(q, q, ex, wp);
          arb_div(ex, mlo, eL, wp);
          arb_sqr(ex, ex, wp);
          arb_mul_2exp_si(ex, ex, -3);
          arb_neg(ex, ex);
          arb_exp(ex, ex, wp);
          arb_mul(q, q, ex, wp);
          arb_div(q, q, eL, wp);
          arb_add(t1, t1, q, wp);
          arb_pow_ui(q, L, static_cast<ulong>(g.P + 1), wp);
          arb_mul(t1, t1, q, wp);
          arb_div_ui(t1, t1, static_cast<ulong>(g.P + 1), wp);
          mag_t m1, m2;
          mag_init(m1);
          mag_init(m2);
          arb_get_mag(m1, t1);
          arb_get_mag(m2, Mh);
          if (arb_is_finite(t1) && mag_cmp(m1, m2) < 0) arb_set(Mh, t1);
          mag_clear(m1);
          mag_clear(m2);
        }
      }
      arb_mul(Mh, Mh, W, wp);
      arb_mul(Mh, Mh, g.K, wp);
      arb_get_mag(mm, Mh);
      if (arb_is_finite(Mh) && mag_cmp(mm, tol) <= 0) {
        arb_set(headb, Mh);
        ok = true;
      }
      continue;
    }
    abs_ub(Mh, g.a, wp);
    abs_ub(u, g.c1, wp);
    arb_addmul(Mh, u, L, wp);
    abs_ub(u, g.c2, wp);
    arb_mul(u, u, L, wp);
    arb_addmul(Mh, u, L, wp);
    arb_pow(Mh, Mh, p, wp);
    arb_pow(u, L, p, wp);
    arb_addmul(Mh, u, cst, wp);
    arb_mul(Mh, Mh, C, wp);
    gauss_sup(W, g, zero, L, wp);
    arb_mul(Mh, Mh, W, wp);
    arb_mul(Mh, Mh, g.K, wp);
    arb_pow_ui(u, L, static_cast<ulong>(g.P + 1), wp);
    arb_mul(Mh, Mh, u, wp);
    arb_div_ui(Mh, Mh, static_cast<ulong>(g.P + 1), wp);
    arb_get_mag(mm, Mh);
    if (arb_is_finite(Mh) && mag_cmp(mm, tol) <= 0) {
      arb_set(headb, Mh);
      ok = true;
    }
  }
  mag_clear(tol);
  mag_clear(mm);
  if (!ok) {
    arb_indeterminate(res);
    return;
  }
  MixParam prm{&g, Mode::kMoment, inv2s2, cst, p, nullptr, +1};
  integrate(total, mix_integrand, &prm, L, T, wp);
  add_error_arb(total, headb);
  add_error_arb(total, tailb);
  arb_set_round(res, total, prec);
}

}  // namespace lyapcert::continuous::internal
