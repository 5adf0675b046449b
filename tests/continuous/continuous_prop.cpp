// RapidCheck properties: closed forms vs independent certified quadrature at random parameters.
// RapidCheck prints "Using configuration: seed=..." at start; replay with RC_PARAMS="seed=<seed>".
// Certified enclosures never fail by chance: a failure is a bug (false-failure probability 0).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include <rapidcheck.h>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;

namespace {

// A random exact binary64 value 10^(lo + (hi-lo) u), u from a 20-bit integer.
double log_uniform(double lo, double hi, int k) { return std::pow(10.0, lo + (hi - lo) * k / 1048575.0); }

}  // namespace

// x = m^2/(2 v^2) log-uniform over [1e-3, 1e8] (and exactly 0), m of random sign, v log-uniform in
// [1e-3, 1e3]; 110 bits (33 digits).
RC_GTEST_PROP(ContinuousProp, GaussClosedVsQuadrature, ()) {
  const int kx = *rc::gen::inRange(0, 1048576);
  const int kv = *rc::gen::inRange(0, 1048576);
  const bool neg = *rc::gen::arbitrary<bool>();
  const bool zero = *rc::gen::inRange(0, 20) == 0;
  const double x = zero ? 0.0 : log_uniform(-3, 8, kx);
  const double v = log_uniform(-3, 3, kv);
  const slong prec = 110;
  A vv, m, c, q;
  arb_set_d(vv, v);
  arb_set_d(m, 2 * x);
  arb_sqrt(m, m, prec + 60);
  arb_mul(m, m, vv, prec + 60);
  if (neg) arb_neg(m, m);
  lc::gauss_log_abs_mean(c, m, vv, prec);
  lc::gauss_log_abs_mean_quad(q, m, vv, prec);
  RC_ASSERT(arb_overlaps(c, q));
  RC_ASSERT(c.rad() < 1e-30);
  RC_ASSERT(q.rad() < 1e-30);
}

RC_GTEST_PROP(ContinuousProp, SqnormalClosedVsQuadrature, ()) {
  const double lr = log_uniform(-6, 1.5, *rc::gen::inRange(0, 1048576));
  const double mu = (*rc::gen::inRange(-4000, 4001)) / 1000.0;
  const double s = log_uniform(-2, 0.7, *rc::gen::inRange(0, 1048576));
  const slong prec = 110;
  A L, M, S, c, q;
  arb_set_d(L, lr);
  arb_set_d(M, mu);
  arb_set_d(S, s);
  lc::sqnormal_log_abs_mean(c, L, M, S, prec);
  lc::sqnormal_log_abs_mean_quad(q, L, M, S, prec);
  RC_ASSERT(arb_overlaps(c, q));
  RC_ASSERT(c.rad() < 1e-29);
  RC_ASSERT(q.rad() < 1e-29);
}

RC_GTEST_PROP(ContinuousProp, UniformClosedVsQuadrature, ()) {
  const double lr = (*rc::gen::inRange(1, 40001)) / 1000.0 * (*rc::gen::arbitrary<bool>() ? 1 : -1);
  const double a = (*rc::gen::inRange(-3000, 3000)) / 1000.0;
  const double w = (*rc::gen::inRange(1, 5000)) / 1000.0;
  const slong prec = 110;
  A L, a1, b1, c, q;
  arb_set_d(L, lr);
  arb_set_d(a1, a);
  arb_set_d(b1, a + w);
  lc::uniform_log_abs_mean(c, L, a1, b1, prec);
  lc::uniform_log_abs_mean_quad(q, L, a1, b1, prec);
  RC_ASSERT(arb_overlaps(c, q));
  RC_ASSERT(c.rad() < 1e-29);
  RC_ASSERT(q.rad() < 1e-29);
}

// Integer moments against the quadrature (1F1-free), random m, v, p in 1..6.
RC_GTEST_PROP(ContinuousProp, MomentClosedVsQuadrature, ()) {
  const double m = (*rc::gen::inRange(-20000, 20001)) / 1000.0;
  const double v = log_uniform(-2, 1, *rc::gen::inRange(0, 1048576));
  const int p = *rc::gen::inRange(1, 7);
  const slong prec = 110;
  A M, V, P, c, q;
  arb_set_d(M, m);
  arb_set_d(V, v);
  arb_set_si(P, p);
  lc::gauss_abs_moment(c, M, V, P, prec);
  lc::gauss_abs_moment_quad(q, M, V, P, prec);
  RC_ASSERT(arb_overlaps(c, q));
  const double scale = 1 + arf_get_d(arb_midref(c.v), ARF_RND_UP);
  RC_ASSERT(c.rad() < 1e-29 * scale);
  RC_ASSERT(q.rad() < 1e-29 * scale);
}

namespace {

// CONT-XY-NEG-1, -2 against the power-mean inequalities, which tie the negative moments to two other code paths
// (the log mean of CONT-XY-4/-6 and the positive moment of CONT-XY-9): for Y = a + b h_B and p < q < 0 < 1,
//   (E|Y|^p)^{1/p} <= (E|Y|^q)^{1/q} <= exp(E log|Y|) <= E|Y|
// (Jensen / Lyapunov). A too-small or too-large negative moment by more than the gaps between the means is caught;
// the enclosures must also be narrow (1e-12 relative), so the checks are not vacuous. Random a, b, k, sigma
// (zero a quarter of the time: the power window), S in {1, 2, 3, 4, 8, 32}, p = -j/8, q = p/2.
void xy_power_means() {
  static const ulong kS[] = {1, 2, 3, 4, 8, 32};
  const ulong S = kS[*rc::gen::inRange(0, 6)];
  auto rat = [](int lo, int hi, int den) {
    int n = 0;
    while (n == 0) n = *rc::gen::inRange(lo, hi + 1);
    return std::to_string(n) + "/" + std::to_string(den);
  };
  const std::string sa = rat(-20, 20, 10), sb = rat(-20, 20, 10), sk = rat(-20, 20, 10);
  const std::string ss = *rc::gen::inRange(0, 4) == 0 ? "0" : std::to_string(*rc::gen::inRange(1, 31)) + "/10";
  const int j = *rc::gen::inRange(1, 8);
  RC_LOG() << "a=" << sa << " b=" << sb << " k=" << sk << " sigma=" << ss << " S=" << S << " p=-" << j << "/8\n";
  const slong prec = 64;
  A a(sa.c_str()), b(sb.c_str()), k(sk.c_str()), s(ss.c_str()), p, q, one, L, Mp, Mq, M1, t, u;
  arb_set_si(p, -j);
  arb_mul_2exp_si(p, p, -3);
  arb_mul_2exp_si(q, p, -1);
  arb_one(one);
  lc::xy_log_abs_mean(L, a, b, k, s, S, prec);
  lc::xy_abs_moment(Mp, a, b, k, s, S, p, prec);
  lc::xy_abs_moment(Mq, a, b, k, s, S, q, prec);
  lc::xy_abs_moment(M1, a, b, k, s, S, one, prec);
  RC_ASSERT(arb_is_finite(L));
  RC_ASSERT(arb_is_finite(Mp));
  RC_ASSERT(arb_is_finite(Mq));
  RC_ASSERT(arb_is_finite(M1));
  RC_ASSERT(arb_is_positive(Mp));
  RC_ASSERT(Mp.rad() < 1e-12 * arf_get_d(arb_midref(Mp.v), ARF_RND_UP));
  RC_ASSERT(Mq.rad() < 1e-12 * arf_get_d(arb_midref(Mq.v), ARF_RND_UP));
  // power means m_p = (E|Y|^p)^{1/p}
  A mp, mq, m0, ip;
  arb_inv(ip, p, prec);
  arb_pow(mp, Mp, ip, prec);
  arb_inv(ip, q, prec);
  arb_pow(mq, Mq, ip, prec);
  arb_exp(m0, L, prec);
  RC_ASSERT(!arb_gt(mp, mq));
  RC_ASSERT(!arb_gt(mq, m0));
  RC_ASSERT(!arb_gt(m0, M1));
}

}  // namespace

// 6 cases in the suite (about 0.1 s each) unless RC_PARAMS sets max_success (scripts/campaign.sh).
TEST(ContinuousProp, XyNegativeMomentsObeyPowerMeans) {
  auto params = rc::detail::configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  if (!env || !std::strstr(env, "max_success")) params.maxSuccess = 6;
  rc::detail::TestMetadata meta;
  meta.id = "ContinuousProp/XyNegativeMomentsObeyPowerMeans";
  meta.description = meta.id;
  const auto result = rc::detail::checkTestable(&xy_power_means, meta, params);
  std::ostringstream ss;
  rc::detail::printResultMessage(result, ss);
  EXPECT_TRUE(result.template is<rc::detail::SuccessResult>())
      << ss.str() << "\nreplay: RC_PARAMS=\"seed=" << params.seed << " max_success=" << params.maxSuccess << "\"";
  std::cout << "RapidCheck seed " << params.seed << ": " << ss.str() << "\n";
}

// CONT-SQN-NEG-2 (the quadrature with singular windows) at random parameters against computations by other paths:
// (a) mu = 0, lr > 0, -1 < p < 0: the chi-square closed form (CONT-SQN-NEG-3 (a), sqnormal_abs_moment_series);
// (b) lr < 0, any mu, p = -1: the Faddeeva form K(c) (CONT-SQN-NEG-3 (c), sqnormal_inv1p_mean);
// (c) lr > 0, any mu, p < q < 0: the power means (E|Y|^p)^{1/p} <= (E|Y|^q)^{1/q} <= exp(E log|Y|) <= E|Y|,
//     Y = 1 - lr a^2, tying the negative moments to the log mean (CONT-SQN-1) and the first moment (CONT-SQN-3).
// lr and s log-uniform over two decades each side of 1, mu in [-3, 3], p = -j/64.
RC_GTEST_PROP(ContinuousProp, SqnormalNegativeMomentsVsOtherPaths, ()) {
  const int kind = *rc::gen::inRange(0, 3);
  const double lr = log_uniform(-2, 2, *rc::gen::inRange(0, 1048576));
  const double s = log_uniform(-1, 1, *rc::gen::inRange(0, 1048576));
  const double mu = kind == 0 ? 0.0 : (*rc::gen::inRange(-3000, 3001)) / 1000.0;
  const int j = *rc::gen::inRange(1, 64);
  RC_LOG() << "kind=" << kind << " lr=" << lr << " mu=" << mu << " s=" << s << " p=-" << j << "/64\n";
  const slong prec = 100;
  A LR, MU, S, P, quad, other;
  arb_set_d(LR, lr);
  arb_set_d(MU, mu);
  arb_set_d(S, s);
  arb_set_si(P, -j);
  arb_mul_2exp_si(P, P, -6);
  if (kind == 0) {
    lc::sqnormal_abs_moment_quad(quad, LR, MU, S, P, prec);
    lc::sqnormal_abs_moment_series(other, LR, MU, S, P, prec);
    RC_ASSERT(arb_is_finite(other));
    RC_ASSERT(arb_overlaps(quad, other));
    RC_ASSERT(quad.rad() < 1e-25 * arf_get_d(arb_midref(other.v), ARF_RND_UP));
  } else if (kind == 1) {
    A NLR, m1;
    arb_neg(NLR, LR);
    arb_set_si(m1, -1);
    lc::sqnormal_abs_moment(quad, NLR, MU, S, m1, prec);
    lc::sqnormal_inv1p_mean(other, LR, MU, S, prec);
    RC_ASSERT(arb_is_finite(other));
    RC_ASSERT(arb_overlaps(quad, other));
    RC_ASSERT(quad.rad() < 1e-25 * arf_get_d(arb_midref(other.v), ARF_RND_UP));
  } else {
    A Q, one, L, M1, Mq, mp, mq, m0, ip;
    arb_mul_2exp_si(Q, P, -1);
    arb_one(one);
    lc::sqnormal_abs_moment(quad, LR, MU, S, P, prec);
    lc::sqnormal_abs_moment(Mq, LR, MU, S, Q, prec);
    lc::sqnormal_abs_moment(M1, LR, MU, S, one, prec);
    lc::sqnormal_log_abs_mean(L, LR, MU, S, prec);
    RC_ASSERT(arb_is_finite(quad));
    RC_ASSERT(arb_is_finite(Mq));
    RC_ASSERT(arb_is_finite(M1));
    RC_ASSERT(arb_is_finite(L));
    RC_ASSERT(quad.rad() < 1e-25 * arf_get_d(arb_midref(quad.v), ARF_RND_UP));
    arb_inv(ip, P, prec);
    arb_pow(mp, quad, ip, prec);
    arb_inv(ip, Q, prec);
    arb_pow(mq, Mq, ip, prec);
    arb_exp(m0, L, prec);
    RC_ASSERT(!arb_gt(mp, mq));
    RC_ASSERT(!arb_gt(mq, m0));
    RC_ASSERT(!arb_gt(m0, M1));
  }
}
