// Tests of the transfer iteration for d = 3, 4 (lib/lyapcert/lyapnd/internal/transfer_nd.hpp,
// proofs/lyapnd/transfer_nd.md LYAPND-TRANS-10..14 on top of LYAPND-TRANS-1, -2) against independent values:
// images of sampled points under each atom (the image cover), P^J h at sampled points as the sum over all words of
// length J computed here in long double from the definition of the multilinear g (an independent implementation),
// closed forms (scalar multiples of orthogonal matrices: the mean log of the scalars) and the d = 3 cycle expansion
// on a positive family (LYAPND-CYCND, an independent algorithm).
#include <gtest/gtest.h>

#include <arb.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/poisson_q1.hpp"
#include "lyapcert/lyapnd/internal/transfer_nd.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"
#include "lyapnd/support.hpp"
#include "support/budget.hpp"
#include "support/seed.hpp"

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace in = lyapcert::lyapnd::internal;
namespace laws = lyapcert::laws;
using Clock = std::chrono::steady_clock;
using Mat = std::vector<Rational>;
using LD = long double;
constexpr double kInfLD = std::numeric_limits<double>::infinity();

Clock::time_point far() { return Clock::now() + std::chrono::hours(1); }

laws::FiniteMatrices family(const std::vector<Mat>& ms, const std::vector<Rational>& ps) {
  laws::FiniteMatrices f;
  f.matrices = ms;
  f.probs = ps;
  return f;
}

LD to_ld(const Rational& x) {
  Ball b = Ball::from_rational(x, 128);
  return static_cast<LD>(arf_get_d(arb_midref(b.get()), ARF_RND_NEAR));
}

Mat scaled(const Mat& a, const Rational& s) {
  Mat b = a;
  for (auto& x : b) x *= s;
  return b;
}

const Mat kR1 = {Rational(1, 3), Rational(2, 3), Rational(2, 3),  Rational(2, 3), Rational(1, 3),
                 Rational(-2, 3), Rational(-2, 3), Rational(2, 3), Rational(-1, 3)};
const Mat kR2 = {1, 0, 0, 0, Rational(3, 5), Rational(-4, 5), 0, Rational(4, 5), Rational(3, 5)};

// Left multiplication by the quaternion a + b i + c j + d k: sqrt(a^2 + b^2 + c^2 + d^2) times an orthogonal matrix.
Mat quat(long a, long b, long c, long d) { return {a, -b, -c, -d, b, a, -d, c, c, d, a, -b, d, -c, b, a}; }

Ball mean_log(const std::vector<std::pair<Rational, Rational>>& wx, slong prec = 128) {
  Ball s;
  for (const auto& [w, x] : wx) {
    Ball l = Ball::from_rational(x, prec), ww = Ball::from_rational(w, prec);
    arb_log(l.get(), l.get(), prec);
    arb_addmul(s.get(), l.get(), ww.get(), prec);
  }
  return s;
}

bool contains(double lo, double hi, const Ball& x) {
  Ball enc;
  lyapcert::exact::set_interval_d(enc.get(), lo, hi, 128);
  return std::isfinite(lo) && std::isfinite(hi) && arb_contains(enc.get(), x.get());
}

// The cell of the cover holding [w]: chart = first index of max |w_j|, k = min(n - 1, floor((w_j / w_c + 1) n / 2))
// (the closed cell contains the point; written independently of the library).
std::size_t cell_of(const LD* w, int d, int n) {
  int c = 0;
  for (int j = 1; j < d; ++j)
    if (std::fabs(w[j]) > std::fabs(w[c])) c = j;
  std::size_t idx = 0, mul = 1;
  for (int j = 0; j < d; ++j) {
    if (j == c) continue;
    LD k = std::floor((w[j] / w[c] + 1) * n / 2);
    k = std::clamp<LD>(k, 0, n - 1);
    idx += static_cast<std::size_t>(k) * mul;
    mul *= static_cast<std::size_t>(n);
  }
  std::size_t per = 1;
  for (int a = 0; a < d - 1; ++a) per *= static_cast<std::size_t>(n);
  return static_cast<std::size_t>(c) * per + idx;
}

// g([w]) from its definition (LYAPND-POIS-20 (a)) in long double: chart = first index of max |w_j|, u = w / w_c,
// node cell k = min(m - 1, floor((u + 1) m / 2)), multilinear weights.
LD g_at(const std::vector<double>& g, int d, int m, const LD* w) {
  return lyapcert::test::q1_g_at<LD>(g, d, m, w);
}

struct FamilyLD {
  int d = 3;
  std::vector<std::array<LD, 16>> a;
  std::vector<LD> p;
};

FamilyLD to_ld(const laws::FiniteMatrices& f, int d) {
  FamilyLD F;
  F.d = d;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    std::array<LD, 16> m{};
    for (int r = 0; r < d * d; ++r) m[r] = to_ld(f.matrices[i][r]);
    F.a.push_back(m);
    F.p.push_back(to_ld(f.probs[i]));
  }
  return F;
}

// h([v]) = sum_i p_i (log(|M_i v| / |v|) + g([M_i v])) - g([v]).
LD h_at(const FamilyLD& F, int m, const std::vector<double>& g, const LD* v) {
  const int d = F.d;
  LD nv = 0;
  for (int j = 0; j < d; ++j) nv += v[j] * v[j];
  LD h = -g_at(g, d, m, v);
  for (std::size_t i = 0; i < F.a.size(); ++i) {
    std::array<LD, 4> w{};
    LD nw = 0;
    for (int r = 0; r < d; ++r) {
      for (int c = 0; c < d; ++c) w[r] += F.a[i][r * d + c] * v[c];
      nw += w[r] * w[r];
    }
    h += F.p[i] * (std::log(nw / nv) / 2 + g_at(g, d, m, w.data()));
  }
  return h;
}

// (P^J h)([v]) = sum over the words w of length J of p_w h([M_w v]).
LD pjh_at(const FamilyLD& F, int m, const std::vector<double>& g, const LD* v, int J) {
  if (J == 0) return h_at(F, m, g, v);
  LD acc = 0;
  for (std::size_t i = 0; i < F.a.size(); ++i) {
    std::array<LD, 4> w{};
    LD s = 0;
    for (int r = 0; r < F.d; ++r) {
      for (int c = 0; c < F.d; ++c) w[r] += F.a[i][r * F.d + c] * v[c];
      s = std::max(s, std::fabs(w[r]));
    }
    for (int r = 0; r < F.d; ++r) w[r] /= s;  // projective: keep the scale near 1
    acc += F.p[i] * pjh_at(F, m, g, w.data(), J - 1);
  }
  return acc;
}

laws::FiniteMatrices gaussian(std::mt19937_64& rng, int d, int k) {
  std::normal_distribution<double> n01;
  std::vector<Mat> ms;
  std::vector<Rational> ps;
  while (static_cast<int>(ms.size()) < k) {
    Mat a;
    for (int r = 0; r < d * d; ++r) a.emplace_back(std::lround(n01(rng) * 1000), 1000);
    const auto one = family({a}, {Rational(1)});
    if (nd::first_singular_atom(one, d) >= 0) continue;
    ms.push_back(a);
    ps.emplace_back(1, k);
  }
  return family(ms, ps);
}

TEST(TransferNdCover, ImagesOfSampledPointsLieInTheImageCover) {
  // LYAPND-TRANS-10, -11: a point in cell a, mapped by atom i, lies in a cell of R(i, a).
  const std::uint64_t seed = lyapcert::test::test_seed(20261208);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  for (int d : {3, 4}) {
    const auto f = gaussian(rng, d, 2);
    const FamilyLD F = to_ld(f, d);
    const int n = d == 3 ? 16 : 8;
    const in::ChartCover cover{d, n};
    const in::TransferNd tr(f, cover);
    ASSERT_EQ(tr.atoms(), 2u);
    int missed = 0;
    for (int s = 0; s < 20000; ++s) {
      std::array<LD, 4> v{};
      for (int j = 0; j < d; ++j) v[j] = n01(rng);
      const std::size_t a = cell_of(v.data(), d, n);
      for (std::size_t i = 0; i < 2; ++i) {
        std::array<LD, 4> w{};
        for (int r = 0; r < d; ++r)
          for (int c = 0; c < d; ++c) w[r] += F.a[i][r * d + c] * v[c];
        if (!tr.in_cover(i, a, cell_of(w.data(), d, n))) ++missed;
      }
    }
    EXPECT_EQ(missed, 0) << "d = " << d;
    EXPECT_GT(tr.mean_block_cells(), 1.0);
    // Words of length 2 (LYAPND-TRANS-16): word i1 + 2 i2 is M_{i2} M_{i1}.
    const in::TransferNd tr2(f, cover, 2);
    ASSERT_EQ(tr2.atoms(), 4u);
    missed = 0;
    for (int s = 0; s < 5000; ++s) {
      std::array<LD, 4> v{};
      for (int j = 0; j < d; ++j) v[j] = n01(rng);
      const std::size_t a = cell_of(v.data(), d, n);
      for (std::size_t i1 = 0; i1 < 2; ++i1)
        for (std::size_t i2 = 0; i2 < 2; ++i2) {
          std::array<LD, 4> w{}, z{};
          for (int r = 0; r < d; ++r)
            for (int c = 0; c < d; ++c) w[r] += F.a[i1][r * d + c] * v[c];
          for (int r = 0; r < d; ++r)
            for (int c = 0; c < d; ++c) z[r] += F.a[i2][r * d + c] * w[c];
          if (!tr2.in_cover(i1 + 2 * i2, a, cell_of(z.data(), d, n))) ++missed;
        }
    }
    EXPECT_EQ(missed, 0) << "words, d = " << d;
  }
}

TEST(TransferNdIteration, BoundsBracketPJhAtSampledPointsAndNeverWiden) {
  // LYAPND-TRANS-1, -12: L_J(a) <= (P^J h)(x) <= U_J(a) for x in cell a, P^J h summed over all words here; and
  // max U_J, min L_J are monotone in J (up to the rounding of LYAPND-TRANS-2).
  const std::uint64_t seed = lyapcert::test::test_seed(20261209);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  for (int d : {3, 4}) {
    const auto f = gaussian(rng, d, 2);
    const FamilyLD F = to_ld(f, d);
    const int m = d == 3 ? 8 : 4, n = d == 3 ? 16 : 8;
    std::vector<double> g = nd::poisson_q1_solution(f, d, m, 300, far());
    const in::ChartCover cover{d, n};
    std::vector<double> lo, hi;
    ASSERT_TRUE(nd::q1_cell_bounds(f, d, m, g, cover, far(), lo, hi));
    const in::TransferNd tr(f, cover);
    { int ninf = 0; for (std::size_t q = 0; q < lo.size(); ++q) if (!std::isfinite(hi[q] - lo[q])) { if (ninf < 3) std::printf("inf cell %zu: %g %g\n", q, lo[q], hi[q]); ++ninf; } std::printf("d %d: %d infinite of %zu\n", d, ninf, lo.size()); }
    double prev_u = *std::max_element(hi.begin(), hi.end()), prev_l = *std::min_element(lo.begin(), lo.end());
    for (int J = 0; J <= 4; ++J) {
      if (J > 0) {
        const in::TransferNdResult r = tr.iterate(lo, hi, 1, far());
        ASSERT_EQ(r.steps, 1);
        const double u = *std::max_element(hi.begin(), hi.end()), l = *std::min_element(lo.begin(), lo.end());
        EXPECT_LE(u, prev_u + 1e-14 * std::max(1.0, std::fabs(prev_u))) << d << " J = " << J;
        EXPECT_GE(l, prev_l - 1e-14 * std::max(1.0, std::fabs(prev_l))) << d << " J = " << J;
        prev_u = u;
        prev_l = l;
      }
      int bad = 0;
      const int samples = J <= 2 ? 2000 : 500;
      for (int s = 0; s < samples; ++s) {
        std::array<LD, 4> v{};
        for (int j = 0; j < d; ++j) v[j] = n01(rng);
        const std::size_t a = cell_of(v.data(), d, n);
        const LD x = pjh_at(F, m, g, v.data(), J);
        // 1e-12: the long double error of the recomputation and the binary64 rounding of the matrices fed to it
        // (to_ld rounds the rationals to binary64, as the library's enclosures contain them).
        if (!(lo[a] <= x + 1e-12L && x - 1e-12L <= hi[a])) ++bad;
      }
      EXPECT_EQ(bad, 0) << "d = " << d << " J = " << J;
    }
    // The iteration shrinks the spread on a mixing family.
    const double w0 = prev_u - prev_l;
    const in::TransferNdResult r = tr.iterate(lo, hi, 200, far());
    EXPECT_LT(r.upper - r.lower, w0) << d;
    // Words of length 2 (LYAPND-TRANS-16): one step bounds P^2 h, two steps P^4 h.
    ASSERT_TRUE(nd::q1_cell_bounds(f, d, m, g, cover, far(), lo, hi));
    const in::TransferNd tr2(f, cover, 2);
    for (int J = 1; J <= 2; ++J) {
      ASSERT_EQ(tr2.iterate(lo, hi, 1, far()).steps, 1);
      int bad = 0;
      for (int s = 0; s < 300; ++s) {
        std::array<LD, 4> v{};
        for (int j = 0; j < d; ++j) v[j] = n01(rng);
        const std::size_t a = cell_of(v.data(), d, n);
        const LD x = pjh_at(F, m, g, v.data(), 2 * J);
        if (!(lo[a] <= x + 1e-12L && x - 1e-12L <= hi[a])) ++bad;
      }
      EXPECT_EQ(bad, 0) << "words, d = " << d << " J = " << J;
    }
  }
}

TEST(TransferNdCellBounds, EnclosureOfHContainsSampledValuesOnBoxesOfEveryScale) {
  // LYAPND-TRANS-12 with the evaluator of LYAPND-POIS-22 as rearranged by LYAPND-TRANS-20 (vertex values by one-axis
  // interpolation, the chain rule with one division): on boxes from a whole chart down to 1/64 of a grid cell of g,
  // placed at random (so that the single-cell vertex path, the node scan and the chart-wide extremes all occur), h
  // recomputed in long double from the definition of g (an independent implementation) at the box's corners and at
  // random interior points lies in the enclosure. Three atoms, a consistent table from the solver and an inconsistent
  // one (noise on the nodes: the gradient across chart switches is then not used).
  const std::uint64_t seed = lyapcert::test::test_seed(20261211);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  for (int d : {3, 4}) {
    const auto f = gaussian(rng, d, 3);
    const FamilyLD F = to_ld(f, d);
    const int m = d == 3 ? 16 : 8, na = d - 1;
    std::vector<double> g = nd::poisson_q1_solution(f, d, m, 300, far());
    for (bool noisy : {false, true}) {
      if (noisy)
        for (double& x : g) x += 0.05 * n01(rng);
      const in::BoxBoundsFn ev = nd::q1_box_bounds(f, d, m, g);
      int bad = 0, evaluated = 0, narrow = 0;
      for (int b = 0; b < 1500; ++b) {
        const int c = static_cast<int>(rng() % static_cast<std::uint64_t>(d));
        // Side 2^-j of the chart's side 2: j = 0 is the whole chart, j = log2(m) + 6 a 64th of a cell of g.
        const int j = static_cast<int>(rng() % static_cast<std::uint64_t>(std::log2(m) + 7));
        const double side = 2.0 * std::ldexp(1.0, -j);
        std::array<double, 3> lo{}, hi{};
        for (int a = 0; a < na; ++a) {
          lo[a] = -1 + (2 - side) * u01(rng);
          hi[a] = std::min(1.0, lo[a] + side);
        }
        double l, u;
        if (!ev(c, lo.data(), hi.data(), l, u)) continue;  // a failed enclosure claims nothing
        ++evaluated;
        if (u - l < 0.1) ++narrow;
        for (int s = 0; s < 24; ++s) {
          std::array<LD, 4> v{};
          int x = 0;
          for (int jj = 0; jj < d; ++jj) {
            if (jj == c) {
              v[jj] = 1;
              continue;
            }
            // The first 2^(d-1) samples are the corners of the box, the others interior points.
            const LD t = s < (1 << na) ? ((s >> x) & 1) : u01(rng);
            v[jj] = lo[x] + t * (static_cast<LD>(hi[x]) - lo[x]);
            ++x;
          }
          const LD h = h_at(F, m, g, v.data());
          if (!(l <= h + 1e-12L && h - 1e-12L <= u)) ++bad;
        }
      }
      EXPECT_EQ(bad, 0) << "d = " << d << (noisy ? " noisy table" : "");
      EXPECT_GT(evaluated, 1000) << d;
      EXPECT_GT(narrow, 200) << d;  // the small boxes are certified narrowly (the test is not vacuous)
    }
  }
}

TEST(TransferNdClosedForms, ScaledOrthogonalD3D4StayInside) {
  // phi is constant, so Lambda = E log |scalar| exactly; a deliberately poor g (the solver stopped after 3 steps)
  // leaves a wide h, and every step must keep the exact value.
  {
    const auto f = family({scaled(kR1, 2), scaled(kR2, Rational(1, 3))}, {Rational(1, 3), Rational(2, 3)});
    const Ball exact = mean_log({{Rational(1, 3), Rational(2)}, {Rational(2, 3), Rational(1, 3)}});
    const std::vector<double> g = nd::poisson_q1_solution(f, 3, 8, 3, far());
    const in::ChartCover cover{3, 32};
    std::vector<double> lo, hi;
    ASSERT_TRUE(nd::q1_cell_bounds(f, 3, 8, g, cover, far(), lo, hi));
    const in::TransferNd tr(f, cover);
    for (int J = 1; J <= 30; ++J) {
      const auto r = tr.iterate(lo, hi, 1, far());
      EXPECT_TRUE(contains(r.lower, r.upper, exact)) << "J = " << J << ": " << r.lower << " " << r.upper;
    }
  }
  {
    const auto f = family({quat(1, 1, 1, 0), quat(2, 1, 0, 0)}, {Rational(1, 2), Rational(1, 2)});
    const Ball exact = mean_log({{Rational(1, 4), Rational(3)}, {Rational(1, 4), Rational(5)}});
    std::vector<double> g = nd::poisson_q1_solution(f, 4, 4, 2, far());
    for (std::size_t q = 0; q < g.size(); ++q) g[q] += 0.01 * static_cast<double>(q % 7);  // inconsistent table
    const in::ChartCover cover{4, 8};
    std::vector<double> lo, hi;
    ASSERT_TRUE(nd::q1_cell_bounds(f, 4, 4, g, cover, far(), lo, hi));
    const in::TransferNd tr(f, cover);
    const auto r = tr.iterate(lo, hi, 40, far());
    EXPECT_TRUE(contains(r.lower, r.upper, exact)) << r.lower << " " << r.upper;
    EXPECT_TRUE(contains(r.h_lower, r.h_upper, exact)) << r.h_lower << " " << r.h_upper;
  }
}

TEST(TransferNdCycle, PositiveFamilyD3AgreesWithTheCycleExpansion) {
  // A positive 3x3 family: --method cycle certifies 20 digits (LYAPND-CYCND); the transfer bounds must contain it
  // and be much narrower than the bounds of h they start from.
  const std::string law =
      "matrices([[7, 4, 5], [5, 8, 4], [4, 5, 9]]: 1/3, [[6, 5, 4], [4, 7, 6], [5, 4, 8]]: 2/3)";
  nd::Options o;
  o.acc.digits = 20;
  o.method = nd::Method::cycle;
  o.time_budget_seconds = 20;
  const nd::Result cyc = nd::certify_lyapnd(laws::parse_matrix_law(law), o);
  ASSERT_EQ(cyc.top.method, "cycle");
  ASSERT_TRUE(cyc.top.converged) << cyc.top.message;
  const auto parsed = laws::parse_matrix_law(law);
  const auto& f = std::get<laws::FiniteMatrices>(parsed.node);
  const std::vector<double> g = nd::poisson_q1_solution(f, 3, 8, 400, far());
  const in::ChartCover cover{3, 64};
  std::vector<double> lo, hi;
  ASSERT_TRUE(nd::q1_cell_bounds(f, 3, 8, g, cover, far(), lo, hi));
  const in::TransferNd tr(f, cover);
  const auto r = tr.iterate(lo, hi, 500, far());
  EXPECT_TRUE(contains(r.lower, r.upper, cyc.top.value.ball)) << r.lower << " " << r.upper;
  EXPECT_LT(r.upper - r.lower, 0.01 * (r.h_upper - r.h_lower))
      << "h: [" << r.h_lower << ", " << r.h_upper << "], after " << r.steps << " steps: [" << r.lower << ", "
      << r.upper << "]";
  // Words of length 2 (LYAPND-TRANS-16) on the same cells: the words are worse conditioned than the atoms, so
  // without the bisection of LYAPND-TRANS-11 (f) some cells would take whole charts and the width would stall.
  ASSERT_TRUE(nd::q1_cell_bounds(f, 3, 8, g, cover, far(), lo, hi));
  const in::TransferNd tr2(f, cover, 2);
  const auto r2 = tr2.iterate(lo, hi, 500, far());
  EXPECT_TRUE(contains(r2.lower, r2.upper, cyc.top.value.ball)) << r2.lower << " " << r2.upper;
  EXPECT_LT(r2.upper - r2.lower, 0.01 * (r2.h_upper - r2.h_lower)) << r2.lower << " " << r2.upper;
  // Through the --method poisson driver (multilinear ladder, then the transfer stage): the reported enclosure
  // contains the cycle value and names the stage.
  o.method = nd::Method::poisson;
  o.acc.digits = 16;  // not reached in binary64: every stage runs
  // Deterministic: the work cap admits the first transfer cover (n = 64) and no wall clock ends a stage first
  // (tests/support/budget.hpp).
  o.time_budget_seconds = lyapcert::test::kNoWallClock;
  o.poisson_nd_max_cells = 3 * 64 * 64;
  const nd::Result p = nd::certify_lyapnd(parsed, o);
  EXPECT_TRUE(arb_overlaps(p.top.value.ball.get(), cyc.top.value.ball.get())) << p.top.message;
  EXPECT_TRUE(arb_contains(p.top.value.ball.get(), cyc.top.value.ball.get())) << p.top.message;
  EXPECT_NE(p.top.message.find("transfer iteration"), std::string::npos) << p.top.message;
}

// The finest-grid cell (chart, kf) of the line [w] on the grid nf: chart = first index of max |w_j|,
// kf = min(nf - 1, floor((w_j / w_c + 1) nf / 2)) (the closed cell holds the point; written here, not the library's).
int fine_cell(const LD* w, int d, int nf, std::uint32_t* kf) {
  int c = 0;
  for (int j = 1; j < d; ++j)
    if (std::fabs(w[j]) > std::fabs(w[c])) c = j;
  int a = 0;
  for (int j = 0; j < d; ++j) {
    if (j == c) continue;
    const LD k = std::clamp<LD>(std::floor((w[j] / w[c] + 1) * nf / 2), 0, nf - 1);
    kf[a++] = static_cast<std::uint32_t>(k);
  }
  return c;
}

TEST(TransferNdAdaptive, RefinedCoverBracketsHAndPJhAndImagesLieInTheBlocks) {
  // LYAPND-TRANS-17, -18: after two refinement rounds, (a) the leaf found for a sampled point contains it, (b) h
  // (long double, from the definition of g) lies in the leaf's bounds, which lie inside its parent's, (c) the image
  // of the point under each word lies in a block of the leaf's image cover, (d) L_J <= P^J h <= U_J at the points
  // for J = 1..3 and the extremes never widen with J.
  const std::uint64_t seed = lyapcert::test::test_seed(20261210);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  for (int d : {3, 4}) {
    const auto f = gaussian(rng, d, 2);
    const FamilyLD F = to_ld(f, d);
    const int m = d == 3 ? 8 : 4, n0 = d == 3 ? 8 : 4, depth = 2;
    const std::vector<double> g = nd::poisson_q1_solution(f, d, m, 300, far());
    for (int word : {1, 2}) {
      in::AdaptiveTransferNd A(f, d, n0, depth, word, nd::q1_box_bounds(f, d, m, g));
      ASSERT_TRUE(A.build(far()));
      std::vector<double> lo, hi;
      const in::TransferNdResult r0 = A.iterate(lo, hi, 200, far());
      std::vector<double> pl, pu;
      for (int round = 0; round < 2; ++round) {
        pl.assign(A.leaves(), 0);
        pu.assign(A.leaves(), 0);
        for (std::size_t a = 0; a < A.leaves(); ++a) {
          pl[a] = A.h_lower(a);
          pu[a] = A.h_upper(a);
        }
        const std::size_t before = A.leaves();
        ASSERT_GT(A.refine(0.5, 100000), 0u);
        ASSERT_TRUE(A.build(far()));
        // Child 0 keeps its parent's index: its bounds lie inside the parent's (LYAPND-TRANS-18 (a)).
        for (std::size_t a = 0; a < before; ++a) {
          EXPECT_GE(A.h_lower(a), pl[a]);
          EXPECT_LE(A.h_upper(a), pu[a]);
        }
      }
      EXPECT_EQ(A.max_level(), 2);
      const int nf = A.fine_grid();
      int bad_box = 0, bad_h = 0, bad_img = 0;
      for (int s = 0; s < 3000; ++s) {
        std::array<LD, 4> v{};
        for (int j = 0; j < d; ++j) v[j] = n01(rng);
        std::array<std::uint32_t, 3> kf{};
        const int c = fine_cell(v.data(), d, nf, kf.data());
        const std::size_t a = A.leaf_at(c, kf.data());
        std::array<double, 3> bl{}, bh{};
        if (A.box(a, bl.data(), bh.data()) != c) ++bad_box;
        int x = 0;
        for (int j = 0; j < d; ++j) {
          if (j == c) continue;
          const LD u = v[j] / v[c];
          if (!(bl[x] <= u && u <= bh[x])) ++bad_box;
          ++x;
        }
        const LD h = h_at(F, m, g, v.data());
        if (!(A.h_lower(a) <= h + 1e-12L && h - 1e-12L <= A.h_upper(a))) ++bad_h;
        for (std::size_t i = 0; i < A.words(); ++i) {
          std::array<LD, 4> w = v;
          for (int l = 0; l < word; ++l) {
            const std::size_t atom = word == 1 ? i : (l == 0 ? i % 2 : i / 2);  // word i1 + 2 i2: M_{i2} M_{i1}
            std::array<LD, 4> z{};
            for (int r = 0; r < d; ++r)
              for (int cc = 0; cc < d; ++cc) z[r] += F.a[atom][r * d + cc] * w[cc];
            w = z;
          }
          std::array<std::uint32_t, 3> kw{};
          const int t = fine_cell(w.data(), d, nf, kw.data());
          if (!A.in_blocks(i, a, t, kw.data())) ++bad_img;
        }
      }
      EXPECT_EQ(bad_box, 0) << "d = " << d << " word " << word;
      EXPECT_EQ(bad_h, 0) << "d = " << d << " word " << word;
      EXPECT_EQ(bad_img, 0) << "d = " << d << " word " << word;
      double prev_u = kInfLD, prev_l = -kInfLD;
      for (int J = 1; J <= 3; ++J) {
        const in::TransferNdResult r = A.iterate(lo, hi, J, far());
        ASSERT_EQ(r.steps, J);
        const double u = *std::max_element(hi.begin(), hi.end()), l = *std::min_element(lo.begin(), lo.end());
        EXPECT_LE(u, prev_u + 1e-14 * std::max(1.0, std::fabs(prev_u))) << d << " J = " << J;
        EXPECT_GE(l, prev_l - 1e-14 * std::max(1.0, std::fabs(prev_l))) << d << " J = " << J;
        prev_u = u;
        prev_l = l;
        int bad = 0;
        for (int s = 0; s < (J <= 2 ? 300 : 100); ++s) {
          std::array<LD, 4> v{};
          for (int j = 0; j < d; ++j) v[j] = n01(rng);
          std::array<std::uint32_t, 3> kf{};
          const int c = fine_cell(v.data(), d, nf, kf.data());
          const std::size_t a = A.leaf_at(c, kf.data());
          const LD x = pjh_at(F, m, g, v.data(), word * J);
          if (!(lo[a] <= x + 1e-12L && x - 1e-12L <= hi[a])) ++bad;
        }
        EXPECT_EQ(bad, 0) << "d = " << d << " word " << word << " J = " << J;
      }
      // The refined cover's enclosure: finite, and the full iteration narrows the bounds of h.
      const in::TransferNdResult r = A.iterate(lo, hi, 200, far());
      EXPECT_LT(r.upper - r.lower, r.h_upper - r.h_lower) << d;
      EXPECT_TRUE(std::isfinite(r0.upper - r0.lower));
    }
  }
}

TEST(TransferNdAdaptive, ClosedFormsAndCycleExpansionStayInside) {
  // Scalar multiples of orthogonal matrices (Lambda = E log |scalar|) with a deliberately poor g, d = 3 and 4, and a
  // positive 3x3 family against --method cycle (LYAPND-CYCND): every round's enclosure contains the value.
  {
    const auto f = family({scaled(kR1, 2), scaled(kR2, Rational(1, 3))}, {Rational(1, 3), Rational(2, 3)});
    const Ball exact = mean_log({{Rational(1, 3), Rational(2)}, {Rational(2, 3), Rational(1, 3)}});
    const std::vector<double> g = nd::poisson_q1_solution(f, 3, 8, 3, far());
    in::AdaptiveTransferNd A(f, 3, 16, 2, 1, nd::q1_box_bounds(f, 3, 8, g));
    std::vector<double> lo, hi;
    for (int round = 0; round < 3; ++round) {
      if (round > 0) ASSERT_GT(A.refine(0.5, 100000), 0u);
      ASSERT_TRUE(A.build(far()));
      const auto r = A.iterate(lo, hi, 60, far());
      EXPECT_TRUE(contains(r.lower, r.upper, exact)) << "round " << round << ": " << r.lower << " " << r.upper;
    }
  }
  {
    const auto f = family({quat(1, 1, 1, 0), quat(2, 1, 0, 0)}, {Rational(1, 2), Rational(1, 2)});
    const Ball exact = mean_log({{Rational(1, 4), Rational(3)}, {Rational(1, 4), Rational(5)}});
    const std::vector<double> g = nd::poisson_q1_solution(f, 4, 4, 2, far());
    in::AdaptiveTransferNd A(f, 4, 4, 1, 1, nd::q1_box_bounds(f, 4, 4, g));
    std::vector<double> lo, hi;
    for (int round = 0; round < 2; ++round) {
      if (round > 0) ASSERT_GT(A.refine(0.5, 100000), 0u);
      ASSERT_TRUE(A.build(far()));
      const auto r = A.iterate(lo, hi, 40, far());
      EXPECT_TRUE(contains(r.lower, r.upper, exact)) << "round " << round << ": " << r.lower << " " << r.upper;
    }
  }
  {
    const std::string law =
        "matrices([[7, 4, 5], [5, 8, 4], [4, 5, 9]]: 1/3, [[6, 5, 4], [4, 7, 6], [5, 4, 8]]: 2/3)";
    nd::Options o;
    o.acc.digits = 12;
    o.method = nd::Method::cycle;
    o.time_budget_seconds = lyapcert::test::kNoWallClock;
    const nd::Result cyc = nd::certify_lyapnd(laws::parse_matrix_law(law), o);
    ASSERT_TRUE(cyc.top.converged) << cyc.top.message;
    const auto parsed = laws::parse_matrix_law(law);
    const auto& f = std::get<laws::FiniteMatrices>(parsed.node);
    const std::vector<double> g = nd::poisson_q1_solution(f, 3, 8, 400, far());
    in::AdaptiveTransferNd A(f, 3, 64, 1, 1, nd::q1_box_bounds(f, 3, 8, g));
    std::vector<double> lo, hi;
    double first = 0;
    for (int round = 0; round < 2; ++round) {
      if (round > 0) ASSERT_GT(A.refine(0.5, 100000), 0u);
      ASSERT_TRUE(A.build(far()));
      const auto r = A.iterate(lo, hi, 500, far());
      if (round == 0) first = r.upper - r.lower;
      EXPECT_TRUE(contains(r.lower, r.upper, cyc.top.value.ball)) << "round " << round << ": " << r.lower << " "
                                                                  << r.upper;
      EXPECT_LT(r.upper - r.lower, 0.01 * (r.h_upper - r.h_lower)) << round;
      std::printf("adaptive positive family, round %d: %zu cells, width %.3g (round 0: %.3g)\n", round, A.leaves(),
                  r.upper - r.lower, first);
    }
  }
}

TEST(TransferNdAdaptive, DriverD4ClosedFormAndMemoryBudget) {
  // Through the --method poisson driver (d = 4 quaternion family, Lambda = (log 3 + log 5) / 4): with a work cap that
  // admits round 0 of the adaptive cover (4 x 16^3 cells) the stage runs and the enclosure contains the value; with
  // --max-memory below the stage's estimate (LYAPND-TRANS-19: the two pyramids of the finest grid 128 alone are
  // 268 MB) the stage is skipped, the result says so (memory_limited) and still contains the value.
  const std::vector<Mat> ms = {quat(1, 1, 1, 0), quat(2, 1, 0, 0)};
  const Ball exact = mean_log({{Rational(1, 4), Rational(3)}, {Rational(1, 4), Rational(5)}});
  laws::MatrixLaw law;
  law.dim = 4;
  law.node = family(ms, {Rational(1, 2), Rational(1, 2)});
  nd::Options o;
  o.acc.digits = 16;  // not reached: every stage runs
  o.method = nd::Method::poisson;
  o.time_budget_seconds = lyapcert::test::kNoWallClock;
  o.poisson_nd_max_cells = 4 * 16 * 16 * 16;
  const nd::Result r = nd::certify_lyapnd(law, o);
  EXPECT_TRUE(arb_contains(r.top.value.ball.get(), exact.get())) << r.top.message;
  EXPECT_NE(r.top.message.find("adaptive transfer cover"), std::string::npos) << r.top.message;
  EXPECT_FALSE(r.memory_limited);
  o.max_memory_mib = 200;
  const nd::Result q = nd::certify_lyapnd(law, o);
  EXPECT_TRUE(arb_contains(q.top.value.ball.get(), exact.get())) << q.top.message;
  EXPECT_EQ(q.top.message.find("adaptive transfer cover"), std::string::npos) << q.top.message;
  EXPECT_TRUE(q.memory_limited);
  EXPECT_GT(in::AdaptiveTransferNd::memory_bytes(4, 16, 3, 2, 2, 0), 200ull << 20);
}

}  // namespace
