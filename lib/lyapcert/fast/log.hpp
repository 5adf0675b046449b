// Certified binary64 natural logarithm: a round-to-nearest kernel with a proved relative error
// bound, widened outward into an OutwardInterval. Proofs: proofs/fast/log.md.
#pragma once
#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast {

namespace detail {
// Kernel constants, exposed for log_test. T: the double just above 1/sqrt(2); the reduced argument
// m lies in [T, 2T) (FAST-LOG-1). ln 2 = kLn2Hi + kLn2Lo + e0 with |e0| <= 2^-86; kLn2Hi has 32
// significant bits, so k * kLn2Hi is exact for |k| < 2^21 (FAST-LOG-5).
inline constexpr double kLogThreshold = 0x1.6a09e667f3bcdp-1;
inline constexpr double kLn2Hi = 0x1.62e42fee00000p-1;
inline constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
}  // namespace detail

// Proved bound on the relative error of log_nearest: |log_nearest(x) - log x| <= kLogRelError |log x|
// for every finite x > 0 (4.59 * 2^-53, about 4.6 ulp). Proof: FAST-LOG-5.
inline constexpr double kLogRelError = 4.59 * 0x1p-53;

// The kernel's round-to-nearest approximation of log x for finite x > 0 (no guarantee by itself
// beyond FAST-LOG-5; log(OutwardInterval) turns it into an enclosure). x = 1 gives exactly 0; x = 0 gives
// -inf, x = +inf gives +inf, x < 0 or NaN gives NaN. Needs round-to-nearest mode.
double log_nearest(double x) noexcept;

// Lower and upper bounds: log_lower(x) <= log x <= log_upper(x) for every double x > 0
// (x = +inf gives +inf for both; x = 0 gives -inf for both). Proof: FAST-LOG-6.
double log_lower(double x) noexcept;
double log_upper(double x) noexcept;

// Enclosure of { log t : t in x, t > 0 }: contains log t for every t > 0 in x; the empty interval
// when x is empty or contains no positive number; lower endpoint -inf when 0 is in x. For a point
// x the width is at most about 15.2 * 2^-53 |log x| (14.7 correct digits). Proof: FAST-LOG-6.
OutwardInterval log(const OutwardInterval& x);

// Enclosure of log x for one double (same as log(OutwardInterval(x)), one kernel evaluation); x = NaN
// throws InputError. Proof: FAST-LOG-6.
OutwardInterval log(double x);

// Enclosure of { log|t| : t in x, t != 0 }: for x not containing 0 this is log of |x|; when 0 is in
// x the lower endpoint is -inf; empty for x = [0, 0] or empty x. Proof: FAST-LOG-6.
OutwardInterval log_abs(const OutwardInterval& x);

}  // namespace lyapcert::fast
