// Certified 1-D exponents of finite laws (targets and figures in docs/performance.md).
// Law construction is timed separately from the exponent. One thread.
#include <benchmark/benchmark.h>

#include "lyapcert/laws/curvature.hpp"
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

// Continuous laws end to end (parse + precision loop + closed form) against the targets of docs/performance.md. The
// parameter sets are those of bench/compare_mpmath.py, which times mpmath on the same inputs.
struct ContinuousCase {
  const char* law;
  const char* lr;
};
// normal(1, 1) at lr = 1/(1 + sqrt(2x)) has x = (1 - lr)^2 / (2 lr^2) = x for x = 0, 1/2, 2, 50, 5000, 500000
// (rounded lr where sqrt(2x) is irrational: x ~ 0, 1, 1e2, 1e4, 1e6 up to rounding).
const ContinuousCase kContinuous[] = {
    {"normal(1, 1)", "1"},          // x = 0
    {"normal(1, 1)", "1/2"},        // x = 1/2
    {"normal(1, 1)", "1/15"},       // x = 98
    {"normal(1, 1)", "1/142"},      // x = 9940.5
    {"normal(1, 1)", "1/1415"},     // x = 1.0e6
    {"sqnormal(0, 1)", "1/2"},
    {"sqnormal(1, 1)", "1/1000"},
    {"uniform(0, 1)", "7/5"},
};

void BM_ContinuousLyap1d(benchmark::State& state) {
  const ContinuousCase& c = kContinuous[state.range(0)];
  const int digits = static_cast<int>(state.range(1));
  const auto law = lyapcert::laws::parse_curvature_law(c.law);
  const Rational lr = lyapcert::exact::parse_rational(c.lr);
  state.SetLabel(std::string(c.law) + " lr=" + c.lr);
  for (auto _ : state) {
    auto r = lyapcert::lyap::certify_lyap1d(law, lr, lyapcert::lyap::Accuracy{digits, 65536});
    benchmark::DoNotOptimize(r.converged);
    if (!r.converged) state.SkipWithError("not converged");
  }
}
BENCHMARK(BM_ContinuousLyap1d)
    ->ArgsProduct({benchmark::CreateDenseRange(0, 7, 1), {12, 30, 50}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
