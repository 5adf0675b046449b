// lyapcert::lyapnd internal: upper and lower transfer iterations on cell bounds (LYAPND-TRANS-1, -2).
//
// Given certified bounds L_0(a) <= h <= U_0(a) of h = phi + P g - g on the cells C_a of a cover of P^{d-1} and, for
// each atom i and cell a, a set R(i, a) of cells covering M_i . C_a, the iteration
//   U_{j+1}(a) = sum_i p_i max_{b in R(i, a)} U_j(b),   L_{j+1}(a) = sum_i p_i min_{b in R(i, a)} L_j(b)
// bounds P^J h on every cell, so min_a L_J <= Lambda <= max_a U_J (LYAPND-TRANS-1). The geometry (cells and image
// covers) is dimension-specific; this header holds the rounded arithmetic shared by every dimension
// (LYAPND-TRANS-2) and the d = 2 driver.
#pragma once

#include <flint/flint.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd::internal {

// Binary64 enclosures p_lo[i] <= p_i <= p_hi[i] of the probabilities of the atoms used.
struct TransferWeights {
  std::vector<double> lo, hi;
};

// up(z) of LYAPND-TRANS-2: a binary64 number >= the exact result z whose rounded-to-nearest value is fl. It is
// nextafter(fl, +inf), computed on the bit pattern (the library call was an eighth of the d = 2 certificate's time):
// the finite binary64 numbers of one sign are ordered like their bit patterns read as integers, so the successor of
// a positive number is the next pattern and that of a negative number the previous one; +-0 goes to the smallest
// subnormal, -inf to -max, +inf and NaN stay. Proof: LYAPND-TRANS-2 (b).
inline double round_up(double fl) {
  if (!(fl == fl) || fl == std::numeric_limits<double>::infinity()) return fl;
  if (fl == 0) return std::numeric_limits<double>::denorm_min();
  std::uint64_t bits;
  std::memcpy(&bits, &fl, sizeof bits);
  bits = fl > 0 ? bits + 1 : bits - 1;
  std::memcpy(&fl, &bits, sizeof bits);
  return fl;
}
inline double round_down(double fl) { return -round_up(-fl); }

// Proof: LYAPND-TRANS-2. An upper (Up) or lower bound of sum_i p_i m[i], m[i] the maxima (minima) over the image
// covers: each product with the probability bound that errs the right way for the sign of m[i], each operation
// rounded outwards.
template <bool Up>
inline double weighted_sum(const TransferWeights& w, const double* m) {
  double s = 0;
  for (std::size_t i = 0; i < w.hi.size(); ++i) {
    const double p = (m[i] >= 0) == Up ? w.hi[i] : w.lo[i];
    const double t = Up ? round_up(p * m[i]) : round_down(p * m[i]);
    s = i == 0 ? t : (Up ? round_up(s + t) : round_down(s + t));
  }
  return s;
}
inline double weighted_sum_up(const TransferWeights& w, const double* m) { return weighted_sum<true>(w, m); }
inline double weighted_sum_down(const TransferWeights& w, const double* m) { return weighted_sum<false>(w, m); }

// Binary64 enclosures of the probabilities of the atoms of positive probability (in order).
TransferWeights transfer_weights(const laws::FiniteMatrices& f);

// ---- d = 2: cells are the arcs [e_a, e_{a+1}] of t in [0, 1], v(t) = (cos pi t, sin pi t) ----

// For each atom of positive probability i (in order) and cell a: a cyclic range first..last of cells whose union
// contains M_i . [e_a, e_{a+1}] (first > last wraps through t = 0), or first = -1 for "every cell" (an image arc that
// could be half the circle or more, or an end point that could not be enclosed). edges: e_0 = 0 < e_1 < ... < e_N = 1
// (binary64). Guarantee: rigorous (the end points in outward-rounded binary64, LYAPND-TRANS-6 (d), or with
// binary64 = false, and wherever binary64 fails, in Arb at prec bits). Proof: LYAPND-TRANS-3.
struct ArcCover {
  std::size_t cells = 0, atoms = 0;
  std::vector<std::int32_t> first, last;  // index i * cells + a
};
ArcCover arc_image_covers(const laws::FiniteMatrices& f, const std::vector<double>& edges, slong prec,
                          bool binary64 = true);

// The same in two stages, so that refined partitions reuse the Arb images of the edges they keep: images(e) gives,
// for every atom i, the counter-clockwise arc [s_i, z_i] enclosing M_i . e (s_i = -1: no enclosure), laid out
// edge-major (index j * k + i); covers() turns the arcs of the edges into the cell ranges (binary searches only).
class ArcImager {
 public:
  ArcImager(const laws::FiniteMatrices& f, slong prec, bool binary64 = true);
  std::size_t atoms() const { return atoms_.size(); }
  void image(double e, double* s, double* z) const;  // k values each
  void images(const std::vector<double>& edges, std::vector<double>& s, std::vector<double>& z) const;
  ArcCover covers(const std::vector<double>& edges, const std::vector<double>& s, const std::vector<double>& z) const;

 private:
  struct Atom {
    exact::Ball a, b, c, d;
    fast::OutwardInterval ia, ib, ic, id;  // binary64 enclosures of the entries
    bool positive_det = true;
    double kappa = std::numeric_limits<double>::infinity();  // >= ||M||_F^2 / |det M| >= sigma_max / sigma_min
  };
  std::vector<Atom> atoms_;
  exact::Ball pi_;
  slong prec_;
  bool binary64_ = true;
};

// Heuristic (no guarantee; used only to choose which cells to refine): an estimate of the stationary measure of
// the cells, from `steps` steps of the mass transport that spreads each cell's mass uniformly over its image covers,
// starting from `start` (one value per cell, normalised here; e.g. the previous round's estimate carried over to the
// refined cells) or, when it is null or has no positive mass, from the uniform distribution.
std::vector<double> stationary_estimate(const ArcCover& cover, const TransferWeights& w, int steps,
                                        const std::vector<double>* start = nullptr);

struct TransferResult {
  double lower = -std::numeric_limits<double>::infinity();  // lower <= Lambda <= upper
  double upper = std::numeric_limits<double>::infinity();
  int steps = 0;  // iterations done (0: the bounds of h itself)
  std::vector<double> cell_upper, cell_lower;  // U_J, L_J per cell (only when keep_cells)
};

// The iteration of LYAPND-TRANS-1 from U0 >= h >= L0 (per cell, finite) for at most max_steps steps: stops earlier when
// upper - lower <= target_width (0: never), when the width fell by less than 1 % over the last 16 steps, or at the
// deadline / an interrupt (the bounds of the last completed step are returned: every step's bounds are valid).
// Guarantee: rigorous (LYAPND-TRANS-1, -2).
TransferResult transfer_iterate_arcs(std::vector<double> U0, std::vector<double> L0, const ArcCover& cover,
                                     const TransferWeights& w, int max_steps, double target_width,
                                     std::chrono::steady_clock::time_point deadline, bool keep_cells = false);

// Working memory (bytes) of arc_image_covers + transfer_iterate_arcs on `cells` cells and k atoms.
std::uint64_t transfer_arcs_memory_bytes(std::uint64_t cells, std::uint64_t k);

}  // namespace lyapcert::lyapnd::internal
