// Gaussian fill (Box-Muller with polynomial cos/sin) and log kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "lyapcert/stats/kernels.hpp"

namespace st = lyapcert::stats;

// Moments of 2*10^6 normals, seed 7. Mean sd 1/sqrt(n) = 7.1e-4, variance sd sqrt(2/n) = 1e-3,
// fourth moment sd sqrt(96/n) = 6.9e-3, P(|x| > 1.96) sd 1.5e-4: 6 sd each, false-failure
// probability < 1e-8 in total.
TEST(Kernels, NormalMoments) {
  const std::size_t n = 2'000'000;
  std::vector<double> z(n);
  st::kernels::fill_normal({7, 0, 0, 0}, z.data(), n);
  double m1 = 0, m2 = 0, m4 = 0, tail = 0;
  for (double x : z) {
    m1 += x;
    m2 += x * x;
    m4 += x * x * x * x;
    tail += std::fabs(x) > 1.959963984540054;
  }
  m1 /= n;
  m2 /= n;
  m4 /= n;
  tail /= n;
  EXPECT_NEAR(m1, 0.0, 6 * 7.1e-4);
  EXPECT_NEAR(m2, 1.0, 6 * 1.0e-3);
  EXPECT_NEAR(m4, 3.0, 6 * 6.9e-3);
  EXPECT_NEAR(tail, 0.05, 6 * 1.6e-4);
}

// The angle of each Box-Muller pair is uniform: each quadrant holds 1/4 of 5*10^5 pairs
// (sd 6.1e-4; 6 sd, false-failure probability < 1e-8), and E[z1 z2] = 0 (sd 1.4e-3).
TEST(Kernels, BoxMullerAngles) {
  const std::size_t pairs = 500'000;
  std::vector<double> z(2 * pairs);
  st::kernels::fill_normal({9, 1, 2, 3}, z.data(), z.size());
  double q[4] = {0, 0, 0, 0}, cross = 0;
  for (std::size_t i = 0; i < pairs; ++i) {
    const double a = z[2 * i], b = z[2 * i + 1];
    q[(a < 0) * 2 + (b < 0)] += 1;
    cross += a * b;
  }
  for (double c : q) EXPECT_NEAR(c / pairs, 0.25, 6 * 6.1e-4);
  EXPECT_NEAR(cross / pairs, 0.0, 6 * 1.42e-3);
}

TEST(Kernels, LogAbs) {
  std::vector<double> x = {1.0, -2.0, 0.0, 1e-310, 3.5e300, -0.25};
  std::vector<double> y(x.size());
  st::kernels::log_abs(x.data(), y.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] == 0) {
      EXPECT_EQ(y[i], -INFINITY);
    } else {
      EXPECT_DOUBLE_EQ(y[i], std::log(std::fabs(x[i])));
    }
  }
  st::kernels::affine_log_abs(1.0, -0.5, x.data(), y.data(), 2);
  EXPECT_EQ(y[0], std::log(0.5));
  EXPECT_EQ(y[1], std::log(2.0));
}
