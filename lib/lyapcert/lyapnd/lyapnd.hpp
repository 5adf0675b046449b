// lyapcert::lyapnd -- certified top Lyapunov exponents of i.i.d. products of d x d matrices
// (1 <= d <= 4), the library side of `lyapcert lyapnd`. Methods (docs/math.md section 4):
//   ginibre    Newman's closed form for Gaussian matrices, whole spectrum     Proof: LYAPND-GIN-1
//   isotropic  I - lr a a^T: d = 2 closed form, d = 3, 4 certified quadrature  Proof: LYAPND-ISO-1..3,
//                                                                             LYAPND-ISO3-1..3
//   commuting  finite families triangular in the given basis (1-D reduction)  Proof: LYAPND-COMM-1
//              or commuting in any basis with A_j = q_j(B) (commuting.hpp)     Proof: LYAPND-COMM-2, -3
//   rankone    finite families of rank-one matrices (Altschuler-Parrilo)      Proof: LYAPND-RANK1-1
//   enumerate  any finite family: upper bound (1/n) E log ||A_n...A_1||_F      Proof: LYAPND-ENUM-1
//   cycle      2x2 families mapping a disc strictly into itself (positive):   Proof: LYAPND-CYCLE-1..6
//              cycle expansion with a proved truncation bound (cycle.hpp)
//   multicone  2x2 families mapping a union of arcs strictly into itself        Proof: LYAPND-MCONE-0..4
//              (dominated, any signs): cycle expansion on one disc per arc (multicone.hpp)
//   poisson    families of invertible matrices, d = 2, 3, 4: inf/sup of       Proof: LYAPND-POIS-1..10
//              phi + Pg - g over projective space (poisson.hpp, poisson_nd.hpp)
//   reducible  finite families with a common rational invariant subspace:     Proof: LYAPND-RED-1..5
//              exact block-triangularisation, max of the blocks (reducible.hpp)
//   conformal  2x2 families conformal or imprimitive in some basis (exact       Proof: LYAPND-CONF-1..3
//              witness): Lambda = E log|det A| / 2, any digits (conformal.hpp)
//   vector     the vector two-layer saddle law vector(q, d, lr, k, sigma, ...):  Proof: LYAPND-VEC-1..6
//              q = d = 1 exactly the scalar model; otherwise [E log|det A|/(q+d), g(2)/2] (vector.hpp)
// Every enclosure of a finite family is intersected with E log|det A|/d <= Lambda <= (1/n) E log||A_n..A_1||
// (elementary.hpp, LYAPND-ELEM-1, -2, LYAPND-ENUM-1).
// The second-moment exponent g(2) = log rho(E[A (x) A]) is in second_moment.hpp (LYAPND-MOM-1..3).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace lyapcert::lyapnd {

enum class Method { automatic, ginibre, isotropic, commuting, rankone, enumerate, cycle, poisson, reducible, multicone, conformal, vector };
const char* to_string(Method m);
// "auto", "ginibre", ...; InputError for an unknown name.
Method parse_method(std::string_view name);

struct Options {
  lyap::Accuracy acc;
  Method method = Method::automatic;
  double time_budget_seconds = 60;  // wall clock; checked between precision rounds / enumeration levels
  int max_word_length = 40;         // enumerate: longest word length tried
  // enumerate, cycle: cap on the estimated working memory of one enumeration level / expansion pass
  // (MiB). Checked before the level is started (memory.hpp); the closed forms and quadratures are
  // bounded by acc.max_bits instead. Proof: LYAPND-MEM-1.
  double max_memory_mib = 4096;
  // poisson, d = 2: at most this many mesh levels (the first has 256 nodes, each later one about 1.5x more); the
  // last level allowed is certified and the run ends there. 0: no cap. A deterministic bound on the work, unlike the
  // time budget: with a generous budget the same call gives the same enclosure on an idle or a loaded machine
  // (tests, docs/reliability.md). Only stops the refinement earlier; every level's enclosure is valid.
  int max_levels = 0;
  // finite families: intersect the enclosure with the elementary bounds (elementary.hpp); false only to
  // inspect a method's own certificate (tests). Proof: LYAPND-ELEM-2.
  bool elementary_bounds = true;
  // poisson, d = 3, 4: a deterministic work cap, the largest number of cells (grid cells of a piecewise-constant
  // level, nodes of a multilinear level, cells of a transfer cover) of any level or cover started, and of live boxes
  // of a branch-and-bound search; 0 = unlimited (only the time budget and max_memory_mib stop them). With a generous time budget the result is then the same on
  // any machine (tests; tests/support/budget.hpp). Not a CLI option.
  std::uint64_t poisson_nd_max_cells = 0;
  // d = 2 Poisson: evaluate the cell bounds of h and the transfer image arcs in outward-rounded binary64 where that
  // is valid and narrow enough, Arb elsewhere (LYAPND-TRANS-5..7); false: Arb everywhere (benchmarks compare the two).
  // Not a CLI option.
  bool poisson_binary64_cells = true;
};

struct Result {
  // The top exponent. Two-sided (upper_bound_only == false): top.value encloses Lambda.
  // One-sided (upper_bound_only == true): Lambda lies in [-inf, u] with u the upper endpoint of
  // top.value.ball; top.value.sign is negative when u < 0, else undetermined; converged is false.
  lyap::CertifiedResult top;
  bool upper_bound_only = false;
  std::vector<lyap::CertifiedValue> spectrum;  // ginibre: lambda_1 >= ... >= lambda_d (each an enclosure)
  int word_length = 0;                         // enumerate: n of the reported bound
  bool timed_out = false;                      // the time budget ended the refinement
  bool memory_limited = false;                 // --max-memory stopped the refinement (LYAPND-MEM-1)
  std::uint64_t memory_estimate_bytes = 0;     // enumerate, cycle: estimate for the reported level/pass
  // cycle (d = 3, 4) run in the basis of a simplicial invariant cone: T (d x d, row-major; its columns span the
  // cone), so that anyone can check that every T^-1 M_i T has entries of one strict sign (LYAPND-CYCND-7).
  std::vector<exact::Rational> cone_basis;
};

// Certified top exponent of the law. Guarantee: every enclosure contains the true value; -inf and
// exact 0 only when decided exactly; when digits are not reached within acc.max_bits or the time
// budget, the best enclosure is returned with converged = false and a message (never an exception).
// InputError: the chosen method does not apply to the law (the message says why), or no method
// applies (method auto), or bad accuracy / time budget.
Result certify_lyapnd(const laws::MatrixLaw& law, const Options& opt);

}  // namespace lyapcert::lyapnd
