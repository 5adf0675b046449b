// The diagonal ("lasso-like") two-layer model f(x) = sum_i u_i w_i x_i at its saddle (docs/math.md section 3,
// docs/models.md): with x ~ N(0, I_d) and y = beta^T x + sigma eps, the linearisation decouples into one
// scalar two-layer pair per coordinate, and coordinate i has the minibatch curvature
// h_{B,i} = (1/S) sum_{j in B} x_{j,i} y_j ~ xy(beta_i, sqrt(|beta|^2 - beta_i^2 + sigma^2), batch=S)
// (Proof: MODEL-DIAG-1). Coordinate i survives (escapes the saddle) when max(Lambda_i^+, Lambda_i^-) > 0.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "lyapcert/models/twolayer.hpp"

namespace lyapcert::models {

struct DiagonalModel {
  std::vector<Rational> beta;  // y = beta^T x + sigma eps; not all zero (zero entries are pure-noise coordinates)
  Rational sigma2 = 1;         // sigma^2 >= 0
  Rational gamma = 0;          // weight decay
  std::uint64_t batch = 1;     // i.i.d. Gaussian minibatches of size S
};

// InputError naming the problem: empty beta, more than 100000 coordinates, beta all zero,
// sigma^2 < 0, batch < 1.
void validate(const DiagonalModel& m);

// Coordinate i (0-based) as a scalar two-layer model: k = beta_i, sigma^2 = |beta|^2 - beta_i^2 + sigma^2
// (exact), same gamma and batch (Proof: MODEL-DIAG-1). Note k = 0 is allowed here (no signal on that
// coordinate); TwoLayerModel's validate() would reject it, so use coordinate_curvature for the law.
TwoLayerModel coordinate_model(const DiagonalModel& m, std::size_t i);

// The law of h_{B,i}: xy(beta_i, sqrt(sigma_i^2), batch=S), exact parameters.
laws::CurvatureLaw coordinate_curvature(const DiagonalModel& m, std::size_t i);

struct CoordinatePhase {
  Rational k, sigma2;  // the coordinate's xy parameters (exact)
  PhaseResult result;  // certified exponents, exact L2 flag, label (MODEL-ORIENT-1 orientation)
  // The certified sign of max(Lambda_i^+, Lambda_i^-): positive when one exponent is certified > 0
  // (the coordinate survives), negative when both are certified < 0, zero when both are certified
  // <= 0 and one is exactly 0 (neither survives: the count needs max > 0), undetermined otherwise.
  lyap::Sign survival = lyap::Sign::undetermined;
};

struct DiagonalResult {
  std::vector<CoordinatePhase> coordinates;
  std::size_t surviving = 0;                   // coordinates certified to survive
  std::vector<std::size_t> undetermined;       // 0-based indices whose survival is undetermined
  // Exact fraction #{i : max(Lambda_i^+, Lambda_i^-) > 0} / d when no coordinate is undetermined;
  // otherwise it lies in [surviving / d, (surviving + #undetermined) / d].
  std::optional<Rational> surviving_fraction;
  Rational fraction_lower, fraction_upper;
  bool converged = true;  // every exponent reached the requested accuracy
};

// Certified per-coordinate phases at learning rate lr > 0 and the predicted fraction of surviving
// coordinates. Guarantee: every exponent is an enclosure (lyap::certify_log_abs_mean on the xy law),
// the L2 flags are exact, and a coordinate is counted only on a certified sign. InputError for an
// invalid model or lr <= 0.
DiagonalResult diagonal_phase(const DiagonalModel& m, const Rational& lr, const lyap::Accuracy& acc);

}  // namespace lyapcert::models
