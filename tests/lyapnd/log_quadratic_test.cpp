// E log of a non-negative quadratic in one Gaussian (LYAPND-VEC-14), the conditional mean E[log G(A v) | x] of the
// vector law and its box form (LYAPND-VEC-15), its derivative along directions (LYAPND-VEC-17) and the Gaussian tail
// of the outer integral (LYAPND-VEC-16), lyapnd/internal/log_quadratic: the certified values against a composite
// Gauss-Legendre quadrature of the defining integral (long double, written here), the closed form against the series
// sandwich (two formulas of the claim), box enclosures against sampled points, the conditional mean and the tail
// against seeded Monte Carlo runs with matrices built here independently of the library, and the Faddeeva form of
// the derivative against difference quotients of the 2F2 / erfc closed form.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/log_quadratic.hpp"
#include "support/seed.hpp"

namespace laws = lyapcert::laws;
namespace in = lyapcert::lyapnd::internal;
using I = lyapcert::fast::OutwardInterval;

namespace {

// Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n, long double).
struct GaussLegendre {
  std::vector<long double> x, w;
  explicit GaussLegendre(int n) {
    const long double pi = 3.141592653589793238462643383279502884L;
    for (int i = 1; i <= n; ++i) {
      long double z = std::cos(pi * (i - 0.25L) / (n + 0.5L)), dp = 0;
      for (int it = 0; it < 100; ++it) {
        long double p0 = 1, p1 = z;
        for (int k = 2; k <= n; ++k) {
          const long double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1);
        const long double dz = p1 / dp;
        z -= dz;
        if (std::fabs(dz) < 1e-19L) break;
      }
      x.push_back(z);
      w.push_back(2 / ((1 - z * z) * dp * dp));
    }
  }
};

// E log((eps - m)^2 + s) by quadrature: split at eps = m, substitute eps = m +- u^2 (the log singularity at s = 0
// becomes u log u), geometric panels near u = 0 and uniform panels of width 1/50 up to sqrt(|m| + 14).
long double reference_f(double m, double s) {
  static const GaussLegendre gl(12);
  const long double pi = 3.141592653589793238462643383279502884L;
  auto phi = [&](long double e) { return std::exp(-e * e / 2) / std::sqrt(2 * pi); };
  auto g = [&](long double u) {
    const long double t = u * u;
    return 2 * u * (phi(m + t) + phi(m - t)) * std::log(t * t + static_cast<long double>(s));
  };
  std::vector<long double> edges;
  for (long double u = 1e-9L; u < 0.05L; u *= 1.5L) edges.push_back(u);
  const long double top = std::sqrt(std::fabs(static_cast<long double>(m)) + 14);
  for (long double u = 0.05L; u < top; u += 0.02L) edges.push_back(u);
  edges.push_back(top);
  long double sum = 0;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    const long double a = edges[i], b = edges[i + 1], h = (b - a) / 2, c = (a + b) / 2;
    for (std::size_t j = 0; j < gl.x.size(); ++j) sum += h * gl.w[j] * g(c + h * gl.x[j]);
  }
  return sum;  // the pieces [0, 1e-9] and beyond `top` are below 1e-15
}

bool within(const I& enc, long double ref, double tol) {
  return enc.lower() - tol <= ref && ref <= enc.upper() + tol;
}

}  // namespace

// The certified F(m, s) against the quadrature reference: fixed points (s = 0, tiny s, both sides of the switch at
// m^2 + s = 400) and 60 seeded random ones. The reference's own error is far below the 1e-10 tolerance.
TEST(LogQuadratic, MatchesIndependentQuadrature) {
  std::vector<std::array<double, 2>> pts = {{0, 0},     {0.3, 0},   {1.7, 0},   {0, 0.5},   {0.8, 0.01}, {2.5, 3},
                                            {-1.2, 0.2}, {5, 1e-3}, {0.1, 40},  {7, 0},     {19.5, 0},  {20.5, 0},
                                            {14, 205},  {3, 400},   {-25, 2.5}, {0, 1e-12}, {4, 1e-7}};
  std::mt19937_64 g(lyapcert::test::test_seed(20261208));
  std::uniform_real_distribution<double> un(0, 1);
  for (int i = 0; i < 60; ++i) {
    const double m = (un(g) < 0.5 ? -1 : 1) * std::pow(10.0, -3 + 4.5 * un(g));
    const double s = un(g) < 0.2 ? 0.0 : std::pow(10.0, -8 + 11 * un(g));
    pts.push_back({m, s});
  }
  for (const auto& [m, s] : pts) {
    const I f = in::log_quadratic_mean(m, s);
    const long double ref = reference_f(m, s);
    EXPECT_TRUE(within(f, ref, 1e-10)) << "m = " << m << " s = " << s << ": [" << f.lower() << ", " << f.upper()
                                       << "] vs quadrature " << static_cast<double>(ref);
    // Tight: the closed form to a few ulps, the series sandwich (m^2 + s >= 400) to its truncation term.
    EXPECT_LT(f.upper() - f.lower(), m * m + s < 400 ? 1e-12 : 2e-8) << "m = " << m << " s = " << s;
  }
}

// The two formulas of LYAPND-VEC-14, the closed form (a) and the series sandwich (c), on the same points around the
// switch: both enclose F, so they must overlap, and both are narrow there.
TEST(LogQuadratic, ClosedFormAndSeriesAgree) {
  for (const auto& [m, s] : std::vector<std::array<double, 2>>{
           {20, 0}, {15, 175}, {0, 400}, {-30, 0.5}, {9, 900}, {40, 1e-3}, {25, 100}, {12, 300}}) {
    const I a = in::log_quadratic_mean(m, s, in::LogQuadMethod::closed_form);
    const I b = in::log_quadratic_mean(m, s, in::LogQuadMethod::series);
    EXPECT_LE(a.lower(), b.upper()) << "m = " << m << " s = " << s;
    EXPECT_LE(b.lower(), a.upper()) << "m = " << m << " s = " << s;
    EXPECT_LT(a.upper() - a.lower(), 1e-12) << "closed form at m = " << m << " s = " << s;
    EXPECT_LT(b.upper() - b.lower(), 2e-8) << "series at m = " << m << " s = " << s;
  }
}

// LYAPND-VEC-14 (b): the box enclosure contains the point enclosures (and the quadrature) at points of the box.
TEST(LogQuadratic, BoxContainsSampledPoints) {
  std::mt19937_64 g(lyapcert::test::test_seed(20261209));
  std::uniform_real_distribution<double> un(0, 1);
  for (int box = 0; box < 12; ++box) {
    const double m0 = -4 + 8 * un(g), dm = 0.5 * un(g), s0 = box % 3 == 0 ? 0.0 : 3 * un(g), ds = 0.5 * un(g);
    const I enc = in::log_quadratic_mean_box(I(m0, m0 + dm), I(s0, s0 + ds));
    for (int i = 0; i < 6; ++i) {
      const double m = m0 + dm * un(g), s = s0 + ds * un(g);
      const I f = in::log_quadratic_mean(m, s);
      // (the 1e-12 slack only covers the enclosures' own widths, about 1e-14, should a point fall next to a corner)
      EXPECT_LE(enc.lower(), f.lower() + 1e-12) << "box " << box << " m = " << m << " s = " << s;
      EXPECT_GE(enc.upper(), f.upper() - 1e-12) << "box " << box << " m = " << m << " s = " << s;
      EXPECT_TRUE(within(enc, reference_f(m, s), 1e-10));
    }
  }
}

// LYAPND-VEC-15: E[log G(A v) | x] against a Monte Carlo mean over eps of log G(A v), A = I + lr J(y x^T) built here
// from y = k x_1 + sigma eps (gamma = 0), for G = Q of LYAPND-VEC-9 and G = I, at the bottom eigenvector of E[J]
// and two other directions, at three points x. 200 000 samples each, 6 standard errors (18 comparisons).
TEST(LogQuadratic, ConditionalMatchesMonteCarlo) {
  const laws::VectorSaddle law = std::get<laws::VectorSaddle>(laws::parse_matrix_law("vector(1, 2, 1/100, 1, 5/2)").node);
  const double lr = 0.01, k = 1, sigma = 2.5;
  Eigen::Matrix3d Q = Eigen::Matrix3d::Zero();
  {
    Eigen::Vector3d e(1, 1, 0), e3(0, 0, 1);
    e /= std::sqrt(2.0);
    Q = e * e.transpose() + 0.03 * e3 * e3.transpose() + 1e-4 * Eigen::Matrix3d::Identity();
  }
  std::mt19937_64 g(lyapcert::test::test_seed(20261210));
  std::normal_distribution<double> n01;
  const std::array<std::array<double, 3>, 3> dirs = {{{std::sqrt(0.5), -std::sqrt(0.5), 0}, {0.6, -0.5, 0.3}, {0.2, 0.9, -0.4}}};
  const std::array<std::array<double, 2>, 3> xs = {{{0.7, -1.3}, {2.1, 0.4}, {-0.2, 0.05}}};
  for (int which = 0; which < 2; ++which) {
    const Eigen::Matrix3d G = which == 0 ? Q : Eigen::Matrix3d::Identity();
    std::array<std::array<double, 3>, 3> Ga{};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) Ga[i][j] = G(i, j);
    for (const auto& d : dirs)
      for (const auto& x : xs) {
        const I enc = in::vec_conditional_log_form(law, Ga, d, x[0], x[1]);
        const Eigen::Vector3d v(d[0], d[1], d[2]);
        const Eigen::Vector2d xv(x[0], x[1]);
        const int n = 200000;
        double sum = 0, sum2 = 0;
        for (int i = 0; i < n; ++i) {
          const double y = k * x[0] + sigma * n01(g);
          Eigen::Matrix3d B = Eigen::Matrix3d::Identity();
          B.block<1, 2>(0, 1) = lr * y * xv.transpose();
          B.block<2, 1>(1, 0) = lr * y * xv;
          const Eigen::Vector3d bv = B * v;
          const double l = std::log(bv.dot(G * bv));
          sum += l;
          sum2 += l * l;
        }
        const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
        EXPECT_TRUE(enc.lower() - 6 * se <= mean && mean <= enc.upper() + 6 * se)
            << (which == 0 ? "G = Q" : "G = I") << " v = (" << d[0] << ", " << d[1] << ", " << d[2] << ") x = (" << x[0]
            << ", " << x[1] << "): [" << enc.lower() << ", " << enc.upper() << "] vs " << mean << " +- " << se;
        EXPECT_LT(enc.upper() - enc.lower(), 2e-8);
      }
  }
}

// LYAPND-VEC-16: the tail bound against a Monte Carlo mean of |log G(A v)| 1{max |x_i| > L} (G = Q of LYAPND-VEC-9
// and G = I, A built here) at L = 0.5 and 1.5, where the event has probability 0.85 and 0.25: the bound must not be
// below the estimate minus 6 standard errors. At L = 9 it is small (what an outer rule on [-9, 9]^2 needs).
TEST(LogQuadratic, TailAboveMonteCarlo) {
  const laws::VectorSaddle law = std::get<laws::VectorSaddle>(laws::parse_matrix_law("vector(1, 2, 1/100, 1, 5/2)").node);
  const double lr = 0.01, k = 1, sigma = 2.5;
  Eigen::Vector3d e(1, 1, 0), e3(0, 0, 1);
  e /= std::sqrt(2.0);
  const Eigen::Matrix3d Q = e * e.transpose() + 0.03 * e3 * e3.transpose() + 1e-4 * Eigen::Matrix3d::Identity();
  std::mt19937_64 g(lyapcert::test::test_seed(20261211));
  std::normal_distribution<double> n01;
  for (int which = 0; which < 2; ++which) {
    const Eigen::Matrix3d G = which == 0 ? Q : Eigen::Matrix3d::Identity();
    const double lmin = which == 0 ? 1e-4 : 1, lmax = which == 0 ? 1.0001 : 1;
    for (double L : {0.5, 1.5}) {
      const double bound = in::vec_log_form_tail(law, lmin, lmax, L);
      for (const Eigen::Vector3d& v : {Eigen::Vector3d(std::sqrt(0.5), -std::sqrt(0.5), 0), Eigen::Vector3d(0.6, -0.48, 0.64)}) {
        const int n = 200000;
        double sum = 0, sum2 = 0;
        for (int i = 0; i < n; ++i) {
          const Eigen::Vector2d x(n01(g), n01(g));
          const double y = k * x(0) + sigma * n01(g);
          if (std::max(std::abs(x(0)), std::abs(x(1))) <= L) continue;
          Eigen::Matrix3d B = Eigen::Matrix3d::Identity();
          B.block<1, 2>(0, 1) = lr * y * x.transpose();
          B.block<2, 1>(1, 0) = lr * y * x;
          const Eigen::Vector3d bv = B * v;
          const double l = std::abs(std::log(bv.dot(G * bv)));
          sum += l;
          sum2 += l * l;
        }
        const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
        EXPECT_GE(bound, mean - 6 * se) << "L = " << L << " G " << which << ": bound " << bound << " vs " << mean;
      }
    }
    const double b9 = in::vec_log_form_tail(law, lmin, lmax, 9);
    EXPECT_LT(b9, 1e-7);
    EXPECT_GT(b9, 0);
    EXPECT_LT(b9, in::vec_log_form_tail(law, lmin, lmax, 8));
  }
}

// The box version of the conditional mean contains the point values at points of the box (cells of x, boxes of
// directions), and is narrow on a small box.
TEST(LogQuadratic, ConditionalBoxContainsPoints) {
  const laws::VectorSaddle law = std::get<laws::VectorSaddle>(laws::parse_matrix_law("vector(1, 2, 1/50, 1, 3/2)").node);
  const std::array<std::array<double, 3>, 3> Q = {{{0.5002, 0.5, 0}, {0.5, 0.5002, 0}, {0, 0, 0.0502}}};
  std::mt19937_64 g(lyapcert::test::test_seed(20261212));
  std::uniform_real_distribution<double> un(0, 1);
  for (int box = 0; box < 10; ++box) {
    const double h = box < 5 ? 0.05 : 1e-4;
    std::array<double, 3> v0 = {0.7 + 0.1 * un(g), -0.7 + 0.1 * un(g), 0.3 * un(g)};
    const double x10 = -2 + 4 * un(g), x20 = -2 + 4 * un(g);
    const std::array<I, 3> vb = {I(v0[0], v0[0] + h), I(v0[1], v0[1] + h), I(v0[2], v0[2] + h)};
    const I enc = in::vec_conditional_log_form_box(law, Q, vb, I(x10, x10 + h), I(x20, x20 + h));
    for (int i = 0; i < 5; ++i) {
      const std::array<double, 3> v = {v0[0] + h * un(g), v0[1] + h * un(g), v0[2] + h * un(g)};
      const I f = in::vec_conditional_log_form(law, Q, v, x10 + h * un(g), x20 + h * un(g));
      // (1e-12: the point enclosure's own width; the box enclosure is wider by far more on every box)
      EXPECT_LE(enc.lower(), f.lower() + 1e-12) << "box " << box;
      EXPECT_GE(enc.upper(), f.upper() - 1e-12) << "box " << box;
    }
    // On the small boxes the function itself varies by about 0.01 (its gradient in v is about 2 |Q v| / Q(v), of
    // order 20 here, times 3 coordinates of width 1e-4): the enclosure stays within a small factor of that.
    if (h < 1e-3) EXPECT_LT(enc.upper() - enc.lower(), 0.1) << "box " << box;
  }
}

// LYAPND-VEC-17: the Faddeeva form of the derivative along a curve of directions against the difference quotient of
// the conditional mean itself (the 2F2 / erfc closed form of LYAPND-VEC-14), Richardson-extrapolated, in interval
// arithmetic: D(h) = [f(t + h) - f(t - h)] / (2 h) with f's enclosures, R = (4 D(h/2) - D(h))/3 (error O(h^4)).
TEST(LogQuadratic, DerivativeMatchesDifferenceQuotient) {
  const laws::VectorSaddle law = std::get<laws::VectorSaddle>(laws::parse_matrix_law("vector(1, 2, 1/100, 1, 5/2)").node);
  const std::array<std::array<double, 3>, 3> Q = {{{0.5001, 0.5, 0}, {0.5, 0.5001, 0}, {0, 0, 0.0301}}};
  const std::array<std::array<double, 3>, 3> Id = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  const double r2 = std::sqrt(0.5);
  const std::array<double, 3> eb = {r2, -r2, 0}, e = {r2, r2, 0}, e3 = {0, 0, 1};
  int checked = 0;
  for (const auto* G : {&Q, &Id})
    for (const auto* v1 : {&e3, &e})
      for (double t0 : {0.05, 0.3})
        for (const auto& x : std::vector<std::array<double, 2>>{{0.7, -1.3}, {2.1, 0.4}}) {
          auto curve = [&](double t) {
            return std::array<double, 3>{std::cos(t) * eb[0] + std::sin(t) * (*v1)[0],
                                         std::cos(t) * eb[1] + std::sin(t) * (*v1)[1],
                                         std::cos(t) * eb[2] + std::sin(t) * (*v1)[2]};
          };
          auto f = [&](double t) { return in::vec_conditional_log_form(law, *G, curve(t), x[0], x[1]); };
          auto dq = [&](double h) { return (f(t0 + h) - f(t0 - h)) / I(2 * h); };
          const double h = 1e-4;
          const I rich = (I(4.0) * dq(h / 2) - dq(h)) / I(3.0);
          const std::array<double, 3> dv = {-std::sin(t0) * eb[0] + std::cos(t0) * (*v1)[0],
                                            -std::sin(t0) * eb[1] + std::cos(t0) * (*v1)[1],
                                            -std::sin(t0) * eb[2] + std::cos(t0) * (*v1)[2]};
          const I d = in::vec_conditional_log_form_derivative(law, *G, curve(t0), dv, x[0], x[1]);
          ASSERT_TRUE(std::isfinite(d.lower()) && std::isfinite(d.upper()));
          EXPECT_LE(d.lower(), rich.upper() + 1e-7) << "t0 = " << t0 << " x = (" << x[0] << ", " << x[1] << ")";
          EXPECT_GE(d.upper(), rich.lower() - 1e-7) << "t0 = " << t0 << " x = (" << x[0] << ", " << x[1] << ")";
          EXPECT_LT(d.upper() - d.lower(), 1e-8 * std::max(1.0, std::abs(d.lower())));
          if (rich.upper() - rich.lower() < 1e-5) ++checked;
        }
  // Most difference quotients are narrow (the closed-form branch); the series branch's 1e-8 width is too coarse
  // for a quotient at h = 1e-4 and makes a few of them uninformative.
  EXPECT_GE(checked, 8);
}

// Bad input: the conditional mean is defined for q = 1, d = 2, S = 1, sigma > 0 only.
TEST(LogQuadratic, ConditionalRejectsOtherLaws) {
  const std::array<std::array<double, 3>, 3> G = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  for (const char* text : {"vector(2, 2, 1/100, 1, 1)", "vector(1, 2, 1/100, 1, 1, batch=4)", "vector(1, 2, 1/100, 1, 0)"}) {
    const laws::VectorSaddle law = std::get<laws::VectorSaddle>(laws::parse_matrix_law(text).node);
    EXPECT_THROW(in::vec_conditional_log_form(law, G, {1, 0, 0}, 0.5, 0.5), lyapcert::InputError) << text;
  }
}
