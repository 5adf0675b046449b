// Setup shared by the lyapnd certificate tests (poisson, poisson_nd, poisson_q1, multicone, lyapnd): one call of
// certify_lyapnd with the options they vary, the width and midpoint of an enclosure, the independent Arb closed
// form sum_i w_i log x_i, finite families written as law text, and a seeded binary64 Monte Carlo estimate.
// Everything here is test-side and independent of the code under test except `run`, which only calls it.
#pragma once
#include <arb.h>

#include <algorithm>
#include <array>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapnd/rational_matrix_util.hpp"
#include "support/budget.hpp"

namespace lyapcert::test {

// The names every lyapnd test uses (`using namespace lyapcert::test;` brings them in).
using exact::Ball;
using exact::Rational;
namespace nd = lyapnd;
using Clock = std::chrono::steady_clock;

// One certification. elementary_bounds false: the method's own certificate alone (LYAPND-ELEM-2 not applied).
inline lyapnd::Result run(const std::string& law, int digits, lyapnd::Method method = lyapnd::Method::automatic,
                          double budget_seconds = 30, bool elementary_bounds = true) {
  lyapnd::Options o;
  o.elementary_bounds = elementary_bounds;
  o.acc.digits = digits;
  o.method = method;
  o.time_budget_seconds = budget_seconds;
  return lyapnd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

// One certification whose work is bounded by the d = 2 Poisson certificate's deterministic level cap
// (Options::max_levels) instead of the clock: the wall budget is kNoWallClock, so the same call gives the same
// enclosure on an idle or a loaded machine (tests/support/budget.hpp, docs/reliability.md).
inline lyapnd::Result run_levels(const std::string& law, int digits, int max_levels,
                                 lyapnd::Method method = lyapnd::Method::poisson, bool elementary_bounds = true) {
  lyapnd::Options o;
  o.elementary_bounds = elementary_bounds;
  o.acc.digits = digits;
  o.method = method;
  o.time_budget_seconds = kNoWallClock;
  o.max_levels = max_levels;
  return lyapnd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

inline double width(const exact::Ball& b) { return 2 * mag_get_d(arb_radref(b.get())); }
inline double mid(const exact::Ball& b) { return arf_get_d(arb_midref(b.get()), ARF_RND_NEAR); }
inline bool contains(const exact::Ball& enclosure, const exact::Ball& x) {
  return arb_contains(enclosure.get(), x.get());
}

// sum_i w_i log(x_i) with Arb logs (an independent closed form for scalar and block-diagonal families).
inline exact::Ball mean_log(const std::vector<std::pair<exact::Rational, exact::Rational>>& wx, slong prec = 128) {
  exact::Ball s;
  for (const auto& [w, x] : wx) {
    exact::Ball l = exact::Ball::from_rational(x, prec), ww = exact::Ball::from_rational(w, prec);
    arb_log(l.get(), l.get(), prec);
    arb_addmul(s.get(), l.get(), ww.get(), prec);
  }
  return s;
}

// The law text "matrices([[..], ..]: p, ..)" of d x d row-major matrices with probabilities ps.
inline std::string law_text(const std::vector<RationalMatrix>& ms, const std::vector<exact::Rational>& ps, int d) {
  std::string s = "matrices(";
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (i) s += ", ";
    s += "[";
    for (int r = 0; r < d; ++r) {
      s += r ? ", [" : "[";
      for (int c = 0; c < d; ++c) s += (c ? ", " : "") + ms[i][r * d + c].str();
      s += "]";
    }
    s += "]: " + ps[i].str();
  }
  return s + ")";
}

inline laws::FiniteMatrices family(const std::vector<RationalMatrix>& ms, const std::vector<exact::Rational>& ps) {
  laws::FiniteMatrices f;
  f.matrices = ms;
  f.probs = ps;
  return f;
}

inline RationalMatrix scaled(const RationalMatrix& a, const exact::Rational& s) {
  RationalMatrix b = a;
  for (auto& x : b) x *= s;
  return b;
}

// p a p^-1 (same exponents as a).
inline RationalMatrix conj(const RationalMatrix& a, const RationalMatrix& p, int d) {
  return mul(mul(p, a, d), inverse(p, d), d);
}

// The binary64 value nearest a rational (to feed the test-side binary64 computations).
inline double to_double(const exact::Rational& q) { return mid(exact::Ball::from_rational(q, 64)); }

// The mean of independent chain estimates and its standard error.
inline std::pair<double, double> mean_and_std_error(const std::vector<double>& est) {
  double mean = 0, v = 0;
  for (double e : est) mean += e / est.size();
  for (double e : est) v += (e - mean) * (e - mean) / (est.size() - 1);
  return {mean, std::sqrt(v / est.size())};
}

// Rational rotations of R^3 from the quaternions (1, 1, 1, 0) / sqrt 3 and (2, 1, 0, 0) / sqrt 5 (they do not
// commute), and conjugating matrices (d = 3: det 2; d = 4) with no zero entry pattern aligned with the charts.
inline const RationalMatrix kR1 = {exact::Rational(1, 3),  exact::Rational(2, 3), exact::Rational(2, 3),
                                   exact::Rational(2, 3),  exact::Rational(1, 3), exact::Rational(-2, 3),
                                   exact::Rational(-2, 3), exact::Rational(2, 3), exact::Rational(-1, 3)};
inline const RationalMatrix kR2 = {1, 0, 0, 0, exact::Rational(3, 5), exact::Rational(-4, 5),
                                   0, exact::Rational(4, 5), exact::Rational(3, 5)};
inline const RationalMatrix kP3 = {1, 1, 0, 0, 1, 1, 1, 0, 1};
inline const RationalMatrix kP4 = {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 2};

// Seeded Monte Carlo estimate of Lambda for d x d matrices (binary64, row-major, equal probabilities): `batches`
// chains of n steps, each chain's (1/n) log|S_n x|; returns the mean over chains and its standard error.
// random_start: a Gaussian start vector (with probability 1 outside every invariant proper subspace: a fixed
// start can be a common eigenvector, whose exponent is smaller than Lambda); false: e_1, for families that have no
// invariant line through it.
inline std::pair<double, double> monte_carlo(const std::vector<std::vector<double>>& m, int d, std::uint64_t seed,
                                             int batches, int n, bool random_start = true) {
  std::mt19937_64 rng(seed);
  std::vector<double> est;
  for (int b = 0; b < batches; ++b) {
    std::vector<double> x(d, 0.0), y(d);
    if (random_start) {
      std::normal_distribution<double> z;
      double x2 = 0;
      for (auto& e : x) x2 += (e = z(rng)) * e;
      for (auto& e : x) e /= std::sqrt(x2);
    } else {
      x[0] = 1;
    }
    double s = 0;
    for (int k = 0; k < n; ++k) {
      const auto& a = m[rng() % m.size()];
      double r2 = 0;
      for (int i = 0; i < d; ++i) {
        y[i] = 0;
        for (int j = 0; j < d; ++j) y[i] += a[i * d + j] * x[j];
        r2 += y[i] * y[i];
      }
      const double r = std::sqrt(r2);
      s += std::log(r);
      for (int i = 0; i < d; ++i) x[i] = y[i] / r;
    }
    est.push_back(s / n);
  }
  return mean_and_std_error(est);
}

// g([w]) of the multilinear chart function (LYAPND-POIS-20 (a)), written independently of the library: the chart is
// the first index of max |w_j|, u = w / w_c, node cell k = min(m - 1, floor((u + 1) m / 2)), multilinear weights;
// T = double or long double.
template <class T>
T q1_g_at(const std::vector<double>& g, int d, int m, const T* w) {
  int c = 0;
  for (int j = 1; j < d; ++j)
    if (std::fabs(w[j]) > std::fabs(w[c])) c = j;
  std::size_t stride = 1, base = 0;
  std::array<T, 3> s{};
  std::array<std::size_t, 3> pw{};
  int a = 0;
  for (int j = 0; j < d; ++j) {
    if (j == c) continue;
    const T x = std::clamp<T>((w[j] / w[c] + 1) * m / 2, 0, m);
    const T k = std::min<T>(std::floor(x), m - 1);
    base += static_cast<std::size_t>(k) * stride;
    s[a] = x - k;
    pw[a] = stride;
    stride *= static_cast<std::size_t>(m + 1);
    ++a;
  }
  base += static_cast<std::size_t>(c) * stride;
  T sum = 0;
  for (int e = 0; e < (1 << (d - 1)); ++e) {
    T wt = 1;
    std::size_t o = 0;
    for (int b = 0; b < d - 1; ++b) {
      if (e >> b & 1) {
        wt *= s[b];
        o += pw[b];
      } else {
        wt *= 1 - s[b];
      }
    }
    sum += wt * static_cast<T>(g[base + o]);
  }
  return sum;
}

}  // namespace lyapcert::test
