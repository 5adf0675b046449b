// models::gaussian_xy_dataset, the dataset format of `--data-sample N --seed S` (models/dataset.hpp), against
// independent computations: SplitMix64's published reference words (docs/math.md section 6), a re-implementation
// of the generator in closed form (the state after i steps is seed + i * gamma mod 2^64, so word i is the mix of
// that, no running state), values of the Python replica of tests/oracle/verify_test.py (written out as hex
// floats, docs/math.md section 6), the pairs rebuilt here from those words, and the moments of a long sample.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lyapcert/models/dataset.hpp"

using lyapcert::exact::Rational;
namespace models = lyapcert::models;

namespace {

// Word i (1-based) of SplitMix64 seeded with `seed`, written from the definition without a running state.
std::uint64_t word(std::uint64_t seed, std::uint64_t i) {
  const std::uint64_t gamma = 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = seed + i * gamma;  // unsigned arithmetic wraps mod 2^64
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ULL;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

TEST(GaussianDataset, SplitMixMatchesPublishedReferenceWords) {
  models::SplitMix64 g{1234567};
  const std::array<std::uint64_t, 5> want = {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL,
                                             4593380528125082431ULL, 16408922859458223821ULL};
  for (std::uint64_t w : want) EXPECT_EQ(g.next(), w);
  EXPECT_EQ(models::SplitMix64{0}.next(), 0xE220A8397B1DCDAFULL);
}

TEST(GaussianDataset, SplitMixMatchesClosedFormWords) {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{3}, std::uint64_t{0x8000000000000000ULL},
                             std::numeric_limits<std::uint64_t>::max()}) {
    models::SplitMix64 g{seed};
    for (std::uint64_t i = 1; i <= 2000; ++i) ASSERT_EQ(g.next(), word(seed, i)) << "seed " << seed << " word " << i;
  }
}

TEST(GaussianDataset, MatchesThePythonReplica) {
  // tests/oracle/verify_test.py's sample(3, 3) (k = 1, sigma = 1) and sample(2, 0, 1/3, sqrt(0.49)), each value
  // printed with float.hex(); the first pair is also the first row of `phase --data-sample 5 --seed 3`'s CSV.
  const auto d = models::gaussian_xy_dataset(3, 3, Rational(1), Rational(1));
  const std::array<std::array<double, 2>, 3> want = {{{-0x1.4837e94c544dap-1, 0x1.f8afeef34f49cp-3},
                                                      {-0x1.2599dc94b910ap+0, 0x1.8997c880b3d04p-2},
                                                      {0x1.d2e12d426beb0p-1, 0x1.6bfcdb252d5dap-1}}};
  ASSERT_EQ(d.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d[i].first, Rational(want[i][0])) << i;
    EXPECT_EQ(d[i].second, Rational(want[i][1])) << i;
  }
  EXPECT_EQ(d[0].first, Rational(-2887039609643629LL) / Rational(4503599627370496LL));
  const auto e = models::gaussian_xy_dataset(2, 0, Rational(1, 3), Rational(49, 100));
  const std::array<std::array<double, 2>, 2> want2 = {{{-0x1.cf9fb99cfab90p-2, 0x1.b45a6d9125ad6p+0},
                                                       {-0x1.fa2a51dfe7863p-1, -0x1.38f4de909082ep-3}}};
  ASSERT_EQ(e.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(e[i].first, Rational(want2[i][0])) << i;
    EXPECT_EQ(e[i].second, Rational(want2[i][1])) << i;
  }
}

TEST(GaussianDataset, PairsAreTheDefinitionAppliedToTheWords) {
  // Rebuilt from the closed-form words, for parameters the Python replica does not cover: a negative k that is
  // not a binary64 number, sigma = 0 (y = kd x exactly), an SNR-style sigma^2 that is not a square.
  // kd and sigma^2 in binary64 are written as correctly rounded binary64 divisions, independent of the
  // rational conversion the library uses.
  struct Case { std::uint64_t seed; Rational k, sigma2; double kd, s2d; };
  const std::vector<Case> cases = {{7, Rational(-5, 2), Rational(0), -2.5, 0.0},
                                   {18446744073709551615ULL, Rational(1, 3), Rational(2, 3), 1.0 / 3.0, 2.0 / 3.0},
                                   {42, Rational(1, 10), Rational(1, 9), 1.0 / 10.0, 1.0 / 9.0}};
  for (const Case& c : cases) {
    const std::size_t n = 500;
    const auto d = models::gaussian_xy_dataset(n, c.seed, c.k, c.sigma2);
    ASSERT_EQ(d.size(), n);
    const double kd = c.kd, sd = std::sqrt(c.s2d);
    std::uint64_t i = 0;
    auto uniform = [&] { return (static_cast<double>(word(c.seed, ++i) >> 11) + 0.5) / 9007199254740992.0; };
    auto normal = [&] {
      const double u = uniform(), v = uniform();
      const double r = std::sqrt(-2.0 * std::log(u)), t = 2.0 * M_PI * v;
      return r * std::cos(t);
    };
    for (std::size_t j = 0; j < n; ++j) {
      const double x = normal();
      const double kx = kd * x, se = sd * normal();
      ASSERT_EQ(d[j].first, Rational(x)) << "seed " << c.seed << " pair " << j;
      ASSERT_EQ(d[j].second, Rational(kx + se)) << "seed " << c.seed << " pair " << j;
      if (c.sigma2 == 0) ASSERT_EQ(d[j].second, Rational(kx));
    }
  }
}

TEST(GaussianDataset, IsAPrefixFamilyWithTheModelsMoments) {
  // A longer dataset extends a shorter one with the same seed (the words are consumed in order), and a long
  // sample has the model's moments: x ~ N(0, 1), y - k x ~ N(0, sigma^2), at 6 standard errors (fixed seed).
  const auto shortd = models::gaussian_xy_dataset(10, 5, Rational(2), Rational(1, 4));
  const std::size_t n = 2000;
  const auto d = models::gaussian_xy_dataset(n, 5, Rational(2), Rational(1, 4));
  for (std::size_t j = 0; j < shortd.size(); ++j) EXPECT_EQ(shortd[j], d[j]);
  double sx = 0, sxx = 0, se = 0, see = 0;
  for (const auto& [x, y] : d) {
    const double xd = x.convert_to<double>(), e = y.convert_to<double>() - 2 * xd;
    sx += xd;
    sxx += xd * xd;
    se += e;
    see += e * e;
  }
  const double se_mean = 1 / std::sqrt(double(n)), se_var = std::sqrt(2.0 / double(n));
  EXPECT_LT(std::abs(sx / n), 6 * se_mean);
  EXPECT_LT(std::abs(sxx / n - 1), 6 * se_var);
  EXPECT_LT(std::abs(se / n), 6 * 0.5 * se_mean);
  EXPECT_LT(std::abs(see / n - 0.25), 6 * 0.25 * se_var);
}

}  // namespace
