// The main() of every GoogleTest executable of lyapcert.
//
// It makes RapidCheck deterministic: unless RC_PARAMS already names a seed, or LYAPCERT_RANDOM_SEEDS asks for
// exploration (support/seed.hpp), it adds "seed=<kRapidCheckSeed>" to RC_PARAMS before any property runs. RapidCheck
// reads RC_PARAMS once, at its first property, which is after main() starts; options a test file sets earlier
// (e.g. "max_success=8" through a static setenv) are kept. The stated false-failure rates of the statistical
// properties hold for this fixed draw as for any other: the seed is chosen before, and independently of, the data.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/seed.hpp"

namespace {

constexpr const char* kRapidCheckSeed = "20261207";

void fix_rapidcheck_seed() {
  if (lyapcert::test::random_seeds_requested()) return;
  const char* env = std::getenv("RC_PARAMS");
  std::string params = env ? env : "";
  if (params.find("seed=") != std::string::npos) return;
  if (!params.empty()) params += ' ';
  params += "seed=";
  params += kRapidCheckSeed;
  setenv("RC_PARAMS", params.c_str(), 1);
}

}  // namespace

int main(int argc, char** argv) {
  fix_rapidcheck_seed();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
