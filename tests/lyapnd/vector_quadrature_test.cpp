// The certified outer integral E log G(A v) of the quadrature route (LYAPND-VEC-18 .. -20,
// lyapnd/internal/vector_quadrature) for vector(1, 2, ...), S = 1, against computations written here independently of
// the library: a seeded Monte Carlo mean of log G(A v) over (x, eps) with A built from sampled (x, y), and a
// high-order quadrature in long double (polar coordinates in x, panels split at the kink angle, the inner mean over
// eps by a composite Gauss-Legendre rule of the defining integral with the quadratic's coefficients taken from
// matrices built here). Both at a generic direction and at the bottom eigenvector of E[J], where Gamma has a kink
// along a line of x.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/log_quadratic.hpp"
#include "lyapcert/lyapnd/internal/vector_quadrature.hpp"
#include "support/seed.hpp"

namespace laws = lyapcert::laws;
namespace in = lyapcert::lyapnd::internal;
using I = lyapcert::fast::OutwardInterval;

namespace {

constexpr long double kPi = 3.141592653589793238462643383279502884L;

// Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n, long double).
struct GaussLegendre {
  std::vector<long double> x, w;
  explicit GaussLegendre(int n) {
    for (int i = 1; i <= n; ++i) {
      long double z = std::cos(kPi * (i - 0.25L) / (n + 0.5L)), dp = 0;
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

// E log((eps - m)^2 + s) by quadrature of the defining integral. For |m| <= 13: split at eps = m, substitute
// eps = m +- u^2 (the log singularity at s = 0 becomes u log u), geometric panels near u = 0, uniform panels of width
// 1/10 beyond. For |m| > 13 the integrand is smooth on [-12, 12] (|eps - m| > 1 there): uniform panels of width 1/2.
// The rest of the Gaussian weighs below 1e-30.
long double reference_f(long double m, long double s) {
  static const GaussLegendre gl(10);
  auto phi = [&](long double e) { return std::exp(-e * e / 2) / std::sqrt(2 * kPi); };
  long double sum = 0;
  if (std::fabs(m) > 13) {
    for (int i = 0; i < 48; ++i) {
      const long double h = 0.25L, c = -12 + h * (2 * i + 1);
      for (std::size_t j = 0; j < gl.x.size(); ++j) {
        const long double e = c + h * gl.x[j];
        sum += h * gl.w[j] * phi(e) * std::log((e - m) * (e - m) + s);
      }
    }
    return sum;
  }
  auto g = [&](long double u) {
    const long double t = u * u;
    return 2 * u * (phi(m + t) + phi(m - t)) * std::log(t * t + s);
  };
  std::vector<long double> edges;
  for (long double u = 1e-9L; u < 0.1L; u *= 2) edges.push_back(u);
  const long double top = std::sqrt(std::fabs(m) + 14);
  for (long double u = 0.1L; u < top; u += 0.1L) edges.push_back(u);
  edges.push_back(top);
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    const long double a = edges[i], b = edges[i + 1], h = (b - a) / 2, c = (a + b) / 2;
    for (std::size_t j = 0; j < gl.x.size(); ++j) sum += h * gl.w[j] * g(c + h * gl.x[j]);
  }
  return sum;
}

struct Case {
  laws::VectorSaddle law;
  double lr, k, sigma;
  Eigen::Matrix3d G;
  std::array<std::array<double, 3>, 3> Ga;
  double lmin, lmax;
};

Case make_case(const char* law_text, double lr, double k, double sigma, const Eigen::Matrix3d& G) {
  Case s{std::get<laws::VectorSaddle>(laws::parse_matrix_law(law_text).node), lr, k, sigma, G, {}, 0, 0};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) s.Ga[i][j] = G(i, j);
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> es(G);
  s.lmin = es.eigenvalues()(0) * (1 - 1e-12);
  s.lmax = es.eigenvalues()(2) * (1 + 1e-12);
  return s;
}

// B = I + lr J(y x^T) (c = 1: gamma = 0).
Eigen::Matrix3d make_b(const Case& s, const Eigen::Vector2d& x, double y) {
  Eigen::Matrix3d B = Eigen::Matrix3d::Identity();
  B.block<1, 2>(0, 1) = s.lr * y * x.transpose();
  B.block<2, 1>(1, 0) = s.lr * y * x;
  return B;
}

// E[log G(B v) | x] from the quadratic q(eps) = G(B v) read off matrices built at eps = 0 and eps = 1, with the
// reference quadrature for E log((eps - m)^2 + nu).
long double reference_gamma(const Case& s, const Eigen::Vector3d& v, const Eigen::Vector2d& x) {
  const Eigen::Vector3d b0 = make_b(s, x, s.k * x(0)) * v;
  const Eigen::Vector3d b1 = make_b(s, x, s.k * x(0) + s.sigma) * v - b0;
  const long double al = b1.dot(s.G * b1), be = b0.dot(s.G * b1), ga = b0.dot(s.G * b0);
  const long double m = -be / al;
  long double nu = ga / al - m * m;
  if (nu < 0) nu = 0;
  return std::log(al) + reference_f(m, nu);
}

// E log G(A v) by polar coordinates x = rho (cos t, sin t): Gamma(-x) = Gamma(x) ((x, eps) -> (-x, -eps) keeps A), so
// t runs over [0, pi) in panels of width pi/12 whose edges include t = 0 (the kink line of the bottom eigenvector),
// rho over [0, 10] in panels of width 1, 8 nodes each; the rest of the plane weighs below 1e-21.
long double reference_mean(const Case& s, const Eigen::Vector3d& v) {
  static const GaussLegendre gl(8);
  long double sum = 0;
  const int nt = 12, nr = 10;
  for (int it = 0; it < nt; ++it)
    for (std::size_t a = 0; a < gl.x.size(); ++a) {
      const long double ht = kPi / nt / 2, t = ht * (2 * it + 1) + ht * gl.x[a];
      for (int ir = 0; ir < nr; ++ir)
        for (std::size_t b = 0; b < gl.x.size(); ++b) {
          const long double hr = 0.5L, r = hr * (2 * ir + 1) + hr * gl.x[b];
          const Eigen::Vector2d x(static_cast<double>(r * std::cos(t)), static_cast<double>(r * std::sin(t)));
          const long double w = ht * gl.w[a] * hr * gl.w[b] * r * std::exp(-r * r / 2) / kPi;
          sum += w * reference_gamma(s, v, x);
        }
    }
  return sum;
}

// A seeded Monte Carlo mean of log G(B v) and its standard error.
std::pair<double, double> monte_carlo(const Case& s, const Eigen::Vector3d& v, int n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n01;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector2d x(n01(g), n01(g));
    const double y = s.k * x(0) + s.sigma * n01(g);
    const Eigen::Vector3d bv = make_b(s, x, y) * v;
    const double l = std::log(bv.dot(s.G * bv));
    sum += l;
    sum2 += l * l;
  }
  const double mean = sum / n;
  return {mean, std::sqrt((sum2 / n - mean * mean) / n)};
}

Eigen::Matrix3d q_form(double a, double b) {
  Eigen::Vector3d e(1, 1, 0), e3(0, 0, 1);
  e /= std::sqrt(2.0);
  return e * e.transpose() + a * e3 * e3.transpose() + b * Eigen::Matrix3d::Identity();
}

}  // namespace

// LYAPND-VEC-18: the 2 x 2 reduction (rotated coordinates, one evaluation of F and the Lipschitz bound) against the
// direct conditional mean of LYAPND-VEC-15 at points, for the bottom eigenvector (where the rotation is the identity
// up to rounding and alpha gamma - beta^2 vanishes on x_2 = 0) and generic directions: both contain the true value, so
// they must overlap, and the reduced one must be narrow (its width comes from the enclosures of m and r, times sqrt(2 pi)).
TEST(VectorQuadrature, ReducedMatchesConditional) {
  const Case s = make_case("vector(1, 2, 1/100, 1, 5/2)", 0.01, 1, 2.5, q_form(0.03, 1.125e-4));
  std::mt19937_64 g(lyapcert::test::test_seed(20261220));
  std::normal_distribution<double> n01;
  const std::array<std::array<double, 3>, 3> dirs = {
      {{std::sqrt(0.5), -std::sqrt(0.5), 0}, {0.6, -0.48, 0.64}, {0.2, 0.9, -0.4}}};
  for (const auto& Ga : {s.Ga, std::array<std::array<double, 3>, 3>{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}})
    for (const auto& d : dirs)
      for (int i = 0; i < 40; ++i) {
        const double x1 = 3 * n01(g), x2 = i % 4 == 0 ? 1e-3 * n01(g) : 3 * n01(g);
        const I a = in::vec_log_form_reduced(s.law, Ga, d, x1, x2);
        const I b = in::vec_conditional_log_form(s.law, Ga, d, x1, x2);
        EXPECT_TRUE(a.lower() <= b.upper() && b.lower() <= a.upper())
            << "v = (" << d[0] << ", " << d[1] << ", " << d[2] << ") x = (" << x1 << ", " << x2 << "): [" << a.lower()
            << ", " << a.upper() << "] vs [" << b.lower() << ", " << b.upper() << "]";
        EXPECT_LT(a.upper() - a.lower(), 5e-8) << x1 << " " << x2;
      }
}

// The certified E log G(A v) (cell_tol 1e-7) against the long-double polar quadrature (tolerance 1e-8, far above the
// reference's own error) and a seeded Monte Carlo with 2 10^6 samples (6 standard errors), for G = Q of LYAPND-VEC-9 and G = I, at the
// bottom eigenvector (the kink case: the rank-one substitute of LYAPND-VEC-20 is used) and at a generic direction.
// Disabled: even with cell_tol 1e-7 the outer rule needs several 10^3 cells (minutes of CPU) at these points, far
// beyond the fast-test budget (measured with cell_tol 1e-7: 40 s, 7006 rule cells, width 1.5e-4 for G = Q at e_b;
// docs/lyapnd.md). Run it with --gtest_also_run_disabled_tests.
TEST(VectorQuadrature, DISABLED_MeanMatchesQuadratureAndMonteCarlo) {
  const Case sq = make_case("vector(1, 2, 1/100, 1, 5/2)", 0.01, 1, 2.5, q_form(0.03, 1.125e-4));
  const Case si = make_case("vector(1, 2, 1/100, 1, 5/2)", 0.01, 1, 2.5, Eigen::Matrix3d::Identity());
  const std::array<std::array<double, 3>, 2> dirs = {{{std::sqrt(0.5), -std::sqrt(0.5), 0}, {0.6, -0.48, 0.64}}};
  std::uint64_t seed = lyapcert::test::test_seed(20261221);
  for (const Case* s : {&sq, &si})
    for (std::size_t di = 0; di < dirs.size(); ++di) {
      const auto& d = dirs[di];
      const Eigen::Vector3d v(d[0], d[1], d[2]);
      in::VecLogFormOptions opt;
      opt.cell_tol = 1e-7;
      const in::VecLogFormResult res = in::vec_log_form_mean(s->law, s->Ga, s->lmin, s->lmax, d, opt);
      ASSERT_TRUE(res.complete);
      EXPECT_EQ(res.rank_one, di == 0);
      EXPECT_LT(res.value.upper() - res.value.lower(), 1e-3)
          << "rule " << res.rule_cells << " box " << res.box_cells << " l2 " << res.l2_cells;
      const long double ref = reference_mean(*s, v);
      EXPECT_TRUE(res.value.lower() - 1e-8 <= ref && ref <= res.value.upper() + 1e-8)
          << "v " << di << ": [" << res.value.lower() << ", " << res.value.upper() << "] vs quadrature "
          << static_cast<double>(ref);
      const auto [mean, se] = monte_carlo(*s, v, 2000000, seed++);
      EXPECT_TRUE(res.value.lower() - 6 * se <= mean && mean <= res.value.upper() + 6 * se)
          << "v " << di << ": [" << res.value.lower() << ", " << res.value.upper() << "] vs Monte Carlo " << mean
          << " +- " << se;
    }
}

// Outside the hypotheses: other laws, a direction with u = 0, bad options.
TEST(VectorQuadrature, RejectsBadInput) {
  const Case s = make_case("vector(1, 2, 1/100, 1, 5/2)", 0.01, 1, 2.5, Eigen::Matrix3d::Identity());
  const auto other = std::get<laws::VectorSaddle>(laws::parse_matrix_law("vector(2, 2, 1/100, 1, 5/2)").node);
  EXPECT_THROW(in::vec_log_form_mean(other, s.Ga, 1, 1, {0.6, 0.8, 0}), lyapcert::InputError);
  EXPECT_THROW(in::vec_log_form_mean(s.law, s.Ga, 1, 1, {0, 0.6, 0.8}), lyapcert::InputError);
  in::VecLogFormOptions bad;
  bad.nodes = 1;
  EXPECT_THROW(in::vec_log_form_mean(s.law, s.Ga, 1, 1, {0.6, 0.8, 0}, bad), lyapcert::InputError);
}

