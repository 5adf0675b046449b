// Certified binary64 kernels for the 1-D exponents of the continuous laws normal, uniform and
// sqnormal: fast::OutwardInterval arithmetic with the series truncations and asymptotic
// remainders bounded inside the interval computation. Proofs: proofs/fast/gaussian.md.
//
// Contract of every function here: the result contains the exact value for every point of the input
// intervals. "Could not certify" (input outside the supported range, binary64 overflow) is a wide
// interval (possibly the whole line), never a wrong one. Cancellation regimes give wide but valid
// intervals. Needs round-to-nearest mode (fast::log and IntervalSum do; floating_point_environment_ok).
#pragma once
#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast {

namespace detail {
// (gamma + log 2)/2 lies in [kHalfGammaLog2Lo, kHalfGammaLog2Hi] (consecutive doubles; checked
// against Arb in FastGauss.ConstantsMatchArb). Proof: FAST-GAUSS-3.
inline constexpr double kHalfGammaLog2Lo = 0x1.45367fdb4f804p-1;
inline constexpr double kHalfGammaLog2Hi = 0x1.45367fdb4f805p-1;
// x e^{-3x/4} <= kExpTailX for every x >= kAsymptoticX (x e^{-3x/4} decreases for x > 4/3, and
// 60 e^{-45} = 1.719e-18). Proof: FAST-GAUSS-5.
inline constexpr double kAsymptoticX = 60.0;
inline constexpr double kExpTailX = 1.75e-18;
}  // namespace detail

// Enclosure of { e^t : t in x }. Argument reduction t = k ln 2 + r in interval arithmetic and a
// degree-17 Taylor polynomial with the Lagrange remainder (|r| <= 1/2). Results below DBL_MIN or above
// DBL_MAX come back as [0, DBL_MIN] / [DBL_MAX, inf]. Proof: FAST-GAUSS-1.
OutwardInterval exp(const OutwardInterval& x);

// Enclosure of G(m, v) = E log|N(m, v^2)| (docs/math.md section 2) for every m in `m`, v in `v`
// (v >= 0; v = 0 gives log|m|). x = m^2/(2 v^2) <= 60: positive Poisson mixture
// log v - (gamma + log 2)/2 + sum_j e^{-x} x^j/j! h_j with a geometric tail bound (FAST-GAUSS-2,
// FAST-GAUSS-3); x >= 60: log|m| + f(sqrt x), the Dawson integration by parts of CONT-GAUSS-2 with
// q = 1F1(1; 3/2; -x) enclosed by its own expansion and remainder (FAST-GAUSS-4, FAST-GAUSS-5).
// Width: a few 1e-16 times max(1, |log v|) for x <= 60, a few ulps of |G| beyond.
// A v interval reaching below 0 returns the whole line (v certainly < 0 is the caller's error).
OutwardInterval gauss_log_abs_mean(const OutwardInterval& m, const OutwardInterval& v);

// Enclosure of E log|c + h U|, U ~ U[-1, 1], h > 0 (the uniform law on [c - h, c + h]): for
// |h/c| <= 1/2 the same-sign series log|c| - sum_k r^{2k}/(2k(2k+1)), r = h/c, with its geometric tail
// (FAST-GAUSS-6); otherwise the closed form (F(c + h) - F(c - h))/(2h), F(u) = u log|u| - u
// (FAST-GAUSS-7). Proof: FAST-GAUSS-6, FAST-GAUSS-7.
OutwardInterval uniform_log_abs_mean(const OutwardInterval& c, const OutwardInterval& h);

// Enclosure of E log|1 - lr a^2|, a ~ N(mu, s^2), lr > 0, s >= 0:
// G(1 - sqrt(lr) mu, sqrt(lr) s) + G(1 + sqrt(lr) mu, sqrt(lr) s) (CONT-SQN-1). Proof: FAST-GAUSS-8.
OutwardInterval sqnormal_log_abs_mean(const OutwardInterval& lr, const OutwardInterval& mu, const OutwardInterval& s);

}  // namespace lyapcert::fast
