// Fast path: ns per certified log enclosure and per IntervalSum::add (vs std::log and naive sums).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "lyapcert/fast.hpp"

namespace {

using lyapcert::fast::OutwardInterval;

std::vector<double> inputs(std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> e(-30.0, 30.0);
  std::vector<double> xs(n);
  for (auto& x : xs) x = std::exp2(e(rng));
  return xs;
}

void BM_std_log(benchmark::State& state) {
  const auto xs = inputs(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::log(xs[i++ & 4095]));
  }
}
BENCHMARK(BM_std_log);

void BM_log_nearest(benchmark::State& state) {
  const auto xs = inputs(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lyapcert::fast::log_nearest(xs[i++ & 4095]));
  }
}
BENCHMARK(BM_log_nearest);

void BM_log_enclosure_point(benchmark::State& state) {
  const auto xs = inputs(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lyapcert::fast::log(OutwardInterval(xs[i++ & 4095])));
  }
}
BENCHMARK(BM_log_enclosure_point);

void BM_log_enclosure_interval(benchmark::State& state) {
  const auto xs = inputs(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    const double a = xs[i++ & 4095];
    benchmark::DoNotOptimize(lyapcert::fast::log(OutwardInterval(a, 2.0 * a)));
  }
}
BENCHMARK(BM_log_enclosure_interval);

void BM_interval_sum_add(benchmark::State& state) {
  const auto xs = inputs(4096);
  std::vector<OutwardInterval> terms;
  for (double x : xs) terms.emplace_back(x, x * (1 + 0x1p-40));
  lyapcert::fast::IntervalSum acc;
  std::size_t i = 0;
  for (auto _ : state) {
    acc.add(terms[i++ & 4095]);
  }
  benchmark::DoNotOptimize(acc.result());
}
BENCHMARK(BM_interval_sum_add);

void BM_naive_interval_add(benchmark::State& state) {
  const auto xs = inputs(4096);
  std::vector<OutwardInterval> terms;
  for (double x : xs) terms.emplace_back(x, x * (1 + 0x1p-40));
  OutwardInterval acc(0.0);
  std::size_t i = 0;
  for (auto _ : state) {
    acc += terms[i++ & 4095];
  }
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(BM_naive_interval_add);

}  // namespace
