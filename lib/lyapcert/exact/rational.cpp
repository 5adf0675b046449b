#include "lyapcert/exact/rational.hpp"

#include <fmt/format.h>

#include <cctype>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"

namespace lyapcert::exact {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Base-10 digits to an integer (never octal/hex prefixes, unlike the string constructor).
Integer from_digits(std::string_view digits) {
  Integer r;
  mpz_set_str(r.backend().data(), std::string(digits).c_str(), 10);
  return r;
}

Integer pow10(unsigned long e) {
  Integer r;
  mpz_ui_pow_ui(r.backend().data(), 10, e);
  return r;
}

}  // namespace

Rational parse_rational(std::string_view text, const NumberLimits& limits) {
  const std::string shown = printable(text.substr(0, 40));
  const auto fail = [&](const std::string& why) {
    throw InputError(fmt::format("malformed number '{}{}': {}", shown, text.size() > 40 ? "..." : "", why));
  };
  if (text.empty()) fail("empty");
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    i = 1;
  }
  std::string_view body = text.substr(i);
  if (body.empty()) fail("sign without digits");

  std::size_t digit_count = 0;
  for (char c : body) digit_count += (c >= '0' && c <= '9');
  if (digit_count > limits.max_digits) {
    fail(fmt::format("more than {} digits", limits.max_digits));
  }

  Rational result;
  if (const auto slash = body.find('/'); slash != std::string_view::npos) {
    std::string_view p = body.substr(0, slash), q = body.substr(slash + 1);
    if (p.empty() || q.empty() || !all_digits(p) || !all_digits(q)) {
      fail("a fraction is digits '/' digits");
    }
    Integer num = from_digits(p), den = from_digits(q);
    if (den == 0) fail("zero denominator");
    result = Rational(num, den);
  } else {
    std::size_t epos = body.find_first_of("eE");
    std::string_view mant = body.substr(0, epos);
    long exponent = 0;
    if (epos != std::string_view::npos) {
      std::string_view ex = body.substr(epos + 1);
      bool eneg = false;
      if (!ex.empty() && (ex[0] == '+' || ex[0] == '-')) {
        eneg = ex[0] == '-';
        ex.remove_prefix(1);
      }
      if (ex.empty() || !all_digits(ex)) fail("exponent needs digits");
      // Compare as text first: no overflow whatever the length.
      std::string_view trimmed = ex.substr(std::min(ex.find_first_not_of('0'), ex.size()));
      if (trimmed.size() > 6) fail(fmt::format("exponent beyond +-{}", limits.max_exponent));
      exponent = trimmed.empty() ? 0 : std::stol(std::string(trimmed));
      if (exponent > limits.max_exponent) fail(fmt::format("exponent beyond +-{}", limits.max_exponent));
      if (eneg) exponent = -exponent;
    }
    const std::size_t dot = mant.find('.');
    std::string_view ip = mant.substr(0, dot);
    std::string_view fp = dot == std::string_view::npos ? std::string_view{} : mant.substr(dot + 1);
    if (ip.empty() && fp.empty()) fail("no digits");
    if (!all_digits(ip) || !all_digits(fp)) fail("unexpected character");
    std::string digits = std::string(ip) + std::string(fp);
    Integer mantissa = from_digits(digits);
    const long scale = exponent - static_cast<long>(fp.size());
    if (scale >= 0) {
      result = Rational(mantissa * pow10(static_cast<unsigned long>(scale)));
    } else {
      result = Rational(mantissa, pow10(static_cast<unsigned long>(-scale)));
    }
  }
  return negative ? Rational(-result) : result;
}

std::string to_text(const Rational& x) {
  return x.str();  // GMP prints "p" or "p/q" in lowest terms
}

void set_fmpz(fmpz_t out, const Integer& x) { fmpz_set_mpz(out, x.backend().data()); }

void set_fmpq(fmpq_t out, const Rational& x) { fmpq_set_mpq(out, x.backend().data()); }

Fmpz to_fmpz(const Integer& x) {
  Fmpz r;
  set_fmpz(r.get(), x);
  return r;
}

Integer to_integer(const fmpz_t x) {
  Integer r;
  fmpz_get_mpz(r.backend().data(), x);
  return r;
}

Rational to_rational(const fmpq_t x) {
  Rational r;
  fmpq_get_mpq(r.backend().data(), x);
  return r;
}

}  // namespace lyapcert::exact
