// Phase diagram of the diagonal ("lasso-like") model: the predicted fraction of surviving
// coordinates #{i : max(Lambda_i^+, Lambda_i^-) > 0} / d over learning rate x (sigma | batch size),
// each grid point certified by diagonal_phase (Proof: MODEL-DIAG-1), undetermined coordinates listed.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

#include "lyapcert/models/diagonal.hpp"
#include "lyapcert/models/phase_diagram.hpp"

namespace lyapcert::models {

struct DiagonalDiagramSpec {
  DiagonalModel base;  // beta, gamma; sigma2 (sigma axis: replaced) and batch (batch axis: replaced)
  Rational lr_min, lr_max;
  int n_lr = 40;
  YAxis y_axis = YAxis::sigma;  // sigma (log-spaced) or batch (powers of 2); snr is rejected
  Rational y_min, y_max;
  int n_y = 20;  // ignored for the batch axis
  lyap::Accuracy acc{10, 4096};
  int jobs = 2;
  const std::atomic<bool>* cancel = nullptr;  // set to stop early (partial results are kept)
};

struct DiagonalGridPoint {
  Rational lr, y;
  DiagonalResult result;
  bool done = false;
};

struct DiagonalDiagramResult {
  std::vector<Rational> lrs, ys;
  std::vector<DiagonalGridPoint> points;  // row-major: points[j * lrs.size() + i]
  bool complete = false;                  // every grid point evaluated
};

// The diagonal model at one value of the y axis (sigma: sigma^2 = y^2; batch: S = y).
DiagonalModel diagonal_model_at(const DiagonalDiagramSpec& spec, const Rational& y);

// Certified surviving fractions on the grid, spec.jobs threads, deterministic (results do not
// depend on the thread count). progress(done, total) after each point (serialised). Guarantee: each
// point's result is diagonal_phase's at (lr, y). InputError for an invalid model, axis or grid.
DiagonalDiagramResult diagonal_diagram(const DiagonalDiagramSpec& spec,
                                       const std::function<void(std::size_t, std::size_t)>& progress);

}  // namespace lyapcert::models
