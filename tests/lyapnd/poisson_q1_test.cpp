// Tests of the piecewise-multilinear Poisson certificate for d = 3, 4 (lib/lyapcert/lyapnd/poisson_nd.hpp,
// proofs/lyapnd/poisson.md LYAPND-POIS-20..24) against independent values: closed forms (scalar multiples of
// orthogonal matrices: the mean log of the scalars), block-diagonal families whose 2x2 block exponent comes from
// the d = 2 cycle expansion (LYAPND-CYCLE), the symmetric square of a positive 2x2 pair (twice the d = 2 cycle
// value), positive 3x3 families against the cycle expansion for d = 3 (cycle_nd), and values of h at random points
// recomputed here in binary64 from the definition of g (an independent implementation of the interpolant).
#include <gtest/gtest.h>

#include <arb.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"
#include "lyapnd/support.hpp"
#include "support/seed.hpp"

namespace {

using namespace lyapcert::test;  // lyapnd/support.hpp
namespace laws = lyapcert::laws;
using Mat = std::vector<Rational>;

// Far deadline: the searches below are bounded by their box caps, so the results do not depend on the load.
Clock::time_point far() { return Clock::now() + std::chrono::hours(1); }

// [lower, upper] contains the ball x entirely.
bool brackets(const nd::PoissonNdBounds& b, const Ball& x) {
  Ball enc;
  lyapcert::exact::set_interval_d(enc.get(), b.lower, b.upper, 128);
  return std::isfinite(b.lower) && std::isfinite(b.upper) && arb_contains(enc.get(), x.get());
}

// Left multiplication by the quaternion a + b i + c j + d k: sqrt(a^2 + b^2 + c^2 + d^2) times an orthogonal matrix.
Mat quat(long a, long b, long c, long d) {
  return {a, -b, -c, -d, b, a, -d, c, c, d, a, -b, d, -c, b, a};
}

// g([w]) from its definition (LYAPND-POIS-20 (a)), written independently of the library: the chart is the first
// index of max |w_j|, u = w / w_c, cell k = min(m - 1, floor((u + 1) m / 2)), multilinear weights.
double g_at(const std::vector<double>& g, int d, int m, const double* w) {
  return lyapcert::test::q1_g_at<double>(g, d, m, w);
}

// h([v]) = sum_i p_i (log(|M_i v| / |v|) + g([M_i v])) - g([v]) in binary64.
double h_at(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g, const double* v) {
  double nv = 0;
  for (int j = 0; j < d; ++j) nv += v[j] * v[j];
  double h = -g_at(g, d, m, v);
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    std::array<double, 4> w{};
    double nw = 0;
    for (int r = 0; r < d; ++r) {
      for (int c = 0; c < d; ++c) w[r] += to_double(f.matrices[i][r * d + c]) * v[c];
      nw += w[r] * w[r];
    }
    h += to_double(f.probs[i]) * (0.5 * std::log(nw / nv) + g_at(g, d, m, w.data()));
  }
  return h;
}

// (P^J h)([v]) = sum_i p_i (P^{J-1} h)([M_i v]) (LYAPND-POIS-25), recursively.
double hj_at(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g, const double* v, int J) {
  if (J == 0) return h_at(f, d, m, g, v);
  double acc = 0;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    std::array<double, 4> w{};
    for (int r = 0; r < d; ++r)
      for (int c = 0; c < d; ++c) w[r] += to_double(f.matrices[i][r * d + c]) * v[c];
    acc += to_double(f.probs[i]) * hj_at(f, d, m, g, w.data(), J - 1);
  }
  return acc;
}

// A node table from a smooth function F([z]) = (z . a)^2 / |z|^2 of the integer node representative z (z_c = m,
// z_j = 2 i - m): a node shared by two charts has the representative z or -z in both, F is even and computed
// symmetrically, so the table is bit-identical on shared nodes (consistent, LYAPND-POIS-20 (c)).
std::vector<double> smooth_table(int d, int m) {
  const std::array<double, 4> a = {0.3, -1.1, 0.7, 0.45};
  std::vector<double> g;
  for (int c = 0; c < d; ++c) {
    std::size_t S = 1;
    for (int i = 0; i < d - 1; ++i) S *= static_cast<std::size_t>(m + 1);
    for (std::size_t n = 0; n < S; ++n) {
      std::size_t r = n;
      std::array<double, 4> z{};
      for (int j = 0; j < d; ++j) {
        if (j == c) {
          z[j] = m;
        } else {
          z[j] = 2.0 * static_cast<double>(r % static_cast<std::size_t>(m + 1)) - m;
          r /= static_cast<std::size_t>(m + 1);
        }
      }
      double dot = 0, nz = 0;
      for (int j = 0; j < d; ++j) {
        dot += z[j] * a[j];
        nz += z[j] * z[j];
      }
      g.push_back(2.5 * dot * dot / nz);
    }
  }
  return g;
}

TEST(PoissonQ1ClosedForms, ScaledOrthogonalD3D4) {
  // phi is constant, so Lambda = E log |scalar| (d = 3: 2 R1 and R2 / 3; d = 4: quaternion matrices, sqrt 3 and
  // sqrt 5 times orthogonal: Lambda = (log 3 + log 5) / 4).
  {
    const std::vector<Mat> ms = {scaled(kR1, 2), scaled(kR2, Rational(1, 3))};
    const std::vector<Rational> ps = {Rational(1, 3), Rational(2, 3)};
    const auto f = family(ms, ps);
    const Ball exact = mean_log({{Rational(1, 3), Rational(2)}, {Rational(2, 3), Rational(1, 3)}});
    const auto g = nd::poisson_q1_solution(f, 3, 16, 200, far());
    bool cont = false;
    const auto b = nd::certify_poisson_bounds_q1(f, 3, 16, g, 10000, far(), &cont);
    EXPECT_TRUE(cont);
    EXPECT_TRUE(brackets(b, exact)) << b.lower << " " << b.upper;
    EXPECT_LT(b.upper - b.lower, 1e-2);
  }
  {
    const std::vector<Mat> ms = {quat(1, 1, 1, 0), quat(2, 1, 0, 0)};
    const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
    const auto f = family(ms, ps);
    const Ball exact = mean_log({{Rational(1, 4), Rational(3)}, {Rational(1, 4), Rational(5)}});
    const auto g = nd::poisson_q1_solution(f, 4, 4, 200, far());
    const auto b = nd::certify_poisson_bounds_q1(f, 4, 4, g, 10000, far());
    EXPECT_TRUE(brackets(b, exact)) << b.lower << " " << b.upper;
    EXPECT_LT(b.upper - b.lower, 0.2);
    // Through the driver (both ladders, intersection).
    const nd::Result r = run(law_text(ms, ps, 4), 3, nd::Method::poisson, 1);
    EXPECT_TRUE(arb_contains(r.top.value.ball.get(), exact.get())) << r.top.message;
    EXPECT_NE(r.top.message.find("g multilinear"), std::string::npos) << r.top.message;
  }
}

// The top exponent of a positive 2x2 pair by the d = 2 cycle expansion (an independent algorithm).
Ball cycle2(const std::string& law, int digits) {
  const nd::Result r = run(law, digits, nd::Method::cycle, 20);
  EXPECT_EQ(r.top.method, "cycle");
  EXPECT_TRUE(r.top.converged) << r.top.message;
  return r.top.value.ball;
}

TEST(PoissonQ1BlockDiagonal, CycleBlockPlusOneDimensionalBlockD3) {
  // diag(B_i, s_i) conjugated by P3: B_i the positive pair [[2, 1], [1, 1]], [[3, 1], [2, 1]] (Lambda_B about 1.14
  // from the cycle expansion), s_i = 1/2, 3 (E log |s| = log(3/2) / 2 < Lambda_B). Lambda = Lambda_B.
  const Ball lb = cycle2("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 15);
  const Mat a1 = {2, 1, 0, 1, 1, 0, 0, 0, Rational(1, 2)};
  const Mat a2 = {3, 1, 0, 2, 1, 0, 0, 0, 3};
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  const auto f = family({conj(a1, kP3, 3), conj(a2, kP3, 3)}, ps);
  for (int m : {8, 32}) {
    const auto g = nd::poisson_q1_solution(f, 3, m, 400, far());
    const auto b = nd::certify_poisson_bounds_q1(f, 3, m, g, 30000, far());
    EXPECT_TRUE(brackets(b, lb)) << m << ": " << b.lower << " " << b.upper;
  }
}

TEST(PoissonQ1BlockDiagonal, CycleBlockPlusScaledRotationD4) {
  // diag(B_i, c_i R_i) conjugated by P4: B_i the positive pair above, R_i rational rotations of the plane,
  // c = 1, 2 (block exponent log(2) / 2 < Lambda_B). Lambda = Lambda_B.
  const Ball lb = cycle2("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 15);
  const Mat a1 = {2, 1, 0, 0, 1, 1, 0, 0, 0, 0, Rational(3, 5), Rational(-4, 5), 0, 0, Rational(4, 5), Rational(3, 5)};
  const Mat a2 = {3, 1, 0, 0, 2, 1, 0, 0, 0, 0, Rational(10, 13), Rational(-24, 13), 0, 0, Rational(24, 13),
                  Rational(10, 13)};
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  const auto f = family({conj(a1, kP4, 4), conj(a2, kP4, 4)}, ps);
  for (int m : {4, 8}) {
    const auto g = nd::poisson_q1_solution(f, 4, m, 400, far());
    const auto b = nd::certify_poisson_bounds_q1(f, 4, m, g, 5000, far());
    EXPECT_TRUE(brackets(b, lb)) << m << ": " << b.lower << " " << b.upper;
  }
}

// Sym^2 of [[a, b], [c, d]] on (x^2, xy, y^2).
Mat sym2(long a, long b, long c, long d) {
  return {a * a, 2 * a * b, b * b, a * c, a * d + b * c, b * d, c * c, 2 * c * d, d * d};
}

TEST(PoissonQ1Sym2, ContainsTwiceTheCycleValueAndIsNarrowerThanPiecewiseConstant) {
  // Lambda(Sym^2 family) = 2 Lambda(2x2 family); the d = 2 cycle expansion gives the latter to 20 digits.
  const Ball two = cycle2("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 20);
  Ball lam;
  arb_mul_2exp_si(lam.get(), two.get(), 1);
  const std::vector<Rational> ps = {Rational(1, 2), Rational(1, 2)};
  const auto f = family({sym2(2, 1, 1, 1), sym2(3, 1, 2, 1)}, ps);
  const int m = 32;
  const std::uint64_t cap = 200000;
  const auto gq = nd::poisson_q1_solution(f, 3, m, 2000, far());
  const auto bq = nd::certify_poisson_bounds_q1(f, 3, m, gq, cap, far());
  EXPECT_TRUE(brackets(bq, lam)) << bq.lower << " " << bq.upper;
  // The piecewise-constant g on the same grid (same number of unknowns up to the faces), same box cap.
  const auto gp = nd::poisson_chart_solution(f, 3, m, 2000, far());
  const auto bp = nd::certify_poisson_bounds_nd(f, 3, m, gp, cap, far());
  EXPECT_TRUE(brackets(bp, lam)) << bp.lower << " " << bp.upper;
  EXPECT_LT(bq.upper - bq.lower, bp.upper - bp.lower)
      << "multilinear [" << bq.lower << ", " << bq.upper << "], piecewise constant [" << bp.lower << ", " << bp.upper
      << "]";
}

TEST(PoissonQ1CycleNd, PositiveFamiliesD3ContainTheCycleValue) {
  const std::vector<std::string> laws_3 = {
      "matrices([[7, 4, 5], [5, 8, 4], [4, 5, 9]]: 1/3, [[6, 5, 4], [4, 7, 6], [5, 4, 8]]: 2/3)",
      "matrices([[2, 1, 1], [1, 3, 1], [1, 1, 1]]: 1/2, [[1, 2, 1], [1, 1, 2], [3, 1, 1]]: 1/2)"};
  for (const std::string& law : laws_3) {
    const nd::Result cyc = run(law, 6, nd::Method::cycle, 20);
    ASSERT_EQ(cyc.top.method, "cycle") << law;
    ASSERT_TRUE(cyc.top.value.ball.is_finite()) << cyc.top.message;
    const auto parsed = laws::parse_matrix_law(law);
    const auto& f = std::get<laws::FiniteMatrices>(parsed.node);
    const auto g = nd::poisson_q1_solution(f, 3, 16, 400, far());
    const auto b = nd::certify_poisson_bounds_q1(f, 3, 16, g, 30000, far());
    EXPECT_TRUE(brackets(b, cyc.top.value.ball)) << law << ": " << b.lower << " " << b.upper;
  }
}

TEST(PoissonQ1ArbitraryG, ConsistentAndInconsistentTablesBracketTheClosedForm) {
  // LYAPND-POIS-6 holds for any bounded g: a smooth consistent table (mean-value form across chart switches) and
  // the same table with seeded noise (inconsistent: the mean-value form only inside one chart).
  const std::uint64_t seed = lyapcert::test::test_seed(20261207);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  const std::vector<Mat> ms3 = {scaled(kR1, 2), scaled(kR2, Rational(1, 3))};
  const std::vector<Mat> ms4 = {quat(1, 1, 1, 0), quat(2, 1, 0, 0)};
  const std::vector<Rational> ps = {Rational(1, 3), Rational(2, 3)};
  for (int d : {3, 4}) {
    const auto f = family(d == 3 ? ms3 : ms4, ps);
    const Ball exact = d == 3 ? mean_log({{Rational(1, 3), Rational(2)}, {Rational(2, 3), Rational(1, 3)}})
                              : mean_log({{Rational(1, 6), Rational(3)}, {Rational(1, 3), Rational(5)}});
    const int m = d == 3 ? 8 : 4;
    std::vector<double> g = smooth_table(d, m);
    bool cont = false;
    auto b = nd::certify_poisson_bounds_q1(f, d, m, g, 20000, far(), &cont);
    EXPECT_TRUE(cont) << d;
    EXPECT_TRUE(brackets(b, exact)) << d << ": " << b.lower << " " << b.upper;
    for (double& v : g) v += 0.3 * n01(rng);
    b = nd::certify_poisson_bounds_q1(f, d, m, g, 20000, far(), &cont);
    EXPECT_FALSE(cont) << d;
    EXPECT_TRUE(brackets(b, exact)) << d << ": " << b.lower << " " << b.upper;
    // P^2 h of the noisy table (LYAPND-POIS-25): still brackets Lambda.
    b = nd::certify_poisson_bounds_q1(f, d, m, g, 5000, far(), nullptr, 2);
    EXPECT_TRUE(brackets(b, exact)) << d << " J = 2: " << b.lower << " " << b.upper;
  }
}

TEST(PoissonQ1Enclosure, ValuesAtRandomPointsLieInTheCertifiedBounds) {
  // inf h <= h(v) <= sup h at every point: the certified bounds must contain h recomputed here (binary64, an
  // independent implementation of g) at seeded random points, for the solver's table, a noisy one, and d = 3, 4.
  const std::uint64_t seed = lyapcert::test::test_seed(7);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  for (int d : {3, 4}) {
    for (int trial = 0; trial < 2; ++trial) {
      std::vector<Mat> ms;
      for (int i = 0; i < 2; ++i) {
        Mat a;
        for (int r = 0; r < d * d; ++r) a.emplace_back(std::lround(n01(rng) * 1000), 1000);
        ms.push_back(a);
      }
      const auto f = family(ms, {Rational(1, 2), Rational(1, 2)});
      if (nd::first_singular_atom(f, d) >= 0) continue;
      const int m = d == 3 ? 16 : 4;
      std::vector<double> g = nd::poisson_q1_solution(f, d, m, 300, far());
      if (trial == 1)
        for (double& v : g) v += 0.05 * n01(rng);
      for (int J : {0, 1}) {
        // J = 1: P h (LYAPND-POIS-25), recomputed as sum_i p_i h([M_i v]).
        const auto b = nd::certify_poisson_bounds_q1(f, d, m, g, J ? 3000 : 6000, far(), nullptr, J);
        ASSERT_TRUE(std::isfinite(b.lower) && std::isfinite(b.upper));
        double lo = 1e300, hi = -1e300;
        for (int s = 0; s < (J ? 2000 : 5000); ++s) {
          std::array<double, 4> v{};
          for (int j = 0; j < d; ++j) v[j] = n01(rng);
          const double h = hj_at(f, d, m, g, v.data(), J);
          lo = std::min(lo, h);
          hi = std::max(hi, h);
        }
        // 1e-9: the binary64 error of the recomputation (a few hundred roundings of values below 1e3).
        EXPECT_LE(b.lower, lo + 1e-9) << d << " " << trial << " J = " << J;
        EXPECT_GE(b.upper, hi - 1e-9) << d << " " << trial << " J = " << J;
      }
    }
  }
}

TEST(PoissonQ1Input, BadGridTableAndSingularAtomsAreRefused) {
  const auto f = family({scaled(kR1, 2), scaled(kR2, Rational(1, 3))}, {Rational(1, 2), Rational(1, 2)});
  EXPECT_THROW(nd::poisson_q1_solution(f, 3, 6, 10, far()), lyapcert::InputError);
  EXPECT_THROW(nd::poisson_q1_solution(f, 3, 1024, 10, far()), lyapcert::InputError);
  EXPECT_THROW(nd::certify_poisson_bounds_q1(f, 3, 4, std::vector<double>(10, 0.0), 100, far()), lyapcert::InputError);
  const auto sing = family({Mat{1, 2, 3, 2, 4, 6, 0, 0, 1}, kR1}, {Rational(1, 2), Rational(1, 2)});
  EXPECT_THROW(nd::poisson_q1_solution(sing, 3, 4, 10, far()), lyapcert::InputError);
  EXPECT_THROW(nd::certify_poisson_bounds_q1(f, 3, 4, std::vector<double>(75, 0.0), 100, far(), nullptr, 7),
               lyapcert::InputError);
  EXPECT_EQ(nd::poisson_q1_table_size(3, 4), 3u * 25u);
  EXPECT_EQ(nd::poisson_q1_table_size(4, 4), 4u * 125u);
}

}  // namespace
