// The acceptance test: 10^7 random fast-path log enclosures compared with Arb (log of the
// exact double endpoints at 200 bits); every Arb ball must lie inside. Label: slow.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "fast/arb_log_reference.hpp"
#include "fast/random_doubles.hpp"
#include "lyapcert/fast/log.hpp"

namespace lyapcert::fast {
namespace {

TEST(FastLogSweep, TenMillionIntervalsInsideArb) {
  const std::uint64_t seed = testing::test_seed(0x5eed'1e7);
  testing::PositiveDoubles draw(seed);
  testing::ArbLog ref;
  const auto start = std::chrono::steady_clock::now();
  constexpr int kCount = 10'000'000;
  double max_rel_u = 0.0;
  for (int i = 0; i < kCount; ++i) {
    double a = draw();
    double b = (i % 4 == 0) ? a : draw();  // a quarter point intervals, the rest random [a, b]
    if (b < a) std::swap(a, b);
    const OutwardInterval y = log(OutwardInterval(a, b));
    ref.set(a);
    ASSERT_TRUE(ref.inside(y.lower(), kInf)) << std::hexfloat << "lower endpoint, a = " << a;
    if (a != 1.0) max_rel_u = std::max(max_rel_u, ref.relative_error_in_u(log_nearest(a)));
    if (b != a) {
      ref.set(b);
      ASSERT_TRUE(ref.inside(-kInf, y.upper())) << std::hexfloat << "upper endpoint, b = " << b;
    } else {
      ASSERT_TRUE(ref.inside(y.lower(), y.upper())) << std::hexfloat << "point x = " << a;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d enclosures checked in %.1f s; max kernel error %.4f u (bound %.4f u)\n", kCount,
              seconds, max_rel_u, kLogRelError * 0x1p53);
  EXPECT_LT(max_rel_u, kLogRelError * 0x1p53);
}

}  // namespace
}  // namespace lyapcert::fast
