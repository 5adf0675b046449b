// The sign-aware interval operations of fast::iv (FAST-KER-1..4) against MPFI at 2200 bits (another library,
// correctly rounded interval arithmetic) on seeded random intervals of every sign pattern and binade, with zeros,
// points, subnormal and huge ends; the infinite, zero and empty cases against hand-derived sets; and exact
// rational products / quotients (GMP mpq) of random points inside the operands.
#include <gmp.h>
#include <gtest/gtest.h>
#include <mpfi.h>
#include <mpfr.h>

#include <cfloat>
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <random>

#include "fast/random_doubles.hpp"
#include "lyapcert/fast/interval_kernel.hpp"

namespace lyapcert::fast {
namespace {

using testing::PositiveDoubles;

enum Op { kMul, kMulByNonneg, kMulNonneg, kScale, kSqr, kDivByPos, kOps };

// A random finite interval: ends over all binades (subnormal and huge included) or at a common scale, either sign,
// sometimes a point, sometimes an end exactly 0; sign = +1 / -1 forces a non-negative / non-positive interval.
OutwardInterval random_interval(PositiveDoubles& draw, int sign) {
  std::mt19937_64& rng = draw.engine();
  double lo, hi;
  if (rng() % 2) {
    lo = draw();
    hi = draw();
  } else {
    const double scale = std::ldexp(1.0, static_cast<int>(rng() % 2000) - 1000);
    lo = scale * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    hi = scale * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }
  if (sign == 0) {
    if (rng() & 1) lo = -lo;
    if (rng() & 1) hi = -hi;
  } else if (sign < 0) {
    lo = -lo;
    hi = -hi;
  }
  if (rng() % 5 == 0) hi = lo;
  if (rng() % 9 == 0) lo = 0.0;
  if (rng() % 13 == 0) hi = 0.0;
  if (hi < lo) std::swap(lo, hi);
  if (sign > 0 && lo < 0) lo = 0.0;
  if (sign < 0 && hi > 0) hi = 0.0;
  return OutwardInterval(lo, hi);
}

class Mpfi {
 public:
  Mpfi() { mpfi_init2(v, 2200); }
  ~Mpfi() { mpfi_clear(v); }
  Mpfi(const Mpfi&) = delete;
  Mpfi& operator=(const Mpfi&) = delete;
  mpfi_t v;
};

// r contains the MPFI enclosure z (hence the exact set, which z contains) and is at most `steps` steps wider than
// the binary64 rounding of z on each side.
::testing::AssertionResult contains_and_tight(const OutwardInterval& r, mpfi_srcptr z, int steps) {
  mpfr_t e;
  mpfr_init2(e, 2200);
  mpfi_get_left(e, z);
  bool ok = mpfr_cmp_d(e, r.lower()) >= 0;
  double tight = mpfr_get_d(e, MPFR_RNDD);
  for (int i = 0; i < steps; ++i) tight = next_down(tight);
  ok = ok && r.lower() >= tight;
  mpfi_get_right(e, z);
  ok = ok && mpfr_cmp_d(e, r.upper()) <= 0;
  tight = mpfr_get_d(e, MPFR_RNDU);
  for (int i = 0; i < steps; ++i) tight = next_up(tight);
  ok = ok && r.upper() <= tight;
  mpfr_clear(e);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << std::hexfloat << "[" << r.lower() << ", " << r.upper() << "]";
}

TEST(FastIntervalKernel, ProductsAndQuotientsContainMpfi) {
  PositiveDoubles draw(testing::test_seed(11));
  std::mt19937_64& rng = draw.engine();
  Mpfi x, y, z;
  for (int i = 0; i < 120000; ++i) {
    const Op op = static_cast<Op>(i % kOps);
    // The hypothesis of the sign-aware forms holds three times in four; otherwise they must fall back.
    const bool on_domain = rng() % 4 != 0;
    const int sx = op == kMulNonneg && on_domain ? 1 : 0;
    const int sy = (op == kMulByNonneg || op == kMulNonneg || op == kDivByPos) && on_domain ? 1 : 0;
    const OutwardInterval X = random_interval(draw, sx);
    OutwardInterval Y = random_interval(draw, sy);
    if (op == kDivByPos && on_domain && !(Y.lower() > 0)) {
      const double u = draw(), v = draw();
      Y = OutwardInterval(std::min(u, v), std::max(u, v));
    }
    if (op == kDivByPos && Y.lower() <= 0 && Y.upper() >= 0) continue;  // MPFI: a divisor containing 0 (below)
    if (op == kScale) Y = OutwardInterval(Y.lower());                  // a double factor
    mpfi_interv_d(x.v, X.lower(), X.upper());
    mpfi_interv_d(y.v, Y.lower(), Y.upper());
    OutwardInterval r;
    switch (op) {
      case kMul: r = iv::mul(X, Y); mpfi_mul(z.v, x.v, y.v); break;
      case kMulByNonneg: r = iv::mul_by_nonneg(X, Y); mpfi_mul(z.v, x.v, y.v); break;
      case kMulNonneg: r = iv::mul_nonneg(X, Y); mpfi_mul(z.v, x.v, y.v); break;
      case kScale: r = iv::scale(X, Y.lower()); mpfi_mul(z.v, x.v, y.v); break;
      case kSqr: r = iv::sqr(X); mpfi_sqr(z.v, x.v); break;
      default: r = iv::div_by_pos(X, Y); mpfi_div(z.v, x.v, y.v); break;
    }
    ASSERT_TRUE(contains_and_tight(r, z.v, 2))
        << "op " << op << std::hexfloat << " x = [" << X.lower() << ", " << X.upper() << "] y = [" << Y.lower()
        << ", " << Y.upper() << "]";
  }
}

// Exact rational products and quotients of random points of the operands (GMP, no floating point) lie inside.
TEST(FastIntervalKernel, PointsOfTheOperandsMapInside) {
  PositiveDoubles draw(testing::test_seed(12));
  std::mt19937_64& rng = draw.engine();
  mpq_t a, b, r, t;
  mpq_init(a);
  mpq_init(b);
  mpq_init(r);
  mpq_init(t);
  auto inside = [&](const OutwardInterval& I, mpq_t out) {  // a rational point of I: an end or a convex combination
    const int w = static_cast<int>(rng() % 5);
    mpq_set_d(out, I.lower());
    mpq_set_d(t, I.upper());
    mpq_sub(t, t, out);
    mpq_t f;
    mpq_init(f);
    mpq_set_ui(f, static_cast<unsigned long>(w), 4);
    mpq_canonicalize(f);
    mpq_mul(t, t, f);
    mpq_add(out, out, t);
    mpq_clear(f);
  };
  auto contains = [&](const OutwardInterval& I, mpq_t v) {  // an infinite end (overflow) bounds every rational
    if (std::isnan(I.lower()) || std::isnan(I.upper()) || I.lower() == kInf || I.upper() == -kInf) return false;
    if (I.lower() != -kInf) {
      mpq_set_d(t, I.lower());
      if (mpq_cmp(t, v) > 0) return false;
    }
    if (I.upper() == kInf) return true;
    mpq_set_d(t, I.upper());
    return mpq_cmp(t, v) >= 0;
  };
  for (int i = 0; i < 60000; ++i) {
    const Op op = static_cast<Op>(i % kOps);
    const int sx = op == kMulNonneg ? 1 : 0;
    const int sy = op == kMulByNonneg || op == kMulNonneg || op == kDivByPos ? 1 : 0;
    const OutwardInterval X = random_interval(draw, sx);
    OutwardInterval Y = random_interval(draw, sy);
    if (op == kDivByPos && !(Y.lower() > 0)) Y = OutwardInterval(1.0, 2.0 + draw());
    if (op == kScale) Y = OutwardInterval(Y.upper());
    OutwardInterval R;
    switch (op) {
      case kMul: R = iv::mul(X, Y); break;
      case kMulByNonneg: R = iv::mul_by_nonneg(X, Y); break;
      case kMulNonneg: R = iv::mul_nonneg(X, Y); break;
      case kScale: R = iv::scale(X, Y.lower()); break;
      case kSqr: R = iv::sqr(X); break;
      default: R = iv::div_by_pos(X, Y); break;
    }
    inside(X, a);
    inside(Y, b);
    if (op == kSqr) mpq_set(b, a);
    if (op == kDivByPos)
      mpq_div(r, a, b);
    else
      mpq_mul(r, a, b);
    ASSERT_TRUE(contains(R, r)) << "op " << op << std::hexfloat << " x = [" << X.lower() << ", " << X.upper()
                                << "] y = [" << Y.lower() << ", " << Y.upper() << "]";
  }
  mpq_clear(a);
  mpq_clear(b);
  mpq_clear(r);
  mpq_clear(t);
}

// The sets below are derived by hand (limits at infinite ends, 0 * t = 0 for real t, FAST-RND-3).
TEST(FastIntervalKernel, InfiniteZeroAndEmptyOperands) {
  using OI = OutwardInterval;
  auto holds = [](const OI& r, double lo, double hi) { return r.lower() <= lo && r.upper() >= hi; };
  // Zero ends against infinite ends: a NaN corner goes to Boost's case analysis.
  EXPECT_TRUE(holds(iv::mul(OI(0.0, kInf), OI(1.0, 2.0)), 0.0, kInf));
  EXPECT_TRUE(holds(iv::mul(OI(0.0), OI(1.0, kInf)), 0.0, 0.0));
  EXPECT_TRUE(holds(iv::mul(OI(-kInf, kInf), OI(0.0)), 0.0, 0.0));
  EXPECT_TRUE(holds(iv::mul(OI(-kInf, -1.0), OI(-kInf, -1.0)), 1.0, kInf));
  EXPECT_TRUE(holds(iv::mul(OI(-kInf, 1.0), OI(1.0, kInf)), -kInf, kInf));
  EXPECT_TRUE(holds(iv::mul(OI(-2.0, 3.0), OI(-kInf, kInf)), -kInf, kInf));
  EXPECT_TRUE(holds(iv::mul_by_nonneg(OI(-kInf, -1.0), OI(0.0)), 0.0, 0.0));
  EXPECT_TRUE(holds(iv::mul_by_nonneg(OI(-1.0, kInf), OI(0.0, kInf)), -kInf, kInf));
  EXPECT_TRUE(holds(iv::mul_nonneg(OI(0.0, kInf), OI(0.0, 1.0)), 0.0, kInf));
  EXPECT_TRUE(holds(iv::scale(OI(-kInf, 2.0), 0.0), 0.0, 0.0));
  EXPECT_TRUE(holds(iv::scale(OI(-kInf, 2.0), -3.0), -6.0, kInf));
  EXPECT_TRUE(holds(iv::sqr(OI(-kInf, 1.0)), 0.0, kInf));
  EXPECT_EQ(iv::sqr(OI(-kInf, 1.0)).lower(), 0.0);  // 0 is in the operand: the exact lower end
  EXPECT_TRUE(holds(iv::div_by_pos(OI(1.0, kInf), OI(1.0, kInf)), 0x1p-1074, kInf));
  // +-1 / 2^-1074 overflows: both ends infinite.
  EXPECT_EQ(iv::div_by_pos(OI(-1.0, 1.0), OI(0x1p-1074, kInf)).lower(), -kInf);
  EXPECT_EQ(iv::div_by_pos(OI(-1.0, 1.0), OI(0x1p-1074, kInf)).upper(), kInf);
  // A divisor that is not positive: Boost's quotient (whole line for a divisor containing 0 in its interior).
  EXPECT_TRUE(holds(iv::div_by_pos(OI(1.0, 2.0), OI(-1.0, 1.0)), -kInf, kInf));
  EXPECT_TRUE(holds(iv::div_by_pos(OI(1.0, 2.0), OI(-2.0, -1.0)), -2.0, -0.5));
  // Overflow and underflow: the overflowed upper end is +inf, the lower end DBL_MAX at most; a product below the
  // smallest subnormal keeps 0 and 2^-1074 on the right sides.
  const OI big = iv::mul(OI(DBL_MAX), OI(2.0));
  EXPECT_EQ(big.upper(), kInf);
  EXPECT_LE(big.lower(), DBL_MAX);
  const OI tiny = iv::mul(OI(0x1p-1074), OI(0.5));
  EXPECT_LE(tiny.lower(), 0.0);
  EXPECT_GE(tiny.upper(), 0x1p-1074);
  const OI tiny_sq = iv::sqr(OI(-0x1p-600, -0x1p-1000));
  EXPECT_LE(tiny_sq.lower(), 0.0);
  EXPECT_GT(tiny_sq.upper(), 0.0);  // the exact square 2^-1200 is below every subnormal but positive
  // Empty operands (NaN ends): the general product returns Boost's empty set, the others never a NaN end.
  const OI e = OI::empty();
  EXPECT_TRUE(boost::numeric::empty(iv::mul(e, OI(1.0))));
  for (const OI& r : {iv::mul_by_nonneg(OI(1.0), e), iv::scale(e, 2.0), iv::div_by_pos(e, OI(1.0, 2.0)),
                      iv::mul_nonneg(e, OI(1.0))}) {
    EXPECT_FALSE(std::isnan(r.lower()) && !std::isnan(r.upper()));
    EXPECT_TRUE(boost::numeric::empty(r) || (r.lower() == -kInf && r.upper() == kInf));
  }
}

}  // namespace
}  // namespace lyapcert::fast
