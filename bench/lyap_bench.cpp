// Certified 1-D exponents of finite laws (issue 2 targets; figures in docs/performance.md).
// Law construction is timed separately from the exponent. One thread.
#include <benchmark/benchmark.h>

#include "lyapcert/laws/finite_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace {

using lyapcert::exact::Fmpz;
using lyapcert::exact::Rational;
using lyapcert::laws::CurvatureLaw;
using lyapcert::laws::FiniteLaw;

// atoms(j / 10^6 for j = 1..10^6), built programmatically.
FiniteLaw million_atoms() {
  const slong n = 1'000'000;
  std::vector<Fmpz> num, den, w;
  num.reserve(n);
  den.reserve(n);
  w.reserve(n);
  for (slong j = 1; j <= n; ++j) {
    num.emplace_back(j);
    den.emplace_back(n);
    w.emplace_back(1);
  }
  return FiniteLaw(std::move(num), std::move(den), std::move(w), Fmpz(n));
}

void BM_MillionAtomsConstruct(benchmark::State& state) {
  for (auto _ : state) {
    FiniteLaw f = million_atoms();
    benchmark::DoNotOptimize(f.size());
  }
}
BENCHMARK(BM_MillionAtomsConstruct)->Unit(benchmark::kMillisecond);

void BM_MillionAtomsExponent(benchmark::State& state) {
  const CurvatureLaw law(million_atoms());
  const int digits = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto r = lyapcert::lyap::certify_lyap1d(law, Rational(7, 5), lyapcert::lyap::Accuracy{digits, 65536});
    benchmark::DoNotOptimize(r.converged);
    if (!r.converged) state.SkipWithError("not converged");
  }
}
BENCHMARK(BM_MillionAtomsExponent)->Arg(15)->Arg(50)->Unit(benchmark::kMillisecond);

}  // namespace
