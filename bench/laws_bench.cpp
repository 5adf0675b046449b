// Construction time of exact minibatch laws (figures go to docs/performance.md).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/minibatch.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace {

using lyapcert::exact::Rational;

// N values j/100 + u_j / 10^digits (u_j uniform, fixed seed 777): generic data, almost all sums distinct.
std::vector<Rational> generic_data(long n, int digits) {
  std::mt19937_64 rng(777);
  long scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::uniform_int_distribution<long> u(0, scale - 1);
  std::vector<Rational> d;
  for (long j = 1; j <= n; ++j) d.push_back(Rational(j, 100) + Rational(u(rng), scale));
  return d;
}

// args: N, S, replace, digits
void BM_MinibatchLaw(benchmark::State& state) {
  const auto data = generic_data(state.range(0), static_cast<int>(state.range(3)));
  std::size_t atoms = 0;
  for (auto _ : state) {
    auto law = lyapcert::laws::minibatch_law(data, static_cast<std::uint64_t>(state.range(1)), state.range(2) != 0);
    atoms = law.size();
    benchmark::DoNotOptimize(law);
  }
  state.counters["atoms"] = static_cast<double>(atoms);
}

BENCHMARK(BM_MinibatchLaw)
    ->Args({100, 4, 1, 9})  // the brief's target: 4,421,275 multisets
    ->Args({100, 4, 1, 3})  // 3-digit decimals: grid-limited, many coinciding sums
    ->Args({100, 4, 0, 9})  // without replacement: C(100, 4) = 3,921,225 subsets
    ->Args({1000, 2, 1, 9})
    ->Args({30, 6, 1, 9})
    ->Args({120, 4, 1, 9})  // near max_atoms: 8,861,025 multisets
    ->Args({300, 8, 1, 2})  // N^S = 6.6e19 >= 2^64: 128-bit counts (before: the FLINT-integer path)
    ->Args({60, 12, 1, 2})  // N^S = 2.2e21 >= 2^64, 12 layers
    ->Args({1000, 4, 1, 3})  // grid-limited, many DP steps for few atoms
    ->Args({2000, 5, 1, 2})
    ->Args({100, 20, 1, 2})  // N^S = 10^40 >= 2^128: the FLINT-integer path
    ->Unit(benchmark::kMillisecond);

// The end-to-end target: law and 15-digit exponent (lr = 1/2) together.
void BM_MinibatchLawAndExponent(benchmark::State& state) {
  const auto data = generic_data(100, 9);
  for (auto _ : state) {
    lyapcert::laws::CurvatureLaw law(lyapcert::laws::minibatch_law(data, 4, true));
    auto r = lyapcert::lyap::certify_lyap1d(law, Rational(1, 2), lyapcert::lyap::Accuracy{15, 65536});
    benchmark::DoNotOptimize(r.converged);
  }
}
BENCHMARK(BM_MinibatchLawAndExponent)->Unit(benchmark::kMillisecond);

}  // namespace
