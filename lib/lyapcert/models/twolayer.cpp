#include "lyapcert/models/twolayer.hpp"

#include <fmt/format.h>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/minibatch.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"

namespace lyapcert::models {

void validate(const TwoLayerModel& m) {
  if (m.k == 0) throw InputError("two-layer model: k must be nonzero (there is no signal to learn)");
  if (m.sigma2 < 0) throw InputError("two-layer model: sigma^2 must be >= 0");
  if (m.batch < 1) throw InputError("two-layer model: batch size must be >= 1");
  if (m.batch > kMaxBatch) {
    throw InputError(fmt::format("two-layer model: batch size {} exceeds the limit of {}", m.batch, kMaxBatch));
  }
  if (!m.data.empty() && !m.replace && m.batch > m.data.size()) {
    throw InputError(fmt::format("two-layer model: batch {} exceeds the {} data points (without replacement)", m.batch,
                                 m.data.size()));
  }
}

Rational sigma2_from_snr(const Rational& k, const Rational& snr) {
  if (!(snr > 0 && snr < Rational(1, 2))) {
    throw InputError(fmt::format("--snr must be in (0, 1/2) for the Gaussian data model, got {}", exact::to_text(snr)));
  }
  return k * k * (1 / snr - 2);
}

laws::CurvatureLaw minibatch_curvature(const TwoLayerModel& m, std::uint64_t max_atoms) {
  validate(m);
  if (m.data.empty()) return laws::CurvatureLaw(laws::XyLaw{m.k, m.sigma2, m.batch});
  std::vector<Rational> h;
  h.reserve(m.data.size());
  for (const auto& [x, y] : m.data) h.push_back(x * y);
  laws::MinibatchLimits lim;
  lim.max_atoms = max_atoms;
  return laws::CurvatureLaw(laws::minibatch_law(h, m.batch, m.replace, lim));
}

std::optional<Rational> per_sample_snr(const TwoLayerModel& m) {
  Rational mean, second;
  if (m.data.empty()) {
    mean = m.k;
    second = 3 * m.k * m.k + m.sigma2;  // E (xy)^2 = 3k^2 + sigma^2
  } else {
    for (const auto& [x, y] : m.data) {
      mean += x * y;
      second += x * y * x * y;
    }
    const Rational n(static_cast<long>(m.data.size()));
    mean /= n;
    second /= n;
  }
  const Rational var = second - mean * mean;
  if (var == 0) return std::nullopt;
  return mean * mean / var;
}

std::optional<Rational> batch_snr(const TwoLayerModel& m) {
  auto r = per_sample_snr(m);
  if (!r) return r;
  const Rational s(static_cast<long>(m.batch));
  if (m.data.empty() || m.replace) return *r * s;
  const Rational n(static_cast<long>(m.data.size()));
  if (n == s) return std::nullopt;  // the batch is the whole dataset: no noise
  return *r * s * (n - 1) / (n - s);
}

std::vector<Phase> candidate_phases(lyap::Sign plus, lyap::Sign minus, bool l2_wrong_stable) {
  using lyap::Sign;
  auto sides = [](Sign s) {
    std::vector<int> v;  // -1 negative, +1 positive
    if (s == Sign::negative) v = {-1};
    if (s == Sign::positive) v = {1};
    if (s == Sign::zero || s == Sign::undetermined) v = {-1, 1};
    return v;
  };
  std::vector<Phase> out;
  for (int p : sides(plus)) {
    for (int q : sides(minus)) {
      if (p > 0 && q < 0) out.push_back(l2_wrong_stable ? Phase::Ib : Phase::Ia);
      if (p < 0 && q > 0) out.push_back(Phase::II);
      if (p < 0 && q < 0) out.push_back(Phase::III);
      if (p > 0 && q > 0) out.push_back(Phase::IV);
    }
  }
  return out;
}

Phase phase_of(const std::vector<Phase>& candidates) {
  return candidates.size() == 1 ? candidates[0] : Phase::undetermined;
}

PhaseResult phase_at(const TwoLayerModel& m, const laws::CurvatureLaw& h_law, const Rational& lr,
                     const lyap::Accuracy& acc) {
  if (lr <= 0) throw InputError(fmt::format("learning rate must be > 0, got {}", exact::to_text(lr)));
  PhaseResult r;
  const Rational c = 1 - lr * m.gamma;
  // The correct direction learns the sign of E[h_B] (u = w when E[h_B] >= 0, u = -w otherwise): with
  // s = sign E[h_B], Lambda_+ = E log|c + s lr h_B| and Lambda_- = E log|c - s lr h_B| (docs/math.md section 3,
  // written there for E[h_B] > 0). E[h_B] = 0 has no correct sign; u = w is then called "+".
  const Rational slr = h_law.mean() < 0 ? Rational(-lr) : lr;
  r.lambda_plus = lyap::certify_log_abs_mean(h_law, c, slr, acc);
  r.lambda_minus = lyap::certify_log_abs_mean(h_law, c, -slr, acc);
  // Proof: MODEL-ORIENT-1, LYAP1D-L2-1 -- exact second moment E(c - s lr h_B)^2 compared with 1.
  r.l2_wrong_direction_stable = lyap::second_moment_affine(h_law, c, -slr) < 1;
  r.candidates = candidate_phases(r.lambda_plus.value.sign, r.lambda_minus.value.sign, r.l2_wrong_direction_stable);
  r.phase = phase_of(r.candidates);
  return r;
}

}  // namespace lyapcert::models
