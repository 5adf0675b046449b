// Internal to lyapcert::lyapnd (not part of the public API; included by the module's .cpp files only).
// Exact d x d rational matrices stored row-major in a std::vector<Rational>: the identity and the product, shared
// by the commuting and reducible certificates (both decide structure in exact arithmetic).
#pragma once
#include <cstddef>
#include <vector>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::lyapnd::detail {

using RationalMatrix = std::vector<exact::Rational>;  // row-major d x d

// The d x d identity, exactly.
inline RationalMatrix identity(int d) {
  RationalMatrix m(static_cast<std::size_t>(d) * d, exact::Rational(0));
  for (int i = 0; i < d; ++i) m[i * d + i] = 1;
  return m;
}

// The exact product a b of two d x d matrices (zero entries of a are skipped).
inline RationalMatrix mul(const RationalMatrix& a, const RationalMatrix& b, int d) {
  RationalMatrix c(static_cast<std::size_t>(d) * d, exact::Rational(0));
  for (int i = 0; i < d; ++i)
    for (int k = 0; k < d; ++k) {
      if (a[i * d + k] == 0) continue;
      for (int j = 0; j < d; ++j) c[i * d + j] += a[i * d + k] * b[k * d + j];
    }
  return c;
}

}  // namespace lyapcert::lyapnd::detail
