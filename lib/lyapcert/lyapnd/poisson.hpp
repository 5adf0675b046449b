// lyapcert::lyapnd Poisson-equation certificate (`--method poisson`, d = 2): two-sided bounds for the top exponent
// of a finite family of INVERTIBLE 2 x 2 matrices. Derivation: proofs/lyapnd/poisson.md (LYAPND-POIS-1..5, -11).
//
// On the projective line, parametrised by t = theta/pi in [0, 1) with v(t) = (cos pi t, sin pi t),
// phi(t) = E log|A v(t)| and (P g)(t) = E g(A . t). For ANY bounded g, with h = phi + P g - g,
//     inf_t h(t) <= Lambda <= sup_t h(t)                                        (LYAPND-POIS-1)
// g is a continuous piecewise-linear function on a mesh of binary64 nodes (multiples of 2^-40; uniform
// j / N at the first level, refined adaptively where g is rough, LYAPND-POIS-11) with binary64 node values
// (exact dyadics), built from the discretised transfer operator (LYAPND-POIS-3); inf and sup of h are
// certified by an interval partition of [0, 1) at the nodes and their preimages, with Arb balls, monotonicity
// and mean-value forms (LYAPND-POIS-4). d = 3, 4: poisson_nd.hpp (LYAPND-POIS-6..10).
#pragma once
#include <arb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

// Index (among all atoms, 0-based) of the first atom of positive probability with det = 0 (exact
// rational test), or -1 when every such atom is invertible.
int first_singular_atom(const laws::FiniteMatrices& f, int d);

// The binary64 node values g_0..g_{N-1} of the piecewise-linear approximate solution of the
// Poisson equation g - P_N g = phi - c on the grid j/N (N >= 4 a power of two), from at most
// max_iterations steps of the discretised transfer operator (stops earlier when P_N^J phi is flat to
// about 1e-15, or at the deadline). Heuristic: any output is admissible in certify_poisson_bounds.
// Requires d = 2 and every atom of positive probability invertible.
std::vector<double> poisson_grid_solution(const laws::FiniteMatrices& f, int nodes, int max_iterations,
                                          std::chrono::steady_clock::time_point deadline, int* iterations = nullptr);

// The same on an arbitrary mesh x (0 = x_0 < ... < x_{N-1} < 1, multiples of 2^-40, N >= 4; InputError
// otherwise): node values of the piecewise-linear solution of the discretised Poisson equation. If warm_x /
// warm_g (a previous mesh and its values) are given, the iteration starts from their piecewise-linear
// interpolant. Heuristic, like poisson_grid_solution (LYAPND-POIS-3, -11).
std::vector<double> poisson_mesh_solution(const laws::FiniteMatrices& f, const std::vector<double>& x,
                                          const std::vector<double>& warm_x, const std::vector<double>& warm_g,
                                          int max_iterations, std::chrono::steady_clock::time_point deadline,
                                          int* iterations = nullptr);

// A finer mesh: the cells of x with the largest interpolation-error indicator of g (cell width times the
// slope jumps at its ends) are bisected, at most max_new of them and none narrower than 2^-39.
// Heuristic (only the width of the certificate depends on it). LYAPND-POIS-11.
std::vector<double> refine_poisson_mesh(const std::vector<double>& x, const std::vector<double>& g,
                                        std::size_t max_new);

// Certified [inf h, sup h] for h = phi + P g - g with g the periodic piecewise-linear function with node
// values g (size N, a power of two >= 4) at j/N: a ball whose lower endpoint is <= inf h and upper
// endpoint >= sup h, hence containing Lambda (LYAPND-POIS-1). Any finite g is allowed (the bound is
// valid for every g). nullopt when the deadline passed. Requires d = 2, every atom of positive probability
// invertible (InputError otherwise). Guarantee: rigorous (Arb at prec bits). Proof: LYAPND-POIS-1, -4.
struct PoissonBounds {
  exact::Ball enclosure;    // [L, U]
  std::uint64_t cells = 0;  // boxes evaluated in the final partition
  double h_width = 0;       // sup - inf of the certified bounds of h itself (before any transfer iteration)
  int transfer_steps = 0;   // steps of the transfer iteration done (LYAPND-TRANS-1; 0: none), all rounds
  int transfer_rounds = 0;  // transfer iterations run (each after refining the cells that weigh most, LYAPND-TRANS-4)
  std::uint64_t transfer_cells = 0;  // cells of the last transfer round
  // Cell evaluations (initial partition, refinement, transfer rounds) done in binary64 and in Arb (LYAPND-TRANS-7).
  std::uint64_t binary64_evaluations = 0, arb_evaluations = 0;
};
// Diagnostics of the transfer rounds (heuristic, not a bound; for benchmarks): the partition of the last iterated
// round, with each cell's estimated stationary mass (the mass transport of LYAPND-TRANS-4) and certified bounds of h,
// so that the estimated floor sum mass x (upper - lower) can be split by cell; why the rounds ended.
struct PoissonFloorCells {
  std::vector<double> edges;               // e_0 = 0 < e_1 < ... < e_N = 1
  std::vector<double> mass, upper, lower;  // per cell
  int rounds = 0;
  const char* stop = "";  // "target", "gain" (a round gained too little), "cells" (cap), "time", "no split"
};
std::optional<PoissonBounds> certify_poisson_bounds(const laws::FiniteMatrices& f, const std::vector<double>& g,
                                                    slong prec, std::chrono::steady_clock::time_point deadline);

// The same for the piecewise-linear g with node values g at the mesh x (as in poisson_mesh_solution). With
// transfer_steps > 0, the certified bounds of h on the cells of the final partition then run through at most that
// many steps of the transfer iteration (bounds of P^J h, LYAPND-TRANS-1..3), stopping early at a width of
// transfer_target (if > 0), when it stalls, or at the deadline; the enclosure is the intersection. Between rounds
// the cells that weigh most are re-certified in halves (LYAPND-TRANS-4): at most twice the cells, while a round
// gains 20 %; with final_level (the driver's last level) those rounds, then further refinement (only the last
// partition iterated) while the estimated floor gains 3 % per round, up to the cells that the level's memory
// estimate covers, until the deadline. binary64_tolerance > 0: the cells are evaluated in outward-rounded binary64
// (and the image arcs of the transfer rounds too) wherever that succeeds and the binary64 enclosure of h at the cell's
// midpoint is at most that wide, in Arb elsewhere (0: Arb everywhere, +inf: binary64 wherever it succeeds); the
// driver passes a hundredth of the width it aims at. floor (if given) receives the last iterated round's cells
// (diagnostics only). Proof: LYAPND-POIS-1, -4, -11, LYAPND-TRANS-1..4, -5..7.
std::optional<PoissonBounds> certify_poisson_bounds_mesh(const laws::FiniteMatrices& f, const std::vector<double>& x,
                                                         const std::vector<double>& g, slong prec,
                                                         std::chrono::steady_clock::time_point deadline,
                                                         int transfer_steps = 0, double transfer_target = 0,
                                                         bool final_level = false, double binary64_tolerance = 0,
                                                         PoissonFloorCells* floor = nullptr);

// Certified bounds lo <= h <= hi on each cell [a, b] of `cells` (binary64, 0 <= a < b <= 1), for the piecewise-linear
// g on the mesh x, by the cell evaluation of certify_poisson_bounds_mesh in one arithmetic: binary64 (LYAPND-TRANS-7)
// or Arb at prec bits (LYAPND-POIS-4 (c)); no fallback, nullopt for a cell whose evaluation failed. For tests and
// benchmarks of the two evaluators.
std::vector<std::optional<std::pair<double, double>>> poisson_cell_bounds(
    const laws::FiniteMatrices& f, const std::vector<double>& x, const std::vector<double>& g,
    const std::vector<std::pair<double, double>>& cells, slong prec, bool binary64);

// An atom given by enclosures over a parameter box (e.g. A = I - lr H for lr in an interval): each ball contains
// the value at every parameter point: the entries a, b, c, d (row-major), the probability p > 0, det A, and
// q0 = (|A e_1|^2 + |A e_2|^2) / 2, q1 = (|A e_1|^2 - |A e_2|^2) / 2, q2 = <A e_1, A e_2>.
struct PoissonBallAtom {
  exact::Ball a, b, c, d, p, det, q0, q1, q2;
};

// certify_poisson_bounds_mesh for a box of families: the ball contains inf h and sup h for the family at
// every parameter point of the box, hence Lambda at every such point (the enclosure is [-inf, inf] when
// some |A v|^2 could not be certified positive, e.g. an atom singular somewhere in the box). max_rounds: the
// rounds of cell refinement (12 in certify_poisson_bounds_mesh; fewer for wide boxes, where they do not pay).
// Proof: LYAPND-POIS-1, -4, -11, BND-TEMPLATE-10 (proofs/boundary/template.md).
std::optional<PoissonBounds> certify_poisson_bounds_balls(const std::vector<PoissonBallAtom>& atoms,
                                                          const std::vector<double>& x, const std::vector<double>& g,
                                                          slong prec, std::chrono::steady_clock::time_point deadline,
                                                          int max_rounds = 12);

// Binary64 estimate (heuristic, no guarantee) of sup h - inf h for the piecewise-linear g on the mesh x:
// h sampled at the nodes, their preimages under the atoms and the midpoints between consecutive samples.
// *mid (if given) receives the middle of the sampled range. Used to decide which levels to certify.
// LYAPND-POIS-11 (f).
double estimate_poisson_spread(const laws::FiniteMatrices& f, const std::vector<double>& x,
                               const std::vector<double>& g, double* mid = nullptr);

// Working-memory estimate (bytes) of one level with N nodes at working precision prec (LYAPND-POIS-5).
std::uint64_t poisson_memory_bytes(const laws::FiniteMatrices& f, int nodes, slong prec);

// The `--method poisson` driver: starts from the uniform grid of 256 nodes and refines the mesh adaptively
// (x1.5 nodes per level, refine_poisson_mesh; levels are certified only when estimate_poisson_spread predicts
// the digits or the time left allows no further level) until the width meets acc.digits, the time budget,
// --max-memory, opt.max_levels (a deterministic cap: the last level allowed is certified) or the cap of 2^21 nodes; returns the intersection of the certified enclosures of all levels.
// d = 3, 4 are delegated to run_poisson_nd (poisson_nd.hpp). InputError when d is not 2, 3 or 4 or some atom
// of positive probability is singular.
Result run_poisson(const laws::FiniteMatrices& f, int d, const Options& opt,
                   std::chrono::steady_clock::time_point deadline);

}  // namespace lyapcert::lyapnd
