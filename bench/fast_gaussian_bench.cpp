// Binary64 fast path of certify_lyap1d (target: "12 digits in under 1 ms through the binary64 fast
// path for normal, uniform and sqnormal"): time per 12-digit certified exponent, end to end (law, exact
// lr, dispatch, fast kernel, decimal-ready ball), next to the same call at 13..16 digits (Arb path) and to
// the raw kernels. The label shows the method that ran. Figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <string>

#include "lyapcert/fast/gaussian.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace {

using lyapcert::exact::Rational;
using lyapcert::laws::parse_curvature_law;

struct Case {
  const char* law;
  const char* lr;
};

// normal(0, s) at lr = 1/10: m = 1, v = s/10, x = 50/s^2 (1.02, 102, 1.02e4, 1.02e6); normal(10, 1): x = 0.
const Case kCases[] = {
    {"normal(10, 1)", "1/10"},       {"normal(0, 7)", "1/10"},         {"normal(0, 7/10)", "1/10"},
    {"normal(0, 7/100)", "1/10"},    {"normal(0, 7/1000)", "1/10"},    {"uniform(-1, 3)", "1/10"},
    {"uniform(-1, 3)", "1/1000000"}, {"sqnormal(1, 1/2)", "1/10"},     {"sqnormal(1, 1/2)", "1/1000000"},
};

void BM_lyap1d(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const int digits = static_cast<int>(state.range(1));
  const auto law = parse_curvature_law(c.law);
  const Rational lr(c.lr);
  lyapcert::lyap::Accuracy acc;
  acc.digits = digits;
  std::string method;
  for (auto _ : state) {
    auto r = lyapcert::lyap::certify_lyap1d(law, lr, acc);
    benchmark::DoNotOptimize(r);
    method = r.method;
  }
  state.SetLabel(std::string(c.law) + " lr=" + c.lr + " " + std::to_string(digits) + "d " + method);
}
BENCHMARK(BM_lyap1d)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6, 7, 8}, {12, 16}})
    ->Unit(benchmark::kMicrosecond);

void BM_fast_gauss_kernel(benchmark::State& state) {
  // G(1, v) with x = 1/(2 v^2).
  const double v = 1.0 / std::sqrt(2.0 * static_cast<double>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(lyapcert::fast::gauss_log_abs_mean(lyapcert::fast::OutwardInterval(1.0),
                                                                lyapcert::fast::OutwardInterval(v)));
  }
  state.SetLabel("x = " + std::to_string(state.range(0)));
}
BENCHMARK(BM_fast_gauss_kernel)->Arg(1)->Arg(10)->Arg(59)->Arg(100)->Arg(10000)->Arg(1000000)->Unit(
    benchmark::kMicrosecond);

}  // namespace
