// Closed forms vs the independent certified quadrature on fixed grids (deterministic). The
// quadrature shares no code path with the closed forms except Arb itself.
#include "lyapcert/continuous/quadrature.hpp"

#include <gtest/gtest.h>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/uniform.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;

namespace {
void expect_agree(const A& closed, const A& quad, double max_rad, const std::string& what) {
  EXPECT_TRUE(arb_overlaps(closed, quad)) << what << ": " << closed.str() << " vs " << quad.str();
  EXPECT_LT(closed.rad(), max_rad) << what;
  EXPECT_LT(quad.rad(), max_rad) << what << " quad " << quad.str();
}
}  // namespace

TEST(Quadrature, GaussianGridOverX) {
  const slong prec = 110;  // > 30 digits
  // m = sqrt(2 x) with v = 1, x from 0 to 1e8, plus negative m and small v.
  for (double x : {0.0, 0.01, 1.0, 10.0, 60.0, 100.0, 1e3, 1e5, 1e8}) {
    A m, v("1"), c, q;
    arb_set_d(m, 2 * x);
    arb_sqrt(m, m, prec + 40);
    lc::gauss_log_abs_mean(c, m, v, prec);
    lc::gauss_log_abs_mean_quad(q, m, v, prec);
    expect_agree(c, q, 1e-31, "x=" + std::to_string(x));
  }
  const char* cases[][2] = {{"-7/3", "2/5"}, {"1", "1/1000"}, {"1/1000", "1000"}};
  for (auto& cs : cases) {
    A m(cs[0]), v(cs[1]), c, q;
    lc::gauss_log_abs_mean(c, m, v, prec);
    lc::gauss_log_abs_mean_quad(q, m, v, prec);
    expect_agree(c, q, 1e-29, cs[0]);
  }
}

TEST(Quadrature, GaussianMomentsIntegerAndFractional) {
  const slong prec = 110;
  for (const char* p : {"1", "2", "3", "7", "3/2", "7/3", "1/3"}) {  // 7/3, 1/3: inexact p balls
    for (const char* m : {"0", "7/10", "-5", "10000"}) {
      A pp(p), mm(m), v("3/4"), c, q;
      lc::gauss_abs_moment(c, mm, v, pp, prec);
      lc::gauss_abs_moment_quad(q, mm, v, pp, prec);
      const double scale = 1 + arf_get_d(arb_midref(c.v), ARF_RND_UP);
      expect_agree(c, q, 1e-29 * scale, std::string("p=") + p + " m=" + m);
    }
  }
}

TEST(Quadrature, SqnormalBothWays) {
  const slong prec = 110;
  const char* cases[][3] = {{"1", "1", "1/2"},  {"1/2", "0", "1"},   {"2", "1", "1"},
                            {"1/100", "3", "1"}, {"3", "-1/2", "1/4"}, {"1/1000000", "1", "1"},
                            {"10", "0", "1/10"}, {"1", "1", "1/1000"}};
  for (auto& cs : cases) {
    A lr(cs[0]), mu(cs[1]), s(cs[2]), c, q;
    lc::sqnormal_log_abs_mean(c, lr, mu, s, prec);
    lc::sqnormal_log_abs_mean_quad(q, lr, mu, s, prec);
    expect_agree(c, q, 1e-29, std::string(cs[0]) + " " + cs[1] + " " + cs[2]);
  }
}

TEST(Quadrature, UniformBothWays) {
  const slong prec = 110;
  const char* cases[][3] = {{"1", "0", "1"},   {"2", "0", "1"},     {"1/2", "-1/2", "3"},
                            {"3", "1/5", "2"}, {"1/10", "1", "2"},  {"-1", "-1", "1/2"},
                            {"1", "1", "2"},   {"1/3", "-2", "3"}};
  for (auto& cs : cases) {
    A lr(cs[0]), a(cs[1]), b(cs[2]), c, q;
    lc::uniform_log_abs_mean(c, lr, a, b, prec);
    lc::uniform_log_abs_mean_quad(q, lr, a, b, prec);
    expect_agree(c, q, 1e-29, std::string(cs[0]) + " " + cs[1] + " " + cs[2]);
  }
}
