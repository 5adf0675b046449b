// lyapcert::boundary law templates (--law-template): isotropic(2, lr) -- the root against two mpmath
// computations (tests/data/isotropic2_boundary_ref.txt), the ball enclosures of Lambda and Lambda' against
// lyapnd's independent certified quadrature (value; mean value theorem for the derivative), Monte Carlo signs on
// both sides of the root, honest complete = false. isotropic(3 | 4, lr), ginibre(d, lr), sgd(lr, h) and commuting
// sgd(lr, matrices(...)) against tests/data/template_ref.txt (gen_template_ref.py --more: mpmath on other
// formulations -- Gaussian coordinates instead of the angular average, quadrature of E log chi^2_d instead of
// digamma, direct scans of E log|1 - lr h| and of the max of the branches), Monte Carlo at loose tolerance, and
// sgd(lr, h) against the 1-D search of --law h. Proofs: BND-TEMPLATE-1..9.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>
#include <string>

#include "lyapcert/boundary.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyapnd/closed_forms.hpp"

namespace bnd = lyapcert::boundary;
using lyapcert::exact::Rational;
using lyapcert::exact::parse_rational;

namespace {

struct Arb {
  arb_t v;
  Arb() { arb_init(v); }
  ~Arb() { arb_clear(v); }
};

bnd::LawTemplate iso2() { return bnd::parse_law_template(lyapcert::laws::parse("isotropic(2, lr)")); }

Rational reference_root() {
  std::ifstream in("tests/data/isotropic2_boundary_ref.txt");
  EXPECT_TRUE(in.good()) << "run from the source root (ctest sets WORKING_DIRECTORY)";
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') return parse_rational(line);
  ADD_FAILURE() << "no value in the reference file";
  return Rational(0);
}

bool contains(const bnd::RootEnclosure& r, const Rational& x, const Rational& slack) {
  return r.lower - slack <= x && x <= r.upper + slack;
}

}  // namespace

TEST(LawTemplate, RootMatchesMpmathTo30Digits) {
  const Rational ref = reference_root();  // 40 digits: |ref - root| < 10^-39
  bnd::BoundaryOptions opt;
  opt.lr_min = Rational(1, 2);
  opt.lr_max = Rational(2);
  opt.digits = 30;
  const bnd::BoundaryResult r = bnd::find_template_boundaries(iso2(), opt);
  ASSERT_EQ(r.roots.size(), 1u);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.widths_met);
  EXPECT_EQ(r.roots[0].direction, bnd::Direction::neg_to_pos);
  EXPECT_LE(r.roots[0].upper - r.roots[0].lower, Rational(1, 1000000) * Rational(1, 1000000) * Rational(1, 1000000) *
                                                     Rational(1, 1000000) * Rational(1, 1000000));
  EXPECT_TRUE(contains(r.roots[0], ref, parse_rational("1e-38")))
      << lyapcert::exact::to_text(r.roots[0].lower) << " " << lyapcert::exact::to_text(r.roots[0].upper);
}

TEST(LawTemplate, DefaultRangeHasOneRootAndIsComplete) {
  bnd::BoundaryOptions opt;
  opt.digits = 12;
  const bnd::BoundaryResult r = bnd::find_template_boundaries(iso2(), opt);
  EXPECT_TRUE(r.default_range);
  EXPECT_EQ(r.lr_min, Rational(1, 4096));
  EXPECT_EQ(r.lr_max, Rational(512));
  ASSERT_EQ(r.roots.size(), 1u);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(contains(r.roots[0], reference_root(), Rational(0)));
}

// Ball enclosures against the independent certified quadrature of lyapnd (a different formula:
// (1/2) E_s[I_2(|1 - lr s|)] by acb_calc_integrate): the value on [a, b] must contain the quadrature
// at a, (a+b)/2 and b; the derivative on [a, b] must contain (Lambda(b) - Lambda(a))/(b - a) (mean
// value theorem), with Lambda(a), Lambda(b) from the quadrature.
TEST(LawTemplate, BallEnclosuresContainIndependentValues) {
  const auto t = iso2();
  const char* cells[][2] = {{"1/1000", "1/500"}, {"1/10", "1/8"}, {"1/4", "3/8"}, {"9/10", "1"},
                            {"15/16", "61/64"}, {"2", "3"},     {"7", "15/2"}, {"100", "129"}};
  for (const auto& c : cells) {
    const Rational a = parse_rational(c[0]), b = parse_rational(c[1]);
    Arb X, v, g, qa, qm, qb, dq;
    bnd::set_interval(X.v, a, b, 128);
    bnd::template_value(v.v, t, X.v, 128);
    bnd::template_derivative(g.v, t, X.v, 128);
    lyapcert::lyapnd::isotropic_quadrature(qa.v, 2, a, 128);
    lyapcert::lyapnd::isotropic_quadrature(qm.v, 2, (a + b) / 2, 128);
    lyapcert::lyapnd::isotropic_quadrature(qb.v, 2, b, 128);
    ASSERT_TRUE(arb_is_finite(v.v) && arb_is_finite(g.v)) << c[0];
    EXPECT_TRUE(arb_overlaps(v.v, qa.v) && arb_overlaps(v.v, qm.v) && arb_overlaps(v.v, qb.v)) << c[0];
    Arb w;
    arb_sub(dq.v, qb.v, qa.v, 128);
    bnd::set_ball(w.v, b - a, 128);
    arb_div(dq.v, dq.v, w.v, 128);
    EXPECT_TRUE(arb_overlaps(g.v, dq.v)) << c[0];
    // A sharp check too: a thin cell gives a thin derivative enclosure that still contains it.
    EXPECT_LT(mag_get_d(arb_radref(v.v)), 10.0) << c[0];
  }
}

// Monte Carlo: Lambda = E log|A e_1| exactly (i.i.d. increments, docs/math.md section 4), A e_1 =
// (1 - lr a1^2, -lr a1 a2). At lr = 0.7 and 1.2 |Lambda| > 0.08 while the standard error with 2e5
// samples is < 0.004 (sd of log|A e_1| < 1.6 measured): > 20 sigma under the CLT, false-failure
// probability < 1e-80 (seed fixed: 20241128).
TEST(LawTemplate, MonteCarloSignsOnBothSidesOfTheRoot) {
  std::mt19937_64 rng(20241128);
  std::normal_distribution<double> N01;
  const Rational ref = reference_root();
  for (double lr : {0.7, 1.2}) {
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      const double a1 = N01(rng), a2 = N01(rng);
      const double x = 1 - lr * a1 * a1, y = -lr * a1 * a2;
      const double l = 0.5 * std::log(x * x + y * y);
      sum += l;
      sum2 += l * l;
    }
    const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
    std::printf("seed 20241128 lr %.2f: MC mean %.5f, se %.5f\n", lr, mean, se);
    EXPECT_LT(se, 0.01);
    if (lr < ref.convert_to<double>()) {
      EXPECT_LT(mean + 8 * se, 0.0);
    } else {
      EXPECT_GT(mean - 8 * se, 0.0);
    }
  }
}

TEST(LawTemplate, HonestIncompleteWhenTheCellCapBinds) {
  const Rational ref = reference_root();
  bnd::BoundaryOptions opt;
  opt.lr_min = Rational(1, 4096);
  opt.lr_max = Rational(512);
  opt.digits = 12;
  opt.max_cells = 3;
  const bnd::BoundaryResult r = bnd::find_template_boundaries(iso2(), opt);
  EXPECT_FALSE(r.complete);
  ASSERT_FALSE(r.unresolved.empty());
  bool covered = false;  // the true root is in a reported root or in an unresolved cell
  for (const auto& c : r.unresolved) covered = covered || (c.lower <= ref && ref <= c.upper);
  for (const auto& x : r.roots) covered = covered || contains(x, ref, Rational(0));
  EXPECT_TRUE(covered);
}

TEST(LawTemplate, PrecisionCapGivesAWideButTrueRoot) {
  bnd::BoundaryOptions opt;
  opt.lr_min = Rational(1, 2);
  opt.lr_max = Rational(2);
  opt.digits = 40;
  opt.max_bits = 64;
  const bnd::BoundaryResult r = bnd::find_template_boundaries(iso2(), opt);
  EXPECT_FALSE(r.widths_met);
  ASSERT_EQ(r.roots.size(), 1u);
  EXPECT_FALSE(r.roots[0].width_met);
  EXPECT_TRUE(contains(r.roots[0], reference_root(), parse_rational("1e-38")));
}

TEST(LawTemplate, UnsupportedTemplatesAreRefused) {
  using lyapcert::InputError;
  auto p = [](const char* s) { return bnd::parse_law_template(lyapcert::laws::parse(s)); };
  auto message = [&](const char* s) {
    try {
      p(s);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_THROW(p("isotropic(2, 1/2)"), InputError);  // no lr
  EXPECT_THROW(p("ginibre(2, 1)"), InputError);
  EXPECT_THROW(p("isotropic(5, lr)"), InputError);
  EXPECT_THROW(p("isotropic(lr, 2)"), InputError);
  EXPECT_THROW(p("entries([[normal(lr, 1), 0], [0, 1]])"), InputError);
  EXPECT_NE(message("sgd(1/2, lr)").find("first argument"), std::string::npos) << message("sgd(1/2, lr)");
  EXPECT_NE(message("sgd(lr, normal(lr, 1))").find("first argument"), std::string::npos);
  EXPECT_NE(message("sgd(lr, ginibre(2, 1))").find("sgd(lr, ginibre"), std::string::npos);
  EXPECT_NE(message("sgd(lr, matrices([[1, 1], [0, 1]], [[1, 0], [1, 1]]))").find("do not commute"),
            std::string::npos);
  EXPECT_NE(message("sgd(lr, matrices([[0, 2], [1, 0]]))").find("irrational"), std::string::npos);
  EXPECT_NE(message("foo(lr)").find("supported:"), std::string::npos);
  EXPECT_NO_THROW(p("isotropic(2, lr)"));
  EXPECT_NO_THROW(p("isotropic(3, lr)"));
  EXPECT_NO_THROW(p("isotropic(4, lr)"));
  EXPECT_NO_THROW(p("ginibre(3, lr)"));
  EXPECT_NO_THROW(p("sgd(lr, normal(1, 1))"));
  EXPECT_NO_THROW(p("sgd(lr, matrices([[1, 0], [0, 2]]: 1))"));
  EXPECT_EQ(p("sgd(lr, matrices([[1, 0], [0, 1]], [[2, 0], [0, 2]]))").branches.size(), 1u);  // equal branches
}

// ---- isotropic(3 | 4, lr), ginibre, sgd (BND-TEMPLATE-5..9) against tests/data/template_ref.txt ------------

namespace {

// "key [lr] value" lines of tests/data/template_ref.txt (gen_template_ref.py --more, mpmath, other formulations).
std::vector<std::vector<std::string>> ref_lines(const std::string& key) {
  std::ifstream in("tests/data/template_ref.txt");
  EXPECT_TRUE(in.good()) << "run from the source root";
  std::vector<std::vector<std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::vector<std::string> w;
    std::string x;
    while (ss >> x) w.push_back(x);
    if (!w.empty() && w[0] == key) out.push_back(w);
  }
  EXPECT_FALSE(out.empty()) << key;
  return out;
}

// The ball [v - tol, v + tol] for a decimal reference v.
void ref_ball(arb_t out, const std::string& v, const char* tol) {
  arb_set_str(out, v.c_str(), 200);
  Arb t;
  arb_set_str(t.v, tol, 200);
  arb_add_error(out, t.v);
}

bnd::LawTemplate tmpl(const char* s) { return bnd::parse_law_template(lyapcert::laws::parse(s)); }

bool root_contains(const bnd::RootEnclosure& r, const std::string& v, const char* slack) {
  return contains(r, parse_rational(v), parse_rational(slack));
}

}  // namespace

// Values on thin lr-balls around each reference rate contain the mpmath value (Gaussian-coordinate formulation,
// 18 digits); the derivative ball over [a, b] contains the difference quotient of two references (mean value
// theorem).
TEST(LawTemplate, Isotropic34BallsContainMpmathValues) {
  for (int d : {3, 4}) {
    const auto t = tmpl(d == 3 ? "isotropic(3, lr)" : "isotropic(4, lr)");
    const auto rows = ref_lines(d == 3 ? "isotropic3_value" : "isotropic4_value");
    const char* tol = d == 3 ? "1e-16" : "1e-10";  // the d = 4 references are 2-D quadratures at 12 digits
    std::vector<std::pair<Rational, std::string>> pts;
    for (const auto& w : rows) {
      const Rational lr = parse_rational(w[1]);
      pts.emplace_back(lr, w[2]);
      Arb X, v, ref;
      bnd::set_interval(X.v, lr * Rational(999999, 1000000), lr * Rational(1000001, 1000000), 128);
      bnd::template_value(v.v, t, X.v, 96);
      ref_ball(ref.v, w[2], tol);
      ASSERT_TRUE(arb_is_finite(v.v)) << d << " " << w[1];
      EXPECT_TRUE(arb_overlaps(v.v, ref.v)) << d << " " << w[1];
      EXPECT_LT(mag_get_d(arb_radref(v.v)), 1e-4) << d << " " << w[1];  // thin ball, thin enclosure
      bnd::set_ball(X.v, lr, 128);
      bnd::template_value(v.v, t, X.v, 96);
      EXPECT_TRUE(arb_overlaps(v.v, ref.v)) << d << " point " << w[1];
      EXPECT_LT(mag_get_d(arb_radref(v.v)), 1e-20) << d << " point " << w[1];
      // the derivative on the thin ball is thin too (what the monotone-cell test of the search needs)
      bnd::set_interval(X.v, lr * Rational(999999, 1000000), lr * Rational(1000001, 1000000), 128);
      bnd::template_derivative(v.v, t, X.v, 96);
      EXPECT_TRUE(arb_is_finite(v.v) && mag_get_d(arb_radref(v.v)) < 1e-3) << d << " derivative " << w[1];
    }
    for (std::size_t i = 0; i + 1 < pts.size(); ++i) {
      const Rational a = pts[i].first, b = pts[i + 1].first;
      Arb X, g, qa, qb, w;
      bnd::set_interval(X.v, a, b, 128);
      bnd::template_derivative(g.v, t, X.v, 64);
      ref_ball(qa.v, pts[i].second, tol);
      ref_ball(qb.v, pts[i + 1].second, tol);
      arb_sub(qb.v, qb.v, qa.v, 128);
      bnd::set_ball(w.v, b - a, 128);
      arb_div(qb.v, qb.v, w.v, 128);
      ASSERT_TRUE(arb_is_finite(g.v)) << d;  // wide cells give wide (dependency) but finite enclosures
      EXPECT_TRUE(arb_overlaps(g.v, qb.v)) << d << " [" << lyapcert::exact::to_text(a) << ", "
                                           << lyapcert::exact::to_text(b) << "]";
    }
  }
}

TEST(LawTemplate, Isotropic34RootsMatchMpmath) {
  for (int d : {3, 4}) {
    bnd::BoundaryOptions opt;
    opt.lr_min = Rational(1, 4);
    opt.lr_max = Rational(2);
    opt.digits = 12;
    const auto r = bnd::find_template_boundaries(tmpl(d == 3 ? "isotropic(3, lr)" : "isotropic(4, lr)"), opt);
    ASSERT_EQ(r.roots.size(), 1u) << d;
    EXPECT_TRUE(r.complete) << d;
    EXPECT_TRUE(r.widths_met) << d;
    EXPECT_EQ(r.roots[0].direction, bnd::Direction::neg_to_pos);
    const std::string ref = ref_lines(d == 3 ? "isotropic3_root" : "isotropic4_root")[0][1];
    EXPECT_TRUE(root_contains(r.roots[0], ref, d == 3 ? "1e-13" : "1e-11"))
        << d << ": " << lyapcert::exact::to_text(r.roots[0].lower);
  }
}

// Monte Carlo (seed 20241129): Lambda = E log|A e_1|, A e_1 = e_1 - lr a_1 a. The sample mean must lie within
// 6 standard errors of the certified point value (false-failure probability < 1e-8 per check under the CLT).
TEST(LawTemplate, Isotropic34MonteCarloLoose) {
  std::mt19937_64 rng(20241129);
  std::normal_distribution<double> N01;
  for (int d : {3, 4}) {
    const auto t = tmpl(d == 3 ? "isotropic(3, lr)" : "isotropic(4, lr)");
    for (const char* lrs : {"1/2", "3/2"}) {
      const double lr = parse_rational(lrs).convert_to<double>();
      double sum = 0, sum2 = 0;
      const int n = 100000;
      for (int i = 0; i < n; ++i) {
        double a[4], s = 0;
        for (int k = 0; k < d; ++k) {
          a[k] = N01(rng);
          s += a[k] * a[k];
        }
        // |e_1 - lr a_1 a|^2 = 1 - 2 lr a_1^2 + lr^2 a_1^2 |a|^2
        const double l = 0.5 * std::log(1 - 2 * lr * a[0] * a[0] + lr * lr * a[0] * a[0] * s);
        sum += l;
        sum2 += l * l;
      }
      const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
      Arb X, v;
      bnd::set_ball(X.v, parse_rational(lrs), 128);
      bnd::template_value(v.v, t, X.v, 64);
      const double cert = arf_get_d(arb_midref(v.v), ARF_RND_NEAR);
      std::printf("isotropic(%d, %s): MC %.5f se %.5f certified %.6f\n", d, lrs, mean, se, cert);
      EXPECT_LT(std::abs(mean - cert), 6 * se) << d << " " << lrs;
    }
  }
}

TEST(LawTemplate, GinibreRootMatchesQuadrature) {
  for (int d = 1; d <= 4; ++d) {
    bnd::BoundaryOptions opt;
    opt.digits = 20;
    const std::string law = "ginibre(" + std::to_string(d) + ", lr)";
    const auto r = bnd::find_template_boundaries(tmpl(law.c_str()), opt);
    EXPECT_TRUE(r.default_range);
    ASSERT_EQ(r.roots.size(), 1u) << d;
    EXPECT_TRUE(r.complete && r.widths_met) << d;
    EXPECT_EQ(r.roots[0].direction, bnd::Direction::neg_to_pos);
    const std::string ref = ref_lines("ginibre" + std::to_string(d) + "_root")[0][1];
    EXPECT_TRUE(root_contains(r.roots[0], ref, "1e-23")) << d;
  }
}

// sgd(lr, h) gives exactly the 1-D search of `boundary --law h`, and its roots contain the mpmath roots of
// (1/3) log|1 - lr/2| + (2/3) log|1 - 3 lr| (scan + bisection); singular points 1/3 and 2 reported exactly.
TEST(LawTemplate, SgdScalarIsTheOneDimensionalSearch) {
  bnd::BoundaryOptions opt;
  opt.lr_min = Rational(1, 1000);
  opt.lr_max = Rational(4);
  opt.digits = 20;
  const auto t = tmpl("sgd(lr, atoms(1/2: 1/3, 3: 2/3))");
  const auto r = bnd::find_template_boundaries(t, opt);
  const auto one_d = bnd::find_boundaries(lyapcert::laws::parse_curvature_law("atoms(1/2: 1/3, 3: 2/3)"), opt);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.roots.size(), one_d.roots.size());
  for (std::size_t i = 0; i < r.roots.size(); ++i) {
    EXPECT_EQ(r.roots[i].lower, one_d.roots[i].lower);
    EXPECT_EQ(r.roots[i].upper, one_d.roots[i].upper);
  }
  ASSERT_EQ(r.singular_points.size(), 2u);
  EXPECT_EQ(r.singular_points[0], Rational(1, 3));
  EXPECT_EQ(r.singular_points[1], Rational(2));
  // every mpmath root is in a root enclosure or a sliver (singular point + offset)
  const auto refs = ref_lines("sgd_scalar_root");
  std::size_t found = r.roots.size();
  for (const auto& s : r.slivers) found += (s.left_offset ? 1 : 0) + (s.right_offset ? 1 : 0);
  EXPECT_EQ(found, refs.size());
  for (const auto& w : refs) {
    bool in = false;
    for (const auto& x : r.roots) in = in || root_contains(x, w[1], "1e-21");
    for (const auto& s : r.slivers)
      for (const auto* off : {&s.left_offset, &s.right_offset})
        if (*off) {
          Arb z, ref;
          bnd::set_ball(z.v, s.singular_point, 256);
          arb_add(z.v, z.v, (*off)->get(), 256);
          ref_ball(ref.v, w[1], "1e-21");
          in = in || arb_overlaps(z.v, ref.v);
        }
    EXPECT_TRUE(in) << w[1];
  }
}

TEST(LawTemplate, CommutingFamiliesMatchMpmathMaxOfBranches) {
  struct Case {
    const char* law;
    const char* key;
  };
  for (const Case& c : {Case{"sgd(lr, matrices([[1/2, 1], [0, 3]]: 1/3, [[3, 0], [0, 1/2]]: 2/3))",
                             "sgd_triangular_root"},
                        Case{"sgd(lr, matrices([[2, 1], [1, 2]]: 1/4, [[0, 1], [1, 0]]: 3/4))",
                             "sgd_commuting_root"}}) {
    bnd::BoundaryOptions opt;
    opt.lr_min = Rational(1, 1000);
    opt.lr_max = Rational(4);
    opt.digits = 15;
    const auto t = tmpl(c.law);
    EXPECT_EQ(t.branches.size(), 2u) << c.law;
    const auto r = bnd::find_template_boundaries(t, opt);
    const auto refs = ref_lines(c.key);
    EXPECT_TRUE(r.complete) << c.law << ": " << r.message;
    ASSERT_EQ(r.roots.size(), refs.size()) << c.law;
    for (std::size_t i = 0; i < refs.size(); ++i)
      EXPECT_TRUE(root_contains(r.roots[i], refs[i][1], "1e-16")) << c.law << " root " << i << " "
                                                                  << lyapcert::exact::to_text(r.roots[i].lower);
  }
}
