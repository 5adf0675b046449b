#include "lyapcert/tables/exact_text.hpp"

#include <fmt/format.h>
#include <flint/fmpz.h>
#include <gmp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::tables {
namespace {

Integer pow10(long n) {  // n >= 0
  Integer p;
  mpz_ui_pow_ui(p.backend().data(), 10, static_cast<unsigned long>(n));
  return p;
}

Rational pow10q(long n) { return n >= 0 ? Rational(pow10(n)) : Rational(Integer(1), pow10(-n)); }

// floor(x) and ceil(x) for a rational x of either sign.
Integer floor_q(const Rational& x) {
  Integer q, r;
  mpz_fdiv_qr(q.backend().data(), r.backend().data(), numerator(x).backend().data(),
              denominator(x).backend().data());
  return q;
}
Integer ceil_q(const Rational& x) {
  Integer q, r;
  mpz_cdiv_qr(q.backend().data(), r.backend().data(), numerator(x).backend().data(),
              denominator(x).backend().data());
  return q;
}

std::string binary_from_mpz(Integer m, long long e) {
  if (m == 0) return "0";
  const auto tz = static_cast<long long>(mpz_scan1(m.backend().data(), 0));
  if (tz > 0) {
    mpz_tdiv_q_2exp(m.backend().data(), m.backend().data(), static_cast<mp_bitcnt_t>(tz));
    e += tz;
  }
  return fmt::format("{}*2^{}", m.str(), e);
}

// Integer digits string of |n| with the decimal exponent k: value = n * 10^k. Returns "d.ddde-x" (law syntax).
std::string scaled_to_text(const Integer& n, long k) {
  if (n == 0) return "0";
  std::string s = Integer(abs(n)).str();
  const bool neg = n < 0;
  while (s.size() > 1 && s.back() == '0') {
    s.pop_back();
    ++k;
  }
  const long e = k + static_cast<long>(s.size()) - 1;
  std::string mant = s.size() > 1 ? s.substr(0, 1) + "." + s.substr(1) : s;
  return fmt::format("{}{}{}", neg ? "-" : "", mant, e == 0 ? std::string() : fmt::format("e{}", e));
}

// The weight 10^k of the last written digit of a decimal in law syntax ("-2.310e-1" -> k = -4).
long last_digit_exponent(const std::string& text) {
  std::string mant = text;
  long e = 0;
  const auto epos = text.find_first_of("eE");
  if (epos != std::string::npos) {
    mant = text.substr(0, epos);
    e = std::stol(text.substr(epos + 1));
  }
  const auto dot = mant.find('.');
  const long frac = dot == std::string::npos ? 0 : static_cast<long>(mant.size() - dot - 1);
  return e - frac;
}

}  // namespace

std::string binary_text(const arf_t x) {
  if (!arf_is_finite(x)) throw std::invalid_argument("binary_text: not finite");
  if (arf_is_zero(x)) return "0";
  exact::Fmpz m, e;
  arf_get_fmpz_2exp(m.get(), e.get(), x);
  Integer mi = exact::to_integer(m.get());
  const long long ei = fmpz_get_si(e.get());
  return binary_from_mpz(mi, ei);
}

std::string binary_text(const mpfr_t x) {
  if (!mpfr_number_p(x)) throw std::invalid_argument("binary_text: not finite");
  if (mpfr_zero_p(x)) return "0";
  Integer m;
  const mpfr_exp_t e = mpfr_get_z_2exp(m.backend().data(), x);
  return binary_from_mpz(m, static_cast<long long>(e));
}

std::string binary_text(double x) {
  if (!std::isfinite(x)) throw std::invalid_argument("binary_text: not finite");
  if (x == 0) return "0";
  int e = 0;
  const double f = std::frexp(x, &e);                 // x = f 2^e, 0.5 <= |f| < 1
  const auto m = static_cast<long long>(std::ldexp(f, 53));  // exact: 53-bit integer
  return binary_from_mpz(Integer(m), static_cast<long long>(e) - 53);
}

Rational parse_exact(std::string_view text) {
  const auto star = text.find("*2^");
  if (star == std::string_view::npos) return exact::parse_rational(text);
  const std::string_view ms = text.substr(0, star), es = text.substr(star + 3);
  auto is_int = [](std::string_view s) {
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i >= s.size() || s.size() > 100000) return false;
    for (; i < s.size(); ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!is_int(ms) || !is_int(es) || es.size() > 12) {
    throw InputError(fmt::format("malformed exact binary number '{}' (expected m*2^e with integers m, e)",
                                 std::string(text.substr(0, 60))));
  }
  Integer m(std::string(ms[0] == '+' ? ms.substr(1) : ms));
  const long long e = std::stoll(std::string(es));
  if (e > (1LL << 32) || e < -(1LL << 32)) throw InputError("binary exponent out of range");
  Integer p(1);
  mpz_mul_2exp(p.backend().data(), p.backend().data(), static_cast<mp_bitcnt_t>(e >= 0 ? e : -e));
  return e >= 0 ? Rational(m * p) : Rational(m, p);
}

long floor_log10(const Rational& x) {
  const Rational a = abs(x);
  const long bits = static_cast<long>(msb(numerator(a))) - static_cast<long>(msb(denominator(a)));
  long k = static_cast<long>(std::floor(static_cast<double>(bits) * 0.30102999566398120));
  // Correct the estimate exactly: 10^k <= a < 10^(k+1).
  while (pow10q(k) > a) --k;
  while (pow10q(k + 1) <= a) ++k;
  return k;
}

std::string round_decimal(const Rational& x, int sig, exact::Round dir) {
  if (sig < 1) throw std::invalid_argument("round_decimal: sig < 1");
  if (x == 0) return "0";
  const long k = floor_log10(x) - sig + 1;  // weight of the last kept digit
  const Rational scaled = x * pow10q(-k);
  const Integer n = dir == exact::Round::down ? floor_q(scaled) : ceil_q(scaled);
  return scaled_to_text(n, k);
}

ShownDigits certified_digits(const Rational& lower, const Rational& upper, int max_sig) {
  if (lower > upper) throw std::invalid_argument("certified_digits: lower > upper");
  max_sig = std::max(1, max_sig);
  ShownDigits s;
  const bool same_sign = (lower > 0) || (upper < 0);
  auto as_interval = [&] {
    s.kind = ShownDigits::Kind::interval;
    // As many digits as the enclosure's width supports (at least 3, at most max_sig): the printed interval is
    // then at most about 10 times wider than the enclosure. Proof: DEC-1 (outward rounding).
    int sig = 3;
    if (lower != upper) {
      const Rational big = abs(lower) > abs(upper) ? Rational(abs(lower)) : Rational(abs(upper));
      const long spread = floor_log10(big) - floor_log10(upper - lower) + 2;
      sig = static_cast<int>(std::clamp<long>(spread, 3, std::max(3, max_sig)));
    }
    s.lower = round_decimal(lower, sig, exact::Round::down);
    s.upper = round_decimal(upper, sig, exact::Round::up);
    return s;
  };
  if (!same_sign) return as_interval();
  s.negative = upper < 0;
  const Rational a = s.negative ? -upper : lower;  // smaller magnitude
  const Rational b = s.negative ? -lower : upper;  // larger magnitude
  const long eb = floor_log10(b);
  // Proof: TABLE-DIGITS-1. With k = sig - 1 - eb decimal places, D_k(x) = floor(x 10^k); the shared prefix
  // property "D_k(a) == D_k(b)" is monotone in k (true for all smaller k once true), so a binary search
  // finds the largest number of shared significant digits.
  auto shared = [&](int sig) {
    const Rational w = pow10q(sig - 1 - eb);
    return floor_q(a * w) == floor_q(b * w);
  };
  if (!shared(1)) return as_interval();
  int lo = 1, hi = max_sig;
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    if (shared(mid)) lo = mid; else hi = mid - 1;
  }
  const int sig = lo;
  const long k = sig - 1 - eb;
  const std::string d = floor_q(b * pow10q(k)).str();  // exactly `sig` digits
  s.kind = ShownDigits::Kind::digits;
  s.sig = sig;
  if (eb >= -4 && eb < 6 && k >= 0) {
    // Fixed notation with k decimal places.
    std::string digits = d;
    if (static_cast<long>(digits.size()) <= k) digits = std::string(k - digits.size() + 1, '0') + digits;
    const std::size_t point = digits.size() - static_cast<std::size_t>(k);
    s.mantissa = k > 0 ? digits.substr(0, point) + "." + digits.substr(point) : digits;
  } else {
    s.scientific = true;
    s.exp10 = eb;
    s.mantissa = d.size() > 1 ? d.substr(0, 1) + "." + d.substr(1) : d;
  }
  return s;
}

ShownDigits exact_shown(const std::string& text) {
  ShownDigits s;
  s.kind = ShownDigits::Kind::exact;
  s.mantissa = text;
  return s;
}

std::string to_plain(const ShownDigits& s) {
  switch (s.kind) {
    case ShownDigits::Kind::exact: return s.mantissa + " (exact)";
    case ShownDigits::Kind::interval: return fmt::format("[{}, {}]", s.lower, s.upper);
    case ShownDigits::Kind::digits:
      return fmt::format("{}{}...{}", s.negative ? "-" : "", s.mantissa,
                         s.scientific ? fmt::format("e{}", s.exp10) : std::string());
  }
  return "";
}

std::string to_markdown(const ShownDigits& s) {
  switch (s.kind) {
    case ShownDigits::Kind::exact: return s.mantissa + " (exact)";
    case ShownDigits::Kind::interval: return fmt::format("[{}, {}]", s.lower, s.upper);
    case ShownDigits::Kind::digits:
      return fmt::format("{}{}…{}", s.negative ? "−" : "", s.mantissa,
                         s.scientific ? fmt::format(" ×10^{}", s.exp10) : std::string());
  }
  return "";
}

std::string to_tex(const ShownDigits& s) {
  auto num = [](const std::string& t) {  // "1.2e-5" -> "1.2\cdot 10^{-5}"
    const auto e = t.find('e');
    if (e == std::string::npos) return t;
    return fmt::format("{}\\cdot 10^{{{}}}", t.substr(0, e), t.substr(e + 1));
  };
  switch (s.kind) {
    case ShownDigits::Kind::exact:
      return s.mantissa == "-inf" ? std::string("$-\\infty$") : fmt::format("${}$", s.mantissa);
    case ShownDigits::Kind::interval: return fmt::format("$[{}, {}]$", num(s.lower), num(s.upper));
    case ShownDigits::Kind::digits:
      return fmt::format("${}{}\\ldots{}$", s.negative ? "-" : "", s.mantissa,
                         s.scientific ? fmt::format("\\times 10^{{{}}}", s.exp10) : std::string());
  }
  return "";
}

bool faithful_outward(const std::string& decimal, const Rational& exact_value, exact::Round dir) {
  Rational d;
  try {
    d = exact::decimal_value(decimal);  // printed results may pass the +-9999 exponents of input
  } catch (const InputError&) {
    return false;
  }
  if (d == exact_value) return true;
  const Rational unit = pow10q(last_digit_exponent(decimal));
  if (dir == exact::Round::down) return d < exact_value && exact_value - d < unit;
  return d > exact_value && d - exact_value < unit;
}

}  // namespace lyapcert::tables
