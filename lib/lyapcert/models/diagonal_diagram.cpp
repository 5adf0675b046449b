#include "lyapcert/models/diagonal_diagram.hpp"

#include <fmt/format.h>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/models/internal/grid.hpp"

namespace lyapcert::models {

DiagonalModel diagonal_model_at(const DiagonalDiagramSpec& spec, const Rational& y) {
  if (spec.y_axis == YAxis::snr) {
    throw InputError("the diagonal model has no single SNR axis: use --sigma-range or --batch-range");
  }
  DiagonalModel m = spec.base;
  set_sigma_or_batch(spec.y_axis == YAxis::batch, y, m.sigma2, m.batch);
  return m;
}

DiagonalDiagramResult diagonal_diagram(const DiagonalDiagramSpec& spec,
                                       const std::function<void(std::size_t, std::size_t)>& progress) {
  if (spec.y_axis == YAxis::snr) {
    throw InputError("the diagonal model has no single SNR axis: use --sigma-range or --batch-range");
  }
  validate(spec.base);
  DiagonalDiagramResult out;
  out.lrs = log_grid(spec.lr_min, spec.lr_max, spec.n_lr);
  out.ys = spec.y_axis == YAxis::batch ? power2_grid(spec.y_min, spec.y_max) : log_grid(spec.y_min, spec.y_max, spec.n_y);
  std::vector<DiagonalModel> models;
  for (const auto& y : out.ys) {
    models.push_back(diagonal_model_at(spec, y));
    validate(models.back());
  }
  const std::size_t nl = out.lrs.size(), total = nl * out.ys.size();
  out.points.resize(total);
  const std::size_t done = sweep_grid(total, spec.jobs, spec.cancel, progress, [&](std::size_t idx) {
    DiagonalGridPoint& p = out.points[idx];
    p.lr = out.lrs[idx % nl];
    p.y = out.ys[idx / nl];
    try {
      p.result = diagonal_phase(models[idx / nl], p.lr, spec.acc);
    } catch (const core::BudgetExhausted&) {
      return false;  // the time budget ended before this point had an enclosure: not done
    }
    p.done = true;
    return true;
  });
  out.complete = done == total;
  return out;
}

}  // namespace lyapcert::models
