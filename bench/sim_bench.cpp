// Simulated SGD throughput (docs/performance.md "Simulated SGD"): the issue-6 target
// `simulate --model twolayer --width 1 --batch 1 --k 1 --sigma 1 --gamma 0` at 10^6 steps x 100 runs on
// 2 threads, at lr = 1/10 (phase Ib: every run escapes and runs all its steps, the worst case; collapsing
// runs stop early). Steps include the Philox draws and Box-Muller normals. Items: SGD steps. All
// work runs on worker threads, so the figures are wall time (UseRealTime): meaningful on an idle machine;
// on a shared one, measure CPU time with /usr/bin/time on the CLI command instead.
#include <benchmark/benchmark.h>

#include "lyapcert/sim/sgd.hpp"

namespace sim = lyapcert::sim;

namespace {

sim::SimModel model(sim::ModelKind kind, std::size_t width, std::uint64_t batch) {
  sim::SimModel m;
  m.kind = kind;
  m.width = width;
  m.base.batch = batch;
  return m;
}

void run(benchmark::State& state, const sim::SimModel& m, std::uint64_t steps, std::uint64_t runs, int threads) {
  sim::SimOptions o;
  o.lr = 0.1;
  o.steps = steps;
  o.runs = runs;
  o.threads = threads;
  std::uint64_t done = 0;
  for (auto _ : state) {
    const auto r = sim::simulate(m, o);
    for (const auto& x : r.runs) done += x.steps_run;
    benchmark::DoNotOptimize(r.summary.growth_rate.estimate);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(done));
}

}  // namespace

// The target: 10^8 steps (10^6 x 100 runs), 2 threads.
static void BM_TwoLayerTarget(benchmark::State& state) {
  run(state, model(sim::ModelKind::twolayer, 1, 1), 1'000'000, 100, 2);
}
BENCHMARK(BM_TwoLayerTarget)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

// Per-step cost on one thread for other models and sizes (10^6 steps).
static void BM_OneThread(benchmark::State& state, sim::ModelKind kind, std::size_t width, std::uint64_t batch) {
  run(state, model(kind, width, batch), 100'000, 10, 1);
}
BENCHMARK_CAPTURE(BM_OneThread, twolayer_m1_S1, sim::ModelKind::twolayer, 1, 1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_OneThread, twolayer_m16_S8, sim::ModelKind::twolayer, 16, 8)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_OneThread, tanh_m4_S4, sim::ModelKind::tanh, 4, 4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
