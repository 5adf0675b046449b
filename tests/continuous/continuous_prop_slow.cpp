// Slow randomized sweep (ctest label "slow"): 2000 cases per law at 200 bits (60 digits), x up to 1e12.
// The seed is fixed (support/seed.hpp) and printed; replay or explore with LYAPCERT_SEED=<seed>. Certified comparisons: false-failure
// probability 0 (a failure is a bug).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

#include "continuous/test_util.hpp"
#include "lyapcert/continuous.hpp"
#include "support/seed.hpp"

namespace lc = lyapcert::continuous;
using lc::test::A;


TEST(ContinuousSweepSlow, ClosedVsQuadrature200Bits) {
  const std::uint64_t seed = lyapcert::test::test_seed(20261207);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const slong prec = 200;
  for (int i = 0; i < 2000; ++i) {
    const double x = std::pow(10.0, -3 + 15 * u(rng));
    const double vv = std::pow(10.0, -3 + 6 * u(rng));
    A v, m, c, q;
    arb_set_d(v, vv);
    arb_set_d(m, 2 * x);
    arb_sqrt(m, m, prec + 60);
    arb_mul(m, m, v, prec + 60);
    if (u(rng) < 0.5) arb_neg(m, m);
    lc::gauss_log_abs_mean(c, m, v, prec);
    lc::gauss_log_abs_mean_quad(q, m, v, prec);
    ASSERT_TRUE(arb_overlaps(c, q)) << "i=" << i << " x=" << x << " v=" << vv;
    ASSERT_LT(c.rad(), 1e-57);
    ASSERT_LT(q.rad(), 1e-55);

    A L, M, S;
    arb_set_d(L, std::pow(10.0, -8 + 10 * u(rng)));
    arb_set_d(M, -4 + 8 * u(rng));
    arb_set_d(S, std::pow(10.0, -2 + 3 * u(rng)));
    lc::sqnormal_log_abs_mean(c, L, M, S, prec);
    lc::sqnormal_log_abs_mean_quad(q, L, M, S, prec);
    ASSERT_TRUE(arb_overlaps(c, q)) << "sqnormal i=" << i << " " << L.str(17) << " " << M.str(17) << " "
                                    << S.str(17);
    ASSERT_LT(c.rad(), 1e-55);
    ASSERT_LT(q.rad(), 1e-55);
  }
}
