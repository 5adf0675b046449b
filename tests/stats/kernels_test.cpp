// Gaussian fill (Box-Muller with polynomial cos/sin) and log kernels; the SIMD builds against the
// scalar definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
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

// ---------------------------------------------------------------------------------------------
// The SIMD builds (sse2, avx2, avx512) against the generic scalar build and against the one-value
// definitions: bit for bit, lengths that are not multiples of the lane counts or of the 64-call
// batch included. Deterministic (no false failures).

namespace {

std::vector<st::kernels::Isa> available_isas() {
  std::vector<st::kernels::Isa> v;
  for (auto isa : {st::kernels::Isa::generic, st::kernels::Isa::sse2, st::kernels::Isa::avx2, st::kernels::Isa::avx512}) {
    if (st::kernels::isa_available(isa)) v.push_back(isa);
  }
  return v;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  // memcmp must not see the null data() of an empty vector (UBSan: nonnull argument).
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

TEST(Kernels, EveryIsaGivesTheSameBits) {
  namespace k = st::kernels;
  std::printf("best isa: %s\n", k::to_string(k::best_isa()));
  const st::StreamKey key{0x0123456789abcdefULL, 5, 77, 3};
  for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 15u, 17u, 127u, 128u, 129u, 255u, 1000u, 4099u}) {
    std::vector<std::uint64_t> b0(n), b1(n);
    std::vector<double> u0(n), u1(n), z0(n), z1(n), l0(n), l1(n), a0(n), a1(n);
    k::fill_bits(k::Isa::generic, key, b0.data(), n);
    k::fill_uniform(k::Isa::generic, key, u0.data(), n);
    k::fill_normal(k::Isa::generic, key, z0.data(), n);
    for (std::size_t i = 0; i < n; ++i) z0[i] *= 1e-200 * (i % 3 == 0 ? 1e-120 : 1.0);  // subnormals too
    if (n > 6) {
      z0[1] = 0.0;
      z0[2] = -0.0;
      z0[3] = INFINITY;
      z0[4] = NAN;
      z0[5] = 1e-320;
    }
    k::log_abs(k::Isa::generic, z0.data(), l0.data(), n);
    k::affine_log_abs(k::Isa::generic, 0.75, -2.5, u0.data(), a0.data(), n);
    for (const auto isa : available_isas()) {
      k::fill_bits(isa, key, b1.data(), n);
      k::fill_uniform(isa, key, u1.data(), n);
      k::fill_normal(isa, key, z1.data(), n);
      for (std::size_t i = 0; i < n; ++i) z1[i] *= 1e-200 * (i % 3 == 0 ? 1e-120 : 1.0);
      if (n > 6) std::copy_n(z0.begin() + 1, 5, z1.begin() + 1);
      k::log_abs(isa, z1.data(), l1.data(), n);
      k::affine_log_abs(isa, 0.75, -2.5, u1.data(), a1.data(), n);
      EXPECT_EQ(b0, b1) << k::to_string(isa) << " n=" << n;
      EXPECT_TRUE(same_bits(u0, u1)) << k::to_string(isa) << " n=" << n;
      EXPECT_TRUE(same_bits(z0, z1)) << k::to_string(isa) << " n=" << n;
      EXPECT_TRUE(same_bits(l0, l1)) << k::to_string(isa) << " n=" << n;
      EXPECT_TRUE(same_bits(a0, a1)) << k::to_string(isa) << " n=" << n;
      // In place (x aliases out).
      k::log_abs(isa, z1.data(), z1.data(), n);
      EXPECT_TRUE(same_bits(l0, z1)) << k::to_string(isa) << " n=" << n;
    }
  }
}

// The arrays are the documented one-value definitions: Philox words (philox4x32 directly),
// u01_closed_open of each word, normal_pair of each pair of words, log_abs of each value.
TEST(Kernels, ArraysFollowTheDefinitions) {
  namespace k = st::kernels;
  const st::StreamKey key{987654321, 2, 9, 4};
  const std::size_t n = 301;
  std::vector<std::uint64_t> w(n);
  std::vector<double> u(n), z(n), l(n);
  k::fill_bits(key, w.data(), n);
  k::fill_uniform(key, u.data(), n);
  k::fill_normal(key, z.data(), n);
  k::log_abs(z.data(), l.data(), n);
  for (std::size_t i = 0; i < n; i += 2) {
    const auto r = st::philox4x32(static_cast<std::uint32_t>(i / 2), key.block, key.replica, key.slot,
                                  static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32));
    const std::uint64_t a = (static_cast<std::uint64_t>(r.c0) << 32) | r.c1, b = (static_cast<std::uint64_t>(r.c2) << 32) | r.c3;
    ASSERT_EQ(w[i], a);
    EXPECT_EQ(u[i], st::u01_closed_open(a));
    double z1, z2;
    k::normal_pair(a, b, z1, z2);
    EXPECT_EQ(z[i], z1);
    EXPECT_EQ(l[i], k::log_abs(z1));
    if (i + 1 < n) {
      EXPECT_EQ(w[i + 1], b);
      EXPECT_EQ(u[i + 1], st::u01_closed_open(b));
      EXPECT_EQ(z[i + 1], z2);
    }
  }
}

// Accuracy of the fdlibm-style log against long double logl (64-bit mantissa, itself accurate to
// < 1 ulp of long double, i.e. 2^-11 ulp of double): 10^6 inputs log-uniform over the whole
// normal and subnormal range plus 10^6 near 1 (seed 31, replayable). Deterministic; the bound
// checked is fdlibm's "< 1 ulp", the measured maximum is printed (0.52-0.53 ulp when written).
TEST(Kernels, LogAccuracy) {
  namespace k = st::kernels;
  const std::size_t n = 1'000'000;
  std::vector<std::uint64_t> w(2 * n);
  k::fill_bits({31, 0, 0, 0}, w.data(), w.size());
  double worst = 0, worst_x = 0;
  for (std::size_t i = 0; i < 2 * n; ++i) {
    double x;
    if (i < n) {
      x = std::bit_cast<double>(w[i] % 0x7ff0000000000000ULL);  // any positive finite double
      if (x == 0) continue;
    } else {
      x = 1.0 + (st::u01_closed_open(w[i]) - 0.5) * 0x1p-4;  // cancellation region
    }
    const long double ref = std::log(static_cast<long double>(x));
    const double got = k::log_abs(x);
    const double r = static_cast<double>(ref);
    const double ulp = std::nextafter(std::fabs(r), INFINITY) - std::fabs(r);
    const double err = static_cast<double>(std::fabs(static_cast<long double>(got) - ref) / ulp);
    if (err > worst) {
      worst = err;
      worst_x = x;
    }
  }
  std::printf("log_abs: max error %.3f ulp at x = %.17g\n", worst, worst_x);
  EXPECT_LT(worst, 1.0);
  EXPECT_EQ(k::log_abs(1.0), 0.0);
  EXPECT_EQ(k::log_abs(0.0), -INFINITY);
  EXPECT_EQ(k::log_abs(-0.0), -INFINITY);
  EXPECT_EQ(k::log_abs(INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(k::log_abs(NAN)));
  EXPECT_EQ(k::log_abs(0x1p-1074), std::log(0x1p-1074));
}

// Kolmogorov-Smirnov distance of 10^6 normals (seed 4242) and of 10^6 uniforms (seed 4343) from
// the exact CDFs. DKW inequality with Massart's constant: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2),
// with eps = sqrt(log(2 / 5e-8) / (2 n)) each test fails falsely with probability <= 5e-8 for any
// n (nonasymptotic), 1e-7 for both. The CDF is evaluated with std::erfc (error < 1e-15, far below eps).
TEST(Kernels, NormalAndUniformDistributionDKW) {
  namespace k = st::kernels;
  const std::size_t n = 1'000'000;
  const double eps = std::sqrt(std::log(2 / 5e-8) / (2.0 * n));
  auto ks = [n](std::vector<double>& x, auto cdf) {
    std::sort(x.begin(), x.end());
    double d = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double f = cdf(x[i]);
      d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
    }
    return d;
  };
  std::vector<double> z(n), u(n);
  k::fill_normal({4242, 0, 0, 0}, z.data(), n);
  k::fill_uniform({4343, 0, 0, 0}, u.data(), n);
  const double dz = ks(z, [](double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); });
  const double du = ks(u, [](double v) { return v; });
  std::printf("KS distance: normal %.5f, uniform %.5f, DKW threshold %.5f\n", dz, du, eps);
  EXPECT_LT(dz, eps);
  EXPECT_LT(du, eps);
}

// Tails of the Box-Muller normals: P(|z| > 4) = 6.334e-5 over 4*10^6 draws (seed 77): mean 253.4,
// sd 15.9; accepting counts within 6 sd has false-failure probability < 1.2e-7 (Chernoff bounds
// for the binomial count: upper tail exp(-16.1), lower exp(-18)). The largest |z| possible is
// sqrt(2 * 53 log 2) = 8.57.
TEST(Kernels, NormalTails) {
  namespace k = st::kernels;
  const std::size_t n = 4'000'000;
  std::vector<double> z(n);
  k::fill_normal({77, 0, 0, 0}, z.data(), n);
  std::size_t c = 0;
  double mx = 0;
  for (double v : z) {
    c += std::fabs(v) > 4.0;
    mx = std::max(mx, std::fabs(v));
  }
  const double expect = n * std::erfc(4.0 / std::sqrt(2.0));
  std::printf("|z| > 4: %zu (expected %.1f), max |z| %.3f\n", c, expect, mx);
  EXPECT_NEAR(static_cast<double>(c), expect, 6 * std::sqrt(expect));
  EXPECT_LE(mx, std::sqrt(2 * 53 * std::log(2.0)) + 1e-12);
}
