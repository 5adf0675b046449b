#include "lyapcert/laws/finite_law.hpp"

#include <fmt/format.h>
#include <flint/fmpq.h>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::laws {
FiniteLaw::FiniteLaw(std::vector<Fmpz> value_num, std::vector<Fmpz> value_den, std::vector<Fmpz> weight_num,
                     Fmpz weight_den) {
  const std::size_t n = value_num.size();
  if (value_den.size() != n || weight_num.size() != n) {
    throw InputError("finite law: values, denominators and weights differ in length");
  }
  if (n == 0) throw InputError("finite law: no atoms");
  if (weight_den.sign() <= 0) throw InputError("finite law: weight denominator must be positive");
  Fmpz total;
  for (std::size_t j = 0; j < n; ++j) {
    if (value_den[j].sign() <= 0) throw InputError("finite law: value denominator must be positive");
    if (weight_num[j].sign() < 0) {
      throw InputError(fmt::format("negative probability {}/{} at atom {}", weight_num[j].str(), weight_den.str(), j + 1));
    }
    fmpz_add(total.get(), total.get(), weight_num[j].get());
  }
  if (!(total == weight_den)) {
    throw InputError(fmt::format("probabilities sum to {}/{}, not 1", total.str(), weight_den.str()));
  }
  weight_den_ = std::move(weight_den);
  bool any_zero = false;
  for (const Fmpz& w : weight_num) any_zero = any_zero || w.is_zero();
  if (!any_zero) {  // the common case: keep the caller's vectors, no copy
    value_num_ = std::move(value_num);
    value_den_ = std::move(value_den);
    weight_num_ = std::move(weight_num);
    return;
  }
  value_num_.reserve(n);
  value_den_.reserve(n);
  weight_num_.reserve(n);
  for (std::size_t j = 0; j < n; ++j) {
    if (weight_num[j].is_zero()) continue;
    value_num_.push_back(std::move(value_num[j]));
    value_den_.push_back(std::move(value_den[j]));
    weight_num_.push_back(std::move(weight_num[j]));
  }
}

FiniteLaw FiniteLaw::from_rationals(std::span<const Rational> values, std::span<const Rational> probs) {
  if (values.size() != probs.size()) throw InputError("finite law: values and probabilities differ in length");
  if (values.empty()) throw InputError("finite law: no atoms");
  // Common denominator of the probabilities.
  exact::Integer lcm = 1;
  for (const Rational& p : probs) {
    if (p < 0) throw InputError(fmt::format("negative probability {}", exact::to_text(p)));
    lcm = boost::multiprecision::lcm(lcm, boost::multiprecision::denominator(p));
  }
  std::vector<Fmpz> vn, vd, wn;
  vn.reserve(values.size());
  vd.reserve(values.size());
  wn.reserve(values.size());
  exact::Integer total = 0;
  for (std::size_t j = 0; j < values.size(); ++j) {
    vn.push_back(exact::to_fmpz(boost::multiprecision::numerator(values[j])));
    vd.push_back(exact::to_fmpz(boost::multiprecision::denominator(values[j])));
    exact::Integer a = boost::multiprecision::numerator(probs[j]) * (lcm / boost::multiprecision::denominator(probs[j]));
    total += a;
    wn.push_back(exact::to_fmpz(a));
  }
  if (total != lcm) {
    Rational sum(total, lcm);
    throw InputError(fmt::format("probabilities sum to {}, not 1", exact::to_text(sum)));
  }
  return FiniteLaw(std::move(vn), std::move(vd), std::move(wn), exact::to_fmpz(lcm));
}

FiniteLaw FiniteLaw::uniform_over(std::span<const Rational> values) {
  if (values.empty()) throw InputError("finite law: no atoms");
  std::vector<Fmpz> vn, vd, wn;
  for (const Rational& v : values) {
    vn.push_back(exact::to_fmpz(boost::multiprecision::numerator(v)));
    vd.push_back(exact::to_fmpz(boost::multiprecision::denominator(v)));
    wn.emplace_back(1);
  }
  return FiniteLaw(std::move(vn), std::move(vd), std::move(wn), Fmpz(static_cast<slong>(values.size())));
}

Rational FiniteLaw::value(std::size_t j) const {
  return Rational(exact::to_integer(value_num_[j].get()), exact::to_integer(value_den_[j].get()));
}

Rational FiniteLaw::prob(std::size_t j) const {
  return Rational(exact::to_integer(weight_num_[j].get()), exact::to_integer(weight_den_.get()));
}

FiniteLaw FiniteLaw::scaled(const Rational& c) const {
  FiniteLaw out = *this;
  exact::Fmpq q, v;
  exact::set_fmpq(q, c);
  for (std::size_t j = 0; j < size(); ++j) {
    fmpq_set_fmpz_frac(v, value_num_[j].get(), value_den_[j].get());
    fmpq_mul(v, v, q);
    fmpz_set(out.value_num_[j].get(), fmpq_numref(v));
    fmpz_set(out.value_den_[j].get(), fmpq_denref(v));
  }
  return out;
}

FiniteLaw FiniteLaw::shifted(const Rational& c) const {
  FiniteLaw out = *this;
  exact::Fmpq q, v;
  exact::set_fmpq(q, c);
  for (std::size_t j = 0; j < size(); ++j) {
    fmpq_set_fmpz_frac(v, value_num_[j].get(), value_den_[j].get());
    fmpq_add(v, v, q);
    fmpz_set(out.value_num_[j].get(), fmpq_numref(v));
    fmpz_set(out.value_den_[j].get(), fmpq_denref(v));
  }
  return out;
}

FiniteLaw FiniteLaw::mixture(std::span<const FiniteLaw> laws, std::span<const Rational> weights) {
  if (laws.size() != weights.size() || laws.empty()) throw InputError("mix: laws and weights differ in length");
  exact::Integer lcm = 1;
  Rational total = 0;
  for (const Rational& w : weights) {
    if (w < 0) throw InputError(fmt::format("mix: negative weight {}", exact::to_text(w)));
    total += w;
  }
  if (total != 1) throw InputError(fmt::format("mix: weights sum to {}, not 1", exact::to_text(total)));
  for (std::size_t i = 0; i < laws.size(); ++i) {
    lcm = boost::multiprecision::lcm(
        lcm, boost::multiprecision::denominator(weights[i]) * exact::to_integer(laws[i].weight_den_.get()));
  }
  std::vector<Fmpz> vn, vd, wn;
  for (std::size_t i = 0; i < laws.size(); ++i) {
    // p_ij = w_i * a_ij / D_i = a_ij * (w_num * lcm / (w_den * D_i)) / lcm
    const exact::Integer factor = boost::multiprecision::numerator(weights[i]) * lcm /
                                  (boost::multiprecision::denominator(weights[i]) * exact::to_integer(laws[i].weight_den_.get()));
    const Fmpz f = exact::to_fmpz(factor);
    for (std::size_t j = 0; j < laws[i].size(); ++j) {
      vn.push_back(laws[i].value_num_[j]);
      vd.push_back(laws[i].value_den_[j]);
      Fmpz a;
      fmpz_mul(a.get(), laws[i].weight_num_[j].get(), f.get());
      wn.push_back(std::move(a));
    }
  }
  return FiniteLaw(std::move(vn), std::move(vd), std::move(wn), exact::to_fmpz(lcm));
}

Rational FiniteLaw::mean() const {
  exact::Fmpq acc, v;
  for (std::size_t j = 0; j < size(); ++j) {
    fmpq_set_fmpz_frac(v, value_num_[j].get(), value_den_[j].get());
    fmpq_mul_fmpz(v, v, weight_num_[j].get());
    fmpq_add(acc, acc, v);
  }
  fmpq_div_fmpz(acc, acc, weight_den_.get());
  return exact::to_rational(acc);
}

Rational FiniteLaw::second_moment() const {
  exact::Fmpq acc, v;
  for (std::size_t j = 0; j < size(); ++j) {
    fmpq_set_fmpz_frac(v, value_num_[j].get(), value_den_[j].get());
    fmpq_mul(v, v, v);
    fmpq_mul_fmpz(v, v, weight_num_[j].get());
    fmpq_add(acc, acc, v);
  }
  fmpq_div_fmpz(acc, acc, weight_den_.get());
  return exact::to_rational(acc);
}

}  // namespace lyapcert::laws
