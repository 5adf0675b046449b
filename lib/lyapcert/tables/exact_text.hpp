// Exact text forms used by certified tables: exact binary endpoints ("m*2^e"), outward decimal rounding
// of exact rationals, and the certified digits of an enclosure (the digits shared by both endpoints).
#pragma once
#include <arb.h>
#include <mpfr.h>

#include <optional>
#include <string>
#include <string_view>

#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/rational.hpp"

namespace lyapcert::tables {

using exact::Integer;
using exact::Rational;

// Exact text of a finite binary number: "0", or "m*2^e" with m an odd integer (e may be 0 or negative),
// e.g. "-8327145953186531*2^-55". Guarantee: exact (parse_exact gives back the same number).
std::string binary_text(const arf_t x);
std::string binary_text(const mpfr_t x);
std::string binary_text(double x);  // finite x only (std::invalid_argument otherwise)

// Exact value of "m*2^e", of a law-language number ("p/q", "0.1", "1e-5"). InputError otherwise.
Rational parse_exact(std::string_view text);

// x rounded to `sig` significant decimal digits in direction `dir`, as "d.ddde-k" (law-language number
// syntax; trailing zeros dropped). Guarantee: result <= x (down) or >= x (up). Proof: DEC-1.
std::string round_decimal(const Rational& x, int sig, exact::Round dir);

// floor(log10 |x|) for x != 0, exact.
long floor_log10(const Rational& x);

// The certified digits of an enclosure [lower, upper] (Proof: TABLE-DIGITS-1 in proofs/tables/digits.md).
// When both endpoints are nonzero with the same sign, `digits` is the longest decimal prefix (at most
// max_sig significant digits) that the truncations toward zero of |lower| and |upper| share: every value v
// in [lower, upper] has the same truncated decimal expansion, so the printed digits are digits of v.
// Otherwise (the enclosure contains 0, or not even the leading digit is shared) the kind is `interval` and
// the text is the enclosure rounded outward (DEC-1) to as many significant digits as its width supports (>= 3).
struct ShownDigits {
  enum class Kind { exact, digits, interval } kind = Kind::interval;
  bool negative = false;
  std::string mantissa;  // digits kind: "0.2310490601" (fixed) or "2.3104" (scientific); exact: "0", "-inf"
  long exp10 = 0;        // scientific exponent (0 and scientific false for fixed notation)
  bool scientific = false;
  int sig = 0;           // significant digits shown (digits kind)
  std::string lower, upper;  // interval kind: outward decimals
};
ShownDigits certified_digits(const Rational& lower, const Rational& upper, int max_sig);

// Text forms: plain ("-0.2310490601...", "-2.3104...e-7", "[-1.1e-20, 3e-20]", "0 (exact)", "-inf (exact)"),
// Markdown (plain with the scientific exponent as "×10^-7") and LaTeX math ("$-0.2310490601\ldots$").
std::string to_plain(const ShownDigits& s);
std::string to_markdown(const ShownDigits& s);
std::string to_tex(const ShownDigits& s);
// An exact value (radius 0): "0", "-inf" or a short exact decimal when one exists.
ShownDigits exact_shown(const std::string& text);

// Checks used by `recheck`: `decimal` is a faithful outward rounding of the exact endpoint `exact_value`,
// i.e. decimal <= exact (down) or >= exact (up), and they differ by less than one unit of the last written
// decimal digit. A one-unit change of the last digit of a faithful rounding makes this false.
bool faithful_outward(const std::string& decimal, const Rational& exact_value, exact::Round dir);

}  // namespace lyapcert::tables
