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

// ---- xy minibatch law and bivariate products ----
// E log|1 - lr h_B| style inputs: a = 1, b = -1/2, k = 7/10, sigma = 13/10 (sigma = 0 when range(1) = 0),
// batch S = range(0), 30 digits.
void BM_XyLogAbsMean30(benchmark::State& state) {
  Arb a, b, k, s, r;
  arb_one(a.v);
  arb_set_d(b.v, -0.5);
  arb_set_ui(k.v, 7);
  arb_div_ui(k.v, k.v, 10, 200);
  arb_set_ui(s.v, 13);
  arb_div_ui(s.v, s.v, 10, 200);
  if (state.range(1) == 0) arb_zero(s.v);
  for (auto _ : state) {
    lc::xy_log_abs_mean(r.v, a.v, b.v, k.v, s.v, static_cast<ulong>(state.range(0)), kPrec30);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_XyLogAbsMean30)
    ->Args({1, 1})->Args({2, 1})->Args({3, 1})->Args({32, 1})->Args({1024, 1})
    ->Args({1, 0})->Args({32, 0})->Unit(benchmark::kMillisecond);

void BM_XyAbsMoment2_30(benchmark::State& state) {
  Arb a, b, k, s, p, r;
  arb_one(a.v);
  arb_set_d(b.v, -0.5);
  arb_set_d(k.v, 0.75);
  arb_set_d(s.v, 1.25);
  arb_set_ui(p.v, 2);
  for (auto _ : state) {
    lc::xy_abs_moment(r.v, a.v, b.v, k.v, s.v, static_cast<ulong>(state.range(0)), p.v, kPrec30);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_XyAbsMoment2_30)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond);

// bivariate(a = 1, b = -1/2; mx = 1/2, my = -1/4, sx = 1, sy = 1, rho = -1/2), 30 digits.
void BM_BivariateLogAbsMean30(benchmark::State& state) {
  Arb a, b, mx, my, sx, sy, rho, r;
  arb_one(a.v);
  arb_set_d(b.v, -0.5);
  arb_set_d(mx.v, 0.5);
  arb_set_d(my.v, -0.25);
  arb_one(sx.v);
  arb_one(sy.v);
  arb_set_d(rho.v, -0.5);
  for (auto _ : state) {
    lc::bivariate_log_abs_mean(r.v, a.v, b.v, mx.v, my.v, sx.v, sy.v, rho.v, kPrec30);
    benchmark::DoNotOptimize(r.v);
  }
}
BENCHMARK(BM_BivariateLogAbsMean30)->Unit(benchmark::kMillisecond);
