// Cost of the certified E log of a non-negative quadratic in one Gaussian (LYAPND-VEC-14) and of the conditional mean
// E[log G(A v) | x] of the vector law (LYAPND-VEC-15), lyapnd/internal/log_quadratic: the inner integral of the
// quadrature route, whose outer rule needs of order 10^4 such values per box of the quotient (docs/lyapnd.md).
// Figures go to docs/performance.md, never into tests.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <variant>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/log_quadratic.hpp"
#include "lyapcert/lyapnd/internal/vector_quadrature.hpp"

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

// The certified outer integral E log Q(A v) (LYAPND-VEC-18 .. -20) at the bottom eigenvector e_b (the kink case) and
// at a generic direction, for lr = 1/100, 3/100 and SNR 1/100, 2/5 (k = 1, sigma^2 = 1/SNR - 2), with the explore
// script's Q = e e^T + c1 lr e3 e3^T + c2 lr^2 I (c1 = 3, c2 = 1.125 at SNR 2/5; c1 = 15.3, c2 = 518.1 at SNR 1/100).
// Arguments: lr in hundredths, SNR index (0: 1/100, 1: 2/5), direction (0: e_b, 1: (0.6, -0.48, 0.64)).
void BM_VecLogFormMean(benchmark::State& st) {
  lyapcert::laws::VectorSaddle law;
  law.q = 1;
  law.d = 2;
  law.lr = lyapcert::exact::Rational(static_cast<int>(st.range(0))) / 100;
  law.k = 1;
  const bool low = st.range(1) == 0;
  law.sigma2 = low ? lyapcert::exact::Rational(98) : lyapcert::exact::Rational(1, 2);
  const double lr = static_cast<double>(st.range(0)) / 100;
  const double c1 = low ? 15.3 : 3, c2 = low ? 518.1 : 1.125;
  const double a = c1 * lr, b = c2 * lr * lr;
  const std::array<std::array<double, 3>, 3> Q = {{{0.5 + b, 0.5, 0}, {0.5, 0.5 + b, 0}, {0, 0, a + b}}};
  const std::array<double, 3> v = st.range(2) == 0 ? std::array<double, 3>{0.7071067811865476, -0.7071067811865476, 0}
                                                   : std::array<double, 3>{0.6, -0.48, 0.64};
  in::VecLogFormResult r;
  for (auto _ : st) {
    r = in::vec_log_form_mean(law, Q, b * (1 - 1e-9), (1 + a + b) * (1 + 1e-9), v);
    benchmark::DoNotOptimize(r.value);
  }
  st.counters["rule_cells"] = static_cast<double>(r.rule_cells);
  st.counters["box_cells"] = static_cast<double>(r.box_cells);
  st.counters["l2_cells"] = static_cast<double>(r.l2_cells);
  st.counters["F_evals"] = static_cast<double>(r.evaluations);
  st.counters["width"] = r.value.upper() - r.value.lower();
  st.counters["rank_one"] = r.rank_one ? 1 : 0;
}
BENCHMARK(BM_VecLogFormMean)
    ->ArgsProduct({{1, 3}, {0, 1}, {0, 1}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
