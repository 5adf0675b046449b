// Measured coverage: 2 * 10^4 independent small runs per law with a known exponent, and the
// sign test's error rate per guarantee class at laws with Lambda = 0 (or |Lambda| < 1e-7).
//
// Decision rule (every test here): with n = 2 * 10^4 runs and nominal error alpha, fail when the
// number of misses exceeds k*, the smallest k with P(Binomial(n, alpha) > k) <= 1e-6. So each test
// has false-failure probability <= 1e-6 when the true rate is alpha, and k*/n <= alpha + 0.01
// (checked below: 10^4 runs would need k*/n = alpha + 0.0107), i.e. it requires observed
// miscoverage <= (1 - level) + 0.01. Seeds are
// 1000 * test + i and printed on failure.
#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/expint.hpp>

#include <cmath>
#include <cstdio>
#include <string>

#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/stats/estimator.hpp"

namespace laws = lyapcert::laws;
namespace st = lyapcert::stats;

namespace {

constexpr int kRuns = 20000;
constexpr double kEuler = 0.57721566490153286061;

int max_misses(double alpha) {
  const boost::math::binomial_distribution<double> b(kRuns, alpha);
  int k = static_cast<int>(kRuns * alpha);
  while (boost::math::cdf(boost::math::complement(b, k)) > 1e-6) ++k;
  EXPECT_LE(static_cast<double>(k) / kRuns, alpha + 0.01);
  return k;
}

void check_coverage(const char* law_text, double lambda, std::uint64_t steps, std::uint64_t reps, int test_id) {
  const auto law = laws::parse_matrix_law(law_text);
  st::EstimateOptions o;
  o.steps = steps;
  o.reps = reps;
  o.level = 0.95;
  o.threads = 1;
  int miss = 0, ub_miss = 0;
  for (int i = 0; i < kRuns; ++i) {
    o.seed = 1000ULL * test_id + static_cast<std::uint64_t>(i);
    const st::Estimate e = st::estimate(law, o);
    if (!(e.ci.lower <= lambda && lambda <= e.ci.upper)) ++miss;
    if (!e.upper_bounds.empty() && e.upper_bounds[0].value < lambda) ++ub_miss;
  }
  const int k = max_misses(0.05);
  EXPECT_LE(miss, k) << law_text << ": " << miss << " of " << kRuns << " intervals missed Lambda = " << lambda;
  EXPECT_LE(ub_miss, k) << law_text << ": upper bound below Lambda in " << ub_miss << " runs";
  std::printf("%s: miscoverage %.4f, upper-bound misses %.4f (limit %.4f)\n", law_text, double(miss) / kRuns,
              double(ub_miss) / kRuns, double(k) / kRuns);
}

}  // namespace

// Newman (1986): lambda_1 = (log(2 sigma^2) + psi(d/2)) / 2.
TEST(Coverage, GinibreNewman) {
  check_coverage("ginibre(2, 1)", (std::log(2.0) - kEuler) / 2, 500, 2, 1);
  check_coverage("ginibre(3, 1/2)", 0.5 * (std::log(2 * 0.25) + boost::math::digamma(1.5)), 500, 2, 2);
}

// Referee: the certified lyap1d enclosure (identity lyap1d --law L --lr r == estimate sgd(r, L)).
TEST(Coverage, OneDimensionalFiniteLawAgainstLyap1d) {
  const char* curv = "atoms(2.1, 1.3, -0.4, 0.9, 1.7, -1.2, 0.5, 2.6, 0.2, -0.7)";
  const auto cert = lyapcert::lyap::certify_lyap1d(laws::parse_curvature_law(curv),
                                                   lyapcert::exact::parse_rational("0.9"), {16, 4096});
  const double lambda = arf_get_d(arb_midref(cert.value.ball.get()), ARF_RND_NEAR);
  check_coverage("sgd(0.9, atoms(2.1, 1.3, -0.4, 0.9, 1.7, -1.2, 0.5, 2.6, 0.2, -0.7))", lambda, 1000, 1, 3);
}

// Isotropic d = 2 (docs/math.md section 4): Lambda = E1(c) - e^{-2c} (Ei(2c) - Ei(c)), c = 1/(2 lr).
TEST(Coverage, IsotropicClosedForm) {
  const double c = 0.5;  // lr = 1
  const double lambda = boost::math::expint(1, c) - std::exp(-2 * c) * (boost::math::expint(2 * c) - boost::math::expint(c));
  check_coverage("isotropic(2, 1)", lambda, 1000, 1, 4);
}

// Commuting (diagonal) matrices: Lambda = max_i E log|d_i| = log(3/2)/2; Markov increments,
// batch-means intervals.
TEST(Coverage, CommutingDiagonal) {
  check_coverage("matrices([[2, 0], [0, 1/3]], [[3/4, 0], [0, 3/2]])", std::log(1.5) / 2, 2000, 2, 5);
}

namespace {
void check_sign_errors(const char* law_text, double lambda, std::uint64_t budget, st::Guarantee expected, int test_id) {
  const auto law = laws::parse_matrix_law(law_text);
  st::SignOptions o;
  o.level = 0.95;
  o.budget = budget;
  o.threads = 1;
  int wrong = 0, decided = 0, other_class = 0;
  for (int i = 0; i < kRuns; ++i) {
    o.seed = 1000ULL * test_id + static_cast<std::uint64_t>(i);
    const st::SignResult r = st::sign_test(law, o);
    if (r.sign == lyapcert::exact::Sign::undetermined) continue;
    ++decided;
    if (r.guarantee != expected) ++other_class;
    // |Lambda| tiny: count every verdict whose sign is not certainly right as an error.
    const bool right = (r.sign == lyapcert::exact::Sign::positive && lambda > 1e-6) ||
                       (r.sign == lyapcert::exact::Sign::negative && lambda < -1e-6);
    if (!right) ++wrong;
  }
  const int k = max_misses(0.05);
  EXPECT_LE(wrong, k) << law_text << ": " << wrong << " wrong verdicts in " << kRuns;
  std::printf("%s: %d verdicts, %d wrong (%.4f; limit %.4f), %d of another class\n", law_text, decided, wrong,
              double(wrong) / kRuns, double(k) / kRuns, other_class);
}
}  // namespace

// Nonasymptotic class: i.i.d. bounded increments +-log 2, Lambda = 0 exactly.
TEST(SignErrors, NonasymptoticIid) {
  check_sign_errors("sgd(1, atoms(-1, 1/2))", 0.0, 3 * 16384, st::Guarantee::nonasymptotic, 6);
}
// Nonasymptotic class with a density tail bound: m ~ N(0, 1) has Lambda = -(gamma + log 2)/2;
// scaled by s with log s = (gamma + log 2)/2 up to |Lambda| = 1.9e-5: normal(0, 1.8874).
TEST(SignErrors, NonasymptoticGaussianNearZero) {
  const double lambda = std::log(1.8874) - (kEuler + std::log(2.0)) / 2;
  ASSERT_LT(std::fabs(lambda), 1e-4);
  check_sign_errors("normal(0, 1.8874)", lambda, 3 * 16384, st::Guarantee::nonasymptotic, 7);
}
// G(1, v) = E log|N(1, v^2)| = log v - (gamma + log 2)/2 + x 2F2(1, 1; 3/2, 2; -x), x = 1/(2 v^2)
// (docs/math.md section 2), by its series sum_k k! (-x)^k / ((3/2)_k (k + 1)) (x <= 2 here: no cancellation issue).
double gauss_log_abs_mean_m1(double v) {
  const double x = 1 / (2 * v * v);
  double term = 1, sum = 1;
  for (int k = 1; k < 200; ++k) {
    term *= -x * k / (0.5 + k);  // k! / (3/2)_k (-x)^k, from k - 1
    sum += term / (k + 1);
  }
  return std::log(v) - (kEuler + std::log(2.0)) / 2 + x * sum;
}

// Asymptotic class, i.i.d. increments without a certified tail (sqnormal): 1 - lr a^2,
// a ~ N(0, 1), has Lambda = 2 G(1, sqrt(lr)) (docs/math.md section 2), zero for lr in (2, 3) (bisection).
TEST(SignErrors, AsymptoticIidSqnormal) {
  double lo = 2.0, hi = 3.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (gauss_log_abs_mean_m1(std::sqrt(mid)) < 0 ? lo : hi) = mid;
  }
  char text[128];
  std::snprintf(text, sizeof text, "sgd(%.12f, sqnormal(0, 1))", lo);
  const double lambda = 2 * gauss_log_abs_mean_m1(std::sqrt(std::stod(std::string(text).substr(4))));
  ASSERT_LT(std::fabs(lambda), 1e-9);
  check_sign_errors(text, lambda, 3 * 16384, st::Guarantee::asymptotic, 8);
}
// Markov class: commuting matrices with Lambda = 0 exactly (log 2 + log 1/2 = 0 on e_1).
TEST(SignErrors, MarkovReplicates) {
  check_sign_errors("matrices([[2, 0], [0, 1/3]], [[1/2, 0], [0, 3/2]])", 0.0, 2 * 16384, st::Guarantee::asymptotic, 9);
}
