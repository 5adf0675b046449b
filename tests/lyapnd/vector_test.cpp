// The vector two-layer saddle law vector(q, d, lr, k, sigma, batch=S, gamma=G) (proofs/lyapnd/vector.md):
// q = d = 1 against the certified scalar model (models::phase_at), the exact moments against the xy law and
// against sampled matrices, the determinant lower bound against a sample mean of log|det A| computed by Eigen
// from the built matrices, and the enclosure against a long Monte Carlo run of the product itself.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <complex>
#include <random>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/vector.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "lyapcert/sim/predict.hpp"
#include "support/seed.hpp"

using lyapcert::exact::Rational;
namespace laws = lyapcert::laws;
namespace lyap = lyapcert::lyap;
namespace lyapnd = lyapcert::lyapnd;
namespace models = lyapcert::models;

namespace {

double lo_of(const lyapcert::exact::Ball& b) {
  arf_t t;
  arf_init(t);
  arb_get_lbound_arf(t, b.get(), 53);
  const double v = arf_get_d(t, ARF_RND_DOWN);
  arf_clear(t);
  return v;
}
double hi_of(const lyapcert::exact::Ball& b) {
  arf_t t;
  arf_init(t);
  arb_get_ubound_arf(t, b.get(), 53);
  const double v = arf_get_d(t, ARF_RND_UP);
  arf_clear(t);
  return v;
}

// One sampled multiplier A of vector(q, d, lr, k, sigma, batch=S, gamma=G), built as the simulator's model states
// it (y_a = k x_a for a < min(q, d) plus sigma eps_a), independently of the library's formulas.
Eigen::MatrixXd sample_a(std::mt19937_64& g, int q, int d, double lr, double k, double sigma, int S, double gamma) {
  std::normal_distribution<double> n01;
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(q, d);
  for (int j = 0; j < S; ++j) {
    Eigen::VectorXd x(d), y(q);
    for (int b = 0; b < d; ++b) x(b) = n01(g);
    for (int a = 0; a < q; ++a) y(a) = (a < std::min(q, d) ? k * x(a) : 0.0) + sigma * n01(g);
    M += y * x.transpose() / S;
  }
  const double c = 1 - lr * gamma;
  Eigen::MatrixXd A = c * Eigen::MatrixXd::Identity(q + d, q + d);
  A.topRightCorner(q, d) = lr * M;
  A.bottomLeftCorner(d, q) = lr * M.transpose();
  return A;
}

lyapnd::Result certify(const std::string& text, int digits = 4, double budget = 60) {
  lyapnd::Options o;
  o.acc = lyap::Accuracy{digits, 4096};
  o.time_budget_seconds = budget;
  return lyapnd::certify_lyapnd(laws::parse_matrix_law(text), o);
}

}  // namespace

TEST(VectorLaw, ParsesAndRejectsBadInput) {
  const laws::MatrixLaw m = laws::parse_matrix_law("vector(1, 2, 1/10, 1, 3, batch=2, gamma=1/4)");
  EXPECT_EQ(m.dim, 3);
  const auto& v = std::get<laws::VectorSaddle>(m.node);
  EXPECT_EQ(v.q, 1);
  EXPECT_EQ(v.d, 2);
  EXPECT_EQ(v.lr, Rational(1, 10));
  EXPECT_EQ(v.sigma2, Rational(9));
  EXPECT_EQ(v.batch, 2u);
  EXPECT_EQ(v.gamma, Rational(1, 4));
  const auto d = laws::parse_matrix_law("vector(q=2, d=2, lr=0.5, k=1, sigma=2)");
  EXPECT_EQ(std::get<laws::VectorSaddle>(d.node).batch, 1u);
  EXPECT_EQ(std::get<laws::VectorSaddle>(d.node).gamma, Rational(0));
  for (const char* bad : {"vector(0, 2, 1, 1, 1)", "vector(2, 3, 1, 1, 1)", "vector(1, 2, 0, 1, 1)",
                          "vector(1, 2, 1, 1, -1)", "vector(1, 2, 1, 1, 1, batch=0)", "vector(1, 2, 1, 1, 1, eta=1)",
                          "vector(1, 2, 1, 1, 1, 2)", "vector(1, 2, 1, 1)", "vector(3/2, 2, 1, 1, 1)",
                          "sgd(1, vector(1, 1, 1, 1, 1))"})
    EXPECT_THROW(laws::parse_matrix_law(bad), lyapcert::InputError) << bad;
}

// Proof: LYAPND-VEC-2 -- the vector law with q = d = 1 must reproduce the certified scalar model exactly.
TEST(VectorLaw, OneByOneIsExactlyTheScalarModel) {
  struct Case {
    Rational lr, k, sigma2;
    std::uint64_t S;
    Rational gamma;
    const char* sigma;
  };
  for (const Case& cs : {Case{Rational(1, 10), 1, 4, 1, 0, "2"}, Case{Rational(3, 100), 1, 100, 1, 0, "10"},
                         Case{Rational(2), 1, 9, 4, Rational(1, 10), "3"}, Case{Rational(1, 2), -2, 1, 2, 0, "1"}}) {
    models::TwoLayerModel m;
    m.k = cs.k;
    m.sigma2 = cs.sigma2;
    m.batch = cs.S;
    m.gamma = cs.gamma;
    const auto ph = models::phase_at(m, models::minibatch_curvature(m), cs.lr, lyap::Accuracy{20, 4096});
    const std::string text = "vector(1, 1, " + lyapcert::exact::to_text(cs.lr) + ", " + lyapcert::exact::to_text(cs.k) +
                             ", " + cs.sigma + ", batch=" + std::to_string(cs.S) +
                             ", gamma=" + lyapcert::exact::to_text(cs.gamma) + ")";
    const lyapnd::Result r = certify(text, 20);
    EXPECT_EQ(r.top.method, "vector");
    EXPECT_TRUE(r.top.converged) << text;
    EXPECT_FALSE(r.upper_bound_only);
    lyapcert::exact::Ball mx;
    arb_max(mx.get(), ph.lambda_plus.value.ball.get(), ph.lambda_minus.value.ball.get(), 256);
    EXPECT_TRUE(arb_overlaps(mx.get(), r.top.value.ball.get())) << text << " " << r.top.value.ball.debug_str();
    const lyap::Sign want = (ph.lambda_plus.value.sign == lyap::Sign::positive ||
                             ph.lambda_minus.value.sign == lyap::Sign::positive)
                                ? lyap::Sign::positive
                                : lyap::Sign::negative;
    EXPECT_EQ(r.top.value.sign, want) << text;
  }
}

// Proof: LYAPND-VEC-3 -- for q = d = 1, A = [[c, lr h], [lr h, c]] with h ~ xy: exact moments from the xy law.
TEST(VectorLaw, EntryMomentsOneByOneMatchXyMoments) {
  const laws::VectorSaddle v = std::get<laws::VectorSaddle>(
      laws::parse_matrix_law("vector(1, 1, 3/10, 2, 5/2, batch=3, gamma=1/2)").node);
  const auto h = laws::parse_curvature_law("xy(2, 5/2, batch=3)");  // the law's own moments, not the formula
  const Rational c = 1 - v.lr * v.gamma, lr = v.lr, mh = h.mean(), m2 = h.second_moment();
  const lyapnd::EntryMoments m = lyapnd::vector_entry_moments(v);
  ASSERT_EQ(m.d, 2);
  const Rational a[4] = {c, lr * mh, lr * mh, c};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(m.mean[i], a[i]) << i;
  // E[A_ij A_kl]: entries are c (diagonal) or lr h (off-diagonal).
  for (int ij = 0; ij < 4; ++ij)
    for (int kl = 0; kl < 4; ++kl) {
      const bool d1 = ij == 0 || ij == 3, d2 = kl == 0 || kl == 3;
      const Rational want = d1 && d2 ? Rational(c * c) : (d1 || d2) ? Rational(c * lr * mh) : Rational(lr * lr * m2);
      EXPECT_EQ(m.second[static_cast<std::size_t>(ij * 4 + kl)], want) << ij << " " << kl;
    }
}

// Proof: LYAPND-VEC-3 -- exact moments against sampled matrices (200000 samples; each check at 6 standard
// errors, so a correct formula fails with probability below 1e-7 per entry).
TEST(VectorLaw, EntryMomentsMatchMonteCarlo) {
  std::mt19937_64 g(lyapcert::test::test_seed(20261207));
  for (const char* text : {"vector(2, 2, 1/2, 1, 3/2, batch=1, gamma=1/5)", "vector(1, 2, 1, 1, 2, batch=3)",
                           "vector(2, 1, 1/3, 2, 1)", "vector(1, 3, 1/2, 1, 1)"}) {
    const laws::VectorSaddle v = std::get<laws::VectorSaddle>(laws::parse_matrix_law(text).node);
    const lyapnd::EntryMoments m = lyapnd::vector_entry_moments(v);
    const int n = v.q + v.d, nn = n * n;
    const int N = 200000;
    std::vector<double> s1(nn, 0), s2(nn * nn, 0), s4(nn * nn, 0);
    for (int t = 0; t < N; ++t) {
      const Eigen::MatrixXd A = sample_a(g, v.q, v.d, v.lr.convert_to<double>(), v.k.convert_to<double>(),
                                         std::sqrt(v.sigma2.convert_to<double>()), static_cast<int>(v.batch),
                                         v.gamma.convert_to<double>());
      for (int i = 0; i < nn; ++i) {
        const double ai = A(i / n, i % n);
        s1[i] += ai;
        for (int j = 0; j < nn; ++j) {
          const double p = ai * A(j / n, j % n);
          s2[i * nn + j] += p;
          s4[i * nn + j] += p * p;
        }
      }
    }
    for (int i = 0; i < nn; ++i) {
      for (int j = 0; j < nn; ++j) {
        const double mean = s2[i * nn + j] / N, var = s4[i * nn + j] / N - mean * mean;
        const double want = m.second[static_cast<std::size_t>(i * nn + j)].convert_to<double>();
        EXPECT_NEAR(mean, want, 6 * std::sqrt(std::max(var, 0.0) / N) + 1e-9 * (1 + std::fabs(want))) << text << " " << i << " " << j;
      }
      const double want1 = m.mean[static_cast<std::size_t>(i)].convert_to<double>();
      const double var1 = s2[i * nn + i] / N - (s1[i] / N) * (s1[i] / N);
      EXPECT_NEAR(s1[i] / N, want1, 6 * std::sqrt(std::max(var1, 0.0) / N) + 1e-9 * (1 + std::fabs(want1))) << text << " " << i;
    }
  }
}

// Proof: LYAPND-VEC-4, LYAPND-VEC-5 -- the certified E log|det A| / n against the sample mean of
// log|det A| / n with det computed by Eigen (LU) from sampled matrices; 6 standard errors plus the ball.
TEST(VectorLaw, DetLowerBoundMatchesMonteCarlo) {
  std::mt19937_64 g(lyapcert::test::test_seed(4242));
  for (const char* text : {"vector(1, 2, 1/2, 1, 3)", "vector(1, 3, 1/5, 1, 2, gamma=1/2)", "vector(1, 2, 2, -1, 1/2)"}) {
    const laws::VectorSaddle v = std::get<laws::VectorSaddle>(laws::parse_matrix_law(text).node);
    const auto b = lyapnd::vector_det_lower(v, 64, 64);
    ASSERT_TRUE(b && b->is_finite()) << text;
    const int n = v.q + v.d, N = 200000;
    double s = 0, ss = 0;
    for (int t = 0; t < N; ++t) {
      const Eigen::MatrixXd A = sample_a(g, v.q, v.d, v.lr.convert_to<double>(), v.k.convert_to<double>(),
                                         std::sqrt(v.sigma2.convert_to<double>()), 1, v.gamma.convert_to<double>());
      const double x = std::log(std::fabs(A.determinant())) / n;
      s += x;
      ss += x * x;
    }
    const double mean = s / N, se = std::sqrt((ss / N - mean * mean) / N);
    EXPECT_GE(mean, lo_of(*b) - 6 * se) << text << " " << b->debug_str();
    EXPECT_LE(mean, hi_of(*b) + 6 * se) << text << " " << b->debug_str();
    EXPECT_LT(hi_of(*b) - lo_of(*b), 0.1) << text;
  }
}

// Proof: LYAPND-VEC-5 (d) -- two partitions give enclosures of the same number: they must meet, and the finer
// one is narrower.
TEST(VectorLaw, DetLowerBoundPiecesNest) {
  const laws::VectorSaddle v = std::get<laws::VectorSaddle>(laws::parse_matrix_law("vector(1, 2, 1, 1, 4)").node);
  const auto a = lyapnd::vector_det_lower(v, 16, 64), b = lyapnd::vector_det_lower(v, 128, 64);
  ASSERT_TRUE(a && b && a->is_finite() && b->is_finite());
  EXPECT_TRUE(arb_overlaps(a->get(), b->get()));
  EXPECT_LT(hi_of(*b) - lo_of(*b), hi_of(*a) - lo_of(*a));
  EXPECT_FALSE(lyapnd::vector_det_lower(std::get<laws::VectorSaddle>(
                                            laws::parse_matrix_law("vector(2, 2, 1, 1, 4)").node),
                                        16, 64));
}

// Proof: LYAPND-VEC-7 -- the phi-average closed form L(C, D) = log max(D/2, (|C| + sqrt((C^2 - D^2)_+))/2) of
// (1/2pi) int log|C - D cos phi| dphi, against a midpoint rule in phi (M = 200000 points; the log singularity of the
// case |C| < D costs O(log M / M)), in both cases and at the boundary |C| = D.
TEST(VectorLaw, PhiAverageClosedForm) {
  const auto closed = [](double C, double D) {
    const double r = std::fabs(C);
    return std::log(std::max(D / 2, (r + std::sqrt(std::max(r * r - D * D, 0.0))) / 2));
  };
  const int M = 200000;
  for (const auto& [C, D] : std::vector<std::pair<double, double>>{
           {3, 1}, {-3, 1}, {1, 3}, {-0.2, 5}, {2, 2}, {0.5, 0.499}, {1e-3, 1}, {7, 0}}) {
    double s = 0;
    for (int i = 0; i < M; ++i) {
      const double phi = (i + 0.5) * 2 * M_PI / M;
      s += std::log(std::fabs(C - D * std::cos(phi)));
    }
    EXPECT_NEAR(s / M, closed(C, D), 1e-3) << C << " " << D;
  }
}

// Proof: LYAPND-VEC-7, LYAPND-VEC-8 -- the certified lower bound of E log|det A| / 4 for q = d = 2 against the sample
// mean of log|det A| / 4 computed by Eigen from sampled matrices (sample_a, independent of the reduction): never
// above it (6 standard errors) and, at N = 512, within 0.02 of it; on the same samples the reduction's identity
// c^2 - lr^2 |x|^2 |y|^2 = C - D' cos phi with U = |x|, rho e^{i phi} = conj(X) E / |X|.
TEST(VectorLaw, DetLower22BelowMonteCarlo) {
  std::mt19937_64 g(lyapcert::test::test_seed(2222));
  std::normal_distribution<double> n01;
  for (const char* text : {"vector(2, 2, 1/2, 1, 1)", "vector(2, 2, 1/5, 1, 5)", "vector(2, 2, 1/10, 1, 3, gamma=1/2)",
                           "vector(2, 2, 2, -1, 1/2)"}) {
    const laws::VectorSaddle v = std::get<laws::VectorSaddle>(laws::parse_matrix_law(text).node);
    const auto b = lyapnd::vector_det_lower_22(v, 512, 64);
    ASSERT_TRUE(b && b->is_finite()) << text;
    const double lr = v.lr.convert_to<double>(), k = v.k.convert_to<double>(),
                 sigma = std::sqrt(v.sigma2.convert_to<double>()), c = 1 - lr * v.gamma.convert_to<double>();
    const int N = 200000;
    double s = 0, ss = 0;
    for (int t = 0; t < N; ++t) {
      const Eigen::MatrixXd A = sample_a(g, 2, 2, lr, k, sigma, 1, v.gamma.convert_to<double>());
      const double x = std::log(std::fabs(A.determinant())) / 4;
      s += x;
      ss += x * x;
    }
    const double mean = s / N, se = std::sqrt((ss / N - mean * mean) / N);
    EXPECT_LE(lo_of(*b), mean + 6 * se) << text << " MC " << mean;
    EXPECT_GE(lo_of(*b), mean - 0.02 - 6 * se) << text << " MC " << mean;
    for (int t = 0; t < 1000; ++t) {
      const std::complex<double> X(n01(g), n01(g)), E(n01(g), n01(g));
      const std::complex<double> Y = k * X + sigma * E;
      const double U = std::abs(X);
      const std::complex<double> Ep = std::conj(X) * E / U;
      const double rho = std::abs(Ep), phi = std::arg(Ep);
      const double lhs = c * c - lr * lr * std::norm(X) * std::norm(Y);
      const double C = c * c - lr * lr * (k * k * std::pow(U, 4) + sigma * sigma * U * U * rho * rho);
      const double Dp = 2 * lr * lr * k * sigma * std::pow(U, 3) * rho;
      EXPECT_NEAR(lhs, C - Dp * std::cos(phi), 1e-9 * (1 + std::fabs(lhs) + std::fabs(C))) << text;
    }
  }
  // Outside the hypotheses: no bound.
  EXPECT_FALSE(lyapnd::vector_det_lower_22(std::get<laws::VectorSaddle>(
                                               laws::parse_matrix_law("vector(2, 2, 1, 1, 4, batch=2)").node),
                                           64, 64));
  EXPECT_FALSE(lyapnd::vector_det_lower_22(std::get<laws::VectorSaddle>(
                                               laws::parse_matrix_law("vector(1, 2, 1, 1, 4)").node),
                                           64, 64));
}

// Proof: LYAPND-VEC-3 .. LYAPND-VEC-5 -- the certified enclosure against a long Monte Carlo run of the product
// (R = 16 replicates of 20000 steps after 500 burn-in; the t interval at level 1 - 1e-6 must meet it).
TEST(VectorLaw, BoundsBracketMonteCarloExponent) {
  std::mt19937_64 g(lyapcert::test::test_seed(777));
  for (const char* text : {"vector(1, 2, 3, 1, 3)", "vector(1, 2, 1/10, 1, 1, gamma=4)"}) {
    const laws::VectorSaddle v = std::get<laws::VectorSaddle>(laws::parse_matrix_law(text).node);
    const lyapnd::Result r = certify(text, 2, 30);
    ASSERT_TRUE(r.top.value.ball.is_finite()) << text;
    const int R = 16, B = 500, N = 20000, n = v.q + v.d;
    double s = 0, ss = 0;
    for (int rep = 0; rep < R; ++rep) {
      Eigen::VectorXd z = Eigen::VectorXd::Ones(n).normalized();
      double acc = 0;
      for (int t = 0; t < B + N; ++t) {
        z = sample_a(g, v.q, v.d, v.lr.convert_to<double>(), v.k.convert_to<double>(), std::sqrt(v.sigma2.convert_to<double>()),
                     1, v.gamma.convert_to<double>()) *
            z;
        const double nz = z.norm();
        if (t >= B) acc += std::log(nz);
        z /= nz;
      }
      const double L = acc / N;
      s += L;
      ss += L * L;
    }
    const double mean = s / R, sd = std::sqrt((ss - R * mean * mean) / (R - 1));
    const double half = 7.0 * sd / std::sqrt(R);  // t_{15}, two-sided 1e-6 is about 6.9
    const double lo = r.upper_bound_only ? -1e300 : lo_of(r.top.value.ball);
    EXPECT_LE(lo, mean + half) << text << " " << r.top.value.ball.debug_str() << " MC " << mean;
    EXPECT_GE(hi_of(r.top.value.ball), mean - half) << text << " " << r.top.value.ball.debug_str() << " MC " << mean;
    if (r.top.value.sign == lyap::Sign::positive) EXPECT_GT(mean + half, 0) << text;
    if (r.top.value.sign == lyap::Sign::negative) EXPECT_LT(mean - half, 0) << text;
  }
}

// Proof: LYAPND-VEC-6 -- the identity |A v|^2 = (c + 2 lr s t)^2 + lr^2 [...] on random samples.
TEST(VectorLaw, TransverseIdentityOnSamples) {
  std::mt19937_64 g(lyapcert::test::test_seed(99));
  std::normal_distribution<double> n01;
  for (int t = 0; t < 2000; ++t) {
    const int q = 2, d = 2;
    const double lr = 0.7, c = 0.9;
    Eigen::VectorXd x(d), y(q), u(q), w(d);
    for (int i = 0; i < 2; ++i) {
      x(i) = n01(g);
      y(i) = n01(g) * 3;
      u(i) = n01(g);
      w(i) = n01(g);
    }
    const double nv = std::sqrt(u.squaredNorm() + w.squaredNorm());
    u /= nv;
    w /= nv;
    Eigen::VectorXd av(q + d);
    av << c * u + lr * (x.dot(w)) * y, c * w + lr * (y.dot(u)) * x;
    const double s = x.dot(w), tt = y.dot(u), a = u.squaredNorm();
    const double yperp2 = y.squaredNorm() - tt * tt / a, xperp2 = x.squaredNorm() - s * s / (1 - a);
    const double rhs = (c + 2 * lr * s * tt) * (c + 2 * lr * s * tt) +
                       lr * lr * (s * s * tt * tt * (1 - 2 * a) * (1 - 2 * a) / (a * (1 - a)) + s * s * yperp2 +
                                  tt * tt * xperp2);
    EXPECT_NEAR(av.squaredNorm(), rhs, 1e-9 * (1 + rhs));
    EXPECT_GE(av.squaredNorm() * (1 + 1e-12), (c + 2 * lr * s * tt) * (c + 2 * lr * s * tt));
  }
}

// Proof: LYAPND-VEC-3 .. LYAPND-VEC-5, SIM-VEC-MC-1 -- where the certificate decides, the statistical prediction of
// `check --model vector` (sim::estimate_vector_exponent, an independent code path: Philox streams, the simulator's
// own matrices) must agree: its interval at level 1 - 1e-6 meets the enclosure and does not contradict the sign.
// A correct certificate fails this with probability at most 1e-6 per point (under SIM-VEC-MC-1's assumption).
TEST(VectorLaw, DecidedSignsAgreeWithCheckPrediction) {
  struct Case {
    const char* law;
    int q, d;
    Rational lr, sigma2, gamma;
  };
  for (const Case& cs : {Case{"vector(1, 2, 3/25, 1, 10)", 1, 2, Rational(3, 25), 100, 0},
                         Case{"vector(1, 2, 1/10, 1, 1, gamma=4)", 1, 2, Rational(1, 10), 1, 4},
                         Case{"vector(2, 2, 1/10, 1, 1, gamma=4)", 2, 2, Rational(1, 10), 1, 4},
                         // q = d = 2 escape certified by the determinant bound of LYAPND-VEC-7, -8
                         Case{"vector(2, 2, 1/2, 1, 3)", 2, 2, Rational(1, 2), 9, 0},
                         Case{"vector(2, 2, 1/5, 1, 5)", 2, 2, Rational(1, 5), 25, 0}}) {
    const lyapnd::Result r = certify(cs.law, 2, 30);
    ASSERT_NE(r.top.value.sign, lyap::Sign::undetermined) << cs.law;
    lyapcert::sim::SimModel m;
    m.kind = lyapcert::sim::ModelKind::vector;
    m.base.k = 1;
    m.base.sigma2 = cs.sigma2;
    m.base.gamma = cs.gamma;
    m.dim = static_cast<std::size_t>(cs.d);
    m.out_dim = static_cast<std::size_t>(cs.q);
    lyapcert::sim::StatisticalOptions so;
    so.seed = lyapcert::test::test_seed(11);
    const auto est = lyapcert::sim::estimate_vector_exponent(m, cs.lr.convert_to<double>(), so);
    const double lo = r.upper_bound_only ? -1e300 : lo_of(r.top.value.ball), hi = hi_of(r.top.value.ball);
    EXPECT_LE(lo, est.upper) << cs.law << " MC " << est.estimate;
    EXPECT_GE(hi, est.lower) << cs.law << " MC " << est.estimate;
    if (est.sign != lyap::Sign::undetermined) EXPECT_EQ(est.sign, r.top.value.sign) << cs.law;
  }
}
