#include "lyapcert/lyapnd/finite_family.hpp"

#include <flint/fmpz_mat.h>

#include <algorithm>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Fmpz;
using exact::Integer;
using exact::Rational;
using Mat = std::vector<Rational>;

std::vector<std::size_t> positive_atoms(const laws::FiniteMatrices& f) {
  std::vector<std::size_t> idx;
  for (std::size_t j = 0; j < f.probs.size(); ++j)
    if (f.probs[j] > 0) idx.push_back(j);
  return idx;
}

bool is_zero(const Mat& m) {
  for (const Rational& x : m)
    if (x != 0) return false;
  return true;
}

}  // namespace

FamilyFacts family_facts(const laws::FiniteMatrices& f, int d) {
  FamilyFacts r;
  r.all_rank_le_one = r.upper = r.lower = r.commuting = true;
  const auto idx = positive_atoms(f);
  for (std::size_t j : idx) {
    const Mat& m = f.matrices[j];
    if (is_zero(m)) r.zero_atom = true;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b) {
        if (a > b && m[a * d + b] != 0) r.upper = false;
        if (a < b && m[a * d + b] != 0) r.lower = false;
      }
    // rank <= 1 iff every 2 x 2 minor vanishes
    for (int a = 0; a < d; ++a)
      for (int a2 = a + 1; a2 < d; ++a2)
        for (int b = 0; b < d; ++b)
          for (int b2 = b + 1; b2 < d; ++b2)
            if (m[a * d + b] * m[a2 * d + b2] != m[a * d + b2] * m[a2 * d + b]) r.all_rank_le_one = false;
  }
  for (std::size_t x = 0; x < idx.size() && r.commuting; ++x)
    for (std::size_t y = x + 1; y < idx.size() && r.commuting; ++y) {
      const Mat& A = f.matrices[idx[x]];
      const Mat& B = f.matrices[idx[y]];
      for (int a = 0; a < d && r.commuting; ++a)
        for (int b = 0; b < d; ++b) {
          Rational ab = 0, ba = 0;
          for (int k = 0; k < d; ++k) {
            ab += A[a * d + k] * B[k * d + b];
            ba += B[a * d + k] * A[k * d + b];
          }
          if (ab != ba) {
            r.commuting = false;
            break;
          }
        }
    }
  return r;
}

laws::FiniteLaw rankone_pair_law(const laws::FiniteMatrices& f, int d) {
  // Proof: LYAPND-RANK1-1. Factor M = u v^T with u = column b0 of M, v^T = row a0 of M / M[a0][b0].
  const auto idx = positive_atoms(f);
  std::vector<Mat> us, vs;
  std::vector<Rational> ps;
  for (std::size_t j : idx) {
    const Mat& m = f.matrices[j];
    int a0 = -1, b0 = -1;
    for (int a = 0; a < d && a0 < 0; ++a)
      for (int b = 0; b < d; ++b)
        if (m[a * d + b] != 0) {
          a0 = a;
          b0 = b;
          break;
        }
    if (a0 < 0) throw InputError("rankone: a zero matrix has positive probability (Lambda = -inf)");
    Mat u(d), v(d);
    for (int a = 0; a < d; ++a) u[a] = m[a * d + b0];
    for (int b = 0; b < d; ++b) v[b] = m[a0 * d + b] / m[a0 * d + b0];
    us.push_back(std::move(u));
    vs.push_back(std::move(v));
    ps.push_back(f.probs[j]);
  }
  std::vector<Rational> values, probs;
  for (std::size_t i = 0; i < us.size(); ++i)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      Rational q = 0;
      for (int k = 0; k < d; ++k) q += vs[j][k] * us[i][k];
      values.push_back(q);
      probs.push_back(ps[i] * ps[j]);
    }
  return laws::FiniteLaw::from_rationals(values, probs);
}

laws::FiniteLaw diagonal_law(const laws::FiniteMatrices& f, int d, int i) {
  const auto idx = positive_atoms(f);
  std::vector<Rational> values, probs;
  for (std::size_t j : idx) {
    values.push_back(f.matrices[j][i * d + i]);
    probs.push_back(f.probs[j]);
  }
  return laws::FiniteLaw::from_rationals(values, probs);
}

namespace {

struct Enumerator {
  int d = 0, n = 0;
  slong prec = 0;
  std::vector<fmpz_mat_struct> mats;  // integer numerators N_i (M_i = N_i / D_i)
  std::vector<Fmpz> weights;          // w_i (p_i = w_i / W)
  std::chrono::steady_clock::time_point deadline;
  std::vector<fmpz_mat_struct> stack;  // partial products by depth
  std::vector<Fmpz> wstack;
  exact::Ball sum;  // sum_w w_word * log F^2(P_w)
  bool zero_product = false, timed_out = false;
  std::uint64_t leaves = 0;

  // The matrices are cleared here, so that a throw (a stop, an allocation failure) does not leak them.
  Enumerator() = default;
  Enumerator(const Enumerator&) = delete;
  Enumerator& operator=(const Enumerator&) = delete;
  ~Enumerator() {
    for (auto& s : stack) fmpz_mat_clear(&s);
    for (auto& m : mats) fmpz_mat_clear(&m);
  }

  void run(int depth) {
    if (zero_product || timed_out) return;
    for (std::size_t i = 0; i < mats.size(); ++i) {
      fmpz_mat_struct* cur = &stack[depth];
      if (depth == 0) {
        fmpz_mat_set(cur, &mats[i]);
        fmpz_set(wstack[0].get(), weights[i].get());
      } else {
        fmpz_mat_mul(cur, &mats[i], &stack[depth - 1]);
        fmpz_mul(wstack[depth].get(), wstack[depth - 1].get(), weights[i].get());
      }
      if (depth + 1 < n) {
        run(depth + 1);
        if (zero_product || timed_out) return;
        continue;
      }
      ++leaves;
      if ((leaves & 1023) == 0 && detail::past(deadline)) {
        timed_out = true;
        return;
      }
      Fmpz f2;
      for (slong a = 0; a < d; ++a)
        for (slong b = 0; b < d; ++b) fmpz_addmul(f2.get(), fmpz_mat_entry(cur, a, b), fmpz_mat_entry(cur, a, b));
      if (fmpz_is_zero(f2.get())) {
        zero_product = true;  // Proof: LYAPND-ENUM-1 (part 3)
        return;
      }
      exact::Ball l;
      arb_log_fmpz(l, f2.get(), prec);
      arb_addmul_fmpz(sum, l, wstack[depth].get(), prec);
    }
  }
};

}  // namespace

std::optional<EnumerationLevel> enumeration_bound(const laws::FiniteMatrices& f, int d, int n, slong prec,
                                                   std::chrono::steady_clock::time_point deadline) {
  // Proof: LYAPND-ENUM-1.
  const auto idx = positive_atoms(f);
  Enumerator e;
  e.d = d;
  e.n = n;
  e.prec = prec;
  e.deadline = deadline;
  // Common weight denominator W and per-matrix denominators D_i.
  Integer W = 1;
  for (std::size_t j : idx) W = boost::multiprecision::lcm(W, denominator(f.probs[j]));
  std::vector<Integer> D;
  exact::Ball logd, t;
  for (std::size_t j : idx) {
    Integer den = 1;
    for (const Rational& x : f.matrices[j]) den = boost::multiprecision::lcm(den, denominator(x));
    fmpz_mat_struct m;
    fmpz_mat_init(&m, d, d);
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b) {
        const Rational& x = f.matrices[j][a * d + b];
        exact::set_fmpz(fmpz_mat_entry(&m, a, b), Integer(numerator(x) * (den / denominator(x))));
      }
    e.mats.push_back(m);
    const Integer w = numerator(f.probs[j]) * (W / denominator(f.probs[j]));
    e.weights.push_back(exact::to_fmpz(w));
    // sum_i p_i log D_i
    Fmpz dz = exact::to_fmpz(den);
    arb_log_fmpz(t, dz.get(), prec);
    Fmpz wz = exact::to_fmpz(w);
    arb_mul_fmpz(t, t, wz.get(), prec);
    arb_add(logd, logd, t, prec);
  }
  Fmpz Wz = exact::to_fmpz(W);
  arb_div_fmpz(logd, logd, Wz.get(), prec);
  e.stack.resize(n);
  for (auto& s : e.stack) fmpz_mat_init(&s, d, d);  // before anything that can throw (the destructor clears them)
  e.wstack.resize(n);
  e.run(0);
  std::optional<EnumerationLevel> out;
  if (!e.timed_out) {
    EnumerationLevel lev;
    lev.n = n;
    lev.products = e.leaves;
    if (e.zero_product) {
      lev.minus_infinity = true;
    } else {
      // U_n = sum / (2 n W^n) - sum_i p_i log D_i
      Fmpz Wn;
      fmpz_pow_ui(Wn.get(), Wz.get(), static_cast<ulong>(n));
      arb_div_fmpz(t, e.sum, Wn.get(), prec);
      arb_div_ui(t, t, static_cast<ulong>(2 * n), prec);
      arb_sub(lev.upper_bound.get(), t, logd, prec);
    }
    out = std::move(lev);
  }
  return out;
}

EnumerationSearch best_enumeration_bound(const laws::FiniteMatrices& f, int d, slong prec,
                                         const EnumerationLimits& limits) {
  // Proof: LYAPND-ENUM-1 (every level bounds Lambda from above), LYAPND-MEM-1 (the memory check).
  using Clock = std::chrono::steady_clock;
  const std::size_t k = positive_atoms(f).size();
  EnumerationSearch s;
  double products = 1, last_seconds = 0;
  for (int n = 1; n <= limits.max_word_length; ++n) {
    products *= static_cast<double>(std::max<std::size_t>(k, 1));
    if (n > 1 && products > limits.max_products) break;
    const std::uint64_t bytes = enumeration_memory_bytes(f, d, n, prec);
    if (bytes > limits.max_memory_bytes) {
      s.memory_limited = true;
      s.refused_n = n;
      s.refused_bytes = bytes;
      break;
    }
    const auto t0 = Clock::now();
    // Skip a level that cannot finish: its cost is about k times the previous one.
    if (limits.predict_time && n > 1 &&
        t0 + std::chrono::duration<double>(last_seconds * static_cast<double>(k)) > limits.deadline) {
      s.timed_out = true;
      break;
    }
    std::optional<EnumerationLevel> lev = enumeration_bound(
        f, d, n, prec, n == 1 && limits.first_level_ignores_deadline ? Clock::time_point::max() : limits.deadline);
    if (!lev) {
      s.timed_out = true;
      break;
    }
    last_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (lev->minus_infinity) {
      s.best = std::move(lev);
      s.best_bytes = bytes;
      return s;
    }
    bool better = !s.best;
    if (!better) {
      exact::Arf u1, u2;
      arb_get_ubound_arf(u1, lev->upper_bound.get(), prec);
      arb_get_ubound_arf(u2, s.best->upper_bound.get(), prec);
      better = arf_cmp(u1, u2) < 0;
    }
    if (better) {
      s.best = std::move(lev);
      s.best_bytes = bytes;
    }
    if (k == 1) break;  // a single matrix: level 1 is kept (see the header)
  }
  return s;
}

}  // namespace lyapcert::lyapnd
