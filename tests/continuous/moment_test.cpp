// Moments E|1 - lr h|^p of the sqnormal and bivariate laws (CONT-SQN-2 .. 4, CONT-BIV-3), each checked
// against independent computations: exact rational Gaussian moments for even p (computed here in mpq from
// the raw moments of N(mu, s^2), Isserlis), a closed form in erfc for p = 1 and mu = 0, the two certified
// paths against each other, and the mpmath reference file tests/data/moment_ref.txt (two mpmath methods;
// see tests/data/gen_moment_ref.py).
#include <gtest/gtest.h>

#include <boost/multiprecision/gmp.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous.hpp"
#include "lyapcert/exact/error.hpp"
#include "support/reference_table.hpp"

#include <arb_hypgeom.h>
#include <algorithm>
#include <cmath>

namespace lc = lyapcert::continuous;
using lc::test::A;
using Q = boost::multiprecision::mpq_rational;

namespace {

Q parse_q(const std::string& s) { return Q(s); }

void set_q(arb_t out, const Q& q, slong prec) {
  fmpq_t f;
  fmpq_init(f);
  fmpq_set_str(f, q.str().c_str(), 10);
  arb_set_fmpq(out, f, prec);
  fmpq_clear(f);
}

// Raw moments E z^n of N(0, 1): 0 for odd n, (n-1)!! for even n.
Q std_moment(int n) {
  if (n % 2) return 0;
  Q r = 1;
  for (int k = n - 1; k > 1; k -= 2) r *= k;
  return r;
}

Q binom(int n, int k) {
  Q r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

// Polynomials in two standard normals (u, w) with rational coefficients: map (i, j) -> coef of u^i w^j.
using Poly = std::map<std::pair<int, int>, Q>;

Poly mul(const Poly& a, const Poly& b) {
  Poly r;
  for (const auto& [ea, ca] : a)
    for (const auto& [eb, cb] : b) r[{ea.first + eb.first, ea.second + eb.second}] += ca * cb;
  return r;
}

// E of a polynomial where w carries the factor r (W = r w, r^2 = r2): E u^i W^j = m_i r2^{j/2} m_j.
Q expect(const Poly& p, const Q& r2) {
  Q s = 0;
  for (const auto& [e, c] : p) {
    if (e.second % 2) continue;
    Q rp = 1;
    for (int k = 0; k < e.second / 2; ++k) rp *= r2;
    s += c * std_moment(e.first) * std_moment(e.second) * rp;
  }
  return s;
}

// E (1 - lr a^2)^n, a = mu + s u.
Q sq_even_moment(const Q& lr, const Q& mu, const Q& s, int n) {
  Poly a{{{0, 0}, mu}, {{1, 0}, s}};
  Poly h = mul(a, a);
  Poly f{{{0, 0}, Q(1)}};
  for (auto& [e, c] : h) f[e] -= lr * c;
  Poly r{{{0, 0}, Q(1)}};
  for (int k = 0; k < n; ++k) r = mul(r, f);
  return expect(r, 0);
}

// E (1 - lr x y)^n, x = mx + sx u, y = my + sy (rho u + W), W = sqrt(1 - rho^2) w.
Q biv_even_moment(const Q& lr, const Q& mx, const Q& my, const Q& sx, const Q& sy, const Q& rho, int n) {
  Poly x{{{0, 0}, mx}, {{1, 0}, sx}};
  Poly y{{{0, 0}, my}, {{1, 0}, sy * rho}, {{0, 1}, sy}};
  Poly h = mul(x, y);
  Poly f{{{0, 0}, Q(1)}};
  for (auto& [e, c] : h) f[e] -= lr * c;
  Poly r{{{0, 0}, Q(1)}};
  for (int k = 0; k < n; ++k) r = mul(r, f);
  return expect(r, 1 - rho * rho);
}

void expect_contains_exact(const arb_t enc, const Q& exact, const std::string& what, double max_rad) {
  A e;
  set_q(e, exact, 600);
  EXPECT_TRUE(arb_contains(enc, e)) << what << ": enclosure " << arb_get_str(enc, 40, 0) << " exact "
                                    << exact.str();
  EXPECT_LT(mag_get_d(arb_radref(enc)), max_rad) << what;
}

struct SqCase {
  const char *lr, *mu, *s;
};
const std::vector<SqCase> kSqCases = {{"1/2", "1", "1"},  {"1/2", "0", "1"}, {"1/100", "3", "1"},
                                      {"2", "1", "1/2"},  {"3/10", "5", "1/2"}, {"1/1000000", "1", "2"},
                                      {"7", "-1/3", "3"}};

}  // namespace

TEST(SqnormalAbsMoment, EvenMomentsExactRational) {
  const slong prec = 120;
  for (const auto& c : kSqCases) {
    for (int n : {4, 6}) {
      A lr(c.lr), mu(c.mu), s(c.s), p, quad, series;
      arb_set_si(p, n);
      const Q exact = sq_even_moment(parse_q(c.lr), parse_q(c.mu), parse_q(c.s), n);
      lc::sqnormal_abs_moment_quad(quad, lr, mu, s, p, prec);
      const double scale = std::max(1.0, std::fabs(exact.convert_to<double>()));
      expect_contains_exact(quad, exact, std::string("quad ") + c.lr + " " + c.mu + " " + c.s, 1e-30 * scale);
      lc::sqnormal_abs_moment_series(series, lr, mu, s, p, prec);
      if (arb_is_finite(series))
        expect_contains_exact(series, exact, std::string("series ") + c.lr + " " + c.mu + " " + c.s, 1e-30 * scale);
    }
  }
  // lr < 0: E(1 + c a^2)^2 = 1 + 2c E a^2 + c^2 E a^4 (p = 2 through the quadrature's integer branch).
  A lr("-3/4"), mu("1/2"), s("2"), p, quad;
  arb_set_si(p, 2);
  lc::sqnormal_abs_moment_quad(quad, lr, mu, s, p, prec);
  expect_contains_exact(quad, sq_even_moment(Q(-3, 4), Q(1, 2), Q(2), 2), "lr < 0", 1e-28);
}

TEST(SqnormalAbsMoment, FirstMomentCentralErfcClosedForm) {
  // mu = 0: E|1 - c q|, q ~ chi^2_1, c = lr s^2, t = 1/c:
  //   = (1 - c) + 2 [c P(chi^2_3 > t) - P(chi^2_1 > t)],  P(chi^2_1 > t) = erfc(sqrt(t/2)),
  //   P(chi^2_3 > t) = erfc(sqrt(t/2)) + sqrt(2t/pi) e^{-t/2}.
  const slong prec = 140;
  for (const char* lrs : {"1/10", "1/2", "1", "4", "1/1000"}) {
    A lr(lrs), mu("0"), s("3/2"), p("1"), quad, series, c, t, e1, e3, h, ref;
    arb_sqr(c, s, prec);
    arb_mul(c, c, lr, prec);
    arb_inv(t, c, prec);
    arb_mul_2exp_si(h, t, -1);
    arb_sqrt(h, h, prec);
    arb_hypgeom_erfc(e1, h, prec);
    arb_const_pi(h, prec);
    arb_div(h, t, h, prec);
    arb_mul_2exp_si(h, h, 1);
    arb_sqrt(h, h, prec);
    arb_mul_2exp_si(e3, t, -1);
    arb_neg(e3, e3);
    arb_exp(e3, e3, prec);
    arb_mul(e3, e3, h, prec);
    arb_add(e3, e3, e1, prec);
    arb_mul(ref, c, e3, prec);
    arb_sub(ref, ref, e1, prec);
    arb_mul_2exp_si(ref, ref, 1);
    arb_sub_ui(h, c, 1, prec);
    arb_sub(ref, ref, h, prec);
    lc::sqnormal_abs_moment_quad(quad, lr, mu, s, p, 110);
    lc::sqnormal_abs_moment_series(series, lr, mu, s, p, 110);
    EXPECT_TRUE(arb_overlaps(quad, ref)) << lrs << " quad " << quad.str() << " ref " << ref.str();
    EXPECT_TRUE(arb_overlaps(series, ref)) << lrs << " series " << series.str() << " ref " << ref.str();
    EXPECT_LT(quad.rad(), 1e-30);
    EXPECT_LT(series.rad(), 1e-30);
  }
}

TEST(SqnormalAbsMoment, SeriesAgreesWithQuadratureFractionalP) {
  const slong prec = 110;
  for (const auto& c : kSqCases) {
    for (const char* ps : {"1/2", "3/2", "7/3"}) {
      A lr(c.lr), mu(c.mu), s(c.s), p(ps), quad, series;
      lc::sqnormal_abs_moment_quad(quad, lr, mu, s, p, prec);
      lc::sqnormal_abs_moment_series(series, lr, mu, s, p, prec);
      ASSERT_TRUE(arb_is_finite(quad)) << c.lr << " " << c.mu << " " << c.s << " p " << ps;
      if (!arb_is_finite(series)) continue;  // many Poisson terms: quadrature only
      EXPECT_TRUE(arb_overlaps(quad, series)) << c.lr << " " << c.mu << " " << c.s << " p " << ps << "\n quad "
                                              << quad.str() << "\n series " << series.str();
      EXPECT_LT(quad.rad(), 1e-29 * std::max(1.0, std::fabs(arf_get_d(arb_midref(quad.v), ARF_RND_NEAR))));
    }
  }
}

TEST(SqnormalAbsMoment, BadInput) {
  A lr("1/2"), mu("0"), s("-1"), p("1/2"), out, one("1");
  EXPECT_THROW(lc::sqnormal_abs_moment(out, lr, mu, s, p, 64), lyapcert::InputError);
  A zero("0");
  EXPECT_THROW(lc::sqnormal_abs_moment(out, lr, mu, one, zero, 64), lyapcert::InputError);
  A neg("-1");
  EXPECT_THROW(lc::sqnormal_abs_moment_series(out, neg, mu, one, p, 64), lyapcert::InputError);
}

// CONT-SQN-NEG-1, -2: E|1 - lr a^2|^p for p < 0 (lr > 0: -1 < p < 0, the singular windows at t = +-1; lr < 0:
// any p < 0) against tests/data/sqnormal_negmom_ref.txt (gen_sqnormal_negmom_ref.py: two mpmath quadratures, in a
// and in h = a^2, with the poles removed by substitution). Cases: zeros inside the mass, far from it, the mass
// sitting on a zero (s = 1/10), p = -99/100 and -999/1000 next to the limit -1, p = -1/100, lr < 0 down to p = -10.
// At 150 bits (the `moment --digits 40` range) the enclosure must contain the reference and be 1e-35 tight.
TEST(SqnormalAbsMoment, NegativeOrdersMpmath) {
  int n = 0;
  for (const std::string& line : lyapcert::test::read_reference_lines("tests/data/sqnormal_negmom_ref.txt")) {
    std::istringstream ss(line);
    std::string kind, f[4], val, err;
    ss >> kind;
    if (kind != "sqn") continue;
    for (auto& x : f) ss >> x;
    ss >> val >> err;
    A lr(f[0].c_str()), mu(f[1].c_str()), s(f[2].c_str()), p(f[3].c_str()), ref, e, got, quad;
    ASSERT_EQ(arb_set_str(ref.v, val.c_str(), 200), 0) << line;
    ASSERT_EQ(arb_set_str(e.v, err.c_str(), 200), 0) << line;
    arb_add_error(ref.v, e.v);
    lc::sqnormal_abs_moment(got, lr, mu, s, p, 150);
    EXPECT_TRUE(arb_overlaps(got, ref)) << line << "\n got " << got.str();
    EXPECT_LT(got.rad(), 1e-35 * arf_get_d(arb_midref(ref.v), ARF_RND_NEAR)) << line << "\n got " << got.str();
    lc::sqnormal_abs_moment(got, lr, mu, s, p, 60);  // the double-precision range: contained too
    EXPECT_TRUE(arb_overlaps(got, ref)) << line << "\n got " << got.str();
    EXPECT_LT(got.rad(), 1e-15 * arf_get_d(arb_midref(ref.v), ARF_RND_NEAR)) << line << "\n got " << got.str();
    ++n;
  }
  EXPECT_GE(n, 12);
}

// Closed forms for negative orders, each computed here by a different formula than the quadrature:
// - lr < 0, p = -1: E[1/(1 + c a^2)] = K(c), the Faddeeva form of CONT-SQS-1 (sqnormal_inv1p_mean), any mu;
// - lr < 0, mu = 0: E(1 + c a^2)^p = y^{1/2} U(1/2, 3/2 + p, y), y = 1/(2 c s^2) (CONT-SQN-NEG-3, Arb's U);
// - lr > 0, mu = 0, -1 < p < 0: the chi-square closed form of CONT-SQN-2 (sqnormal_abs_moment_series, one term).
TEST(SqnormalAbsMoment, NegativeOrdersClosedForms) {
  const slong prec = 120;
  for (const char* ms : {"0", "1/2", "-2", "3"}) {
    for (const char* ss : {"1", "1/3", "5/2"}) {
      for (const char* cs : {"1", "1/7", "4"}) {
        A c(cs), mu(ms), s(ss), lr, p("-1"), quad, k;
        arb_neg(lr, c);
        lc::sqnormal_abs_moment(quad, lr, mu, s, p, prec);
        lc::sqnormal_inv1p_mean(k, c, mu, s, prec);
        EXPECT_TRUE(arb_overlaps(quad, k)) << ms << " " << ss << " " << cs << "\n quad " << quad.str() << "\n K "
                                           << k.str();
        EXPECT_LT(quad.rad(), 1e-30) << quad.str();
        EXPECT_LT(k.rad(), 1e-30) << k.str();
      }
    }
  }
  for (const char* ps : {"-1/2", "-2", "-7/3", "-1/100"}) {
    for (const char* ss : {"1", "1/3", "3"}) {
      A lr("-1/2"), mu("0"), s(ss), p(ps), quad, y, a, b, u;
      lc::sqnormal_abs_moment(quad, lr, mu, s, p, prec);
      arb_sqr(y, s, prec);  // y = 1/(2 c s^2), c = 1/2
      arb_inv(y, y, prec);
      arb_set_d(a, 0.5);
      arb_add_ui(b, p, 1, prec);
      arb_add(b, b, a, prec);
      arb_hypgeom_u(u, a, b, y, prec);
      arb_sqrt(a, y, prec);
      arb_mul(u, u, a, prec);
      EXPECT_TRUE(arb_overlaps(quad, u)) << ps << " " << ss << "\n quad " << quad.str() << "\n U " << u.str();
      EXPECT_LT(quad.rad(), 1e-30) << quad.str();
    }
  }
  for (const char* ps : {"-1/2", "-9/10", "-1/10", "-99/100"}) {
    for (const char* lrs : {"1", "1/3", "5"}) {
      A lr(lrs), mu("0"), s("1"), p(ps), quad, series;
      lc::sqnormal_abs_moment_quad(quad, lr, mu, s, p, prec);
      lc::sqnormal_abs_moment_series(series, lr, mu, s, p, prec);
      ASSERT_TRUE(arb_is_finite(series)) << ps << " " << lrs;
      EXPECT_TRUE(arb_overlaps(quad, series)) << ps << " " << lrs << "\n quad " << quad.str() << "\n series "
                                              << series.str();
      EXPECT_LT(quad.rad(), 1e-30 * arf_get_d(arb_midref(series.v), ARF_RND_NEAR)) << quad.str();
    }
  }
}

// The mass sitting on a zero, with s far below the working precision (windows of half-width 2^-204, whose ends
// t0 -+ d must be exact): a = 1 + s z, s = 2^-200, so E|1 - a^2|^p = s^p E|z|^p |2 + s z|^p = (2 s)^p E|z|^p
// (1 + eps), |eps| < 2^-190 (|(1 + u)^p - 1| <= |p| |u| 2^{1-p} <= 4 |u| for |u| = |s z|/2 <= 1/2, and the rest weighs
// e^-(2^398)); E|z|^p = 2^{p/2} Gamma((p+1)/2)/sqrt(pi).
TEST(SqnormalAbsMoment, NegativeOrderTinySpreadOnTheZero) {
  for (const char* ps : {"-1/2", "-9/10"}) {
    A lr("1"), mu("1"), s, p(ps), got, ref, t;
    arb_one(s);
    arb_mul_2exp_si(s, s, -200);
    lc::sqnormal_abs_moment(got, lr, mu, s, p, 120);
    const slong prec = 200;
    arb_mul_2exp_si(t, s, 1);
    arb_pow(ref, t, p, prec);  // (2 s)^p
    arb_add_ui(t, p, 1, prec);
    arb_mul_2exp_si(t, t, -1);
    arb_gamma(t, t, prec);
    arb_mul(ref, ref, t, prec);
    arb_mul_2exp_si(t, p, -1);
    A two("2");
    arb_pow(t, two, t, prec);
    arb_mul(ref, ref, t, prec);
    arb_const_sqrt_pi(t, prec);
    arb_div(ref, ref, t, prec);
    mag_t e;
    mag_init(e);
    arb_get_mag(e, ref);
    mag_mul_2exp_si(e, e, -180);
    arb_add_error_mag(ref.v, e);
    mag_clear(e);
    ASSERT_TRUE(arb_is_finite(got)) << ps;
    EXPECT_TRUE(arb_overlaps(got, ref)) << ps << "\n got " << got.str() << "\n ref " << ref.str();
    EXPECT_LT(got.rad(), 1e-30 * arf_get_d(arb_midref(ref.v), ARF_RND_NEAR)) << got.str();
  }
}

// CONT-SQN-NEG-1: for lr > 0 the zeros of 1 - lr a^2 make every p <= -1 infinite (refused); lr < 0 keeps p <= -1
// finite; the series is not used for p < 0 unless mu = 0 (its Poisson tail bound assumes p > 0).
TEST(SqnormalAbsMoment, NegativeOrderLimits) {
  A lr("1/2"), nlr("-1/2"), mu("1"), s("1"), out;
  for (const char* ps : {"-1", "-3/2", "-10"}) {
    A p(ps);
    EXPECT_THROW(lc::sqnormal_abs_moment(out, lr, mu, s, p, 64), lyapcert::InputError) << ps;
    EXPECT_THROW(lc::sqnormal_abs_moment_series(out, lr, mu, s, p, 64), lyapcert::InputError) << ps;
    lc::sqnormal_abs_moment(out, nlr, mu, s, p, 64);
    EXPECT_TRUE(arb_is_finite(out)) << ps;
    EXPECT_TRUE(arb_is_positive(out)) << ps;
  }
  A p("-1/2");
  lc::sqnormal_abs_moment_series(out, lr, mu, s, p, 64);
  EXPECT_FALSE(arb_is_finite(out));
  // p a ball straddling -1 cannot be decided: indeterminate, never a finite ball.
  A pw("-1");
  mag_set_d(arb_radref(pw.v), 1e-3);
  lc::sqnormal_abs_moment(out, lr, mu, s, pw, 64);
  EXPECT_FALSE(arb_is_finite(out));
}

TEST(BivariateAbsMoment, EvenMomentsExactRational) {
  struct C {
    const char *lr, *mx, *my, *sx, *sy, *rho;
  };
  const slong prec = 80;
  for (const C& c : std::vector<C>{{"1/2", "0", "0", "1", "1", "1/2"}, {"1/2", "3/10", "-1", "1", "2", "1/4"},
                                   {"-1", "1", "1", "1", "1/2", "-1/3"}}) {
    const Q lr = parse_q(c.lr);
    A a("1"), b, mx(c.mx), my(c.my), sx(c.sx), sy(c.sy), rho(c.rho), p, out;
    set_q(b, -lr, prec + 20);
    for (int n : {2, 4}) {
      arb_set_si(p, n);
      lc::bivariate_abs_moment(out, a, b, mx, my, sx, sy, rho, p, prec);
      const Q exact = biv_even_moment(lr, parse_q(c.mx), parse_q(c.my), parse_q(c.sx), parse_q(c.sy),
                                      parse_q(c.rho), n);
      expect_contains_exact(out, exact, std::string("biv n=") + std::to_string(n) + " lr " + c.lr + " mx " + c.mx,
                            1e-20 * std::max(1.0, std::fabs(exact.convert_to<double>())));
    }
  }
}

TEST(BivariateAbsMoment, ConditioningOnXEqualsConditioningOnY) {
  const slong prec = 70;
  A a("1"), b("-1/2"), mx("3/10"), my("-1"), sx("1"), sy("2"), rho("1/4"), p("3/2"), viax, viay;
  lc::bivariate_abs_moment(viax, a, b, mx, my, sx, sy, rho, p, prec);
  lc::bivariate_abs_moment(viay, a, b, my, mx, sy, sx, rho, p, prec);
  EXPECT_TRUE(arb_overlaps(viax, viay)) << viax.str() << " vs " << viay.str();
  EXPECT_LT(viax.rad(), 1e-18);
  EXPECT_LT(viay.rad(), 1e-18);
}

TEST(MomentReference, MpmathValues) {
  int n = 0;
  for (const std::string& line : lyapcert::test::read_reference_lines("tests/data/moment_ref.txt")) {
    std::istringstream ss(line);
    std::string kind, lrs;
    ss >> kind >> lrs;
    std::vector<std::string> par;
    std::string w;
    while (ss >> w) par.push_back(w);
    ASSERT_GE(par.size(), 3u) << line;
    const std::string val = par.back();
    par.pop_back();
    const std::string ps = par.back();
    par.pop_back();
    A ref, out, lr(lrs.c_str()), p(ps.c_str());
    ASSERT_EQ(arb_set_str(ref.v, val.c_str(), 200), 0) << line;
    mag_t e;
    mag_init(e);
    arb_get_mag(e, ref.v);
    mag_mul_2exp_si(e, e, -125);  // 40 significant digits written: relative error < 2^-125
    arb_add_error_mag(ref.v, e);
    mag_clear(e);
    if (kind == "sqnormal") {
      A mu(par[0].c_str()), s(par[1].c_str());
      lc::sqnormal_abs_moment(out, lr, mu, s, p, 120);
      EXPECT_LT(out.rad(), 1e-32 * std::max(1.0, std::fabs(arf_get_d(arb_midref(out.v), ARF_RND_NEAR)))) << line;
    } else {
      ASSERT_EQ(kind, "bivariate");
      A a("1"), b, mx(par[0].c_str()), my(par[1].c_str()), sx(par[2].c_str()), sy(par[3].c_str()),
          rho(par[4].c_str());
      arb_neg(b, lr);
      lc::bivariate_abs_moment(out, a, b, mx, my, sx, sy, rho, p, 70);
      EXPECT_LT(out.rad(), 1e-18) << line;
    }
    EXPECT_TRUE(arb_overlaps(out, ref)) << line << "\n got " << out.str(45);
    ++n;
  }
  EXPECT_GE(n, 12);
}

TEST(SqnormalLog1p, MpmathTwoMethods) {
  // E log(1 + c a^2), a ~ N(mu, s^2) (CONT-QUAD-7), against mpmath at 50 digits computed two ways that agree
  // to < 1e-45: quadrature in a, and quadrature in q = a^2/s^2 against the noncentral chi-square density
  // (Bessel I_{-1/2}) with q = t^2 near 0. 40 significant digits kept.
  struct C {
    const char *c, *mu, *s, *value;
  };
  for (const C& k : {C{"1/2", "1", "1", "0.5566966219653544383510147540581795594806"},
                     C{"3", "0", "1/2", "0.4407657299900158355079693389225755141964"},
                     C{"1/1000000", "2", "1", "0.000004999978500166331535107954728281913627834"},
                     C{"1/7", "5", "1/10", "1.519650026430690034073452433980726093551"}}) {
    A c(k.c), mu(k.mu), s(k.s), ref, out;
    arb_set_str(ref.v, k.value, 200);
    mag_t e;
    mag_init(e);
    arb_get_mag(e, ref.v);
    mag_mul_2exp_si(e, e, -125);
    arb_add_error_mag(ref.v, e);
    mag_clear(e);
    lc::sqnormal_log1p_quad(out, c, mu, s, 120);
    EXPECT_TRUE(arb_overlaps(out, ref)) << k.c << " " << k.mu << " " << k.s << ": " << out.str(45);
    EXPECT_LT(out.rad(), 1e-33);
  }
  A c("-1"), mu("0"), s("1"), out;
  EXPECT_THROW(lc::sqnormal_log1p_quad(out, c, mu, s, 64), lyapcert::InputError);
}
