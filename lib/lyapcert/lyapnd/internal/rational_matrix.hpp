// Internal to lyapcert::lyapnd (not part of the public API; included by the module's .cpp files only).
// Exact d x d rational matrices stored row-major in a std::vector<Rational>: the identity, the product and the
// inverse, shared by the commuting, reducible and cone-basis code (all decide structure in exact arithmetic).
#pragma once
#include <cstddef>
#include <optional>
#include <utility>
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

// The exact inverse by Gauss-Jordan elimination; nullopt when a is singular.
inline std::optional<RationalMatrix> try_inverse(RationalMatrix a, int d) {
  RationalMatrix inv = identity(d);
  for (int c = 0; c < d; ++c) {
    int p = c;
    while (p < d && a[p * d + c] == 0) ++p;
    if (p == d) return std::nullopt;
    for (int j = 0; j < d; ++j) {
      std::swap(a[p * d + j], a[c * d + j]);
      std::swap(inv[p * d + j], inv[c * d + j]);
    }
    const exact::Rational f = 1 / a[c * d + c];
    for (int j = 0; j < d; ++j) {
      a[c * d + j] *= f;
      inv[c * d + j] *= f;
    }
    for (int i = 0; i < d; ++i) {
      if (i == c || a[i * d + c] == 0) continue;
      const exact::Rational g = a[i * d + c];
      for (int j = 0; j < d; ++j) {
        a[i * d + j] -= g * a[c * d + j];
        inv[i * d + j] -= g * inv[c * d + j];
      }
    }
  }
  return inv;
}

}  // namespace lyapcert::lyapnd::detail
