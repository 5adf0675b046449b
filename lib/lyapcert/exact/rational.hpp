// Exact rationals (Boost.Multiprecision over GMP) and the law language's number syntax.
// "0.1" parses to exactly 1/10; no input number ever passes through binary64.
#pragma once
#include <boost/multiprecision/gmp.hpp>
#include <flint/fmpq.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "lyapcert/exact/fmpz.hpp"

namespace lyapcert::exact {

using Rational = boost::multiprecision::mpq_rational;
using Integer = boost::multiprecision::mpz_int;

// Limits of the number syntax that keep parsing safe (exponents within +-9999, at most 10^5
// digits per number).
struct NumberLimits {
  long max_exponent = 9999;
  std::size_t max_digits = 100000;
};

// Parses   ["+"|"-"] (decimal [("e"|"E") ["+"|"-"] digits] | digits "/" digits)
// with decimal := digits ["." [digits]] | "." digits, exactly. Throws InputError naming the
// problem (empty text, stray character, zero denominator, exponent or digit limit).
Rational parse_rational(std::string_view text, const NumberLimits& limits = {});

// |x|, exactly (the library's one rational absolute value).
inline Rational rational_abs(const Rational& x) { return x < 0 ? Rational(-x) : x; }

// Canonical exact text "p" or "p/q" (valid input to parse_rational).
std::string to_text(const Rational& x);

// Conversions to FLINT (exact).
void set_fmpz(fmpz_t out, const Integer& x);
void set_fmpq(fmpq_t out, const Rational& x);
Fmpz to_fmpz(const Integer& x);
Integer to_integer(const fmpz_t x);
Rational to_rational(const fmpq_t x);

}  // namespace lyapcert::exact
