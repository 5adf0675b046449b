// Containment tests of the binary64 xy kernel fast::xy_log_abs_mean (FAST-XY-1 .. 8) against two independent
// Arb computations: continuous::xy_log_abs_mean (complex-analytic Gauss-Legendre over t with the 2F2 / Dawson
// form of G, CONT-XY-*) and continuous::xy_log_abs_mean_vg (quadrature against the variance-gamma density of
// h_B, CONT-VG-*). The H-coefficients are checked against Arb's 2F2 derivative series. Random tests print
// their seed.
#include <arb.h>
#include <arb_hypgeom.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/fast/xy.hpp"
#include "arb_compare.hpp"

namespace lyapcert::fast {
namespace {

constexpr slong kPrec = 128;

using arbref::ArbBall;
using arbref::contains_arb;
using arbref::mid_d;

// Arb reference of E log|a + b h_B| at the point (a, b, k, sigma) (exact doubles).
void arb_xy(arb_t res, double a, double b, double k, double sigma, unsigned S) {
  ArbBall aa(a), bb(b), kk(k), ss(sigma);
  continuous::xy_log_abs_mean(res, aa.v, bb.v, kk.v, ss.v, S, kPrec);
}

struct Case {
  double lr, sigma, gamma;
  unsigned S;
  int sign;  // b = sign * lr
};

// Point inputs over the supported range (lr 1e-3 .. 1e3, sigma 0.02 .. 30, S in {1, 2, 3, 8, 64}, both
// signs of b, a = 1 - lr gamma): contains Arb, width <= 1e-10.
TEST(FastXy, PointsContainArb) {
  const std::vector<Case> cases = {
      {1.0, 1.0, 0.0, 1, -1},     {1.0, 1.0, 0.0, 1, 1},       {0.5, 0.02, 0.0, 1, -1},   {2.0, 0.02, 0.0, 2, 1},
      {1e3, 1.0, 0.0, 1, -1},     {1e3, 30.0, 0.0, 64, 1},     {1e-3, 0.5, 0.0, 3, -1},   {1e-3, 30.0, 0.0, 1, 1},
      {0.3, 5.0, 0.0, 8, -1},     {3.0, 0.1, 0.0, 8, 1},       {10.0, 2.0, 0.0, 64, -1},  {0.1, 0.05, 0.0, 64, -1},
      {1.0, 0.3, 0.5, 2, 1},      {1.0, 0.3, 1.5, 3, -1},      {0.05, 1.0, -2.0, 8, 1},   {100.0, 0.02, 0.0, 3, -1},
      {0.01, 0.02, 0.0, 2, -1},   {30.0, 10.0, 0.0, 2, 1},     {1.0, 30.0, 0.0, 1, -1},   {0.2, 3.0, 1.0, 64, 1},
  };
  double worst_width = 0.0, total_fast = 0.0;
  ArbBall ref;
  for (const Case& c : cases) {
    const double a = 1.0 - c.lr * c.gamma;
    const double b = c.sign * c.lr;
    const auto t0 = std::chrono::steady_clock::now();
    const OutwardInterval got =
        xy_log_abs_mean(OutwardInterval(a), OutwardInterval(b), OutwardInterval(1.0), OutwardInterval(c.sigma), c.S);
    total_fast += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    arb_xy(ref.v, a, b, 1.0, c.sigma, c.S);
    ASSERT_TRUE(arb_is_finite(ref.v));
    EXPECT_TRUE(contains_arb(got, ref.v)) << "lr " << c.lr << " sigma " << c.sigma << " gamma " << c.gamma << " S "
                                          << c.S << " sign " << c.sign << ": fast [" << got.lower() << ", "
                                          << got.upper() << "] Arb " << mid_d(ref.v);
    const double w = got.upper() - got.lower();
    EXPECT_LE(w, 1e-10) << "lr " << c.lr << " sigma " << c.sigma << " S " << c.S;
    worst_width = std::max(worst_width, w);
  }
  std::printf("%zu points: worst width %.3g, fast kernel %.3g ms per point (wall)\n", cases.size(), worst_width,
              1e3 * total_fast / cases.size());
}


// E log|1 - lr h_B| against the variance-gamma quadrature (a different integrand and variable, CONT-VG-*).
TEST(FastXy, PointsContainVarianceGamma) {
  struct V {
    double lr, sigma;
    unsigned S;
  };
  for (const V& c : {V{1.0, 1.0, 2}, V{0.3, 0.2, 8}, V{5.0, 3.0, 1}}) {
    ArbBall lr(c.lr), k(1.0), s(c.sigma), ref;
    continuous::xy_log_abs_mean_vg(ref.v, lr.v, k.v, s.v, c.S, kPrec);
    ASSERT_TRUE(arb_is_finite(ref.v));
    const OutwardInterval got = xy_log_abs_mean(OutwardInterval(1.0), OutwardInterval(-c.lr), OutwardInterval(1.0),
                                                OutwardInterval(c.sigma), c.S);
    EXPECT_TRUE(contains_arb(got, ref.v)) << "lr " << c.lr << " sigma " << c.sigma << " S " << c.S << ": fast ["
                                          << got.lower() << ", " << got.upper() << "] VG " << mid_d(ref.v);
    EXPECT_LE(got.upper() - got.lower(), 1e-10);
  }
}

// H^(n)(x)/n! (FAST-XY-2, 3) against Arb's confluent hypergeometric functions: H = x 2F2(1,1; 3/2,2; -x) and
// H^(n+1)(x)/(n+1)! = (-1)^n M(n+1, n+3/2, -x)/((n+1) (3/2)_n) (the derivative rule of 1F1; H' = M(1, 3/2, -x)).
TEST(FastXy, HCoefficientsMatchArb) {
  constexpr int kN = 21;
  const auto check = [&](double x, const OutwardInterval* hc) {
    ArbBall ref, xx(x), a1(1.0), b1(1.5), t, poch(1.0);
    arb_neg(xx.v, xx.v);
    // H(x) = x 2F2(1, 1; 3/2, 2; -x)
    arb_t av[2], bv[2];
    for (int i = 0; i < 2; ++i) {
      arb_init(av[i]);
      arb_init(bv[i]);
    }
    arb_one(av[0]);
    arb_one(av[1]);
    arb_set_d(bv[0], 1.5);
    arb_set_ui(bv[1], 2);
    arb_hypgeom_pfq(ref.v, av[0], 2, bv[0], 2, xx.v, 0, 1024);
    arb_neg(t.v, xx.v);
    arb_mul(ref.v, ref.v, t.v, 256);
    for (int i = 0; i < 2; ++i) {
      arb_clear(av[i]);
      arb_clear(bv[i]);
    }
    EXPECT_TRUE(contains_arb(hc[0], ref.v)) << "H at " << x << ": [" << hc[0].lower() << ", " << hc[0].upper() << "] Arb " << mid_d(ref.v) << " finite " << arb_is_finite(ref.v);
    for (int n = 0; n + 1 < kN; ++n) {
      ArbBall an(n + 1.0), bn(n + 1.5);
      arb_hypgeom_1f1(ref.v, an.v, bn.v, xx.v, 0, 256);
      arb_div(ref.v, ref.v, poch.v, 256);
      arb_div_ui(ref.v, ref.v, n + 1, 256);
      if (n % 2 == 1) arb_neg(ref.v, ref.v);
      EXPECT_TRUE(contains_arb(hc[n + 1], ref.v)) << "H^(" << n + 1 << ") at " << x << ": [" << hc[n + 1].lower()
                                                  << ", " << hc[n + 1].upper() << "] Arb " << mid_d(ref.v);
      arb_mul(poch.v, poch.v, bn.v, 256);  // (3/2)_{n+1}
    }
  };
  OutwardInterval hc[kN + 1];
  for (double x : {0.0, 1e-3, 0.3, 5.0, 59.5, 150.0, 240.0}) {
    detail::xy_h_coefficients(OutwardInterval(x), kN, hc);
    check(x, hc);
    // Relative width of the coefficients that matter: a few 1e-13.
    EXPECT_LE(hc[1].upper() - hc[1].lower(), 1e-12 * std::max(1e-300, hc[1].lower()) + 1e-300) << x;
  }
  // An interval X: the enclosure holds at both ends and inside (monotone hull).
  detail::xy_h_coefficients(OutwardInterval(10.0, 12.5), kN, hc);
  for (double x : {10.0, 11.0, 12.5}) check(x, hc);
}

// Random parameter boxes (lr and sigma intervals of relative width up to 3%): the enclosure contains the Arb
// value at the centre and at two corners. Seeded; prints the seed and the widths.
TEST(FastXy, CellsContainArb) {
  const unsigned seed = 4242;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> llr(-2.0, 2.0), lsig(std::log10(0.05), 1.0), rel(0.0, 0.03), u01(0.0, 1.0);
  const unsigned sizes[] = {1, 2, 8};
  ArbBall ref;
  double total = 0.0;
  constexpr int kBoxes = 6;
  for (int i = 0; i < kBoxes; ++i) {
    const double lr = std::pow(10.0, llr(rng)), sigma = std::pow(10.0, lsig(rng));
    const double dl = rel(rng) * lr, ds = rel(rng) * sigma;
    const unsigned S = sizes[i % 3];
    const int sign = (i % 2 == 0) ? -1 : 1;
    const OutwardInterval lri(lr, lr + dl), si(sigma, sigma + ds);
    const OutwardInterval b = sign > 0 ? lri : -lri;
    const auto t0 = std::chrono::steady_clock::now();
    const OutwardInterval got = xy_log_abs_mean(OutwardInterval(1.0), b, OutwardInterval(1.0), si, S);
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(std::isfinite(got.lower()) && std::isfinite(got.upper()));
    std::vector<std::pair<double, double>> pts = {{lr + dl / 2, sigma + ds / 2}, {lr, sigma + ds}, {lr + dl, sigma}};
    pts.emplace_back(lr + u01(rng) * dl, sigma + u01(rng) * ds);
    double lo = 1e300, hi = -1e300;
    for (const auto& [l, s] : pts) {
      arb_xy(ref.v, 1.0, sign * l, 1.0, s, S);
      EXPECT_TRUE(contains_arb(got, ref.v)) << "box lr [" << lr << ", " << lr + dl << "] sigma [" << sigma << ", "
                                            << sigma + ds << "] S " << S << " at (" << l << ", " << s << ")";
      lo = std::min(lo, mid_d(ref.v));
      hi = std::max(hi, mid_d(ref.v));
    }
    std::printf("box lr %.4g (+%.2g%%) sigma %.4g (+%.2g%%) S %u: width %.3g, spread of 4 Arb values %.3g\n", lr,
                100 * dl / lr, sigma, 100 * ds / sigma, S, got.upper() - got.lower(), hi - lo);
  }
  std::printf("fast kernel %.3g ms per box (wall)\n", 1e3 * total / kBoxes);
}

// Input the kernel cannot certify: the whole line, never a wrong value.
TEST(FastXy, GarbageInGivesWhole) {
  const OutwardInterval one(1.0), lr(-0.5);
  const auto is_whole = [](const OutwardInterval& x) { return x.lower() == -kInf && x.upper() == kInf; };
  EXPECT_TRUE(is_whole(xy_log_abs_mean(one, lr, one, OutwardInterval(-0.1, 0.2), 2)));  // sigma reaching below 0
  EXPECT_TRUE(is_whole(xy_log_abs_mean(one, lr, one, OutwardInterval(0.0, 0.2), 2)));   // sigma reaching 0
  EXPECT_TRUE(is_whole(xy_log_abs_mean(OutwardInterval(-0.1, 0.1), lr, one, one, 2)));  // a containing 0
  EXPECT_TRUE(is_whole(xy_log_abs_mean(one, OutwardInterval(-0.1, 0.1), one, one, 2)));  // b containing 0
  EXPECT_TRUE(is_whole(xy_log_abs_mean(one, lr, one, one, 0)));                    // S = 0
  EXPECT_TRUE(is_whole(xy_log_abs_mean(one, lr, one, one, kXyMaxBatch + 1)));      // S too large
  EXPECT_TRUE(is_whole(xy_log_abs_mean(one, lr, one, OutwardInterval(1.0, kInf), 2)));  // unbounded input
  // b = 0 exactly: log|a|.
  const OutwardInterval b0 = xy_log_abs_mean(OutwardInterval(2.0), OutwardInterval(0.0), one, one, 3);
  EXPECT_LE(b0.lower(), std::log(2.0));
  EXPECT_GE(b0.upper(), std::log(2.0));
}

}  // namespace
}  // namespace lyapcert::fast
