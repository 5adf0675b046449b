// Outward decimal rounding (Proof: DEC-1) checked against exact Boost rationals: the printed
// lower endpoint is <= the binary value, the upper >= it, and both are within one unit of the
// last printed digit.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "lyapcert/exact/decimal.hpp"
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
