// The variance-gamma path (CONT-VG-1 .. 4) against the chi-square mixture path (CONT-XY-*) of
// E log|1 - lr h_B|: two independent certified computations (different variable, integrand and singular
// structure) must overlap. Slow (seconds per case): ctest label "slow". The RapidCheck property draws
// exact rational parameters and shrinks to the smallest failing case; RapidCheck prints its seed and the
// case (replay with RC_PARAMS="seed=<seed>"). Certified comparisons: false-failure probability 0.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <string>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous.hpp"
#include "lyapcert/exact/error.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;

// Each case costs 1-4 s: 10 random cases unless RC_PARAMS says otherwise (read lazily by RapidCheck).
static const int kRcDefaults = setenv("RC_PARAMS", "max_success=10", 0);

namespace {

// Both paths at prec bits; returns false (with a message) when they do not overlap.
void compare(const std::string& lrs, const std::string& ks, const std::string& ss, ulong S, slong prec,
             double max_rad) {
  A lr(lrs.c_str()), k(ks.c_str()), sigma(ss.c_str()), a("1"), b, mix, vg;
  arb_neg(b, lr);
  lc::xy_log_abs_mean(mix, a, b, k, sigma, S, prec);
  lc::xy_log_abs_mean_vg(vg, lr, k, sigma, S, prec);
  const std::string what = "lr " + lrs + " k " + ks + " sigma " + ss + " S " + std::to_string(S);
  RC_ASSERT(arb_is_finite(mix));
  RC_ASSERT(arb_is_finite(vg));
  if (!arb_overlaps(mix, vg)) RC_FAIL(what + ": mixture " + mix.str() + " vs variance-gamma " + vg.str());
  RC_ASSERT(vg.rad() < max_rad);
}

}  // namespace

TEST(VarianceGamma, AgreesWithChiSquareMixtureFixedCases) {
  struct C {
    const char *lr, *k, *s;
    ulong S;
  };
  for (const C& c : {C{"1/2", "1", "1", 2}, C{"-7/10", "1", "1", 2}, C{"2", "1", "1/2", 3}, C{"1/4", "-1", "1", 5},
                     C{"1/1000", "1", "1", 8}}) {
    A lr(c.lr), k(c.k), sigma(c.s), a("1"), b, mix, vg;
    arb_neg(b, lr);
    lc::xy_log_abs_mean(mix, a, b, k, sigma, c.S, 110);
    lc::xy_log_abs_mean_vg(vg, lr, k, sigma, c.S, 110);
    EXPECT_TRUE(arb_overlaps(mix, vg)) << c.lr << " " << c.k << " " << c.s << " S=" << c.S << "\n mixture "
                                       << mix.str() << "\n vg " << vg.str();
    EXPECT_LT(vg.rad(), 1e-20) << c.lr << " S=" << c.S;
    EXPECT_LT(mix.rad(), 1e-30);
  }
}

TEST(VarianceGamma, BatchOneIsRejected) {
  A lr("1/2"), k("1"), sigma("1"), out;
  EXPECT_THROW(lc::xy_log_abs_mean_vg(out, lr, k, sigma, 1, 64), lyapcert::InputError);
}

// Random exact parameters: lr = +-n/8 (n in 1..40), k = m/4 (m in -8..8), sigma = j/4 (j in 1..8), S in 2..5.
RC_GTEST_PROP(VarianceGammaProp, AgreesWithChiSquareMixture, ()) {
  const int n = *rc::gen::inRange(1, 41);
  const bool neg = *rc::gen::arbitrary<bool>();
  const int m = *rc::gen::inRange(-8, 9);
  const int j = *rc::gen::inRange(1, 9);
  const ulong S = static_cast<ulong>(*rc::gen::inRange(2, 6));
  const std::string lr = (neg ? "-" : "") + std::to_string(n) + "/8";
  compare(lr, std::to_string(m) + "/4", std::to_string(j) + "/4", S, 80, 1e-15);
}
