// Random binary64 inputs spread over all binades, for the fast-path tests. Seeds are printed and can
// be replayed with LYAPCERT_SEED=<n>.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace lyapcert::fast::testing {

inline std::uint64_t test_seed(std::uint64_t fallback) {
  std::uint64_t seed = fallback;
  if (const char* env = std::getenv("LYAPCERT_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("seed = %llu (replay with LYAPCERT_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

// A positive finite double drawn from a mixture: uniform bit patterns (every binade, subnormals
// included), subnormals only, huge values, values near 1 (both sides, down to 1 +- 2^-60), values a few
// ulps from 2^e * {1, 1/sqrt2, sqrt2} (the reduction thresholds), and plain uniform in (0, 10).
class PositiveDoubles {
 public:
  explicit PositiveDoubles(std::uint64_t seed) : rng_(seed) {}

  double operator()() {
    switch (pick_(rng_)) {
      case 0:
      case 1:
        return from_bits(1 + bits_(rng_) % 0x7FEFFFFFFFFFFFFFull);
      case 2:
        return from_bits(1 + bits_(rng_) % 0x000FFFFFFFFFFFFFull);  // subnormal
      case 3:
        return from_bits(0x7FE0000000000000ull | (bits_(rng_) & 0x000FFFFFFFFFFFFFull)) *
               std::ldexp(1.0, -static_cast<int>(bits_(rng_) % 8));  // huge
      case 4:
      case 5: {
        const int j = 1 + static_cast<int>(bits_(rng_) % 60);
        const double d = std::ldexp(unit_(rng_), -j);
        return (bits_(rng_) & 1) ? 1.0 + d : 1.0 - d;
      }
      case 6: {
        static constexpr double kAnchors[] = {1.0, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bccp-1,
                                              0x1.6a09e667f3bcdp+0, 0x1.6a09e667f3bccp+0};
        double x = kAnchors[bits_(rng_) % 5];
        x = std::ldexp(x, static_cast<int>(bits_(rng_) % 2000) - 1000);
        const int steps = static_cast<int>(bits_(rng_) % 9) - 4;
        for (int i = 0; i < std::abs(steps); ++i) x = std::nextafter(x, steps > 0 ? INFINITY : 0.0);
        return x > 0 ? x : 1.0;
      }
      default:
        return 10.0 * unit_(rng_) + 0x1p-1074;
    }
  }

  std::mt19937_64& engine() { return rng_; }

 private:
  static double from_bits(std::uint64_t b) { return std::bit_cast<double>(b); }
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> pick_{0, 7};
  std::uniform_int_distribution<std::uint64_t> bits_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace lyapcert::fast::testing
