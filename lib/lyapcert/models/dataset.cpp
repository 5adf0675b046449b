// The Gaussian-model dataset definition of `--data-sample` (models/dataset.hpp). This file is compiled with
// -ffp-contract=off (models/CMakeLists.txt): a fused multiply-add in y = kd * x + sd * eps or in the Box-Muller
// step would change the published bits on targets that have one.
#include "lyapcert/models/dataset.hpp"

#include <cmath>

namespace lyapcert::models {

std::vector<std::pair<exact::Rational, exact::Rational>> gaussian_xy_dataset(std::uint64_t n, std::uint64_t seed,
                                                                             const exact::Rational& k,
                                                                             const exact::Rational& sigma2) {
  SplitMix64 gen{seed};
  auto uniform01 = [&] { return (static_cast<double>(gen.next() >> 11) + 0.5) * 0x1p-53; };  // in (0, 1)
  auto normal = [&] {
    const double u = uniform01(), v = uniform01();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
  };
  const double kd = k.convert_to<double>(), sd = std::sqrt(sigma2.convert_to<double>());
  std::vector<std::pair<exact::Rational, exact::Rational>> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const double x = normal();
    const double y = kd * x + sd * normal();
    out.emplace_back(exact::Rational(x), exact::Rational(y));  // exact binary64 values
  }
  return out;
}

}  // namespace lyapcert::models
