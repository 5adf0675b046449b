// Monte Carlo throughput (docs/statistics.md "Speed"): kernels on one core for each instruction
// set the CPU has, and the full estimators. Steps include random number generation. The 2-thread
// estimator runs measure process CPU time (both threads), so their items/s is per core; their wall
// time is meaningful only on an otherwise idle machine. numpy side: bench/numpy_stats.py.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/stats/estimator.hpp"
#include "lyapcert/stats/kernels.hpp"

namespace st = lyapcert::stats;
namespace kn = lyapcert::stats::kernels;

namespace {
bool skip_unavailable(benchmark::State& state, kn::Isa isa) {
  if (kn::isa_available(isa)) return false;
  state.SkipWithError("instruction set not available on this CPU");
  return true;
}
}  // namespace

// Items: 64-bit words (two per Philox4x32-10 call).
static void BM_Philox(benchmark::State& state, kn::Isa isa) {
  if (skip_unavailable(state, isa)) return;
  std::vector<std::uint64_t> w(4096);
  std::uint32_t b = 0;
  for (auto _ : state) {
    kn::fill_bits(isa, {1, b++, 0, 0}, w.data(), w.size());
    benchmark::DoNotOptimize(w.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(w.size()));
}

static void BM_Normal(benchmark::State& state, kn::Isa isa) {
  if (skip_unavailable(state, isa)) return;
  std::vector<double> x(4096);
  std::uint32_t b = 0;
  for (auto _ : state) {
    kn::fill_normal(isa, {1, b++, 0, 0}, x.data(), x.size());
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(x.size()));
}

static void BM_LogAbs(benchmark::State& state, kn::Isa isa) {
  if (skip_unavailable(state, isa)) return;
  std::vector<double> x(4096), y(4096);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001 + 0.37 * static_cast<double>(i);
  for (auto _ : state) {
    kn::log_abs(isa, x.data(), y.data(), x.size());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(x.size()));
}

#define LYAPCERT_ISA_BENCH(fn)                                  \
  BENCHMARK_CAPTURE(fn, generic, kn::Isa::generic);             \
  BENCHMARK_CAPTURE(fn, sse2, kn::Isa::sse2);                   \
  BENCHMARK_CAPTURE(fn, avx2, kn::Isa::avx2);                   \
  BENCHMARK_CAPTURE(fn, avx512, kn::Isa::avx512)
LYAPCERT_ISA_BENCH(BM_Philox);
LYAPCERT_ISA_BENCH(BM_Normal);
LYAPCERT_ISA_BENCH(BM_LogAbs);

static void BM_StdLog(benchmark::State& state) {
  std::vector<double> x(4096), y(4096);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001 + 0.37 * static_cast<double>(i);
  for (auto _ : state) {
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = std::log(x[i]);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(x.size()));
}
BENCHMARK(BM_StdLog);

// Full estimator: items = product steps (including random draws), threads as given.
static void BM_Estimate(benchmark::State& state, const char* law_text, unsigned threads) {
  const auto law = lyapcert::laws::parse_matrix_law(law_text);
  st::EstimateOptions o;
  o.steps = 1 << 20;
  o.reps = 16;
  o.threads = threads;
  for (auto _ : state) benchmark::DoNotOptimize(st::estimate(law, o).estimate);
  state.SetItemsProcessed(state.iterations() * static_cast<long>(o.steps * o.reps));
}
BENCHMARK_CAPTURE(BM_Estimate, sgd_normal_1thread, "sgd(1/2, normal(1, 2))", 1u)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Estimate, sgd_normal_2threads, "sgd(1/2, normal(1, 2))", 2u)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK_CAPTURE(BM_Estimate, ginibre2_1thread, "ginibre(2, 1)", 1u)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Estimate, ginibre2_2threads, "ginibre(2, 1)", 2u)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK_CAPTURE(BM_Estimate, isotropic2_1thread, "isotropic(2, 1)", 1u)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Estimate, isotropic2_2threads, "isotropic(2, 1)", 2u)
    ->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
