// Exact minibatch laws by a sparse (count, sum) dynamic programme. Derivation: proofs/laws/minibatch.md.
#include "lyapcert/laws/minibatch.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::laws {
namespace {

using exact::Integer;
using u64 = std::uint64_t;
using u128 = unsigned __int128;

// The data on an integer grid: d_i * L = k_min + g * m_i with integers m_i >= 0 (Proof: LAW-MINIBATCH-1,
// step "grid"). Distinct coordinates m (increasing) with their multiplicities.
struct Grid {
  Integer lcm_den = 1, k_min, step, total_k = 0;  // L, k_min, g, T = sum_i d_i L
  std::vector<Integer> coord;
  std::vector<u64> mult;
  Integer span() const { return coord.back(); }
};

Grid make_grid(std::span<const Rational> data) {
  Grid grid;
  for (const Rational& d : data) grid.lcm_den = boost::multiprecision::lcm(grid.lcm_den, denominator(d));
  std::vector<Integer> k;
  k.reserve(data.size());
  for (const Rational& d : data) k.push_back(numerator(d) * (grid.lcm_den / denominator(d)));
  std::sort(k.begin(), k.end());
  grid.k_min = k.front();
  Integer g = 0;
  for (const Integer& x : k) {
    grid.total_k += x;
    g = boost::multiprecision::gcd(g, Integer(x - grid.k_min));
  }
  grid.step = g == 0 ? Integer(1) : g;
  for (const Integer& x : k) {
    Integer m = (x - grid.k_min) / grid.step;
    if (!grid.coord.empty() && grid.coord.back() == m) {
      ++grid.mult.back();
    } else {
      grid.coord.push_back(std::move(m));
      grid.mult.push_back(1);
    }
  }
  return grid;
}

// C(n, k), or some value > cap when C(n, k) > cap. With k' = min(k, n - k) the partial products
// C(n - k' + i, i) increase by factors >= 2, so the loop stops after about log2(cap) steps.
Integer binomial_capped(const Integer& n, const Integer& k, const Integer& cap) {
  if (k < 0 || k > n) return 0;
  const Integer kk = std::min(k, Integer(n - k));
  Integer r = 1;
  for (Integer i = 1; i <= kk; ++i) {
    r = r * (n - kk + i) / i;
    if (r > cap) return r;
  }
  return r;
}

Integer pow_capped(const Integer& base, u64 e, const Integer& cap) {
  Integer r = 1;
  for (u64 i = 0; i < e; ++i) {
    r *= base;
    if (r > cap) return r;
  }
  return r;
}

// Allocator for the big flat buffers: 2 MiB-aligned blocks advised as transparent huge pages, which
// cuts the number of page faults (expensive on virtual machines) by up to 512x. Performance only.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t(1) << 21;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only; failure is harmless
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHuge) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

// ---------------------------------------------------------------------------------------------------
// Fast paths: grid sums < 2^62 as keys, counts in uint64 or, when the total N^S (or C(N, S)) reaches 2^64, in
// unsigned 128-bit words (overflow is detected and reported). Without the 128-bit path such laws went to the
// FLINT-integer hash map below, 20-40 times slower per update (docs/performance.md).

template <class C>
class SumTable {
 public:
  static constexpr u64 kEmpty = ~u64(0);
  struct Slot {
    u64 key;
    C count;
  };

  // count(key) += c; false on overflow of C.
  bool add(u64 key, C c) {
    if (4 * (size_ + 1) > 3 * slots_.size()) grow();
    std::size_t i = index(key);
    for (;;) {
      Slot& s = slots_[i];
      if (s.key == key) return !__builtin_add_overflow(s.count, c, &s.count);
      if (s.key == kEmpty) {
        s = {key, c};
        ++size_;
        return true;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
  }
  std::size_t size() const { return size_; }
  const std::vector<Slot, HugePageAllocator<Slot>>& slots() const { return slots_; }

 private:
  std::size_t index(u64 key) const { return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - bits_)); }
  void grow() {
    std::vector<Slot, HugePageAllocator<Slot>> old = std::move(slots_);
    bits_ = old.empty() ? 4 : bits_ + 1;
    slots_.assign(std::size_t(1) << bits_, Slot{kEmpty, 0});
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      std::size_t i = index(s.key);
      while (slots_[i].key != kEmpty) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
    }
  }
  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  std::size_t size_ = 0;
  int bits_ = 0;
};

template <class C>
using SlotVector = std::vector<typename SumTable<C>::Slot, HugePageAllocator<typename SumTable<C>::Slot>>;

// LSD radix sort of the slots in [src, src + n) by the key bits below `bits` (11-bit digits), using dst as
// scratch; returns the buffer that holds the sorted result (src or dst).
template <class Slot>
Slot* lsd_sort(Slot* src, Slot* dst, std::size_t n, int bits) {
  for (int shift = 0; shift < bits; shift += 11) {
    std::array<std::size_t, 2049> pos{};
    for (std::size_t i = 0; i < n; ++i) ++pos[((src[i].key >> shift) & 2047) + 1];
    for (std::size_t i = 1; i < pos.size(); ++i) pos[i] += pos[i - 1];
    for (std::size_t i = 0; i < n; ++i) dst[pos[(src[i].key >> shift) & 2047]++] = src[i];
    std::swap(src, dst);
  }
  return src;
}

// Radix sort of slots by key (keys <= max_key < 2^62). Large arrays: one MSD pass on the top 11 bits of the key
// range into 2048 buckets, then an LSD sort of each bucket on the remaining bits, which fits in the cache; the
// big array is read and scattered once instead of once per digit (docs/performance.md). A sort: the merged
// result does not depend on how it is done.
template <class C>
void radix_sort(SlotVector<C>& a, u64 max_key) {
  using Slot = typename SumTable<C>::Slot;
  int bits = 0;
  while (bits < 64 && (max_key >> bits) != 0) ++bits;  // every key < 2^bits
  SlotVector<C> tmp(a.size());
  if (a.size() < (std::size_t(1) << 16) || bits <= 11) {
    if (lsd_sort(a.data(), tmp.data(), a.size(), bits) != a.data()) a.swap(tmp);
    return;
  }
  const int shift = bits - 11;  // the top 11 bits pick the bucket
  std::array<std::size_t, 2049> pos{};
  for (const auto& s : a) ++pos[(s.key >> shift) + 1];
  for (std::size_t i = 1; i < pos.size(); ++i) pos[i] += pos[i - 1];
  const std::array<std::size_t, 2049> start = pos;
  for (const auto& s : a) tmp[pos[s.key >> shift]++] = s;
  std::size_t largest = 0;
  for (std::size_t b = 0; b < 2048; ++b) largest = std::max(largest, start[b + 1] - start[b]);
  std::vector<Slot> scratch(largest);
  for (std::size_t b = 0; b < 2048; ++b) {
    const std::size_t n = start[b + 1] - start[b];
    if (n < 2) continue;
    Slot* first = tmp.data() + start[b];
    Slot* sorted = lsd_sort(first, scratch.data(), n, shift);
    if (sorted != first) std::copy(sorted, sorted + n, first);
  }
  a.swap(tmp);
}

// Sorts (sum, count) pairs by sum and merges equal sums; false on overflow of C.
template <class C>
bool sort_and_merge(SlotVector<C>& a, u64 max_key) {
  radix_sort<C>(a, max_key);
  std::size_t w = 0;
  for (std::size_t r = 0; r < a.size(); ++r) {
    if (w > 0 && a[w - 1].key == a[r].key) {
      if (__builtin_add_overflow(a[w - 1].count, a[r].count, &a[w - 1].count)) return false;
    } else {
      a[w++] = a[r];
    }
  }
  a.resize(w);
  return true;
}

// The (count, sum) DP of LAW-MINIBATCH-1 with counts of type C (uint64 or unsigned 128-bit). Returns false on
// overflow (then the caller reruns the exact Fmpz version). On success `out` holds (grid sum, count) sorted by
// sum. The last layer is never read during the DP; when `append_last` it is an unsorted list of contributions
// (one per multiset, sorted and merged at the end: sequential writes, no hashing).
template <class C>
bool dp_fast(const Grid& grid, u64 sp, bool replace, bool append_last, SlotVector<C>& out) {
  std::vector<SumTable<C>> layer(sp + 1);
  layer[0].add(0, 1);
  out.clear();
  std::vector<C> w(sp + 1);
  for (std::size_t v = 0; v < grid.coord.size(); ++v) {
    const u64 m = static_cast<u64>(grid.coord[v]);
    const u64 c = grid.mult[v];
    for (u64 k = sp; k-- > 0;) {
      if (layer[k].size() == 0) continue;
      // Weights w_t: C(k+t, t) c^t ordered interleavings (replace) or C(c, t) choices of copies.
      const u64 tmax = replace ? sp - k : std::min<u64>(c, sp - k);
      u128 wt = 1;
      for (u64 t = 1; t <= tmax; ++t) {
        // exact divisions (Proof: LAW-MINIBATCH-1); every product overflow-checked in 128 bits
        if (__builtin_mul_overflow(wt, replace ? u128(k + t) : u128(c - t + 1), &wt)) return false;
        wt /= t;
        if (replace && __builtin_mul_overflow(wt, u128(c), &wt)) return false;
        if (wt > u128(std::numeric_limits<C>::max())) return false;
        w[t] = static_cast<C>(wt);
      }
      for (const auto& s : layer[k].slots()) {
        if (s.key == SumTable<C>::kEmpty) continue;
        u64 key = s.key;
        for (u64 t = 1; t <= tmax; ++t) {
          key += m;  // < 2^62 by the caller's check sp * span < 2^62
          C cnt;
          if (__builtin_mul_overflow(s.count, w[t], &cnt)) return false;
          if (append_last && k + t == sp) {
            out.push_back({key, cnt});
          } else if (!layer[k + t].add(key, cnt)) {
            return false;
          }
        }
      }
    }
  }
  if (!append_last) {
    out.reserve(layer[sp].size());
    for (const auto& s : layer[sp].slots())
      if (s.key != SumTable<C>::kEmpty) out.push_back(s);
  }
  layer.clear();
  return sort_and_merge<C>(out, static_cast<u64>(grid.span() * sp));
}

void set_count(fmpz_t out, u64 c) { fmpz_set_ui(out, c); }
void set_count(fmpz_t out, u128 c) { fmpz_set_uiui(out, static_cast<ulong>(c >> 64), static_cast<ulong>(c)); }

// ---------------------------------------------------------------------------------------------------
// Exact path: Fmpz keys and counts.

struct FmpzHash {
  std::size_t operator()(const Fmpz& x) const { return fmpz_fdiv_ui(x.get(), 0xffffffffffffffc5ull); }
};
using GeneralTable = std::unordered_map<Fmpz, Fmpz, FmpzHash>;

std::vector<std::pair<Fmpz, Fmpz>> dp_general(const Grid& grid, u64 sp, bool replace) {
  std::vector<GeneralTable> layer(sp + 1);
  layer[0].emplace(Fmpz(), Fmpz(1));
  std::vector<Fmpz> w(sp + 1);
  Fmpz key, cnt, m, c, ct;
  for (std::size_t v = 0; v < grid.coord.size(); ++v) {
    exact::set_fmpz(m.get(), grid.coord[v]);
    fmpz_set_ui(c.get(), grid.mult[v]);
    for (u64 k = sp; k-- > 0;) {
      if (layer[k].empty()) continue;
      const u64 tmax = replace ? sp - k : std::min<u64>(grid.mult[v], sp - k);
      for (u64 t = 1; t <= tmax; ++t) {
        if (replace) {
          fmpz_bin_uiui(w[t].get(), k + t, t);
          fmpz_pow_ui(ct.get(), c.get(), t);
          fmpz_mul(w[t].get(), w[t].get(), ct.get());
        } else {
          fmpz_bin_uiui(w[t].get(), grid.mult[v], t);
        }
      }
      for (const auto& [s, n] : layer[k]) {
        fmpz_set(key.get(), s.get());
        for (u64 t = 1; t <= tmax; ++t) {
          fmpz_add(key.get(), key.get(), m.get());
          fmpz_mul(cnt.get(), n.get(), w[t].get());
          auto [it, fresh] = layer[k + t].try_emplace(key, cnt);
          if (!fresh) fmpz_add(it->second.get(), it->second.get(), cnt.get());
        }
      }
    }
  }
  std::vector<std::pair<Fmpz, Fmpz>> out;
  out.reserve(layer[sp].size());
  for (auto& [s, n] : layer[sp]) out.emplace_back(s, n);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

[[noreturn]] void refuse(const std::string& what) { throw InputError("minibatch law: " + what); }

}  // namespace

FiniteLaw minibatch_law(std::span<const Rational> data, std::uint64_t batch, bool replace,
                        const MinibatchLimits& limits) {
  const u64 n = data.size();
  if (n == 0) refuse("empty dataset");
  if (batch == 0) refuse("batch size S = 0");
  if (!replace && batch > n)
    refuse(fmt::format("batch size S = {} exceeds the N = {} data points (sampling without replacement)", batch, n));
  const char* mode = replace ? "with" : "without";

  Grid grid = make_grid(data);
  const u64 distinct = grid.coord.size();
  Integer big_s = Integer(batch);
  Integer denom = grid.lcm_den * big_s;  // common value denominator S * L

  if (distinct == 1) {  // all data equal: h_B = d_1 surely
    Fmpz num, den;
    exact::set_fmpz(num.get(), Integer(grid.k_min * big_s));
    exact::set_fmpz(den.get(), denom);
    return FiniteLaw({num}, {den}, {Fmpz(1)}, Fmpz(1));
  }

  // Without replacement, a subset and its complement determine each other: enumerate the smaller
  // size sp = min(S, N - S) and map sums s -> T - s (Proof: LAW-MINIBATCH-1, step "complement").
  const bool complement = !replace && 2 * batch > n;
  const u64 sp = complement ? n - batch : batch;

  // Proved bounds on the number of atoms and on the DP work (Proof: LAW-MINIBATCH-1, step "bounds").
  const Integer cap = Integer(1) << 128;
  const Integer nd = Integer(distinct), isp = Integer(sp);
  Integer atoms_bound = binomial_capped(nd + isp - 1, isp, cap);
  if (!replace) atoms_bound = std::min(atoms_bound, binomial_capped(Integer(n), isp, cap));
  atoms_bound = std::min(atoms_bound, Integer(isp * grid.span() + 1));
  if (atoms_bound > limits.max_atoms)
    refuse(fmt::format("the mean of S = {} draws {} replacement from N = {} values ({} distinct) can have up to {} "
                       "atoms, more than max_atoms = {}",
                       batch, mode, n, distinct, atoms_bound.str(), limits.max_atoms));
  Integer steps = binomial_capped(nd + isp, isp, cap);
  if (steps > limits.max_steps && sp <= 1'000'000) {
    Integer alt = 0;  // sum over values and layers k < sp of |layer k| * (sp - k)
    for (u64 k = 0; k < sp && alt <= cap; ++k) {
      Integer bk = std::min(binomial_capped(nd + k - 1, Integer(k), cap), Integer(grid.span() * k + 1));
      alt += nd * bk * (sp - k);
    }
    steps = std::min(steps, alt);
  }
  const Integer total = replace ? pow_capped(Integer(n), batch, Integer(1) << 128)
                                : binomial_capped(Integer(n), Integer(batch), Integer(1) << 128);
  const bool keys_fit = isp * grid.span() < (Integer(1) << 62);
  const bool fast64 = total < (Integer(1) << 64) && keys_fit;
  const bool fast = total < (Integer(1) << 128) && keys_fit;  // uint64 or 128-bit counts
  if (!fast) {
    // Weight by the size of the counts (each bignum update costs about bits/64 word operations) and by the cost
    // of the FLINT-integer hash map, measured at 2.5 times a 128-bit update (docs/performance.md): rounded up to 3,
    // so that max_steps means about the same time on both paths.
    const Integer total_bits = replace ? Integer(msb(Integer(n)) + 1) * batch : Integer(n);
    steps *= 3 * std::max(Integer(1), Integer(total_bits / 64));
  }
  if (steps > limits.max_steps)
    refuse(fmt::format("the mean of S = {} draws {} replacement from N = {} values ({} distinct) needs about {} DP "
                       "steps, more than max_steps = {}",
                       batch, mode, n, distinct, steps.str(), limits.max_steps));

  // Value of the atom with grid sum M over sp points: (A + sign * g * M) / (S L) with
  // A = S k_min (direct) or T - sp k_min (complement).
  const Integer offset = complement ? Integer(grid.total_k - isp * grid.k_min) : Integer(big_s * grid.k_min);
  Fmpz a_z, g_z, den_z;
  exact::set_fmpz(a_z.get(), offset);
  exact::set_fmpz(g_z.get(), grid.step);
  if (complement) fmpz_neg(g_z.get(), g_z.get());
  exact::set_fmpz(den_z.get(), denom);

  std::vector<Fmpz> vnum, vden, wnum;
  auto reserve = [&](std::size_t k) {
    vnum.resize(k);
    vden.assign(k, den_z);
    wnum.resize(k);
  };
  Fmpz total_z;
  // Proof: LAW-MINIBATCH-1 ("Overflow") -- every count is at most the total, so uint64 (total < 2^64) or 128-bit
  // counts (total < 2^128) cannot overflow; the checks stay, and on overflow the exact path runs.
  auto run_fast = [&](auto zero_count) -> bool {
    using C = decltype(zero_count);
    SlotVector<C> atoms;
    // Append mode when the number of contributions to the last layer (at most the number of
    // multisets) is within a small factor of the atom bound: memory stays O(atoms).
    const Integer multisets = binomial_capped(nd + isp - 1, isp, cap);
    const bool append_last = sp > 0 && multisets <= 2 * atoms_bound + (Integer(1) << 20);
    if (append_last) atoms.reserve(static_cast<std::size_t>(std::min(multisets, Integer(atoms_bound * 2 + (1 << 20)))));
    if (dp_fast<C>(grid, sp, replace, append_last, atoms)) {
      reserve(atoms.size());
      // Small offsets and steps: compute the numerators in int64 (|A| + |g| M < 2^62 checked).
      const bool small = fmpz_fits_si(a_z.get()) && fmpz_fits_si(g_z.get()) &&
                         abs(offset) + grid.step * (isp * grid.span()) < (Integer(1) << 62);
      const slong a_s = small ? fmpz_get_si(a_z.get()) : 0, g_s = small ? fmpz_get_si(g_z.get()) : 0;
      for (std::size_t j = 0; j < atoms.size(); ++j) {
        const std::size_t out = complement ? atoms.size() - 1 - j : j;  // increasing values
        if (small) {
          fmpz_set_si(vnum[out].get(), a_s + g_s * static_cast<slong>(atoms[j].key));
        } else {
          fmpz_mul_ui(vnum[out].get(), g_z.get(), atoms[j].key);
          fmpz_add(vnum[out].get(), vnum[out].get(), a_z.get());
        }
        set_count(wnum[out].get(), atoms[j].count);
      }
      exact::set_fmpz(total_z.get(), total);
      return true;
    }
    return false;
  };
  if (fast && (fast64 ? run_fast(u64(0)) : run_fast(u128(0)))) {
    return FiniteLaw(std::move(vnum), std::move(vden), std::move(wnum), std::move(total_z));
  }
  auto atoms = dp_general(grid, sp, replace);
  reserve(atoms.size());
  for (std::size_t j = 0; j < atoms.size(); ++j) {
    const std::size_t out = complement ? atoms.size() - 1 - j : j;
    fmpz_mul(vnum[out].get(), g_z.get(), atoms[j].first.get());
    fmpz_add(vnum[out].get(), vnum[out].get(), a_z.get());
    wnum[out] = std::move(atoms[j].second);
  }
  if (replace) {
    fmpz_set_ui(total_z.get(), n);
    fmpz_pow_ui(total_z.get(), total_z.get(), batch);
  } else {
    fmpz_bin_uiui(total_z.get(), n, batch);
  }
  return FiniteLaw(std::move(vnum), std::move(vden), std::move(wnum), std::move(total_z));
}

}  // namespace lyapcert::laws
