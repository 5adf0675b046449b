// lyapcert::boundary law templates (`lyapcert boundary --law-template`): a matrix law in
// which the identifier `lr` stands for the learning rate. The template is recognised on the parse
// tree (never by substituting text) and its top exponent Lambda(lr) is evaluated over lr-balls.
//
// Supported (proofs/boundary/template.md):
//  * isotropic(d, lr), d = 2, 3, 4 (A = I - lr a a^T, a ~ N(0, I_d)). d = 2: the closed form
//      Lambda(lr) = E1(c) - e^{-2c} (Ei(2c) - Ei(c)),  c = 1/(2 lr)                 Proof: BND-TEMPLATE-1
//      Lambda'(lr) = 2 c - 4 c^2 e^{-2c} (Ei(2c) - Ei(c))                           Proof: BND-TEMPLATE-2
//    d = 3, 4: the certified quadratures of lyapnd with lr-ball parameters (BND-TEMPLATE-5) and the
//    derivative under the integral (BND-TEMPLATE-6).
//  * ginibre(d, lr), d = 1..4: Lambda = log lr + (1/2)(log 2 + psi(d/2)), Lambda' = 1/lr (BND-TEMPLATE-7).
//  * sgd(lr, h) for a curvature law h: Lambda = E log|1 - lr h|, delegated to find_boundaries (the 1-D
//    search of `boundary --law`, with singular points and slivers) (BND-TEMPLATE-8).
//  * sgd(lr, matrices(...)) for a commuting finite family with rational spectra (triangular, or a
//    polynomial certificate with a split characteristic polynomial; exact): Lambda = max_i Lambda_i,
//    Lambda_i(lr) = E log|1 - lr lambda_i(H)|, each branch searched by find_boundaries and the sign
//    patterns combined (BND-TEMPLATE-9).
//  * sgd(lr, matrices(...)) for any other family of symmetric 2 x 2 H_j (non-commuting, or commuting with
//    irrational eigenvalues): Lambda enclosed on lr-boxes by the elementary bounds and the Poisson certificate
//    (sgd_family.hpp, BND-TEMPLATE-10, -11); the search reports brackets with certified opposite signs at their
//    ends (at least one zero each, uniqueness not proved: unique = false) (BND-TEMPLATE-12).
// Everything else mentioning lr is refused with an InputError naming the law.
#pragma once
#include <arb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lyapcert/boundary/model.hpp"
#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/boundary/sgd_family.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace lyapcert::boundary {

struct LawTemplate {
  enum class Kind { isotropic, ginibre, sgd_scalar, sgd_commuting, sgd_family };
  Kind kind = Kind::isotropic;
  int dim = 2;
  // sgd_scalar: the law of h (one entry); sgd_commuting: the law of lambda_i(H), one per distinct
  // eigenvalue branch i (finite laws, exact).
  std::vector<std::shared_ptr<const laws::CurvatureLaw>> branches;
  std::vector<std::shared_ptr<const ExponentModel>> models;  // ExponentModel of each branch
  std::string name;  // for messages, e.g. "isotropic(3, lr)"
  SgdFamily family;  // sgd_family: the symmetric atoms H_j
};

// Recognises the template. InputError: not a call, `lr` missing or in an unsupported position (e.g. not the
// first argument of sgd), or a law whose exponent has no certified evaluation on lr-balls (the message names
// it and lists what is supported). max_atoms bounds curvature laws as for --law.
LawTemplate parse_law_template(const laws::Value& expr, std::uint64_t max_atoms = 10'000'000);

// Enclosure of Lambda(lr) for every lr in the ball X (X certainly > 0). Non-finite when it could
// not be certified (for sgd_commuting: when some branch is non-finite on X; for sgd_family: when the bounds
// are not two-sided). Proof: BND-TEMPLATE-1, -3, -5, -7, -8, -9, -10.
void template_value(arb_t res, const LawTemplate& t, const arb_t X, slong prec);

// Enclosure of Lambda'(lr) for every lr in X (X certainly > 0). For sgd_commuting (a maximum, not
// differentiable where branches cross) only when exactly one branch is not certified negative on X (then
// Lambda = max is that branch wherever it is >= 0): that branch's derivative; otherwise indeterminate.
// sgd_family: always indeterminate (no certified derivative of a non-commuting exponent).
// Proof: BND-TEMPLATE-2, -3, -6, -7, -8.
void template_derivative(arb_t res, const LawTemplate& t, const arb_t X, slong prec);

// Default range: isotropic [10^-3, 10^3] / sqrt(E s^2), s = |a|^2 ~ chi^2_d (E s^2 = d (d + 2)); ginibre
// [2^-10, 2^10]; sgd: default_range of the curvature law (commuting: the hull over the branches); outward to
// powers of 2 (exact).
std::pair<Rational, Rational> template_default_range(const LawTemplate& t);

// Zeros of Lambda in [A, B]. isotropic, ginibre: cell bisection (BND-TEMPLATE-4): a cell is settled when
// Lambda on it excludes 0, or when Lambda' on it excludes 0 (strictly monotone) and the endpoint signs decide
// whether it holds the (then unique) zero; the zero is then narrowed by bisection on exact dyadic points to
// the requested width. Cells undecided at options.max_cells or at the width floor (10^-digits relative) are
// reported in `unresolved` and complete = false. sgd(lr, h): find_boundaries (BND-TEMPLATE-8). Commuting
// families: BND-TEMPLATE-9 (roots of the max; singular_points are the points where every branch is -inf;
// zeros next to singular points appear in `roots`, no `slivers`). sgd_family: BND-TEMPLATE-12 (brackets with
// unique = false; complete = every zero of Lambda in [A, B] lies in a bracket). Same InputErrors as
// find_boundaries.
BoundaryResult find_template_boundaries(const LawTemplate& t, const BoundaryOptions& options);

}  // namespace lyapcert::boundary
