// Boundary search (lyapcert::boundary::find_boundaries). Target: sqnormal(0, 1) at 30 digits
// over the default range in under 1 s. Figures are recorded in docs/boundary.md, never asserted.
#include <benchmark/benchmark.h>

#include "lyapcert/boundary.hpp"
#include "lyapcert/laws/curvature.hpp"

namespace {

void run(benchmark::State& state, const char* law_text, int digits, const char* lo = nullptr,
         const char* hi = nullptr) {
  const auto law = lyapcert::laws::parse_curvature_law(law_text);
  lyapcert::boundary::BoundaryOptions o;
  o.digits = digits;
  if (lo) o.lr_min = lyapcert::exact::parse_rational(lo);
  if (hi) o.lr_max = lyapcert::exact::parse_rational(hi);
  std::size_t roots = 0;
  for (auto _ : state) {
    const auto r = lyapcert::boundary::find_boundaries(law, o);
    roots = r.roots.size() + r.slivers.size();
    benchmark::DoNotOptimize(roots);
  }
  state.counters["zeros"] = static_cast<double>(roots);
}

void BM_SqNormal30(benchmark::State& s) { run(s, "sqnormal(0, 1)", 30); }
void BM_SqNormal100(benchmark::State& s) { run(s, "sqnormal(0, 1)", 100); }
void BM_Normal30(benchmark::State& s) { run(s, "normal(1, 1)", 30); }
void BM_Uniform30(benchmark::State& s) { run(s, "uniform(-1, 3)", 30); }
void BM_FiniteSlivers30(benchmark::State& s) {
  run(s, "atoms(1/4:1/10, 1/2:1/10, 1:1/10, 2:1/10, -3:3/5)", 30, "1/8", "8");
}
void BM_Finite100Atoms16(benchmark::State& s) {
  std::string law = "atoms(";
  for (int j = 1; j <= 100; ++j) law += std::to_string(j - 30) + "/50" + (j < 100 ? ", " : ")");
  run(s, law.c_str(), 16, "1/4", "64");
}

}  // namespace

BENCHMARK(BM_SqNormal30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SqNormal100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Normal30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Uniform30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FiniteSlivers30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Finite100Atoms16)->Unit(benchmark::kMillisecond);
