// Tests of minibatch_law against brute-force enumeration and closed forms.
#include "lyapcert/laws/minibatch.hpp"

#include <flint/fmpz_poly.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/error.hpp"

namespace {

using lyapcert::exact::Fmpz;
using lyapcert::exact::Integer;
using lyapcert::exact::Rational;
using lyapcert::laws::FiniteLaw;
using lyapcert::laws::minibatch_law;
using lyapcert::laws::MinibatchLimits;

std::uint64_t test_seed() {
  const char* s = std::getenv("LYAPCERT_SEED");
  const std::uint64_t seed = s ? std::strtoull(s, nullptr, 10) : 777u;
  std::cout << "seed = " << seed << " (replay with LYAPCERT_SEED=" << seed << ")\n";
  return seed;
}

Rational q(long a, long b = 1) { return Rational(a, b); }

// The law as a map value -> probability (merging equal values, which the law should not contain).
std::map<Rational, Rational> as_map(const FiniteLaw& law) {
  std::map<Rational, Rational> m;
  for (std::size_t j = 0; j < law.size(); ++j) m[law.value(j)] += law.prob(j);
  return m;
}

// Brute force: every ordered S-tuple of indices (with replacement) or every S-subset of indices
// (without), exact rational means, equal weights.
std::map<Rational, Rational> brute_force(const std::vector<Rational>& d, unsigned s, bool replace) {
  const std::size_t n = d.size();
  std::map<Rational, Integer> count;
  Integer total = 0;
  std::vector<std::size_t> idx(s, 0);
  auto visit = [&] {
    Rational sum = 0;
    for (auto i : idx) sum += d[i];
    count[sum / s] += 1;
    total += 1;
  };
  if (replace) {
    for (;;) {
      visit();
      std::size_t p = 0;
      while (p < s && ++idx[p] == n) idx[p++] = 0;
      if (p == s) break;
    }
  } else {
    for (std::uint64_t mask = 0; mask < (std::uint64_t(1) << n); ++mask) {
      if (static_cast<unsigned>(__builtin_popcountll(mask)) != s) continue;
      std::size_t k = 0;
      for (std::size_t i = 0; i < n; ++i)
        if (mask >> i & 1) idx[k++] = i;
      visit();
    }
  }
  std::map<Rational, Rational> m;
  for (auto& [v, c] : count) m[v] = Rational(c, total);
  return m;
}

void check_shape(const FiniteLaw& law, const Integer& total) {
  for (std::size_t j = 0; j + 1 < law.size(); ++j) ASSERT_LT(law.value(j), law.value(j + 1)) << "atom " << j;
  Fmpz t;
  lyapcert::exact::set_fmpz(t.get(), total);
  EXPECT_EQ(law.weight_den(), t);
}

Integer binom(unsigned n, unsigned k) {
  Integer r = 1;
  for (unsigned i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

TEST(Minibatch, MatchesBruteForceOnRandomSmallData) {
  std::mt19937_64 rng(test_seed());
  // Few numerators/denominators so that duplicates and coinciding sums are frequent.
  const long nums[] = {-3, -1, 0, 1, 2, 5, 7};
  const long dens[] = {1, 2, 3, 7, 10};
  std::uniform_int_distribution<int> pn(0, 6), pd(0, 4), psize(1, 7), pbatch(1, 4);
  for (int it = 0; it < 400; ++it) {
    std::vector<Rational> d(psize(rng));
    for (auto& x : d) x = q(nums[pn(rng)], dens[pd(rng)]);
    const unsigned s = pbatch(rng);
    for (bool replace : {true, false}) {
      if (!replace && s > d.size()) continue;
      const FiniteLaw law = minibatch_law(d, s, replace);
      SCOPED_TRACE("iteration " + std::to_string(it) + " N=" + std::to_string(d.size()) + " S=" +
                   std::to_string(s) + (replace ? " with" : " without") + " replacement");
      const bool all_equal = std::all_of(d.begin(), d.end(), [&](const Rational& x) { return x == d[0]; });
      check_shape(law, all_equal ? Integer(1) : replace ? Integer(pow(Integer(d.size()), s)) : binom(d.size(), s));
      ASSERT_EQ(as_map(law), brute_force(d, s, replace));
    }
  }
}

TEST(Minibatch, SeedPaperAtoms) {
  // atoms(-1, 1/2), S = 2 with replacement: means -1 (1/4), -1/4 (1/2), 1/2 (1/4).
  const std::vector<Rational> d{q(-1), q(1, 2)};
  const FiniteLaw law = minibatch_law(d, 2, true);
  const std::map<Rational, Rational> want{{q(-1), q(1, 4)}, {q(-1, 4), q(1, 2)}, {q(1, 2), q(1, 4)}};
  EXPECT_EQ(as_map(law), want);
  // Without replacement only the pair {-1, 1/2}.
  const FiniteLaw pair = minibatch_law(d, 2, false);
  EXPECT_EQ(as_map(pair), (std::map<Rational, Rational>{{q(-1, 4), q(1)}}));
}

TEST(Minibatch, DegenerateCases) {
  const std::vector<Rational> same{q(3, 7), q(3, 7), q(3, 7)};
  for (bool replace : {true, false}) {
    const FiniteLaw law = minibatch_law(same, 3, replace);
    ASSERT_EQ(law.size(), 1u);
    EXPECT_EQ(law.value(0), q(3, 7));
    EXPECT_EQ(law.prob(0), q(1));
  }
  const std::vector<Rational> d{q(1), q(-2, 3), q(5, 2), q(0)};
  const FiniteLaw all = minibatch_law(d, 4, false);  // S = N: the data mean surely
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.value(0), (q(1) + q(-2, 3) + q(5, 2)) / 4);
  const FiniteLaw one = minibatch_law(d, 1, true);  // S = 1: the empirical law
  EXPECT_EQ(as_map(one), as_map(FiniteLaw::uniform_over(d)));
}

// Exact (Fmpz) path, forced by counts above 2^64: 0/1 data, closed forms.
TEST(Minibatch, BigCountsMatchClosedForms) {
  // With replacement from {0, 1, 2}, S = 41: counts are the coefficients of (1 + x + x^2)^41.
  const std::vector<Rational> d{q(0), q(1), q(2)};
  const unsigned s = 41;
  const FiniteLaw law = minibatch_law(d, s, true);
  fmpz_poly_t p;
  fmpz_poly_init(p);
  fmpz_poly_set_coeff_si(p, 0, 1);
  fmpz_poly_set_coeff_si(p, 1, 1);
  fmpz_poly_set_coeff_si(p, 2, 1);
  fmpz_poly_pow(p, p, s);
  ASSERT_EQ(law.size(), 2u * s + 1);
  Integer total = pow(Integer(3), s);
  check_shape(law, total);
  for (unsigned j = 0; j <= 2 * s; ++j) {
    Fmpz c;
    fmpz_poly_get_coeff_fmpz(c.get(), p, j);
    EXPECT_EQ(law.value(j), q(j, s));
    EXPECT_EQ(law.prob(j), Rational(lyapcert::exact::to_integer(c.get()), total)) << j;
  }
  fmpz_poly_clear(p);

  // Without replacement from a zeros and b ones, S = 35 of N = 70 (complement path too): P(j ones) =
  // C(b, j) C(a, S - j) / C(N, S).
  const unsigned a = 30, b = 40, n = a + b;
  for (unsigned ss : {35u, 50u}) {
    std::vector<Rational> zo(a, q(0));
    zo.insert(zo.end(), b, q(1));
    const FiniteLaw wo = minibatch_law(zo, ss, false);
    check_shape(wo, binom(n, ss));
    const std::map<Rational, Rational> got = as_map(wo);
    std::map<Rational, Rational> want;
    for (unsigned j = 0; j <= ss; ++j)
      if (j <= b && ss - j <= a) want[q(j, ss)] = Rational(binom(b, j) * binom(a, ss - j), binom(n, ss));
    EXPECT_EQ(got, want) << "S = " << ss;
  }
}

// Totals between 2^64 and 2^128 take the 128-bit-count path, beyond 2^128 the FLINT-integer path: with
// replacement from {0, 1, 2, 3}, the counts are the coefficients of (1 + x + x^2 + x^3)^S (FLINT's polynomial
// power, an independent computation): S = 45 (4^45 = 2^90), S = 70 (2^140), and S = 31 (2^62, uint64) for
// comparison. LAW-MINIBATCH-1.
TEST(Minibatch, HundredTwentyEightBitCountsMatchTheExactPath) {
  const std::vector<Rational> d{q(0), q(1), q(2), q(3)};
  for (unsigned s : {31u, 45u, 70u}) {
    const FiniteLaw law = minibatch_law(d, s, true);
    fmpz_poly_t p;
    fmpz_poly_init(p);
    for (int j = 0; j < 4; ++j) fmpz_poly_set_coeff_si(p, j, 1);
    fmpz_poly_pow(p, p, s);
    ASSERT_EQ(law.size(), 3u * s + 1) << "S = " << s;
    const Integer total = pow(Integer(4), s);
    check_shape(law, total);
    for (unsigned j = 0; j <= 3 * s; ++j) {
      Fmpz c;
      fmpz_poly_get_coeff_fmpz(c.get(), p, j);
      EXPECT_EQ(law.value(j), q(j, s));
      EXPECT_EQ(law.prob(j), Rational(lyapcert::exact::to_integer(c.get()), total)) << "S = " << s << " j = " << j;
    }
    fmpz_poly_clear(p);
  }
}

// Laws with more than 2^16 last-layer contributions, where the sort of the DP output takes its two-level path
// (one MSD pass on the top 11 key bits, then an in-cache LSD per bucket), against independent counts:
// (a) integer data below 5000, S = 4 with replacement: the coefficients of (sum_i x^{d_i})^4 (FLINT polynomial
//     power); keys of 15 bits (one local digit);
// (b) 9-digit integer data, S = 4 with and without replacement: an explicit enumeration of the multisets
//     i <= j <= k <= l with their multinomial counts 4!/prod(mult!) (or of the subsets i < j < k < l), merged in a
//     std::map; keys of about 32 bits (two local digits).
TEST(Minibatch, LargeLawsMatchIndependentCounts) {
  std::mt19937_64 rng(test_seed());
  {
    std::uniform_int_distribution<long> u(0, 4999);
    std::vector<Rational> d;
    fmpz_poly_t p;
    fmpz_poly_init(p);
    for (int i = 0; i < 60; ++i) {
      const long v = u(rng);
      d.push_back(q(v));
      Fmpz c;
      fmpz_poly_get_coeff_fmpz(c.get(), p, v);
      fmpz_add_ui(c.get(), c.get(), 1);
      fmpz_poly_set_coeff_fmpz(p, v, c.get());
    }
    fmpz_poly_pow(p, p, 4);
    const FiniteLaw law = minibatch_law(d, 4, true);
    const Integer total = pow(Integer(60), 4);
    check_shape(law, total);
    std::size_t j = 0;
    for (slong e = 0; e <= fmpz_poly_degree(p); ++e) {
      Fmpz c;
      fmpz_poly_get_coeff_fmpz(c.get(), p, e);
      if (fmpz_is_zero(c.get())) continue;
      ASSERT_LT(j, law.size());
      ASSERT_EQ(law.value(j), q(e, 4)) << "atom " << j;
      ASSERT_EQ(law.prob(j), Rational(lyapcert::exact::to_integer(c.get()), total)) << "atom " << j;
      ++j;
    }
    EXPECT_EQ(j, law.size());
    fmpz_poly_clear(p);
  }
  std::uniform_int_distribution<long> u(0, 999999999);
  std::vector<long> v(40);
  for (auto& x : v) x = u(rng);
  std::vector<Rational> d;
  for (long x : v) d.push_back(q(x));
  for (bool replace : {true, false}) {
    SCOPED_TRACE(replace ? "with replacement" : "without replacement");
    std::map<long, std::uint64_t> count;
    const std::size_t n = v.size();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = replace ? i : i + 1; j < n; ++j)
        for (std::size_t k = replace ? j : j + 1; k < n; ++k)
          for (std::size_t l = replace ? k : k + 1; l < n; ++l) {
            std::uint64_t c = 1;
            if (replace) {  // 4! / prod(multiplicity!) orderings of the multiset {i, j, k, l}
              const std::size_t idx[4] = {i, j, k, l};
              std::uint64_t den = 1, run = 1;
              for (int t = 1; t < 4; ++t) {
                run = idx[t] == idx[t - 1] ? run + 1 : 1;
                den *= run;
              }
              c = 24 / den;
            }
            count[v[i] + v[j] + v[k] + v[l]] += c;
          }
    const FiniteLaw law = minibatch_law(d, 4, replace);
    const Integer total = replace ? pow(Integer(40), 4) : binom(40, 4);
    check_shape(law, total);
    ASSERT_EQ(law.size(), count.size());
    std::size_t j = 0;
    for (const auto& [sum, c] : count) {
      ASSERT_EQ(law.value(j), q(sum, 4)) << "atom " << j;
      ASSERT_EQ(law.prob(j), Rational(Integer(c), total)) << "atom " << j;
      ++j;
    }
  }
}

// Fast path with closed forms: 0/1 data with replacement, P(j ones) = C(S, j) b^j a^(S-j) / N^S.
TEST(Minibatch, BinomialClosedForm) {
  const unsigned a = 25, b = 35, s = 10;
  std::vector<Rational> zo(b, q(1));
  zo.insert(zo.end(), a, q(0));
  const FiniteLaw law = minibatch_law(zo, s, true);
  std::map<Rational, Rational> want;
  for (unsigned j = 0; j <= s; ++j)
    want[q(j, s)] = Rational(binom(s, j) * pow(Integer(b), j) * pow(Integer(a), s - j), pow(Integer(a + b), s));
  EXPECT_EQ(as_map(law), want);
}

// Many distinct values on a small grid: the last DP layer is a hash table (not the append list).
// With replacement: counts are the coefficients of (1 + x + ... + x^199)^4; without: a direct
// triple loop over 3-subsets of {0, ..., 199}.
TEST(Minibatch, GridLimitedLaws) {
  std::vector<Rational> d;
  for (long i = 0; i < 200; ++i) d.push_back(q(i, 5));
  const FiniteLaw law = minibatch_law(d, 4, true);
  fmpz_poly_t p;
  fmpz_poly_init(p);
  for (long i = 0; i < 200; ++i) fmpz_poly_set_coeff_si(p, i, 1);
  fmpz_poly_pow(p, p, 4);
  ASSERT_EQ(law.size(), 4u * 199 + 1);
  const Integer total = pow(Integer(200), 4);
  for (unsigned j = 0; j < law.size(); ++j) {
    Fmpz c;
    fmpz_poly_get_coeff_fmpz(c.get(), p, j);
    ASSERT_EQ(law.value(j), q(j, 20));
    ASSERT_EQ(law.prob(j), Rational(lyapcert::exact::to_integer(c.get()), total)) << j;
  }
  fmpz_poly_clear(p);

  std::map<Rational, Integer> count;
  for (long i = 0; i < 200; ++i)
    for (long j = i + 1; j < 200; ++j)
      for (long k = j + 1; k < 200; ++k) count[q(i + j + k, 15)] += 1;
  std::map<Rational, Rational> want;
  for (auto& [v, c] : count) want[v] = Rational(c, binom(200, 3));
  EXPECT_EQ(as_map(minibatch_law(d, 3, false)), want);
}

// Huge values push the grid sums above 2^62 (exact path); compare with brute force.
TEST(Minibatch, HugeValuesUseExactPath) {
  const Rational big = Rational(Integer("1000000000000000000000000000001"), 3);
  const std::vector<Rational> d{big, q(-1, 2), q(0), -big, big};
  for (unsigned s = 1; s <= 4; ++s)
    for (bool replace : {true, false}) {
      const FiniteLaw law = minibatch_law(d, s, replace);
      EXPECT_EQ(as_map(law), brute_force(d, s, replace)) << "S = " << s << " replace = " << replace;
    }
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const lyapcert::InputError& e) {
    return e.what();
  }
  return "<no InputError>";
}

TEST(Minibatch, InputErrors) {
  const std::vector<Rational> none, three{q(1), q(2), q(3)};
  EXPECT_NE(error_of([&] { minibatch_law(none, 1, true); }).find("empty dataset"), std::string::npos);
  EXPECT_NE(error_of([&] { minibatch_law(three, 0, true); }).find("S = 0"), std::string::npos);
  const std::string big = error_of([&] { minibatch_law(three, 4, false); });
  EXPECT_NE(big.find("S = 4 exceeds the N = 3"), std::string::npos) << big;
  EXPECT_NO_THROW(minibatch_law(three, 4, true));

  // i^4, i = 1..100: the grid bound (4 * (100^4 - 1)/15 + 1) exceeds C(103, 4) = 4421275.
  std::vector<Rational> quart;
  for (long i = 1; i <= 100; ++i) quart.push_back(q(i * i * i * i));
  MinibatchLimits small;
  small.max_atoms = 1000;
  const std::string msg = error_of([&] { minibatch_law(quart, 4, true, small); });
  EXPECT_NE(msg.find("up to 4421275 atoms"), std::string::npos) << msg;
  EXPECT_NE(msg.find("max_atoms = 1000"), std::string::npos) << msg;
  // Without replacement: C(100, 4) = 3921225.
  const std::string msg2 = error_of([&] { minibatch_law(quart, 4, false, small); });
  EXPECT_NE(msg2.find("up to 3921225 atoms"), std::string::npos) << msg2;
  // Grid bound: 0/1 data, S = 4 -> at most 5 atoms, accepted even with max_atoms = 5.
  MinibatchLimits five;
  five.max_atoms = 5;
  std::vector<Rational> zo(50, q(0));
  zo.insert(zo.end(), 50, q(1));
  EXPECT_EQ(minibatch_law(zo, 4, true, five).size(), 5u);
  // Work limit.
  MinibatchLimits few;
  few.max_steps = 100;
  const std::string msg3 = error_of([&] { minibatch_law(zo, 200, true, few); });
  EXPECT_NE(msg3.find("DP steps"), std::string::npos) << msg3;
}

// Performance target of the brief: N = 100 generic values, S = 4 with replacement. Runtime printed, not asserted
// (a correctness suite, not a benchmark: a 10 s ceiling here failed only on a loaded machine; bench/ measures it).
TEST(Minibatch, HundredValuesBatchFour) {
  std::mt19937_64 rng(test_seed());
  std::uniform_int_distribution<long> u(0, 999999999);
  std::vector<Rational> d;
  for (long j = 1; j <= 100; ++j) d.push_back(q(j, 100) + Rational(u(rng), 1000000000));
  const auto t0 = std::chrono::steady_clock::now();
  const FiniteLaw law = minibatch_law(d, 4, true);
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << law.size() << " atoms in " << sec << " s\n";
  EXPECT_LE(law.size(), 4421275u);
  EXPECT_GT(law.size(), 4400000u);  // generic 9-digit data: (almost) all sums distinct
  // Exact mean: E[h_B] = mean of the data.
  Rational mean = 0;
  for (auto& x : d) mean += x;
  EXPECT_EQ(law.mean(), mean / 100);
}

}  // namespace
