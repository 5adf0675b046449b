// Tests of the cycle expansion (lib/lyapcert/lyapnd/cycle.hpp, proofs/lyapnd/cycle.md) against
// independent values: Pollicott's published value (docs/math.md section 6), closed forms (a single matrix:
// log of its Perron root; commuting families A_i = alpha_i I + beta_i B: E log(alpha + beta rho(B));
// equal column sums: E log(column sum)), the enumeration upper bound (LYAPND-ENUM-1), seeded Monte
// Carlo, and the bound checked against the computed coefficients.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <arb.h>

#include <array>
#include <chrono>
#include <cmath>
#include <random>
#include <string>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;

// docs/math.md section 6 (Pollicott 2010, Invent. Math. 181; also Jurga-Morris 2019), 45 significant
// digits, so the value lies within 1e-44 of this string. Reproduced independently (not by this code)
// with an mpmath evaluation of the same determinant at 60 digits from words of length <= 12, whose
// successive truncations agree to 45 digits from length 10 on (non-rigorous, provenance check only).
constexpr const char* kPollicott = "1.14331103510294924584325185365558829940254614";
constexpr const char* kPollicottLaw = "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)";

Ball reference(const char* digits, const char* rad) {
  Ball b, r;
  arb_set_str(b.get(), digits, 400);
  arb_set_str(r.get(), rad, 64);
  arb_add_error(b.get(), r.get());
  return b;
}

nd::Result run(const std::string& law, int digits, nd::Method m = nd::Method::cycle, double budget = 30) {
  nd::Options o;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = budget;
  return nd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

double width(const Ball& b) { return 2 * mag_get_d(arb_radref(b.get())); }

// Seeded family of four positive 2x2 integer matrices, entries uniform in [1, 9], p = 1/4 each
// (the speed benchmark). Rejection sampling on 64-bit draws: portable across libraries.
std::string random_family(std::uint64_t seed, int count = 4) {
  std::mt19937_64 rng(seed);
  auto draw = [&] {
    while (true) {
      const std::uint64_t x = rng();
      if (x < (~std::uint64_t{0} / 9) * 9) return static_cast<int>(x % 9) + 1;
    }
  };
  std::string s = "matrices(";
  for (int i = 0; i < count; ++i) {
    const int a = draw(), b = draw(), c = draw(), d = draw();
    s += "[[" + std::to_string(a) + ", " + std::to_string(b) + "], [" + std::to_string(c) + ", " +
         std::to_string(d) + "]]: 1/" + std::to_string(count) + (i + 1 < count ? ", " : ")");
  }
  return s;
}

// Monte Carlo estimate of Lambda: B independent chains of n steps of log(l1(S_k v)) with
// renormalisation; returns (mean, standard error of the batch means).
std::pair<double, double> monte_carlo(const laws::FiniteMatrices& f, std::uint64_t seed, int batches, int n) {
  std::mt19937_64 rng(seed);
  std::vector<double> cum;
  double acc = 0;
  for (const auto& p : f.probs) cum.push_back(acc += p.convert_to<double>());
  std::vector<double> means;
  for (int b = 0; b < batches; ++b) {
    double x = 1, y = 1, sum = 0;
    for (int i = 0; i < n; ++i) {
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      std::size_t j = 0;
      while (j + 1 < cum.size() && u > cum[j]) ++j;
      const auto& m = f.matrices[j];
      const double nx = m[0].convert_to<double>() * x + m[1].convert_to<double>() * y;
      const double ny = m[2].convert_to<double>() * x + m[3].convert_to<double>() * y;
      const double s = std::fabs(nx) + std::fabs(ny);
      sum += std::log(s);
      x = nx / s;
      y = ny / s;
    }
    means.push_back(sum / n);
  }
  double m = 0, v = 0;
  for (double x : means) m += x;
  m /= batches;
  for (double x : means) v += (x - m) * (x - m);
  v /= (batches - 1);
  return {m, std::sqrt(v / batches)};
}

TEST(CyclePollicott, FortyDigitsContainReferenceDigitByDigit) {
  const auto t0 = std::chrono::steady_clock::now();
  const nd::Result r = run(kPollicottLaw, 40);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_EQ(r.top.method, "cycle");
  EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), reference(kPollicott, "1e-44").get()))
      << r.top.value.ball.debug_str(50);
  EXPECT_LE(width(r.top.value.ball), 1e-40);
  EXPECT_GT(r.word_length, 0);
  EXPECT_LE(r.word_length, 12);  // the bound needs n = 10 (proofs/lyapnd/cycle.md); 12 leaves slack
  // Digit by digit: both printed endpoints agree with the published digits to 40 significant digits.
  const lyapcert::lyap::DecimalEnclosure d = lyapcert::lyap::to_decimal(r.top.value, 40);
  const std::string ref(kPollicott);
  ASSERT_GE(d.lower.size(), 41u);
  ASSERT_GE(d.upper.size(), 41u);
  EXPECT_EQ(d.lower.substr(0, 41), ref.substr(0, 41)) << d.lower;
  EXPECT_EQ(d.upper.substr(0, 41), ref.substr(0, 41)) << d.upper;
  RecordProperty("word_length", r.word_length);
  std::printf("Pollicott 40 digits: word length %d, %.3f s, %s\n", r.word_length, secs, r.top.message.c_str());
}

TEST(CyclePollicott, NegatedAtomGivesTheSameExponent) {
  // |(-A) B| = |A B|: the certificate negates atoms with s(center) < 0 (LYAPND-CYCLE-1).
  const nd::Result r = run("matrices([[-2, -1], [-1, -1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 30);
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), reference(kPollicott, "1e-44").get()));
}

TEST(CyclePollicott, LevelsAreNestedConsistentAndShrink) {
  const laws::MatrixLaw law = laws::parse_matrix_law(kPollicottLaw);
  const auto& fam = std::get<laws::FiniteMatrices>(law.node);
  const auto cert = nd::find_cycle_certificate(fam, 40);
  ASSERT_TRUE(cert.has_value());
  const nd::CycleBounds bounds = nd::cycle_bounds(*cert, 12, 64);
  const auto lev = nd::cycle_levels(*cert, bounds, 12, 256, std::chrono::steady_clock::time_point::max());
  ASSERT_TRUE(lev.has_value());
  const Ball ref = reference(kPollicott, "1e-44");
  int finite = 0;
  for (int n = 1; n <= 12; ++n) {
    const Ball& b = lev->lambda[n - 1];
    if (!b.is_finite()) continue;
    ++finite;
    EXPECT_TRUE(arb_overlaps(b.get(), ref.get())) << "n=" << n << " " << b.debug_str(30);
    for (int m = 1; m < n; ++m)
      if (lev->lambda[m - 1].is_finite()) EXPECT_TRUE(arb_overlaps(b.get(), lev->lambda[m - 1].get()));
    if (n >= 2 && lev->lambda[n - 2].is_finite() && width(lev->lambda[n - 2]) > 1e-70)
      EXPECT_LT(width(b), width(lev->lambda[n - 2])) << "n=" << n;
  }
  EXPECT_GE(finite, 9);
  EXPECT_LT(width(lev->lambda[11]), 1e-50);
  // The coefficient bound (LYAPND-CYCLE-4) holds for the computed coefficients.
  for (int n = 1; n <= 12; ++n) {
    Ball a;
    arb_abs(a.get(), lev->c[n].get());
    EXPECT_FALSE(arb_gt(a.get(), bounds.coefficient_bound[n].get()))
        << "n=" << n << " |c_n| " << a.debug_str(5) << " bound " << bounds.coefficient_bound[n].debug_str(5);
  }
}

// Prints the certificate and the bound at the word lengths around the one Pollicott's example
// needs (recorded in proofs/lyapnd/cycle.md); checks that the bound alone forces n >= 9 and allows n <= 11.
TEST(CyclePollicott, BoundConstantsAndNeededWordLength) {
  const laws::MatrixLaw law = laws::parse_matrix_law(kPollicottLaw);
  const auto& fam = std::get<laws::FiniteMatrices>(law.node);
  const auto cert = nd::find_cycle_certificate(fam, 40);
  ASSERT_TRUE(cert.has_value());
  std::printf("certificate: center %s, radius %s, a %s, theta_max %.6g\n",
              lyapcert::exact::to_text(cert->center).c_str(), lyapcert::exact::to_text(cert->radius).c_str(),
              lyapcert::exact::to_text(cert->a).c_str(), cert->theta_max.convert_to<double>());
  for (std::size_t i = 0; i < cert->probs.size(); ++i)
    std::printf("  atom %zu: kappa %.6g rho %.6g theta %.6g M %.6g\n", i, cert->kappa[i].convert_to<double>(),
                cert->rho[i].convert_to<double>(), cert->theta[i].convert_to<double>(),
                std::sqrt(cert->m2[i].convert_to<double>()));
  const nd::CycleBounds b = nd::cycle_bounds(*cert, 14, 64);
  for (int n = 6; n <= 13; ++n)
    std::printf("  N = %2d: |c_{N}(0)| <= %.3e, |c_N'(0)| <= %.3e, tail_z <= %.3e, tail_t <= %.3e\n", n,
                arf_get_d(arb_midref(b.coefficient_bound[n].get()), ARF_RND_UP),
                arf_get_d(arb_midref(b.derivative_bound[n].get()), ARF_RND_UP),
                arf_get_d(arb_midref(b.tail_z[n].get()), ARF_RND_UP),
                arf_get_d(arb_midref(b.tail_t[n].get()), ARF_RND_UP));
  EXPECT_GT(arf_get_d(arb_midref(b.tail_t[8].get()), ARF_RND_UP), 1e-41);
  EXPECT_LT(arf_get_d(arb_midref(b.tail_t[11].get()), ARF_RND_UP), 1e-42);
  EXPECT_LT(arf_get_d(arb_midref(b.tail_z[11].get()), ARF_RND_UP), 1e-42);
}

TEST(CycleClosedForms, SingleMatrixIsLogOfPerronRoot) {
  const char* laws_[] = {"matrices([[2, 1], [1, 1]]: 1)", "matrices([[1/2, 1/3], [1/5, 7/4]]: 1)",
                         "matrices([[1, 1], [1, 0]]: 1)", "matrices([[9, 1], [1, 9]]: 1)",
                         "matrices([[1, 2], [2, 4]]: 1)"};
  for (const char* law : laws_) {
    const laws::MatrixLaw ml = laws::parse_matrix_law(law);
    const auto& m = std::get<laws::FiniteMatrices>(ml.node).matrices[0];
    // rho = (tr + sqrt(tr^2 - 4 det))/2, exact rationals into Arb.
    const slong prec = 300;
    Ball tr = Ball::from_rational(m[0] + m[3], prec), det = Ball::from_rational(m[0] * m[3] - m[1] * m[2], prec);
    Ball disc, rho;
    arb_sqr(disc.get(), tr.get(), prec);
    arb_submul_ui(disc.get(), det.get(), 4, prec);
    arb_sqrt(disc.get(), disc.get(), prec);
    arb_add(rho.get(), tr.get(), disc.get(), prec);
    arb_mul_2exp_si(rho.get(), rho.get(), -1);
    arb_log(rho.get(), rho.get(), prec);
    const nd::Result r = run(law, 30);
    ASSERT_TRUE(r.top.converged) << law << ": " << r.top.message;
    EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), rho.get()))
        << law << ": " << r.top.value.ball.debug_str(35) << " vs " << rho.debug_str(35);
    EXPECT_LE(width(r.top.value.ball), 1e-30);
  }
}

TEST(CycleClosedForms, CommutingFamilyPolynomialsInOnePositiveMatrix) {
  // A_i = alpha_i I + beta_i B, B = [[1, 2], [3, 1]] (rho(B) = 1 + sqrt 6): common Perron vector, so
  // Lambda = sum p_i log(alpha_i + beta_i (1 + sqrt 6)). A_1 = I + B, A_2 = 2 I + 3 B.
  const char* law = "matrices([[2, 2], [3, 2]]: 1/3, [[5, 6], [9, 5]]: 2/3)";
  const slong prec = 300;
  Ball s6, a, b, ex;
  arb_sqrt_ui(s6.get(), 6, prec);
  arb_add_ui(a.get(), s6.get(), 2, prec);  // 1 + (1 + sqrt 6)
  arb_log(a.get(), a.get(), prec);
  arb_mul_ui(b.get(), s6.get(), 3, prec);
  arb_add_ui(b.get(), b.get(), 5, prec);  // 2 + 3 (1 + sqrt 6)
  arb_log(b.get(), b.get(), prec);
  arb_mul_2exp_si(b.get(), b.get(), 1);
  arb_add(ex.get(), a.get(), b.get(), prec);
  arb_div_ui(ex.get(), ex.get(), 3, prec);
  // --method cycle, and auto (which may use the exact commuting reduction: a second method).
  for (nd::Method m : {nd::Method::cycle, nd::Method::automatic}) {
    const nd::Result r = run(law, 25, m);
    ASSERT_TRUE(r.top.converged) << r.top.method << ": " << r.top.message;
    if (m == nd::Method::cycle) EXPECT_EQ(r.top.method, "cycle");
    EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), ex.get()))
        << r.top.method << ": " << r.top.value.ball.debug_str(30) << " vs " << ex.debug_str(30);
  }
}

// Three and four atoms (exercises the necklace multiplicities for k > 2): A = alpha I + beta B with
// (alpha, beta) = (1, 1), (2, 3), (0, 1), (3, 1); Lambda = sum p_i log(alpha_i + beta_i (1 + sqrt 6)).
TEST(CycleClosedForms, CommutingFamiliesWithThreeAndFourAtoms) {
  const slong prec = 300;
  Ball s6;
  arb_sqrt_ui(s6.get(), 6, prec);
  auto term = [&](int alpha, int beta) {  // log(alpha + beta (1 + sqrt 6))
    Ball t;
    arb_add_ui(t.get(), s6.get(), 1, prec);
    arb_mul_ui(t.get(), t.get(), beta, prec);
    arb_add_ui(t.get(), t.get(), alpha, prec);
    arb_log(t.get(), t.get(), prec);
    return t;
  };
  struct Case {
    const char* law;
    std::vector<std::array<int, 4>> ab;  // alpha, beta, p numerator, p denominator
  };
  const Case cases[] = {
      {"matrices([[2, 2], [3, 2]]: 1/6, [[5, 6], [9, 5]]: 1/3, [[1, 2], [3, 1]]: 1/2)",
       {{1, 1, 1, 6}, {2, 3, 1, 3}, {0, 1, 1, 2}}},
      {"matrices([[2, 2], [3, 2]]: 1/4, [[5, 6], [9, 5]]: 1/4, [[1, 2], [3, 1]]: 1/4, [[4, 2], [3, 4]]: 1/4)",
       {{1, 1, 1, 4}, {2, 3, 1, 4}, {0, 1, 1, 4}, {3, 1, 1, 4}}},
  };
  for (const Case& c : cases) {
    Ball ex;
    for (const auto& x : c.ab) {
      Ball t = term(x[0], x[1]);
      arb_mul_ui(t.get(), t.get(), x[2], prec);
      arb_div_ui(t.get(), t.get(), x[3], prec);
      arb_add(ex.get(), ex.get(), t.get(), prec);
    }
    const nd::Result r = run(c.law, 20);
    ASSERT_TRUE(r.top.converged) << c.law << ": " << r.top.message;
    EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), ex.get()))
        << c.law << ": " << r.top.value.ball.debug_str(25) << " vs " << ex.debug_str(25);
    EXPECT_LE(width(r.top.value.ball), 1e-20);
  }
}

TEST(CycleClosedForms, EqualColumnSumsGiveMeanLogColumnSum) {
  // l1(M v) = kappa l1(v) on the positive cone when both column sums of M equal kappa.
  const char* law = "matrices([[1, 2], [3, 2]]: 1/5, [[2, 1], [1, 2]]: 4/5)";
  const slong prec = 200;
  Ball l4, l3, ex;
  arb_log_ui(l4.get(), 4, prec);
  arb_log_ui(l3.get(), 3, prec);
  arb_mul_ui(l3.get(), l3.get(), 4, prec);
  arb_add(ex.get(), l4.get(), l3.get(), prec);
  arb_div_ui(ex.get(), ex.get(), 5, prec);
  const nd::Result r = run(law, 30);
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), ex.get()));
  // Column sums 1 (column-stochastic): Lambda = 0 exactly, decided exactly.
  const nd::Result z = run("matrices([[1/2, 1/3], [1/2, 2/3]]: 1/2, [[1/4, 3/5], [3/4, 2/5]]: 1/2)", 30);
  EXPECT_TRUE(z.top.converged);
  EXPECT_TRUE(z.top.value.exact);
  EXPECT_EQ(z.top.value.sign, lyapcert::lyap::Sign::zero);
  // The general path (levels from the traces) agrees with the closed form: every truncation level encloses it.
  const laws::MatrixLaw ml = laws::parse_matrix_law(law);
  const auto cert = nd::find_cycle_certificate(std::get<laws::FiniteMatrices>(ml.node), 30);
  ASSERT_TRUE(cert.has_value());
  const auto lev = nd::cycle_levels(*cert, nd::cycle_bounds(*cert, 8, 64), 8, 200,
                                    std::chrono::steady_clock::time_point::max());
  ASSERT_TRUE(lev.has_value());
  for (int n = 1; n <= 8; ++n) EXPECT_TRUE(arb_overlaps(lev->lambda[n - 1].get(), ex.get())) << "n=" << n;
}

TEST(CycleRandomFamily, TenDigitsBracketedByEnumerationAndMonteCarlo) {
  const std::uint64_t seed = 1;
  const std::string law = random_family(seed);
  SCOPED_TRACE("seed=" + std::to_string(seed) + " law=" + law);
  const auto t0 = std::chrono::steady_clock::now();
  const nd::Result r = run(law, 10, nd::Method::automatic, 60);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_EQ(r.top.method, "cycle");
  std::printf("random family seed %llu: %s\n  word length %d, %.2f s, %s\n",
              static_cast<unsigned long long>(seed), law.c_str(), r.word_length, secs, r.top.message.c_str());
  const laws::MatrixLaw ml = laws::parse_matrix_law(law);
  const auto& fam = std::get<laws::FiniteMatrices>(ml.node);
  // Upper bound (1/n) E log ||A_n...A_1||_F >= Lambda (LYAPND-ENUM-1), n = 8: the enclosure's lower
  // endpoint must lie below it.
  const auto lev = nd::enumeration_bound(fam, 2, 8, 128, std::chrono::steady_clock::time_point::max());
  ASSERT_TRUE(lev.has_value());
  EXPECT_TRUE(arb_le(r.top.value.ball.get(), lev->upper_bound.get()) ||
              arb_overlaps(r.top.value.ball.get(), lev->upper_bound.get()));
  // Monte Carlo: 40 batches of 20000 steps; tolerance 8 standard errors of the batch mean plus 5e-4
  // for the O(1/n) start-up bias; false-failure probability < 1e-9 (t distribution, 39 d.o.f.).
  const auto [mean, se] = monte_carlo(fam, 20261128, 40, 20000);
  const double mid = arf_get_d(arb_midref(r.top.value.ball.get()), ARF_RND_NEAR);
  EXPECT_NEAR(mid, mean, 8 * se + 5e-4) << "Monte Carlo seed 20261128";
  // Every shorter truncation is an enclosure too: all overlap the converged one, widths shrink.
  const auto cert = nd::find_cycle_certificate(fam, 10);
  ASSERT_TRUE(cert.has_value());
  const nd::CycleBounds bounds = nd::cycle_bounds(*cert, 8, 64);
  const auto levs = nd::cycle_levels(*cert, bounds, 8, 128, std::chrono::steady_clock::time_point::max());
  ASSERT_TRUE(levs.has_value());
  double last = 1e300;
  for (int n = 1; n <= 8; ++n) {
    const Ball& b = levs->lambda[n - 1];
    if (!b.is_finite()) continue;
    EXPECT_TRUE(arb_overlaps(b.get(), r.top.value.ball.get())) << "n=" << n << " " << b.debug_str(15);
    EXPECT_LT(width(b), last) << "n=" << n;
    last = width(b);
  }
  EXPECT_LT(last, 1e-3);  // n = 8: about 4e-4 (the bound needs n = 10 for 10 digits)
  for (int n = 1; n <= 8; ++n) {  // the coefficient bound (LYAPND-CYCLE-4) holds for this family too
    Ball a;
    arb_abs(a.get(), levs->c[n].get());
    EXPECT_FALSE(arb_gt(a.get(), bounds.coefficient_bound[n].get())) << "n=" << n;
  }
}

TEST(CycleRandomFamily, SeveralSeedsAgreeWithMonteCarloAndEnumeration) {
  for (std::uint64_t seed : {2, 3, 4}) {
    const std::string law = random_family(seed, 3);
    SCOPED_TRACE("seed=" + std::to_string(seed) + " law=" + law);
    const nd::Result r = run(law, 6, nd::Method::cycle, 20);
    ASSERT_TRUE(r.top.converged) << r.top.message;
    const laws::MatrixLaw ml = laws::parse_matrix_law(law);
    const auto& fam = std::get<laws::FiniteMatrices>(ml.node);
    const auto lev = nd::enumeration_bound(fam, 2, 7, 128, std::chrono::steady_clock::time_point::max());
    ASSERT_TRUE(lev.has_value());
    EXPECT_TRUE(arb_le(r.top.value.ball.get(), lev->upper_bound.get()) ||
                arb_overlaps(r.top.value.ball.get(), lev->upper_bound.get()));
    const auto [mean, se] = monte_carlo(fam, 7 + seed, 40, 20000);
    EXPECT_NEAR(arf_get_d(arb_midref(r.top.value.ball.get()), ARF_RND_NEAR), mean, 8 * se + 2e-4);
  }
}

TEST(CycleBudget, TimeBudgetGivesHonestNonConvergedEnclosure) {
  const nd::Result r = run(kPollicottLaw, 300, nd::Method::cycle, 0.2);
  EXPECT_FALSE(r.top.converged);
  ASSERT_TRUE(r.top.value.ball.is_finite()) << r.top.message;
  EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), reference(kPollicott, "1e-44").get()));
  EXPECT_FALSE(r.top.message.empty());
}

TEST(CycleBudget, WordLengthCapGivesHonestNonConvergedEnclosure) {
  nd::Options o;
  o.acc.digits = 40;
  o.method = nd::Method::cycle;
  o.max_word_length = 5;
  const nd::Result r = nd::certify_lyapnd(laws::parse_matrix_law(kPollicottLaw), o);
  EXPECT_FALSE(r.top.converged);
  EXPECT_LE(r.word_length, 5);
  ASSERT_TRUE(r.top.value.ball.is_finite());
  EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), reference(kPollicott, "1e-44").get()));
  EXPECT_GT(width(r.top.value.ball), 1e-40);
}

TEST(CycleHypothesis, RefusedWhenNoDiscCertificate) {
  // A rotation-like atom (complex eigenvalues) has no attracting disc: exit 2 (InputError).
  EXPECT_THROW(run("matrices([[1, -1], [1, 1]]: 1/2, [[2, 1], [1, 1]]: 1/2)", 10), lyapcert::InputError);
  // Identity atom: parabolic/neutral projective action.
  EXPECT_THROW(run("matrices([[1, 0], [0, 1]]: 1/2, [[2, 1], [1, 1]]: 1/2)", 10), lyapcert::InputError);
  // d = 3 with mixed signs (a rotation block): refused by the d = 3, 4 expansion (LYAPND-CYCND-1).
  EXPECT_THROW(run("matrices([[1, -1, 0], [1, 1, 0], [0, 0, 1]]: 1)", 10), lyapcert::InputError);
  // Mixed signs: auto does not pick the cycle expansion.
  const nd::Result r = run("matrices([[1, -1], [1, 1]]: 1/2, [[2, 1], [1, 1]]: 1/2)", 5, nd::Method::automatic, 1);
  EXPECT_NE(r.top.method, "cycle");
}

TEST(CycleHypothesis, ExactVerificationRejectsBadDiscs) {
  const laws::MatrixLaw law = laws::parse_matrix_law(kPollicottLaw);
  const auto& fam = std::get<laws::FiniteMatrices>(law.node);
  EXPECT_TRUE(nd::verify_cycle_disc(fam, Rational(1, 2), Rational(1, 2), Rational(0)).has_value());
  // Too small a disc: f_1(0.5) = 3/5 is outside D(0.5, 0.05).
  EXPECT_FALSE(nd::verify_cycle_disc(fam, Rational(1, 2), Rational(1, 20), Rational(0)).has_value());
  // Pole inside: s_2(x) = 2 + 3x vanishes at -2/3, inside D(0, 1).
  EXPECT_FALSE(nd::verify_cycle_disc(fam, Rational(0), Rational(1), Rational(0)).has_value());
  EXPECT_FALSE(nd::verify_cycle_disc(fam, Rational(1, 2), Rational(1, 2), Rational(1)).has_value());
}

// Property: for a single positive integer matrix the enclosure contains log rho(A).
RC_GTEST_PROP(CycleProperty, SingleMatrixEnclosesLogPerronRoot, ()) {
  const int a = *rc::gen::inRange(1, 20), b = *rc::gen::inRange(1, 20), c = *rc::gen::inRange(1, 20),
            d = *rc::gen::inRange(1, 20);
  const std::string law = "matrices([[" + std::to_string(a) + ", " + std::to_string(b) + "], [" + std::to_string(c) +
                          ", " + std::to_string(d) + "]]: 1)";
  const slong prec = 200;
  Ball disc, rho;
  arb_set_si(disc.get(), (a - d) * (a - d) + 4 * b * c);
  arb_sqrt(disc.get(), disc.get(), prec);
  arb_add_si(rho.get(), disc.get(), a + d, prec);
  arb_mul_2exp_si(rho.get(), rho.get(), -1);
  arb_log(rho.get(), rho.get(), prec);
  const nd::Result r = run(law, 15, nd::Method::cycle, 10);
  RC_ASSERT(r.top.value.ball.is_finite());
  RC_ASSERT(arb_overlaps(r.top.value.ball.get(), rho.get()));
  RC_ASSERT(r.top.converged);
}

}  // namespace
