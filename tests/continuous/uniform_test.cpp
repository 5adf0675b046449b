// Tests of the uniform-law closed forms against exact rational integrals (integer moments), exact
// special values and the continuity bound at u = 0. Deterministic.
#include "lyapcert/continuous/uniform.hpp"

#include <gtest/gtest.h>

#include <boost/multiprecision/gmp.hpp>

#include "continuous/test_util.hpp"
#include "lyapcert/exact/error.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;
using Q = boost::multiprecision::mpq_rational;

namespace {

Q qparse(const std::string& s) { return Q(s); }

// Exact E|1 - lr h|^p for integer p, h ~ U[a, b]: (K(u1) - K(u2)) / (lr (b - a)) with
// K(u) = sign(u) |u|^{p+1}/(p+1), in exact rationals (a separate, exact evaluation).
Q exact_moment(const Q& lr, const Q& a, const Q& b, unsigned p) {
  auto K = [p](const Q& u) {
    Q au = u < 0 ? Q(-u) : u;
    Q pw = 1;
    for (unsigned i = 0; i <= p; ++i) pw *= au;
    pw /= (p + 1);
    return u < 0 ? Q(-pw) : pw;
  };
  return (K(1 - lr * a) - K(1 - lr * b)) / (lr * (b - a));
}

void set_q(A& x, const Q& q, slong prec) {
  std::string s = q.str();
  x.set(s, prec);
}

}  // namespace

TEST(UniformAbsMoment, IntegerMomentsMatchExactRationals) {
  const slong prec = 160;
  const char* cases[][3] = {{"1", "0", "1"}, {"1/2", "-1/2", "3"}, {"3", "1/5", "2"},
                            {"1/1000000", "1", "2"}, {"-2", "-1", "7/3"}};
  for (auto& c : cases) {
    for (unsigned p : {1u, 2u, 3u, 5u}) {
      A lr(c[0], prec), a(c[1], prec), b(c[2], prec), pp, r, ref;
      arb_set_ui(pp, p);
      lc::uniform_abs_moment(r, lr, a, b, pp, prec);
      Q e = exact_moment(qparse(c[0]), qparse(c[1]), qparse(c[2]), p);
      set_q(ref, e, prec + 20);
      EXPECT_TRUE(arb_overlaps(r, ref)) << c[0] << " " << c[1] << " " << c[2] << " p=" << p << " "
                                        << r.str() << " vs " << ref.str();
      EXPECT_LT(r.rad(), 1e-40 * (1 + arf_get_d(arb_midref(ref.v), ARF_RND_UP)));
    }
  }
}

TEST(UniformLogAbsMean, ExactSpecialValues) {
  const slong prec = 200;
  // int_0^1 log(1 - h) dh = -1 (singular at the endpoint h = 1 = 1/lr)
  A lr("1"), a("0"), b("1"), r, ref;
  lc::uniform_log_abs_mean(r, lr, a, b, prec);
  arb_set_si(ref, -1);
  EXPECT_TRUE(arb_overlaps(r, ref)) << r.str();
  EXPECT_LT(r.rad(), 1e-55);
  // lr = 2 on [0, 1]: (1/2) int_{-1}^{1} log|u| du = -1
  A lr2("2");
  lc::uniform_log_abs_mean(r, lr2, a, b, prec);
  EXPECT_TRUE(arb_overlaps(r, ref)) << r.str();
  // lr = 0 and a == b
  A zero("0");
  lc::uniform_log_abs_mean(r, zero, a, b, prec);
  EXPECT_TRUE(arb_is_zero(r));
  A c("1/4");
  lc::uniform_log_abs_mean(r, lr2, c, c, prec);  // log|1 - 1/2|
  arb_set_d(ref, 0.5);
  arb_log(ref, ref, prec);
  EXPECT_TRUE(arb_overlaps(r, ref));
  EXPECT_THROW(lc::uniform_log_abs_mean(r, lr, b, a, prec), lyapcert::InputError);
}

// u = 1 - lr b as a ball straddling 0: the continuity bound (CONT-UNIF-1) keeps the result finite
// and it must contain the exact value -1 (at lr = 1 exactly) for every lr in the ball.
TEST(UniformLogAbsMean, BallStraddlingTheSingularPoint) {
  const slong prec = 128;
  A lr("1"), a("0"), b("1"), r, ref;
  mag_set_d(arb_radref(lr.v), 1e-30);
  lc::uniform_log_abs_mean(r, lr, a, b, prec);
  EXPECT_TRUE(arb_is_finite(r));
  arb_set_si(ref, -1);
  EXPECT_TRUE(arb_contains(r, ref));
  EXPECT_LT(r.rad(), 1e-25);
}

// Small lr: E log|1 - lr h| = -lr E h - lr^2 E h^2 / 2 + O(lr^3).
TEST(UniformLogAbsMean, SmallLrExpansion) {
  const slong prec = 200;
  A a("-1/2"), b("3"), r, t;
  const double eh = 1.25, eh2 = (27.0 + 0.125) / (3 * 3.5);
  for (double l : {1e-3, 1e-6, 1e-12}) {
    A lr;
    arb_set_d(lr, l);
    lc::uniform_log_abs_mean(r, lr, a, b, prec);
    arb_set_d(t, eh);
    arb_addmul(r, lr, t, prec);
    arb_sqr(t, lr, prec);
    arb_div(r, r, t, prec);
    EXPECT_NEAR(arf_get_d(arb_midref(r.v), ARF_RND_NEAR), -eh2 / 2, 50 * l) << l;
  }
}
