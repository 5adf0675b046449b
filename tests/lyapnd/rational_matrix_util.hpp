// Test-side exact d x d rational matrices (row-major std::vector<Rational>): product and Gauss-Jordan inverse,
// written independently of the library's solvers. The lyapnd tests use them to build conjugated families
// P^-1 A P whose exponents are known exactly; the results are checked against those known values.
#pragma once
#include <stdexcept>
#include <utility>
#include <vector>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::test {

using RationalMatrix = std::vector<exact::Rational>;

inline RationalMatrix mul(const RationalMatrix& a, const RationalMatrix& b, int d) {
  RationalMatrix c(static_cast<std::size_t>(d) * d, exact::Rational(0));
  for (int i = 0; i < d; ++i)
    for (int k = 0; k < d; ++k)
      for (int j = 0; j < d; ++j) c[i * d + j] += a[i * d + k] * b[k * d + j];
  return c;
}

// Exact inverse by Gauss-Jordan with row pivoting; throws std::invalid_argument for a singular matrix.
inline RationalMatrix inverse(RationalMatrix a, int d) {
  RationalMatrix inv(static_cast<std::size_t>(d) * d, exact::Rational(0));
  for (int i = 0; i < d; ++i) inv[i * d + i] = 1;
  for (int c = 0; c < d; ++c) {
    int p = c;
    while (p < d && a[p * d + c] == 0) ++p;
    if (p == d) throw std::invalid_argument("test inverse: singular matrix");
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

}  // namespace lyapcert::test
