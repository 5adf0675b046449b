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

// Reducible families (proofs/lyapnd/reducible.md): the exact search and block-triangularisation plus the
// 1-D finite laws at 30 digits; the d = 4 case also runs the cycle expansion on a 2 x 2 Pollicott block.
void BM_Reducible_LogTwo_30digits(benchmark::State& s) {
  certify(s, "matrices([[-3, -2], [1, 0]]: 11/14, [[0, -1], [2, 3]]: 3/14)", 30, lyapnd::Method::automatic, 60);
}
void BM_Reducible_ThreeAtoms_30digits(benchmark::State& s) {
  certify(s, "matrices([[2, -1], [-1, 2]]: 1/6, [[-1, 0], [-2, 1]]: 1/2, [[3, -2], [2, -1]]: 1/3)", 30,
          lyapnd::Method::automatic, 60);
}
void BM_Reducible_D4_PollicottBlock_20digits(benchmark::State& s) {
  // P M_j P^-1, M_j = [[Pollicott_j, C_j], [0, T_j]], T = [[1/2, 3], [0, 7]] / [[2, -1], [0, 1/7]],
  // P = [[1, 0, 2, 1], [1, 1, 0, 0], [0, -1, 1, 2], [1, 0, 0, 1]] (tests/lyapnd/reducible_test.cpp)
  certify(s,
          "matrices([[-5, 13, 12, -6], [0, 3, 1, 0], [-29/4, 14, 15, -31/4], [-5/2, 7, 6, -5/2]]: 1/2, "
          "[[24/7, -13/7, -20/7, 10/7], [1, 1, -1, 3], [6/7, -12/7, -5/7, -8/7], [3/7, 1/7, -6/7, 17/7]]: 1/2)",
          20, lyapnd::Method::automatic, 60);
}

BENCHMARK(BM_Isotropic2_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isotropic2_30digits_lr25)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isotropic2_30digits_small_lr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isotropic4_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ginibre4_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Enumerate_Pollicott_1s)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_Reducible_LogTwo_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Reducible_ThreeAtoms_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Reducible_D4_PollicottBlock_20digits)->Unit(benchmark::kMillisecond);

}  // namespace
