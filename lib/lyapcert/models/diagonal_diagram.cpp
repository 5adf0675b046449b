#include "lyapcert/models/diagonal_diagram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::models {

DiagonalModel diagonal_model_at(const DiagonalDiagramSpec& spec, const Rational& y) {
  DiagonalModel m = spec.base;
  switch (spec.y_axis) {
    case YAxis::sigma:
      if (y < 0) throw InputError("sigma must be >= 0");
      m.sigma2 = y * y;
      break;
    case YAxis::batch:
      m.batch = numerator(y).convert_to<std::uint64_t>();
      break;
    case YAxis::snr:
      throw InputError("the diagonal model has no single SNR axis: use --sigma-range or --batch-range");
  }
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
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  auto worker = [&] {
    while (true) {
      if (spec.cancel && spec.cancel->load()) return;
      const std::size_t idx = next.fetch_add(1);
      if (idx >= total) return;
      DiagonalGridPoint& p = out.points[idx];
      p.lr = out.lrs[idx % nl];
      p.y = out.ys[idx / nl];
      p.result = diagonal_phase(models[idx / nl], p.lr, spec.acc);
      p.done = true;
      const std::size_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> lock(mu);
        progress(d, total);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, spec.jobs); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  out.complete = done.load() == total;
  return out;
}

}  // namespace lyapcert::models
