// lyapcert::boundary::ExponentModel -- Lambda(lr) = E log|1 - lr h| as a function of lr, in the form
// the boundary search needs: enclosures of Lambda and of Lambda' over whole lr-intervals (balls), and
// the list of singular atoms. Proof: BND-MODEL-1 (decomposition), BND-DER-1 .. BND-DER-4 (derivatives),
// BND-SQS-1 .. 3 (sqnormal under a shift or a negative scale) in proofs/boundary/derivatives.md.
//
// Every curvature law is reduced to
//   Lambda(lr) = sum_j P_j log|1 - lr c_j|  +  sum_i w_i E log|1 + lr (a1_i + b1_i h_i)|,
// atoms (c_j, P_j) with exact rationals (equal c merged, c = 0 dropped), and continuous leaves h_i of
// kind normal, uniform, sqnormal, xy or bivariate with exact affine coefficients. Every curvature law is
// supported: finite, normal, uniform, sqnormal (any shift and scale, BND-SQS-*), xy (derivative: CONT-XYD-*,
// sigma = 0 with a principal value: CONT-XYD-5), bivariate (BND-BIV-1, derivative CONT-BIVD-*), and affine
// maps and mixtures of those.
#pragma once
#include <arb.h>

#include "lyapcert/exact/ball.hpp"

#include <cstddef>
#include <variant>
#include <vector>

#include "lyapcert/exact/fmpz.hpp"
#include "lyapcert/exact/product_one.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace lyapcert::boundary {

using exact::Rational;

// One atom group of the reduced form: the multiplier 1 - lr c with probability weight.
struct Atom {
  Rational c;
  Rational weight;
};

// A continuous leaf: E log|1 + lr (a1 + b1 h)| with weight w, h ~ law (b1 != 0).
struct ContinuousPart {
  Rational weight, a1, b1;
  std::variant<laws::NormalLaw, laws::UniformLaw, laws::SqNormalLaw, laws::XyLaw, laws::BivariateLaw> law;
};

// Three-valued sign of Lambda at one exact learning rate (plus -inf).
enum class PointSign { negative, zero, positive, minus_infinity, undetermined };

class ExponentModel {
 public:
  // Reduces the law (exact). Every law kind is supported (no throw for a valid law).
  explicit ExponentModel(const laws::CurvatureLaw& law);

  const std::vector<Atom>& atoms() const { return atoms_; }  // sorted by c, c != 0, weights > 0
  const std::vector<ContinuousPart>& continuous() const { return cont_; }
  bool finite_only() const { return cont_.empty(); }

  // Enclosure of Lambda(lr) for every lr in the ball X (X certainly > 0). Atom `skip` (an index into
  // atoms(), or npos) is left out: that is Lambda_rest of the sliver analysis. A ball X containing a
  // singular point 1/c_j of a kept atom (or too wide for a kernel) gives a non-finite result.
  // Guarantee: contains the exact value for every lr in X. Proof: BND-MODEL-1.
  void value(arb_t res, const arb_t X, slong prec, std::size_t skip = npos) const;

  // Enclosure of Lambda'(lr) for every lr in X, same conventions. Proof: BND-DER-1 .. BND-DER-4.
  void derivative(arb_t res, const arb_t X, slong prec, std::size_t skip = npos) const;

  // Sign of Lambda at the exact rational lr > 0: exactly -inf (an atom at 1/lr), exactly zero (finite
  // reductions only: exact integer test, Proof: LYAP1D-ZERO-1), or decided from enclosures with the
  // precision doubled from 64 bits up to max_bits; `undetermined` when that is not enough.
  PointSign sign_at(const Rational& lr, long max_bits) const;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  void add(const laws::CurvatureLaw& law, const Rational& w, const Rational& a1, const Rational& b1);

  std::vector<Atom> atoms_;
  std::vector<ContinuousPart> cont_;
  // Atoms grouped by equal weight (the grouped product of BND-MODEL-1).
  std::vector<std::vector<std::size_t>> groups_;
  std::vector<exact::Fmpz> exps_;  // P_j * D as integers (exact zero test)
};

// Exact rational -> ball rounded to prec bits (exact when dyadic and short).
using exact::set_ball;
// The ball [lo, hi] (outward rounded to prec bits).
void set_interval(arb_t out, const Rational& lo, const Rational& hi, slong prec);

}  // namespace lyapcert::boundary
