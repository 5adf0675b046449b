// The scalar two-layer linear network at its Type-II saddle (docs/math.md section 3): the two
// escape directions u = +-w have exponents
//   Lambda_+ = E log|1 - lr gamma + lr h_B|   (learns the sign of E h_B: the correct one)
//   Lambda_- = E log|1 - lr gamma - lr h_B|   (learns the wrong sign)
// and the wrong direction's L2 flag E(1 - lr gamma - lr h_B)^2 < 1 (exact). Phases:
// I (Lambda_+ > 0 > Lambda_-; Ib when the wrong direction is also L2-stable, Ia otherwise),
// II (Lambda_- > 0 > Lambda_+), III (both < 0: collapse to the saddle), IV (both > 0); models::Phase (phase.hpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/models/phase.hpp"

namespace lyapcert::models {

using exact::Rational;

// The largest batch size every model command accepts (phase --batch, phase-diagram --batch-range, critical-snr
// --batch, simulate): one limit everywhere (docs/cli.md).
inline constexpr std::uint64_t kMaxBatch = 1'000'000;

struct TwoLayerModel {
  Rational k = 1;        // y = k x + sigma eps, k != 0
  Rational sigma2 = 1;   // sigma^2 >= 0 (exact even when sigma is irrational, e.g. from an SNR)
  Rational gamma = 0;    // weight decay
  std::uint64_t batch = 1;
  bool replace = true;   // minibatches with replacement (finite data only)
  // Finite data (x_j, y_j), exact; empty means the Gaussian data model.
  std::vector<std::pair<Rational, Rational>> data;
};

// Validates the model (k != 0, sigma2 >= 0, 1 <= batch <= kMaxBatch, batch <= N without replacement, data not
// empty when given); InputError naming the problem.
void validate(const TwoLayerModel& m);

// sigma^2 from the per-sample SNR R = k^2 / (2k^2 + sigma^2), 0 < R < 1/2: sigma^2 = k^2 (1/R - 2).
Rational sigma2_from_snr(const Rational& k, const Rational& snr);

// The law of the minibatch curvature h_B: xy(k, sigma, batch=S) for the Gaussian model, or the exact
// minibatch law of the products x_j y_j for finite data.
laws::CurvatureLaw minibatch_curvature(const TwoLayerModel& m, std::uint64_t max_atoms = 10'000'000);

// Per-sample and batch signal-to-noise ratios E[h]^2 / Var[h] (exact; batch: S times per-sample with
// replacement, S (N - 1) / (N - S) times without). nullopt when Var[h] = 0.
std::optional<Rational> per_sample_snr(const TwoLayerModel& m);
std::optional<Rational> batch_snr(const TwoLayerModel& m);

struct PhaseResult {
  lyap::CertifiedResult lambda_plus, lambda_minus;
  bool l2_wrong_direction_stable = false;  // exact
  Phase phase = Phase::undetermined;       // the one candidate, or undetermined
  std::vector<Phase> candidates;           // phases consistent with the certified signs
};

// Certified exponents and phase label at one learning rate (lr > 0).
PhaseResult phase_at(const TwoLayerModel& m, const laws::CurvatureLaw& h_law, const Rational& lr,
                     const lyap::Accuracy& acc);

// Phases consistent with a pair of certified signs and the L2 flag (a zero or undetermined sign admits both sides),
// never Phase::undetermined itself; one element exactly when both signs are certified nonzero.
std::vector<Phase> candidate_phases(lyap::Sign plus, lyap::Sign minus, bool l2_wrong_stable);
// The one candidate, or Phase::undetermined when there are several.
Phase phase_of(const std::vector<Phase>& candidates);

}  // namespace lyapcert::models
