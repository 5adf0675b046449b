// Certified 1-D exponents with a precision loop: the public entry points behind `lyapcert lyap1d`
// and `lyapcert moment`.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/certified.hpp"

namespace lyapcert::lyap {

struct CertifiedResult {
  CertifiedValue value;
  int digits_requested = 16;
  bool converged = false;     // requested width reached
  long bits_used = 0;         // last working precision
  std::string method;         // e.g. "finite-grouped-product"
  std::string message;        // why undetermined / not converged, or "" 
  std::optional<bool> l2_stable;  // moment with p = 2 only (exact verdict)
};

// Lambda(lr) = E log|1 - lr h| for lr > 0. The enclosure always contains Lambda; the sign is decided
// independently of digits: exactly -inf / exactly 0 when so, otherwise precision is raised (doubling
// from about 3.4 digits + 32 bits) until the enclosure excludes 0 and meets the width request, up to
// acc.max_bits; only then is the sign "undetermined" or converged false. Proof: LOOP-1.
// InputError for lr <= 0, digits outside [1, 10000], max_bits < 64.
CertifiedResult certify_lyap1d(const laws::CurvatureLaw& law, const exact::Rational& lr, const Accuracy& acc);

// E log|a + b h| with exact a, b (b != 0), same contract as certify_lyap1d (which is a = 1, b = -lr).
// The two-layer model's Lambda_{+-} = E log|1 - lr gamma +- lr h_B| use it. Proof: LOOP-1.
CertifiedResult certify_log_abs_mean(const laws::CurvatureLaw& law, const exact::Rational& a,
                                     const exact::Rational& b, const Accuracy& acc);

// g(p) = log E|1 - lr h|^p for p > 0, same contract; for p == 2 also the exact L_2 verdict.
CertifiedResult certify_moment(const laws::CurvatureLaw& law, const exact::Rational& lr, const exact::Rational& p,
                               const Accuracy& acc);

// Validation shared with the CLI (InputError naming the problem).
void check_accuracy(const Accuracy& acc);

}  // namespace lyapcert::lyap
