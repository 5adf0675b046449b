// Tests of the Gaussian closed forms against independent values: digamma / Poisson-mixture sums,
// the small-lr Taylor expansion, exact moments, erf closed forms. Deterministic (no randomness).
#include "lyapcert/continuous/gaussian.hpp"

#include <arb_hypgeom.h>
#include <gtest/gtest.h>

#include <cmath>

#include "continuous/test_util.hpp"
#include "lyapcert/exact/error.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;

namespace {

// (1/2)[log(2 v^2) + sum_j e^{-x} x^j / j! psi(j + 1/2)] with the positive tail after J terms bounded by
// sum_{j>=J} p_j log(j+1) <= sum_{j>=J} p_j j = x P(N >= J-1) <= x p_{J-1} / (1 - x/J)   (J > 2x):
// an independent path (Poisson-digamma mixture, docs/math.md section 2).
void poisson_digamma(arb_t res, const arb_t m, const arb_t v, slong prec) {
  A x, p, s, t, u, h;
  arb_div(x, m, v, prec);
  arb_sqr(x, x, prec);
  arb_mul_2exp_si(x, x, -1);
  arb_neg(p, x);
  arb_exp(p, p, prec);  // p_0
  arb_zero(s);
  const double xd = arf_get_d(arb_midref(x.v), ARF_RND_UP);
  slong J = static_cast<slong>(2 * xd + 40);
  while (true) {
    for (slong j = 0; j < J; ++j) {
      if (j > 0) {
        arb_mul(p, p, x, prec);
        arb_div_ui(p, p, static_cast<ulong>(j), prec);
      }
      arb_set_ui(h, static_cast<ulong>(2 * j + 1));
      arb_mul_2exp_si(h, h, -1);
      arb_digamma(h, h, prec);
      arb_addmul(s, p, h, prec);
    }
    // p currently p_{J-1}
    arb_div_ui(t, x, static_cast<ulong>(J), prec);
    arb_sub_ui(t, t, 1, prec);
    arb_neg(t, t);
    arb_div(t, p, t, prec);
    arb_mul(t, t, x, prec);
    mag_t e;
    mag_init(e);
    arb_get_mag(e, t);
    if (mag_cmp_2exp_si(e, -prec) < 0) {
      arb_add_error_mag(s, e);
      mag_clear(e);
      break;
    }
    mag_clear(e);
    J *= 2;
    arb_neg(p, x);
    arb_exp(p, p, prec);
    arb_zero(s);
  }
  arb_sqr(u, v, prec);
  arb_mul_2exp_si(u, u, 1);
  arb_log(u, u, prec);
  arb_add(s, s, u, prec);
  arb_mul_2exp_si(res, s, -1);
}

void expect_overlap_tight(const A& a, const A& b, double max_rad, const char* what) {
  EXPECT_TRUE(arb_overlaps(a, b)) << what << ": " << a.str() << " vs " << b.str();
  EXPECT_LT(a.rad(), max_rad) << what << ": " << a.str();
}

}  // namespace

// docs/math.md section 6: h ~ N(1, 1) at lr = 1: m = 1 - lr mu = 0, v = lr s = 1, Lambda = -(gamma + log 2)/2.
// Independent value: (1/2)(log 2 + psi(1/2)) with Arb's digamma.
TEST(GaussLogAbsMean, PublishedValueAtLrOne) {
  const slong prec = 200;
  A m("0"), v("1"), r, ref, t;
  lc::gauss_log_abs_mean(r, m, v, prec);
  arb_set_d(t, 0.5);
  arb_digamma(ref, t, prec);
  arb_const_log2(t, prec);
  arb_add(ref, ref, t, prec);
  arb_mul_2exp_si(ref, ref, -1);
  expect_overlap_tight(r, ref, 1e-55, "G(0,1)");
}

TEST(GaussLogAbsMean, MatchesPoissonDigammaMixture) {
  const slong prec = 180;
  const char* cases[][2] = {{"1", "1"}, {"1/3", "2"}, {"-5/2", "1"}, {"7", "1"}, {"13", "1"}, {"3", "1/5"}};
  for (auto& c : cases) {
    A m(c[0]), v(c[1]), r, ref;
    lc::gauss_log_abs_mean(r, m, v, prec);
    poisson_digamma(ref, m, v, prec + 40);
    expect_overlap_tight(r, ref, 1e-50, c[0]);
  }
}

// Lambda(lr) = E log|1 - lr h| = -sum_k lr^k E[h^k]/k asymptotically; after three terms the remainder
// divided by lr^4 tends to -E[h^4]/4. h ~ N(mu, s^2) gives m = 1 - lr mu, v = lr s.
TEST(GaussLogAbsMean, SmallLrExpansion) {
  const slong prec = 300;
  const double mu = 0.75, s = 1.25;  // exactly representable
  const double e1 = mu, e2 = mu * mu + s * s, e3 = mu * mu * mu + 3 * mu * s * s,
               e4 = std::pow(mu, 4) + 6 * mu * mu * s * s + 3 * std::pow(s, 4);
  for (double lr : {1e-3, 1e-5, 1e-7}) {
    A L, m, v, r, pred;
    arb_set_d(L, lr);
    arb_set_d(m, 1.0);
    A t;
    arb_set_d(t, mu);
    arb_submul(m, L, t, prec);
    arb_set_d(t, s);
    arb_mul(v, L, t, prec);
    lc::gauss_log_abs_mean(r, m, v, prec);
    // remainder = Lambda + lr e1 + lr^2 e2/2 + lr^3 e3/3
    arb_set_d(t, e1);
    arb_addmul(r, L, t, prec);
    arb_sqr(pred, L, prec);
    arb_set_d(t, e2 / 2);
    arb_addmul(r, pred, t, prec);
    arb_mul(pred, pred, L, prec);
    arb_set_d(t, e3);
    arb_div_ui(t, t, 3, prec);
    arb_addmul(r, pred, t, prec);
    arb_mul(pred, pred, L, prec);
    arb_div(r, r, pred, prec);  // / lr^4
    const double got = arf_get_d(arb_midref(r.v), ARF_RND_NEAR);
    EXPECT_NEAR(got, -e4 / 4, 20 * lr * std::fabs(e4)) << "lr=" << lr << " " << r.str(10);
    EXPECT_LT(r.rad(), 1e-6);
  }
}

TEST(GaussLogAbsMean, DegenerateAndInvalidInputs) {
  const slong prec = 128;
  A m("-3/2"), v("0"), r, ref;
  lc::gauss_log_abs_mean(r, m, v, prec);
  arb_set_d(ref, 1.5);
  arb_log(ref, ref, prec);
  EXPECT_TRUE(arb_overlaps(r, ref));
  A z("0");
  lc::gauss_log_abs_mean(r, z, z, prec);  // log 0: caller decides -inf
  EXPECT_FALSE(arb_is_finite(r));
  A neg("-1");
  EXPECT_THROW(lc::gauss_log_abs_mean(r, m, neg, prec), lyapcert::InputError);
  A straddle("0");
  mag_set_d(arb_radref(straddle.v), 1e-3);
  lc::gauss_log_abs_mean(r, m, straddle, prec);
  EXPECT_FALSE(arb_is_finite(r));
}

// A ball input must give a ball containing the value at sample points of the input ball, in both
// algorithmic regimes (series: x ~ 10; asymptotic: x ~ 1e6).
TEST(GaussLogAbsMean, BallInputsContainPointValues) {
  const slong prec = 150;
  for (const char* mc : {"9/2", "1414"}) {
    A m(mc), v("1"), r, pt, mp;
    mag_set_d(arb_radref(m.v), 1e-6);
    lc::gauss_log_abs_mean(r, m, v, prec);
    EXPECT_TRUE(arb_is_finite(r));
    EXPECT_LT(r.rad(), 1e-4);  // no blow-up of the input radius (CONT-GAUSS-1 midpoint evaluation)
    for (double off : {-1e-6, -3e-7, 0.0, 5e-7, 1e-6}) {
      arb_set_arf(mp, arb_midref(m.v));
      A o;
      arb_set_d(o, off);
      arb_add(mp, mp, o, prec);
      lc::gauss_log_abs_mean(pt, mp, v, prec);
      EXPECT_TRUE(arb_contains(r, pt)) << mc << " off=" << off;
    }
  }
}

// Both branches at 50 digits across the switch point x ~ 0.7 prec + 24, against the Poisson mixture.
TEST(GaussLogAbsMean, AcrossTheBranchSwitch) {
  const slong prec = 170;
  for (double x : {135.0, 142.0, 144.0, 150.0}) {
    A m, v("1"), r, ref;
    arb_set_d(m, 2 * x);
    arb_sqrt(m, m, prec + 60);
    lc::gauss_log_abs_mean(r, m, v, prec);
    poisson_digamma(ref, m, v, prec + 40);
    expect_overlap_tight(r, ref, 1e-49, "switch");
  }
}

// Moments: E|N|^2 = m^2 + v^2 and E|N|^4 = m^4 + 6 m^2 v^2 + 3 v^4 exactly; E|N| = v sqrt(2/pi) e^{-x} +
// m erf(m/(v sqrt 2)) (Arb's erf: an algorithm independent of 1F1).
// Negative orders -1 < p < 0 (CONT-GAUSS-3, LYAP1D-MOM-NEG-1) against mpmath: 40-digit tanh-sinh quadrature of
// |m + v z|^p phi(z) with the singular point z = -m/v as a breakpoint, agreeing with a second subdivision to the
// tolerance given (the singular endpoint limits the quadrature, most at p = -9/10). Regenerate with
//   mpmath.quad(lambda z: abs(m + v z)**p * npdf(z), [-inf, z0 - 1, z0, z0 + 1, inf])
TEST(GaussAbsMoment, NegativeOrdersMatchMpmath) {
  struct Case {
    const char *m, *v, *p, *ref;
    double tol;
  };
  const Case cases[] = {
      {"1", "1", "-1/2", "1.36763278380493776703693473525", 1e-18},
      {"3", "1/2", "-3/4", "0.447351240830448605009819755331", 1e-16},
      {"-1/3", "2", "-1/10", "0.999367166824825191001495742361", 1e-25},
      {"0", "1", "-1/2", "1.72007997464903907075222073222", 1e-18},
      {"5", "1", "-9/10", "0.24414739174418177307007892874", 1e-8},
  };
  for (const Case& c : cases) {
    A m(c.m), v(c.v), p(c.p), r, ref;
    lc::gauss_abs_moment(r, m, v, p, 200);
    arb_set_str(ref, c.ref, 200);
    mag_set_d(arb_radref(ref.v), c.tol);
    EXPECT_TRUE(arb_overlaps(r, ref)) << c.m << " " << c.v << " " << c.p << ": " << r.str();
    EXPECT_LT(r.rad(), 1e-40) << c.p;
  }
  // p <= -1 (infinite moment) and p = 0 are refused; v = 0 with m = 0 has no finite value.
  A m("1"), v("1"), pm1("-1"), p0("0"), zero("0"), ph("-1/2"), r;
  EXPECT_THROW(lc::gauss_abs_moment(r, m, v, pm1, 100), lyapcert::InputError);
  EXPECT_THROW(lc::gauss_abs_moment(r, m, v, p0, 100), lyapcert::InputError);
  lc::gauss_abs_moment(r, zero, zero, ph, 100);
  EXPECT_FALSE(arb_is_finite(r));
}

// At m = 0 the moment is E|v z|^p = v^p 2^(p/2) Gamma((p+1)/2) / sqrt(pi); at p = -1/2, v = 1 it is also
// Gamma(1/4) / (2^(1/4) sqrt(pi)), evaluated here from Arb's Gamma(1/4) constant path.
TEST(GaussAbsMoment, NegativeOrdersMatchClosedFormAtZeroMean) {
  A m("0"), v("1"), p("-1/2"), r, ref, t;
  lc::gauss_abs_moment(r, m, v, p, 200);
  arb_set_d(t, 0.25);
  arb_gamma(ref, t, 200);
  arb_const_sqrt_pi(t, 200);
  arb_div(ref, ref, t, 200);
  arb_set_ui(t, 2);
  arb_root_ui(t, t, 4, 200);
  arb_div(ref, ref, t, 200);
  expect_overlap_tight(r, ref, 1e-50, "E|z|^(-1/2)");
}

TEST(GaussAbsMoment, IntegerMomentsExact) {
  const slong prec = 180;
  const char* cases[][2] = {{"0", "1"}, {"1/3", "5/7"}, {"-4", "1/10"}, {"10000", "1"}, {"1", "1/100000"}};
  for (auto& c : cases) {
    A m(c[0]), v(c[1]), p2("2"), p4("4"), p1("1"), r, ref, t, u;
    lc::gauss_abs_moment(r, m, v, p2, prec);
    arb_sqr(ref, m, prec);
    arb_sqr(t, v, prec);
    arb_add(ref, ref, t, prec);
    expect_overlap_tight(r, ref, 1e-40 * (1 + arf_get_d(arb_midref(ref.v), ARF_RND_UP)), "p=2");
    lc::gauss_abs_moment(r, m, v, p4, prec);
    arb_pow_ui(ref, m, 4, prec);
    arb_sqr(t, m, prec);
    arb_sqr(u, v, prec);
    arb_mul(t, t, u, prec);
    arb_mul_ui(t, t, 6, prec);
    arb_add(ref, ref, t, prec);
    arb_sqr(u, u, prec);
    arb_mul_ui(u, u, 3, prec);
    arb_add(ref, ref, u, prec);
    expect_overlap_tight(r, ref, 1e-40 * (1 + arf_get_d(arb_midref(ref.v), ARF_RND_UP)), "p=4");
    lc::gauss_abs_moment(r, m, v, p1, prec);
    arb_div(t, m, v, prec);
    arb_rsqrt_ui(u, 2, prec);
    arb_mul(t, t, u, prec);  // m/(v sqrt 2)
    arb_hypgeom_erf(ref, t, prec);
    arb_mul(ref, ref, m, prec);
    arb_sqr(t, t, prec);
    arb_neg(t, t);
    arb_exp(t, t, prec);
    arb_const_pi(u, prec);
    arb_inv(u, u, prec);
    arb_mul_2exp_si(u, u, 1);
    arb_sqrt(u, u, prec);
    arb_mul(t, t, u, prec);
    arb_addmul(ref, t, v, prec);
    expect_overlap_tight(r, ref, 1e-40 * (1 + arf_get_d(arb_midref(ref.v), ARF_RND_UP)), "p=1");
  }
  A m("2"), z("0"), p("3/2"), r, ref;
  lc::gauss_abs_moment(r, m, z, p, prec);  // v = 0: |m|^p
  arb_set_d(ref, 8.0);
  arb_sqrt(ref, ref, prec);
  EXPECT_TRUE(arb_overlaps(r, ref));
  A zero("0");
  EXPECT_THROW(lc::gauss_abs_moment(r, m, z, zero, prec), lyapcert::InputError);
}

// sqnormal: s = 0 is the atom a = mu: log|1 - lr mu^2|; small lr: -lr E[a^2] - lr^2 E[a^4]/2 + O(lr^3).
TEST(SqnormalLogAbsMean, DegenerateAndSmallLr) {
  const slong prec = 200;
  A lr("1/3"), mu("3"), s0("0"), r, ref;
  lc::sqnormal_log_abs_mean(r, lr, mu, s0, prec);
  arb_set_ui(ref, 2);  // |1 - 9/3| = 2
  arb_log(ref, ref, prec);
  expect_overlap_tight(r, ref, 1e-55, "s=0");
  const double m = 0.5, s = 2.0;
  const double e1 = m * m + s * s, e2 = std::pow(m, 4) + 6 * m * m * s * s + 3 * std::pow(s, 4);
  for (double l : {1e-4, 1e-8}) {
    A L, M, S, t;
    arb_set_d(L, l);
    arb_set_d(M, m);
    arb_set_d(S, s);
    lc::sqnormal_log_abs_mean(r, L, M, S, prec);
    arb_set_d(t, e1);
    arb_addmul(r, L, t, prec);
    arb_sqr(t, L, prec);
    arb_div(r, r, t, prec);
    const double got = arf_get_d(arb_midref(r.v), ARF_RND_NEAR);
    EXPECT_NEAR(got, -e2 / 2, 1e3 * l * e2) << l;
  }
  A zero("0"), one("1");
  lc::sqnormal_log_abs_mean(r, zero, mu, one, prec);
  EXPECT_TRUE(arb_is_zero(r));
}
