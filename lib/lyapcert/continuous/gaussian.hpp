// lyapcert::continuous -- certified Gaussian-type expectations (closed forms), the kernels of the
// curvature laws normal(mu, sigma) and sqnormal(mu, sigma).
//
// Contract of every function here (Arb's): the output ball contains the exact value for every point
// of the input balls. "Could not certify" (input balls too wide, hypothesis not provable from the
// balls) is a non-finite ball (arb_is_finite false), never a wrong one. Inputs that are certainly
// invalid (a negative standard deviation, p <= 0) throw lyapcert::InputError. Pure functions: no
// global state, thread-safe. Precision (bits) is the last argument; the result is rounded to it
// and is typically accurate to about prec bits for exact inputs.
#pragma once
#include <arb.h>

#include "lyapcert/continuous/sqnormal_moment.hpp"  // E|1 - lr a^2|^p (declared there)

namespace lyapcert::continuous {

// G(m, v) = E log|N(m, v^2)| for v > 0 (docs/math.md section 2):
//   G = log v - (gamma + log 2)/2 + x 2F2(1,1; 3/2,2; -x),   x = m^2 / (2 v^2).
// Series with raised working precision for x below about 0.7 prec + 24, otherwise
// G = log|m| + f(sqrt x) with the integration-by-parts expansion of the Dawson integral
// (proved enclosing remainder). Proof: CONT-GAUSS-1 (series), CONT-GAUSS-2 (large x).
// v exactly 0 is the degenerate atom: res = log|m| (m = 0 gives a non-finite ball; the caller
// decides the -inf). A v ball straddling 0 gives a non-finite ball; v certainly < 0 throws.
void gauss_log_abs_mean(arb_t res, const arb_t m, const arb_t v, slong prec);

// E|N(m, v^2)|^p = v^p 2^{p/2} Gamma((p+1)/2)/sqrt(pi) 1F1(-p/2; 1/2; -x), x = m^2/(2 v^2), p > 0.
// Relies on Arb's rigorous arb_hypgeom_1f1 (asymptotic U-expansion with error bounds for large x).
// v exactly 0: |m|^p. Proof: CONT-GAUSS-3.
void gauss_abs_moment(arb_t res, const arb_t m, const arb_t v, const arb_t p, slong prec);

// E log|1 - lr a^2|, a ~ N(mu, s^2), lr >= 0, s >= 0:
//   G(1 - sqrt(lr) mu, sqrt(lr) s) + G(1 + sqrt(lr) mu, sqrt(lr) s)   (lr = 0 gives 0).
// Working precision is raised by log2(1/lr)/2 bits against the cancellation of the two terms.
// Proof: CONT-SQN-1.
void sqnormal_log_abs_mean(arb_t res, const arb_t lr, const arb_t mu, const arb_t s, slong prec);

}  // namespace lyapcert::continuous
