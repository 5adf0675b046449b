// Tests of the second-moment exponent g(2) = log rho(E[A (x) A]) and its exact L_2 verdict
// (lib/lyapcert/lyapnd/second_moment.hpp, proofs/lyapnd/second_moment.md) against independent
// computations: the full d^2 x d^2 Kronecker matrix built here from the matrices, its eigenvalues by
// Arb's acb_mat_eig_multiple, an exact Schur-Cohn test on its characteristic polynomial, exact
// enumeration of E||A_n...A_1||_F^2, Collatz-Wielandt brackets from a binary64 power iteration,
// the 1-D moment exponent (lyap::certify_moment), closed forms, and seeded Monte Carlo.
#include <gtest/gtest.h>

#include <acb_mat.h>
#include <arb.h>
#include <flint/fmpq_mat.h>
#include <flint/fmpq_poly.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/lyapnd/second_moment.hpp"

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;
namespace lyap = lyapcert::lyap;

nd::SecondMomentResult run(const std::string& law, int digits = 30) {
  return nd::certify_second_moment(laws::parse_matrix_law(law), lyap::Accuracy{digits, 4096});
}

const laws::FiniteMatrices& family(const laws::MatrixLaw& law) { return std::get<laws::FiniteMatrices>(law.node); }

// E[A (x) A] built directly from the atoms: K[(i,k),(j,l)] = sum_t p_t A_ij A_kl.
std::vector<Rational> kron_direct(const laws::FiniteMatrices& f, int d) {
  const int n = d * d;
  std::vector<Rational> k(n * n, Rational(0));
  for (std::size_t t = 0; t < f.matrices.size(); ++t)
    for (int i = 0; i < d; ++i)
      for (int kk = 0; kk < d; ++kk)
        for (int j = 0; j < d; ++j)
          for (int l = 0; l < d; ++l)
            k[(i * d + kk) * n + j * d + l] += f.probs[t] * f.matrices[t][i * d + j] * f.matrices[t][kk * d + l];
  return k;
}

// Exact Schur-Cohn test: all roots of p (coefficients low to high, leading nonzero) in |z| < 1.
// Recursion: |a_n| > |a_0| and q = (a_n p - a_0 p*)/z (degree n - 1) has all roots in |z| < 1.
bool schur_cohn_stable(std::vector<Rational> p) {
  while (p.size() > 1) {
    const std::size_t n = p.size() - 1;
    const Rational a0 = p[0], an = p[n];
    if (abs(an) <= abs(a0)) return false;
    std::vector<Rational> q(n);
    for (std::size_t i = 1; i <= n; ++i) q[i - 1] = an * p[i] - a0 * p[n - i];
    p = std::move(q);
  }
  return true;
}

std::vector<Rational> charpoly(const std::vector<Rational>& m, int n) {
  fmpq_mat_t M;
  fmpq_mat_init(M, n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) lyapcert::exact::set_fmpq(fmpq_mat_entry(M, i, j), m[i * n + j]);
  fmpq_poly_t cp;
  fmpq_poly_init(cp);
  fmpq_mat_charpoly(cp, M);
  std::vector<Rational> out;
  fmpq_t c;
  fmpq_init(c);
  for (int i = 0; i <= n; ++i) {
    fmpq_poly_get_coeff_fmpq(c, cp, i);
    out.push_back(lyapcert::exact::to_rational(c));
  }
  fmpq_clear(c);
  fmpq_poly_clear(cp);
  fmpq_mat_clear(M);
  return out;
}

// rho of an exact matrix by Arb: QR approximation, then acb_mat_eig_multiple (certified, handles
// clusters). Returns false when Arb could not certify.
bool arb_spectral_radius(Ball& rho, const std::vector<Rational>& m, int n, slong prec) {
  acb_mat_t A, R;
  acb_mat_init(A, n, n);
  acb_mat_init(R, n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      Ball b = Ball::from_rational(m[i * n + j], prec);
      acb_set_arb(acb_mat_entry(A, i, j), b.get());
    }
  acb_ptr Ea = _acb_vec_init(n), E = _acb_vec_init(n);
  acb_mat_approx_eig_qr(Ea, nullptr, R, A, nullptr, 0, prec);
  const int ok = acb_mat_eig_multiple(E, A, Ea, R, prec);
  arb_zero(rho.get());
  arb_t t;
  arb_init(t);
  for (int i = 0; i < n; ++i) {
    acb_abs(t, E + i, prec);
    arb_max(rho.get(), rho.get(), t, prec);
  }
  arb_clear(t);
  _acb_vec_clear(Ea, n);
  _acb_vec_clear(E, n);
  acb_mat_clear(A);
  acb_mat_clear(R);
  return ok != 0;
}

// Upper bound on rho from acb_mat_eig_global_enclosure: each eigenvalue is within eps of one of the
// approximate eigenvalues E~, so rho <= max |E~| + eps (valid for defective matrices too).
void arb_global_upper(Ball& up, const std::vector<Rational>& m, int n, slong prec) {
  acb_mat_t A, R;
  acb_mat_init(A, n, n);
  acb_mat_init(R, n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      Ball b = Ball::from_rational(m[i * n + j], prec);
      acb_set_arb(acb_mat_entry(A, i, j), b.get());
    }
  acb_ptr E = _acb_vec_init(n);
  acb_mat_approx_eig_qr(E, nullptr, R, A, nullptr, 0, prec);
  mag_t eps;
  mag_init(eps);
  acb_mat_eig_global_enclosure(eps, A, E, R, prec);
  arb_zero(up.get());
  arb_t t;
  arb_init(t);
  for (int i = 0; i < n; ++i) {
    acb_abs(t, E + i, prec);
    arb_max(up.get(), up.get(), t, prec);
  }
  arb_add_error_mag(up.get(), eps);
  arb_clear(t);
  mag_clear(eps);
  _acb_vec_clear(E, n);
  acb_mat_clear(A);
  acb_mat_clear(R);
}

std::string seeded_family(std::mt19937_64& rng, int d, int k) {
  std::uniform_int_distribution<int> e(-4, 4);
  std::string s = "matrices(";
  for (int t = 0; t < k; ++t) {
    s += t ? ", [" : "[";
    for (int i = 0; i < d; ++i) {
      s += i ? ", [" : "[";
      for (int j = 0; j < d; ++j) s += (j ? ", " : "") + std::to_string(e(rng)) + "/4";
      s += "]";
    }
    s += "]";
  }
  return s + ")";
}

void check_against_kronecker(const std::string& text, std::uint64_t seed, bool expect_defective = false) {
  SCOPED_TRACE("law=" + text + " seed=" + std::to_string(seed));
  const laws::MatrixLaw law = laws::parse_matrix_law(text);
  const int d = law.dim, n = d * d;
  const nd::SecondMomentResult r = nd::certify_second_moment(law, lyap::Accuracy{20, 4096});
  const std::vector<Rational> K = kron_direct(family(law), d);
  // The library's Kronecker matrix agrees exactly with the direct one.
  EXPECT_EQ(nd::kronecker_second_moment(nd::entry_moments(law)), K);
  // Exact verdict vs an exact Schur-Cohn test on the full d^2 x d^2 characteristic polynomial.
  const bool sc = schur_cohn_stable(charpoly(K, n));
  EXPECT_EQ(sc, r.verdict == nd::L2Verdict::stable) << nd::to_string(r.verdict);
  // Enclosure vs Arb's eigenvalue enclosure of the full matrix.
  Ball rho;
  if (r.g2.value.minus_infinity) {
    EXPECT_TRUE(arb_is_zero(r.rho.get()));
    return;
  }
  EXPECT_TRUE(r.g2.converged);
  if (!arb_spectral_radius(rho, K, n, 192)) {
    // Defective K (Jordan blocks): acb_mat_eig_multiple cannot isolate; only the one-sided global
    // enclosure applies (every eigenvalue lies within eps of an approximate one): rho <= max|E~| + eps.
    ASSERT_TRUE(expect_defective) << "acb_mat_eig_multiple failed on " << text;
    Ball up;
    arb_global_upper(up, K, n, 192);
    EXPECT_FALSE(arb_gt(r.rho.get(), up.get())) << up.debug_str();
    return;
  }
  EXPECT_TRUE(arb_overlaps(rho.get(), r.rho.get())) << rho.debug_str() << " vs " << r.rho.debug_str();
  Ball lg;
  arb_log(lg.get(), rho.get(), 192);
  EXPECT_TRUE(arb_overlaps(lg.get(), r.g2.value.ball.get()));
}

TEST(SecondMoment, SeededFamiliesMatchKroneckerEigenvaluesAndSchurCohn) {
  const std::uint64_t seed = 7007;
  std::mt19937_64 rng(seed);
  int stable = 0, unstable = 0;
  for (int rep = 0; rep < 24; ++rep) {
    const int d = 2 + rep % 3;  // 2, 3, 4
    const int k = 1 + rep % 3;
    const std::string law = seeded_family(rng, d, k);
    check_against_kronecker(law, seed);
    const auto r = run(law, 10);
    (r.verdict == nd::L2Verdict::stable ? stable : unstable) += 1;
  }
  // The seeded sample exercises both verdicts.
  EXPECT_GT(stable, 0);
  EXPECT_GT(unstable, 0);
}

// E[A A^T] = I for this non-normal, non-commuting family, so rho = 1 exactly (LYAPND-MOM-1 (a)).
const char* kBoundaryFamily = "matrices([[1, 1], [0, 1]]: 1/4, [[1, -1], [0, 1]]: 1/4, [[0, 0], [0, 1]]: 1/2)";

std::string scaled_boundary_family(const std::string& c) {
  return "matrices([[" + c + ", " + c + "], [0, " + c + "]]: 1/4, [[" + c + ", -" + c + "], [0, " + c +
         "]]: 1/4, [[0, 0], [0, " + c + "]]: 1/2)";
}

TEST(SecondMoment, CraftedFamiliesAtSlightlyBelowAndAboveOne) {
  {
    const auto r = run(kBoundaryFamily);
    EXPECT_EQ(r.verdict, nd::L2Verdict::boundary);
    EXPECT_TRUE(r.g2.value.exact);
    EXPECT_EQ(r.g2.value.sign, lyap::Sign::zero);
    check_against_kronecker(kBoundaryFamily, 0, true);
  }
  // Scaling A by c = 1 +- 10^-25 multiplies rho by c^2: g(2) = 2 log c (Arb's log1p, independent).
  for (int s : {-1, 1}) {
    const std::string c = s > 0 ? "1.0000000000000000000000001" : "0.9999999999999999999999999";
    const auto r = run(scaled_boundary_family(c), 30);
    EXPECT_EQ(r.verdict, s > 0 ? nd::L2Verdict::unstable : nd::L2Verdict::stable);
    EXPECT_EQ(r.g2.value.sign, s > 0 ? lyap::Sign::positive : lyap::Sign::negative);
    lyapcert::exact::Integer p10 = 1;
    for (int i = 0; i < 25; ++i) p10 *= 10;
    Ball ref, eps = Ball::from_rational(Rational(s) / Rational(p10), 300);
    arb_log1p(ref.get(), eps.get(), 300);
    arb_mul_2exp_si(ref.get(), ref.get(), 1);
    EXPECT_TRUE(arb_overlaps(ref.get(), r.g2.value.ball.get())) << r.g2.value.ball.debug_str(40);
    EXPECT_TRUE(r.g2.converged);
    check_against_kronecker(scaled_boundary_family(c), 0, true);
  }
  // A rotation: rho = 1 with every eigenvalue on the unit circle.
  EXPECT_EQ(run("matrices([[0, -1], [1, 0]])").verdict, nd::L2Verdict::boundary);
  check_against_kronecker("matrices([[3/5, -4/5], [4/5, 3/5]]: 1/2, [[0, 1], [1, 0]]: 1/2)", 0);
  // Nilpotent: rho = 0, g(2) = -inf exactly.
  const auto z = run("matrices([[0, 1], [0, 0]])");
  EXPECT_TRUE(z.g2.value.minus_infinity);
  EXPECT_EQ(z.verdict, nd::L2Verdict::stable);
}

TEST(SecondMoment, OneByOneLawsMatchTheOneDimensionalMomentExponent) {
  struct Case {
    const char* matrix;   // 1 x 1 multiplier law
    const char* curv;     // curvature law h with multiplier 1 - lr h
    const char* lr;
  };
  const Case cases[] = {
      {"matrices([[3/2]]: 1/3, [[-1/2]]: 2/3)", "atoms(-1/2: 1/3, 3/2: 2/3)", "1"},
      {"matrices([[2]]: 1/5, [[1/2]]: 4/5)", "atoms(-1: 1/5, 1/2: 4/5)", "1"},  // E a^2 = 1 exactly
      {"sgd(1/3, normal(1, 1))", "normal(1, 1)", "1/3"},
      {"sgd(2/5, uniform(0, 3))", "uniform(0, 3)", "2/5"},
      {"isotropic(1, 1/2)", "sqnormal(0, 1)", "1/2"},
      {"isotropic(1, 1/4)", "sqnormal(0, 1)", "1/4"},
      {"sgd(1/2, xy(1, 1/2, batch=3))", "xy(1, 1/2, batch=3)", "1/2"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.matrix);
    const auto r = run(c.matrix, 30);
    const auto one = lyap::certify_moment(laws::parse_curvature_law(c.curv), lyapcert::exact::parse_rational(c.lr),
                                          Rational(2), lyap::Accuracy{30, 4096});
    ASSERT_TRUE(one.l2_stable.has_value());
    EXPECT_EQ(*one.l2_stable, r.verdict == nd::L2Verdict::stable);
    EXPECT_EQ(one.value.sign, r.g2.value.sign);
    if (one.value.exact || r.g2.value.exact) {
      EXPECT_TRUE(one.value.exact && r.g2.value.exact);
    } else {
      EXPECT_TRUE(arb_overlaps(one.value.ball.get(), r.g2.value.ball.get()))
          << one.value.ball.debug_str(35) << " vs " << r.g2.value.ball.debug_str(35);
    }
  }
}

TEST(SecondMoment, StructuredLawsMatchClosedForms) {
  // ginibre(d, s): E[A X A^T] = s^2 tr(X) I, rho = d s^2 (classical); isotropic(d, lr): the map
  // X -> (1 - 2 lr + 2 lr^2) X + lr^2 tr(X) I, rho = 1 - 2 lr + (d + 2) lr^2; sgd(lr, ginibre(d, s)):
  // rho = 1 + d lr^2 s^2 (E G = 0).
  struct Case {
    std::string law;
    Rational rho;
  };
  const std::vector<Case> cases = {
      {"ginibre(2, 1)", Rational(2)},
      {"ginibre(3, 1/2)", Rational(3, 4)},
      {"ginibre(4, 1/2)", Rational(1)},
      {"isotropic(2, 1/2)", Rational(1)},
      {"isotropic(3, 2/5)", Rational(1)},
      {"isotropic(3, 1/10)", Rational(1) - Rational(2, 10) + Rational(5, 100)},
      {"isotropic(4, 1/4)", Rational(1) - Rational(1, 2) + Rational(6, 16)},
      {"sgd(1/3, ginibre(2, 1))", Rational(1) + Rational(2, 9)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.law);
    const auto r = run(c.law, 30);
    const nd::L2Verdict want = c.rho < 1 ? nd::L2Verdict::stable : c.rho == 1 ? nd::L2Verdict::boundary
                                                                               : nd::L2Verdict::unstable;
    EXPECT_EQ(r.verdict, want);
    Ball ref = Ball::from_rational(c.rho, 300);
    EXPECT_TRUE(arb_overlaps(ref.get(), r.rho.get())) << r.rho.debug_str();
    arb_log(ref.get(), ref.get(), 300);
    EXPECT_TRUE(arb_overlaps(ref.get(), r.g2.value.ball.get()));
  }
}

// E||A_n...A_1||_F^2 = tr L^n(I) (LYAPND-MOM-1 (c)) against exact enumeration of all k^n words, and
// rho against Collatz-Wielandt brackets from a binary64 power iteration on the symmetric matrices:
// with X = L^m(I) > 0, c_min X <= L(X) <= c_max X implies c_min <= rho <= c_max.
TEST(SecondMoment, EnumerationAndPowerIterationBracketRho) {
  const char* texts[] = {"matrices([[1, 2], [0, 1/2]]: 1/3, [[1/2, 0], [1, -1]]: 2/3)",
                         "matrices([[1/2, 1/3, 0], [0, 1, -1/2], [1/4, 0, 1/2]], [[0, 1, 0], [1/2, 0, 0], [0, 0, 1]])",
                         kBoundaryFamily};
  for (const char* text : texts) {
    SCOPED_TRACE(text);
    const laws::MatrixLaw law = laws::parse_matrix_law(text);
    const int d = law.dim;
    const auto& f = family(law);
    const auto mom = nd::entry_moments(law);
    const auto S = nd::symmetric_second_moment(mom);
    const int N = d * (d + 1) / 2;
    // coordinates of I on the symmetric basis (E_aa, E_ab + E_ba ordered a <= b)
    std::vector<Rational> x;
    for (int a = 0; a < d; ++a)
      for (int b = a; b < d; ++b) x.push_back(a == b ? 1 : 0);
    auto apply = [&](const std::vector<Rational>& v) {
      std::vector<Rational> y(N, Rational(0));
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) y[i] += S[i * N + j] * v[j];
      return y;
    };
    const int n = 4;
    for (int s = 0; s < n; ++s) x = apply(x);
    Rational tr = 0;
    int pos = 0;
    for (int a = 0; a < d; ++a)
      for (int b = a; b < d; ++b, ++pos)
        if (a == b) tr += x[pos];
    // Exact enumeration of E||S_4||_F^2.
    const std::size_t k = f.matrices.size();
    Rational total = 0;
    std::size_t words = 1;
    for (int s = 0; s < n; ++s) words *= k;
    for (std::size_t w = 0; w < words; ++w) {
      std::vector<Rational> P(d * d, Rational(0));
      for (int i = 0; i < d; ++i) P[i * d + i] = 1;
      Rational prob = 1;
      std::size_t code = w;
      for (int s = 0; s < n; ++s, code /= k) {
        const auto& A = f.matrices[code % k];
        prob *= f.probs[code % k];
        std::vector<Rational> Q(d * d, Rational(0));
        for (int i = 0; i < d; ++i)
          for (int j = 0; j < d; ++j)
            for (int l = 0; l < d; ++l) Q[i * d + j] += A[i * d + l] * P[l * d + j];
        P = std::move(Q);
      }
      Rational fro = 0;
      for (const Rational& e : P) fro += e * e;
      total += prob * fro;
    }
    EXPECT_EQ(tr, total);

    // Power iteration in binary64 on full symmetric matrices with the atoms themselves.
    using M = Eigen::MatrixXd;
    std::vector<M> As;
    std::vector<double> ps;
    for (std::size_t t = 0; t < k; ++t) {
      M a(d, d);
      for (int i = 0; i < d; ++i)
        for (int j = 0; j < d; ++j) a(i, j) = f.matrices[t][i * d + j].convert_to<double>();
      As.push_back(a);
      ps.push_back(f.probs[t].convert_to<double>());
    }
    auto L = [&](const M& X) {
      M Y = M::Zero(d, d);
      for (std::size_t t = 0; t < k; ++t) Y += ps[t] * As[t] * X * As[t].transpose();
      return Y;
    };
    M X = M::Identity(d, d);
    for (int m = 0; m < 400; ++m) {
      X = L(X);
      X /= X.trace();
    }
    Eigen::GeneralizedSelfAdjointEigenSolver<M> ges(L(X), X);
    const double cmin = ges.eigenvalues().minCoeff(), cmax = ges.eigenvalues().maxCoeff();
    const auto r = run(text, 15);
    const double lo = arf_get_d(arb_midref(r.rho.get()), ARF_RND_NEAR);
    EXPECT_LE(cmin - 1e-9, lo);
    EXPECT_GE(cmax + 1e-9, lo);
    EXPECT_LT(cmax - cmin, 1e-6) << "power iteration did not converge: the bracket is not informative";
  }
}

// Monte Carlo of E||A_5...A_1||_F^2 against tr L^5(I) computed from the exact symmetric matrix.
// ||S_5||_F^2 <= prod ||A||_F^2 <= B, so Hoeffding gives P(|mean - E| >= t) <= 2 exp(-2 N t^2 / B^2);
// t is chosen so that this false-failure probability is 1e-7.
TEST(SecondMoment, MonteCarloOfTheFifthMoment) {
  const char* text = "matrices([[1, 1/2], [0, 1/2]]: 1/2, [[1/2, 0], [-1/2, 1]]: 1/2)";
  const laws::MatrixLaw law = laws::parse_matrix_law(text);
  const auto& f = family(law);
  const auto S = nd::symmetric_second_moment(nd::entry_moments(law));
  std::vector<Rational> x = {1, 0, 1};
  for (int s = 0; s < 5; ++s) {
    std::vector<Rational> y(3, Rational(0));
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) y[i] += S[i * 3 + j] * x[j];
    x = y;
  }
  const double exact = (x[0] + x[2]).convert_to<double>();
  double fmax = 0;
  for (const auto& m : f.matrices) {
    double s = 0;
    for (const auto& e : m) s += e.convert_to<double>() * e.convert_to<double>();
    fmax = std::max(fmax, s);
  }
  const double B = std::pow(fmax, 5);
  const std::uint64_t seed = 424242;
  std::mt19937_64 rng(seed);
  const int N = 400000;
  Eigen::Matrix2d A[2];
  for (int t = 0; t < 2; ++t)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) A[t](i, j) = f.matrices[t][i * 2 + j].convert_to<double>();
  double sum = 0;
  for (int r = 0; r < N; ++r) {
    Eigen::Matrix2d P = Eigen::Matrix2d::Identity();
    for (int s = 0; s < 5; ++s) P = A[rng() & 1] * P;
    sum += P.squaredNorm();
  }
  const double t = B * std::sqrt(std::log(2e7) / (2.0 * N));
  EXPECT_NEAR(sum / N, exact, t) << "seed=" << seed;
  // The test has power: the tolerance is below 15% of the value.
  EXPECT_LT(t, 0.15 * exact);
}

}  // namespace

// rho as `moment` prints it (nd::rho_value): exact 1 for a family of rotations (E[A (x) A] is a rotation average
// with spectral radius 1, decided exactly), exact 0 with sign zero for the zero matrix, and for rho = 1/4
// (A = I/2: E[A (x) A] = I/4) a ball containing 1/4 with sign positive.
TEST(SecondMoment, RhoValueCarriesTheExactDecisions) {
  const auto one = nd::rho_value(run("matrices([[0, -1], [1, 0]]: 1/2, [[1, 0], [0, 1]]: 1/2)"));
  EXPECT_TRUE(one.exact);
  EXPECT_EQ(one.sign, lyap::Sign::positive);
  EXPECT_TRUE(arb_is_one(one.ball.get()));
  const auto zero = nd::rho_value(run("matrices([[0, 0], [0, 0]])"));
  EXPECT_TRUE(zero.exact);
  EXPECT_EQ(zero.sign, lyap::Sign::zero);
  EXPECT_TRUE(arb_is_zero(zero.ball.get()));
  const auto quarter = nd::rho_value(run("matrices([[1/2, 0], [0, 1/2]])"));
  EXPECT_EQ(quarter.sign, lyap::Sign::positive);
  Ball q;
  arb_set_d(q.get(), 0.25);
  EXPECT_TRUE(arb_contains(quarter.ball.get(), q.get()));
}
