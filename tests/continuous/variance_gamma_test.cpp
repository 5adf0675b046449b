// The variance-gamma path (CONT-VG-1 .. 7) against the chi-square mixture path (CONT-XY-*) of
// E log|1 - lr h_B| and E|1 - lr h_B|^p, and against bivariate_log_abs_mean for S = 1: independent certified
// computations (different variable, integrand, special function and singular structure) must overlap.
// Slow (ctest label "slow"). The RapidCheck property draws exact rational parameters over the whole range
// (S = 1 .. 1024, |lr| = 10^-6 .. 10^3) and shrinks to the smallest failing case; RapidCheck prints its seed and
// the case (replay with RC_PARAMS="seed=<seed>"). Certified comparisons: false-failure probability 0.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous.hpp"
#include "lyapcert/exact/error.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;

// Each random case costs 0.05-1.5 s CPU at 80 bits: 8 random cases per property unless RC_PARAMS says otherwise.
static const int kRcDefaults = setenv("RC_PARAMS", "max_success=8", 0);

namespace {

std::string what(const std::string& lrs, const std::string& ks, const std::string& ss, ulong S) {
  return "lr " + lrs + " k " + ks + " sigma " + ss + " S " + std::to_string(S);
}

}  // namespace

// 30+ digits (110 bits): S = 1 (K_0), 2, 3, 32, 33, 1024; lr from 1e-6 to 1e3, both signs.
TEST(VarianceGamma, AgreesWithChiSquareMixtureFixedCases) {
  struct C {
    const char *lr, *k, *s;
    ulong S;
  };
  for (const C& c : {C{"1/2", "1", "1", 1}, C{"-7/10", "1", "1", 2}, C{"2", "1", "1/2", 3}, C{"1/4", "-1", "1", 5},
                     C{"1/1000000", "1", "1", 4}, C{"1000", "1", "1", 4}, C{"1/2", "1", "1", 32},
                     C{"-3/5", "1/3", "2", 33}, C{"1/3", "1/2", "1", 1024}}) {
    A lr(c.lr), k(c.k), sigma(c.s), a("1"), b, mix, vg;
    arb_neg(b, lr);
    lc::xy_log_abs_mean(mix, a, b, k, sigma, c.S, 110);
    lc::xy_log_abs_mean_vg(vg, lr, k, sigma, c.S, 110);
    const std::string w = what(c.lr, c.k, c.s, c.S);
    EXPECT_TRUE(arb_overlaps(mix, vg)) << w << "\n mixture " << mix.str() << "\n vg " << vg.str();
    EXPECT_LT(vg.rad(), 1e-30 * (1 + std::abs(arf_get_d(arb_midref(vg.v), ARF_RND_NEAR)))) << w;
    EXPECT_LT(mix.rad(), 1e-30 * (1 + std::abs(arf_get_d(arb_midref(mix.v), ARF_RND_NEAR)))) << w;
  }
}

// S = 1: h = x y for the bivariate pair (x, k x + sigma eps), i.e. bivariate(0, 0, 1, sqrt(k^2 + sigma^2), rho)
// with rho = k/sqrt(k^2 + sigma^2): the variance-gamma path (K_0 density) against the conditioning path.
TEST(VarianceGamma, BatchOneEqualsBivariate) {
  struct C {
    const char *lr, *k, *s;
  };
  for (const C& c : {C{"1/2", "3/4", "1"}, C{"-5", "-1/2", "1/3"}, C{"1/1000", "0", "1"}}) {
    A lr(c.lr), k(c.k), sigma(c.s), a("1"), b, zero("0"), one("1"), sy, rho, biv, vg, t;
    arb_neg(b, lr);
    arb_sqr(sy, k, 200);
    arb_sqr(t, sigma, 200);
    arb_add(sy, sy, t, 200);
    arb_sqrt(sy, sy, 200);
    arb_div(rho, k, sy, 200);
    lc::bivariate_log_abs_mean(biv, a, b, zero, zero, one, sy, rho, 110);
    lc::xy_log_abs_mean_vg(vg, lr, k, sigma, 1, 110);
    EXPECT_TRUE(arb_overlaps(biv, vg)) << what(c.lr, c.k, c.s, 1) << "\n bivariate " << biv.str() << "\n vg "
                                       << vg.str();
    EXPECT_LT(vg.rad(), 1e-30);
  }
}

// E|1 - lr h_B|^p: the variance-gamma kernel |1 - lr h|^p against xy_abs_moment (1F1 mixture), 24 digits.
TEST(VarianceGamma, MomentAgreesWithMixture) {
  struct C {
    const char *lr, *k, *s, *p;
    ulong S;
  };
  for (const C& c : {C{"1/2", "1", "1", "3/2", 1}, C{"3", "-1", "1/2", "1/2", 4}, C{"-1/5", "1/2", "1", "5/2", 8},
                     C{"1/1000000", "1", "1", "3/2", 64}, C{"-1/3", "1/2", "1", "3", 1024}}) {
    A lr(c.lr), k(c.k), sigma(c.s), p(c.p), a("1"), b, mix, vg;
    arb_neg(b, lr);
    lc::xy_abs_moment(mix, a, b, k, sigma, c.S, p, 80);
    lc::xy_abs_moment_vg(vg, lr, k, sigma, c.S, p, 80);
    const std::string w = what(c.lr, c.k, c.s, c.S) + " p " + c.p;
    ASSERT_TRUE(arb_is_finite(mix)) << w;
    EXPECT_TRUE(arb_overlaps(mix, vg)) << w << "\n mixture " << mix.str() << "\n vg " << vg.str();
    EXPECT_LT(vg.rad(), 1e-20 * (1 + std::abs(arf_get_d(arb_midref(vg.v), ARF_RND_NEAR)))) << w;
  }
}

// p = 2 against the exact rational E(1 - lr h)^2 = 1 - 2 lr k + lr^2 (k^2 + (2 k^2 + sigma^2)/S)
// (x y = k x^2 + sigma x eps has mean k and variance 2 k^2 + sigma^2): with lr = 2/3, k = 1/2, sigma = 3/4
// this is 4/9 + 17/(36 S).
TEST(VarianceGamma, SecondMomentExact) {
  for (ulong S : {1ul, 3ul, 16ul}) {
    A lr("2/3"), k("1/2"), sigma("3/4"), p("2"), vg;
    lc::xy_abs_moment_vg(vg, lr, k, sigma, S, p, 100);
    const std::string q = "17/" + std::to_string(36 * S);
    A exact(q.c_str()), four9("4/9");
    arb_add(exact, exact, four9, 200);
    EXPECT_TRUE(arb_contains(vg, exact)) << "S " << S << " vg " << vg.str() << " exact " << exact.str();
    EXPECT_LT(vg.rad(), 1e-25);
  }
}

TEST(VarianceGamma, BadInput) {
  A lr("1/2"), k("1"), sigma("1"), p("0"), out;
  EXPECT_THROW(lc::xy_log_abs_mean_vg(out, lr, k, sigma, 0, 64), lyapcert::InputError);
  EXPECT_THROW(lc::xy_abs_moment_vg(out, lr, k, sigma, 2, p, 64), lyapcert::InputError);
  A zero("0");
  lc::xy_log_abs_mean_vg(out, zero, k, sigma, 2, 64);  // lr = 0: not this path's job
  EXPECT_FALSE(arb_is_finite(out));
}

// Random exact parameters over the whole range: |lr| = m 10^e (m in 1..9, e in -6..2, both signs), k = j/4
// (j in -8..8), sigma = i/4 (i in 1..8), S in 1..8 or a power of two up to 1024; both paths at 80 bits.
RC_GTEST_PROP(VarianceGammaProp, AgreesWithChiSquareMixture, ()) {
  const int m = *rc::gen::inRange(1, 10);
  const int e = *rc::gen::inRange(-6, 3);
  const bool neg = *rc::gen::arbitrary<bool>();
  const int j = *rc::gen::inRange(-8, 9);
  const int i = *rc::gen::inRange(1, 9);
  const bool small_s = *rc::gen::arbitrary<bool>();
  const ulong S = small_s ? static_cast<ulong>(*rc::gen::inRange(1, 9))
                          : (1ul << *rc::gen::inRange(4, 11));
  std::string lrs = (neg ? "-" : "") + std::to_string(m);
  if (e >= 0) {
    for (int q = 0; q < e; ++q) lrs += "0";
  } else {
    lrs += "/1";
    for (int q = 0; q < -e; ++q) lrs += "0";
  }
  const std::string ks = std::to_string(j) + "/4", ss = std::to_string(i) + "/4";
  A lr(lrs.c_str()), k(ks.c_str()), sigma(ss.c_str()), a("1"), b, mix, vg;
  arb_neg(b, lr);
  lc::xy_log_abs_mean(mix, a, b, k, sigma, S, 80);
  lc::xy_log_abs_mean_vg(vg, lr, k, sigma, S, 80);
  const std::string w = what(lrs, ks, ss, S);
  RC_ASSERT(arb_is_finite(mix));
  RC_ASSERT(arb_is_finite(vg));
  if (!arb_overlaps(mix, vg)) RC_FAIL(w + ": mixture " + mix.str() + " vs variance-gamma " + vg.str());
  RC_ASSERT(vg.rad() < 1e-18 * (1 + std::abs(arf_get_d(arb_midref(vg.v), ARF_RND_NEAR))));
}

// The moments: E|1 - lr h_B|^p by the variance-gamma kernel |1 - lr h|^p against xy_abs_moment (1F1 mixture),
// random exact lr (10^-6 .. 10^2, both signs), k, sigma, S (1 .. 8 or 16 .. 1024) and p in {1/3, 1/2, 3/2, 5/2, 3}.
RC_GTEST_PROP(VarianceGammaProp, MomentAgreesWithMixture, ()) {
  const int m = *rc::gen::inRange(1, 10);
  const int e = *rc::gen::inRange(-6, 3);
  const bool neg = *rc::gen::arbitrary<bool>();
  const int j = *rc::gen::inRange(-8, 9);
  const int i = *rc::gen::inRange(1, 9);
  const bool small_s = *rc::gen::arbitrary<bool>();
  const ulong S = small_s ? static_cast<ulong>(*rc::gen::inRange(1, 9)) : (1ul << *rc::gen::inRange(4, 11));
  const std::string ps = *rc::gen::element<std::string>("1/3", "1/2", "3/2", "5/2", "3");
  std::string lrs = (neg ? "-" : "") + std::to_string(m);
  if (e >= 0) {
    for (int q = 0; q < e; ++q) lrs += "0";
  } else {
    lrs += "/1";
    for (int q = 0; q < -e; ++q) lrs += "0";
  }
  const std::string ks = std::to_string(j) + "/4", ss = std::to_string(i) + "/4";
  A lr(lrs.c_str()), k(ks.c_str()), sigma(ss.c_str()), p(ps.c_str()), a("1"), b, mix, vg;
  arb_neg(b, lr);
  lc::xy_abs_moment(mix, a, b, k, sigma, S, p, 80);
  lc::xy_abs_moment_vg(vg, lr, k, sigma, S, p, 80);
  const std::string w = what(lrs, ks, ss, S) + " p " + ps;
  RC_ASSERT(arb_is_finite(mix));
  RC_ASSERT(arb_is_finite(vg));
  if (!arb_overlaps(mix, vg)) RC_FAIL(w + ": mixture " + mix.str() + " vs variance-gamma " + vg.str());
  RC_ASSERT(vg.rad() < 1e-18 * (1 + std::abs(arf_get_d(arb_midref(vg.v), ARF_RND_NEAR))));
}
