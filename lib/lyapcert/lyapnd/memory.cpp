#include "lyapcert/lyapnd/memory.hpp"

#include <algorithm>
#include <cmath>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Integer;
using exact::Rational;

// Allocation sizes (LYAPND-MEM-1): every heap block is charged 32 bytes of allocator overhead.
constexpr std::uint64_t kBlock = 32;

// An fmpz holding an integer of at most `bits` bits: the 8-byte word, and for bits > 62 an mpz
// (16-byte header in FLINT's pool) with its limbs, charged twice (GMP/FLINT may over-allocate by
// up to a factor 2 when a product is written into it).
std::uint64_t fmpz_bytes(std::uint64_t bits) {
  if (bits <= 62) return 8;
  const std::uint64_t limbs = (bits + 63) / 64 + 1;
  return 8 + 16 + kBlock + 2 * 8 * limbs;
}

// An arb_t at precision prec: 48-byte struct, mantissa of at most ceil(prec/64) + 1 limbs (charged
// twice), exponents as small fmpz.
std::uint64_t ball_bytes(slong prec) {
  const std::uint64_t limbs = static_cast<std::uint64_t>(std::max<slong>(prec, 64) + 63) / 64 + 1;
  return 48 + kBlock + 2 * 8 * limbs;
}

std::uint64_t bit_length(const Integer& x) {
  if (x == 0) return 1;
  return static_cast<std::uint64_t>(boost::multiprecision::msb(boost::multiprecision::abs(x))) + 1;
}

std::uint64_t ceil_log2(std::uint64_t x) {
  std::uint64_t b = 0;
  while ((std::uint64_t{1} << b) < x) ++b;
  return b;
}

struct Sizes {
  std::uint64_t k = 0;       // atoms of positive probability
  std::uint64_t entry = 1;   // max bit length of an integer numerator entry (M_i = N_i / D_i)
  std::uint64_t weight = 1;  // bit length of the largest integer weight w_i (p_i = w_i / W)
};

Sizes sizes_of(const laws::FiniteMatrices& f) {
  Sizes s;
  Integer W = 1;
  for (const Rational& p : f.probs)
    if (p > 0) W = boost::multiprecision::lcm(W, denominator(p));
  for (std::size_t j = 0; j < f.probs.size(); ++j) {
    if (!(f.probs[j] > 0)) continue;
    ++s.k;
    Integer den = 1;
    for (const Rational& x : f.matrices[j]) den = boost::multiprecision::lcm(den, denominator(x));
    for (const Rational& x : f.matrices[j]) s.entry = std::max(s.entry, bit_length(numerator(x) * (den / denominator(x))));
    s.entry = std::max(s.entry, bit_length(den));
    s.weight = std::max(s.weight, bit_length(numerator(f.probs[j]) * (W / denominator(f.probs[j]))));
  }
  s.weight = std::max(s.weight, bit_length(W));
  return s;
}

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

}  // namespace

std::uint64_t enumeration_memory_bytes(const laws::FiniteMatrices& f, int d, int n, slong prec) {
  // Proof: LYAPND-MEM-1. Entries of a product of j integer matrices with entries of at most B bits
  // have at most j B + (j - 1) ceil(log2 d) bits; the word weight at depth j at most j w bits.
  const Sizes s = sizes_of(f);
  const std::uint64_t dd = static_cast<std::uint64_t>(d) * d, lg = ceil_log2(static_cast<std::uint64_t>(d)) + 1;
  std::uint64_t total = 4096;  // the Enumerator object, vectors' headers, arb sum and temporaries
  const std::uint64_t mat_overhead = 64 + kBlock + 8 * d + kBlock;  // fmpz_mat struct, rows, entries block
  total = sat_add(total, s.k * (mat_overhead + dd * fmpz_bytes(s.entry) + fmpz_bytes(s.weight)));
  for (int j = 1; j <= n; ++j) {
    const std::uint64_t bits = static_cast<std::uint64_t>(j) * (s.entry + lg);
    total = sat_add(total, mat_overhead + dd * fmpz_bytes(bits));              // stack[j - 1]
    total = sat_add(total, fmpz_bytes(static_cast<std::uint64_t>(j) * s.weight));  // wstack[j - 1]
    total = sat_add(total, 256);                                                   // recursion frame
  }
  // Leaf: the squared Frobenius norm (2 n (B + lg) + 2 lg bits) and one log ball.
  total = sat_add(total, fmpz_bytes(2 * static_cast<std::uint64_t>(n) * (s.entry + lg) + 2 * lg));
  total = sat_add(total, 4 * ball_bytes(prec));
  return total;
}

std::uint64_t cycle_memory_bytes(const laws::FiniteMatrices& f, int n, slong prec, int table_length) {
  // Proof: LYAPND-MEM-1. 2 x 2 products of t atoms have entries of at most t (B + 1) bits.
  const Sizes s = sizes_of(f);
  const std::uint64_t N = static_cast<std::uint64_t>(std::max(n, 1));
  std::uint64_t total = 8192;  // walk object, certificate search buffers, temporaries (tr, det, disc, sq, ...)
  total = sat_add(total, s.k * (4 * fmpz_bytes(s.entry) + fmpz_bytes(s.weight) + ball_bytes(prec)));
  // Bound tables of cycle_bounds (4 tables of N + 1 balls at 64 bits, plus as many temporaries).
  const std::uint64_t L = static_cast<std::uint64_t>(std::max(table_length, n));
  total = sat_add(total, 8 * (L + 1) * ball_bytes(64));
  for (std::uint64_t t = 0; t <= N; ++t) {
    total = sat_add(total, 4 * fmpz_bytes(t * (s.entry + 1)) + fmpz_bytes(t * s.weight) + 8);  // prod, omega, a
    // gsum, tau, taud (walk); tau, taud, c, cd (Newton); lambda, computed, c (result); W^m
    total = sat_add(total, 10 * ball_bytes(prec) + fmpz_bytes(t * s.weight));
    total = sat_add(total, 256);  // recursion frame
  }
  return total;
}

std::uint64_t mib_to_bytes(double mib) {
  const double b = std::floor(mib * 1048576.0);
  if (!(b > 0)) return 0;
  if (b >= 1.8e19) return UINT64_MAX;
  return static_cast<std::uint64_t>(b);
}

}  // namespace lyapcert::lyapnd
