// Certified exponents of finite curvature laws. All inputs exact (lr, p rational).
//   Lambda(lr) = sum_j p_j log|1 - lr h_j|,    g(p) = log sum_j p_j |1 - lr h_j|^p.
#pragma once
#include <optional>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/product_one.hpp"
#include "lyapcert/laws/finite_law.hpp"

namespace lyapcert::lyap {

using exact::Rational;
using laws::FiniteLaw;

// The multipliers r_j = 1 - lr h_j = N_j / M_j as exact integers (M_j > 0), in atom order.
struct Multipliers {
  std::vector<exact::Fmpz> num, den;
  bool common_den = true;  // all M_j equal
};
Multipliers multipliers(const FiniteLaw& law, const Rational& lr);
// The general affine multipliers r_j = a + b h_j (exact).
Multipliers multipliers(const FiniteLaw& law, const Rational& a, const Rational& b);

struct FiniteEval {
  bool minus_infinity = false;  // decided exactly: some atom has r_j = 0
  exact::Ball value;            // enclosure otherwise
};

// Enclosure of Lambda(lr) at working precision prec (bits). Exactly -inf when an atom sits at
// 1/lr. Guarantee: value contains Lambda. Proof: LYAP1D-FIN-1 (grouped products), LYAP1D-FIN-2 (-inf).
FiniteEval finite_exponent(const FiniteLaw& law, const Multipliers& r, slong prec);

// Exact decision of Lambda(lr) == 0 (only meaningful when no atom is at 1/lr). Proof: LYAP1D-ZERO-1.
exact::Tri finite_exponent_is_zero(const FiniteLaw& law, const Multipliers& r);

// Enclosure of g(p) = log E|r|^p, p > 0 rational. -inf exactly when every atom has r_j = 0.
// Guarantee: contains g(p). Proof: LYAP1D-MOM-1.
FiniteEval finite_moment_exponent(const FiniteLaw& law, const Multipliers& r, const Rational& p, slong prec);

// Enclosure of E|r|^p itself (0 exactly when every r_j = 0). Proof: LYAP1D-MOM-1.
exact::Ball finite_abs_moment(const FiniteLaw& law, const Multipliers& r, const Rational& p, slong prec);

// Exact decision of g(p) == 0, i.e. E|r|^p == 1, for rational p = u/v. Proof: LYAP1D-MOM-ZERO-1.
exact::Tri finite_moment_is_zero(const FiniteLaw& law, const Multipliers& r, const Rational& p);

// Exact L_2 verdict: E(1 - lr h)^2 < 1. Proof: LYAP1D-L2-1.
bool finite_l2_stable(const FiniteLaw& law, const Multipliers& r);

}  // namespace lyapcert::lyap
