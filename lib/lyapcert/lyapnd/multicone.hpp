// lyapcert::lyapnd multicone (`--method multicone`): the top exponent of a finite family of invertible
// 2 x 2 matrices whose projective action maps a finite union of closed arcs (a multicone) strictly into
// itself -- dominated families, of any signs -- by the cycle expansion of cycle.hpp on one disc per arc.
// The multicone is found heuristically (attracting and repelling directions of the products of
// length <= n) and verified in exact rational arithmetic; the discs and the truncation bound follow
// proofs/lyapnd/multicone.md (LYAPND-MCONE-0..4).
#pragma once
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

// A finite union of closed arcs of the projective line. Arc j is the set of directions of
// x u_j + (1 - x) v_j, x in [0, 1], stored as {u1, u2, v1, v2}: the unit interval in the chart
// P_j = [u_j | v_j] (columns). target[i * arcs + j] is the arc that atom i (the i-th atom of positive
// probability) maps arc j into; probs and mats are those atoms.
struct Multicone {
  std::vector<std::array<exact::Rational, 4>> arcs;
  std::vector<int> target;
  std::vector<exact::Rational> probs;
  std::vector<std::vector<exact::Rational>> mats;
};

// Exact check of LYAPND-MCONE-0: every atom of positive probability maps every arc into the interior
// of one arc of the set, i.e. P_k^{-1} M_i P_j has four entries > 0 or four entries < 0 for some k.
// Guarantee: exact; nullopt when the check fails for some (i, j), or an arc is degenerate (u_j, v_j
// dependent), or d != 2. Nothing is claimed then.
std::optional<Multicone> verify_multicone(const laws::FiniteMatrices& f,
                                          const std::vector<std::array<exact::Rational, 4>>& arcs);

// Searches (binary64, heuristic) for a multicone: the attracting directions of the products of
// length <= n grouped by the repelling directions between them, each group widened into an arc, then
// verify_multicone. nullopt (with the reason in *why) proves nothing about the family, except when the
// reason is an exact fact (a product with |lambda_1| = |lambda_2|, decided exactly: then no multicone
// exists, LYAPND-MCONE-0 (c)).
std::optional<Multicone> find_multicone(const laws::FiniteMatrices& f, std::string* why = nullptr);

// Exact check of LYAPND-MCONE-1 for discs D(centers[j], radii[j]) in the chart of arc j with basis
// parameters as[j] in (-1, 1): returns the certificate (cones = number of arcs) for cycle_bounds,
// cycle_levels and run_cycle_certificate, or nullopt when a condition fails.
std::optional<CycleCertificate> verify_multicone_discs(const Multicone& mc, const std::vector<exact::Rational>& centers,
                                                       const std::vector<exact::Rational>& radii,
                                                       const std::vector<exact::Rational>& as);

// Searches (binary64, heuristic) for discs that make the coefficient bound small, verifies them
// exactly; the discs D(1/2, 1/2), a = 0 (which always pass when verify_multicone passed,
// LYAPND-MCONE-1 remark) are the fallback.
std::optional<CycleCertificate> find_multicone_certificate(const Multicone& mc, int digits);

// The `--method multicone` driver. One arc: the family conjugated by the chart is entrywise positive
// (up to the sign of each atom) and the one-disc cycle expansion runs on it (Lambda is invariant
// under conjugation); several arcs: the cycle expansion on one disc per arc (LYAPND-MCONE-2..4).
// Same contract as certify_lyapnd. InputError "does not apply: ..." when d != 2 or no multicone is found.
Result run_multicone(const laws::FiniteMatrices& f, int d, const Options& opt,
                     std::chrono::steady_clock::time_point deadline);

// True when `auto` should use the multicone method: d = 2, a multicone is found and verified exactly,
// and its best certificate has theta^(1/m) <= 3/4 and predicts at most about 2e6 necklaces for `digits`
// (otherwise the Poisson
// certificate is the better default: a family can be dominated with a one-step contraction theta near 1).
// A few to a few tens of milliseconds. Heuristic choice of method; every method it selects is certified.
bool multicone_applies_for_auto(const laws::FiniteMatrices& f, int d, int digits);

}  // namespace lyapcert::lyapnd
