// Exact decision of prod_j (|N_j|/M_j)^(e_j) == 1. Derivations: proofs/exact/product_one.md.
#include "lyapcert/exact/product_one.hpp"

#include <flint/ulong_extras.h>
#include <string>

#include <algorithm>
#include <array>
#include <chrono>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::exact {
namespace {

// A value x > 0 with a signed exponent c: the factor x^c of the product.
struct Power {
  Fmpz value;
  Fmpz exp;
};

// Modular "no" certificate with one prime p (Proof: LYAP1D-ZERO-1b). Returns true when the product
// is certainly != 1; false when the test is inconclusive (residue 1, or p divides some value).
bool modular_certificate_says_no(std::span<const Fmpz> num, std::span<const Fmpz> den,
                                 std::span<const Fmpz> exps, ulong p) {
  const ulong pinv = n_preinvert_limb(p);
  // Group the atoms by e_j mod (p - 1): prod_j x_j^(e_j) = prod_k (prod_{j in group k} x_j)^k.
  std::unordered_map<ulong, std::pair<ulong, ulong>> groups;  // k -> (prod of |N_j|, prod of M_j) mod p
  for (std::size_t j = 0; j < num.size(); ++j) {
    const ulong k = fmpz_fdiv_ui(exps[j].get(), p - 1);
    if (k == 0) continue;  // x^(p-1) = 1 for units x
    // |N| mod p: fmpz_fdiv_ui of a negative N gives (-|N|) mod p, so negate back.
    ulong n = fmpz_fdiv_ui(num[j].get(), p);
    if (num[j].sign() < 0 && n != 0) n = p - n;
    const ulong m = fmpz_fdiv_ui(den[j].get(), p);
    if (n == 0 || m == 0) return false;  // p divides a value: this prime proves nothing
    auto [it, fresh] = groups.try_emplace(k, n, m);
    if (!fresh) {
      it->second.first = n_mulmod2_preinv(it->second.first, n, p, pinv);
      it->second.second = n_mulmod2_preinv(it->second.second, m, p, pinv);
    }
  }
  ulong lhs = 1, rhs = 1;
  for (const auto& [k, nm] : groups) {
    lhs = n_mulmod2_preinv(lhs, n_powmod2_ui_preinv(nm.first, k, p, pinv), p, pinv);
    rhs = n_mulmod2_preinv(rhs, n_powmod2_ui_preinv(nm.second, k, p, pinv), p, pinv);
  }
  return lhs != rhs;
}

// Coprime-base refinement of prod_i value_i^(exp_i) (Proof: LYAP1D-ZERO-1a). Returns yes when the
// refined base is empty (all exponents cancel), no when some base element keeps a non-zero exponent.
class CoprimeBase {
 public:
  explicit CoprimeBase(const ProductOneBudget& budget)
      : budget_(budget), start_(std::chrono::steady_clock::now()) {}

  // Multiplies the represented product by y^ey. Returns false when the budget ran out.
  bool insert(Fmpz y, Fmpz ey) {
    stack_.push_back({std::move(y), std::move(ey)});
    Fmpz g, q;
    while (!stack_.empty()) {
      Power cur = std::move(stack_.back());
      stack_.pop_back();
      if (fmpz_is_one(cur.value.get()) || cur.exp.is_zero()) continue;  // factor is 1
      if (++steps_ % 256 == 0 && out_of_time()) return false;
      bool split = false;
      for (std::size_t i = 0; i < base_.size(); ++i) {
        fmpz_gcd(g.get(), cur.value.get(), base_[i].value.get());
        if (fmpz_is_one(g.get())) continue;
        Power b = std::move(base_[i]);
        base_[i] = std::move(base_.back());
        base_.pop_back();
        if (b.value == cur.value) {  // same element: exponents add
          fmpz_add(b.exp.get(), b.exp.get(), cur.exp.get());
          stack_.push_back(std::move(b));
        } else {
          // b^eb y^ey = (b/g)^eb g^(eb+ey) (y/g)^ey: the product of the values drops by g >= 2.
          Power mid{g, Fmpz()};
          fmpz_add(mid.exp.get(), b.exp.get(), cur.exp.get());
          fmpz_divexact(b.value.get(), b.value.get(), g.get());
          fmpz_divexact(cur.value.get(), cur.value.get(), g.get());
          stack_.push_back(std::move(b));
          stack_.push_back(std::move(mid));
          stack_.push_back(std::move(cur));
        }
        split = true;
        break;
      }
      if (!split) {
        if (base_.size() >= budget_.max_base) return false;
        base_.push_back(std::move(cur));
      }
    }
    return true;
  }

  bool empty() const { return base_.empty(); }
  bool out_of_time() const {
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - start_;
    return dt.count() > budget_.max_seconds;
  }

 private:
  ProductOneBudget budget_;
  std::chrono::steady_clock::time_point start_;
  std::vector<Power> base_;   // pairwise coprime, values > 1, exponents != 0
  std::vector<Power> stack_;  // factors still to be merged into base_
  std::size_t steps_ = 0;
};

// Primes below 2^10 (trial division before the gcd refinement).
std::vector<ulong> small_primes() {
  std::vector<ulong> ps;
  for (ulong p = 2; p < 1024; p = n_nextprime(p, 1)) ps.push_back(p);
  return ps;
}

}  // namespace

Tri product_of_powers_is_one(std::span<const Fmpz> num, std::span<const Fmpz> den,
                             std::span<const Fmpz> exps, const ProductOneBudget& budget) {
  if (num.size() != den.size() || num.size() != exps.size())
    throw InputError("product_of_powers_is_one: " + std::to_string(num.size()) + " numerators, " +
                     std::to_string(den.size()) + " denominators, " + std::to_string(exps.size()) +
                     " exponents");
  for (std::size_t j = 0; j < num.size(); ++j) {
    if (num[j].is_zero())
      throw InputError("product_of_powers_is_one: numerator " + std::to_string(j) + " is zero");
    if (den[j].sign() <= 0)
      throw InputError("product_of_powers_is_one: denominator " + std::to_string(j) + " is not positive");
  }

  // Stage 1: modular "no" certificates (Proof: LYAP1D-ZERO-1b). Three primes just below 2^62.
  {
    ulong p = (ulong(1) << 62) - 1000;
    for (int k = 0; k < 3; ++k) {
      p = n_nextprime(p, 1);
      if (modular_certificate_says_no(num, den, exps, p)) return Tri::no;
    }
  }

  // Stage 2: collect x^c over distinct values x (numerators with +e_j, denominators with -e_j).
  std::vector<Power> terms;
  terms.reserve(2 * num.size());
  for (std::size_t j = 0; j < num.size(); ++j) {
    if (exps[j].is_zero()) continue;
    Power a{num[j], exps[j]};
    fmpz_abs(a.value.get(), a.value.get());
    Power b{den[j], exps[j]};
    fmpz_neg(b.exp.get(), b.exp.get());
    if (!fmpz_is_one(a.value.get())) terms.push_back(std::move(a));
    if (!fmpz_is_one(b.value.get())) terms.push_back(std::move(b));
  }
  std::sort(terms.begin(), terms.end(), [](const Power& x, const Power& y) { return x.value < y.value; });
  std::vector<Power> merged;
  for (auto& t : terms) {
    if (!merged.empty() && merged.back().value == t.value)
      fmpz_add(merged.back().exp.get(), merged.back().exp.get(), t.exp.get());
    else
      merged.push_back(std::move(t));
  }
  terms.clear();

  // Stage 3: strip small primes; each prime is its own base element, coprime to every cofactor.
  // Proof: LYAP1D-ZERO-1a (a prime with non-zero total exponent makes the product != 1).
  const std::vector<ulong> primes = small_primes();
  std::vector<Fmpz> prime_exp(primes.size());
  Fmpz pz, t;
  for (auto& x : merged) {
    if (x.exp.is_zero()) continue;
    for (std::size_t i = 0; i < primes.size(); ++i) {
      if (fmpz_cmp_ui(x.value.get(), 1) == 0) break;
      if (fmpz_fdiv_ui(x.value.get(), primes[i]) != 0) continue;
      fmpz_set_ui(pz.get(), primes[i]);
      const slong v = fmpz_remove(x.value.get(), x.value.get(), pz.get());
      fmpz_addmul_ui(prime_exp[i].get(), x.exp.get(), static_cast<ulong>(v));
    }
  }
  for (const auto& e : prime_exp)
    if (!e.is_zero()) return Tri::no;

  // Stage 4: gcd refinement of the cofactors (all prime factors >= 1024).
  CoprimeBase base(budget);
  for (auto& x : merged) {
    if (!base.insert(std::move(x.value), std::move(x.exp))) return Tri::unknown;
  }
  return base.empty() ? Tri::yes : Tri::no;
}

}  // namespace lyapcert::exact
