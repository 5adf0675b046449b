// Phase diagram of the two-layer saddle model over learning rate x (sigma | SNR | batch size) for
// Gaussian data, or learning rate x batch size for finite data: certified labels at grid points,
// certified cells (Gaussian model), the boundary curves and, for finite data, the exact spikes.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "lyapcert/models/twolayer.hpp"

namespace lyapcert::models {

enum class YAxis { sigma, snr, batch };

struct DiagramSpec {
  // k, gamma, batch (or sigma2) held fixed. Finite data (base.data non-empty) only with the batch axis:
  // the data fix the noise, so the sigma and SNR axes do not apply.
  TwoLayerModel base;
  Rational lr_min, lr_max;
  int n_lr = 40;
  YAxis y_axis = YAxis::snr;
  Rational y_min, y_max;
  int n_y = 20;  // ignored for the batch axis (powers of 2 in [y_min, y_max])
  lyap::Accuracy acc{10, 4096};
  int jobs = 2;
  // Interval evaluation over each cell (Gaussian model: the binary64 Taylor-model kernel, FAST-XY-*, about a
  // millisecond per cell and exponent); when off every cell is reported as "unchecked".
  bool certify_cells = true;
  // Cells the binary64 kernel leaves undecided (or cannot evaluate: S > fast::kXyMaxBatch) are "mixed";
  // false retries them with the Arb quadrature on wide balls (seconds per cell).
  bool fast_cells_only = true;
  const std::atomic<bool>* cancel = nullptr;  // set to stop early (partial results are kept)
  std::uint64_t max_atoms = 10'000'000;        // finite data: cap on the atoms of each minibatch law
  std::size_t max_spikes = 100'000;            // finite data: cap on the listed spikes per exponent
};

struct GridPoint {
  Rational lr, y;
  PhaseResult result;
  // The phase certified on the whole cell (the rectangle around the point between the geometric
  // midpoints to its neighbours), mixed when interval evaluation could not prove one phase, or
  // unchecked when cells were not evaluated.
  CellPhase cell;
  bool done = false;
};

// A root of an exponent along lr at fixed y, bracketed by two points with certified opposite signs
// (intermediate value theorem; the exponent is continuous in lr for the Gaussian model). For the
// Gaussian model the bracket is then certified to hold exactly one root when a derivative enclosure over
// it excludes 0 (unique = true; Proof: MODEL-ROOT-1) and refined by bisection + interval Newton to width
// 10^-digits * max(1, lr); otherwise (finite data, or the derivative not certified) uniqueness is not
// claimed.
struct RootBracket {
  Rational y, lower, upper;
  std::string direction;  // "neg-to-pos" | "pos-to-neg"
  bool unique = false;
};

// Finite data: a learning rate where one exponent is -infinity (a multiplier vanishes on an atom).
struct Spike {
  Rational y, lr;  // exact
};

struct DiagramResult {
  std::vector<Rational> lrs, ys;
  std::vector<GridPoint> points;  // row-major: points[j * lrs.size() + i]
  std::vector<RootBracket> plus_roots, minus_roots;
  // The exact L2 boundary lr = 2 (gamma + k) / (gamma^2 + 2 gamma k + E h^2) for each y (when > 0).
  std::vector<std::pair<Rational, Rational>> l2_boundary;
  bool complete = false;  // every grid point evaluated (not cancelled)
  // Finite data only (Proof: MODEL-SPIKE-1): for each batch size y, the learning rates in
  // [lr_min, lr_max] where Lambda_+ (lr = 1/(gamma - s h_j)) or Lambda_- (lr = 1/(gamma + s h_j)) is
  // -infinity, h_j the atoms of the minibatch law and s = sign E[h_B] (MODEL-ORIENT-1); exact, sorted by
  // (y, lr), distinct. spikes_truncated when more than max_spikes were found for one exponent.
  std::vector<Spike> plus_spikes, minus_spikes;
  bool spikes_truncated = false;
};

// Exact grid values: log-spaced (rounded to 6 significant digits, endpoints exact) or powers of 2 (batch sizes:
// InputError above kMaxBatch).
std::vector<Rational> log_grid(const Rational& lo, const Rational& hi, int n);
std::vector<Rational> power2_grid(const Rational& lo, const Rational& hi);

// The model at one value of the y axis.
TwoLayerModel model_at(const DiagramSpec& spec, const Rational& y);

// Computes the diagram with spec.jobs threads. progress(done, total) is called after each point
// (from worker threads, serialised). Deterministic: results do not depend on the thread count.
DiagramResult phase_diagram(const DiagramSpec& spec, const std::function<void(std::size_t, std::size_t)>& progress);

}  // namespace lyapcert::models
