// lyapcert::lyapnd: a rational change of basis that makes every matrix of a d x d family entrywise positive
// (up to one sign per matrix), i.e. a simplicial cone that every atom maps strictly into itself. The cycle
// expansion (cycle.hpp, cycle_nd.hpp) needs positive atoms; a family that preserves a simplicial cone other than
// the positive orthant becomes positive after conjugation by the matrix of the cone's rays, with the same top
// exponent and the same spectra of every product. Proof: LYAPND-CYCND-7 (proofs/lyapnd/cycle_nd.md).
#pragma once

#include <optional>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::lyapnd {

struct PositiveBasis {
  int d = 0;
  // T (d x d, row-major; its columns are the cone's rays), invertible (checked exactly).
  std::vector<exact::Rational> basis;
  // The family T^-1 M_i T (exact, same probabilities): every atom of positive probability has all entries > 0 or
  // all entries < 0.
  laws::FiniteMatrices conjugated;
};

// Searches (binary64, heuristic: a simplex around the dominant eigendirections of the words of length <= 3, from
// several margins and seeded rotations, its vertices moved by a pattern search toward the tightest simplex whose
// conjugated atoms are of one sign; deterministic) for T and checks the positivity of every
// T^-1 M_i T exactly. nullopt when no such basis is found, which proves nothing about the family. Families
// whose atoms are already all of one sign are returned unchanged with T = I. Requires 2 <= d <= 4.
// Guarantee: exact (the returned family is exactly conjugate to f and entrywise of one sign per atom).
std::optional<PositiveBasis> find_positive_basis(const laws::FiniteMatrices& f, int d);

}  // namespace lyapcert::lyapnd
