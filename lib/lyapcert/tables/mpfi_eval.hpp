// The second arithmetic backend of `recheck --backend other`: MPFI interval arithmetic (MPFR endpoints,
// outward rounding) evaluating the defining sums and closed forms directly from exact rational inputs,
// sharing no evaluation code with the Arb path (lib/lyapcert/lyap). Proof: TABLE-MPFI-1.
#pragma once
#include <string>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/finite_law.hpp"

namespace lyapcert::tables {

// An enclosure with exact binary endpoints, or exactly -inf.
struct MpfiEnclosure {
  bool minus_infinity = false;
  std::string lower_exact, upper_exact;  // "m*2^e" / "0"
  exact::Rational lower, upper;          // the same values as rationals
};

// E log|a + b h| for a finite law (b != 0): sum_j p_j log|a + b h_j| atom by atom; exactly -inf when some
// a + b h_j == 0 (exact rational test). Guarantee: contains the true value.
MpfiEnclosure mpfi_log_abs_mean(const laws::FiniteLaw& law, const exact::Rational& a, const exact::Rational& b,
                                long prec);

// g(p) = log sum_j p_j |1 - lr h_j|^p (p > 0): |r|^p exact for integer p <= 64, else exp(p log|r|);
// exactly -inf when every multiplier vanishes. Guarantee: contains the true value.
MpfiEnclosure mpfi_moment(const laws::FiniteLaw& law, const exact::Rational& lr, const exact::Rational& p, long prec);

// Lambda(lr) for h ~ U[lo, hi]: (F(1 - lr lo) - F(1 - lr hi)) / (lr (hi - lo)), F(u) = u log|u| - u, F(0) = 0
// (MATH.md section 2). Guarantee: contains the true value.
MpfiEnclosure mpfi_uniform_exponent(const exact::Rational& lo, const exact::Rational& hi, const exact::Rational& lr,
                                    long prec);

// MPFI's own version string (provenance).
std::string mpfi_version();

}  // namespace lyapcert::tables
