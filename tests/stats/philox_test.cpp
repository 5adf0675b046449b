// Philox4x32-10 against the known-answer vectors of Random123 (kat_vectors, "philox4x32 10"),
// and the stream properties lyapcert relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "lyapcert/stats/kernels.hpp"
#include "lyapcert/stats/philox.hpp"

namespace st = lyapcert::stats;

TEST(Philox, KnownAnswers) {
  // Random123 1.09 kat_vectors: philox4x32 10 rounds, (counter, key) -> output.
  auto r = st::philox4x32(0, 0, 0, 0, 0, 0);
  EXPECT_EQ(r.c0, 0x6627e8d5u);
  EXPECT_EQ(r.c1, 0xe169c58du);
  EXPECT_EQ(r.c2, 0xbc57ac4cu);
  EXPECT_EQ(r.c3, 0x9b00dbd8u);
  r = st::philox4x32(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(r.c0, 0x408f276du);
  EXPECT_EQ(r.c1, 0x41c83b0eu);
  EXPECT_EQ(r.c2, 0xa20bc7c6u);
  EXPECT_EQ(r.c3, 0x6d5451fdu);
  r = st::philox4x32(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(r.c0, 0xd16cfe09u);
  EXPECT_EQ(r.c1, 0x94fdccebu);
  EXPECT_EQ(r.c2, 0x5001e420u);
  EXPECT_EQ(r.c3, 0x24126ea1u);
}

TEST(Philox, BlocksAreReproducibleAndIndependentOfSplitting) {
  std::vector<std::uint64_t> a(1000), b(1000);
  st::kernels::fill_bits({42, 7, 3, 1}, a.data(), a.size());
  st::kernels::fill_bits({42, 7, 3, 1}, b.data(), b.size());
  EXPECT_EQ(a, b);
  // A prefix of a block is the prefix of the longer fill (odd lengths included).
  std::vector<std::uint64_t> c(333);
  st::kernels::fill_bits({42, 7, 3, 1}, c.data(), c.size());
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_EQ(c[i], a[i]);
  // Different replica, block, slot or seed: different words.
  for (const st::StreamKey k : {st::StreamKey{42, 8, 3, 1}, st::StreamKey{42, 7, 4, 1}, st::StreamKey{42, 7, 3, 2},
                                st::StreamKey{43, 7, 3, 1}}) {
    st::kernels::fill_bits(k, b.data(), b.size());
    int same = 0;
    for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    EXPECT_EQ(same, 0);
  }
}

// Uniform mean over 10^6 draws: sd of the mean is 0.2887/1000; |z| > 6 has probability 2e-9
// (false-failure probability of this test).
TEST(Philox, UniformMean) {
  std::vector<double> u(1'000'000);
  st::kernels::fill_uniform({2024, 0, 0, 0}, u.data(), u.size());
  double s = 0, lo = 1, hi = 0;
  for (double x : u) {
    s += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_NEAR(s / u.size(), 0.5, 6 * 0.28867513 / 1000);
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
}
