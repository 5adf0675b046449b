// Tests of the box enclosures of the xy exponent (fast::xy_gradient, fast::xy_box_log_abs_mean; FAST-XYG-*)
// against independent Arb computations: the gradient at point boxes against continuous::xy_log_abs_mean_dlr /
// _dsigma (Gauss-Legendre over t of the (1 - I)/lr and (1 - I_m)/sigma forms, CONT-XYD-*), and the box
// enclosures against continuous::xy_log_abs_mean (CONT-XY-*) at the corners and random interior points.
// Random points use a fixed seed (support/seed.hpp) and print it.
#include <arb.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/fast/xy.hpp"
#include "lyapcert/fast/xy_grad.hpp"
#include "arb_compare.hpp"
#include "support/seed.hpp"

namespace lyapcert::fast {
namespace {

constexpr slong kPrec = 64;

using arbref::ArbBall;
using arbref::contains_arb;
using arbref::mid_d;
double width(const OutwardInterval& x) { return x.upper() - x.lower(); }

// Lambda at the point (lr, sigma) with a = 1 - gamma lr, b = s lr computed exactly in Arb from the doubles.
void arb_lambda(arb_t res, double lr, double gamma, int s, double k, double sigma, unsigned S) {
  ArbBall l(lr), g(gamma), kk(k), ss(sigma), a, b;
  arb_mul(a.v, g.v, l.v, kPrec);
  arb_neg(a.v, a.v);
  arb_add_ui(a.v, a.v, 1, kPrec);
  arb_mul_si(b.v, l.v, s, kPrec);
  continuous::xy_log_abs_mean(res, a.v, b.v, kk.v, ss.v, S, kPrec);
}

struct Case {
  double lr, sigma, gamma, k;
  unsigned S;
  int s;
};

TEST(FastXyGrad, PointGradientMatchesArbDerivatives) {
  const Case cases[] = {
      {0.6, 1.3, 0.0, 1.0, 1, -1},    {0.0107, 5.5, 0.0, 1.0, 1, -1}, {0.3, 0.5, 0.2, 1.0, 4, 1},
      {2.0, 1.0, 0.1, 1.5, 8, -1},    {0.8, 0.2, 0.0, 1.0, 3, -1},    {0.02, 0.05, 0.0, 1.0, 1, 1},
      {0.1, 1.0, 0.0, 1.0, 128, -1},  {1e-4, 2.0, 0.0, 1.0, 1, -1},   {50.0, 1.0, 0.0, 1.0, 2, -1},
      {3.0, 1.0, 0.5, 1.0, 4, 1},     {0.7, 1.2, 0.0, -1.0, 1, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "lr=" << c.lr << " sigma=" << c.sigma << " gamma=" << c.gamma
                                      << " k=" << c.k << " S=" << c.S << " s=" << c.s);
    const XyGradient g = xy_gradient(OutwardInterval(c.lr), OutwardInterval(c.gamma), c.s, OutwardInterval(c.k),
                                     OutwardInterval(c.sigma), c.S);
    ArbBall lr(c.lr), a1(-c.gamma), b1(c.s), k(c.k), sigma(c.sigma), dlr, dsig;
    continuous::xy_log_abs_mean_dlr(dlr.v, lr.v, a1.v, b1.v, k.v, sigma.v, c.S, kPrec);
    continuous::xy_log_abs_mean_dsigma(dsig.v, lr.v, a1.v, b1.v, k.v, sigma.v, c.S, kPrec);
    std::printf("lr=%g sigma=%g S=%u s=%+d: d_lr [%.6g, %.6g] (Arb %.10g)  d_sigma [%.6g, %.6g] (Arb %.10g)\n", c.lr,
                c.sigma, c.S, c.s, g.d_lr.lower(), g.d_lr.upper(), mid_d(dlr.v), g.d_sigma.lower(), g.d_sigma.upper(),
                mid_d(dsig.v));
    EXPECT_TRUE(contains_arb(g.d_lr, dlr.v));
    EXPECT_TRUE(contains_arb(g.d_sigma, dsig.v));
    // The aligned-variable pass (xy_gradient's fallback) must contain them too.
    const XyGradient ga = detail::xy_gradient_pass(OutwardInterval(c.lr), OutwardInterval(c.gamma), c.s,
                                                   OutwardInterval(c.k), OutwardInterval(c.sigma), c.S, true);
    EXPECT_TRUE(contains_arb(ga.d_lr, dlr.v)) << "aligned [" << ga.d_lr.lower() << ", " << ga.d_lr.upper() << "]";
    EXPECT_TRUE(contains_arb(ga.d_sigma, dsig.v)) << "aligned";
    // Tightness (the method's purpose): relative width below 0.5 at point boxes, or absolute width below 0.25
    // (a derivative near 0 next to an integrand of size ~1, e.g. lr=0.8, sigma=0.2, S=3).
    EXPECT_TRUE(width(g.d_lr) < 0.5 * std::fabs(mid_d(dlr.v)) || width(g.d_lr) < 0.25) << width(g.d_lr);
    EXPECT_TRUE(width(g.d_sigma) < 0.5 * std::fabs(mid_d(dsig.v)) || width(g.d_sigma) < 0.25) << width(g.d_sigma);
  }
}

struct Box {
  double lr_lo, lr_hi, s_lo, s_hi, gamma, k;
  unsigned S;
  int s;
  double max_width;  // quality target (<= 0: none)
};

TEST(FastXyGrad, BoxEnclosureContainsArbValuesAtCornersAndInteriorPoints) {
  const Box boxes[] = {
      {0.59, 0.61, 1.29, 1.31, 0.0, 1.0, 1, -1, 0.015},
      {0.0105, 0.0109, 5.4, 5.6, 0.0, 1.0, 1, -1, 0.004},
      {0.2, 0.22, 0.9, 1.0, 0.1, 1.0, 4, 1, 0.0},
      {1.0, 1.05, 2.0, 2.1, 0.0, 1.0, 16, -1, 0.0},
  };
  const auto seed = lyapcert::test::test_seed(20261207);
  std::mt19937 gen(seed);
  for (const Box& b : boxes) {
    SCOPED_TRACE(::testing::Message() << "lr [" << b.lr_lo << ", " << b.lr_hi << "] sigma [" << b.s_lo << ", "
                                      << b.s_hi << "] S=" << b.S << " s=" << b.s << " seed=" << seed);
    const OutwardInterval lr(b.lr_lo, b.lr_hi), sigma(b.s_lo, b.s_hi);
    const auto t0 = std::chrono::steady_clock::now();
    const OutwardInterval box =
        xy_box_log_abs_mean(lr, OutwardInterval(b.gamma), b.s, OutwardInterval(b.k), sigma, b.S);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const OutwardInterval direct = xy_log_abs_mean(OutwardInterval(1.0) - OutwardInterval(b.gamma) * lr,
                                                   OutwardInterval(b.s) * lr, OutwardInterval(b.k), sigma, b.S);
    std::printf("box lr [%g, %g] sigma [%g, %g] S=%u: [%.8g, %.8g] width %.3g (direct width %.3g), %.2f ms\n",
                b.lr_lo, b.lr_hi, b.s_lo, b.s_hi, b.S, box.lower(), box.upper(), width(box), width(direct), ms);
    ASSERT_TRUE(std::isfinite(box.lower()) && std::isfinite(box.upper()));
    if (b.max_width > 0.0) {
      EXPECT_LE(width(box), b.max_width);
    }
    std::uniform_real_distribution<double> ul(b.lr_lo, b.lr_hi), us(b.s_lo, b.s_hi);
    const double pts[][2] = {{b.lr_lo, b.s_lo}, {b.lr_lo, b.s_hi}, {b.lr_hi, b.s_lo}, {b.lr_hi, b.s_hi},
                             {ul(gen), us(gen)}, {ul(gen), us(gen)}};
    for (const auto& pt : pts) {
      ArbBall ref;
      arb_lambda(ref.v, pt[0], b.gamma, b.s, b.k, pt[1], b.S);
      EXPECT_TRUE(contains_arb(box, ref.v)) << "at lr=" << pt[0] << " sigma=" << pt[1] << " Arb " << mid_d(ref.v);
    }
    // FAST-XYG-6 with a known centre (as the phase diagram passes its grid point): the Arb value at an interior
    // point off the midpoint, as a binary64 hull; the enclosure must still contain Arb at the corners.
    const double c_lr = b.lr_lo + 0.3 * (b.lr_hi - b.lr_lo), c_s = b.s_lo + 0.7 * (b.s_hi - b.s_lo);
    ArbBall cref;
    arb_lambda(cref.v, c_lr, b.gamma, b.s, b.k, c_s, b.S);
    arf_t lo, hi;
    arf_init(lo);
    arf_init(hi);
    arb_get_lbound_arf(lo, cref.v, 64);
    arb_get_ubound_arf(hi, cref.v, 64);
    const XyCenter centre{OutwardInterval(c_lr), OutwardInterval(c_s),
                          OutwardInterval(arf_get_d(lo, ARF_RND_FLOOR), arf_get_d(hi, ARF_RND_CEIL))};
    arf_clear(lo);
    arf_clear(hi);
    const OutwardInterval boxc = xy_box_log_abs_mean(lr, OutwardInterval(b.gamma), b.s, OutwardInterval(b.k), sigma,
                                                     b.S, 1e-9, nullptr, &centre);
    ASSERT_TRUE(std::isfinite(boxc.lower()) && std::isfinite(boxc.upper()));
    for (int c = 0; c < 4; ++c) {
      ArbBall ref;
      arb_lambda(ref.v, pts[c][0], b.gamma, b.s, b.k, pts[c][1], b.S);
      EXPECT_TRUE(contains_arb(boxc, ref.v)) << "known centre, corner " << c << " Arb " << mid_d(ref.v);
    }
    if (b.max_width > 0.0) {
      EXPECT_LE(width(boxc), 1.5 * b.max_width);
    }
  }
}

// The gradient over a box contains the secant slopes of the independent Arb value kernel between points of the box
// (mean value theorem), and contains the Arb derivatives at the corners.
TEST(FastXyGrad, BoxGradientContainsSecantSlopesAndCornerDerivatives) {
  const double lr0 = 0.59, lr1 = 0.61, s0 = 1.29, s1 = 1.31;
  const XyGradient g = xy_gradient(OutwardInterval(lr0, lr1), OutwardInterval(0.0), -1, OutwardInterval(1.0),
                                   OutwardInterval(s0, s1), 1);
  ArbBall v00, v10, v01, d, w;
  arb_lambda(v00.v, lr0, 0.0, -1, 1.0, s0, 1);
  arb_lambda(v10.v, lr1, 0.0, -1, 1.0, s0, 1);
  arb_lambda(v01.v, lr0, 0.0, -1, 1.0, s1, 1);
  arb_sub(d.v, v10.v, v00.v, kPrec);
  ArbBall lo(lr0), hi(lr1);  // exact Arb differences of the doubles
  arb_sub(w.v, hi.v, lo.v, kPrec);
  arb_div(d.v, d.v, w.v, kPrec);
  EXPECT_TRUE(contains_arb(g.d_lr, d.v)) << "secant " << mid_d(d.v);
  arb_sub(d.v, v01.v, v00.v, kPrec);
  ArbBall slo(s0), shi(s1);
  arb_sub(w.v, shi.v, slo.v, kPrec);
  arb_div(d.v, d.v, w.v, kPrec);
  EXPECT_TRUE(contains_arb(g.d_sigma, d.v)) << "secant " << mid_d(d.v);
  ArbBall a1(0.0), b1(-1.0), k(1.0), dlr;
  continuous::xy_log_abs_mean_dlr(dlr.v, hi.v, a1.v, b1.v, k.v, slo.v, 1, kPrec);
  EXPECT_TRUE(contains_arb(g.d_lr, dlr.v));
}

TEST(FastXyGrad, BadInputIsWhole) {
  const OutwardInterval one(1.0), zero(0.0);
  const auto is_whole = [](const XyGradient& g) {
    return std::isinf(g.d_lr.lower()) && std::isinf(g.d_lr.upper()) && std::isinf(g.d_sigma.lower()) &&
           std::isinf(g.d_sigma.upper());
  };
  EXPECT_TRUE(is_whole(xy_gradient(one, zero, -1, one, OutwardInterval(0.0, 1.0), 1)));    // sigma reaching 0
  EXPECT_TRUE(is_whole(xy_gradient(OutwardInterval(0.0, 0.1), zero, -1, one, one, 1)));    // lr reaching 0
  EXPECT_TRUE(is_whole(xy_gradient(OutwardInterval(0.9, 1.1), one, -1, one, one, 1)));     // 1 - gamma lr contains 0
  EXPECT_TRUE(is_whole(xy_gradient(one, zero, -1, one, one, kXyMaxBatch + 1)));    // S too large
  EXPECT_TRUE(is_whole(xy_gradient(one, zero, -1, one, one, 0)));                  // S = 0
  EXPECT_TRUE(is_whole(xy_gradient(one, zero, 2, one, one, 1)));                   // s not +-1
  const OutwardInterval v = xy_box_log_abs_mean(one, zero, 0, one, one, 1);
  EXPECT_TRUE(std::isinf(v.lower()) && std::isinf(v.upper()));
  const OutwardInterval v2 = xy_box_log_abs_mean(OutwardInterval(0.9, 1.1), one, -1, one, one, 1);
  EXPECT_TRUE(std::isinf(v2.lower()) && std::isinf(v2.upper()));
}

}  // namespace
}  // namespace lyapcert::fast
