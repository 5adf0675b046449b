#include "lyapcert/models/diagonal.hpp"

#include <fmt/format.h>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::models {

void validate(const DiagonalModel& m) {
  if (m.beta.empty()) throw InputError("diagonal model: --beta needs at least one coefficient");
  if (m.beta.size() > 100000) throw InputError("diagonal model: at most 100000 coefficients --beta");
  bool any = false;
  for (const auto& b : m.beta) any = any || b != 0;
  if (!any) throw InputError("diagonal model: every --beta coefficient is zero (there is no signal to learn)");
  if (m.sigma2 < 0) throw InputError("diagonal model: sigma^2 must be >= 0");
  if (m.batch < 1) throw InputError("diagonal model: batch size must be >= 1");
  if (m.batch > kMaxBatch) {
    throw InputError(fmt::format("diagonal model: batch size {} exceeds the limit of {}", m.batch, kMaxBatch));
  }
}

TwoLayerModel coordinate_model(const DiagonalModel& m, std::size_t i) {
  if (i >= m.beta.size()) throw InputError(fmt::format("diagonal model: no coordinate {}", i + 1));
  Rational norm2 = 0;
  for (const auto& b : m.beta) norm2 += b * b;
  TwoLayerModel t;
  t.k = m.beta[i];
  // Proof: MODEL-DIAG-1 -- x_i y = beta_i x_i^2 + x_i r_i with r_i = sum_{l != i} beta_l x_l + sigma eps
  // ~ N(0, |beta|^2 - beta_i^2 + sigma^2) independent of x_i.
  t.sigma2 = norm2 - m.beta[i] * m.beta[i] + m.sigma2;
  t.gamma = m.gamma;
  t.batch = m.batch;
  t.replace = true;
  return t;
}

laws::CurvatureLaw coordinate_curvature(const DiagonalModel& m, std::size_t i) {
  const TwoLayerModel t = coordinate_model(m, i);
  return laws::CurvatureLaw(laws::XyLaw{t.k, t.sigma2, t.batch});
}

DiagonalResult diagonal_phase(const DiagonalModel& m, const Rational& lr, const lyap::Accuracy& acc) {
  validate(m);
  if (lr <= 0) throw InputError(fmt::format("learning rate must be > 0, got {}", exact::to_text(lr)));
  DiagonalResult out;
  const std::size_t d = m.beta.size();
  for (std::size_t i = 0; i < d; ++i) {
    CoordinatePhase c;
    const TwoLayerModel t = coordinate_model(m, i);
    c.k = t.k;
    c.sigma2 = t.sigma2;
    c.result = phase_at(t, coordinate_curvature(m, i), lr, acc);
    out.converged = out.converged && c.result.lambda_plus.converged && c.result.lambda_minus.converged;
    const lyap::Sign p = c.result.lambda_plus.value.sign, q = c.result.lambda_minus.value.sign;
    const auto nonpositive = [](lyap::Sign s) { return s == lyap::Sign::negative || s == lyap::Sign::zero; };
    if (p == lyap::Sign::positive || q == lyap::Sign::positive) {
      c.survival = lyap::Sign::positive;
      ++out.surviving;
    } else if (nonpositive(p) && nonpositive(q)) {
      c.survival = p == lyap::Sign::zero || q == lyap::Sign::zero ? lyap::Sign::zero : lyap::Sign::negative;
    } else {
      c.survival = lyap::Sign::undetermined;
      out.undetermined.push_back(i);
    }
    out.coordinates.push_back(std::move(c));
  }
  const Rational dd(static_cast<long>(d));
  out.fraction_lower = Rational(static_cast<long>(out.surviving)) / dd;
  out.fraction_upper = Rational(static_cast<long>(out.surviving + out.undetermined.size())) / dd;
  if (out.undetermined.empty()) out.surviving_fraction = out.fraction_lower;
  return out;
}

}  // namespace lyapcert::models
