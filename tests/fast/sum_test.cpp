// IntervalSum versus exact sums (MPFR at 2300 bits, every addition checked to be exact) and versus
// naive outward interval summation.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "fast/random_doubles.hpp"
#include "lyapcert/fast/sum.hpp"

namespace lyapcert::fast {
namespace {

// Number of doubles strictly between a and b (a <= b), saturated; 0 when equal or adjacent.
double ulps_between(double a, double b) {
  double n = 0;
  while (a < b && n < 1e6) {
    a = next_up(a);
    if (a < b) ++n;
  }
  return n;
}

struct Terms {
  std::vector<OutwardInterval> terms;
  std::vector<double> lower, upper;
};

// Mixed signs, magnitudes 2^-150..2^150, a third of them nearly cancelling an earlier term,
// widths from 0 to 2^-40 relative.
Terms make_terms(std::mt19937_64& rng, int n) {
  Terms t;
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int i = 0; i < n; ++i) {
    double mid;
    if (i > 0 && rng() % 3 == 0) {
      mid = -t.lower[rng() % i] * (1.0 + std::ldexp(unit(rng), -30));
    } else {
      mid = std::ldexp(unit(rng), static_cast<int>(rng() % 300) - 150);
    }
    const double w = (rng() % 4 == 0) ? 0.0 : std::fabs(mid) * std::ldexp(std::fabs(unit(rng)), -40);
    const double lo = mid, hi = mid + w;
    t.terms.emplace_back(lo, hi);
    t.lower.push_back(lo);
    t.upper.push_back(hi);
  }
  return t;
}

// Exact sum of doubles; ASSERTs every MPFR addition was exact (ternary value 0).
void exact_sum(mpfr_t acc, const std::vector<double>& xs) {
  mpfr_set_zero(acc, 1);
  for (double x : xs) ASSERT_EQ(mpfr_add_d(acc, acc, x, MPFR_RNDN), 0);
}

TEST(FastSum, ContainsExactSumAndIsTight) {
  std::mt19937_64 rng(testing::test_seed(11));
  constexpr int kTerms = 100000;
  const Terms t = make_terms(rng, kTerms);
  IntervalSum acc;
  OutwardInterval naive(0.0);
  for (const OutwardInterval& x : t.terms) {
    acc.add(x);
    naive += x;
  }
  const OutwardInterval r = acc.result();
  mpfr_t lo, hi;
  mpfr_init2(lo, 2300);
  mpfr_init2(hi, 2300);
  exact_sum(lo, t.lower);
  exact_sum(hi, t.upper);
  EXPECT_GE(mpfr_cmp_d(lo, r.lower()), 0);
  EXPECT_LE(mpfr_cmp_d(hi, r.upper()), 0);
  const double rd = mpfr_get_d(lo, MPFR_RNDD);
  const double ru = mpfr_get_d(hi, MPFR_RNDU);
  const double excess_lo = ulps_between(r.lower(), rd), excess_hi = ulps_between(ru, r.upper());
  const double naive_lo = ulps_between(naive.lower(), rd), naive_hi = ulps_between(ru, naive.upper());
  std::printf("10^5 terms: IntervalSum exceeds the exact hull by %g + %g ulp, naive by %g + %g ulp\n",
              excess_lo, excess_hi, naive_lo, naive_hi);
  EXPECT_LE(excess_lo, 2.0);
  EXPECT_LE(excess_hi, 2.0);
  mpfr_clear(lo);
  mpfr_clear(hi);
}

TEST(FastSum, MergeMatchesExactSum) {
  std::mt19937_64 rng(testing::test_seed(12));
  const Terms t = make_terms(rng, 30000);
  IntervalSum a, b, c;
  for (std::size_t i = 0; i < t.terms.size(); ++i) (i % 3 == 0 ? a : i % 3 == 1 ? b : c).add(t.terms[i]);
  a.merge(b);
  c.merge(a);
  const OutwardInterval r = c.result();
  mpfr_t lo, hi;
  mpfr_init2(lo, 2300);
  mpfr_init2(hi, 2300);
  exact_sum(lo, t.lower);
  exact_sum(hi, t.upper);
  EXPECT_GE(mpfr_cmp_d(lo, r.lower()), 0);
  EXPECT_LE(mpfr_cmp_d(hi, r.upper()), 0);
  EXPECT_LE(ulps_between(r.lower(), mpfr_get_d(lo, MPFR_RNDD)), 2.0);
  mpfr_clear(lo);
  mpfr_clear(hi);
}

// 10^6 point terms (exact width 0): compensated width versus naive outward summation width.
TEST(FastSum, MuchNarrowerThanNaiveOnAMillionTerms) {
  std::mt19937_64 rng(testing::test_seed(13));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  IntervalSum acc;
  OutwardInterval naive(0.0);
  for (int i = 0; i < 1000000; ++i) {
    const double x = unit(rng);
    acc.add(x);
    naive += OutwardInterval(x);
  }
  const OutwardInterval r = acc.result();
  const double w = r.upper() - r.lower(), wn = naive.upper() - naive.lower();
  std::printf("10^6 terms: IntervalSum width %.3g, naive width %.3g, ratio %.3g\n", w, wn, wn / w);
  EXPECT_GT(wn / w, 1e4);
}

TEST(FastSum, InfinitiesOverflowAndEmpty) {
  IntervalSum a;
  a.add(OutwardInterval(1.0));
  a.add(OutwardInterval(-kInf, 2.0));
  OutwardInterval r = a.result();
  EXPECT_EQ(r.lower(), -kInf);
  EXPECT_GE(r.upper(), 3.0);
  EXPECT_LT(r.upper(), 3.0 + 1e-12);
  IntervalSum b;
  b.add(DBL_MAX);
  b.add(DBL_MAX);
  r = b.result();
  EXPECT_EQ(r.upper(), kInf);
  EXPECT_EQ(r.lower(), -kInf);  // overflow makes the endpoint conservative
  IntervalSum c;
  c.add(1.0);
  c.add(OutwardInterval::empty());
  EXPECT_TRUE(boost::numeric::empty(c.result()));
  IntervalSum d;
  d.add(0.1);
  d.add(0.2);
  r = d.result();
  EXPECT_LE(r.lower(), 0.30000000000000004);
  EXPECT_GE(r.upper(), 0.3);
}

}  // namespace
}  // namespace lyapcert::fast
