// The one sign type's text form and the sign an exact enclosure proves, against hand-written cases.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/exact/sign.hpp"

namespace exact = lyapcert::exact;
using exact::Rational;
using exact::Sign;

// Every sign prints as the documented word and parses back to itself; any other text is refused (the readers of
// tables and records must not take a misspelt sign for undetermined).
TEST(Sign, TextRoundTrip) {
  EXPECT_STREQ(exact::to_string(Sign::negative), "negative");
  EXPECT_STREQ(exact::to_string(Sign::zero), "zero");
  EXPECT_STREQ(exact::to_string(Sign::positive), "positive");
  EXPECT_STREQ(exact::to_string(Sign::undetermined), "undetermined");
  for (Sign s : {Sign::negative, Sign::zero, Sign::positive, Sign::undetermined}) {
    EXPECT_EQ(exact::parse_sign(exact::to_string(s)), s);
  }
  for (const char* bad : {"", "Negative", "neg", "undetermined ", "+", "0"}) {
    EXPECT_EQ(exact::parse_sign(bad), std::nullopt) << bad;
  }
}

// Only an enclosure that excludes 0, or is the point 0, decides the sign.
TEST(Sign, EnclosureSign) {
  EXPECT_EQ(exact::enclosure_sign(Rational(1, 3), Rational(1, 2)), Sign::positive);
  EXPECT_EQ(exact::enclosure_sign(Rational(-1, 2), Rational(-1, 3)), Sign::negative);
  EXPECT_EQ(exact::enclosure_sign(Rational(0), Rational(0)), Sign::zero);
  EXPECT_EQ(exact::enclosure_sign(Rational(0), Rational(1)), Sign::undetermined);
  EXPECT_EQ(exact::enclosure_sign(Rational(-1), Rational(0)), Sign::undetermined);
  EXPECT_EQ(exact::enclosure_sign(Rational(-1), Rational(1)), Sign::undetermined);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(exact::enclosure_sign(nan, 1.0), Sign::undetermined);
  EXPECT_EQ(exact::enclosure_sign(-1.0, nan), Sign::undetermined);
  EXPECT_EQ(exact::enclosure_sign(-inf, -0.5), Sign::negative);
  EXPECT_EQ(exact::enclosure_sign(-0.0, 0.0), Sign::zero);
}
