// Cycle-expansion benchmarks: Pollicott's example at 40 certified digits (target < 1 s) and at 100 digits; the
// multicone method (one arc, two arcs) at 30 and 60 digits; seeded random families of four positive 2x2 matrices
// (entries uniform in [1, 9], p = 1/4) at 10 digits (target < 10 s). Counters: word length the bound needed,
// converged.
// Figures go to docs/performance.md, never into tests.
#include <benchmark/benchmark.h>

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

}  // namespace
