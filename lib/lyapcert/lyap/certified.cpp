#include "lyapcert/lyap/certified.hpp"

#include <cmath>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/decimal.hpp"

namespace lyapcert::lyap {
namespace {

using exact::Rational;

Rational pow10(int n) {  // 10^n for n of either sign
  exact::Integer p;
  mpz_ui_pow_ui(p.backend().data(), 10, static_cast<unsigned long>(std::abs(n)));
  return n >= 0 ? Rational(p) : Rational(exact::Integer(1), p);
}

// Width requirement on an exact interval [lo, hi]: hi - lo <= 10^-n * max(1, min |x|).
bool meets(const Rational& lo, const Rational& hi, int n) {
  Rational m = 0;
  if (lo > 0) m = lo;
  if (hi < 0) m = -hi;
  const Rational scale = m > 1 ? m : Rational(1);
  return hi - lo <= pow10(-n) * scale;
}

}  // namespace

bool internal_width_ok(const exact::Ball& b, int digits) {
  if (!b.is_finite()) return false;
  // Compare 2 rad with 0.5 * 10^-digits * max(1, |mid| - rad) using Arb magnitudes (upper bounds).
  arb_t w, req, m;
  arb_init(w);
  arb_init(req);
  arb_init(m);
  arb_get_rad_arb(w, b.get());
  arb_mul_2exp_si(w, w, 2);  // 4 rad = 2 * width
  arb_get_abs_lbound_arf(arb_midref(m), b.get(), 64);
  mag_zero(arb_radref(m));
  if (arf_cmp_si(arb_midref(m), 1) < 0) arf_one(arb_midref(m));
  arb_set_ui(req, 10);
  arb_pow_ui(req, req, static_cast<ulong>(digits), 64);
  arb_div(req, m, req, 64);  // max(1, m) * 10^-digits
  const bool ok = arb_lt(w, req);
  arb_clear(w);
  arb_clear(req);
  arb_clear(m);
  return ok;
}

DecimalEnclosure to_decimal(const CertifiedValue& v, int digits) {
  DecimalEnclosure out;
  if (v.minus_infinity) {
    out.lower = out.upper = "-inf";
    out.meets_request = true;
    return out;
  }
  if (!v.exact && !v.ball.is_finite()) {
    // No finite enclosure (an indeterminate ball: a quadrature or a bound that failed): the whole line, honestly,
    // never a NaN printed or a number read back from it (Proof: DEC-1 holds trivially).
    out.lower = "-inf";
    out.upper = "inf";
    out.digits_achieved = 0;
    return out;
  }
  exact::Arf lo, hi;
  exact::ball_endpoints(lo, hi, v.ball.get(), ARF_PREC_EXACT);
  if (v.exact) {
    // Radius 0 and a value that has a short decimal (0 in practice): print it exactly.
    out.lower = exact::arf_to_decimal(lo, digits + 5, exact::Round::down);
    out.upper = exact::arf_to_decimal(hi, digits + 5, exact::Round::up);
    out.meets_request = true;
    return out;
  }
  Rational rlo, rhi;
  for (int s = digits + 1; s <= digits + 5; ++s) {
    out.lower = exact::arf_to_decimal(lo, s, exact::Round::down);
    out.upper = exact::arf_to_decimal(hi, s, exact::Round::up);
    rlo = exact::decimal_value(out.lower);
    rhi = exact::decimal_value(out.upper);
    if (meets(rlo, rhi, digits)) {
      out.meets_request = true;
      break;
    }
  }
  // digits achieved: the largest M (capped at digits + 5) with the printed interval meeting 10^-M.
  if (rhi == rlo) {
    out.digits_achieved = digits + 5;
  } else {
    // Estimate log10(scale / width) from bit lengths, then correct with the exact check.
    Rational mm = 0;
    if (rlo > 0) mm = rlo;
    if (rhi < 0) mm = -rhi;
    const Rational ratio = (mm > 1 ? mm : Rational(1)) / (rhi - rlo);
    const long bits = static_cast<long>(msb(numerator(ratio))) - static_cast<long>(msb(denominator(ratio)));
    int m = static_cast<int>(std::floor(static_cast<double>(bits + 1) * 0.30102999566398120)) + 1;
    while (!meets(rlo, rhi, m)) --m;  // terminates: meets() holds for all m <= log10(ratio)
    out.digits_achieved = std::min(m, digits + 5);
  }
  return out;
}

}  // namespace lyapcert::lyap
