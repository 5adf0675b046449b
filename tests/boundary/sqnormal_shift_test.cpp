// sqnormal under a shift or a negative scale in `lyapcert boundary` (BND-SQS-1 .. 3, CONT-SQS-1).
#include <arb.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "boundary/secant_check.hpp"
#include "lyapcert/boundary.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"
#include "support/reference_table.hpp"

namespace {

namespace bnd = lyapcert::boundary;
using lyapcert::exact::Rational;
using lyapcert::exact::parse_rational;
using lyapcert::laws::parse_curvature_law;

struct Ball {
  arb_t v;
  Ball() { arb_init(v); }
  ~Ball() { arb_clear(v); }
};


// Zeros from tests/data/gen_sqnormal_shift_roots_ref.py (mpmath, two independent ways per zero).
TEST(SqnormalShiftBoundary, RootsAgainstMpmath) {
  int n = 0;
  for (const auto& f : lyapcert::test::read_reference_table("tests/data/sqnormal_shift_roots_ref.txt")) {
    ASSERT_EQ(f.size(), 3u) << f.at(0);
    SCOPED_TRACE(f[0]);
    const Rational z1 = parse_rational(f[1]), z2 = parse_rational(f[2]);
    const Rational diff = z1 > z2 ? Rational(z1 - z2) : Rational(z2 - z1);
    EXPECT_LT(diff, Rational(1, 1000000) * Rational(1, 1000000) * Rational(1, 1000000) * Rational(1, 1000000));
    bnd::BoundaryOptions o;  // default range
    o.digits = 20;
    const bnd::BoundaryResult r = bnd::find_boundaries(parse_curvature_law(f[0]), o);
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.widths_met);
    ASSERT_EQ(r.roots.size(), 1u);
    EXPECT_LE(r.roots[0].lower, z1);
    EXPECT_GE(r.roots[0].upper, z1);
    EXPECT_EQ(r.roots[0].direction, bnd::Direction::neg_to_pos);
    EXPECT_LE(r.roots[0].upper - r.roots[0].lower, Rational(3, 100000000) * Rational(1, 1000000000000LL));
    ++n;
  }
  EXPECT_EQ(n, 4);
}

// Several roots (a shifted sqnormal mixed with atoms, singular points 1/2 and 2): each reported root brackets a
// sign change of the lyap1d values (independent path) in the stated direction, and the search is complete.
TEST(SqnormalShiftBoundary, MixtureWithAtomsSignsAroundEachRoot) {
  const auto law = parse_curvature_law("mix(shift(-3, sqnormal(0, 1)):1/2, atoms(1/2, 2):1/2)");
  bnd::BoundaryOptions o;
  o.lr_min = Rational(1, 8);
  o.lr_max = Rational(8);
  o.digits = 20;
  const bnd::BoundaryResult r = bnd::find_boundaries(law, o);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.roots.size(), 4u);
  const Rational eps = Rational(1, 1000000000000LL);
  for (const auto& root : r.roots) {
    auto lo = lyapcert::lyap::log_abs_mean(law, Rational(1), -(root.lower - eps), 200);
    auto hi = lyapcert::lyap::log_abs_mean(law, Rational(1), -(root.upper + eps), 200);
    const bool up = root.direction == bnd::Direction::neg_to_pos;
    EXPECT_TRUE(up ? arb_is_negative(lo.value.get()) : arb_is_positive(lo.value.get()));
    EXPECT_TRUE(up ? arb_is_positive(hi.value.get()) : arb_is_negative(hi.value.get()));
  }
}

// 1 + lr z^2 > 0: Lambda > 0 for every lr > 0, so "complete" with no roots. And the point lr0 = 1 where the
// constant term 1 - lr vanishes (a kink of Lambda, BND-SQS-2) inside the range: certified nonzero there.
TEST(SqnormalShiftBoundary, CompleteWithoutRootsAndAcrossTheKink) {
  {
    bnd::BoundaryOptions o;
    o.digits = 20;
    const bnd::BoundaryResult r = bnd::find_boundaries(parse_curvature_law("scale(-1, sqnormal(1, 1))"), o);
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.roots.empty());
    EXPECT_TRUE(r.unresolved.empty());
  }
  {
    bnd::BoundaryOptions o;
    o.lr_min = Rational(1, 2);
    o.lr_max = Rational(2);
    o.digits = 20;
    const auto law = parse_curvature_law("scale(-1, shift(-1, sqnormal(0, 1)))");  // h = 1 - z^2
    const bnd::BoundaryResult r = bnd::find_boundaries(law, o);
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.roots.empty());  // the zero is at 2.1725... (reference file)
    // Signs on both sides of the range from the lyap1d path (independent): negative at 1/2 and at 2.
    for (const char* pt : {"1/2", "1", "2"}) {
      auto v = lyapcert::lyap::log_abs_mean(law, Rational(1), -parse_rational(pt), 128);
      EXPECT_TRUE(arb_is_negative(v.value.get())) << pt;
    }
    // The root just past the range makes the extended range incomplete only if the search misses it.
    o.lr_max = Rational(3);
    const bnd::BoundaryResult r2 = bnd::find_boundaries(law, o);
    EXPECT_TRUE(r2.complete);
    EXPECT_EQ(r2.roots.size(), 1u);
  }
}

// A cell on which the derivative cannot be enclosed (it contains the kink lr0) is never claimed monotone:
// derivative(X) is non-finite there, while value(X) contains the lyap1d values at points of X.
TEST(SqnormalShiftModel, KinkCellValueContainsPointValues) {
  const auto law = parse_curvature_law("scale(-1, shift(-1, sqnormal(0, 1)))");
  const bnd::ExponentModel model(law);
  Ball X, v, d;
  for (int k : {4, 12, 30}) {
    const Rational eps = Rational(1) / Rational(lyapcert::exact::Integer(1) << k);
    bnd::set_interval(X.v, 1 - eps, 1 + eps, 200);
    model.value(v.v, X.v, 200);
    model.derivative(d.v, X.v, 200);
    EXPECT_FALSE(arb_is_finite(d.v));
    ASSERT_TRUE(arb_is_finite(v.v)) << k;
    for (const Rational& x : {Rational(1 - eps), Rational(1), Rational(1 + eps / 3), Rational(1 + eps)}) {
      auto p = lyapcert::lyap::log_abs_mean(law, Rational(1), -x, 200);
      EXPECT_TRUE(arb_contains(v.v, p.value.get())) << k;
    }
  }
}

// Derivative enclosures against secant slopes of the lyap1d values (mean value theorem), and tightness. These laws
// have no atoms: no cell may be skipped.
TEST(SqnormalShiftModel, DerivativeAgainstSecantSlopes) {
  EXPECT_EQ(lyapcert::boundary::test::expect_derivative_contains_secants(
                {"shift(1/2, sqnormal(0, 1))", "shift(-1, sqnormal(0, 1))", "scale(-1, sqnormal(1, 1))",
                 "scale(-1, shift(-1, sqnormal(0, 1)))", "shift(1/4, scale(2, sqnormal(1, 1/2)))",
                 "shift(-1, scale(-3, sqnormal(1/2, 1)))",
                 "mix(shift(1/2, sqnormal(0, 1)):1/2, scale(-1, sqnormal(1, 1)):1/2)"}),
            0);
}

}  // namespace
