// Containment tests of the binary64 Gaussian / uniform / sqnormal kernels (FAST-GAUSS-1 .. 8) against
// Arb at 200 bits: the 2F2 series / Dawson expansion with arb_hypgeom_1f1 (CONT-GAUSS-1, 2), the Arb
// uniform antiderivative (CONT-UNIF-1) and arb_exp. Every random test prints its seed.
#include <arb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/uniform.hpp"
#include "lyapcert/fast/gaussian.hpp"

namespace lyapcert::fast {
namespace {

constexpr slong kRefBits = 200;

struct ArbBall {
  arb_t v;
  ArbBall() { arb_init(v); }
  ~ArbBall() { arb_clear(v); }
  ArbBall(const ArbBall&) = delete;
  ArbBall& operator=(const ArbBall&) = delete;
};

// The fast interval must contain the Arb midpoint and intersect the Arb ball; returns false (with a
// message) otherwise. Arb is exact-input, 200 bits, so its radius is ~1e-55.
bool contains_arb(const OutwardInterval& fast, const arb_t ref, const char* what, double p1, double p2, double p3) {
  if (!arb_is_finite(ref)) {
    ADD_FAILURE() << what << ": Arb reference not finite at " << p1 << " " << p2 << " " << p3;
    return false;
  }
  arb_t lo, hi;
  arb_init(lo);
  arb_init(hi);
  arb_set_d(lo, fast.lower());
  arb_set_d(hi, fast.upper());
  arf_t mid;
  arf_init(mid);
  arf_set(mid, arb_midref(ref));
  const bool mid_in = arf_cmp(arb_midref(lo), mid) <= 0 && arf_cmp(mid, arb_midref(hi)) <= 0;
  // ball intersects [lo, hi]: not (ref < lo) and not (ref > hi)
  const bool meets = !arb_lt(ref, lo) && !arb_gt(ref, hi);
  arf_clear(mid);
  arb_clear(lo);
  arb_clear(hi);
  if (!(mid_in && meets)) {
    ADD_FAILURE() << what << " misses Arb at (" << std::hexfloat << p1 << ", " << p2 << ", " << p3
                  << "): fast [" << fast.lower() << ", " << fast.upper() << "], Arb " << arf_get_d(arb_midref(ref), ARF_RND_NEAR)
                  << std::defaultfloat;
    return false;
  }
  return true;
}

// Width relative to max(1, |value|) (the lyap1d width convention).
double rel_width(const OutwardInterval& iv) {
  const double mag = std::max(1.0, std::min(std::fabs(iv.lower()), std::fabs(iv.upper())));
  return (iv.upper() - iv.lower()) / mag;
}

void print_widths(const char* what, std::vector<double> w) {
  std::sort(w.begin(), w.end());
  const auto at = [&](double q) { return w[static_cast<std::size_t>(q * static_cast<double>(w.size() - 1))]; };
  std::printf("%s: %zu cases, width/max(1,|G|): median %.3g, p90 %.3g, p99 %.3g, max %.3g\n", what, w.size(),
              at(0.5), at(0.9), at(0.99), w.back());
}

TEST(FastGauss, ConstantsMatchArb) {
  ArbBall c, t;
  arb_const_euler(c.v, kRefBits);
  arb_const_log2(t.v, kRefBits);
  arb_add(c.v, c.v, t.v, kRefBits);
  arb_mul_2exp_si(c.v, c.v, -1);
  contains_arb(OutwardInterval(detail::kHalfGammaLog2Lo, detail::kHalfGammaLog2Hi), c.v, "(gamma+log2)/2", 0, 0, 0);
  EXPECT_EQ(std::nextafter(detail::kHalfGammaLog2Lo, 1.0), detail::kHalfGammaLog2Hi);
  // 60 e^{-45} <= kExpTailX (FAST-GAUSS-5).
  arb_set_si(t.v, -45);
  arb_exp(t.v, t.v, kRefBits);
  arb_mul_ui(t.v, t.v, 60, kRefBits);
  arb_set_d(c.v, detail::kExpTailX);
  EXPECT_TRUE(arb_lt(t.v, c.v));
}

TEST(FastGauss, ExpContainsArb) {
  const unsigned seed = 20261128;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-720.0, 720.0);
  ArbBall ref;
  std::vector<double> w;
  for (int i = 0; i < 20000; ++i) {
    const double t = i < 10000 ? u(rng) : u(rng) / 700.0;
    const OutwardInterval e = fast::exp(OutwardInterval(t));
    arb_set_d(ref.v, t);
    arb_exp(ref.v, ref.v, kRefBits);
    if (!contains_arb(e, ref.v, "exp", t, 0, 0)) break;
    if (std::fabs(t) < 700) w.push_back((e.upper() - e.lower()) / e.lower());
  }
  std::sort(w.begin(), w.end());
  std::printf("exp relative width: max %.3g\n", w.back());
  EXPECT_LT(w.back(), 3e-15);
}

// The containment test: >= 1e5 seeded random (m, v), x = m^2/(2 v^2) log-uniform over
// [1e-4, 1e8] plus exact zeros and the branch switch at x = 60, both signs of m.
TEST(FastGauss, GaussContainsArbOnRandomPoints) {
  const unsigned seed = 3141592;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lx(-4.0, 8.0), lv(-3.0, 2.0), near(50.0, 70.0);
  ArbBall m, v, ref;
  std::vector<double> widths, widths_small, widths_mid, widths_large;
  int n = 0;
  for (int i = 0; i < 100000; ++i) {
    const double vd = std::pow(10.0, lv(rng));
    double x = i % 50 == 0 ? 0.0 : (i % 7 == 0 ? near(rng) : std::pow(10.0, lx(rng)));
    double md = vd * std::sqrt(2.0 * x);
    if (i % 2) md = -md;
    const OutwardInterval g = gauss_log_abs_mean(OutwardInterval(md), OutwardInterval(vd));
    arb_set_d(m.v, md);
    arb_set_d(v.v, vd);
    continuous::gauss_log_abs_mean(ref.v, m.v, v.v, kRefBits);
    if (!contains_arb(g, ref.v, "G(m, v)", md, vd, x)) break;
    ++n;
    const double rw = rel_width(g);
    widths.push_back(rw);
    (x < 1 ? widths_small : (x < 60 ? widths_mid : widths_large)).push_back(rw);
  }
  EXPECT_EQ(n, 100000);
  print_widths("G all", widths);
  print_widths("G x<1", widths_small);
  print_widths("G 1<=x<60", widths_mid);
  print_widths("G x>=60", widths_large);
  // 12 digits everywhere on these inputs (exact double m, v): width <= 1e-12 max(1, |G|).
  EXPECT_LT(*std::max_element(widths.begin(), widths.end()), 1e-12);
}

TEST(FastGauss, DegenerateAndIntervalInputs) {
  // v = 0: log|m|; m = 0: log v - (gamma + log 2)/2.
  const OutwardInterval a = gauss_log_abs_mean(OutwardInterval(2.0), OutwardInterval(0.0));
  EXPECT_LE(a.lower(), std::log(2.0));
  EXPECT_GE(a.upper(), std::log(2.0));
  ArbBall m, v, ref;
  arb_set_d(m.v, 0.0);
  arb_set_d(v.v, 0.75);
  continuous::gauss_log_abs_mean(ref.v, m.v, v.v, kRefBits);
  contains_arb(gauss_log_abs_mean(OutwardInterval(0.0), OutwardInterval(0.75)), ref.v, "G(0, v)", 0, 0.75, 0);
  // Tiny x (m/v ~ 1e-160, x subnormal): H(x) in [0, x] (FAST-GAUSS-3), still 15 digits.
  arb_set_d(m.v, 1e-160);
  arb_set_d(v.v, 1.5);
  continuous::gauss_log_abs_mean(ref.v, m.v, v.v, kRefBits);
  const OutwardInterval tiny = gauss_log_abs_mean(OutwardInterval(1e-160), OutwardInterval(1.5));
  contains_arb(tiny, ref.v, "G tiny x", 1e-160, 1.5, 0);
  EXPECT_LT(tiny.upper() - tiny.lower(), 1e-15);
  // A v interval reaching below 0 is not certified.
  const OutwardInterval w = gauss_log_abs_mean(OutwardInterval(1.0), OutwardInterval(-1.0, 1.0));
  EXPECT_FALSE(std::isfinite(w.lower()));
  // Interval inputs: the enclosure of [m] x [v] contains G at the corners and inside.
  const OutwardInterval mi(0.9, 1.1), vi(0.1, 0.12);
  const OutwardInterval gi = gauss_log_abs_mean(mi, vi);
  for (double md : {0.9, 1.0, 1.1}) {
    for (double vd : {0.1, 0.11, 0.12}) {
      arb_set_d(m.v, md);
      arb_set_d(v.v, vd);
      continuous::gauss_log_abs_mean(ref.v, m.v, v.v, kRefBits);
      contains_arb(gi, ref.v, "G interval", md, vd, 0);
    }
  }
}

// Uniform: lr log-uniform down to 1e-6, (a, b) random of both signs; Arb reference uniform_log_abs_mean.
TEST(FastGauss, UniformContainsArb) {
  const unsigned seed = 2718281;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> llr(-6.0, 1.0), ab(-5.0, 5.0);
  ArbBall lr, a, b, ref;
  std::vector<double> widths;
  for (int i = 0; i < 20000; ++i) {
    const double lrd = std::pow(10.0, llr(rng));
    double ad = ab(rng), bd = ab(rng);
    if (ad > bd) std::swap(ad, bd);
    if (ad == bd) continue;
    const OutwardInterval L(lrd), A(ad), B(bd);
    const OutwardInterval c = OutwardInterval(1.0) - L * (A + B) * OutwardInterval(0.5);
    const OutwardInterval h = L * (B - A) * OutwardInterval(0.5);
    const OutwardInterval f = uniform_log_abs_mean(c, h);
    arb_set_d(lr.v, lrd);
    arb_set_d(a.v, ad);
    arb_set_d(b.v, bd);
    continuous::uniform_log_abs_mean(ref.v, lr.v, a.v, b.v, kRefBits);
    if (!contains_arb(f, ref.v, "uniform", lrd, ad, bd)) break;
    widths.push_back(rel_width(f));
  }
  print_widths("uniform", widths);
}

// sqnormal: lr log-uniform down to 1e-6; Arb reference sqnormal_log_abs_mean (CONT-SQN-1 at 200 bits).
TEST(FastGauss, SqnormalContainsArb) {
  const unsigned seed = 1618033;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> llr(-6.0, 1.0), mud(-3.0, 3.0), lsd(-2.0, 1.0);
  ArbBall lr, mu, s, ref;
  std::vector<double> widths;
  for (int i = 0; i < 10000; ++i) {
    const double lrd = std::pow(10.0, llr(rng)), mu0 = mud(rng), s0 = std::pow(10.0, lsd(rng));
    const OutwardInterval f = sqnormal_log_abs_mean(OutwardInterval(lrd), OutwardInterval(mu0), OutwardInterval(s0));
    arb_set_d(lr.v, lrd);
    arb_set_d(mu.v, mu0);
    arb_set_d(s.v, s0);
    continuous::sqnormal_log_abs_mean(ref.v, lr.v, mu.v, s.v, kRefBits);
    if (!contains_arb(f, ref.v, "sqnormal", lrd, mu0, s0)) break;
    widths.push_back(rel_width(f));
  }
  print_widths("sqnormal", widths);
}

}  // namespace
}  // namespace lyapcert::fast
