// Certified binary64 kernel for the xy exponent E log|a + b h_B| (docs/math.md section 3) with INTERVAL
// parameters: a validated Taylor-model quadrature in t = sqrt(chi^2_S) in fast::OutwardInterval
// arithmetic. Proofs: proofs/fast/xy.md (FAST-XY-1 .. FAST-XY-8).
#pragma once
#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast {

// Largest batch size S the kernel accepts (the weight K_S t^{S-1} e^{-t^2/2} is formed directly in binary64).
inline constexpr unsigned kXyMaxBatch = 128;

// Enclosure of E log|a + b h_B|, h_B ~ xy(k, sigma, batch = S) (docs/math.md section 3), for EVERY point of the
// input intervals (sigma > 0). tol is the target absolute width (decides only the cost). OutwardInterval::whole()
// when it cannot certify (a interval containing 0, sigma reaching 0, b containing 0 but not exactly 0,
// S = 0 or S > kXyMaxBatch, budget of cells exceeded). b exactly 0 gives log|a|.
// Method: Lambda = int_0^inf G(a + c t^2, w t) chi_S(t) dt (c = b k/S, w = |b| sigma/S) by adaptive
// Taylor models of order 20 on cells of [0, T] (remainder from a Cauchy bound of the integrand on complex
// boxes around the cell), G = log(w t) - (gamma + log 2)/2 + H(x) where x = m^2/(2 v^2) <= 240 (H's derivatives from
// Poisson sums), G = log|m| + P(1/x) + rem where x >= 60 (the asymptotic expansion of FAST-GAUSS-4/5),
// and an analytic tail bound beyond T. Needs round-to-nearest mode. Proof: FAST-XY-1 .. FAST-XY-8.
// Measured (docs/performance.md): point inputs width <= 1e-11 in 0.4-4 ms CPU (lr 1e-3..1e3, sigma 0.02..30,
// S 1..64); interval inputs are valid but 1.2-30x wider than the true variation over the box.
OutwardInterval xy_log_abs_mean(const OutwardInterval& a, const OutwardInterval& b, const OutwardInterval& k,
                                const OutwardInterval& sigma, unsigned S, double tol = 1e-12);

namespace detail {
// Taylor coefficients H^(n)(x)/n!, n = 0..nd (nd <= 31), enclosed for every x in X (0 <= X.lower(),
// X.upper() <= 700). Exposed for tests. Proof: FAST-XY-2, FAST-XY-3.
void xy_h_coefficients(const OutwardInterval& X, int nd, OutwardInterval* out);
}  // namespace detail

}  // namespace lyapcert::fast
