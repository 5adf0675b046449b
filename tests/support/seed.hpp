// Seeds of randomized tests: fixed by default so that CI is deterministic, replayable, and overridable.
//
//   LYAPCERT_SEED=N            every seeded test in the process uses N instead of its fixed default
//   LYAPCERT_RANDOM_SEEDS=1    fresh random seeds (std::random_device; RapidCheck's own random seed): exploration,
//                              as scripts/campaign.sh does; never set in CI
//
// Every test that draws random cases prints the seed it used, so a failure replays with LYAPCERT_SEED (or, for
// RapidCheck properties, RC_PARAMS="seed=N", which RapidCheck prints as "Using configuration: seed=N").
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>

namespace lyapcert::test {

// True when the environment asks for random exploration (LYAPCERT_RANDOM_SEEDS set to anything but "0" or "").
inline bool random_seeds_requested() {
  const char* s = std::getenv("LYAPCERT_RANDOM_SEEDS");
  return s && *s && std::string_view(s) != "0";
}

// The seed a randomized test should use: LYAPCERT_SEED if set, a random one under LYAPCERT_RANDOM_SEEDS, otherwise
// `fixed_default`. Prints the seed with its replay command.
inline std::uint64_t test_seed(std::uint64_t fixed_default) {
  std::uint64_t seed = fixed_default;
  if (const char* s = std::getenv("LYAPCERT_SEED"); s && *s) {
    seed = std::strtoull(s, nullptr, 10);
  } else if (random_seeds_requested()) {
    std::random_device rd;
    seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  std::printf("seed = %llu (replay with LYAPCERT_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace lyapcert::test
