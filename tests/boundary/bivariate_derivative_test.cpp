// lyapcert::continuous::bivariate_log_abs_mean_dlr (CONT-BIVD-1, 2), the principal-value derivative of the
// xy exponent at sigma = 0 (CONT-XYD-5), and `boundary` on bivariate laws (BND-BIV-1), against independent
// computations: mpmath reference values (tests/data/bivariate_derivative_ref.txt, generator
// gen_bivariate_derivative_ref.py: conditioning on y instead of x, numerical differentiation, pole subtraction
// in q), a closed form with the exponential integral (Arb's Ei), and the mean value theorem with the certified
// VALUE kernels (a different integrand).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <arb_hypgeom.h>

#include "lyapcert/boundary.hpp"
#include "lyapcert/continuous/bivariate.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"
#include "support/reference_table.hpp"

using lyapcert::exact::parse_rational;
using lyapcert::exact::Rational;

namespace {

struct B {
  arb_t v;
  B() { arb_init(v); }
  ~B() { arb_clear(v); }
  B(const B&) = delete;
  B& operator=(const B&) = delete;
  operator arb_ptr() { return v; }
};

[[maybe_unused]] void setq(arb_t x, const std::string& s, slong prec) { lyapcert::exact::set_ball(x, parse_rational(s), prec); }

std::vector<std::vector<std::string>> load(const std::string& kind) {
  std::vector<std::vector<std::string>> out;
  for (auto& f : lyapcert::test::read_reference_table("tests/data/bivariate_derivative_ref.txt")) {
    if (f.at(0) == kind) out.push_back(std::move(f));
  }
  return out;
}

// The reference (30 digits) as a ball of radius 1e-27 (relative to max(1, |ref|)).
[[maybe_unused]] void ref_ball(arb_t r, const std::string& s, slong prec) {
  arb_set_str(r, s.c_str(), prec);
  B e;
  arb_set_str(e, "1e-27", prec);
  mag_t m;
  mag_init(m);
  arb_get_mag(m, e);
  mag_t a;
  mag_init(a);
  arb_get_mag(a, r);
  if (mag_cmp_2exp_si(a, 0) > 0) mag_mul(m, m, a);
  arb_add_error_mag(r, m);
  mag_clear(m);
  mag_clear(a);
}

}  // namespace

#ifndef LYAPCERT_BIVARIATE_SLOW
// Conditioning on y (mpmath; checked against conditioning on x in mpmath) vs the certified conditioning on x.
TEST(BivariateDerivative, MpmathReferenceValues) {
  const slong prec = 80;
  const auto rows = load("dlr_biv");
  ASSERT_GE(rows.size(), 5u);
  for (const auto& f : rows) {
    B lr, a1, b1, mx, my, sx, sy, rho, d, ref;
    setq(lr, f.at(1), prec);
    setq(a1, f.at(2), prec);
    setq(b1, f.at(3), prec);
    setq(mx, f.at(4), prec);
    setq(my, f.at(5), prec);
    setq(sx, f.at(6), prec);
    setq(sy, f.at(7), prec);
    setq(rho, f.at(8), prec);
    lyapcert::continuous::bivariate_log_abs_mean_dlr(d, lr, a1, b1, mx, my, sx, sy, rho, prec);
    ref_ball(ref, f.at(9), prec);
    EXPECT_TRUE(arb_overlaps(d, ref)) << f.at(1) << " " << arb_get_str(d, 30, 0) << " vs " << f.at(9);
    EXPECT_LT(arb_rel_accuracy_bits(d), prec + 8);  // sanity: not an exact ball
    EXPECT_GT(arb_rel_accuracy_bits(d), 60) << f.at(1) << " " << arb_get_str(d, 30, 0);
  }
}

// Mean value theorem against the certified value kernel bivariate_log_abs_mean (conditioning on x, but the
// integrand G instead of G_m): the exact secant slope over [x, x (1 + 2^-24)] is a value of Lambda' on that
// cell, so the derivative enclosure over the cell must overlap the secant ball; and be tight there.
TEST(BivariateDerivative, ContainsSecantSlopesOfTheValueKernel) {
  const slong prec = 128;
  struct C {
    const char *lr, *a1, *b1, *mx, *my, *sx, *sy, *rho;
  };
  for (const C& c : {C{"1", "0", "-1", "0", "0", "1", "1", "-1/5"}, C{"2", "1/4", "1", "1", "1", "1", "3", "0"},
                     C{"3/4", "-1/2", "-2", "-1", "1/2", "1/3", "1", "-9/10"}}) {
    B a1, b1, mx, my, sx, sy, rho, X, Y, cell, a, b, t, vx, vy, sec, d;
    setq(a1, c.a1, prec);
    setq(b1, c.b1, prec);
    setq(mx, c.mx, prec);
    setq(my, c.my, prec);
    setq(sx, c.sx, prec);
    setq(sy, c.sy, prec);
    setq(rho, c.rho, prec);
    const Rational x = parse_rational(c.lr);
    const Rational y = x + x / Rational(lyapcert::exact::Integer(1) << 24);
    lyapcert::exact::set_ball(X, x, prec);
    lyapcert::exact::set_ball(Y, y, prec);
    arb_union(cell, X, Y, prec);
    for (int i = 0; i < 2; ++i) {
      arb_ptr L = i == 0 ? X.v : Y.v;
      arb_mul(a, L, a1, prec);
      arb_add_ui(a, a, 1, prec);
      arb_mul(b, L, b1, prec);
      lyapcert::continuous::bivariate_log_abs_mean(i == 0 ? vx.v : vy.v, a, b, mx, my, sx, sy, rho, prec);
    }
    arb_sub(sec, vy, vx, prec);
    arb_sub(t, Y, X, prec);
    arb_div(sec, sec, t, prec);
    lyapcert::continuous::bivariate_log_abs_mean_dlr(d, cell, a1, b1, mx, my, sx, sy, rho, prec);
    ASSERT_TRUE(arb_is_finite(d)) << c.lr;
    EXPECT_TRUE(arb_overlaps(d, sec)) << c.lr << " " << arb_get_str(d, 20, 0) << " " << arb_get_str(sec, 20, 0);
    EXPECT_GT(arb_rel_accuracy_bits(d), 12) << c.lr << " " << arb_get_str(d, 20, 0);
  }
}

// sigma = 0, S = 2, a1 = 0, b1 = -1, k = 1: h = q/2 ~ Exp(1), Lambda(lr) = E log|1 - lr E| and
// Lambda'(lr) = (1 - e^{-1/lr} Ei(1/lr)/lr)/lr (PV E[1/(1 - lr E)] = e^{-1/lr} Ei(1/lr)/lr), a closed form.
TEST(XySigmaZeroPrincipalValue, ClosedFormWithExponentialIntegral) {
  const slong prec = 128;
  for (const char* l : {"2", "5/4", "10"}) {
    B lr, a1, b1, k, sigma, d, ref, u, t;
    setq(lr, l, prec);
    arb_zero(a1);
    arb_set_si(b1, -1);
    arb_one(k);
    arb_zero(sigma);
    lyapcert::continuous::xy_log_abs_mean_dlr(d, lr, a1, b1, k, sigma, 2, prec);
    arb_inv(u, lr, prec + 20);
    arb_hypgeom_ei(ref, u, prec + 20);
    arb_neg(t, u);
    arb_exp(t, t, prec + 20);
    arb_mul(ref, ref, t, prec + 20);
    arb_mul(ref, ref, u, prec + 20);
    arb_sub_ui(ref, ref, 1, prec + 20);
    arb_neg(ref, ref);
    arb_mul(ref, ref, u, prec + 20);
    EXPECT_TRUE(arb_overlaps(d, ref)) << l << " " << arb_get_str(d, 30, 0) << " " << arb_get_str(ref, 30, 0);
    EXPECT_GT(arb_rel_accuracy_bits(d), 100) << l << " " << arb_get_str(d, 30, 0);
  }
}

// mpmath: numerical differentiation of the value in q, and pole subtraction in q (not t).
TEST(XySigmaZeroPrincipalValue, MpmathReferenceValues) {
  const slong prec = 128;
  const auto rows = load("dlr_xy0");
  ASSERT_GE(rows.size(), 4u);
  for (const auto& f : rows) {
    B lr, a1, b1, k, sigma, d, ref;
    setq(lr, f.at(1), prec);
    setq(a1, f.at(2), prec);
    setq(b1, f.at(3), prec);
    setq(k, f.at(4), prec);
    arb_zero(sigma);
    lyapcert::continuous::xy_log_abs_mean_dlr(d, lr, a1, b1, k, sigma, std::stoul(f.at(5)), prec);
    ref_ball(ref, f.at(6), prec);
    EXPECT_TRUE(arb_overlaps(d, ref)) << f.at(1) << " S=" << f.at(5) << " " << arb_get_str(d, 30, 0);
    EXPECT_GT(arb_rel_accuracy_bits(d), 90) << f.at(1) << " S=" << f.at(5) << " " << arb_get_str(d, 30, 0);
  }
}

// The PV derivative over a cell across which the pole moves contains the secant slope of the certified value
// kernel xy_log_abs_mean (sigma = 0: log window around the root, CONT-XY-5), so cells are resolved.
TEST(XySigmaZeroPrincipalValue, ContainsSecantSlopesOfTheValueKernel) {
  const slong prec = 128;
  for (ulong S : {1ul, 3ul, 8ul}) {
    B a1, b1, k, sigma, X, Y, cell, a, b, vx, vy, sec, t, d;
    arb_zero(a1);
    arb_set_si(b1, -1);
    arb_one(k);
    arb_zero(sigma);
    const Rational x(3, 2);
    const Rational y = x + x / Rational(lyapcert::exact::Integer(1) << 24);
    lyapcert::exact::set_ball(X, x, prec);
    lyapcert::exact::set_ball(Y, y, prec);
    arb_union(cell, X, Y, prec);
    arb_one(a);
    arb_neg(b, X);
    lyapcert::continuous::xy_log_abs_mean(vx, a, b, k, sigma, S, prec);
    arb_neg(b, Y);
    lyapcert::continuous::xy_log_abs_mean(vy, a, b, k, sigma, S, prec);
    arb_sub(sec, vy, vx, prec);
    arb_sub(t, Y, X, prec);
    arb_div(sec, sec, t, prec);
    lyapcert::continuous::xy_log_abs_mean_dlr(d, cell, a1, b1, k, sigma, S, prec);
    ASSERT_TRUE(arb_is_finite(d)) << S;
    EXPECT_TRUE(arb_overlaps(d, sec)) << S << " " << arb_get_str(d, 20, 0) << " " << arb_get_str(sec, 20, 0);
    EXPECT_GT(arb_rel_accuracy_bits(d), 12) << S << " " << arb_get_str(d, 20, 0);
  }
}

// `boundary` on xy(1, 0, 1) (sigma = 0, S = 1: h = z^2, z ~ N(0, 1)): every cell lies across the singular point
// (1 - lr h changes sign for every lr > 0), so every derivative is a principal value (CONT-XYD-5). The same law
// written as sqnormal(0, 1) goes through the sqnormal closed form (BND-DER-4): an independent path. Both
// searches must be complete with one root each, and the root enclosures must overlap.
TEST(XySigmaZeroBoundary, RootAgainstTheSqnormalPath) {
  lyapcert::boundary::BoundaryOptions o;
  o.lr_min = Rational(12, 5);
  o.lr_max = Rational(49, 20);
  o.digits = 12;
  const auto rx = lyapcert::boundary::find_boundaries(lyapcert::laws::parse_curvature_law("xy(1, 0, 1)"), o);
  const auto rs = lyapcert::boundary::find_boundaries(lyapcert::laws::parse_curvature_law("sqnormal(0, 1)"), o);
  EXPECT_TRUE(rx.complete) << rx.message;
  EXPECT_TRUE(rs.complete) << rs.message;
  ASSERT_EQ(rx.roots.size(), 1u);
  ASSERT_EQ(rs.roots.size(), 1u);
  EXPECT_LE(rx.roots[0].lower, rs.roots[0].upper);
  EXPECT_GE(rx.roots[0].upper, rs.roots[0].lower);
  EXPECT_TRUE(rx.roots[0].width_met);
  EXPECT_EQ(rx.roots[0].direction, lyapcert::boundary::Direction::neg_to_pos);
}

// ExponentModel with bivariate leaves under scale, shift and mixture (BND-MODEL-1, BND-BIV-1): the derivative over a
// cell [a, a (1 + 2^-24)] contains the secant slope of the lyap1d values (lyap::log_abs_mean, the law as a whole),
// and the model's value at a point overlaps the lyap1d value.
TEST(BivariateModel, AffineAndMixtureDerivativeAgainstSecantSlopes) {
  const slong prec = 96;
  for (const char* text : {"mix(scale(2, bivariate(1, -1/2, 2, 1/2, 3/5)):1/2, atoms(1/3):1/2)",
                           "shift(1/4, bivariate(0, 0, 1, 1, -1/5))"}) {
    SCOPED_TRACE(text);
    const auto law = lyapcert::laws::parse_curvature_law(text);
    const lyapcert::boundary::ExponentModel model(law);
    for (const char* pt : {"1/2", "5/2"}) {
      SCOPED_TRACE(pt);
      const Rational a = parse_rational(pt);
      const Rational b = a + a / Rational(lyapcert::exact::Integer(1) << 24);
      auto va = lyapcert::lyap::log_abs_mean(law, Rational(1), Rational(-a), prec);
      auto vb = lyapcert::lyap::log_abs_mean(law, Rational(1), Rational(-b), prec);
      B X, d, sec, w;
      lyapcert::boundary::set_interval(X, a, b, prec);
      model.derivative(d, X, prec);
      arb_sub(sec, vb.value.get(), va.value.get(), prec);
      lyapcert::boundary::set_ball(w, b - a, prec);
      arb_div(sec, sec, w, prec);
      ASSERT_TRUE(arb_is_finite(d));
      ASSERT_TRUE(arb_is_finite(sec));
      EXPECT_TRUE(arb_overlaps(d, sec)) << arb_get_str(d, 20, 0) << " secant " << arb_get_str(sec, 20, 0);
      EXPECT_GT(arb_rel_accuracy_bits(d), 12) << arb_get_str(d, 20, 0);
      lyapcert::boundary::set_ball(w, a, prec);
      model.value(d, w, prec);
      EXPECT_TRUE(arb_overlaps(d, va.value.get())) << arb_get_str(d, 20, 0);
    }
  }
}

#endif  // !LYAPCERT_BIVARIATE_SLOW

namespace {

struct TwoZeros {
  std::string law;
  Rational lo, hi;
  std::vector<Rational> zeros;
};

TwoZeros load_zeros() {
  const auto rows = load("zero_biv");
  EXPECT_EQ(rows.size(), 1u);
  const auto& f = rows.at(0);
  TwoZeros z{"bivariate(" + f.at(1) + ", " + f.at(2) + ", " + f.at(3) + ", " + f.at(4) + ", " + f.at(5) + ")",
             parse_rational(f.at(6)), parse_rational(f.at(7)), {}};
  std::stringstream zs(f.at(8));
  std::string t;
  while (zs >> t) z.zeros.push_back(parse_rational(t));
  return z;
}

// Every reference zero lies in the corresponding root enclosure (the reference has 25 digits).
void expect_roots(const lyapcert::boundary::BoundaryResult& res, const std::vector<Rational>& zeros,
                  const std::vector<lyapcert::boundary::Direction>& dirs) {
  EXPECT_TRUE(res.complete) << res.message;
  ASSERT_EQ(res.roots.size(), zeros.size());
  for (std::size_t i = 0; i < zeros.size(); ++i) {
    const Rational tol = zeros[i] * Rational(1, 1000000000) / 1000000000;
    EXPECT_LE(res.roots[i].lower, zeros[i] + tol);
    EXPECT_GE(res.roots[i].upper, zeros[i] - tol);
    EXPECT_TRUE(res.roots[i].width_met);
    EXPECT_EQ(res.roots[i].direction, dirs[i]);
  }
}

}  // namespace

#ifndef LYAPCERT_BIVARIATE_SLOW
// `boundary` on bivariate(0, 0, 1, 1, -1/5): Lambda > 0 near 0 (E h = -1/5), a dip below 0, then positive: two
// zeros (mpmath Newton on the value conditioned on y). Each in a window of +-1/64 (a full-range run is the slow
// test below): found, certified unique (derivative enclosure, BND-ROOT-1), complete.
TEST(BivariateBoundary, EachRootInAWindowAgainstMpmath) {
  const TwoZeros z = load_zeros();
  ASSERT_EQ(z.zeros.size(), 2u);
  const lyapcert::laws::CurvatureLaw law = lyapcert::laws::parse_curvature_law(z.law);
  const lyapcert::boundary::Direction dirs[2] = {lyapcert::boundary::Direction::pos_to_neg,
                                                 lyapcert::boundary::Direction::neg_to_pos};
  for (std::size_t i = 0; i < 2; ++i) {
    lyapcert::boundary::BoundaryOptions o;
    o.lr_min = z.zeros[i] - z.zeros[i] / 64;
    o.lr_max = z.zeros[i] + z.zeros[i] / 64;
    o.digits = 10;
    expect_roots(lyapcert::boundary::find_boundaries(law, o), {z.zeros[i]}, {dirs[i]});
  }
}

#else
// The same over the whole range [2/5, 1] holding both zeros: complete, exactly two unique roots, none extra.
// About 25 s CPU: built only into boundary_bivariate_slow_test (label slow).
TEST(BivariateBoundarySlow, TwoRootsCompleteOverTheRange) {
  const TwoZeros z = load_zeros();
  ASSERT_EQ(z.zeros.size(), 2u);
  lyapcert::boundary::BoundaryOptions o;
  o.lr_min = z.lo;
  o.lr_max = z.hi;
  o.digits = 10;
  expect_roots(lyapcert::boundary::find_boundaries(lyapcert::laws::parse_curvature_law(z.law), o), z.zeros,
               {lyapcert::boundary::Direction::pos_to_neg, lyapcert::boundary::Direction::neg_to_pos});
}
#endif  // LYAPCERT_BIVARIATE_SLOW
