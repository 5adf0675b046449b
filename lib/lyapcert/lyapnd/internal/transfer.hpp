// lyapcert::lyapnd internal: upper and lower transfer iterations on cell bounds (LYAPND-TRANS-1, -2).
//
// Given certified bounds L_0(a) <= h <= U_0(a) of h = phi + P g - g on the cells C_a of a cover of P^{d-1} and, for
// each atom i and cell a, a set R(i, a) of cells covering M_i . C_a, the iteration
//   U_{j+1}(a) = sum_i p_i max_{b in R(i, a)} U_j(b),   L_{j+1}(a) = sum_i p_i min_{b in R(i, a)} L_j(b)
// bounds P^J h on every cell, so min_a L_J <= Lambda <= max_a U_J (LYAPND-TRANS-1). The geometry (cells and image
// covers) is dimension-specific; this header holds the rounded arithmetic shared by every dimension
// (LYAPND-TRANS-2) and the d = 2 driver.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace lyapcert::lyapnd::internal {

// Binary64 enclosures p_lo[i] <= p_i <= p_hi[i] of the probabilities of the atoms used.
struct TransferWeights {
  std::vector<double> lo, hi;
};

// up(z) of LYAPND-TRANS-2: a binary64 number >= the exact result z whose rounded-to-nearest value is fl.
inline double round_up(double fl) { return std::nextafter(fl, std::numeric_limits<double>::infinity()); }
inline double round_down(double fl) { return std::nextafter(fl, -std::numeric_limits<double>::infinity()); }

// Proof: LYAPND-TRANS-2. An upper bound of sum_i p_i m[i] (m[i] the maxima over the image covers).
inline double weighted_sum_up(const TransferWeights& w, const double* m) {
  double s = 0;
  for (std::size_t i = 0; i < w.hi.size(); ++i) {
    const double t = round_up((m[i] >= 0 ? w.hi[i] : w.lo[i]) * m[i]);
    s = i == 0 ? t : round_up(s + t);
  }
  return s;
}

// Proof: LYAPND-TRANS-2. A lower bound of sum_i p_i m[i] (m[i] the minima over the image covers).
inline double weighted_sum_down(const TransferWeights& w, const double* m) {
  double s = 0;
  for (std::size_t i = 0; i < w.lo.size(); ++i) {
    const double t = round_down((m[i] >= 0 ? w.lo[i] : w.hi[i]) * m[i]);
    s = i == 0 ? t : round_down(s + t);
  }
  return s;
}

}  // namespace lyapcert::lyapnd::internal
