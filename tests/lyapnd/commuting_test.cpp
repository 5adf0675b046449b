// Tests of commuting families that are not triangular in the given basis (proofs/lyapnd/commuting.md,
// LYAPND-COMM-2/-3): families A_j = P D_j P^-1 (or P J_j P^-1, J_j upper triangular polynomials in one
// Jordan block) with rational P are checked against the 1-D certified exponents of the diagonal laws
// (lyap::certify_log_abs_mean, the lyap1d code path), against closed forms for irrational and complex
// eigenvalues (Arb's sqrt / log), against the enumeration upper bound, and against seeded Monte Carlo.
#include <gtest/gtest.h>

#include <arb.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/finite_law.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/lyapnd/commuting.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapnd/rational_matrix_util.hpp"
#include "support/budget.hpp"

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;
namespace lyap = lyapcert::lyap;
using Mat = std::vector<Rational>;
using lyapcert::test::inverse;
using lyapcert::test::mul;

std::string law_text(const std::vector<Mat>& ms, const std::vector<Rational>& ps, int d) {
  std::string s = "matrices(";
  for (std::size_t t = 0; t < ms.size(); ++t) {
    s += t ? ", [" : "[";
    for (int i = 0; i < d; ++i) {
      s += i ? ", [" : "[";
      for (int j = 0; j < d; ++j) s += (j ? ", " : "") + lyapcert::exact::to_text(ms[t][i * d + j]);
      s += "]";
    }
    s += "]: " + lyapcert::exact::to_text(ps[t]);
  }
  return s + ")";
}

nd::Result run(const std::string& law, int digits, nd::Method m = nd::Method::automatic) {
  nd::Options o;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = lyapcert::test::kNoWallClock;  // bounded by digits / max_bits, not by the clock
  return nd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

// The reference: max_i E log|(D)_ii| by the 1-D code path, combined by hand.
struct Ref {
  bool minus_infinity = true;
  bool zero_exact = false;
  Ball ball;
};
Ref diagonal_reference(const std::vector<Mat>& ds, const std::vector<Rational>& ps, int d) {
  Ref ref;
  bool first = true;
  bool any_pos = false;
  for (int i = 0; i < d; ++i) {
    std::vector<Rational> v;
    for (const Mat& m : ds) v.push_back(m[i * d + i]);
    const laws::CurvatureLaw law(laws::FiniteLaw::from_rationals(v, ps));
    const auto r = lyap::certify_log_abs_mean(law, Rational(0), Rational(1), lyap::Accuracy{30, 4096});
    if (r.value.minus_infinity) continue;
    ref.minus_infinity = false;
    if (r.value.sign == lyap::Sign::zero) ref.zero_exact = true;
    if (r.value.sign == lyap::Sign::positive) any_pos = true;
    if (first) {
      ref.ball = r.value.ball;
      first = false;
    } else {
      arb_max(ref.ball.get(), ref.ball.get(), r.value.ball.get(), 300);
    }
  }
  if (any_pos) ref.zero_exact = false;
  return ref;
}

void check_rotated(const Mat& P, const std::vector<Mat>& ds, const std::vector<Rational>& ps, int d,
                   const std::string& trace) {
  SCOPED_TRACE(trace);
  const Mat Pi = inverse(P, d);
  std::vector<Mat> as;
  for (const Mat& dm : ds) as.push_back(mul(mul(P, dm, d), Pi, d));
  const std::string text = law_text(as, ps, d);
  SCOPED_TRACE(text);
  const nd::Result r = run(text, 30);
  EXPECT_EQ(r.top.method, "commuting");
  const Ref ref = diagonal_reference(ds, ps, d);
  if (ref.minus_infinity) {
    EXPECT_TRUE(r.top.value.minus_infinity);
    return;
  }
  ASSERT_FALSE(r.top.value.minus_infinity);
  if (ref.zero_exact && arb_contains_zero(ref.ball.get())) {
    EXPECT_EQ(r.top.value.sign, lyap::Sign::zero);
    EXPECT_TRUE(r.top.value.exact);
  }
  EXPECT_TRUE(r.top.converged) << r.top.message;
  EXPECT_TRUE(arb_overlaps(ref.ball.get(), r.top.value.ball.get()))
      << ref.ball.debug_str(35) << " vs " << r.top.value.ball.debug_str(35);
}

TEST(CommutingRotated, MatchesLyap1dOnTheDiagonal) {
  const Mat P2 = {1, 2, 1, 3};
  const Mat P3 = {1, 1, 0, 0, 1, 1, 1, 0, 1};
  // Rational eigenvalues, generic positions.
  check_rotated(P2, {{2, 0, 0, Rational(1, 3)}, {Rational(-1, 2), 0, 0, 3}}, {Rational(1, 3), Rational(2, 3)}, 2,
                "d=2 generic");
  // Exact zero: component 1 has E log|.| = (log 2 + log 1/2)/2 = 0, component 2 is negative.
  check_rotated(P2, {{2, 0, 0, Rational(1, 3)}, {Rational(1, 2), 0, 0, Rational(1, 5)}},
                {Rational(1, 2), Rational(1, 2)}, 2, "d=2 exact zero");
  // -inf component (a zero eigenvalue with positive probability) next to a finite one.
  check_rotated(P2, {{0, 0, 0, 3}, {1, 0, 0, Rational(1, 2)}}, {Rational(1, 2), Rational(1, 2)}, 2, "d=2 -inf part");
  // d = 3 with a repeated eigenvalue in one atom only.
  check_rotated(P3, {{2, 0, 0, 0, 2, 0, 0, 0, -1}, {1, 0, 0, 0, -3, 0, 0, 0, Rational(1, 4)}},
                {Rational(1, 4), Rational(3, 4)}, 3, "d=3");
  // Jordan blocks: A_j = P q_j(J) P^-1 with J = [[2, 1], [0, 2]] (not diagonalisable); exact zero.
  check_rotated(P2, {{2, 1, 0, 2}, {Rational(1, 2), 3, 0, Rational(1, 2)}}, {Rational(1, 2), Rational(1, 2)}, 2,
                "d=2 Jordan");
}

TEST(CommutingRotated, SeededRandomFamiliesMatchLyap1d) {
  const std::uint64_t seed = 777001;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> e(-3, 3), v(-6, 6), den(1, 4);
  for (int rep = 0; rep < 12; ++rep) {
    const int d = 2 + rep % 3;
    Mat P(d * d);
    // unit lower triangular times unit upper triangular: det 1, entries small
    Mat L(d * d, Rational(0)), U(d * d, Rational(0));
    for (int i = 0; i < d; ++i) {
      L[i * d + i] = U[i * d + i] = 1;
      for (int j = 0; j < i; ++j) L[i * d + j] = e(rng);
      for (int j = i + 1; j < d; ++j) U[i * d + j] = e(rng);
    }
    P = mul(L, U, d);
    const int k = 2 + rep % 2;
    std::vector<Mat> ds;
    std::vector<Rational> ps;
    for (int t = 0; t < k; ++t) {
      Mat dm(d * d, Rational(0));
      for (int i = 0; i < d; ++i) dm[i * d + i] = Rational(v(rng), den(rng));
      ds.push_back(dm);
      ps.push_back(Rational(1, k));
    }
    check_rotated(P, ds, ps, d, "seed=" + std::to_string(seed) + " rep=" + std::to_string(rep));
  }
}

// Irrational and complex eigenvalues: closed forms with Arb.
TEST(CommutingIrrational, MatchesClosedForms) {
  const Mat P = {1, 2, 1, 3};
  const Mat Pi = inverse(P, 2);
  {
    // C = [[0, 2], [1, 0]] (eigenvalues +-sqrt 2); A_1 = C + I, A_2 = 2I - C, p = 1/2 each:
    // Lambda = max over mu = +-sqrt2 of (log|1 + mu| + log|2 - mu|)/2.
    const Mat A1 = mul(mul(P, {1, 2, 1, 1}, 2), Pi, 2), A2 = mul(mul(P, {2, -2, -1, 2}, 2), Pi, 2);
    const nd::Result r = run(law_text({A1, A2}, {Rational(1, 2), Rational(1, 2)}, 2), 30);
    EXPECT_EQ(r.top.method, "commuting");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    Ball s2, a, b, best;
    arb_sqrt_ui(s2.get(), 2, 300);
    for (int sgn : {1, -1}) {
      Ball mu, t1, t2, v;
      arb_mul_si(mu.get(), s2.get(), sgn, 300);
      arb_add_ui(t1.get(), mu.get(), 1, 300);
      arb_abs(t1.get(), t1.get());
      arb_log(t1.get(), t1.get(), 300);
      arb_sub_ui(t2.get(), mu.get(), 2, 300);
      arb_abs(t2.get(), t2.get());
      arb_log(t2.get(), t2.get(), 300);
      arb_add(v.get(), t1.get(), t2.get(), 300);
      arb_mul_2exp_si(v.get(), v.get(), -1);
      if (sgn == 1) best = v; else arb_max(best.get(), best.get(), v.get(), 300);
    }
    EXPECT_TRUE(arb_overlaps(best.get(), r.top.value.ball.get())) << r.top.value.ball.debug_str(35);
  }
  {
    // Complex pair: A_1 = 2 R (R a rotation by atan(4/3)), A_2 = [[1, -1], [1, 1]] (|lambda| = sqrt 2),
    // p = 1/3, 2/3: Lambda = (1/3) log 2 + (2/3)(1/2) log 2 = (2/3) log 2; in the basis P.
    const Mat A1 = mul(mul(P, {Rational(6, 5), Rational(-8, 5), Rational(8, 5), Rational(6, 5)}, 2), Pi, 2);
    const Mat A2 = mul(mul(P, {1, -1, 1, 1}, 2), Pi, 2);
    const nd::Result r = run(law_text({A1, A2}, {Rational(1, 3), Rational(2, 3)}, 2), 30);
    EXPECT_EQ(r.top.method, "commuting");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    Ball ref;
    arb_const_log2(ref.get(), 300);
    arb_mul_ui(ref.get(), ref.get(), 2, 300);
    arb_div_ui(ref.get(), ref.get(), 3, 300);
    EXPECT_TRUE(arb_overlaps(ref.get(), r.top.value.ball.get())) << r.top.value.ball.debug_str(35);
  }
  {
    // A rotation with rational entries (complex pair, |lambda|^2 = N = 1 exactly, LYAPND-COMM-3 (iv)):
    // Lambda = 0 exactly.
    const Mat A1 = mul(mul(P, {Rational(3, 5), Rational(-4, 5), Rational(4, 5), Rational(3, 5)}, 2), Pi, 2);
    const nd::Result r = run(law_text({A1}, {Rational(1)}, 2), 20);
    EXPECT_EQ(r.top.method, "commuting");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_EQ(r.top.value.sign, lyap::Sign::zero);
    EXPECT_TRUE(r.top.value.exact);
  }
  {
    // Real quadratic pair: A = [[0, 1], [1, 1]] (eigenvalues phi, -1/phi) and A^-1, p = 1/2 each: both
    // components are (log phi - log phi)/2 = 0, but no exact test applies to real irrational eigenvalues:
    // the answer must be an honest non-converged enclosure of 0.
    nd::Options o;
    o.acc = lyap::Accuracy{20, 512};
    const nd::Result r = nd::certify_lyapnd(laws::parse_matrix_law("matrices([[0, 1], [1, 1]], [[-1, 1], [1, 0]])"), o);
    EXPECT_EQ(r.top.method, "commuting");
    EXPECT_FALSE(r.top.converged);
    EXPECT_TRUE(arb_contains_zero(r.top.value.ball.get()));
    EXPECT_EQ(r.top.value.sign, lyap::Sign::undetermined);
    EXPECT_LT(mag_cmp_2exp_si(arb_radref(r.top.value.ball.get()), -400), 0);
  }
}

TEST(CommutingIrrational, EnumerationUpperBoundAndMonteCarlo) {
  const Mat P = {1, 2, 1, 3};
  const Mat Pi = inverse(P, 2);
  const Mat A1 = mul(mul(P, {1, 2, 1, 1}, 2), Pi, 2), A2 = mul(mul(P, {2, -2, -1, 2}, 2), Pi, 2);
  const std::string text = law_text({A1, A2}, {Rational(1, 2), Rational(1, 2)}, 2);
  const nd::Result r = run(text, 20);
  ASSERT_TRUE(r.top.converged);
  // Lambda <= U_n (LYAPND-ENUM-1): the certified value's lower end must not exceed the bound's upper end.
  const auto lev = nd::enumeration_bound(std::get<laws::FiniteMatrices>(laws::parse_matrix_law(text).node), 2, 12,
                                         128, std::chrono::steady_clock::now() + std::chrono::seconds(60));
  ASSERT_TRUE(lev.has_value());
  EXPECT_FALSE(arb_gt(r.top.value.ball.get(), lev->upper_bound.get()));
  // Monte Carlo: (1/n) log||S_n|| for n = 40000. Each eigen-component is a sum of i.i.d. increments in
  // [log(sqrt2 - 1), log(2 + sqrt2)] (width < 2.1); Hoeffding with t = 0.04 gives failure probability
  // <= 2 exp(-2 n t^2 / 2.1^2) < 1e-12 per component; the basis change adds at most log(cond P)/n.
  const std::uint64_t seed = 99173;
  std::mt19937_64 rng(seed);
  Eigen::Matrix2d M[2];
  for (int t = 0; t < 2; ++t)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) M[t](i, j) = (t == 0 ? A1 : A2)[i * 2 + j].convert_to<double>();
  const int n = 40000;
  Eigen::Matrix2d S = Eigen::Matrix2d::Identity();
  double logn = 0;
  for (int k = 0; k < n; ++k) {
    S = M[rng() & 1] * S;
    const double nrm = S.norm();
    logn += std::log(nrm);
    S /= nrm;
  }
  const double est = logn / n;
  const double got = arf_get_d(arb_midref(r.top.value.ball.get()), ARF_RND_NEAR);
  EXPECT_NEAR(est, got, 0.04 + 10.0 / n) << "seed=" << seed;
}

TEST(CommutingCertificate, PolynomialIdentityIsExactAndDerogatoryFamiliesAreRefused) {
  // Every atom is q_j(B) exactly.
  const laws::MatrixLaw law = laws::parse_matrix_law("matrices([[1, 2], [1, 1]], [[2, -2], [-1, 2]])");
  const auto cert = nd::polynomial_certificate(std::get<laws::FiniteMatrices>(law.node), 2);
  ASSERT_TRUE(cert.has_value());
  ASSERT_EQ(cert->q.size(), 2u);
  // A derogatory commuting family (identity plus diag(1, 1, 2) rotated): no certificate; the command
  // refuses --method commuting and auto falls back to an honest bound.
  const char* derog = "matrices([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 1], [0, 1, 0], [0, 0, 2]])";
  EXPECT_FALSE(nd::polynomial_certificate(std::get<laws::FiniteMatrices>(laws::parse_matrix_law(derog).node), 3));
  // Rotated so that it is not triangular: no certificate, --method commuting is refused; auto finds the common
  // rational invariant subspaces (reducible, LYAPND-RED-1..4): Lambda = max(0, 0, log(2)/2) = log(2)/2.
  const Mat P3 = {1, 1, 0, 0, 1, 1, 1, 0, 1};
  const Mat D = {1, 0, 0, 0, 1, 0, 0, 0, 2}, I3 = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const std::string rot = law_text({I3, mul(mul(P3, D, 3), inverse(P3, 3), 3)}, {Rational(1, 2), Rational(1, 2)}, 3);
  EXPECT_FALSE(nd::polynomial_certificate(std::get<laws::FiniteMatrices>(laws::parse_matrix_law(rot).node), 3));
  EXPECT_THROW(run(rot, 10, nd::Method::commuting), lyapcert::InputError);
  nd::Options o;
  o.acc.digits = 10;
  o.time_budget_seconds = lyapcert::test::kNoWallClock;  // deterministic: max_word_length and max_bits bound the work
  o.max_word_length = 6;
  const nd::Result r = nd::certify_lyapnd(laws::parse_matrix_law(rot), o);
  EXPECT_EQ(r.top.method, "reducible");
  EXPECT_FALSE(r.upper_bound_only);
  ASSERT_TRUE(r.top.converged) << r.top.message;
  Ball half_log2;
  arb_const_log2(half_log2.get(), 128);
  arb_mul_2exp_si(half_log2.get(), half_log2.get(), -1);
  EXPECT_TRUE(arb_contains(r.top.value.ball.get(), half_log2.get())) << r.top.value.ball.debug_str();
  // A non-commuting family is rejected by the certificate search.
  EXPECT_THROW(nd::polynomial_certificate(
                   std::get<laws::FiniteMatrices>(laws::parse_matrix_law("matrices([[1, 1], [0, 1]], [[1, 0], [1, 1]])").node),
                   2),
               lyapcert::InputError);
}

}  // namespace
