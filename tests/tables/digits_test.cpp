// Certified digits (TABLE-DIGITS-1), exact binary text, outward decimals and SHA-256.
#include <gtest/gtest.h>
#include <mpfr.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/tables.hpp"

namespace {

using lyapcert::exact::Rational;
using namespace lyapcert::tables;

Rational pow10q(long n) {
  Rational r(1);
  for (long i = 0; i < std::abs(n); ++i) r *= 10;
  return n >= 0 ? r : 1 / r;
}

// The value and the unit of the last digit of a shown text such as "-0.2310..." or "-2.31...e-7",
// parsed from the text itself (independent of certified_digits' arithmetic).
struct Parsed {
  Rational value, unit;
};
Parsed parse_shown(const std::string& plain) {
  std::string t = plain;
  const auto dots = t.find("...");
  std::string exp;
  if (dots == std::string::npos) throw std::runtime_error("no '...' in " + plain);
  exp = t.substr(dots + 3);
  t = t.substr(0, dots);
  long e = exp.empty() ? 0 : std::stol(exp.substr(1));
  const auto point = t.find('.');
  const long frac = point == std::string::npos ? 0 : static_cast<long>(t.size() - point - 1);
  Parsed p;
  p.value = lyapcert::exact::parse_rational(t + (e ? "e" + std::to_string(e) : std::string()));
  p.unit = pow10q(e - frac);
  return p;
}

// True when every v in [lo, hi] has the shown digits: |shown| <= |v| < |shown| + unit, same sign.
bool digits_true_for(const ShownDigits& s, const Rational& lo, const Rational& hi) {
  const Parsed p = parse_shown(to_plain(s));
  const Rational a = abs(p.value);
  for (const Rational& v : {lo, hi}) {
    if ((v < 0) != s.negative) return false;
    if (!(a <= abs(v) && abs(v) < a + p.unit)) return false;
  }
  return true;
}

TEST(Sha256, PublishedVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(BinaryText, DoublesRoundTripExactly) {
  for (double x : {1.0, -0.1, 3.0e-300, 1.7976931348623157e308, 4.9e-324, -2.5, 0.0}) {
    const std::string t = binary_text(x);
    EXPECT_EQ(parse_exact(t), Rational(x)) << t;
  }
  EXPECT_EQ(binary_text(0.75), "3*2^-2");
  EXPECT_EQ(binary_text(-8.0), "-1*2^3");
  EXPECT_EQ(parse_exact("5*2^0"), Rational(5));
  EXPECT_EQ(parse_exact("1/3"), Rational(1, 3));
  EXPECT_THROW(parse_exact("1.5*2^3"), lyapcert::InputError);
  EXPECT_THROW(parse_exact("3*2^x"), lyapcert::InputError);
}

TEST(CertifiedDigits, FixedExamples) {
  // [0.12345, 0.12349]: shared "0.1234".
  ShownDigits s = certified_digits(Rational(12345, 100000), Rational(12349, 100000), 30);
  EXPECT_EQ(to_plain(s), "0.1234...");
  // Negative values truncate toward zero.
  s = certified_digits(Rational(-12349, 100000), Rational(-12345, 100000), 30);
  EXPECT_EQ(to_plain(s), "-0.1234...");
  // Straddling a digit boundary: 0.0999 .. 0.1001 shares nothing; printed as an outward interval.
  s = certified_digits(Rational(999, 10000), Rational(1001, 10000), 30);
  EXPECT_EQ(s.kind, ShownDigits::Kind::interval);
  EXPECT_EQ(to_plain(s), "[9.99e-2, 1.001e-1]");
  // Containing zero: no digit and no sign is claimed.
  s = certified_digits(Rational(-1, 1000), Rational(3, 1000), 30);
  EXPECT_EQ(s.kind, ShownDigits::Kind::interval);
  // Small values in scientific notation.
  s = certified_digits(Rational(123456, 1000000000000LL), Rational(123459, 1000000000000LL), 30);
  EXPECT_EQ(to_plain(s), "1.2345...e-7");
  EXPECT_EQ(to_tex(s), "$1.2345\\ldots\\times 10^{-7}$");
  // The cap on significant digits.
  s = certified_digits(Rational(1, 3), Rational(1, 3), 5);
  EXPECT_EQ(to_plain(s), "0.33333...");
}

// Property: the shown digits are true for both endpoints (hence, by monotonicity, for every point between),
// and one more digit would not be shared by the endpoints.
RC_GTEST_PROP(CertifiedDigits, ShownDigitsAreTrueAndMaximal, ()) {
  const auto num = *rc::gen::inRange<long long>(-1'000'000'000'000LL, 1'000'000'000'000LL);
  const auto den = *rc::gen::inRange<long long>(1, 1'000'000'000LL);
  const auto width_num = *rc::gen::inRange<long long>(0, 1'000'000);
  const auto width_den = *rc::gen::inRange<long long>(1, 1'000'000'000'000LL);
  const int max_sig = *rc::gen::inRange(1, 40);
  const Rational lo(num, den);
  const Rational hi = lo + Rational(width_num, width_den);
  RC_PRE(lo != 0 || hi != 0);
  const ShownDigits s = certified_digits(lo, hi, max_sig);
  if (s.kind == ShownDigits::Kind::digits) {
    RC_ASSERT(digits_true_for(s, lo, hi));
    RC_ASSERT(s.sig <= max_sig);
    if (s.sig < max_sig) {
      // One more digit: the truncations of the endpoints differ.
      const Parsed p = parse_shown(to_plain(s));
      const Rational u = p.unit / 10;
      const Rational a = abs(lo) < abs(hi) ? Rational(abs(lo)) : Rational(abs(hi));
      const Rational b = abs(lo) < abs(hi) ? Rational(abs(hi)) : Rational(abs(lo));
      // floor(a/u) == floor(b/u) would mean one more shared digit.
      const Rational qa = a / u, qb = b / u;
      const auto fa = numerator(qa) / denominator(qa), fb = numerator(qb) / denominator(qb);
      RC_ASSERT(fa != fb);
    }
  } else {
    // Interval: the printed interval contains the enclosure.
    RC_ASSERT(lyapcert::exact::parse_rational(s.lower) <= lo);
    RC_ASSERT(lyapcert::exact::parse_rational(s.upper) >= hi);
  }
}

RC_GTEST_PROP(RoundDecimal, OutwardAndFaithful, ()) {
  const auto num = *rc::gen::inRange<long long>(-1'000'000'000'000LL, 1'000'000'000'000LL);
  const auto den = *rc::gen::inRange<long long>(1, 1'000'000'000LL);
  const int sig = *rc::gen::inRange(1, 25);
  const Rational x(num, den);
  const std::string d = round_decimal(x, sig, lyapcert::exact::Round::down);
  const std::string u = round_decimal(x, sig, lyapcert::exact::Round::up);
  RC_ASSERT(lyapcert::exact::parse_rational(d) <= x);
  RC_ASSERT(lyapcert::exact::parse_rational(u) >= x);
  RC_ASSERT(faithful_outward(d, x, lyapcert::exact::Round::down));
  RC_ASSERT(faithful_outward(u, x, lyapcert::exact::Round::up));
}

TEST(FaithfulOutward, OneUnitInTheLastDigitIsCaught) {
  const Rational x(-231049060186648436LL, 1000000000000000000LL);  // -0.231049060186648436
  EXPECT_TRUE(faithful_outward("-2.31049060186649e-1", x, lyapcert::exact::Round::down));
  EXPECT_FALSE(faithful_outward("-2.31049060186650e-1", x, lyapcert::exact::Round::down));  // one unit lower
  EXPECT_FALSE(faithful_outward("-2.31049060186648e-1", x, lyapcert::exact::Round::down));  // one unit higher
  EXPECT_TRUE(faithful_outward("-2.31049060186648e-1", x, lyapcert::exact::Round::up));
  EXPECT_FALSE(faithful_outward("-2.31049060186647e-1", x, lyapcert::exact::Round::up));
  EXPECT_FALSE(faithful_outward("-2.31049060186649e-1", x, lyapcert::exact::Round::up));
}

// An MPFR enclosure [lo, hi] of a constant at `bits` bits, directed rounding.
template <class F>
std::pair<Rational, Rational> mpfr_enclosure(F f, long bits) {
  mpfr_t a, b;
  mpfr_init2(a, bits);
  mpfr_init2(b, bits);
  f(a, MPFR_RNDD);
  f(b, MPFR_RNDU);
  const Rational lo = parse_exact(binary_text(a)), hi = parse_exact(binary_text(b));
  mpfr_clear(a);
  mpfr_clear(b);
  return {lo, hi};
}

// The table's shown digits of certified exponents against closed forms enclosed independently with MPFR.
TEST(CertifiedDigits, AgainstIndependentMpfrEnclosures) {
  struct Case {
    const char* law;
    const char* lr;
    std::pair<Rational, Rational> ref;
  };
  // -(log 2)/3 for atoms(-1:1/3, 1/2:2/3) at lr = 1 (docs/math.md section 2): lower uses log 2 rounded up,
  // and vice versa.
  auto minus_log2_over_3 = [](mpfr_t r, mpfr_rnd_t rnd) {
    mpfr_const_log2(r, rnd == MPFR_RNDD ? MPFR_RNDU : MPFR_RNDD);
    mpfr_div_si(r, r, -3, rnd);
  };
  // -(gamma + log 2)/2 for normal(1, 1) at lr = 1 (docs/math.md section 6).
  auto gauss = [](mpfr_t r, mpfr_rnd_t rnd) {
    const mpfr_rnd_t inner = rnd == MPFR_RNDD ? MPFR_RNDU : MPFR_RNDD;
    mpfr_t g;
    mpfr_init2(g, mpfr_get_prec(r));
    mpfr_const_euler(g, inner);
    mpfr_const_log2(r, inner);
    mpfr_add(r, r, g, inner);
    mpfr_div_si(r, r, -2, rnd);
    mpfr_clear(g);
  };
  const Case cases[] = {{"atoms(-1:1/3, 1/2:2/3)", "1", mpfr_enclosure(minus_log2_over_3, 400)},
                        {"normal(1, 1)", "1", mpfr_enclosure(gauss, 400)}};
  for (const Case& c : cases) {
    for (int digits : {5, 12, 30, 60}) {
      RowSpec row;
      row.spec = Json{{"quantity", "exponent"}, {"law", c.law}, {"lr", c.lr}, {"digits", std::to_string(digits)}};
      const Json r = compute_row(row);
      const Json& e = r["entries"][0];
      const Rational lo = parse_exact(e["lower_exact"].get<std::string>());
      const Rational hi = parse_exact(e["upper_exact"].get<std::string>());
      ASSERT_LE(lo, c.ref.second) << c.law;  // the enclosures intersect
      ASSERT_GE(hi, c.ref.first) << c.law;
      const ShownDigits s = certified_digits(lo, hi, digits);
      ASSERT_EQ(s.kind, ShownDigits::Kind::digits) << c.law << " " << digits;
      EXPECT_EQ(e["shown"].get<std::string>(), to_plain(s));
      // The shown digits are digits of the independently enclosed true value.
      EXPECT_TRUE(digits_true_for(s, c.ref.first, c.ref.second)) << c.law << " " << to_plain(s);
      EXPECT_GE(s.sig, digits - 2) << "too few digits shown for " << c.law;
    }
  }
}

}  // namespace
