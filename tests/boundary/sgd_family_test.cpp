// lyapcert::boundary non-commuting sgd(lr, matrices(...)) templates (sgd_family.hpp, BND-TEMPLATE-10..12).
// Referees: closed forms of a commuting family with irrational eigenvalues (max over the two eigenvalue
// branches, computed here in Arb from sqrt(5)), and a long Monte Carlo of a non-commuting family (fixed seed,
// batch-means standard error, tolerance 6 standard errors: false-failure probability about 2e-9 per check under
// the normal approximation).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "lyapcert/boundary.hpp"
#include "lyapcert/boundary/sgd_family.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/laws/ast.hpp"
#include "support/seed.hpp"

namespace bnd = lyapcert::boundary;
using lyapcert::exact::Rational;

namespace {

double lo_d(const arf_t x) { return arf_get_d(x, ARF_RND_FLOOR); }
double hi_d(const arf_t x) { return arf_get_d(x, ARF_RND_CEIL); }

struct Bounds {
  double lo, hi;
};
Bounds bounds(const bnd::SgdFamily& f, const Rational& a, const Rational& b, int nodes) {
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  bnd::sgd_family_bounds(lo, hi, f, a, b, nodes, 64, /*box_deadlines=*/false);
  Bounds r{lo_d(lo), hi_d(hi)};
  arf_clear(lo);
  arf_clear(hi);
  return r;
}

bnd::LawTemplate templ(const char* s) { return bnd::parse_law_template(lyapcert::laws::parse(s)); }

// Commuting family with irrational spectra: H_1 = [[1, 1], [1, 0]] (eigenvalues phi, psi = (1 +- sqrt 5)/2),
// H_2 = H_1 + I, probabilities 1/2. Lambda(lr) = max over the two branches of E log|1 - lr lambda_i(H_j)|.
constexpr const char* kCommuting = "sgd(lr, matrices([[1, 1], [1, 0]], [[2, 1], [1, 1]]))";
double commuting_exact(double lr) {
  const double s5 = std::sqrt(5.0), phi = (1 + s5) / 2, psi = (1 - s5) / 2;
  const double b1 = 0.5 * (std::log(std::fabs(1 - lr * phi)) + std::log(std::fabs(1 - lr * (phi + 1))));
  const double b2 = 0.5 * (std::log(std::fabs(1 - lr * psi)) + std::log(std::fabs(1 - lr * (psi + 1))));
  return std::max(b1, b2);
}

// Non-commuting rank-one data Hessians H = x x^T, x = (1, 0), (1, 1), (1, -1)/sqrt 2, equal weights.
constexpr const char* kNonCommuting = "sgd(lr, matrices([[1, 0], [0, 0]], [[1, 1], [1, 1]], [[1/2, -1/2], [-1/2, 1/2]]))";

// Better conditioned: eigenvalues 1 and 2 each, three different eigenbases; Lambda(6/5) < 0 < Lambda(13/10).
constexpr const char* kNonCommuting2 =
    "sgd(lr, matrices([[2, 0], [0, 1]], [[3/2, 1/2], [1/2, 3/2]], [[3/2, -1/2], [-1/2, 3/2]]))";

// Long-run Monte Carlo of Lambda(lr) for the family above: mean of log|A v| / |v| along one trajectory
// (renormalised), standard error from 100 batch means.
struct Mc {
  double mean, se;
};
Mc monte_carlo(const bnd::SgdFamily& f, double lr, std::size_t steps, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> p, a, b, d;
  for (std::size_t j = 0; j < f.h.size(); ++j) {
    p.push_back(f.p[j].convert_to<double>());
    a.push_back(1 - lr * f.h[j][0].convert_to<double>());
    b.push_back(-lr * f.h[j][1].convert_to<double>());
    d.push_back(1 - lr * f.h[j][2].convert_to<double>());
  }
  double v1 = 0.6, v2 = 0.8;
  for (int i = 0; i < 1000; ++i) {  // burn-in
    double r = u(rng);
    std::size_t j = 0;
    while (j + 1 < p.size() && r >= p[j]) r -= p[j++];
    const double w1 = a[j] * v1 + b[j] * v2, w2 = b[j] * v1 + d[j] * v2, n = std::hypot(w1, w2);
    v1 = w1 / n;
    v2 = w2 / n;
  }
  const std::size_t batches = 100, per = steps / batches;
  std::vector<double> m(batches, 0.0);
  for (std::size_t k = 0; k < batches; ++k) {
    double s = 0;
    for (std::size_t i = 0; i < per; ++i) {
      double r = u(rng);
      std::size_t j = 0;
      while (j + 1 < p.size() && r >= p[j]) r -= p[j++];
      const double w1 = a[j] * v1 + b[j] * v2, w2 = b[j] * v1 + d[j] * v2, n = std::hypot(w1, w2);
      s += std::log(n);
      v1 = w1 / n;
      v2 = w2 / n;
    }
    m[k] = s / per;
  }
  double mean = 0, var = 0;
  for (double x : m) mean += x / batches;
  for (double x : m) var += (x - mean) * (x - mean) / (batches - 1);
  return {mean, std::sqrt(var / batches)};
}

}  // namespace

TEST(SgdFamily, BoxBoundsContainCommutingExactValues) {
  const bnd::LawTemplate t = templ(kCommuting);
  ASSERT_EQ(t.kind, bnd::LawTemplate::Kind::sgd_family);  // irrational eigenvalues: no exact branches
  // Boxes avoiding the singular points 1/phi^2, 1/phi, 1/(psi + 1) = phi^2 ... (checked by the exact test).
  const std::vector<std::pair<Rational, Rational>> boxes = {
      {Rational(1, 20), Rational(1, 10)}, {Rational(1, 5), Rational(1, 4)}, {Rational(7, 10), Rational(3, 4)},
      {Rational(3, 2), Rational(8, 5)},   {Rational(4), Rational(41, 10)},  {Rational(1, 3), Rational(1, 3)}};
  for (const auto& [a, b] : boxes) {
    ASSERT_TRUE(bnd::sgd_family_invertible_on(t.family, a, b)) << a << " " << b;
    const Bounds r = bounds(t.family, a, b, 512);
    for (int i = 0; i <= 8; ++i) {
      const double lr = (a + (b - a) * Rational(i, 8)).convert_to<double>();
      const double ex = commuting_exact(lr);
      EXPECT_LE(r.lo, ex + 1e-12) << "lr = " << lr;
      EXPECT_GE(r.hi, ex - 1e-12) << "lr = " << lr;
    }
  }
  // The exact invertibility test sees the singular point 1/phi = 0.618... (det(I - lr H_1) = 0).
  EXPECT_FALSE(bnd::sgd_family_invertible_on(t.family, Rational(3, 5), Rational(2, 3)));
  EXPECT_TRUE(bnd::sgd_family_invertible_on(t.family, Rational(1, 5), Rational(1, 4)));
}

// The parts of [A, B] the search settled (neither a bracket nor unresolved): Lambda has no zero there.
std::vector<std::pair<double, double>> settled_parts(const bnd::BoundaryResult& r) {
  std::vector<std::pair<Rational, Rational>> cut;
  for (const auto& x : r.roots) cut.push_back({x.lower, x.upper});
  for (const auto& c : r.unresolved) cut.push_back({c.lower, c.upper});
  std::sort(cut.begin(), cut.end());
  std::vector<std::pair<double, double>> out;
  Rational at = r.lr_min;
  for (const auto& [l, u] : cut) {
    if (at < l) out.push_back({at.convert_to<double>(), l.convert_to<double>()});
    if (u > at) at = u;
  }
  if (at < r.lr_max) out.push_back({at.convert_to<double>(), r.lr_max.convert_to<double>()});
  return out;
}

// Positive definite commuting pair with irrational eigenvalues: H_1 = [[2, 1], [1, 1]] ((3 +- sqrt 5)/2),
// H_2 = H_1 + I. Lambda = max of the two branches has one zero near 0.66 and singular rates 1/lambda_i.
constexpr const char* kCommutingPd = "sgd(lr, matrices([[2, 1], [1, 1]], [[3, 1], [1, 2]]))";
double commuting_pd_exact(double lr) {
  const double s5 = std::sqrt(5.0), l1 = (3 + s5) / 2, l2 = (3 - s5) / 2;
  const double b1 = 0.5 * (std::log(std::fabs(1 - lr * l1)) + std::log(std::fabs(1 - lr * (l1 + 1))));
  const double b2 = 0.5 * (std::log(std::fabs(1 - lr * l2)) + std::log(std::fabs(1 - lr * (l2 + 1))));
  return std::max(b1, b2);
}

TEST(SgdFamily, CommutingFamilyAsBracketsMatchesExactBranches) {
  // The closed form has no sign change on the parts the search settled; each bracket has the closed form's signs
  // at its ends; the zero of the closed form lies in a bracket or an unresolved cell. The singular rate
  // 1/(l2 + 1) = 0.7236 is in the range, so complete must be false.
  const bnd::LawTemplate t = templ(kCommutingPd);
  ASSERT_EQ(t.kind, bnd::LawTemplate::Kind::sgd_family);
  bnd::BoundaryOptions opt;
  opt.lr_min = Rational(1, 2);
  opt.lr_max = Rational(2);
  opt.digits = 1;  // width floor 0.1 lr: keeps the test short (cells next to the zero stop there)
  opt.max_cells = 400;
  opt.box_deadlines = false;  // node and round caps only: the outcome does not depend on the load
  const bnd::BoundaryResult r = bnd::find_template_boundaries(t, opt);
  EXPECT_FALSE(r.complete);
  for (const auto& root : r.roots) {
    EXPECT_FALSE(root.unique);
    const double fl = commuting_pd_exact(root.lower.convert_to<double>()),
                 fu = commuting_pd_exact(root.upper.convert_to<double>());
    EXPECT_EQ(fl < 0, root.direction == bnd::Direction::neg_to_pos);
    EXPECT_EQ(fu > 0, root.direction == bnd::Direction::neg_to_pos);
  }
  const auto parts = settled_parts(r);
  ASSERT_FALSE(parts.empty()) << r.message;
  double settled = 0;
  for (const auto& [a, b] : parts) {
    settled += b - a;
    const double s0 = commuting_pd_exact(a);
    for (int i = 1; i <= 2000; ++i) {
      const double x = a + (b - a) * i / 2000;
      EXPECT_EQ(commuting_pd_exact(x) > 0, s0 > 0) << "sign change at " << x << " in settled [" << a << ", " << b << "]";
    }
  }
  EXPECT_GT(settled, 0.5);  // most of the range is settled
}

TEST(SgdFamily, BoxBoundsContainMonteCarlo) {
  const bnd::LawTemplate t = templ(kNonCommuting);
  ASSERT_EQ(t.kind, bnd::LawTemplate::Kind::sgd_family);
  const std::uint64_t seed = lyapcert::test::test_seed(20261207);
  for (const auto& [a, b] : std::vector<std::pair<Rational, Rational>>{{Rational(1, 5), Rational(1, 5)},
                                                                       {Rational(6, 5), Rational(5, 4)},
                                                                       {Rational(7, 4), Rational(7, 4)}}) {
    const Bounds r = bounds(t.family, a, b, 1024);
    std::printf("[%s, %s]: [%.8g, %.8g]\n", a.str().c_str(), b.str().c_str(), r.lo, r.hi);
    for (const Rational& lr : {a, b}) {
      const Mc mc = monte_carlo(t.family, lr.convert_to<double>(), 2'000'000, seed);
      EXPECT_LE(r.lo, mc.mean + 6 * mc.se) << "lr = " << lr << " mc " << mc.mean << " +- " << mc.se;
      EXPECT_GE(r.hi, mc.mean - 6 * mc.se) << "lr = " << lr << " mc " << mc.mean << " +- " << mc.se;
    }
  }
}

TEST(SgdFamily, NonCommutingBracketAgreesWithMonteCarlo) {
  // Non-commuting family with a critical rate in (6/5, 13/10) (lyapnd at the two rates): the search is complete
  // with one neg-to-pos bracket, and a long Monte Carlo 3 % outside the bracket is significantly negative on the
  // left and positive on the right; the Monte Carlo signs at the settled parts' ends agree too.
  const bnd::LawTemplate t = templ(kNonCommuting2);
  ASSERT_EQ(t.kind, bnd::LawTemplate::Kind::sgd_family);
  bnd::BoundaryOptions opt;
  opt.lr_min = Rational(21, 20);
  opt.lr_max = Rational(2);
  opt.digits = 1;  // width floor 0.1 lr: keeps the test short
  opt.max_cells = 400;
  opt.box_deadlines = false;  // node and round caps only: the outcome does not depend on the load
  const bnd::BoundaryResult r = bnd::find_template_boundaries(t, opt);
  ASSERT_TRUE(r.complete) << r.message;
  ASSERT_EQ(r.roots.size(), 1u) << r.message;
  const auto& root = r.roots[0];
  EXPECT_FALSE(root.unique);
  EXPECT_EQ(root.direction, bnd::Direction::neg_to_pos);
  const std::uint64_t seed = lyapcert::test::test_seed(20261208);
  const Mc left = monte_carlo(t.family, 0.97 * root.lower.convert_to<double>(), 2'000'000, seed);
  const Mc right = monte_carlo(t.family, 1.03 * root.upper.convert_to<double>(), 2'000'000, seed + 1);
  EXPECT_LT(left.mean + 6 * left.se, 0) << left.mean << " +- " << left.se;
  EXPECT_GT(right.mean - 6 * right.se, 0) << right.mean << " +- " << right.se;
  for (const auto& [a, b] : settled_parts(r)) {
    const Mc ma = monte_carlo(t.family, a, 1'000'000, seed + 2), mb = monte_carlo(t.family, b, 1'000'000, seed + 3);
    EXPECT_FALSE(ma.mean - 6 * ma.se > 0 && mb.mean + 6 * mb.se < 0) << a << " " << b;
    EXPECT_FALSE(ma.mean + 6 * ma.se < 0 && mb.mean - 6 * mb.se > 0) << a << " " << b;
  }
}
