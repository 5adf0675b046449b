// lyapcert::stats::philox4x32 -- the counter-based generator Philox4x32-10 (Salmon, Moraes, Dror,
// Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), written from the paper's
// definition. Every random number lyapcert draws is philox4x32(counter, key) with
// key = the user's 64-bit seed and counter = (index, block, replica, slot): streams are indexed by
// replica and block, never by thread, so results do not depend on the thread count.
// Guarantee: bit-exact with the reference (known-answer test in tests/stats/philox_test.cpp); the
// vectorised copies in kernels_simd.inc are tested against this one.
#pragma once
#include <array>
#include <cstdint>

namespace lyapcert::stats {

struct Philox4x32 {
  std::uint32_t c0, c1, c2, c3;
};

// Round multipliers and Weyl key increments of Philox4x32 (also used by the SIMD kernels).
inline constexpr std::uint64_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1).
inline Philox4x32 philox4x32(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                             std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint64_t kM0 = kPhiloxM0, kM1 = kPhiloxM1;
  constexpr std::uint32_t kW0 = kPhiloxW0, kW1 = kPhiloxW1;
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    const std::uint64_t p0 = kM0 * c0;
    const std::uint64_t p1 = kM1 * c2;
    const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const std::uint32_t n3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += kW0;
    k1 += kW1;
  }
  return {c0, c1, c2, c3};
}

// Where a block of draws lives: key from the seed, counter words 1..3 = block, replica, slot.
struct StreamKey {
  std::uint64_t seed = 0;
  std::uint32_t block = 0;
  std::uint32_t replica = 0;
  std::uint32_t slot = 0;
};

// 53-bit uniforms from a 64-bit word: [0, 1) and (0, 1].
inline double u01_closed_open(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }
inline double u01_open_closed(std::uint64_t x) { return static_cast<double>((x >> 11) + 1) * 0x1.0p-53; }

}  // namespace lyapcert::stats
