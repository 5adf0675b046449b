// Tests of the conformal method (lib/lyapcert/lyapnd/conformal.hpp, proofs/lyapnd/conformal.md) against
// independent computations: the Frobenius-norm identity of similarity families through the enumeration method,
// the Poisson-equation certificate (another algorithm; capped by --max-memory at its first level, so the result
// does not depend on the machine's speed) for conjugated, imprimitive and SL(2) families, and a
// seeded simulation of a monomial family along its Markov chain; plus the witness search's refusals.
#include <gtest/gtest.h>

#include <arb.h>

#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/conformal.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "support/seed.hpp"

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;

nd::Result run(const std::string& law, int digits, nd::Method m, double budget = 20, bool elementary = true,
               int max_word_length = 40, double max_memory_mib = 4096) {
  nd::Options o;
  o.max_memory_mib = max_memory_mib;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = budget;
  o.elementary_bounds = elementary;
  o.max_word_length = max_word_length;
  return nd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

laws::FiniteMatrices family(const std::string& law) {
  return std::get<laws::FiniteMatrices>(laws::parse_matrix_law(law).node);
}

// sum_j w_j log(n_j / d_j) / 2 in Arb, computed here from the closed form of the test family.
Ball half_log_mean(const std::vector<std::array<long, 4>>& terms /* {w_num, w_den, n, d} */) {
  Ball s = Ball::from_si(0), t, u;
  for (const auto& x : terms) {
    arb_set_si(u, x[2]);
    arb_div_si(u, u, x[3], 256);
    arb_log(t, u, 256);
    arb_mul_si(t, t, x[0], 256);
    arb_div_si(t, t, x[1], 256);
    arb_add(s, s, t, 256);
  }
  arb_mul_2exp_si(s, s, -1);
  return s;
}

// The Poisson certificate at its first level only (the 4 MiB memory cap stops the refinement deterministically).
nd::Result poisson(const std::string& law) { return run(law, 6, nd::Method::poisson, 120, false, 40, 4); }

double width(const Ball& b) { return 2 * mag_get_d(arb_radref(b)); }

// Similarities and anti-similarities of the standard inner product: 2 R(theta) with cos = 3/5 (det 4), a scaled
// reflection (det -5), 3 R(90 deg) (det 9). Lambda = (1/3 log 4 + 1/2 log 5 + 1/6 log 9) / 2.
constexpr const char* kConformal = "matrices([[6/5, -8/5], [8/5, 6/5]]: 1/3, [[1, 2], [2, -1]]: 1/2, "
                                   "[[0, -3], [3, 0]]: 1/6)";
// The same family conjugated by T = [[1, 1], [0, 2]] (T^-1 A T, exact fractions by hand): no longer similarities
// of the standard inner product, the same Lambda.
constexpr const char* kConjugated = "matrices([[2/5, -4], [4/5, 2]]: 1/3, [[0, 5], [1, 0]]: 1/2, "
                                    "[[-3/2, -15/2], [3/2, 3/2]]: 1/6)";
// Family 3 of the seeded random class (bench/lyapnd_random_class.cpp): two atoms of trace 0 (det 1 and -10)
// that swap the eigenlines of the traceless part of their product. Lambda = (5/6) log 10 / 2.
constexpr const char* kRandomClass3 = "matrices([[-1, -2], [1, 1]]: 1/6, [[3, -1], [-1, -3]]: 5/6)";

TEST(Conformal, RotationScalingFamilyMatchesTheFrobeniusIdentity) {
  const nd::Result r = run(kConformal, 30, nd::Method::automatic);
  EXPECT_EQ(r.top.method, "conformal");
  EXPECT_TRUE(r.top.converged);
  const Ball truth = half_log_mean({{1, 3, 4, 1}, {1, 2, 5, 1}, {1, 6, 9, 1}});
  EXPECT_TRUE(arb_overlaps(r.top.value.ball, truth));
  EXPECT_LT(width(r.top.value.ball), 1e-29);
  // Independent: for a product S of similarities ||S||_F^2 = 2 |det S| exactly, so the enumeration bound at word
  // length n, (1/n) E log ||S_n||_F, is Lambda + log(2) / (2 n).
  const nd::Result e = run(kConformal, 12, nd::Method::enumerate, 20, false, 6);
  ASSERT_GE(e.word_length, 1);
  Ball expected = truth, l2;
  arb_const_log2(l2, 256);
  arb_div_si(l2, l2, 2 * e.word_length, 256);
  arb_add(expected, expected, l2, 256);
  EXPECT_TRUE(arb_overlaps(e.top.value.ball, expected)) << e.word_length;
  EXPECT_LT(std::abs(arf_get_d(arb_midref(e.top.value.ball), ARF_RND_NEAR) -
                     arf_get_d(arb_midref(expected), ARF_RND_NEAR)),
            1e-9);
}

TEST(Conformal, ConjugatedFamilyInsidePoisson) {
  const nd::Result r = run(kConjugated, 30, nd::Method::conformal);
  EXPECT_TRUE(r.top.converged);
  const Ball truth = half_log_mean({{1, 3, 4, 1}, {1, 2, 5, 1}, {1, 6, 9, 1}});
  EXPECT_TRUE(arb_overlaps(r.top.value.ball, truth));
  const nd::Result p = poisson(kConjugated);
  ASSERT_TRUE(arb_is_finite(p.top.value.ball));
  EXPECT_TRUE(arb_contains(p.top.value.ball, r.top.value.ball));
}

TEST(Conformal, ImprimitiveRandomClassFamilyInsidePoisson) {
  const auto cert = nd::find_conformal_certificate(family(kRandomClass3), 2);
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->kind, nd::ConformalKind::imprimitive);
  const nd::Result r = run(kRandomClass3, 30, nd::Method::automatic);
  EXPECT_EQ(r.top.method, "conformal");
  EXPECT_TRUE(r.top.converged);
  EXPECT_TRUE(arb_overlaps(r.top.value.ball, half_log_mean({{5, 6, 10, 1}})));
  const nd::Result p = poisson(kRandomClass3);
  ASSERT_TRUE(arb_is_finite(p.top.value.ball));
  EXPECT_TRUE(arb_contains(p.top.value.ball, r.top.value.ball));
}

TEST(Conformal, SlTwoImprimitiveIsExactlyZero) {
  // diag(2, 1/2) fixes the axes, the quarter turn swaps them: the log-norm is a driftless walk, Lambda = 0.
  const std::string law = "matrices([[2, 0], [0, 1/2]]: 1/3, [[0, 1], [-1, 0]]: 2/3)";
  const nd::Result r = run(law, 20, nd::Method::automatic);
  EXPECT_EQ(r.top.method, "conformal");
  EXPECT_TRUE(r.top.value.exact);
  EXPECT_EQ(r.top.value.sign, lyapcert::lyap::Sign::zero);
  const nd::Result p = poisson(law);
  ASSERT_TRUE(arb_is_finite(p.top.value.ball));
  EXPECT_TRUE(arb_contains_zero(p.top.value.ball));
}

TEST(Conformal, MonomialFamilyMatchesTheMarkovChainValue) {
  // diag(3, 1/2) and [[0, 2], [5, 0]], probability 1/2 each: Lambda = (1/2 log(3/2) + 1/2 log 10) / 2.
  const nd::Result r = run("matrices([[3, 0], [0, 1/2]]: 1/2, [[0, 2], [5, 0]]: 1/2)", 25, nd::Method::automatic);
  EXPECT_EQ(r.top.method, "conformal");
  const Ball truth = half_log_mean({{1, 2, 3, 2}, {1, 2, 10, 1}});
  EXPECT_TRUE(arb_overlaps(r.top.value.ball, truth));
  // Independent: simulate the coordinate chain (a monomial product keeps e_1 on an axis) for 4e6 steps with a
  // fixed seed. The increments are bounded by log 5 and the chain mixes in one step with probability 1/2, so
  // the standard deviation of the average is below 3 / sqrt(4e6) = 1.5e-3; the tolerance is 1e-2 (> 6 sigma).
  std::mt19937_64 rng(lyapcert::test::test_seed(20261207));
  int x = 0;  // 0: the vector is on e_1, 1: on e_2
  double sum = 0;
  const long n = 4000000;
  for (long t = 0; t < n; ++t) {
    if (rng() & 1) {
      sum += std::log(x == 0 ? 3.0 : 0.5);
    } else {
      sum += std::log(x == 0 ? 5.0 : 2.0);  // [[0, 2], [5, 0]] e_1 = 5 e_2, e_2 -> 2 e_1
      x = 1 - x;
    }
  }
  EXPECT_NEAR(sum / n, arf_get_d(arb_midref(r.top.value.ball), ARF_RND_NEAR), 1e-2);
}

TEST(Conformal, WitnessSearchRefusesOtherFamilies) {
  // Pollicott's positive pair: no witness (dominated, Lambda != E log|det| / 2).
  EXPECT_FALSE(nd::find_conformal_certificate(family("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)"), 2));
  // Diagonal family: every atom commutes with diag(1, -1) but none swaps its eigenlines: Lambda is the larger of
  // the two diagonal exponents, not their mean.
  EXPECT_FALSE(nd::find_conformal_certificate(family("matrices([[2, 0], [0, 1/3]]: 1/2, [[1, 0], [0, 5]]: 1/2)"), 2));
  // A singular atom: no claim.
  EXPECT_FALSE(nd::find_conformal_certificate(family("matrices([[1, 0], [0, 0]]: 1/2, [[0, 1], [-1, 0]]: 1/2)"), 2));
  EXPECT_THROW(run("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 10, nd::Method::conformal),
               lyapcert::InputError);
}

TEST(Conformal, WitnessSearchFindsProductWitnesses) {
  // Two anti-similarities (scaled reflections, both traceless with det < 0): no atom is a similarity, the witness
  // is the traceless part of their product (a rotation-scaling, det > 0).
  const auto cert =
      nd::find_conformal_certificate(family("matrices([[1, 2], [2, -1]]: 1/4, [[3, 0], [0, -3]]: 3/4)"), 2);
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->kind, nd::ConformalKind::conformal);
  const nd::Result r = run("matrices([[1, 2], [2, -1]]: 1/4, [[3, 0], [0, -3]]: 3/4)", 20, nd::Method::automatic);
  EXPECT_EQ(r.top.method, "conformal");
  EXPECT_TRUE(arb_overlaps(r.top.value.ball, half_log_mean({{1, 4, 5, 1}, {3, 4, 9, 1}})));
}

}  // namespace
