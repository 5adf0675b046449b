// Tests of the certified binary64 logarithm against Arb at 200 bits (an independent library).
#include <arb.h>
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "fast/arb_log_reference.hpp"
#include "fast/random_doubles.hpp"
#include "lyapcert/fast/log.hpp"

namespace lyapcert::fast {
namespace {

using testing::ArbLog;
using testing::PositiveDoubles;

constexpr double kU = 0x1p-53;

// Checks the ln 2 split used by the kernel (FAST-LOG-5): kLn2Hi has at most 32 significant bits
// and |ln 2 - kLn2Hi - kLn2Lo| <= 2^-86, both against Arb.
TEST(FastLog, Ln2SplitMatchesProof) {
  const auto bits = std::bit_cast<std::uint64_t>(detail::kLn2Hi);
  EXPECT_EQ(bits & ((std::uint64_t{1} << 21) - 1), 0u) << "kLn2Hi must have <= 32 significant bits";
  arb_t ln2, t;
  arb_init(ln2);
  arb_init(t);
  arb_const_log2(ln2, 300);
  arb_set_d(t, detail::kLn2Hi);
  arb_sub(ln2, ln2, t, 300);
  arb_set_d(t, detail::kLn2Lo);
  arb_sub(ln2, ln2, t, 300);
  arb_abs(ln2, ln2);
  arb_set_d(t, 0x1p-86);
  EXPECT_TRUE(arb_lt(ln2, t));
  // Threshold T is the double just above 1/sqrt(2) (FAST-LOG-1).
  arb_set_d(t, detail::kLogThreshold);
  arb_mul(t, t, t, 300);
  arb_set_d(ln2, 0.5);
  EXPECT_TRUE(arb_gt(t, ln2));
  arb_set_d(t, std::nextafter(detail::kLogThreshold, 0.0));
  arb_mul(t, t, t, 300);
  EXPECT_TRUE(arb_lt(t, ln2));
  arb_clear(ln2);
  arb_clear(t);
}

TEST(FastLog, RandomEnclosuresContainArbLog) {
  const std::uint64_t seed = testing::test_seed(20261128);
  PositiveDoubles draw(seed);
  ArbLog ref;
  for (int i = 0; i < 200000; ++i) {
    const double x = draw();
    ref.set(x);
    const OutwardInterval y = log(OutwardInterval(x));
    ASSERT_TRUE(ref.inside(y.lower(), y.upper()))
        << "x = " << std::hexfloat << x << " enclosure [" << y.lower() << ", " << y.upper() << "]";
  }
}

// Measured error of the kernel versus the proved bound FAST-LOG-5 (test (d) of the brief).
TEST(FastLog, MeasuredErrorBelowProvedBound) {
  const std::uint64_t seed = testing::test_seed(7);
  PositiveDoubles draw(seed);
  ArbLog ref;
  double max_rel_u = 0.0, max_ulps = 0.0, worst_x = 1.0;
  for (int i = 0; i < 300000; ++i) {
    const double x = draw();
    if (x == 1.0) continue;
    ref.set(x);
    const double y = log_nearest(x);
    const double rel = ref.relative_error_in_u(y);
    const double ulps = ref.error_in_ulps(y);
    if (rel > max_rel_u) {
      max_rel_u = rel;
      worst_x = x;
    }
    if (ulps > max_ulps) max_ulps = ulps;
  }
  std::printf("measured max relative error = %.4f u (u = 2^-53) at x = %a; max error = %.4f ulp\n",
              max_rel_u, worst_x, max_ulps);
  std::printf("proved bound (FAST-LOG-5) = %.4f u\n", kLogRelError / kU);
  EXPECT_LT(max_rel_u, kLogRelError / kU);
  EXPECT_LT(max_ulps, kLogRelError / kU);  // u |y| < ulp(y), so the proved bound is also in ulps
}

TEST(FastLog, SpecialValues) {
  EXPECT_EQ(log(OutwardInterval(1.0)).lower(), 0.0);
  EXPECT_EQ(log(OutwardInterval(1.0)).upper(), 0.0);
  EXPECT_EQ(log_lower(0.0), -kInf);
  EXPECT_EQ(log_nearest(kInf), kInf);
  EXPECT_EQ(log_upper(kInf), kInf);
  EXPECT_TRUE(std::isnan(log_nearest(-1.0)));
  ArbLog ref;
  const double specials[] = {DBL_MAX, DBL_MIN, 0x1p-1074, 0x1p-1073, 0x1.fffffffffffffp-1023, 2.0, 0.5,
                             std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0), 10.0, 0.1,
                             detail::kLogThreshold, 2.0 * detail::kLogThreshold};
  for (double x : specials) {
    ref.set(x);
    const OutwardInterval y = log(OutwardInterval(x));
    EXPECT_TRUE(ref.inside(y.lower(), y.upper())) << std::hexfloat << x;
  }
  for (int e = -1074; e <= 1023; ++e) {
    const double x = std::ldexp(1.0, e);
    ref.set(x);
    const OutwardInterval y = log(OutwardInterval(x));
    ASSERT_TRUE(ref.inside(y.lower(), y.upper())) << e;
  }
}

// Near 1 the bound is relative: log(1 + 2^-j) has about 15 correct digits for every j.
TEST(FastLog, RelativeAccuracyNearOne) {
  for (int j = 1; j <= 53; ++j) {
    for (double x : {1.0 + std::ldexp(1.0, -j), 1.0 - std::ldexp(1.0, -j - 1)}) {
      const OutwardInterval y = log(OutwardInterval(x));
      const double mid = log_nearest(x);
      ASSERT_LE(y.upper() - y.lower(), 16.0 * kU * std::fabs(mid)) << j;
    }
  }
}

TEST(FastLog, EnclosureWidthIsAFewUlps) {
  const std::uint64_t seed = testing::test_seed(99);
  PositiveDoubles draw(seed);
  double worst = 0.0;
  for (int i = 0; i < 1000000; ++i) {
    const double x = draw();
    if (x == 1.0) continue;
    const OutwardInterval y = log(OutwardInterval(x));
    const double rel = (y.upper() - y.lower()) / std::fabs(log_nearest(x));
    worst = std::max(worst, rel);
  }
  std::printf("max relative width of log enclosures = %.3f u\n", worst / kU);
  EXPECT_LE(worst, 16.0 * kU);  // >= 14.7 correct digits
}

TEST(FastLog, IntervalDomain) {
  EXPECT_TRUE(boost::numeric::empty(log(OutwardInterval(-2.0, -1.0))));
  EXPECT_TRUE(boost::numeric::empty(log(OutwardInterval(-2.0, 0.0))));
  const OutwardInterval a = log(OutwardInterval(0.0, 2.0));
  EXPECT_EQ(a.lower(), -kInf);
  EXPECT_GT(a.upper(), 0.6931471805599453);
  const OutwardInterval b = log(OutwardInterval(-1.0, 2.0));
  EXPECT_EQ(b.lower(), -kInf);
  const OutwardInterval c = log(OutwardInterval(2.0, kInf));
  EXPECT_EQ(c.upper(), kInf);
  EXPECT_LT(c.lower(), 0.6931471805599453);
  // Monotone: log [a, b] = [log_lower(a), log_upper(b)].
  const OutwardInterval d = log(OutwardInterval(0.5, 3.0));
  EXPECT_EQ(d.lower(), log_lower(0.5));
  EXPECT_EQ(d.upper(), log_upper(3.0));
  // The double overload and the point shortcut agree with the scalar bounds.
  EXPECT_EQ(log(3.0).lower(), log_lower(3.0));
  EXPECT_EQ(log(3.0).upper(), log(OutwardInterval(3.0)).upper());
  EXPECT_TRUE(boost::numeric::empty(log(-3.0)));
  EXPECT_THROW(log(std::nan("")), InputError);
}

TEST(FastLog, LogAbs) {
  ArbLog ref;
  const OutwardInterval a = log_abs(OutwardInterval(-3.0, -2.0));
  ref.set(2.0);
  EXPECT_TRUE(ref.inside(a.lower(), a.upper()));
  ref.set(3.0);
  EXPECT_TRUE(ref.inside(a.lower(), a.upper()));
  const OutwardInterval b = log_abs(OutwardInterval(-1.0, 2.0));
  EXPECT_EQ(b.lower(), -kInf);
  EXPECT_GE(b.upper(), log_upper(2.0));
  const OutwardInterval c = log_abs(OutwardInterval(-5.0, 2.0));
  EXPECT_EQ(c.upper(), log_upper(5.0));
  EXPECT_TRUE(boost::numeric::empty(log_abs(OutwardInterval(0.0))));
  EXPECT_TRUE(boost::numeric::empty(log_abs(OutwardInterval::empty())));
}

}  // namespace
}  // namespace lyapcert::fast
