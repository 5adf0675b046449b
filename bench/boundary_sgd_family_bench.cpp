// Non-commuting sgd(lr, matrices(...)) templates (lyapcert::boundary, BND-TEMPLATE-10..12): one lr-box certificate
// (elementary + Poisson bounds over the box) and the whole bracket search. Figures are recorded in
// docs/performance.md, never asserted.
#include <benchmark/benchmark.h>

#include "lyapcert/boundary.hpp"
#include "lyapcert/laws/ast.hpp"

namespace {

namespace bnd = lyapcert::boundary;
using lyapcert::exact::Rational;

constexpr const char* kFamily =
    "sgd(lr, matrices([[2, 0], [0, 1]], [[3/2, 1/2], [1/2, 3/2]], [[3/2, -1/2], [-1/2, 3/2]]))";

void box(benchmark::State& state, const Rational& a, const Rational& b, int nodes) {
  const auto t = bnd::parse_law_template(lyapcert::laws::parse(kFamily));
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  for (auto _ : state) {
    bnd::sgd_family_bounds(lo, hi, t.family, a, b, nodes, 64);
    benchmark::DoNotOptimize(lo);
  }
  state.counters["width"] = arf_get_d(hi, ARF_RND_CEIL) - arf_get_d(lo, ARF_RND_FLOOR);
  arf_clear(lo);
  arf_clear(hi);
}

void search(benchmark::State& state, int digits) {
  const auto t = bnd::parse_law_template(lyapcert::laws::parse(kFamily));
  bnd::BoundaryOptions o;
  o.lr_min = Rational(21, 20);
  o.lr_max = Rational(2);
  o.digits = digits;
  double width = 0;
  std::size_t cells = 0;
  for (auto _ : state) {
    const auto r = bnd::find_template_boundaries(t, o);
    cells = r.cells;
    width = r.roots.empty() ? -1 : Rational(r.roots[0].upper - r.roots[0].lower).convert_to<double>();
  }
  state.counters["cells"] = static_cast<double>(cells);
  state.counters["bracket_width"] = width;
}

void BM_PointBox256(benchmark::State& s) { box(s, Rational(6, 5), Rational(6, 5), 256); }
void BM_PointBox4096(benchmark::State& s) { box(s, Rational(6, 5), Rational(6, 5), 4096); }
void BM_Box1e3_256(benchmark::State& s) { box(s, Rational(6, 5), Rational(6, 5) + Rational(1, 1000), 256); }
void BM_Search1Digit(benchmark::State& s) { search(s, 1); }
void BM_Search2Digits(benchmark::State& s) { search(s, 2); }

}  // namespace

BENCHMARK(BM_PointBox256)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_PointBox4096)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Box1e3_256)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Search1Digit)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Search2Digits)->Unit(benchmark::kMillisecond)->Iterations(1);
