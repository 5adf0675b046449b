// lyapcert::boundary -- Lambda(lr) of sgd(lr, matrices(H_1: p_1, ...)) for NON-commuting symmetric 2 x 2 atoms
// H_j, enclosed uniformly over learning-rate intervals (proofs/boundary/template.md, BND-TEMPLATE-10..12).
//
// For every lr in a box [a, b] the enclosure is the intersection of
//  * the elementary bounds evaluated over the box: E log|det(I - lr H)| / 2 <= Lambda <= E log ||I - lr H||
//    (BND-TEMPLATE-11), and
//  * the Poisson certificate (LYAPND-POIS-1) with one g (the discretised solution at the midpoint learning rate)
//    and the atoms I - lr H_j given as balls over the box (BND-TEMPLATE-10).
// The root search built on it lives in law_template.cpp (BND-TEMPLATE-12).
#pragma once
#include <arb.h>

#include <array>
#include <string>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"

namespace lyapcert::boundary {

using exact::Rational;

// The atoms of positive probability: H = [[h11, h12], [h12, h22]] (symmetric, exact) with p > 0.
struct SgdFamily {
  std::vector<std::array<Rational, 3>> h;  // {h11, h12, h22}
  std::vector<Rational> p;
};

// The family of a parsed matrices(...) law: InputError (naming `law`) unless d = 2 and every atom of positive
// probability is symmetric.
SgdFamily make_sgd_family(const laws::FiniteMatrices& f, int d, const std::string& law);

// Bounds lower <= Lambda(lr) <= upper for every lr in [a, b] (0 < a <= b, exact; a == b is a point), as arf
// numbers (lower may be -inf, upper +inf when no bound could be certified). nodes = 0: the elementary bounds only;
// otherwise, unless those already decide the sign, also the Poisson certificate on a uniform mesh of `nodes`
// nodes (a power of two >= 4). A bound that cannot be certified (a singular atom in the box, the stop condition
// of the calling scope) is left out. Proof: BND-TEMPLATE-10, BND-TEMPLATE-11.
// box_deadlines: the Poisson part stops at wall-clock deadlines (2 s for the mesh solution g, 20 s for the
// certificate) besides its node and round caps; false runs it to the caps only, so the bounds depend on the input
// alone and not on the machine's load (the calling scope's stop condition still applies).
void sgd_family_bounds(arf_t lower, arf_t upper, const SgdFamily& fam, const Rational& a, const Rational& b, int nodes,
                       slong prec, bool box_deadlines = true);

// True when every atom I - lr H_j is certified invertible for every lr in [a, b] (exact arithmetic on the
// eigenvalues of H_j). Proof: BND-TEMPLATE-12 (a).
bool sgd_family_invertible_on(const SgdFamily& fam, const Rational& a, const Rational& b);

}  // namespace lyapcert::boundary
