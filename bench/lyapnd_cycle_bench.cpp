// Cycle-expansion benchmarks: Pollicott's example at 40 certified digits (target < 1 s) and at 100 digits; the
// multicone method (one arc, two arcs) at 30 and 60 digits; seeded random families of four positive 2x2 matrices
// (entries uniform in [1, 9], p = 1/4) at 10 digits (target < 10 s). Counters: word length the bound needed,
// converged.
// d = 3, 4 (`BM_CycleNd_*`, proofs/lyapnd/cycle_nd.md): symmetric powers of Pollicott's family (Sym^2 3x3, Sym^3
// 4x4; exponents 2 and 3 times Pollicott's constant) and seeded random positive families; counters also give
// log10 of the certified width.
// Figures go to docs/performance.md, never into tests.
#include <benchmark/benchmark.h>

#include <arb.h>

#include <cmath>
#include <random>
#include <string>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace {

using namespace lyapcert;

// Same generator as tests/lyapnd/cycle_test.cpp: std::mt19937_64(seed), rejection sampling to [1, 9].
std::string random_family(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto draw = [&] {
    while (true) {
      const std::uint64_t x = rng();
      if (x < (~std::uint64_t{0} / 9) * 9) return static_cast<int>(x % 9) + 1;
    }
  };
  std::string s = "matrices(";
  for (int i = 0; i < 4; ++i) {
    const int a = draw(), b = draw(), c = draw(), d = draw();
    s += "[[" + std::to_string(a) + ", " + std::to_string(b) + "], [" + std::to_string(c) + ", " +
         std::to_string(d) + "]]: 1/4" + (i < 3 ? ", " : ")");
  }
  return s;
}

void certify(benchmark::State& state, const std::string& law_text, int digits,
             lyapnd::Method method = lyapnd::Method::cycle) {
  const laws::MatrixLaw law = laws::parse_matrix_law(law_text);
  lyapnd::Options o;
  o.acc.digits = digits;
  o.method = method;
  o.time_budget_seconds = 60;
  lyapnd::Result r;
  for (auto _ : state) {
    r = lyapnd::certify_lyapnd(law, o);
    benchmark::DoNotOptimize(r);
  }
  state.counters["word_length"] = r.word_length;
  state.counters["converged"] = r.top.converged ? 1 : 0;
  state.SetLabel(law_text.size() > 80 ? law_text.substr(0, 80) : law_text);
}

constexpr const char* kPollicott = "matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)";

// Sym^2 and Sym^3 of Pollicott's atoms (the construction of tests/lyapnd/cycle_nd_test.cpp, sym_power).
constexpr const char* kPollicottSym2 =
    "matrices([[4, 4, 1], [2, 3, 1], [1, 2, 1]]: 1/2, [[9, 6, 1], [6, 5, 1], [4, 4, 1]]: 1/2)";
constexpr const char* kPollicottSym3 =
    "matrices([[8, 12, 6, 1], [4, 8, 5, 1], [2, 5, 4, 1], [1, 3, 3, 1]]: 1/2, "
    "[[27, 27, 9, 1], [18, 21, 8, 1], [12, 16, 7, 1], [8, 12, 6, 1]]: 1/2)";

// k positive d x d matrices, entries uniform in [lo, hi] (std::mt19937_64(seed), rejection sampling), p = 1/k.
std::string positive_family_nd(std::uint64_t seed, int d, int k, int lo, int hi) {
  std::mt19937_64 rng(seed);
  const std::uint64_t span = static_cast<std::uint64_t>(hi - lo + 1);
  auto draw = [&] {
    while (true) {
      const std::uint64_t x = rng();
      if (x < (~std::uint64_t{0} / span) * span) return static_cast<int>(x % span) + lo;
    }
  };
  std::string s = "matrices(";
  for (int a = 0; a < k; ++a) {
    s += "[";
    for (int i = 0; i < d; ++i) {
      s += i ? ", [" : "[";
      for (int j = 0; j < d; ++j) s += (j ? ", " : "") + std::to_string(draw());
      s += "]";
    }
    s += "]: 1/" + std::to_string(k) + (a + 1 < k ? ", " : ")");
  }
  return s;
}

void certify_nd(benchmark::State& state, const std::string& law_text, int digits, double budget) {
  const laws::MatrixLaw law = laws::parse_matrix_law(law_text);
  lyapnd::Options o;
  o.acc.digits = digits;
  o.method = lyapnd::Method::cycle;
  o.time_budget_seconds = budget;
  lyapnd::Result r;
  for (auto _ : state) {
    r = lyapnd::certify_lyapnd(law, o);
    benchmark::DoNotOptimize(r);
  }
  state.counters["word_length"] = r.word_length;
  state.counters["converged"] = r.top.converged ? 1 : 0;
  const double w = 2 * mag_get_d(arb_radref(r.top.value.ball.get()));
  state.counters["log10_width"] = std::isfinite(w) && w > 0 ? std::log10(w) : 99;
  state.SetLabel(r.top.message.size() > 160 ? r.top.message.substr(0, 160) : r.top.message);
}

// The same symmetric powers conjugated by unimodular T (mixed signs): the cone basis of LYAPND-CYCND-7 is searched
// and checked first (included in the time).
constexpr const char* kConjugatedSym2 =
    "matrices([[5, 0, 3], [0, 1, 1], [3, 0, 2]]: 1/2, [[-2, 20, 23], [-1, 3, 3], [-1, 12, 14]]: 1/2)";
constexpr const char* kConjugatedSym3 =
    "matrices([[12, -28, -17, 36], [2, -3, -2, 4], [4, -24, -14, 31], [5, -20, -12, 26]]: 1/2, "
    "[[45, -35, -18, 38], [6, -1, 0, 0], [28, -47, -28, 59], [26, -33, -19, 40]]: 1/2)";
void BM_CycleNd_ConjugatedSym2_20digits(benchmark::State& s) { certify_nd(s, kConjugatedSym2, 20, 60); }
void BM_CycleNd_ConjugatedSym3_6digits(benchmark::State& s) { certify_nd(s, kConjugatedSym3, 6, 60); }
void BM_CycleNd_PollicottSym2_20digits(benchmark::State& s) { certify_nd(s, kPollicottSym2, 20, 60); }
void BM_CycleNd_PollicottSym2_30digits(benchmark::State& s) { certify_nd(s, kPollicottSym2, 30, 60); }
void BM_CycleNd_PollicottSym3_6digits(benchmark::State& s) { certify_nd(s, kPollicottSym3, 6, 60); }
void BM_CycleNd_PollicottSym3_10digits(benchmark::State& s) { certify_nd(s, kPollicottSym3, 10, 60); }
// range(0) = d, range(1) = lower entry bound, range(2) = seed; two atoms, entries up to 9, 20 digits asked, 20 s.
void BM_CycleNd_Random2(benchmark::State& s) {
  certify_nd(s,
             positive_family_nd(static_cast<std::uint64_t>(s.range(2)), static_cast<int>(s.range(0)), 2,
                                static_cast<int>(s.range(1)), 9),
             20, 20);
}

void BM_Cycle_Pollicott_40digits(benchmark::State& s) { certify(s, kPollicott, 40); }
void BM_Cycle_Pollicott_100digits(benchmark::State& s) { certify(s, kPollicott, 100); }
void BM_Cycle_Random4_10digits(benchmark::State& s) {
  certify(s, random_family(static_cast<std::uint64_t>(s.range(0))), 10);
}

// --method multicone (proofs/lyapnd/multicone.md; the multicone search and exact check are included in
// the time): Pollicott's family conjugated by [[1, 2], [-1, 1]] with one atom negated (one arc, target
// >= 30 digits in <= 1 s), and a family that needs two arcs (tests/lyapnd/multicone_test.cpp).
constexpr const char* kConjugated = "matrices([[7/3, -5/3], [-1/3, 2/3]]: 1/2, [[-10/3, 11/3], [1/3, -2/3]]: 1/2)";
constexpr const char* kTwoArcs = "matrices([[40, 0], [0, 1]]: 1/2, [[-12, 26], [-26, 53]]: 1/2)";
void BM_Multicone_ConjugatedPollicott_30digits(benchmark::State& s) {
  certify(s, kConjugated, 30, lyapnd::Method::multicone);
}
void BM_Multicone_TwoArcs_30digits(benchmark::State& s) { certify(s, kTwoArcs, 30, lyapnd::Method::multicone); }
void BM_Multicone_TwoArcs_60digits(benchmark::State& s) { certify(s, kTwoArcs, 60, lyapnd::Method::multicone); }

BENCHMARK(BM_Multicone_ConjugatedPollicott_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Multicone_TwoArcs_30digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Multicone_TwoArcs_60digits)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Cycle_Pollicott_40digits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cycle_Pollicott_100digits)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_Cycle_Random4_10digits)->Unit(benchmark::kMillisecond)->Iterations(1)->DenseRange(1, 8);
BENCHMARK(BM_CycleNd_PollicottSym2_20digits)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CycleNd_ConjugatedSym2_20digits)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CycleNd_ConjugatedSym3_6digits)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CycleNd_PollicottSym2_30digits)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CycleNd_PollicottSym3_6digits)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CycleNd_PollicottSym3_10digits)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CycleNd_Random2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->ArgsProduct({{3, 4}, {1, 4}, {1, 2, 3, 4}});

}  // namespace
