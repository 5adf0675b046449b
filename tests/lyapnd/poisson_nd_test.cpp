// Tests of the Poisson-equation certificate for d = 3, 4 (lib/lyapcert/lyapnd/poisson_nd.hpp,
// proofs/lyapnd/poisson.md LYAPND-POIS-6..10) against independent values: closed forms (scalar multiples of
// rational rotations: the mean log of the scalars; block-diagonal families conjugated by an exact rational
// matrix: the max of the block exponents, each a closed form evaluated with Arb logs), the enumeration upper
// bound (LYAPND-ENUM-1), the determinant bound lambda_1 >= E log|det A| / d, and seeded Monte Carlo at loose
// tolerance (RapidCheck over random invertible integer families, also with an arbitrary g).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <arb.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"
#include "lyapnd/support.hpp"
#include "support/budget.hpp"

namespace {

using namespace lyapcert::test;  // lyapnd/support.hpp
namespace laws = lyapcert::laws;
using Mat = std::vector<Rational>;

// Work caps of the closed-form tests (cells of a level, live boxes of a search): multilinear m <= 8 (d = 3) resp. 4,
// piecewise constant m <= 16 resp. 8, no transfer cover (TransferNdCycle runs the driver with one).
constexpr std::uint64_t kCapD3 = 3 * 16 * 16, kCapD4 = 4 * 8 * 8 * 8;

// The d = 3, 4 driver bounded by its deterministic work cap (Options::poisson_nd_max_cells: no level or transfer
// cover with more cells) instead of the clock, so that the result does not depend on the machine's speed or load
// (tests/support/budget.hpp, docs/reliability.md).
nd::Result run_capped(const std::string& law, int digits, std::uint64_t max_cells,
                      nd::Method method = nd::Method::poisson) {
  nd::Options o;
  o.acc.digits = digits;
  o.method = method;
  o.time_budget_seconds = kNoWallClock;
  o.poisson_nd_max_cells = max_cells;
  return nd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

TEST(PoissonNdClosedForms, ScaledRotationsD3) {
  // Lambda(c O) = log c for orthogonal O, and conjugation does not change Lambda: Lambda = (log 2 + log 3)/2.
  const Ball exact = mean_log({{Rational(1, 2), Rational(2)}, {Rational(1, 2), Rational(3)}});
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  // In the standard basis phi is constant: g = 0 is exact and only the interval evaluation limits the width.
  const nd::Result r = run_capped(law_text({scaled(kR1, 2), scaled(kR2, 3)}, ps, 3), 3, kCapD3);
  EXPECT_EQ(r.top.method, "poisson");
  EXPECT_TRUE(contains(r.top.value.ball, exact)) << r.top.value.ball.debug_str();
  EXPECT_LT(width(r.top.value.ball), 0.05) << r.top.message;
  // Conjugated by P: phi is not constant any more, g has to compensate.
  const nd::Result c = run_capped(law_text({conj(scaled(kR1, 2), kP3, 3), conj(scaled(kR2, 3), kP3, 3)}, ps, 3), 3, kCapD3);
  EXPECT_TRUE(contains(c.top.value.ball, exact)) << c.top.value.ball.debug_str();
  EXPECT_LT(width(c.top.value.ball), 1.0) << c.top.message;
  EXPECT_FALSE(c.top.converged);
}

TEST(PoissonNdClosedForms, BlockDiagonalD3) {
  // diag(T_i, s_i) conjugated by P, T_i upper triangular 2x2 (non-commuting): Lambda is the largest mean
  // log of a diagonal position: max(log(2/3)/2, log(3/2)/2, log(5/4)/2) = log(3/2)/2. Reducible family:
  // the enclosure must contain Lambda but cannot shrink to it (LYAPND-POIS-2).
  const Mat a1 = {2, 1, 0, 0, Rational(1, 2), 0, 0, 0, 1};
  const Mat a2 = {Rational(1, 3), 1, 0, 0, 3, 0, 0, 0, Rational(5, 4)};
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  const nd::Result r = run_capped(law_text({conj(a1, kP3, 3), conj(a2, kP3, 3)}, ps, 3), 3, kCapD3);
  const Ball exact = mean_log({{Rational(1, 2), Rational(3, 2)}});
  EXPECT_TRUE(r.top.value.ball.is_finite()) << r.top.message;
  EXPECT_TRUE(contains(r.top.value.ball, exact)) << r.top.value.ball.debug_str();
  EXPECT_FALSE(r.top.converged);
}

TEST(PoissonNdClosedForms, BlockDiagonalD4) {
  // diag(c_i R_i, T_i) conjugated by a 4x4 P: R_i 2x2 rotations by irrational angles, c = 2, 3 (block
  // exponent (log 2 + log 3)/2), T_i upper triangular with diagonals (1, 1/2), (1/2, 1) (block exponent
  // -log(2)/2). Lambda = log(6)/2.
  const Mat a1 = {Rational(6, 5), Rational(-8, 5), 0, 0, Rational(8, 5), Rational(6, 5), 0, 0,
                  0, 0, 1, 1, 0, 0, 0, Rational(1, 2)};
  const Mat a2 = {Rational(15, 13), Rational(-36, 13), 0, 0, Rational(36, 13), Rational(15, 13), 0, 0,
                  0, 0, Rational(1, 2), 1, 0, 0, 0, 1};
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  const nd::Result r = run_capped(law_text({conj(a1, kP4, 4), conj(a2, kP4, 4)}, ps, 4), 3, kCapD4);
  EXPECT_EQ(r.top.method, "poisson");
  const Ball exact = mean_log({{Rational(1, 2), Rational(6)}});
  EXPECT_TRUE(r.top.value.ball.is_finite()) << r.top.message;
  EXPECT_TRUE(contains(r.top.value.ball, exact)) << r.top.value.ball.debug_str();
  // Reducible and strongly distorted by P: the level g = 0 alone gives about [-4.1, 3.1] (inf and sup of phi).
  EXPECT_LT(width(r.top.value.ball), 7.5) << r.top.message;
}

TEST(PoissonNdArbitraryG, AnyBoundedGBracketsTheExactValue) {
  // LYAPND-POIS-1 holds for every bounded g: random g on the chart grid still brackets Lambda.
  const laws::FiniteMatrices f =
      family({conj(scaled(kR1, 2), kP3, 3), conj(scaled(kR2, 3), kP3, 3)}, {Rational(1, 2), Rational(1, 2)});
  const Ball exact = mean_log({{Rational(1, 2), Rational(2)}, {Rational(1, 2), Rational(3)}});
  const double lam = arf_get_d(arb_midref(exact.get()), ARF_RND_NEAR);
  std::mt19937_64 rng(20261128);
  std::normal_distribution<double> N01;
  const auto far = Clock::now() + std::chrono::seconds(30);
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<double> g(3 * 8 * 8);
    for (double& v : g) v = 0.3 * N01(rng);
    const nd::PoissonNdBounds b = nd::certify_poisson_bounds_nd(f, 3, 8, g, 20000, far);
    EXPECT_LE(b.lower, lam - 1e-12) << rep;
    EXPECT_GE(b.upper, lam + 1e-12) << rep;
    EXPECT_TRUE(std::isfinite(b.lower) && std::isfinite(b.upper));
  }
}

TEST(PoissonNdInput, SingularAtomNamedAndAutoGivesUpperBoundOnly) {
  const std::string law = "matrices([[1, 1, 0], [0, 1, 0], [0, 1, 1]]: 1/2, [[1, 2, 3], [2, 4, 6], [1, 0, 1]]: 1/2)";
  try {
    run(law, 3, nd::Method::poisson, 1);
    ADD_FAILURE() << "no InputError";
  } catch (const lyapcert::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("matrix #2 is singular"), std::string::npos) << e.what();
  }
  nd::Options o;
  o.acc.digits = 3;
  o.time_budget_seconds = 1;
  o.max_word_length = 4;
  const nd::Result r = nd::certify_lyapnd(laws::parse_matrix_law(law), o);
  EXPECT_EQ(r.top.method, "enumerate");
  EXPECT_TRUE(r.upper_bound_only);
  EXPECT_NE(r.top.message.find("singular"), std::string::npos) << r.top.message;
  // d = 4 singular atom, also refused by the library entry points.
  const laws::FiniteMatrices f = family({{1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 2, 2}}, {Rational(1)});
  EXPECT_THROW(nd::poisson_chart_solution(f, 4, 4, 10, Clock::now() + std::chrono::seconds(5)),
               lyapcert::InputError);
}

TEST(PoissonNdAuto, NonCommutingInvertibleFamilyUsesPoisson) {
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  const nd::Result r = run_capped(law_text({conj(scaled(kR1, 2), kP3, 3), conj(scaled(kR2, 3), kP3, 3)}, ps, 3),
                                  12, kCapD3, nd::Method::automatic);
  EXPECT_EQ(r.top.method, "poisson");
  EXPECT_FALSE(r.upper_bound_only);
  EXPECT_FALSE(r.top.converged);  // 12 digits are out of reach
  EXPECT_TRUE(r.top.value.ball.is_finite());
  // The work cap, not the clock, ended the run, and the message says so.
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.top.message.find("work cap"), std::string::npos) << r.top.message;
}

// Random invertible integer families (2 atoms, probabilities 1/2, d = 3 or 4): the Poisson enclosure's lower
// end is <= the enumeration upper bound (n = 3) and its upper end is >= E log|det A| / d, and it is consistent
// with a seeded Monte Carlo estimate: lower - 5 se - 0.02 <= estimate <= upper + 5 se + 0.02 (0.02 covers the
// O(1/n) start-vector bias of n = 4000-step chains and is about 8 standard errors itself, so the false-failure
// probability of the 16 one-sided checks is far below 1e-6; 40 batches).
void bracket_property() {
  const int d = *rc::gen::inRange(3, 5);
  laws::FiniteMatrices f;
  std::vector<std::vector<double>> md;
  std::vector<std::pair<Rational, Rational>> wx;
  for (int i = 0; i < 2; ++i) {
    Mat m(d * d);
    for (auto& e : m) e = Rational(*rc::gen::inRange(-3, 4));
    // Invertible without a rejection loop: det(M + s I) is a nonzero polynomial of degree d in s, so one of
    // d + 1 shifts works; the exact test decides.
    for (int s = 0; s <= d + 1; ++s) {
      laws::FiniteMatrices one;
      one.matrices = {m};
      one.probs = {Rational(1)};
      if (nd::first_singular_atom(one, d) < 0) break;
      for (int j = 0; j < d; ++j) m[j * d + j] += 5;
    }
    // |det| (exact) for the determinant bound.
    Mat u = m;
    Rational det = 1;
    for (int c = 0; c < d; ++c) {
      int p = c;
      while (p < d && u[p * d + c] == 0) ++p;
      RC_ASSERT(p < d);
      if (p != c) {
        for (int j = 0; j < d; ++j) std::swap(u[p * d + j], u[c * d + j]);
        det = -det;
      }
      det *= u[c * d + c];
      for (int r = c + 1; r < d; ++r) {
        const Rational q = u[r * d + c] / u[c * d + c];
        for (int j = c; j < d; ++j) u[r * d + j] -= q * u[c * d + j];
      }
    }
    wx.push_back({Rational(1, 2 * d), det < 0 ? Rational(-det) : det});
    std::vector<double> md1;
    for (const auto& e : m) md1.push_back(e.convert_to<double>());
    md.push_back(md1);
    f.matrices.push_back(m);
    f.probs.push_back(Rational(1, 2));
  }
  nd::Options o;
  o.acc.digits = 6;
  o.method = nd::Method::poisson;
  o.time_budget_seconds = kNoWallClock;
  o.poisson_nd_max_cells = d == 3 ? 3 * 17 * 17 : 4 * 9 * 9 * 9;  // deterministic: multilinear m <= 16 resp. 8
  laws::MatrixLaw law;
  law.dim = d;
  law.node = f;
  const nd::Result r = nd::certify_lyapnd(law, o);
  RC_ASSERT(r.top.value.ball.is_finite());
  arf_t lo, up;
  arf_init(lo);
  arf_init(up);
  arb_get_lbound_arf(lo, r.top.value.ball.get(), 64);
  arb_get_ubound_arf(up, r.top.value.ball.get(), 64);
  const double plo = arf_get_d(lo, ARF_RND_FLOOR), pup = arf_get_d(up, ARF_RND_CEIL);
  const auto lev = nd::enumeration_bound(f, d, 3, 64, Clock::now() + std::chrono::seconds(30));
  RC_ASSERT(lev.has_value());
  RC_ASSERT(!lev->minus_infinity);
  arb_get_ubound_arf(up, lev->upper_bound.get(), 64);
  const bool below = arf_cmp(lo, up) <= 0;
  const Ball dlow = mean_log(wx, 64);
  arb_get_ubound_arf(up, r.top.value.ball.get(), 64);
  arb_get_lbound_arf(lo, dlow.get(), 64);
  const bool above = arf_cmp(up, lo) >= 0;
  arf_clear(lo);
  arf_clear(up);
  RC_ASSERT(below);
  RC_ASSERT(above);
  const std::uint64_t seed = *rc::gen::arbitrary<std::uint32_t>();
  RC_LOG() << "Monte Carlo seed " << seed << "\n";
  const auto [mc, se] = monte_carlo(md, d, seed, 40, 4000);
  RC_ASSERT(mc >= plo - 5 * se - 0.02);
  RC_ASSERT(mc <= pup + 5 * se + 0.02);
}

// 8 cases (about 0.6 s each) unless RC_PARAMS sets max_success; the whole property replays with the printed
// RapidCheck seed.
TEST(PoissonNdProperty, BracketsEnumerationDeterminantAndMonteCarlo) {
  auto params = rc::detail::configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  if (!env || !std::strstr(env, "max_success")) params.maxSuccess = 8;
  rc::detail::TestMetadata meta;
  meta.id = "PoissonNdProperty/BracketsEnumerationDeterminantAndMonteCarlo";
  meta.description = meta.id;
  const auto result = rc::detail::checkTestable(&bracket_property, meta, params);
  std::ostringstream ss;
  rc::detail::printResultMessage(result, ss);
  EXPECT_TRUE(result.template is<rc::detail::SuccessResult>())
      << ss.str() << "\nreplay: RC_PARAMS=\"seed=" << params.seed << " max_success=" << params.maxSuccess << "\"";
  std::cout << "RapidCheck seed " << params.seed << ": " << ss.str() << "\n";
}

}  // namespace
