// Cost of the certified E log of a non-negative quadratic in one Gaussian (LYAPND-VEC-14) and of the conditional mean
// E[log G(A v) | x] of the vector law (LYAPND-VEC-15), lyapnd/internal/log_quadratic: the inner integral of the
// quadrature route, whose outer rule needs of order 10^4 such values per box of the quotient (docs/lyapnd.md).
// Figures go to docs/performance.md, never into tests.
#include <benchmark/benchmark.h>

#include <array>
#include <variant>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/log_quadratic.hpp"

namespace {

namespace in = lyapcert::lyapnd::internal;

// The closed form at a small and at a large m^2 + s (the working precision grows with it), and the series branch.
void BM_LogQuadratic_ClosedSmall(benchmark::State& st) {
  double m = 0.3;
  for (auto _ : st) {
    benchmark::DoNotOptimize(in::log_quadratic_mean(m, 0.7));
    m += 1e-9;
  }
}
BENCHMARK(BM_LogQuadratic_ClosedSmall)->Unit(benchmark::kMicrosecond);

void BM_LogQuadratic_ClosedLarge(benchmark::State& st) {
  double m = 15;
  for (auto _ : st) {
    benchmark::DoNotOptimize(in::log_quadratic_mean(m, 150));
    m += 1e-9;
  }
}
BENCHMARK(BM_LogQuadratic_ClosedLarge)->Unit(benchmark::kMicrosecond);

void BM_LogQuadratic_Series(benchmark::State& st) {
  double m = 40;
  for (auto _ : st) {
    benchmark::DoNotOptimize(in::log_quadratic_mean(m, 100));
    m += 1e-9;
  }
}
BENCHMARK(BM_LogQuadratic_Series)->Unit(benchmark::kMicrosecond);

// One conditional mean at the bottom eigenvector of E[J] for vector(1, 2, 1/100, 1, 5/2), Q of LYAPND-VEC-9.
void BM_ConditionalLogForm(benchmark::State& st) {
  const auto law =
      std::get<lyapcert::laws::VectorSaddle>(lyapcert::laws::parse_matrix_law("vector(1, 2, 1/100, 1, 5/2)").node);
  const std::array<std::array<double, 3>, 3> Q = {{{0.5001, 0.5, 0}, {0.5, 0.5001, 0}, {0, 0, 0.0301}}};
  const std::array<double, 3> v = {0.7071067811865476, -0.7071067811865476, 0};
  double x1 = 0.7;
  for (auto _ : st) {
    benchmark::DoNotOptimize(in::vec_conditional_log_form(law, Q, v, x1, -1.3));
    x1 += 1e-9;
  }
}
BENCHMARK(BM_ConditionalLogForm)->Unit(benchmark::kMicrosecond);

}  // namespace
