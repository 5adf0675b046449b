// The moment form of the Poisson bound LYAPND-VEC-9 for the vector law (LYAPND-VEC-10 .. -13,
// lyapnd/internal/vector_moments): the certified moments against the exact entry moments of LYAPND-VEC-3 and
// against a seeded Monte Carlo of u^j, w^j computed from sampled matrices, the tail constant against a Monte Carlo
// mean, box bounds against binary64 evaluations at sampled directions, and one certified small-lr lower bound
// against a long Monte Carlo run of the product.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/vector_moments.hpp"
#include "lyapcert/lyapnd/vector.hpp"
#include "support/seed.hpp"

namespace laws = lyapcert::laws;
namespace in = lyapcert::lyapnd::internal;
using lyapcert::exact::Rational;

namespace {

laws::VectorSaddle law_of(const std::string& text) {
  return std::get<laws::VectorSaddle>(laws::parse_matrix_law(text).node);
}

// Q of LYAPND-VEC-9 as a matrix (written out here from the claim's formulas, independently of the library).
Eigen::MatrixXd q_of(int q, const in::VecPoissonParams& par) {
  if (q == 1) {
    Eigen::Vector3d e(1, 1, 0), e3(0, 0, 1);
    e /= std::sqrt(2.0);
    return e * e.transpose() + par.a * e3 * e3.transpose() + par.b * Eigen::Matrix3d::Identity();
  }
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(4, 4);
  for (int i = 0; i < 2; ++i) p(i, i) = p(i + 2, i + 2) = p(i, i + 2) = p(i + 2, i) = 0.5;
  return p + par.b * Eigen::MatrixXd::Identity(4, 4);
}

// One sampled B = I + lr J(M), M = y x^T, y = k P x + sigma eps (gamma = 0).
Eigen::MatrixXd sample_b(std::mt19937_64& g, int q, int d, double lr, double k, double sigma) {
  std::normal_distribution<double> n01;
  Eigen::VectorXd x(d), y(q);
  for (int b = 0; b < d; ++b) x(b) = n01(g);
  for (int a = 0; a < q; ++a) y(a) = k * x(a) + sigma * n01(g);
  Eigen::MatrixXd B = Eigen::MatrixXd::Identity(q + d, q + d);
  B.topRightCorner(q, d) = lr * y * x.transpose();
  B.bottomLeftCorner(d, q) = lr * x * y.transpose();
  return B;
}

bool contains(double lo, double hi, const Rational& r) {
  lyapcert::exact::Ball b = lyapcert::exact::Ball::from_rational(r, 256), l, h;
  arb_set_d(l.get(), lo);
  arb_set_d(h.get(), hi);
  return arb_le(l.get(), b.get()) && arb_le(b.get(), h.get());
}

}  // namespace

// E u and E w against E[A_ij A_kl] of LYAPND-VEC-3 (exact rationals, an independent derivation): with A = I + lr J,
// E|A v|^2 = sum_i sum_jl v_j v_l E[A_ij A_il], E Q(A v) = sum_ik Q_ik sum_jl v_j v_l E[A_ij A_kl]. Dyadic v and Q.
TEST(VectorMoments, FirstMomentsMatchExactEntryMoments) {
  for (const char* text : {"vector(1, 2, 1/10, 1, 3/2)", "vector(2, 2, 1/8, 1, 1/2)", "vector(1, 2, 1/100, 3/2, 5)"}) {
    const laws::VectorSaddle v = law_of(text);
    const int n = v.q + v.d;
    const in::VecPoissonParams par{0.25, 0.125, 2};
    const Eigen::MatrixXd Qd = q_of(v.q, par);
    const std::array<double, 4> dir = {0.5, -0.25, 0.75, v.q == 2 ? 0.375 : 0.0};
    const lyapcert::lyapnd::EntryMoments em = lyapcert::lyapnd::vector_entry_moments(v);
    auto E2 = [&](int i, int j, int k, int l) { return em.second[static_cast<std::size_t>(((i * n + j) * n + k) * n + l)]; };
    Rational av(0), qav(0), vv(0), qv(0);
    for (int i = 0; i < n; ++i) {
      vv += Rational(dir[i]) * Rational(dir[i]);
      for (int k = 0; k < n; ++k) {
        qv += Rational(Qd(i, k)) * Rational(dir[i]) * Rational(dir[k]);
        for (int j = 0; j < n; ++j)
          for (int l = 0; l < n; ++l) {
            const Rational t = Rational(dir[j]) * Rational(dir[l]) * E2(i, j, k, l);
            if (i == k) av += t;
            qav += Rational(Qd(i, k)) * t;
          }
      }
    }
    const Rational ew = av / vv - 1, eu = qav / qv - 1;
    const in::VecMomentEnclosure enc = in::vec_moment_enclosure(v, par, dir);
    EXPECT_TRUE(contains(enc.w[1][0], enc.w[1][1], ew)) << text << " E w in [" << enc.w[1][0] << ", " << enc.w[1][1] << "]";
    EXPECT_TRUE(contains(enc.u[1][0], enc.u[1][1], eu)) << text << " E u in [" << enc.u[1][0] << ", " << enc.u[1][1] << "]";
    EXPECT_LT(enc.u[1][1] - enc.u[1][0], 1e-12);
  }
}

// E u^j (j <= 4), E w^j (j <= 3) against a seeded Monte Carlo of the same powers computed from sampled matrices B v
// (6 standard errors).
TEST(VectorMoments, MomentsMatchMonteCarlo) {
  std::mt19937_64 g(lyapcert::test::test_seed(20261207));
  for (int q : {1, 2}) {
    const laws::VectorSaddle v = law_of(q == 1 ? "vector(1, 2, 1/10, 1, 1)" : "vector(2, 2, 1/10, 1, 1)");
    const in::VecPoissonParams par{0.3, 0.05, 2};
    const Eigen::MatrixXd Q = q_of(q, par);
    const std::array<double, 4> dir = in::vec_direction(q, 0.7, 1.1);
    Eigen::VectorXd vv(q + 2);
    for (int i = 0; i < q + 2; ++i) vv(i) = dir[i];
    const double qv = vv.dot(Q * vv), nv = vv.squaredNorm();
    const int samples = 150000;
    double su[5] = {0}, su2[5] = {0}, sw[4] = {0}, sw2[4] = {0};
    for (int s = 0; s < samples; ++s) {
      const Eigen::VectorXd bv = sample_b(g, q, 2, 0.1, 1.0, 1.0) * vv;
      const double u = bv.dot(Q * bv) / qv - 1, w = bv.squaredNorm() / nv - 1;
      for (int j = 1; j <= 4; ++j) {
        su[j] += std::pow(u, j);
        su2[j] += std::pow(u, 2 * j);
      }
      for (int j = 1; j <= 3; ++j) {
        sw[j] += std::pow(w, j);
        sw2[j] += std::pow(w, 2 * j);
      }
    }
    const in::VecMomentEnclosure enc = in::vec_moment_enclosure(v, par, dir);
    auto check = [&](double sum, double sum2, const std::array<double, 2>& e, const char* what, int j) {
      const double m = sum / samples, se = std::sqrt(std::max(sum2 / samples - m * m, 0.0) / samples);
      EXPECT_LE(e[0] - 6 * se, m) << "q = " << q << " " << what << "^" << j;
      EXPECT_GE(e[1] + 6 * se, m) << "q = " << q << " " << what << "^" << j;
      EXPECT_LT(e[1] - e[0], 1e-9 * (1 + std::fabs(m)));
    };
    for (int j = 1; j <= 4; ++j) check(su[j], su2[j], enc.u[j], "u", j);
    for (int j = 1; j <= 3; ++j) check(sw[j], sw2[j], enc.w[j], "w", j);
  }
}

// L_r^r of LYAPND-VEC-11 (d), (e) is above a Monte Carlo mean of (-log|1 - lr R|)_+^r (minus 6 standard errors).
TEST(VectorMoments, TailNormAboveMonteCarlo) {
  std::mt19937_64 g(lyapcert::test::test_seed(20261208));
  std::normal_distribution<double> n01;
  for (int q : {1, 2}) {
    const laws::VectorSaddle v = law_of(q == 1 ? "vector(1, 2, 1/2, 1, 1)" : "vector(2, 2, 1/2, 1, 1)");
    const int samples = 200000;
    for (int r : {2, 4}) {
      double s1 = 0, s2 = 0;
      for (int s = 0; s < samples; ++s) {
        double x2 = 0, y2 = 0;
        double x[2] = {n01(g), n01(g)};
        x2 = x[0] * x[0] + x[1] * x[1];
        for (int a = 0; a < q; ++a) {
          const double y = x[a] + n01(g);
          y2 += y * y;
        }
        const double z = std::max(0.0, -std::log(std::fabs(1 - 0.5 * std::sqrt(x2 * y2))));
        s1 += std::pow(z, r);
        s2 += std::pow(z, 2 * r);
      }
      const double m = s1 / samples, se = std::sqrt(std::max(s2 / samples - m * m, 0.0) / samples);
      const double lr = in::vec_tail_norm_bound(v, r);
      EXPECT_GE(std::pow(lr, r), m - 6 * se) << "q = " << q << ", r = " << r;
      EXPECT_TRUE(std::isfinite(lr));
    }
  }
}

// The certified lower bound over a box is below the binary64 bound at every sampled direction of the box, and on
// a tiny box it is close to it (the mean-value form is not vacuous).
TEST(VectorMoments, BoxBoundBelowSampledMinimum) {
  struct Case {
    const char* law;
    in::VecPoissonParams par;
  };
  for (const Case& c : {Case{"vector(1, 2, 1/100, 1, 5/2)", {0.40552, 0.0367502, 7}},
                        Case{"vector(2, 2, 1/50, 1, 2)", {0, 0.02, 2.5}}}) {
    const laws::VectorSaddle v = law_of(c.law);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        const double a1 = 0.5 * i, a2 = 1.0 * j, w1 = 0.05, w2 = 0.1;
        const double box = in::vec_poisson_box_lower(v, c.par, a1, a1 + w1, a2, a2 + w2);
        double mn = INFINITY;
        for (int s = 0; s <= 4; ++s)
          for (int t = 0; t <= 4; ++t)
            mn = std::min(mn, in::vec_poisson_bound_at(v, c.par, in::vec_direction(v.q, a1 + w1 * s / 4, a2 + w2 * t / 4)));
        EXPECT_LE(box, mn + 1e-12) << c.law << " box at (" << a1 << ", " << a2 << ")";
        const double tiny = in::vec_poisson_box_lower(v, c.par, a1 + 0.01, a1 + 0.01 + 1e-7, a2, a2 + 1e-7);
        const double pt = in::vec_poisson_bound_at(v, c.par, in::vec_direction(v.q, a1 + 0.01, a2));
        EXPECT_LE(tiny, pt + 1e-12);
        EXPECT_GT(tiny, pt - 1e-6 * (1 + std::fabs(pt))) << c.law << " tiny box at (" << a1 << ", " << a2 << ")";
      }
  }
}

// A small-lr point that no determinant bound decides (lr = 1/100: E log|det A| < 0) is certified positive, and the
// bound is below a Monte Carlo estimate of Lambda from 10^6 steps of the product (20 batch means, 6 standard
// errors).
TEST(VectorMoments, CertifiedPositiveBelowMonteCarlo) {
  const laws::VectorSaddle v = law_of("vector(1, 2, 1/100, 1, 5/2)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  const in::VecPoissonResult r = in::vec_poisson_certify(v, {0.40552, 0.0367502, 7}, deadline);
  ASSERT_TRUE(r.certified) << r.note;
  EXPECT_GT(r.lower, 0);
  std::mt19937_64 g(lyapcert::test::test_seed(20261209));
  const int batches = 20, steps = 50000;
  Eigen::VectorXd z = Eigen::VectorXd::Ones(3).normalized();
  for (int t = 0; t < 10000; ++t) z = (sample_b(g, 1, 2, 0.01, 1, 2.5) * z).normalized();  // burn-in
  double sum = 0, sum2 = 0;
  for (int b = 0; b < batches; ++b) {
    double acc = 0;
    for (int t = 0; t < steps; ++t) {
      z = sample_b(g, 1, 2, 0.01, 1, 2.5) * z;
      const double nz = z.norm();
      acc += std::log(nz);
      z /= nz;
    }
    const double m = acc / steps;
    sum += m;
    sum2 += m * m;
  }
  const double mean = sum / batches, se = std::sqrt((sum2 / batches - mean * mean) / (batches - 1));
  EXPECT_LE(r.lower, mean + 6 * se) << "Monte Carlo Lambda = " << mean << " +- " << se;
  std::printf("certified lower %.4g, Monte Carlo Lambda %.5g +- %.2g (%zu boxes)\n", r.lower, mean, se, r.boxes);
}
