// lyapcert::lyapnd Poisson-equation certificate for d = 3, 4 (`--method poisson`): two-sided bounds for the
// top exponent of a finite family of INVERTIBLE d x d matrices. Derivation: proofs/lyapnd/poisson.md
// (LYAPND-POIS-6..10 and -20..24; LYAPND-POIS-1..5 and -11 are the d = 2 case in poisson.hpp).
//
// Projective space P^{d-1} is covered by the d closed affine charts C_c = { [v] : |v_c| = max_j |v_j| },
// v = e_c + sum_{j != c} u_j e_j with u in [-1, 1]^{d-1}. g is piecewise constant on a regular grid of m^{d-1}
// cells per chart (LYAPND-POIS-6); inf and sup of h = phi + P g - g are certified by interval
// branch-and-bound over boxes of the charts in outward-rounded binary64 (fast::OutwardInterval, LYAPND-POIS-7, -8).
// The binary64 evaluation limits the width to about 1e-13; widths are in practice set by the grid.
// Since 2026-12 a continuous piecewise-multilinear g on the chart grids (LYAPND-POIS-20) is certified first, with a
// mean-value form of h over each box (LYAPND-POIS-21, -22, internal/poisson_q1.cpp); the piecewise-constant g is
// kept as a fallback and the driver reports the intersection of both.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

// Values g of the piecewise-constant approximate Poisson solution on the chart grid (size d m^{d-1}; cell
// index c m^{d-1} + sum_a k_a m^a, axis a the a-th coordinate j != c in increasing order, k_a in [0, m)),
// from at most max_iterations steps of the discretised transfer operator on the cell centres (stops
// earlier when P_N^J phi is flat to about 1e-13, or at the deadline). Heuristic: any output is admissible
// in certify_poisson_bounds_nd (LYAPND-POIS-9). Requires d = 3 or 4, m a power of two in [2, 4096], every
// atom of positive probability invertible (InputError otherwise).
std::vector<double> poisson_chart_solution(const laws::FiniteMatrices& f, int d, int m, int max_iterations,
                                           std::chrono::steady_clock::time_point deadline, int* iterations = nullptr);

// Certified lower <= inf h and upper >= sup h for h = phi + P g - g, g the piecewise-constant chart-grid
// function with values g (layout as above, any finite values). Branch-and-bound with at most max_boxes live
// boxes per search; stops when the bound is within a few percent of the spread of point values, at the cap,
// or at the deadline: the bounds are valid whenever it stops (anytime). Guarantee: rigorous (outward-rounded
// binary64). Proof: LYAPND-POIS-6, -7, -8. InputError as for poisson_chart_solution, or a non-finite g.
struct PoissonNdBounds {
  double lower = 0, upper = 0;  // lower <= inf h <= Lambda <= sup h <= upper (may be -inf / +inf)
  std::uint64_t boxes = 0;      // boxes evaluated (both searches)
  bool interrupted = false;     // the deadline or the box cap stopped a search early
};
PoissonNdBounds certify_poisson_bounds_nd(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g,
                                          std::uint64_t max_boxes, std::chrono::steady_clock::time_point deadline);

// ---- Piecewise-multilinear g (LYAPND-POIS-20..24) ----
// g is continuous and multilinear (Q1) on each cell of the chart grids: node values G[c][i], i in {0..m}^{d-1},
// node u_a = (2 i_a - m) / m, index c (m+1)^{d-1} + sum_a i_a (m+1)^a; g([v]) is the interpolant of the chart
// c(v) (first index of max |v_j|). Nodes on a face shared by two charts are the same point of P^{d-1}; a table
// holding bit-identical values there ("consistent") gives a g continuous on all of P^{d-1} (LYAPND-POIS-20).
inline constexpr int kMaxQ1Grid = 512;
std::size_t poisson_q1_table_size(int d, int m);  // d (m+1)^{d-1}

// Node values from at most max_iterations steps of the discretised transfer operator with multilinear
// interpolation at the image points (heuristic, LYAPND-POIS-23; always consistent). Requires d = 3 or 4, m a power
// of two in [2, kMaxQ1Grid], every atom of positive probability invertible (InputError otherwise).
std::vector<double> poisson_q1_solution(const laws::FiniteMatrices& f, int d, int m, int max_iterations,
                                        std::chrono::steady_clock::time_point deadline, int* iterations = nullptr);

// Certified lower <= inf h and upper >= sup h for h = phi + P g - g, g the multilinear chart function with node
// values g (any finite table; the mean-value form across chart switches is used only for a consistent table, and
// *continuous reports whether it is). iterate = J > 0 certifies P^J h instead of h (J in [0, 6]; inf P^J h <= Lambda
// <= sup P^J h, and P^J averages out the interpolation error of h; cost k^J times more terms: LYAPND-POIS-25).
// Anytime branch-and-bound as certify_poisson_bounds_nd. Guarantee: rigorous (outward-rounded binary64). Proof:
// LYAPND-POIS-6, -20, -21, -22, -25.
PoissonNdBounds certify_poisson_bounds_q1(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g,
                                          std::uint64_t max_boxes, std::chrono::steady_clock::time_point deadline,
                                          bool* continuous = nullptr, int iterate = 0);

// Working-memory estimate (bytes) of one multilinear level (LYAPND-POIS-24).
std::uint64_t poisson_q1_memory_bytes(const laws::FiniteMatrices& f, int d, int m, std::uint64_t max_boxes);

// Working-memory estimate (bytes) of one level with grid m and box cap max_boxes (LYAPND-POIS-10).
std::uint64_t poisson_nd_memory_bytes(const laws::FiniteMatrices& f, int d, int m, std::uint64_t max_boxes);

// The `--method poisson` driver for d = 3, 4. First the multilinear ladder m = 4, 8, ... (LYAPND-POIS-20..23) for
// an eighth (d = 3) or a tenth (d = 4) of the time budget, then the transfer iteration on regular chart covers
// (LYAPND-TRANS-10..16, internal/transfer_nd.hpp) up to 90 % of it, then the piecewise-constant ladder (level m = 2
// with g = 0, then m = 4, 8, ...) with the rest; each ladder runs until the width meets acc.digits, its time (a level starts when a third of its
// predicted time is left), --max-memory, the stagnation rule or its grid cap (multilinear: m = 512 for d = 3, 64
// for d = 4; piecewise constant: 1024, 128) or the deterministic work cap Options::poisson_nd_max_cells (also on the
// transfer covers). Returns the intersection of the certified enclosures of all levels of
// both ladders and of the transfer covers (LYAPND-POIS-8 (d), LYAPND-TRANS-15); the message names the g of each
// ladder and its last grid, and the transfer stage's cover, steps and widths. InputError when d is
// not 3 or 4 or an atom is singular (named).
Result run_poisson_nd(const laws::FiniteMatrices& f, int d, const Options& opt,
                      std::chrono::steady_clock::time_point deadline);

}  // namespace lyapcert::lyapnd
