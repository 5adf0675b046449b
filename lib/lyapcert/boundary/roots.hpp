// lyapcert::boundary -- certified sign-change points ("boundaries") of Lambda(lr) = E log|1 - lr h| over a
// learning-rate range [A, B], 0 < A < B (`lyapcert boundary`).
//
// Guarantees (proofs/boundary/roots.md):
//  * every RootEnclosure contains exactly one zero of Lambda, at which Lambda changes sign in the stated
//    direction; Lambda is certified strictly monotone on a cell containing it (BND-ROOT-1, BND-ROOT-2);
//  * every sliver offset u encloses the unique zero of Lambda on that side of the singular point s within
//    its certified neighbourhood: Lambda(s + u) = 0 (BND-SLIVER-1, BND-SLIVER-2);
//  * complete == true only when [A, B] is covered by cells on which Lambda is certified nonzero, or
//    strictly monotone with one certified sign change, or by singular points with certified monotone
//    neighbourhoods (BND-COVER-1). Then the roots and slivers are all zeros of Lambda in [A, B].
// "Undetermined" (tangential zeros, zeros closer than the requested width, precision cap) is reported as
// unresolved cells, never guessed.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lyapcert/boundary/model.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace lyapcert::boundary {

enum class Direction { neg_to_pos, pos_to_neg };
const char* to_string(Direction d);  // "neg-to-pos" or "pos-to-neg" (JSON, CSV, item records)
// The direction as to_string prints it (exact match); nullopt for any other text. The one reader of the text form.
std::optional<Direction> parse_direction(std::string_view text);

struct RootEnclosure {
  Rational lower, upper;  // exact endpoints; lower == upper for a proved exact zero
  Direction direction = Direction::neg_to_pos;
  bool width_met = false;  // upper - lower <= 10^-digits * max(1, lower)
  // false: a bracket with certified opposite signs at its ends (at least one zero, BND-TEMPLATE-12) whose zero is
  // not proved unique (non-commuting sgd families); true: exactly one zero, as above.
  bool unique = true;
};

// The zeros next to a singular point s = 1/c_j: root = s + offset. left_offset < 0 < right_offset.
// A side is empty when Lambda has no zero on it inside the certified neighbourhood (any zero further out is
// in `roots`). Enclosed to relative width 10^-digits (width_met).
struct SliverRoots {
  Rational singular_point;
  std::optional<exact::Ball> left_offset, right_offset;  // exact endpoints (radius exact)
  Rational left_edge, right_edge;  // the certified neighbourhood [left_edge, right_edge] (clipped to [A, B])
  bool width_met = true;
};

struct Cell {
  Rational lower, upper;
};

struct BoundaryOptions {
  std::optional<Rational> lr_min, lr_max;  // default_range() when absent
  int digits = 16;                         // 1..10000
  std::size_t max_roots = 10000;           // roots + sliver offsets; then "truncated"
  long max_bits = 16384;                   // working-precision cap
  std::size_t max_cells = 2'000'000;       // cap on the number of cells examined
  // sgd(lr, matrices(...)) templates without exact branches: per-box wall-clock deadlines of the Poisson
  // certificate (sgd_family_bounds); false: node and round caps only, a result that does not depend on the load.
  bool box_deadlines = true;
};

struct BoundaryResult {
  Rational lr_min, lr_max;
  bool default_range = false;
  std::vector<RootEnclosure> roots;         // ascending
  std::vector<Rational> singular_points;    // exact, ascending, all 1/c_j in [A, B]
  std::vector<SliverRoots> slivers;         // one per singular point with at least one near zero
  std::vector<Cell> unresolved;             // ascending, merged
  bool complete = false;
  bool truncated = false;
  bool widths_met = true;                   // every root and offset meets the requested width
  std::size_t cells = 0;                    // cells examined
  long bits = 0;                            // largest working precision used
  std::string message;
};

// The default range: [10^-3, 10^3] / sqrt(E h^2), outward to powers of 2 (exact). InputError when
// E h^2 = 0 (h = 0 almost surely: Lambda vanishes identically and there is no scale).
std::pair<Rational, Rational> default_range(const laws::CurvatureLaw& law);

// The boundary search. InputError for A <= 0, A >= B, digits outside [1, 10000], max_bits < 64, and for laws
// that are not supported (ExponentModel). Proof: BND-COVER-1.
BoundaryResult find_boundaries(const laws::CurvatureLaw& law, const BoundaryOptions& options);

// Sliver analysis of atom `atom` of the model (c > 0, s = 1/c) inside [lo_limit, hi_limit] (which must not
// contain any other singular point; s may be an endpoint): chooses a certified neighbourhood on which Lambda
// is strictly monotone on each side (BND-SLIVER-1), and encloses the zero on each side where one exists
// (BND-SLIVER-2). `resolved` is false when a side could not be certified (sign undetermined at max_bits).
struct SliverAnalysis {
  SliverRoots roots;
  bool resolved = true;
  long bits = 0;
};
SliverAnalysis analyse_sliver(const ExponentModel& model, std::size_t atom, const Rational& lo_limit,
                              const Rational& hi_limit, int digits, long max_bits);

// The shared cell step of the boundary searches (find_boundaries, find_template_boundaries): on a cell
// [lo, hi] where Lambda is certified strictly monotone (increasing or not), the certified endpoint signs
// decide: no zero, one sign change inside (unique), an exact zero at an endpoint, or undetermined (an
// endpoint sign unknown or -inf). Proof: BND-ROOT-1, BND-TEMPLATE-4 (b).
enum class MonotoneVerdict { no_zero, sign_change, zero_at_lower, zero_at_upper, undetermined };
MonotoneVerdict classify_monotone_cell(bool increasing, PointSign at_lower, PointSign at_upper);

// Appends [lo, hi] to an ascending list of unresolved cells, merging it into the last one when they touch or
// overlap.
void add_unresolved_cell(std::vector<Cell>& cells, const Rational& lo, const Rational& hi);

// 10^-digits * max(1, x), exact: the width a root enclosure near x must meet.
Rational requested_width(int digits, const Rational& x);

// Outward decimal text of [lower, upper] with the fewest significant digits in [sig_min, sig_min + 30] that keep
// the printed width <= max_width (or sig_min + 30 digits). Guarantee: printed interval contains [lower, upper].
// Proof: DEC-1.
struct DecimalInterval {
  std::string lower, upper;
};
DecimalInterval to_decimal(const Rational& lower, const Rational& upper, int sig_min, const Rational& max_width);
DecimalInterval to_decimal(const exact::Ball& b, int sig);

}  // namespace lyapcert::boundary
