#include "lyapcert/oracle/claims.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::oracle {

int compare(const XReal& a, const XReal& b) {
  if (a.inf != 0 || b.inf != 0) {
    if (a.inf == b.inf) return 0;
    // -inf < finite < +inf: compare the "infinity ranks".
    return a.inf < b.inf ? -1 : 1;
  }
  return a.q < b.q ? -1 : (a.q == b.q ? 0 : 1);
}

bool meets(const ExactInterval& a, const ExactInterval& b) { return a.lower <= b.upper && b.lower <= a.upper; }

bool contains(const ExactInterval& outer, const ExactInterval& inner) {
  return outer.lower <= inner.lower && inner.upper <= outer.upper;
}

std::optional<Rational> distance(const ExactInterval& a, const ExactInterval& b) {
  if (meets(a, b)) return Rational(0);
  // Disjoint: either a entirely below b or above.
  const ExactInterval& lo = a.upper < b.lower ? a : b;
  const ExactInterval& hi = a.upper < b.lower ? b : a;
  if (!lo.upper.is_finite() || !hi.lower.is_finite()) return std::nullopt;
  return hi.lower.q - lo.upper.q;
}

std::optional<XReal> parse_number(std::string_view text) {
  std::string t(text);
  std::string low = t;
  std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return std::tolower(c); });
  if (low == "nan" || low == "+nan" || low == "-nan") return std::nullopt;
  if (low == "inf" || low == "+inf" || low == "infinity" || low == "+infinity") return XReal::plus_inf();
  if (low == "-inf" || low == "-infinity") return XReal::minus_inf();
  if (t.empty()) throw InputError("empty number");
  return XReal::finite(exact::parse_rational(t));
}

const char* to_string(ClaimKind k) {
  switch (k) {
    case ClaimKind::stderr_bar: return "stderr";
    case ClaimKind::interval: return "interval";
    case ClaimKind::value: return "value";
  }
  return "?";
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::consistent: return "consistent";
    case Verdict::inconsistent: return "inconsistent";
    case Verdict::undetermined: return "undetermined";
  }
  return "?";
}

// Proof: ORACLE-CLASS-1.
Verdict classify(const Claim& claim, const ExactInterval& enclosure, bool enclosure_converged) {
  if (claim.nan) return Verdict::inconsistent;
  if (!meets(claim.range, enclosure)) return Verdict::inconsistent;
  if (contains(claim.range, enclosure)) return Verdict::consistent;
  return enclosure_converged ? Verdict::consistent : Verdict::undetermined;
}

Miss miss_of(const Claim& claim, const ExactInterval& enclosure) {
  Miss m;
  if (claim.nan) return m;
  ExactInterval point{claim.value, claim.value};
  if (claim.kind == ClaimKind::interval && !claim.value.is_finite()) point = claim.range;  // no midpoint
  const auto d = distance(point, enclosure);
  if (!d) {
    m.infinite = true;
    return m;
  }
  m.distance = *d;
  if (claim.bar && *claim.bar > 0) m.error_bars = *d / *claim.bar;
  return m;
}

// Exact directed rounding in integer arithmetic: m = floor or ceil of |x| 10^(sig - 1 - e), 10^e <= |x| < 10^(e+1);
// exact values with at most `sig` significant digits print exactly. Proof: DEC-1 (the same directed rounding).
std::string decimal(const Rational& x, int sig, exact::Round dir) {
  using exact::Integer;
  if (x == 0) return "0";
  if (sig < 1) sig = 1;
  const bool negative = x < 0;
  const Rational a = negative ? Rational(-x) : x;
  const auto pow10 = [](long k) {
    const Integer t = boost::multiprecision::pow(Integer(10), static_cast<unsigned>(k >= 0 ? k : -k));
    return k >= 0 ? Rational(t) : Rational(Integer(1), t);
  };
  long e = static_cast<long>(numerator(a).str().size()) - static_cast<long>(denominator(a).str().size());
  while (a < pow10(e)) --e;
  while (a >= pow10(e + 1)) ++e;
  const Rational scaled = a * pow10(sig - 1 - e);
  Integer m = numerator(scaled) / denominator(scaled);  // floor (positive)
  const bool exact_value = m * denominator(scaled) == numerator(scaled);
  const bool magnitude_up = (dir == exact::Round::up) != negative;
  if (!exact_value && magnitude_up) m += 1;
  long last = e - (sig - 1);  // decimal exponent of the last digit of m
  while (m != 0 && m % 10 == 0) {
    m /= 10;
    ++last;
  }
  const std::string digits = m.str();
  const long lead = last + static_cast<long>(digits.size()) - 1;  // exponent of the leading digit
  std::string out = negative ? "-" : "";
  if (lead >= -4 && lead < 7) {  // plain notation
    if (last >= 0) {
      out += digits;
      out.append(static_cast<std::size_t>(last), '0');
    } else if (lead >= 0) {
      const std::size_t int_digits = static_cast<std::size_t>(lead + 1);
      out += digits.substr(0, int_digits) + "." + digits.substr(int_digits);
    } else {
      out += "0.";
      out.append(static_cast<std::size_t>(-lead - 1), '0');
      out += digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  return out + fmt::format("e{}", lead);
}

std::string decimal(const XReal& x, int sig, exact::Round dir) {
  if (x.inf < 0) return "-inf";
  if (x.inf > 0) return "inf";
  return decimal(x.q, sig, dir);
}

// Proof: ORACLE-FWER-1.
Rational bonferroni_sigmas(double alpha, std::size_t m) {
  if (!(alpha > 0 && alpha < 1)) throw InputError(fmt::format("--alpha must be in (0, 1), got {}", alpha));
  if (m < 1) m = 1;
  const double target = alpha / static_cast<double>(m);  // P(|Z| > z) = erfc(z / sqrt 2)
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    if (std::erfc(mid / std::sqrt(2.0)) > target) lo = mid; else hi = mid;
  }
  // hi has erfc(hi / sqrt 2) <= target up to libm error (a few ulps); the margin 1e-6 covers it and the
  // rounding up to 1/1000 only enlarges z.
  const long milli = static_cast<long>(std::ceil((hi + 1e-6) * 1000));
  return Rational(milli, 1000);
}

}  // namespace lyapcert::oracle
