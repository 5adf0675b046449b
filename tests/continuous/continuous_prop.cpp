// RapidCheck properties: closed forms vs independent certified quadrature at random parameters.
// RapidCheck prints "Using configuration: seed=..." at start; replay with RC_PARAMS="seed=<seed>".
// Certified enclosures never fail by chance: a failure is a bug (false-failure probability 0).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

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
