// Outward decimal rounding: exact binary endpoints -> decimal strings in the law language's number
// syntax, rounded down (lower endpoints) or up (upper endpoints), so a printed interval always
// contains the computed one, and every printed number is exact input for lyapcert again.
// Proof: DEC-1 (proofs/exact/decimal.md).
#pragma once
#include <arb.h>

#include <string>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::exact {

enum class Round { down, up };

// x rounded in direction `dir` to `sig` significant decimal digits ("1.2345e-7", "-3", "0").
// Guarantee: the returned decimal d satisfies d <= x (down) or d >= x (up). Proof: DEC-1.
std::string arf_to_decimal(const arf_t x, int sig, Round dir);

// The same for an exact rational x (e.g. a certified bound kept as a rational). Proof: DEC-1.
std::string rational_to_decimal(const Rational& x, int sig, Round dir);

// Exact value of a finite binary number m 2^e as a rational.
Rational to_rational(const arf_t x);

// Number syntax limits of printed results: user input stops at exponents +-9999 with 10^5 digits (so a result
// reaches about 10^+-110000), and what arf_to_decimal prints is read back exactly up to exponents +-10^7.
inline constexpr NumberLimits kPrintedNumberLimits{10'000'000, 10'000'000};

// Exact value of a decimal produced above (parse_rational of the same text, with kPrintedNumberLimits).
Rational decimal_value(const std::string& text);

// Endpoints of a ball as exact arf numbers: lower rounded down, upper rounded up (at prec bits).
void ball_endpoints(arf_t lower, arf_t upper, const arb_t x, slong prec);

}  // namespace lyapcert::exact
