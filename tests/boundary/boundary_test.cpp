// lyapcert::boundary: roots against independent references (mpmath file, exact roots, MPFI referee),
// derivative enclosures against the mean value theorem, input validation. Proofs: proofs/boundary/.
#include <gtest/gtest.h>

#include <sstream>

#include "boundary/referee.hpp"
#include "boundary/secant_check.hpp"
#include "lyapcert/boundary.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"
#include "support/reference_table.hpp"

namespace bnd = lyapcert::boundary;
using lyapcert::exact::Rational;
using lyapcert::exact::parse_rational;
using lyapcert::laws::parse_curvature_law;

namespace {

struct RefCase {
  std::string law;
  Rational lo, hi;
  std::vector<Rational> roots;
};

std::vector<RefCase> load_reference() {
  std::vector<RefCase> out;
  for (const auto& f : lyapcert::test::read_reference_table("tests/boundary/boundary_ref.txt")) {
    RefCase c;
    c.law = f.at(0);
    c.lo = parse_rational(f.at(1));
    c.hi = parse_rational(f.at(2));
    std::stringstream rs(f.at(4));
    std::string r;
    while (rs >> r) c.roots.push_back(parse_rational(r));
    EXPECT_EQ(c.roots.size(), std::stoul(f.at(3)));
    out.push_back(c);
  }
  return out;
}

// All zeros reported, as (position, direction) with position an exact point inside each enclosure.
std::vector<Rational> all_zero_positions(const bnd::BoundaryResult& r) {
  std::vector<Rational> z;
  for (const auto& root : r.roots) z.push_back((root.lower + root.upper) / 2);
  for (const auto& s : r.slivers) {
    if (s.left_offset) z.push_back(s.singular_point);
    if (s.right_offset) z.push_back(s.singular_point);
  }
  std::sort(z.begin(), z.end());
  return z;
}

}  // namespace

TEST(Boundary, ReferenceRootsFromMpmath) {
  // Reference: tests/boundary/boundary_ref.txt (mpmath findroot on the closed form, confirmed by quadrature).
  const auto cases = load_reference();
  ASSERT_GE(cases.size(), 9u);
  for (const RefCase& c : cases) {
    SCOPED_TRACE(c.law);
    bnd::BoundaryOptions o;
    o.lr_min = c.lo;
    o.lr_max = c.hi;
    o.digits = 30;
    const auto law = parse_curvature_law(c.law);
    const bnd::BoundaryResult r = bnd::find_boundaries(law, o);
    EXPECT_TRUE(r.complete) << r.message;
    EXPECT_TRUE(r.widths_met);
    EXPECT_TRUE(r.slivers.empty());
    ASSERT_EQ(r.roots.size(), c.roots.size());
    for (std::size_t i = 0; i < c.roots.size(); ++i) {
      const auto& root = r.roots[i];
      // The reference has 50 significant digits: allow 1e-45 relative slack outside the enclosure.
      const Rational slack = bnd::requested_width(45, c.roots[i]);
      EXPECT_LE(root.lower - slack, c.roots[i]) << i;
      EXPECT_GE(root.upper + slack, c.roots[i]) << i;
      EXPECT_LE(root.upper - root.lower, bnd::requested_width(30, root.lower));
      if (i > 0) EXPECT_LT(r.roots[i - 1].upper, root.lower);  // pairwise disjoint, ascending
    }
  }
}

TEST(Boundary, ExactZeroAndTheRootBeyondTheSingularPoint) {
  // atoms(-1, 1/2): Lambda(1) = 0 exactly; for lr > 2, (1 + lr)(lr/2 - 1) = 1 gives lr = (1 + sqrt 17)/2.
  bnd::BoundaryOptions o;
  o.lr_min = Rational(1, 4);
  o.lr_max = Rational(8);
  o.digits = 40;
  const bnd::BoundaryResult r = bnd::find_boundaries(parse_curvature_law("atoms(-1, 1/2)"), o);
  ASSERT_TRUE(r.complete);
  ASSERT_EQ(r.roots.size(), 2u);
  EXPECT_EQ(r.roots[0].lower, 1);
  EXPECT_EQ(r.roots[0].upper, 1);
  EXPECT_EQ(r.roots[0].direction, bnd::Direction::pos_to_neg);
  // (1 + sqrt 17)/2 in [lo, hi]  <=>  (2 lo - 1)^2 <= 17 <= (2 hi - 1)^2 (exact rationals).
  const Rational lo = r.roots[1].lower, hi = r.roots[1].upper;
  EXPECT_LE((2 * lo - 1) * (2 * lo - 1), 17);
  EXPECT_GE((2 * hi - 1) * (2 * hi - 1), 17);
  EXPECT_LE(hi - lo, bnd::requested_width(40, lo));
  EXPECT_EQ(r.roots[1].direction, bnd::Direction::neg_to_pos);
  ASSERT_EQ(r.singular_points.size(), 1u);
  EXPECT_EQ(r.singular_points[0], 2);
}

TEST(Boundary, TangentialZeroIsNeverReportedComplete) {
  // Atoms with multipliers r = 2, 1/2 (weight 9/20 each) and -2, -1/2 (1/20 each) at lr = 1:
  // Lambda(1) = 0, Lambda'(1) = -(sum p/r - 1) = 0, Lambda'' < 0: a tangential zero at lr = 1.
  const auto law = parse_curvature_law("atoms(-1:9/20, 1/2:9/20, 3:1/20, 3/2:1/20)");
  bnd::BoundaryOptions o;
  o.lr_min = Rational(3, 4);
  o.lr_max = Rational(5, 4);
  o.digits = 8;
  const bnd::BoundaryResult r = bnd::find_boundaries(law, o);
  EXPECT_FALSE(r.complete);
  bool covers_one = false;
  for (const auto& c : r.unresolved) covers_one = covers_one || (c.lower <= 1 && 1 <= c.upper);
  EXPECT_TRUE(covers_one);
  for (const auto& root : r.roots) EXPECT_FALSE(root.lower <= 1 && 1 <= root.upper);
}

TEST(Boundary, InputValidation) {
  const auto law = parse_curvature_law("normal(1, 1)");
  bnd::BoundaryOptions o;
  o.lr_min = Rational(0);
  o.lr_max = Rational(1);
  EXPECT_THROW(bnd::find_boundaries(law, o), lyapcert::InputError);
  o.lr_min = Rational(2);
  EXPECT_THROW(bnd::find_boundaries(law, o), lyapcert::InputError);
  o.lr_min = Rational(1, 2);
  o.digits = 0;
  EXPECT_THROW(bnd::find_boundaries(law, o), lyapcert::InputError);
  o.digits = 10001;
  EXPECT_THROW(bnd::find_boundaries(law, o), lyapcert::InputError);
}

TEST(Boundary, DefaultRangeIsOutwardPowersOfTwo) {
  // sqnormal(0,1): E h^2 = 3, 1e-3/sqrt 3 = 5.77e-4 -> 2^-11; 1e3/sqrt 3 = 577 -> 2^10.
  const auto [lo, hi] = bnd::default_range(parse_curvature_law("sqnormal(0, 1)"));
  EXPECT_EQ(lo, Rational(1, 2048));
  EXPECT_EQ(hi, Rational(1024));
  const auto [lo2, hi2] = bnd::default_range(parse_curvature_law("atoms(100)"));
  EXPECT_EQ(lo2, Rational(1, 1 << 17));  // 1e-5 -> 2^-17
  EXPECT_EQ(hi2, Rational(16));          // 10 -> 2^4
}

TEST(Boundary, MaxRootsTruncates) {
  // Ten singular points with slivers on both sides; stop after 3 zeros.
  const auto law = parse_curvature_law("atoms(1/10:1/40, 1/9:1/40, 1/8:1/40, 1/7:1/40, -1:36/40)");
  bnd::BoundaryOptions o;
  o.lr_min = Rational(1, 2);
  o.lr_max = Rational(16);
  o.digits = 10;
  o.max_roots = 3;
  const bnd::BoundaryResult r = bnd::find_boundaries(law, o);
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.complete);
  EXPECT_FALSE(r.unresolved.empty());
}

// Proof: BND-DER-1..4 -- checked against the mean value theorem (secant_check.hpp); cells whose end hits an atom
// at 1/lr (-inf) are skipped.
TEST(BoundaryModel, DerivativeAgainstSecantSlopes) {
  lyapcert::boundary::test::expect_derivative_contains_secants(
      {"normal(1, 1)", "normal(-1/4, 1)", "normal(0, 1)", "uniform(-1, 3)", "uniform(1/2, 2)", "sqnormal(0, 1)",
       "sqnormal(1, 1/2)", "scale(3, sqnormal(1/2, 1))", "shift(1, scale(2, normal(1, 1)))",
       "shift(1/2, scale(-1, uniform(-1, 3)))", "mix(normal(1, 1):1/2, atoms(2, -1/2):1/2)",
       "mix(uniform(0, 1):1/3, sqnormal(0, 1):2/3)", "atoms(3:1/3, -1:1/3, 1/2:1/3)"});
}
