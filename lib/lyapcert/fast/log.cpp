// Certified binary64 logarithm. Every step below is referenced in proofs/fast/log.md; the file is
// compiled with -ffp-contract=off so that each operation is one IEEE rounding, as the proof assumes.
#include "lyapcert/fast/log.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace lyapcert::fast {
namespace {

using detail::kLn2Hi;
using detail::kLn2Lo;
using detail::kLogThreshold;
constexpr double kTwoT = 2.0 * kLogThreshold;
// Coefficients 2/(2n+1), n = 1..10, each the double nearest to it (constant folding is correctly
// rounded). Proof: FAST-LOG-3.
constexpr double kC1 = 2.0 / 3.0, kC2 = 2.0 / 5.0, kC3 = 2.0 / 7.0, kC4 = 2.0 / 9.0,
                 kC5 = 2.0 / 11.0, kC6 = 2.0 / 13.0, kC7 = 2.0 / 15.0, kC8 = 2.0 / 17.0,
                 kC9 = 2.0 / 19.0, kC10 = 2.0 / 21.0;
// G >= eps / (1 - eps) with eps = 4.5835 * 2^-53 the proved relative error. Proof: FAST-LOG-6.
constexpr double kG = 4.6 * 0x1p-53;
static_assert(kLogRelError >= 4.5835 * 0x1p-53 && kG >= kLogRelError / (1.0 - kLogRelError));

// log x for finite x > 0, round-to-nearest arithmetic only. Proofs: FAST-LOG-1..5.
inline double kernel(double x) noexcept {
  // FAST-LOG-1: exact reduction x = 2^k * m, m in [T, 2T).
  auto bits = std::bit_cast<std::uint64_t>(x);
  int biased = static_cast<int>(bits >> 52);
  int k;
  if (biased == 0) {  // subnormal: scale by 2^54 (exact)
    bits = std::bit_cast<std::uint64_t>(x * 0x1p54);
    k = static_cast<int>(bits >> 52) - 1023 - 54;
  } else {
    k = biased - 1023;
  }
  double m = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
  if (m >= kTwoT) {
    m *= 0.5;
    ++k;
  }
  // FAST-LOG-2: f exact, s = f / (2 + f) with relative error <= 2u/(1-u).
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  // FAST-LOG-3: R ~ 2 atanh(s)/s - 2 = sum_{n=1}^{10} 2 z^n / (2n+1), Estrin scheme (13 roundings
  // per term at most, all terms nonnegative).
  const double z2 = z * z;
  const double z4 = z2 * z2;
  const double z8 = z4 * z4;
  const double q1 = kC1 + kC2 * z;
  const double q2 = kC3 + kC4 * z;
  const double q3 = kC5 + kC6 * z;
  const double q4 = kC7 + kC8 * z;
  const double q5 = kC9 + kC10 * z;
  const double r1 = q1 + q2 * z2;
  const double r2 = q3 + q4 * z2;
  const double s1 = r1 + r2 * z4;
  const double p = s1 + q5 * z8;
  const double R = z * p;
  // FAST-LOG-4: log m = f - s (f - R), relative error <= 2.5835 u.
  const double L = f - s * (f - R);
  if (k == 0) return L;
  // FAST-LOG-5: k ln2 + log m, relative error <= 4.5835 u.
  const double kd = static_cast<double>(k);
  return kd * kLn2Hi + (L + kd * kLn2Lo);
}

}  // namespace

double log_nearest(double x) noexcept {
  if (!(x > 0.0)) return x == 0.0 ? -kInf : std::numeric_limits<double>::quiet_NaN();
  if (x == kInf) return kInf;
  return kernel(x);
}

namespace {

// Both bounds from one kernel evaluation: y - b and y + b rounded outward, b >= G |y|. y = 0 only
// for x = 1, where log x = 0 exactly. Proof: FAST-LOG-6.
struct Bounds {
  double lower, upper;
};
// next_up / next_down for finite non-zero v (the only arguments below: |b| < |y| / 10^14, y != 0),
// without the inf/NaN/zero tests: the encoding moves by one step as in FAST-RND-1.
inline double step_up(double v) noexcept {
  const auto bits = std::bit_cast<std::int64_t>(v);
  return std::bit_cast<double>(bits + ((bits >> 63) | 1));
}
inline double step_down(double v) noexcept {
  const auto bits = std::bit_cast<std::int64_t>(v);
  return std::bit_cast<double>(bits - ((bits >> 63) | 1));
}
inline Bounds bounds_finite_positive(double x) noexcept {
  const double y = kernel(x);
  if (y == 0.0) return {0.0, 0.0};
  const double b = step_up(std::fabs(y) * kG);
  return {step_down(y - b), step_up(y + b)};
}

}  // namespace

double log_lower(double x) noexcept {
  if (!(x > 0.0)) return -kInf;  // x = 0 (log 0 = -inf); x < 0 is outside the domain
  if (x == kInf) return kInf;
  return bounds_finite_positive(x).lower;
}

double log_upper(double x) noexcept {
  if (!(x > 0.0)) return x == 0.0 ? -kInf : kInf;
  if (x == kInf) return kInf;
  return bounds_finite_positive(x).upper;
}

double OutwardRounding::log_down(double x) noexcept { return log_lower(x); }
double OutwardRounding::log_up(double x) noexcept { return log_upper(x); }

OutwardInterval log(const OutwardInterval& x) {
  const double a = x.lower();
  const double b = x.upper();
  if (a == b && a > 0.0 && a < kInf) {  // point: one kernel call for both bounds
    const Bounds r = bounds_finite_positive(a);
    return OutwardInterval(r.lower, r.upper, true);
  }
  return boost::numeric::log(x);  // empty / domain handling, then log_down(a), log_up(b)
}

OutwardInterval log(double x) {
  if (x > 0.0 && x < kInf) {
    const Bounds r = bounds_finite_positive(x);
    return OutwardInterval(r.lower, r.upper, true);
  }
  return log(OutwardInterval(x));
}

OutwardInterval log_abs(const OutwardInterval& x) {
  if (boost::numeric::empty(x)) return OutwardInterval::empty();
  const double a = x.lower();
  const double b = x.upper();
  if (a > 0.0) return log(x);
  if (b < 0.0) return log(OutwardInterval(-b, -a));
  const double largest = std::max(-a, b);
  if (largest == 0.0) return OutwardInterval::empty();
  return OutwardInterval(-kInf, log_upper(largest));
}

}  // namespace lyapcert::fast
