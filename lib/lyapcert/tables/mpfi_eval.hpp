// The second arithmetic backend of `recheck --backend other`: MPFI interval arithmetic (MPFR endpoints,
// outward rounding) evaluating the defining sums and closed forms directly from exact rational inputs,
// sharing no evaluation code with the Arb path (lib/lyapcert/lyap). Proof: TABLE-MPFI-1.
#pragma once
#include <string>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/exact/sign.hpp"
#include "lyapcert/laws/finite_law.hpp"

namespace lyapcert::tables {

// An enclosure with exact binary endpoints, or exactly -inf.
struct MpfiEnclosure {
  bool minus_infinity = false;
  std::string lower_exact, upper_exact;  // "m*2^e" / "0"
  exact::Rational lower, upper;          // the same values as rationals
};

// The sign an MPFI enclosure proves. The MPFI path reports no exact zero: an enclosure that came out as the point
// [0, 0] reads undetermined (weaker than it could be, never wrong; kept so that rechecked tables stay as they were).
exact::Sign mpfi_sign(const MpfiEnclosure& m);

// E log|a + b h| for a finite law (b != 0): sum_j p_j log|a + b h_j| atom by atom; exactly -inf when some
// a + b h_j == 0 (exact rational test). Guarantee: contains the true value.
MpfiEnclosure mpfi_log_abs_mean(const laws::FiniteLaw& law, const exact::Rational& a, const exact::Rational& b,
                                long prec);

// g(p) = log sum_j p_j |1 - lr h_j|^p (p > 0): |r|^p exact for integer p <= 64, else exp(p log|r|);
// exactly -inf when every multiplier vanishes. Guarantee: contains the true value.
MpfiEnclosure mpfi_moment(const laws::FiniteLaw& law, const exact::Rational& lr, const exact::Rational& p, long prec);

// Lambda(lr) for h ~ U[lo, hi]: (F(1 - lr lo) - F(1 - lr hi)) / (lr (hi - lo)), F(u) = u log|u| - u, F(0) = 0
// (docs/math.md section 2). Guarantee: contains the true value.
MpfiEnclosure mpfi_uniform_exponent(const exact::Rational& lo, const exact::Rational& hi, const exact::Rational& lr,
                                    long prec);

// E|a + b h|^p itself (p > 0, not its log) for a finite law: sum_j p_j |a + b h_j|^p, each |r_j|^p the exact
// rational power for integer p <= 64, else exp(p log|r_j|); exactly 0 when every r_j = 0. Guarantee: contains the
// true value. Proof: TABLE-MPFI-1.
MpfiEnclosure mpfi_abs_moment(const laws::FiniteLaw& law, const exact::Rational& a, const exact::Rational& b,
                              const exact::Rational& p, long prec);

// E|u|^p for u ~ U[lo, hi] (lo < hi, p > 0): (K(hi) - K(lo)) / (hi - lo), K(u) = sign(u) |u|^{p+1} / (p + 1).
// Guarantee: contains the true value. Proof: TABLE-SECOND-3.
MpfiEnclosure mpfi_uniform_abs_moment(const exact::Rational& lo, const exact::Rational& hi, const exact::Rational& p,
                                      long prec);

// The i-th Lyapunov exponent of d x d Ginibre matrices with N(0, sigma^2) entries, 1 <= i <= d <= 4:
// (1/2)[log(2 sigma^2) + psi((d - i + 1)/2)] with the elementary values psi(1/2) = -gamma - 2 log 2,
// psi(1) = -gamma, psi(3/2) = psi(1/2) + 2, psi(2) = psi(1) + 1 (MPFR's Euler constant and log 2), not
// Arb's digamma. Guarantee: contains the true value. Proof: TABLE-SECOND-4.
MpfiEnclosure mpfi_ginibre_exponent(int d, int i, const exact::Rational& sigma, long prec);

// (1/2) log q for an exact rational q > 0 (Jensen bounds). Guarantee: contains the true value.
MpfiEnclosure mpfi_half_log(const exact::Rational& q, long prec);

// MPFI's own version string (provenance).
std::string mpfi_version();

}  // namespace lyapcert::tables
