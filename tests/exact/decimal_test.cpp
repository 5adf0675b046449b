// Outward decimal rounding (Proof: DEC-1) checked against exact Boost rationals: the printed
// lower endpoint is <= the binary value, the upper >= it, and both are within one unit of the
// last printed digit.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/rational.hpp"

using lyapcert::exact::Rational;

namespace {

// Exact value of m * 2^e as a Boost rational (independent of the code under test).
Rational dyadic(long m, long e) {
  Rational r(m);
  Rational two(2);
  for (long i = 0; i < std::abs(e); ++i) {
    if (e > 0) {
      r *= two;
    } else {
      r /= two;
    }
  }
  return r;
}

}  // namespace

RC_GTEST_PROP(Decimal, OutwardAndTight, ()) {
  const long m = *rc::gen::inRange<long>(-(1L << 52), 1L << 52);
  const long e = *rc::gen::inRange<long>(-300, 300);
  const int sig = *rc::gen::inRange(1, 40);
  arf_t x;
  arf_init(x);
  arf_set_si(x, m);
  arf_mul_2exp_si(x, x, e);
  const std::string lo = lyapcert::exact::arf_to_decimal(x, sig, lyapcert::exact::Round::down);
  const std::string hi = lyapcert::exact::arf_to_decimal(x, sig, lyapcert::exact::Round::up);
  arf_clear(x);
  const Rational v = dyadic(m, e);
  const Rational rlo = lyapcert::exact::parse_rational(lo), rhi = lyapcert::exact::parse_rational(hi);
  RC_ASSERT(rlo <= v);
  RC_ASSERT(v <= rhi);
  // Tight: at least sig significant digits, so hi - lo <= 2 * 10^(1 - sig) * |v|.
  Rational bound = 2 * (v < 0 ? Rational(-v) : v);
  for (int i = 1; i < sig; ++i) bound /= 10;
  RC_ASSERT(rhi - rlo <= bound);
  if (m == 0) RC_ASSERT(lo == "0" && hi == "0");
}

// The rational version against the same exact Boost comparison (num / den with random sizes).
RC_GTEST_PROP(Decimal, RationalOutwardAndTight, ()) {
  const long n = *rc::gen::inRange<long>(-(1L << 62), 1L << 62);
  const long d = *rc::gen::inRange<long>(1, 1L << 62);
  const long scale = *rc::gen::inRange<long>(-80, 80);
  const int sig = *rc::gen::inRange(1, 40);
  const Rational v = Rational(n, d) * dyadic(1, scale);
  const std::string lo = lyapcert::exact::rational_to_decimal(v, sig, lyapcert::exact::Round::down);
  const std::string hi = lyapcert::exact::rational_to_decimal(v, sig, lyapcert::exact::Round::up);
  const Rational rlo = lyapcert::exact::parse_rational(lo), rhi = lyapcert::exact::parse_rational(hi);
  RC_ASSERT(rlo <= v);
  RC_ASSERT(v <= rhi);
  Rational bound = v < 0 ? Rational(-v) : v;  // at least sig significant digits: hi - lo <= 10^(1 - sig) |v|
  for (int i = 1; i < sig; ++i) bound /= 10;
  RC_ASSERT(rhi - rlo <= bound);
  if (n == 0) RC_ASSERT(lo == "0" && hi == "0");
}

TEST(Decimal, RationalKnownStrings) {
  using lyapcert::exact::Round;
  using lyapcert::exact::rational_to_decimal;
  EXPECT_EQ(rational_to_decimal(Rational(1, 3), 4, Round::down), "3.333e-1");
  EXPECT_EQ(rational_to_decimal(Rational(1, 3), 4, Round::up), "3.334e-1");
  EXPECT_EQ(rational_to_decimal(Rational(-2, 3), 3, Round::down), "-6.67e-1");
  EXPECT_EQ(rational_to_decimal(Rational(-2, 3), 3, Round::up), "-6.66e-1");
  EXPECT_EQ(rational_to_decimal(Rational(5), 6, Round::down), "5");
  EXPECT_EQ(rational_to_decimal(Rational(0), 6, Round::up), "0");
}

TEST(Decimal, KnownStrings) {
  arf_t x;
  arf_init(x);
  arf_set_si(x, 1);
  arf_mul_2exp_si(x, x, -1);  // 0.5
  EXPECT_EQ(lyapcert::exact::arf_to_decimal(x, 3, lyapcert::exact::Round::down), "5e-1");
  arf_set_si(x, -3);  // -3 exactly
  EXPECT_EQ(lyapcert::exact::arf_to_decimal(x, 5, lyapcert::exact::Round::up), "-3");
  arf_set_si(x, 1);
  arf_div_ui(x, x, 3, 200, ARF_RND_NEAR);  // about 1/3
  EXPECT_EQ(lyapcert::exact::arf_to_decimal(x, 4, lyapcert::exact::Round::down), "3.333e-1");
  EXPECT_EQ(lyapcert::exact::arf_to_decimal(x, 4, lyapcert::exact::Round::up), "3.334e-1");
  arf_clear(x);
}

RC_GTEST_PROP(Decimal, ArfToRationalIsExact, ()) {
  const long m = *rc::gen::inRange<long>(-(1L << 52), 1L << 52);
  const long e = *rc::gen::inRange<long>(-300, 300);
  arf_t x;
  arf_init(x);
  arf_set_si(x, m);
  arf_mul_2exp_si(x, x, e);
  RC_ASSERT(lyapcert::exact::to_rational(x) == dyadic(m, e));
  arf_clear(x);
}

// Results may pass the +-9999 exponents of user input (Lambda at lr = 10^-9999 is about -8.3e-10000): a printed
// decimal far out of that range is read back exactly, while the same text as user input is still refused.
TEST(Decimal, PrintedBeyondInputExponentsReadsBack) {
  using lyapcert::exact::Integer;
  Integer p10 = 1;
  for (int i = 0; i < 10016; ++i) p10 *= 10;
  EXPECT_EQ(lyapcert::exact::decimal_value("-8.3333333333333334e-10000"), Rational(Integer(-83333333333333334), p10));
  EXPECT_EQ(lyapcert::exact::decimal_value("1e120000") / lyapcert::exact::decimal_value("1e119999"), Rational(10));
  EXPECT_THROW(lyapcert::exact::parse_rational("-8.3333333333333334e-10000"), lyapcert::InputError);
  // A binary value around 2^-33220 ~ 10^-10000, printed and read back, still brackets it (DEC-1).
  arf_t x;
  arf_init(x);
  arf_set_si_2exp_si(x, 3, -33220);
  const Rational exact_x = lyapcert::exact::to_rational(x);
  const std::string lo = lyapcert::exact::arf_to_decimal(x, 20, lyapcert::exact::Round::down);
  const std::string hi = lyapcert::exact::arf_to_decimal(x, 20, lyapcert::exact::Round::up);
  EXPECT_LE(lyapcert::exact::decimal_value(lo), exact_x) << lo;
  EXPECT_GE(lyapcert::exact::decimal_value(hi), exact_x) << hi;
  EXPECT_NE(lo.find("e-1000"), std::string::npos) << lo;
  arf_clear(x);
}
