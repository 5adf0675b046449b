#include "lyapcert/exact/decimal.hpp"

#include <fmt/format.h>
#include <flint/fmpz.h>

#include <cmath>
#include <stdexcept>

namespace lyapcert::exact {
namespace {

// RAII fmpz temporaries.
struct Z {
  fmpz_t v;
  Z() { fmpz_init(v); }
  ~Z() { fmpz_clear(v); }
  Z(const Z&) = delete;
  Z& operator=(const Z&) = delete;
};

std::string digits_to_decimal(const fmpz_t q, long k) {
  // value = q * 10^k, q an integer; print as d.ddd e(k + len - 1).
  if (fmpz_is_zero(q)) return "0";
  char* raw = fmpz_get_str(nullptr, 10, q);
  std::string s(raw);
  flint_free(raw);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  // Drop trailing zeros into the exponent.
  while (s.size() > 1 && s.back() == '0') {
    s.pop_back();
    ++k;
  }
  const long exp10 = k + static_cast<long>(s.size()) - 1;
  const std::string_view digits(s);
  const std::string mant = digits.size() > 1 ? fmt::format("{}.{}", digits.substr(0, 1), digits.substr(1))
                                             : std::string(digits);
  if (exp10 == 0) return fmt::format("{}{}", sign, mant);
  return fmt::format("{}{}e{}", sign, mant, exp10);
}

}  // namespace

namespace {

// round_dir(num / den / 10^k) * 10^k printed, with k chosen from the estimate log2x of log2|num/den| so that
// sig (or sig + 1) significant digits are kept. den > 0. Proof: DEC-1.
std::string fraction_to_decimal(Z& num, Z& den, double log2x, int sig, Round dir) {
  const long d10 = static_cast<long>(std::floor(log2x * 0.30102999566398120));
  const long k = d10 - sig + 1;  // last kept digit has weight 10^k (sig or sig+1 digits kept)
  Z p, q;
  if (k >= 0) {
    fmpz_ui_pow_ui(p.v, 10, static_cast<ulong>(k));
    fmpz_mul(den.v, den.v, p.v);
  } else {
    fmpz_ui_pow_ui(p.v, 10, static_cast<ulong>(-k));
    fmpz_mul(num.v, num.v, p.v);
  }
  // Proof: DEC-1 -- floor for down, ceil for up; den > 0 so the direction is preserved.
  if (dir == Round::down) {
    fmpz_fdiv_q(q.v, num.v, den.v);
  } else {
    fmpz_cdiv_q(q.v, num.v, den.v);
  }
  return digits_to_decimal(q.v, k);
}

}  // namespace

std::string arf_to_decimal(const arf_t x, int sig, Round dir) {
  if (sig < 1) throw std::invalid_argument("arf_to_decimal: sig < 1");
  if (arf_is_zero(x)) return "0";
  if (!arf_is_finite(x)) {
    if (arf_is_neg_inf(x)) return "-inf";
    if (arf_is_pos_inf(x)) return "inf";
    throw std::invalid_argument("arf_to_decimal: NaN");
  }
  Z m, e;
  arf_get_fmpz_2exp(m.v, e.v, x);  // x = m * 2^e exactly
  // Decimal exponent estimate: |x| in [2^(b+e-1), 2^(b+e)), b = bits(m).
  const double log2x = static_cast<double>(fmpz_bits(m.v)) + fmpz_get_d(e.v);
  // x = num / den exactly.
  Z num, den;
  fmpz_set(num.v, m.v);
  fmpz_one(den.v);
  if (fmpz_sgn(e.v) >= 0) {
    fmpz_mul_2exp(num.v, num.v, fmpz_get_ui(e.v));
  } else {
    Z ne;
    fmpz_neg(ne.v, e.v);
    fmpz_mul_2exp(den.v, den.v, fmpz_get_ui(ne.v));
  }
  return fraction_to_decimal(num, den, log2x, sig, dir);
}

std::string rational_to_decimal(const Rational& x, int sig, Round dir) {
  if (sig < 1) throw std::invalid_argument("rational_to_decimal: sig < 1");
  if (x == 0) return "0";
  Z num, den;
  set_fmpz(num.v, numerator(x));
  set_fmpz(den.v, denominator(x));  // > 0 (canonical form)
  // log2|x| in (bits(num) - 1 - bits(den), bits(num) - bits(den) + 1): the lower end as the estimate, so that at
  // least sig significant digits are kept (sig + 1 when it is low by a decade).
  const double log2x = static_cast<double>(fmpz_bits(num.v)) - static_cast<double>(fmpz_bits(den.v)) - 1;
  return fraction_to_decimal(num, den, log2x, sig, dir);
}

Rational decimal_value(const std::string& text) {
  // A printed result may lie beyond the +-9999 exponents of user input (Lambda(10^-9999) ~ 10^-10000, g(p) for
  // p = 10^9999, inputs with 10^5 digits): read it back with the limits of what arf_to_decimal can print.
  return parse_rational(text, kPrintedNumberLimits);
}

Rational to_rational(const arf_t x) {
  if (!arf_is_finite(x)) throw std::invalid_argument("to_rational: not a finite number");
  Z m, e;
  arf_get_fmpz_2exp(m.v, e.v, x);  // x = m 2^e exactly
  Rational r(to_integer(m.v));
  const slong ei = fmpz_get_si(e.v);
  Integer p = 1;
  p <<= static_cast<unsigned long>(ei >= 0 ? ei : -ei);
  if (ei >= 0) {
    r *= Rational(p);
  } else {
    r /= Rational(p);
  }
  return r;
}

void ball_endpoints(arf_t lower, arf_t upper, const arb_t x, slong prec) {
  arb_get_lbound_arf(lower, x, prec);  // rounded down (Arb's contract)
  arb_get_ubound_arf(upper, x, prec);  // rounded up
}

}  // namespace lyapcert::exact
