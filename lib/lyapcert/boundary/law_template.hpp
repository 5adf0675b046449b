// lyapcert::boundary law templates (`lyapcert boundary --law-template`, issue 7): a matrix law in
// which the identifier `lr` stands for the learning rate. The template is recognised on the parse
// tree (never by substituting text) and its top exponent Lambda(lr) is evaluated over lr-balls.
//
// Supported: isotropic(2, lr) (A = I - lr a a^T, a ~ N(0, I_2)), through the closed form
//   Lambda(lr) = E1(c) - e^{-2c} (Ei(2c) - Ei(c)),   c = 1/(2 lr)                  Proof: BND-TEMPLATE-1
//   Lambda'(lr) = -2 c^2 (2 e^{-2c} (Ei(2c) - Ei(c)) - 1/c)                         Proof: BND-TEMPLATE-2
// evaluated with Arb on balls (enclosures for every point of the ball, BND-TEMPLATE-3). Not yet:
// isotropic(3 | 4, lr) (their certified quadratures take exact lr only and have no derivative
// enclosure) and sgd(lr, ...) laws: InputError names them.
#pragma once
#include <arb.h>

#include <string>

#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/laws/ast.hpp"

namespace lyapcert::boundary {

struct LawTemplate {
  enum class Kind { isotropic2 };
  Kind kind = Kind::isotropic2;
  int dim = 2;
};

// Recognises the template. InputError: not a call, `lr` missing or in an unsupported position, or a
// law whose exponent has no certified evaluation on lr-balls yet (the message names it).
LawTemplate parse_law_template(const laws::Value& expr);

// Enclosure of Lambda(lr) for every lr in the ball X (X certainly > 0). Non-finite when it could
// not be certified. Proof: BND-TEMPLATE-1, BND-TEMPLATE-3.
void template_value(arb_t res, const LawTemplate& t, const arb_t X, slong prec);

// Enclosure of Lambda'(lr) for every lr in X (X certainly > 0). Proof: BND-TEMPLATE-2, BND-TEMPLATE-3.
void template_derivative(arb_t res, const LawTemplate& t, const arb_t X, slong prec);

// Default range: [10^-3, 10^3] / sqrt(E s^2), s = |a|^2 ~ chi^2_d (E s^2 = d (d + 2)), outward to
// powers of 2 (exact).
std::pair<Rational, Rational> template_default_range(const LawTemplate& t);

// Zeros of Lambda in [A, B] by cell bisection (BND-TEMPLATE-4): a cell is settled when Lambda on it
// excludes 0, or when Lambda' on it excludes 0 (strictly monotone) and the endpoint signs decide
// whether it holds the (then unique) zero; the zero is then narrowed by bisection on exact dyadic
// points to the requested width. Cells that stay undecided at options.max_cells or at the width
// floor (10^-digits relative) are reported in `unresolved` and complete = false. No singular points
// or slivers (Lambda is finite for every lr > 0). Same InputErrors as find_boundaries.
BoundaryResult find_template_boundaries(const LawTemplate& t, const BoundaryOptions& options);

}  // namespace lyapcert::boundary
