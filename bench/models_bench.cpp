// Phase diagram of the two-layer saddle (target: the Gaussian model on a 200 x 100 grid at 10 digits,
// cells certified, in under 2 minutes on 2 cores) and the critical SNR. Real (wall) time is the figure: the sweep
// uses both threads. Recorded in docs/performance.md, never asserted.
//   bench/models_bench --benchmark_filter=Diagram200x100   (about a minute per iteration)
#include <benchmark/benchmark.h>

#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/models/critical.hpp"
#include "lyapcert/models/phase_diagram.hpp"

namespace {

using lyapcert::exact::parse_rational;

// The README's default diagram axes (lr 1/100..10, SNR 1/100..2/5), grid n_lr x n_y.
void diagram(benchmark::State& state, int n_lr, int n_y) {
  lyapcert::models::DiagramSpec spec;
  spec.lr_min = parse_rational("1/100");
  spec.lr_max = parse_rational("10");
  spec.y_axis = lyapcert::models::YAxis::snr;
  spec.y_min = parse_rational("1/100");
  spec.y_max = parse_rational("2/5");
  spec.n_lr = n_lr;
  spec.n_y = n_y;
  spec.acc = lyapcert::lyap::Accuracy{10, 4096};
  spec.jobs = 2;
  spec.certify_cells = true;
  std::size_t certified = 0, roots = 0;
  for (auto _ : state) {
    const auto r = lyapcert::models::phase_diagram(spec, nullptr);
    certified = 0;
    for (const auto& p : r.points) certified += p.cell.certified();
    roots = r.plus_roots.size() + r.minus_roots.size();
    benchmark::DoNotOptimize(certified);
  }
  state.counters["cells_certified"] = static_cast<double>(certified);
  state.counters["roots"] = static_cast<double>(roots);
}

void BM_Diagram40x20(benchmark::State& s) { diagram(s, 40, 20); }
void BM_Diagram200x100(benchmark::State& s) { diagram(s, 200, 100); }

// A coarse grid: lr in {1/10, 1} at SNR 1/100, 3 digits, no cells (`phase-diagram --grid 2x1 --no-cells --digits 3
// --lr-range 1/10:1`). Its one boundary bracket spans a decade of lr: before brackets were narrowed on point values
// first, derivative enclosures over the whole decade made it take 50 s; it should cost about two `phase` calls.
void BM_DiagramCoarse2x1(benchmark::State& state) {
  lyapcert::models::DiagramSpec spec;
  spec.lr_min = parse_rational("1/10");
  spec.lr_max = parse_rational("1");
  spec.y_axis = lyapcert::models::YAxis::snr;
  spec.y_min = parse_rational("1/100");
  spec.y_max = parse_rational("2/5");
  spec.n_lr = 2;
  spec.n_y = 1;
  spec.acc = lyapcert::lyap::Accuracy{3, 4096};
  spec.jobs = 2;
  spec.certify_cells = false;
  std::size_t roots = 0;
  for (auto _ : state) {
    const auto r = lyapcert::models::phase_diagram(spec, nullptr);
    roots = r.plus_roots.size() + r.minus_roots.size();
    benchmark::DoNotOptimize(roots);
  }
  state.counters["roots"] = static_cast<double>(roots);
}

void BM_CriticalSnrDigits1(benchmark::State& state) {
  lyapcert::models::CriticalSpec spec;
  spec.digits = 1;
  bool complete = false;
  for (auto _ : state) {
    const auto r = lyapcert::models::critical_snr(spec, nullptr);
    complete = r.complete;
    benchmark::DoNotOptimize(complete);
  }
  state.counters["complete"] = complete ? 1 : 0;
}

}  // namespace

BENCHMARK(BM_Diagram40x20)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_Diagram200x100)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_DiagramCoarse2x1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_CriticalSnrDigits1)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
