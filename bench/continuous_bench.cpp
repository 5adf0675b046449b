// Time per call of the certified Gaussian-type expectations (lyapcert::continuous).
// Figures go to docs/performance.md; nothing is asserted here.
#include <benchmark/benchmark.h>

#include <cmath>

#include "lyapcert/continuous.hpp"

namespace lc = lyapcert::continuous;

namespace {

struct Arb {
  arb_t v;
  Arb() { arb_init(v); }
  ~Arb() { arb_clear(v); }
};

constexpr slong kPrec50 = 170;  // 50 digits
constexpr slong kPrec30 = 103;  // 30 digits

// G(m, 1) at x = m^2/2 in {0, 1, 1e2, 1e4, 1e6} (state.range(0) = log10 x, -1 meaning x = 0).
void BM_GaussLogAbsMean50(benchmark::State& state) {
  const double x = state.range(0) < 0 ? 0.0 : std::pow(10.0, static_cast<double>(state.range(0)));
  Arb m, v, r;
  arb_one(v.v);
  arb_set_d(m.v, 2 * x);
  arb_sqrt(m.v, m.v, kPrec50 + 40);
  lc::gauss_log_abs_mean(r.v, m.v, v.v, kPrec50);  // warm Arb's constant caches
  for (auto _ : state) {
    lc::gauss_log_abs_mean(r.v, m.v, v.v, kPrec50);
    benchmark::DoNotOptimize(r.v);
  }
  state.SetLabel("x=" + std::to_string(x));
}
BENCHMARK(BM_GaussLogAbsMean50)->Arg(-1)->Arg(0)->Arg(2)->Arg(4)->Arg(6)->Arg(16)->Unit(benchmark::kMicrosecond);

void BM_GaussLogAbsMeanQuad30(benchmark::State& state) {
  const double x = state.range(0) < 0 ? 0.0 : std::pow(10.0, static_cast<double>(state.range(0)));
  Arb m, v, r;
  arb_one(v.v);
  arb_set_d(m.v, 2 * x);
  arb_sqrt(m.v, m.v, kPrec30 + 40);
  for (auto _ : state) {
    lc::gauss_log_abs_mean_quad(r.v, m.v, v.v, kPrec30);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_GaussLogAbsMeanQuad30)->Arg(-1)->Arg(0)->Arg(2)->Arg(4)->Arg(6)->Unit(benchmark::kMicrosecond);

// sqnormal at 30 digits, mu = 1, s = 1/2, lr = 10^(-range).
void BM_SqnormalLogAbsMean30(benchmark::State& state) {
  Arb lr, mu, s, r;
  arb_set_d(lr.v, std::pow(10.0, -static_cast<double>(state.range(0))));
  arb_one(mu.v);
  arb_set_d(s.v, 0.5);
  for (auto _ : state) {
    lc::sqnormal_log_abs_mean(r.v, lr.v, mu.v, s.v, kPrec30);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_SqnormalLogAbsMean30)->Arg(0)->Arg(2)->Arg(6)->Arg(12)->Unit(benchmark::kMicrosecond);

void BM_SqnormalLogAbsMeanQuad30(benchmark::State& state) {
  Arb lr, mu, s, r;
  arb_set_d(lr.v, std::pow(10.0, -static_cast<double>(state.range(0))));
  arb_one(mu.v);
  arb_set_d(s.v, 0.5);
  for (auto _ : state) {
    lc::sqnormal_log_abs_mean_quad(r.v, lr.v, mu.v, s.v, kPrec30);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_SqnormalLogAbsMeanQuad30)->Arg(0)->Arg(2)->Arg(6)->Unit(benchmark::kMicrosecond);

void BM_GaussAbsMoment50(benchmark::State& state) {
  const double x = std::pow(10.0, static_cast<double>(state.range(0)));
  Arb m, v, p, r;
  arb_one(v.v);
  arb_set_d(m.v, 2 * x);
  arb_sqrt(m.v, m.v, kPrec50 + 40);
  arb_set_d(p.v, 1.5);
  for (auto _ : state) {
    lc::gauss_abs_moment(r.v, m.v, v.v, p.v, kPrec50);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_GaussAbsMoment50)->Arg(0)->Arg(2)->Arg(6)->Unit(benchmark::kMicrosecond);

void BM_UniformLogAbsMean50(benchmark::State& state) {
  Arb lr, a, b, r;
  arb_set_d(lr.v, 0.75);
  arb_set_d(a.v, -0.5);
  arb_set_d(b.v, 3.0);
  for (auto _ : state) {
    lc::uniform_log_abs_mean(r.v, lr.v, a.v, b.v, kPrec50);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_UniformLogAbsMean50)->Unit(benchmark::kMicrosecond);

}  // namespace
