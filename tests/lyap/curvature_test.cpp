// Certified exponents of continuous and composite curvature laws against independent values:
// mpmath quadrature references (tests/data/curvature_ref.txt, provenance in its generator), the
// scaling identity Lambda_{scale(c,L)}(lr) = Lambda_L(c lr), and exact second moments.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "support/reference_table.hpp"

using lyapcert::exact::Rational;
using lyapcert::laws::parse_curvature_law;
namespace lyap = lyapcert::lyap;

namespace {

// Ball [ref - 1e-38, ref + 1e-38] (the reference is good to 1e-40).
void reference_ball(arb_t out, const std::string& decimal) {
  arb_set_str(out, decimal.c_str(), 300);
  mag_t m;
  mag_init(m);
  mag_set_ui_2exp_si(m, 1, -126);  // 2^-126 ~ 1.2e-38
  mag_add(arb_radref(out), arb_radref(out), m);
  mag_clear(m);
}

}  // namespace

TEST(CurvatureLaws, MpmathReferences) {
  int checked = 0;
  for (const auto& f : lyapcert::test::read_reference_table("tests/data/curvature_ref.txt")) {
    ASSERT_GE(f.size(), 3u);
    const std::string &law = f[0], &lr = f[1], &value = f[2];
    const auto res = lyap::certify_lyap1d(parse_curvature_law(law), lyapcert::exact::parse_rational(lr),
                                          lyap::Accuracy{35, 4096});
    arb_t ref;
    arb_init(ref);
    reference_ball(ref, value);
    EXPECT_TRUE(arb_overlaps(ref, res.value.ball.get()))
        << law << " at lr " << lr << ": certified " << res.value.ball.debug_str(40) << " vs mpmath " << value;
    EXPECT_TRUE(res.converged) << law;
    EXPECT_EQ(res.value.sign, arb_is_negative(ref) ? lyap::Sign::negative : lyap::Sign::positive) << law;
    arb_clear(ref);
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(CurvatureLaws, ScalingIdentity) {
  // Lambda_{scale(c, L)}(lr) = Lambda_L(c lr) for c > 0; for c < 0, Lambda_{scale(c,L)}(lr) =
  // E log|1 + |c| lr h| is a different exponent: checked through the uniform closed form instead.
  const char* laws[] = {"normal(1, 2)", "uniform(-1, 3)", "sqnormal(1/3, 1)"};
  for (const char* l : laws) {
    const std::string scaled = std::string("scale(5/2, ") + l + ")";
    auto a = lyap::certify_lyap1d(parse_curvature_law(scaled), Rational(1, 5), lyap::Accuracy{30, 4096});
    auto b = lyap::certify_lyap1d(parse_curvature_law(l), Rational(1, 2), lyap::Accuracy{30, 4096});
    EXPECT_TRUE(arb_overlaps(a.value.ball.get(), b.value.ball.get())) << l;
  }
}

TEST(CurvatureLaws, SecondMomentIsExact) {
  // E(1 - lr h)^2 = 1 - 2 lr E h + lr^2 E h^2 with hand-computed moments.
  struct Case {
    const char* law;
    Rational mean, second;
  };
  const Case cases[] = {
      {"normal(1, 2)", Rational(1), Rational(5)},
      {"uniform(0, 3)", Rational(3, 2), Rational(3)},
      {"sqnormal(1, 1)", Rational(2), Rational(10)},
      {"xy(1, 1, batch=4)", Rational(1), Rational(1) + Rational(3, 4)},
      {"bivariate(0, 0, 1, 1, 1/2)", Rational(1, 2), Rational(3, 2)},
      {"mix(normal(0, 1):1/2, atoms(2):1/2)", Rational(1), Rational(5, 2)},
      {"shift(1, scale(2, uniform(0, 1)))", Rational(2), Rational(13, 3)},
  };
  for (const Case& c : cases) {
    const auto law = parse_curvature_law(c.law);
    EXPECT_EQ(law.mean(), c.mean) << c.law;
    EXPECT_EQ(law.second_moment(), c.second) << c.law;
    const Rational lr(1, 3);
    const Rational m2 = 1 - 2 * lr * c.mean + lr * lr * c.second;
    auto res = lyap::certify_moment(law, lr, Rational(2), lyap::Accuracy{20, 4096});
    ASSERT_TRUE(res.l2_stable.has_value());
    EXPECT_EQ(*res.l2_stable, m2 < 1) << c.law;
  }
}

TEST(CurvatureLaws, NormalTendsToAtom) {
  // sigma -> 0: normal(mu, sigma) approaches the atom mu (continuity, not an identity): the gap
  // shrinks like sigma^2.
  auto atom = lyap::certify_lyap1d(parse_curvature_law("atoms(1/2)"), Rational(1), lyap::Accuracy{20, 4096});
  auto near = lyap::certify_lyap1d(parse_curvature_law("normal(1/2, 1/1000)"), Rational(1), lyap::Accuracy{20, 4096});
  arb_t d;
  arb_init(d);
  arb_sub(d, near.value.ball.get(), atom.value.ball.get(), 128);
  arb_abs(d, d);
  EXPECT_LT(arf_get_d(arb_midref(d), ARF_RND_UP), 1e-5);
  EXPECT_GT(arf_get_d(arb_midref(d), ARF_RND_UP), 1e-8);
  arb_clear(d);
}

TEST(CurvatureLaws, MethodNamesSayHowTheValueWasComputed) {
  // sqnormal with 1 - lr h of one sign (a negative scale, or a shift beyond 1/lr) is integrated (CONT-QUAD-7):
  // "certified-quadrature"; with the singular point inside the support it is the two-Gaussian closed form.
  const lyap::Accuracy acc{30, 4096};
  EXPECT_EQ(lyap::certify_lyap1d(parse_curvature_law("sqnormal(1, 1)"), Rational(1, 2), acc).method, "closed-form");
  EXPECT_EQ(lyap::certify_lyap1d(parse_curvature_law("scale(-2, sqnormal(1, 1))"), Rational(1, 2), acc).method,
            "certified-quadrature");
  // shift(4, .) at lr = 1/2: a + b h' with a = 1 - 2 = -1, b = -1/2 keeps its sign
  EXPECT_EQ(lyap::certify_lyap1d(parse_curvature_law("shift(4, sqnormal(1, 1))"), Rational(1, 2), acc).method,
            "certified-quadrature");
  EXPECT_EQ(lyap::certify_lyap1d(parse_curvature_law("shift(-4, sqnormal(1, 1))"), Rational(1, 2), acc).method,
            "closed-form");
  EXPECT_EQ(lyap::certify_lyap1d(parse_curvature_law("normal(1, 1)"), Rational(1, 2), acc).method, "closed-form");
  EXPECT_EQ(lyap::certify_lyap1d(parse_curvature_law("xy(1, 1)"), Rational(1, 2), acc).method,
            "certified-quadrature");
}

TEST(CurvatureLaws, BadParameters) {
  using lyapcert::InputError;
  EXPECT_THROW(parse_curvature_law("normal(0, -1)"), InputError);
  EXPECT_THROW(parse_curvature_law("uniform(1, 1)"), InputError);
  EXPECT_THROW(parse_curvature_law("uniform(2, 1)"), InputError);
  EXPECT_THROW(parse_curvature_law("sqnormal(0, -1/2)"), InputError);
  EXPECT_THROW(parse_curvature_law("xy(1, -1)"), InputError);
  EXPECT_THROW(parse_curvature_law("xy(1, 1, batch=0)"), InputError);
  EXPECT_THROW(parse_curvature_law("bivariate(0, 0, 1, 1, 1)"), InputError);
  EXPECT_THROW(parse_curvature_law("bivariate(0, 0, 0, 1, 0)"), InputError);
  EXPECT_THROW(parse_curvature_law("mix(normal(0,1):1/2, atoms(1):1/3)"), InputError);
  EXPECT_THROW(parse_curvature_law("mix(normal(0,1):3/2, atoms(1):-1/2)"), InputError);
  EXPECT_THROW(parse_curvature_law("gamma(1, 2)"), InputError);
  EXPECT_THROW(parse_curvature_law("normal(0, 1, 2)"), InputError);
  EXPECT_THROW(parse_curvature_law("normal(mu=0, s=1)"), InputError);
}

TEST(CurvatureLaws, RefinementIsConsistentAndMonotone) {
  // Enclosures at increasing digits must all contain the truth, so they overlap pairwise, and the
  // widths must shrink with the requested digits (refinement is monotone: more digits never give a wider ball).
  const char* laws[] = {"normal(1, 2)", "uniform(-1, 3)", "sqnormal(1/2, 1)", "xy(1, 1, batch=2)",
                        "bivariate(1/2, 0, 1, 1, 1/3)", "mix(normal(0, 1):1/2, uniform(0, 2):1/2)"};
  for (const char* l : laws) {
    const auto law = parse_curvature_law(l);
    std::vector<lyapcert::exact::Ball> balls;
    for (int digits : {8, 16, 30}) {
      auto r = lyap::certify_lyap1d(law, Rational(2, 3), lyap::Accuracy{digits, 4096});
      ASSERT_TRUE(r.converged) << l << " at " << digits;
      balls.push_back(r.value.ball);
    }
    for (std::size_t i = 0; i < balls.size(); ++i) {
      for (std::size_t j = i + 1; j < balls.size(); ++j) {
        EXPECT_TRUE(arb_overlaps(balls[i].get(), balls[j].get())) << l;
      }
      if (i + 1 < balls.size()) {
        EXPECT_LT(mag_cmp(arb_radref(balls[i + 1].get()), arb_radref(balls[i].get())), 0) << l;
      }
    }
  }
}

// LYAP1D-MOM-NEG-2: a mixture's negative moment is the weighted sum of its components' moments. The mixture has a
// normal, a uniform and a bivariate component whose multipliers all vanish inside their mass, and a finite one;
// the reference (tests/data/negmom_ref.txt, gen_negmom_ref.py) is that sum computed component by component in
// mpmath (normal in closed form, uniform by quadrature and by its antiderivative, bivariate conditioned on y and
// on x, atoms exactly). certify_moment returns g(p) = log E|1 - lr h|^p.
TEST(MixtureMoment, NegativeOrdersAreWeightedSums) {
  const auto law = parse_curvature_law(
      "mix(normal(2, 1):1/4, uniform(-1, 4):1/4, bivariate(1, 0, 1, 2, 1/2):1/4, atoms(1, 3):1/4)");
  int n = 0;
  for (const std::string& line : lyapcert::test::read_reference_lines("tests/data/negmom_ref.txt")) {
    std::istringstream ss(line);
    std::string kind, lr, p, val, err;
    ss >> kind;
    if (kind != "mixneg") continue;
    ss >> lr >> p >> val >> err;
    const auto res = lyap::certify_moment(law, lyapcert::exact::parse_rational(lr),
                                          lyapcert::exact::parse_rational(p), lyap::Accuracy{12, 512});
    arb_t ref, e;
    arb_init(ref);
    arb_init(e);
    arb_set_str(ref, val.c_str(), 200);
    arb_set_str(e, err.c_str(), 200);
    arb_add_error(ref, e);
    arb_log(ref, ref, 200);
    EXPECT_TRUE(arb_overlaps(ref, res.value.ball.get()))
        << line << ": certified " << res.value.ball.debug_str(30);
    EXPECT_TRUE(res.converged) << line;
    EXPECT_EQ(res.value.sign, lyap::Sign::positive) << line;  // E|r|^p > 1 for every case
    arb_clear(ref);
    arb_clear(e);
    ++n;
  }
  EXPECT_EQ(n, 3);
  // A sqnormal component whose moment is +inf (the zero of 1 - lr h at the edge h = 2 of its support, p <= -1/2,
  // CONT-SQN-NEG-1) makes the sum +inf: refused; an atom at h = 1/lr likewise.
  const auto sq = parse_curvature_law("mix(normal(2, 1):1/2, shift(2, sqnormal(0, 1)):1/2)");
  EXPECT_THROW(lyap::certify_moment(sq, Rational(1, 2), Rational(-1, 2), lyap::Accuracy{}), lyapcert::InputError);
  // With p > -1/2 the same mixture is finite: 1 - h/2 is N(0, 1/4) for the normal part and -z^2/2 for the
  // sqnormal part, so E|1 - h/2|^p = (1/2)^p (E|z|^p + E|z|^{2p})/2, E|z|^q = 2^{q/2} Gamma((q+1)/2)/sqrt(pi)
  // (binary64 here, far below the certified 15 digits' tolerance used).
  const double pd = -0.4;
  const double ez = [](double q) { return std::pow(2.0, q / 2) * std::tgamma((q + 1) / 2) / std::sqrt(M_PI); }(pd);
  const double ez2 = std::pow(2.0, pd) * std::tgamma((2 * pd + 1) / 2) / std::sqrt(M_PI);
  const double want = std::log(std::pow(0.5, pd) * (ez + ez2) / 2);
  const auto fin = lyap::certify_moment(sq, Rational(1, 2), Rational(-2, 5), lyap::Accuracy{});
  EXPECT_TRUE(fin.converged);
  ASSERT_TRUE(fin.value.ball.is_finite());
  EXPECT_NEAR(arf_get_d(arb_midref(fin.value.ball.get()), ARF_RND_NEAR), want, 1e-12);
  const auto at = parse_curvature_law("mix(normal(2, 1):1/2, atoms(2, 3):1/2)");
  EXPECT_THROW(lyap::certify_moment(at, Rational(1, 2), Rational(-1, 2), lyap::Accuracy{}), lyapcert::InputError);
  // p <= -1 is refused for a mixture of continuous laws.
  EXPECT_THROW(lyap::certify_moment(law, Rational(1, 2), Rational(-1), lyap::Accuracy{}), lyapcert::InputError);
}
