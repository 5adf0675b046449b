// lyapcert::laws::FiniteLaw -- a curvature law with finitely many atoms, held exactly.
//
// Atom j has value h_j = value_num[j] / value_den[j] (value_den[j] > 0) and probability
// p_j = weight_num[j] / weight_den (weight_num[j] > 0, sum_j weight_num[j] == weight_den).
// The common weight denominator is what the exact zero test of the exponent needs
// (Proof: LYAP1D-ZERO-1); per-atom value denominators avoid the lcm blow-up of random rationals.
// FLINT fmpz stores values below 2^62 inline, so 10^7 atoms cost about 240 MB at most.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "lyapcert/exact/fmpz.hpp"
#include "lyapcert/exact/rational.hpp"

namespace lyapcert::laws {

using exact::Fmpz;
using exact::Rational;

class FiniteLaw {
 public:
  FiniteLaw() = default;

  // Validating constructor. Throws InputError when sizes differ, the law is empty, a value
  // denominator is not positive, a weight is negative or the weights do not sum to weight_den.
  // Atoms of weight 0 are dropped. Atoms are kept in the given order (not merged).
  FiniteLaw(std::vector<Fmpz> value_num, std::vector<Fmpz> value_den, std::vector<Fmpz> weight_num,
            Fmpz weight_den);

  // From exact rationals; probabilities must be >= 0 and sum to exactly 1 (InputError otherwise).
  static FiniteLaw from_rationals(std::span<const Rational> values, std::span<const Rational> probs);
  // Equal weights 1/n.
  static FiniteLaw uniform_over(std::span<const Rational> values);

  std::size_t size() const { return value_num_.size(); }
  const std::vector<Fmpz>& value_num() const { return value_num_; }
  const std::vector<Fmpz>& value_den() const { return value_den_; }
  const std::vector<Fmpz>& weight_num() const { return weight_num_; }
  const Fmpz& weight_den() const { return weight_den_; }
  Rational value(std::size_t j) const;
  Rational prob(std::size_t j) const;

  // Laws of c*h and h + c (exact).
  FiniteLaw scaled(const Rational& c) const;
  FiniteLaw shifted(const Rational& c) const;
  // Mixture sum_i w_i L_i (weights exact, >= 0, sum 1; InputError otherwise).
  static FiniteLaw mixture(std::span<const FiniteLaw> laws, std::span<const Rational> weights);

  // Exact moments E[h], E[h^2].
  Rational mean() const;
  Rational second_moment() const;

 private:
  std::vector<Fmpz> value_num_, value_den_, weight_num_;
  Fmpz weight_den_{1};
};

}  // namespace lyapcert::laws
