// Binary64 certified xy kernel fast::xy_log_abs_mean (the phase diagram's speed rests on it): CPU time per
// point input and per cell input (lr and sigma intervals of relative width 3%), next to the Arb production path
// continuous::xy_log_abs_mean at 64 bits. The label gives the width of the enclosure. Figures:
// docs/performance.md (boundaries and phase diagrams).
#include <arb.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/fast/xy.hpp"

namespace {

using lyapcert::fast::OutwardInterval;

struct Case {
  double lr, sigma;
  unsigned S;
  int sign;  // b = sign * lr, a = 1
};

const Case kCases[] = {
    {1.0, 1.0, 1, -1}, {0.5, 0.02, 1, -1}, {1e3, 1.0, 1, -1},  {1e-3, 30.0, 1, 1},
    {1.0, 1.0, 8, -1}, {10.0, 2.0, 64, -1}, {0.1, 0.05, 64, -1},
};

std::string label(const Case& c, const OutwardInterval& r) {
  char buf[160] = {};
  std::snprintf(buf, sizeof buf, "lr=%g sigma=%g S=%u b%c width=%.2g", c.lr, c.sigma, c.S, c.sign > 0 ? '+' : '-',
                r.upper() - r.lower());
  return buf;
}

void BM_fast_xy_point(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  OutwardInterval r;
  for (auto _ : state) {
    r = lyapcert::fast::xy_log_abs_mean(OutwardInterval(1.0), OutwardInterval(c.sign * c.lr), OutwardInterval(1.0),
                                        OutwardInterval(c.sigma), c.S);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(label(c, r));
}
BENCHMARK(BM_fast_xy_point)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

void BM_fast_xy_cell(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const OutwardInterval lr(c.lr * 0.985, c.lr * 1.015);
  const OutwardInterval sigma(c.sigma * 0.985, c.sigma * 1.015);
  OutwardInterval r;
  for (auto _ : state) {
    r = lyapcert::fast::xy_log_abs_mean(OutwardInterval(1.0), c.sign > 0 ? lr : -lr, OutwardInterval(1.0), sigma, c.S);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(label(c, r));
}
BENCHMARK(BM_fast_xy_cell)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

void BM_arb_xy_point64(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  arb_t a, b, k, s, r;
  arb_init(a);
  arb_init(b);
  arb_init(k);
  arb_init(s);
  arb_init(r);
  arb_one(a);
  arb_set_d(b, c.sign * c.lr);
  arb_one(k);
  arb_set_d(s, c.sigma);
  for (auto _ : state) {
    lyapcert::continuous::xy_log_abs_mean(r, a, b, k, s, c.S, 64);
    benchmark::DoNotOptimize(r);
  }
  const double rad = mag_get_d(arb_radref(r));
  char buf[160] = {};
  std::snprintf(buf, sizeof buf, "lr=%g sigma=%g S=%u b%c width=%.2g", c.lr, c.sigma, c.S, c.sign > 0 ? '+' : '-',
                2 * rad);
  state.SetLabel(buf);
  arb_clear(a);
  arb_clear(b);
  arb_clear(k);
  arb_clear(s);
  arb_clear(r);
}
BENCHMARK(BM_arb_xy_point64)->DenseRange(0, 6)->Unit(benchmark::kMillisecond);

}  // namespace
