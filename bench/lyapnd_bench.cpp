// lyapnd benchmarks: isotropic(2, lr) at 30 digits (target < 1 s), the d = 4 quadrature,
// Ginibre spectra, and one enumeration level. Figures go to docs/lyapnd.md, never into tests.
#include <benchmark/benchmark.h>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace {

using namespace lyapcert;

void certify(benchmark::State& state, const char* law_text, int digits, lyapnd::Method m, double budget) {
  const laws::MatrixLaw law = laws::parse_matrix_law(law_text);
  lyapnd::Options o;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = budget;
  for (auto _ : state) {
    lyapnd::Result r = lyapnd::certify_lyapnd(law, o);
    benchmark::DoNotOptimize(r);
  }
}

void BM_Isotropic2_30digits(benchmark::State& s) { certify(s, "isotropic(2, 0.3)", 30, lyapnd::Method::automatic, 60); }
void BM_Isotropic2_30digits_lr25(benchmark::State& s) { certify(s, "isotropic(2, 2.5)", 30, lyapnd::Method::automatic, 60); }
void BM_Isotropic2_30digits_small_lr(benchmark::State& s) { certify(s, "isotropic(2, 1/1000)", 30, lyapnd::Method::automatic, 60); }
void BM_Isotropic4_30digits(benchmark::State& s) { certify(s, "isotropic(4, 0.3)", 30, lyapnd::Method::automatic, 60); }
void BM_Ginibre4_30digits(benchmark::State& s) { certify(s, "ginibre(4, 1)", 30, lyapnd::Method::automatic, 60); }
void BM_Enumerate_Pollicott_1s(benchmark::State& s) {
  certify(s, "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 16, lyapnd::Method::enumerate, 1);
}

BENCHMARK(BM_Isotropic2_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isotropic2_30digits_lr25)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isotropic2_30digits_small_lr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isotropic4_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ginibre4_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Enumerate_Pollicott_1s)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
