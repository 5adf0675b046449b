#include "lyapcert/lyap/finite.hpp"

#include <cmath>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/sum.hpp"

#include <flint/fmpq.h>
#include <sys/mman.h>

#include <cstdint>

#include <unordered_map>

namespace lyapcert::lyap {
namespace {

using Arb = exact::Ball;

using Z = exact::Fmpz;
using Q = exact::Fmpq;

// Reserves a large vector and advises transparent huge pages before it is first touched: on this
// class of machine first-touch page faults, not arithmetic, dominated the cost for 10^6+ atoms.
void reserve_huge(std::vector<exact::Fmpz>& v, std::size_t n) {
  v.reserve(n);
#ifdef MADV_HUGEPAGE
  const std::size_t bytes = n * sizeof(exact::Fmpz);
  if (bytes >= (8u << 20)) {
    const auto page = static_cast<std::uintptr_t>(2u << 20);
    const auto start = (reinterpret_cast<std::uintptr_t>(v.data()) + page - 1) & ~(page - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(v.data()) + bytes) & ~(page - 1);
    if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);  // advice only
  }
#endif
}

// Working precisions up to this use the binary64 fast path in the per-atom branch.
constexpr slong kFastPathBits = 80;

// Tightest binary64 interval around an exact integer (Proof: FAST-RND-4).
fast::OutwardInterval enclose_integer(const fmpz_t x) {
  fmpq_t q;
  *fmpq_numref(q) = *x;  // shallow view: x with denominator 1 (not cleared below)
  fmpz_init_set_ui(fmpq_denref(q), 1);
  const fast::OutwardInterval out = fast::enclose(q);
  return out;
}

bool has_zero_multiplier(const Multipliers& r) {
  for (const auto& n : r.num) {
    if (n.is_zero()) return true;
  }
  return false;
}

// Groups atoms by equal weight numerator; returns group index per atom and the group weights,
// or nothing when there are too many distinct weights for grouping to pay off.
struct Groups {
  std::vector<std::uint32_t> of_atom;
  std::vector<const exact::Fmpz*> weight;
};
std::optional<Groups> group_by_weight(const FiniteLaw& law) {
  const auto& w = law.weight_num();
  const std::size_t n = w.size();
  const std::size_t max_groups = std::max<std::size_t>(64, n / 16);
  Groups g;
  g.of_atom.reserve(n);
  // Few distinct weights is the common case (equal weights; multinomial counts of minibatch laws):
  // a last-hit check and a short linear scan beat hashing; a hash map takes over beyond 16 groups.
  std::vector<slong> values;
  std::unordered_map<slong, std::uint32_t> many;
  std::uint32_t last = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const fmpz v = *w[j].get();
    if (COEFF_IS_MPZ(v)) return std::nullopt;  // huge weights: per-atom path
    const slong x = static_cast<slong>(v);
    if (!values.empty() && values[last] == x) {
      g.of_atom.push_back(last);
      continue;
    }
    std::uint32_t found = static_cast<std::uint32_t>(values.size());
    if (values.size() <= 16) {
      for (std::uint32_t k = 0; k < values.size(); ++k) {
        if (values[k] == x) {
          found = k;
          break;
        }
      }
    } else if (auto it = many.find(x); it != many.end()) {
      found = it->second;
    }
    if (found == values.size()) {
      values.push_back(x);
      many.emplace(x, found);
      g.weight.push_back(&w[j]);
      if (g.weight.size() > max_groups) return std::nullopt;
    }
    last = found;
    g.of_atom.push_back(found);
  }
  return g;
}

}  // namespace

Multipliers multipliers(const FiniteLaw& law, const Rational& lr) {
  // lr = a/b; r_j = 1 - lr c_j/d_j = (b d_j - a c_j) / (b d_j), reduced by nothing (exact either way).
  Z a, b;
  exact::set_fmpz(a.get(), numerator(lr));
  exact::set_fmpz(b.get(), denominator(lr));
  Multipliers r;
  const std::size_t n = law.size();
  r.num.resize(n);
  r.den.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    fmpz_mul(r.den[j].get(), b.get(), law.value_den()[j].get());
    fmpz_mul(r.num[j].get(), a.get(), law.value_num()[j].get());
    fmpz_sub(r.num[j].get(), r.den[j].get(), r.num[j].get());
    if (j > 0 && r.common_den && !(r.den[j] == r.den[0])) r.common_den = false;
  }
  return r;
}

// r_j = a + b h_j exactly, as N_j / M_j with M_j > 0.
Multipliers multipliers(const FiniteLaw& law, const Rational& a, const Rational& b) {
  // a + b c/d = (A d + B c) / (C d) with A = a_n b_d, B = b_n a_d, C = a_d b_d (exact).
  Z an, ad, bn, bd, A, B, C;
  exact::set_fmpz(an.get(), numerator(a));
  exact::set_fmpz(ad.get(), denominator(a));
  exact::set_fmpz(bn.get(), numerator(b));
  exact::set_fmpz(bd.get(), denominator(b));
  fmpz_mul(A.get(), an.get(), bd.get());
  fmpz_mul(B.get(), bn.get(), ad.get());
  fmpz_mul(C.get(), ad.get(), bd.get());
  Multipliers r;
  const std::size_t n = law.size();
  reserve_huge(r.num, n);
  reserve_huge(r.den, n);
  // Machine-word path: every product below fits in 128 bits and the results are stored when they
  // fit FLINT's inline range (|x| < 2^62); anything else goes through fmpz arithmetic. Elements are
  // appended (not resized then assigned) so each page is touched once.
  const bool small_consts = !COEFF_IS_MPZ(*A.get()) && !COEFF_IS_MPZ(*B.get()) && !COEFF_IS_MPZ(*C.get());
  constexpr __int128 kInline = (static_cast<__int128>(1) << 62) - 1;
  for (std::size_t j = 0; j < n; ++j) {
    const fmpz c = *law.value_num()[j].get(), d = *law.value_den()[j].get();
    bool done = false;
    if (small_consts && !COEFF_IS_MPZ(c) && !COEFF_IS_MPZ(d)) {
      const __int128 num = static_cast<__int128>(*A.get()) * d + static_cast<__int128>(*B.get()) * c;
      const __int128 den = static_cast<__int128>(*C.get()) * d;
      if (num <= kInline && num >= -kInline && den <= kInline) {
        r.num.emplace_back(static_cast<slong>(num));
        r.den.emplace_back(static_cast<slong>(den));
        done = true;
      }
    }
    if (!done) {
      r.num.emplace_back();
      r.den.emplace_back();
      fmpz_mul(r.num.back().get(), A.get(), law.value_den()[j].get());
      fmpz_addmul(r.num.back().get(), B.get(), law.value_num()[j].get());
      fmpz_mul(r.den.back().get(), C.get(), law.value_den()[j].get());
    }
    if (j > 0 && r.common_den && !(r.den[j] == r.den[0])) r.common_den = false;
  }
  return r;
}

FiniteEval finite_exponent(const FiniteLaw& law, const Multipliers& r, slong prec) {
  FiniteEval out;
  // Proof: LYAP1D-FIN-2 -- an atom with r_j = 0 and p_j > 0 makes the exponent -inf exactly.
  if (has_zero_multiplier(r)) {
    out.minus_infinity = true;
    return out;
  }
  const std::size_t n = law.size();
  // Guard bits for the n roundings of a product (relative error about n 2^-prec).
  const slong wp = prec + 2 * static_cast<slong>(FLINT_BIT_COUNT(n)) + 8;
  Arb acc, t, u;
  arb_zero(acc);
  if (auto groups = group_by_weight(law)) {
    // Proof: LYAP1D-FIN-1 -- Lambda = sum_g (a_g / D) log( prod_{j in g} |N_j| / prod_{j in g} M_j ),
    // every product an Arb ball (rigorous), one log per group.
    const std::size_t k = groups->weight.size();
    std::vector<Arb> pn(k), pd(k);
    std::vector<std::size_t> count(k, 0);
    for (std::size_t g = 0; g < k; ++g) {
      arb_one(pn[g]);
      arb_one(pd[g]);
    }
    // Small |N_j| are first multiplied exactly in 128-bit words (one Arb rounding per word instead
    // of per atom); the word is flushed into the group's ball before it could overflow.
    using u128 = unsigned __int128;
    std::vector<u128> word(k, 1);
    Z absn, wz;
    const auto flush = [&](std::size_t g) {
      if (word[g] == 1) return;
      fmpz_set_uiui(wz.get(), static_cast<ulong>(word[g] >> 64), static_cast<ulong>(word[g]));
      arb_mul_fmpz(pn[g], pn[g], wz.get(), wp);
      word[g] = 1;
    };
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint32_t g = groups->of_atom[j];
      const fmpz v = *r.num[j].get();
      if (!COEFF_IS_MPZ(v)) {
        const u128 a = static_cast<u128>(v < 0 ? -static_cast<__int128>(v) : static_cast<__int128>(v));
        u128 prod;
        if (__builtin_mul_overflow(word[g], a, &prod)) {
          flush(g);
          prod = a;
        }
        word[g] = prod;
      } else {
        fmpz_abs(absn.get(), r.num[j].get());
        arb_mul_fmpz(pn[g], pn[g], absn.get(), wp);
      }
      if (!r.common_den) arb_mul_fmpz(pd[g], pd[g], r.den[j].get(), wp);
      ++count[g];
    }
    for (std::size_t g = 0; g < k; ++g) flush(g);
    for (std::size_t g = 0; g < k; ++g) {
      if (r.common_den) {
        arb_set_round_fmpz(t, r.den[0].get(), wp);
        arb_pow_ui(pd[g], t, count[g], wp);
      }
      arb_div(t, pn[g], pd[g], wp);
      arb_log(t, t, wp);
      arb_mul_fmpz(t, t, groups->weight[g]->get(), wp);
      arb_add(acc, acc, t, wp);
    }
  } else if (prec <= kFastPathBits) {
    // Per-atom binary64 fast path (low digit counts): sum_j (a_j / D) log|N_j / M_j| in outward
    // interval arithmetic with the proved log bound and a compensated sum. Proof: FAST-RND-2,
    // FAST-RND-4, FAST-LOG-6, FAST-SUM-1 (proofs/fast); LYAP1D-FIN-3 for the assembly.
    const fast::OutwardInterval inv_d = fast::OutwardInterval(1.0) / enclose_integer(law.weight_den().get());
    fast::IntervalSum sum;
    for (std::size_t j = 0; j < n; ++j) {
      const fast::OutwardInterval ratio = abs(enclose_integer(r.num[j].get())) / enclose_integer(r.den[j].get());
      sum.add(fast::log(ratio) * (enclose_integer(law.weight_num()[j].get()) * inv_d));
    }
    const fast::OutwardInterval total = sum.result();
    if (std::isfinite(total.lower()) && std::isfinite(total.upper())) {
      exact::Arf lo, hi;
      arf_set_d(lo, total.lower());
      arf_set_d(hi, total.upper());
      arb_set_interval_arf(out.value.get(), lo, hi, prec);
    } else {
      arb_indeterminate(out.value.get());  // overflow or underflow in binary64: not certified here
    }
    return out;
  } else {
    // Per-atom logs: sum_j a_j log|N_j / M_j|.
    for (std::size_t j = 0; j < n; ++j) {
      if ((j & 15) == 0 && core::stop_requested()) {  // a stopped round gives no value (the whole line)
        arb_indeterminate(out.value.get());
        return out;
      }
      arb_set_round_fmpz(t, r.num[j].get(), wp);
      arb_abs(t, t);
      arb_set_round_fmpz(u, r.den[j].get(), wp);
      arb_div(t, t, u, wp);
      arb_log(t, t, wp);
      arb_mul_fmpz(t, t, law.weight_num()[j].get(), wp);
      arb_add(acc, acc, t, wp);
    }
  }
  arb_div_fmpz(acc, acc, law.weight_den().get(), prec);
  arb_swap(out.value.get(), acc);
  return out;
}

exact::Tri finite_exponent_is_zero(const FiniteLaw& law, const Multipliers& r) {
  // Proof: LYAP1D-ZERO-1 -- Lambda = 0 iff prod_j |N_j / M_j|^(a_j) = 1 (a_j = weight numerators).
  if (has_zero_multiplier(r)) return exact::Tri::no;
  return exact::product_of_powers_is_one(r.num, r.den, law.weight_num());
}

exact::Ball finite_abs_moment(const FiniteLaw& law, const Multipliers& r, const Rational& p, slong prec) {
  const std::size_t n = law.size();
  const slong wp = prec + 2 * static_cast<slong>(FLINT_BIT_COUNT(n)) + 16;
  Arb acc, t, u, pb;
  Q pq;
  exact::set_fmpq(pq, p);
  arb_set_fmpq(pb, pq, wp);
  // Small positive integer powers by repeated squaring; every other order (fractional or negative) by exp(p log).
  const bool integer_p = denominator(p) == 1 && p > 0 && p <= 1024;
  const ulong pi = integer_p ? numerator(p).convert_to<ulong>() : 0;
  for (std::size_t j = 0; j < n; ++j) {
    if ((j & 15) == 0 && core::stop_requested()) {  // a stopped round gives no value (the whole line)
      exact::Ball whole;
      arb_indeterminate(whole.get());
      return whole;
    }
    if (r.num[j].is_zero()) {
      // 0^p = 0 for p > 0. For p < 0 the moment is +inf; callers refuse that case before (LYAP1D-MOM-NEG-1).
      if (p < 0) throw InputError("finite_abs_moment: an atom at multiplier 0 makes a negative moment infinite");
      continue;
    }
    // Proof: LYAP1D-MOM-1 -- |N_j/M_j|^p as an Arb ball (pow_ui for small integer p, exp(p log)
    // otherwise), weighted sum.
    arb_set_round_fmpz(t, r.num[j].get(), wp);
    arb_abs(t, t);
    arb_set_round_fmpz(u, r.den[j].get(), wp);
    arb_div(t, t, u, wp);
    if (integer_p) {
      arb_pow_ui(t, t, pi, wp);
    } else {
      arb_pow(t, t, pb, wp);
    }
    arb_mul_fmpz(t, t, law.weight_num()[j].get(), wp);
    arb_add(acc, acc, t, wp);
  }
  exact::Ball out;
  arb_div_fmpz(out.get(), acc, law.weight_den().get(), prec);
  return out;
}

FiniteEval finite_moment_exponent(const FiniteLaw& law, const Multipliers& r, const Rational& p, slong prec) {
  FiniteEval out;
  bool all_zero = true;
  for (const auto& x : r.num) all_zero = all_zero && x.is_zero();
  if (all_zero) {
    out.minus_infinity = true;  // E|r|^p = 0 exactly
    return out;
  }
  exact::Ball m = finite_abs_moment(law, r, p, prec + 8);
  arb_log(out.value.get(), m.get(), prec);
  return out;
}

exact::Tri finite_moment_is_zero(const FiniteLaw& law, const Multipliers& r, const Rational& p) {
  // Proof: LYAP1D-MOM-ZERO-1 -- with p = u/v in lowest terms, E|r|^p = 1 forces every |r_j|^(1/v)
  // (p_j > 0) to be rational (linear independence of real radicals, Mordell 1953); then the sum is
  // an exact rational.
  Z u, v, rn, rd, pw;
  exact::set_fmpz(u.get(), numerator(p));
  exact::set_fmpz(v.get(), denominator(p));
  if (!fmpz_fits_si(u.get()) || !fmpz_fits_si(v.get())) return exact::Tri::unknown;
  // p < 0: |r|^p = |1/r|^(-p) (no atom is 0 then; LYAP1D-MOM-NEG-1), so the same test runs on the reciprocals.
  const bool negative = fmpz_sgn(u.get()) < 0;
  const slong us = negative ? -fmpz_get_si(u.get()) : fmpz_get_si(u.get()), vs = fmpz_get_si(v.get());
  if (us > 4096) return exact::Tri::unknown;  // exact powers would be too large to form
  Q acc, term;
  for (std::size_t j = 0; j < law.size(); ++j) {
    if (r.num[j].is_zero()) {
      if (negative) return exact::Tri::no;  // E|r|^p = +inf
      continue;
    }
    fmpz_abs(rn.get(), r.num[j].get());
    fmpz_set(rd.get(), r.den[j].get());
    if (negative) fmpz_swap(rn.get(), rd.get());
    // Reduce first: the radical test needs lowest terms.
    Z g;
    fmpz_gcd(g.get(), rn.get(), rd.get());
    fmpz_divexact(rn.get(), rn.get(), g.get());
    fmpz_divexact(rd.get(), rd.get(), g.get());
    if (vs > 1) {
      if (!fmpz_root(rn.get(), rn.get(), vs)) return exact::Tri::no;
      if (!fmpz_root(rd.get(), rd.get(), vs)) return exact::Tri::no;
    }
    fmpz_pow_ui(rn.get(), rn.get(), static_cast<ulong>(us));
    fmpz_pow_ui(rd.get(), rd.get(), static_cast<ulong>(us));
    fmpq_set_fmpz_frac(term, rn.get(), rd.get());
    fmpq_mul_fmpz(term, term, law.weight_num()[j].get());
    fmpq_add(acc, acc, term);
  }
  fmpq_div_fmpz(acc, acc, law.weight_den().get());
  return fmpq_is_one(acc) ? exact::Tri::yes : exact::Tri::no;
}

bool finite_l2_stable(const FiniteLaw& law, const Multipliers& r) {
  // Proof: LYAP1D-L2-1 -- exact rational sum of p_j r_j^2 compared with 1.
  Q acc, term;
  Z sq;
  if (r.common_den) {
    Z s;
    for (std::size_t j = 0; j < law.size(); ++j) {
      fmpz_mul(sq.get(), r.num[j].get(), r.num[j].get());
      fmpz_addmul(s.get(), sq.get(), law.weight_num()[j].get());
    }
    Z rhs;
    fmpz_mul(rhs.get(), r.den[0].get(), r.den[0].get());
    fmpz_mul(rhs.get(), rhs.get(), law.weight_den().get());
    return fmpz_cmp(s.get(), rhs.get()) < 0;
  }
  for (std::size_t j = 0; j < law.size(); ++j) {
    fmpq_set_fmpz_frac(term, r.num[j].get(), r.den[j].get());
    fmpq_mul(term, term, term);
    fmpq_mul_fmpz(term, term, law.weight_num()[j].get());
    fmpq_add(acc, acc, term);
  }
  fmpq_div_fmpz(acc, acc, law.weight_den().get());
  return fmpq_cmp_ui(acc, 1) < 0;
}

}  // namespace lyapcert::lyap
