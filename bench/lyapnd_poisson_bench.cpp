// Poisson-certificate benchmarks: seeded sign-indefinite invertible 2x2 families (entries
// N(0, 1) rounded to multiples of 1/1000, 2..4 atoms, equal probabilities), --digits 16 with a 10 s
// budget: the counters record the certified width reached (the target is the width reached in 10 s), the grid
// size N of the last level and the wall time. BM_PoissonNd_*: the same for d = 3, 4 (N(0, 1) entries in
// thousandths, k atoms), counter m = chart grid of the last multilinear level, m_pc of the last piecewise-constant
// one, w_q1 / w_pc each ladder's own width (LYAPND-POIS-22 (d)); BM_PoissonNd_Gaussian_60s the same with 60 s;
// BM_PoissonNd_Capped at a deterministic work cap (Options::poisson_nd_max_cells) instead of a wall-clock budget.
// BM_CellBounds / BM_ArcImages / BM_CellBoundsTransfer: the d = 2 cell bounds of h, the image arcs and one certified
// level with its transfer rounds, in Arb (arg 0) or outward-rounded binary64 (arg 1, LYAPND-TRANS-5..7), on a fixed
// family and mesh: CPU seconds per cell evaluation / per edge. BM_CellBoundsNd: the d = 3, 4 cell bounds of h (the
// evaluator of the adaptive transfer cover, LYAPND-POIS-22, LYAPND-TRANS-20) on a seeded family: CPU seconds per cell.
// Figures go to docs/performance.md, never into tests.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/internal/poisson_q1.hpp"
#include "lyapcert/lyapnd/internal/transfer.hpp"
#include "lyapcert/lyapnd/internal/transfer_nd.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"

namespace {

using namespace lyapcert;

std::string gaussian_family(std::uint64_t seed, int atoms) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  std::string s = "matrices(";
  for (int i = 0; i < atoms; ++i) {
    long e[4];
    while (true) {
      for (long& x : e) x = std::lround(n01(rng) * 1000);
      if (e[0] * e[3] - e[1] * e[2] != 0) break;  // invertible (exact integer test)
    }
    auto q = [](long x) { return std::to_string(x) + "/1000"; };
    s += "[[" + q(e[0]) + ", " + q(e[1]) + "], [" + q(e[2]) + ", " + q(e[3]) + "]]: 1/" + std::to_string(atoms) +
         (i + 1 < atoms ? ", " : ")");
  }
  return s;
}

// d x d version (d = 3, 4) with an exact invertibility test in the library (first_singular_atom): a singular
// draw is redrawn.
std::string gaussian_family_nd(std::uint64_t seed, int d, int atoms) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  std::string s = "matrices(";
  for (int i = 0; i < atoms; ++i) {
    while (true) {
      std::vector<long> e(static_cast<std::size_t>(d * d));
      for (long& x : e) x = std::lround(n01(rng) * 1000);
      laws::FiniteMatrices one;
      std::vector<exact::Rational> m;
      for (long x : e) m.emplace_back(x);
      one.matrices = {m};
      one.probs = {exact::Rational(1)};
      if (lyapnd::first_singular_atom(one, d) >= 0) continue;
      std::string a = "[";
      for (int r = 0; r < d; ++r) {
        a += r ? ", [" : "[";
        for (int c = 0; c < d; ++c) a += (c ? ", " : "") + std::to_string(e[r * d + c]) + "/1000";
        a += "]";
      }
      s += a + "]: 1/" + std::to_string(atoms) + (i + 1 < atoms ? ", " : ")");
      break;
    }
  }
  return s;
}

void certify(benchmark::State& state, const std::string& law_text, double budget, std::uint64_t max_cells = 0) {
  const laws::MatrixLaw law = laws::parse_matrix_law(law_text);
  lyapnd::Options o;
  o.acc.digits = 16;
  o.method = lyapnd::Method::poisson;
  o.time_budget_seconds = budget;
  o.poisson_nd_max_cells = max_cells;
  lyapnd::Result r;
  for (auto _ : state) {
    r = lyapnd::certify_lyapnd(law, o);
    benchmark::DoNotOptimize(r);
  }
  const double w = 2 * mag_get_d(arb_radref(r.top.value.ball.get()));
  state.counters["width"] = w;
  state.counters["log10_width"] = std::log10(w);
  state.counters["lambda_mid"] = arf_get_d(arb_midref(r.top.value.ball.get()), ARF_RND_NEAR);
  std::smatch m;
  if (std::regex_search(r.top.message, m, std::regex("N = ([0-9]+)"))) state.counters["N"] = std::stod(m[1]);
  if (std::regex_search(r.top.message, m, std::regex("charts x ([0-9]+)\\^"))) state.counters["m"] = std::stod(m[1]);
  // d = 3, 4: the message reports each ladder's own width (multilinear first, then the piecewise-constant fallback).
  const std::regex wre("width ([-+0-9.einf]+);");
  int ladder = 0;
  for (auto i = std::sregex_iterator(r.top.message.begin(), r.top.message.end(), wre); i != std::sregex_iterator();
       ++i, ++ladder)
    state.counters[ladder == 0 ? "w_q1" : "w_pc"] = std::stod((*i)[1]);
  if (std::regex_search(r.top.message, m, std::regex("constant on [0-9] charts x ([0-9]+)\\^")))
    state.counters["m_pc"] = std::stod(m[1]);
  // The transfer stage (LYAPND-TRANS-10..14): its cover n^{d-1} per chart, steps, own width and that of h on the cells.
  if (std::regex_search(r.top.message, m,
                        std::regex("transfer iteration .* on [0-9] charts x ([0-9]+)\\^[0-9] cells with a multilinear g "
                                   "\\(m = ([0-9]+)\\): ([0-9]+) steps of P\\^[0-9], width ([-+0-9.einf]+) "
                                   "\\(from ([-+0-9.einf]+)"))) {
    state.counters["n_tr"] = std::stod(m[1]);
    state.counters["m_tr"] = std::stod(m[2]);
    state.counters["steps_tr"] = std::stod(m[3]);
    state.counters["w_tr"] = std::stod(m[4]);
    state.counters["w_h_cells"] = std::stod(m[5]);
  }
  // The adaptive cover (LYAPND-TRANS-17, -18): its rounds, cells, deepest level and own width.
  if (std::regex_search(r.top.message, m,
                        std::regex("adaptive transfer cover .*: ([0-9]+) rounds refining .*, ([0-9]+) cells \\(deepest "
                                   "level ([0-9]+), finest grid [0-9]+\\), [0-9]+ steps, width ([-+0-9.einf]+)"))) {
    state.counters["rounds_ad"] = std::stod(m[1]);
    state.counters["cells_ad"] = std::stod(m[2]);
    state.counters["level_ad"] = std::stod(m[3]);
    state.counters["w_ad"] = std::stod(m[4]);
  }
  if (std::getenv("LYAPCERT_BENCH_MESSAGE")) std::fprintf(stderr, "%s\n", r.top.message.c_str());
  state.SetLabel(law_text.size() > 60 ? law_text.substr(0, 60) + "..." : law_text);
}

void BM_Poisson_Gaussian_10s(benchmark::State& s) {
  certify(s, gaussian_family(static_cast<std::uint64_t>(s.range(1)), static_cast<int>(s.range(0))), 10);
}
void BM_Poisson_Pollicott_10s(benchmark::State& s) {
  certify(s, "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 10);
}

BENCHMARK(BM_Poisson_Gaussian_10s)
    ->ArgsProduct({{2, 3, 4}, {1, 2, 3}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);
// d = 3, 4 (LYAPND-POIS-6..10): args (d, k, seed).
void BM_PoissonNd_Gaussian_10s(benchmark::State& s) {
  certify(s,
          gaussian_family_nd(static_cast<std::uint64_t>(s.range(2)), static_cast<int>(s.range(0)),
                             static_cast<int>(s.range(1))),
          10);
}
BENCHMARK(BM_PoissonNd_Gaussian_10s)
    ->ArgsProduct({{3, 4}, {2, 3}, {1, 2}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);
void BM_PoissonNd_Gaussian_60s(benchmark::State& s) {
  certify(s,
          gaussian_family_nd(static_cast<std::uint64_t>(s.range(2)), static_cast<int>(s.range(0)),
                             static_cast<int>(s.range(1))),
          60);
}
BENCHMARK(BM_PoissonNd_Gaussian_60s)
    ->ArgsProduct({{3, 4}, {2, 3}, {1, 2}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);
// The d = 3, 4 driver at a deterministic work cap (Options::poisson_nd_max_cells) and no wall clock: args (d, k, seed,
// cap). The same work on every machine, so builds compare by CPU seconds at equal width (a profile target).
void BM_PoissonNd_Capped(benchmark::State& s) {
  certify(s,
          gaussian_family_nd(static_cast<std::uint64_t>(s.range(2)), static_cast<int>(s.range(0)),
                             static_cast<int>(s.range(1))),
          1e7, static_cast<std::uint64_t>(s.range(3)));
}
BENCHMARK(BM_PoissonNd_Capped)
    ->Args({3, 2, 1, 98304})
    ->Args({4, 3, 2, 32768})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);
BENCHMARK(BM_Poisson_Pollicott_10s)->Unit(benchmark::kSecond)->Iterations(1);

// d = 3, 4 cell bounds of h as the adaptive transfer cover computes them (q1_box_bounds, LYAPND-POIS-22 and
// LYAPND-TRANS-20): args (d, k, seed, n). The family gaussian_family_nd(seed, d, k), g from the solver on the adaptive
// stage's grid (m = 128 for d = 3, 16 for d = 4, the driver's iteration cap), and 16384 cells of the regular cover of
// grid n spread evenly over it (n = 256 / 32: the cells of the adaptive cover's first refinement). Counters:
// s_per_cell (CPU), the mean width of the enclosures and the failures (cells left to the bisection of TRANS-12 (b)).
void BM_CellBoundsNd(benchmark::State& state) {
  const int d = static_cast<int>(state.range(0)), k = static_cast<int>(state.range(1)), n = static_cast<int>(state.range(3));
  const laws::MatrixLaw law = laws::parse_matrix_law(gaussian_family_nd(static_cast<std::uint64_t>(state.range(2)), d, k));
  const auto& f = std::get<laws::FiniteMatrices>(law.node);
  const int m = d == 3 ? 128 : 16;
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  const int max_it = static_cast<int>(std::clamp<double>(
      3e8 / (k * static_cast<double>(lyapnd::poisson_q1_table_size(d, m)) * (1 << (d - 1))), 50, 5000));
  const std::vector<double> g = lyapnd::poisson_q1_solution(f, d, m, max_it, far);
  const lyapnd::internal::BoxBoundsFn ev = lyapnd::q1_box_bounds(f, d, m, g);
  const lyapnd::internal::ChartCover cover{d, n};
  const std::size_t cells = cover.cells(), stride = std::max<std::size_t>(1, cells / 16384);
  double wsum = 0;
  std::size_t count = 0, fails = 0;
  for (auto _ : state) {
    wsum = 0;
    count = fails = 0;
    for (std::size_t q = 0; q < cells; q += stride) {
      double lo[3], hi[3], l = 0, u = 0;
      const int c = cover.box(q, lo, hi);
      if (ev(c, lo, hi, l, u) && l <= u) {
        wsum += u - l;
      } else {
        ++fails;
      }
      ++count;
    }
    benchmark::DoNotOptimize(wsum);
  }
  state.counters["cells"] = static_cast<double>(count);
  state.counters["mean_width"] = wsum / static_cast<double>(count - fails);
  state.counters["fails"] = static_cast<double>(fails);
  state.counters["s_per_cell"] = benchmark::Counter(static_cast<double>(count),
                                                    benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
}
BENCHMARK(BM_CellBoundsNd)
    ->Args({3, 2, 1, 256})
    ->Args({4, 3, 2, 32})
    ->Args({4, 2, 1, 32})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

// The d = 2 cell bounds: a family of the seeded random class (k = 2, a cusp exponent alpha < 1 family is not needed:
// the cost per cell does not depend on it), the uniform mesh of 2048 nodes and the solver's g.
const char* const kCellFamily = "matrices([[3, -1], [-3, 0]]: 6/9, [[-3, -3], [-3, 0]]: 3/9)";

struct CellSetup {
  laws::FiniteMatrices f;
  std::vector<double> x, g;
};
const CellSetup& cell_setup() {
  static const CellSetup s = [] {
    CellSetup c;
    c.f = std::get<laws::FiniteMatrices>(laws::parse_matrix_law(kCellFamily).node);
    for (int j = 0; j < 2048; ++j) c.x.push_back(j / 2048.0);
    c.g = lyapnd::poisson_mesh_solution(c.f, c.x, {}, {}, 2000, std::chrono::steady_clock::now() + std::chrono::hours(1));
    return c;
  }();
  return s;
}
double tolerance_arg(const benchmark::State& state) {
  return state.range(0) ? std::numeric_limits<double>::infinity() : 0.0;
}

// The initial partition and its refinement rounds (LYAPND-POIS-4 (a), (d)), no transfer iteration.
void BM_CellBounds(benchmark::State& state) {
  const CellSetup& c = cell_setup();
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::optional<lyapnd::PoissonBounds> b;
  for (auto _ : state) {
    b = lyapnd::certify_poisson_bounds_mesh(c.f, c.x, c.g, 64, far, 0, 0, false, tolerance_arg(state));
    benchmark::DoNotOptimize(b);
  }
  const double evals = static_cast<double>(b->binary64_evaluations + b->arb_evaluations);
  state.counters["evals"] = evals;
  state.counters["arb_evals"] = static_cast<double>(b->arb_evaluations);
  state.counters["cells"] = static_cast<double>(b->cells);
  state.counters["h_width"] = b->h_width;
  state.counters["s_per_eval"] =
      benchmark::Counter(evals, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_CellBounds)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The image arcs of 65536 seeded random edges under the atoms (LYAPND-TRANS-3 (a) in Arb, -6 (d) in binary64).
void BM_ArcImages(benchmark::State& state) {
  const CellSetup& c = cell_setup();
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> edges(65536);
  for (double& e : edges) e = u(rng);
  const lyapnd::internal::ArcImager im(c.f, 64, state.range(0) != 0);
  std::vector<double> s, z;
  for (auto _ : state) {
    im.images(edges, s, z);
    benchmark::DoNotOptimize(s.data());
  }
  state.counters["s_per_edge"] = benchmark::Counter(static_cast<double>(edges.size()),
                                                    benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
}
BENCHMARK(BM_ArcImages)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// One certified level with its transfer rounds (ordinary level: rounds while they gain 20 %, at most twice the
// cells): the cell bounds, the arcs and the iteration together.
void BM_CellBoundsTransfer(benchmark::State& state) {
  const CellSetup& c = cell_setup();
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::optional<lyapnd::PoissonBounds> b;
  for (auto _ : state) {
    b = lyapnd::certify_poisson_bounds_mesh(c.f, c.x, c.g, 64, far, 20000, 0, false, tolerance_arg(state));
    benchmark::DoNotOptimize(b);
  }
  state.counters["width"] = 2 * mag_get_d(arb_radref(b->enclosure.get()));
  state.counters["h_width"] = b->h_width;
  state.counters["evals"] = static_cast<double>(b->binary64_evaluations + b->arb_evaluations);
  state.counters["rounds"] = b->transfer_rounds;
  state.counters["steps"] = b->transfer_steps;
}
BENCHMARK(BM_CellBoundsTransfer)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
