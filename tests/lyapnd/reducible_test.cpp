// Tests of reducible finite families (proofs/lyapnd/reducible.md, LYAPND-RED-1..4) and of the elementary
// bounds intersected with every lyapnd enclosure (LYAPND-ELEM-1, -2). Reference values are computed here
// independently of the library's 1-D finite-law code: sum_j p_j log|a_j| with Arb from hand-derived or
// constructed diagonal entries, Pollicott's published constant, and exact structural checks done with the
// test's own rational arithmetic. Randomised families use a fixed seed (printed). About 5 s in total.
#include <gtest/gtest.h>

#include <arb.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/elementary.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/reducible.hpp"
#include "lyapnd/rational_matrix_util.hpp"
#include "lyapnd/support.hpp"

namespace {

using lyapcert::exact::Ball;
using lyapcert::exact::Rational;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;
using Mat = std::vector<Rational>;
using lyapcert::test::inverse;
using lyapcert::test::mul;

constexpr const char* kPollicott = "1.14331103510294924584325185365558829940254614 +/- 1e-44";

nd::Result run(const laws::MatrixLaw& law, int digits, nd::Method m = nd::Method::automatic, double budget = 20,
               bool elementary = true) {
  nd::Options o;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = budget;
  o.elementary_bounds = elementary;
  return nd::certify_lyapnd(law, o);
}
nd::Result run(const std::string& law, int digits, nd::Method m = nd::Method::automatic, double budget = 20,
               bool elementary = true) {
  return run(laws::parse_matrix_law(law), digits, m, budget, elementary);
}

// The lower endpoint of an enclosure as a ball, widened by 2^-26: a ball's radius is a 30-bit mag_t, so the
// interval [lo, hi] it stands for is wider than the computed one by about width * 2^-30.
Ball lower_end(const Ball& x) {
  arf_t lo;
  arf_init(lo);
  arb_get_lbound_arf(lo, x.get(), 256);
  Ball lob;
  arb_set_arf(lob.get(), lo);
  arf_clear(lo);
  arb_add_error_2exp_si(lob.get(), -26);
  return lob;
}

// sum_j p_j log|a_j| with Arb (every a_j != 0): the independent reference for a 1-D block.
Ball mean_log(const std::vector<Rational>& a, const std::vector<Rational>& p, slong prec = 256) {
  Ball s;
  for (std::size_t j = 0; j < a.size(); ++j) {
    Ball l = Ball::from_rational(a[j] < 0 ? Rational(-a[j]) : a[j], prec);
    Ball w = Ball::from_rational(p[j], prec);
    arb_log(l.get(), l.get(), prec);
    arb_addmul(s.get(), l.get(), w.get(), prec);
  }
  return s;
}

Ball dec(const char* s) {
  Ball b;
  arb_set_str(b.get(), s, 256);
  return b;
}

bool contains(const Ball& enc, const Ball& x) { return arb_contains(enc.get(), x.get()); }
double width(const Ball& b) { return 2 * mag_get_d(arb_radref(b.get())); }

Rational det(Mat a, int d) {
  Rational r = 1;
  for (int c = 0; c < d; ++c) {
    int p = c;
    while (p < d && a[p * d + c] == 0) ++p;
    if (p == d) return 0;
    if (p != c) {
      for (int j = 0; j < d; ++j) std::swap(a[p * d + j], a[c * d + j]);
      r = -r;
    }
    r *= a[c * d + c];
    for (int i = c + 1; i < d; ++i) {
      const Rational g = a[i * d + c] / a[c * d + c];
      for (int j = 0; j < d; ++j) a[i * d + j] -= g * a[c * d + j];
    }
  }
  return r;
}

// A random invertible rational matrix with small entries (seeded).
Mat random_invertible(std::mt19937_64& rng, int d) {
  std::uniform_int_distribution<int> e(-4, 4), q(1, 3);
  while (true) {
    Mat p(d * d);
    for (auto& x : p) x = Rational(e(rng), q(rng));
    if (det(p, d) != 0) return p;
  }
}

laws::MatrixLaw family(const std::vector<Mat>& mats, const std::vector<Rational>& probs, int d) {
  laws::MatrixLaw law;
  law.dim = d;
  law.node = laws::FiniteMatrices{mats, probs};
  return law;
}

std::vector<Mat> conjugate(const std::vector<Mat>& mats, const Mat& p, int d) {
  const Mat pi = inverse(p, d);
  std::vector<Mat> out;
  for (const Mat& m : mats) out.push_back(mul(p, mul(m, pi, d), d));
  return out;
}

}  // namespace

// First family: A = [[-3, -2], [1, 0]] (p = 11/14), B = [[0, -1], [2, 3]] (p = 3/14). By hand:
// A (1, -1) = -(1, -1) and B (1, -1) = (1, -1): a common eigenvector, eigenvalues -1 and 1, so the first block
// has E log|.| = 0. The quotient entries are det / eigenvalue: 2 / -1 = -2 and 2 / 1 = 2: E log|.| = log 2.
// Lambda = max(0, log 2) = log 2 (Arb's log 2 is the reference).
TEST(Reducible, SharedEigenvectorIsLogTwo) {
  const std::string law = "matrices([[-3, -2], [1, 0]]: 11/14, [[0, -1], [2, 3]]: 3/14)";
  for (nd::Method m : {nd::Method::automatic, nd::Method::reducible}) {
    const nd::Result r = run(law, 30, m);
    EXPECT_EQ(r.top.method, "reducible");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_FALSE(r.upper_bound_only);
    Ball log2;
    arb_const_log2(log2.get(), 256);
    EXPECT_TRUE(contains(r.top.value.ball, log2)) << r.top.value.ball.debug_str(40);
    EXPECT_LT(width(r.top.value.ball), 1e-30);
    EXPECT_EQ(r.top.value.sign, lyapcert::lyap::Sign::positive);
    EXPECT_NE(r.top.message.find("reducible over Q"), std::string::npos) << r.top.message;
  }
}

// Second family: A1 = [[2, -1], [-1, 2]] (1/6), A2 = [[-1, 0], [-2, 1]] (1/2), A3 = [[3, -2], [2, -1]] (1/3).
// By hand: (1, 1) is a common eigenvector with eigenvalues 1, -1, 1 (E log|.| = 0); the quotient entries are
// det / eigenvalue = 3 / 1, -1 / -1, 1 / 1, so E log|.| = (1/6) log 3 + (1/2) log 1 + (1/3) log 1 = log(3)/6.
TEST(Reducible, ThreeAtomFamilyAgainstHandDerivedBlocks) {
  const nd::Result r =
      run("matrices([[2, -1], [-1, 2]]: 1/6, [[-1, 0], [-2, 1]]: 1/2, [[3, -2], [2, -1]]: 1/3)", 30);
  EXPECT_EQ(r.top.method, "reducible");
  ASSERT_TRUE(r.top.converged) << r.top.message;
  const Ball want = mean_log({Rational(3), Rational(1), Rational(1)}, {Rational(1, 6), Rational(1, 2), Rational(1, 3)});
  EXPECT_TRUE(contains(r.top.value.ball, want)) << r.top.value.ball.debug_str(40);
  EXPECT_LT(width(r.top.value.ball), 1e-30);
}

// Exact structure: the change of basis returned is checked here with the test's own inverse.
TEST(ReducibleStructure, BlocksAreExactConjugates) {
  const auto law = laws::parse_matrix_law("matrices([[2, -1], [-1, 2]]: 1/6, [[-1, 0], [-2, 1]]: 1/2, "
                                          "[[3, -2], [2, -1]]: 1/3)");
  const auto& f = std::get<laws::FiniteMatrices>(law.node);
  const nd::Reduction red = nd::reduce_family(f, 2);
  ASSERT_EQ(red.verdict, nd::Reducibility::reducible) << red.note;
  ASSERT_EQ(red.blocks.size(), 2u);
  const Mat pi = inverse(red.basis, 2);
  for (std::size_t j = 0; j < f.matrices.size(); ++j) {
    const Mat c = mul(pi, mul(f.matrices[j], red.basis, 2), 2);
    EXPECT_EQ(c[2], Rational(0));
    EXPECT_EQ(c[0], red.blocks[0].matrices[j][0]);
    EXPECT_EQ(c[3], red.blocks[1].matrices[j][0]);
  }
  // The invariant line is (1, 1): eigenvalues 1, -1, 1 in the first block.
  EXPECT_EQ(red.blocks[0].matrices[0][0], Rational(1));
  EXPECT_EQ(red.blocks[0].matrices[1][0], Rational(-1));
  EXPECT_EQ(red.blocks[1].matrices[0][0], Rational(3));
}

TEST(ReducibleStructure, IrreducibleFamiliesAreNotClaimedReducible) {
  // Pollicott's family generates M_2(Q): absolutely irreducible, auto keeps the cycle expansion.
  const auto pol = laws::parse_matrix_law("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)");
  const nd::Reduction red = nd::reduce_family(std::get<laws::FiniteMatrices>(pol.node), 2);
  EXPECT_EQ(red.verdict, nd::Reducibility::absolutely_irreducible) << red.note;
  EXPECT_THROW(run("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 10, nd::Method::reducible),
               lyapcert::InputError);
  // x^2 + 2 is irreducible over Q: one atom, no rational invariant line (Norton's criterion decides).
  const auto rot = laws::parse_matrix_law("matrices([[0, -2], [1, 0]])");
  EXPECT_EQ(nd::reduce_family(std::get<laws::FiniteMatrices>(rot.node), 2).verdict,
            nd::Reducibility::irreducible_over_q);
  // d = 3: the companion matrix of x^3 - 2 and a second atom in the same field: irreducible over Q.
  const auto cub = laws::parse_matrix_law("matrices([[0, 0, 2], [1, 0, 0], [0, 1, 0]]: 1/2, "
                                          "[[1, 0, 2], [1, 1, 0], [0, 1, 1]]: 1/2)");
  EXPECT_EQ(nd::reduce_family(std::get<laws::FiniteMatrices>(cub.node), 3).verdict,
            nd::Reducibility::irreducible_over_q);
  // A 3 x 3 family generating M_3(Q).
  const auto full = laws::parse_matrix_law("matrices([[1, 1, 0], [0, 1, 1], [1, 0, 1]]: 1/2, "
                                           "[[2, 0, 1], [1, 1, 0], [0, 3, 1]]: 1/2)");
  EXPECT_EQ(nd::reduce_family(std::get<laws::FiniteMatrices>(full.node), 3).verdict,
            nd::Reducibility::absolutely_irreducible);
}

TEST(ReducibleStructure, TransposeRouteFindsAnInvariantPlane) {
  // Upper triangular in blocks 1 + 2 with an irreducible 2 x 2 lower-right block (Pollicott's atoms): the
  // invariant line e1 is found; conjugated by a rational P, the search must still find it.
  const std::vector<Mat> t = {{Rational(1, 2), 1, 2, 0, 2, 1, 0, 1, 1}, {Rational(3), -1, 1, 0, 3, 1, 0, 2, 1}};
  const Mat p = {1, 2, 0, 0, 1, 3, 1, 0, 1};
  const std::vector<Rational> probs{Rational(1, 2), Rational(1, 2)};
  const laws::MatrixLaw law = family(conjugate(t, p, 3), probs, 3);
  const nd::Reduction red = nd::reduce_family(std::get<laws::FiniteMatrices>(law.node), 3);
  ASSERT_EQ(red.verdict, nd::Reducibility::reducible) << red.note;
  ASSERT_EQ(red.blocks.size(), 2u);
  // Lambda = max(E log|1/2, 3| = log(3/2)/2, Pollicott) = Pollicott.
  const nd::Result r = run(law, 20);
  EXPECT_EQ(r.top.method, "reducible");
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_TRUE(contains(r.top.value.ball, dec(kPollicott))) << r.top.value.ball.debug_str(30);
  // The transposed family has the invariant plane e1^perp (the dual route of LYAPND-RED-4).
  std::vector<Mat> tt;
  for (const Mat& m : conjugate(t, p, 3)) {
    Mat x(9);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) x[j * 3 + i] = m[i * 3 + j];
    tt.push_back(x);
  }
  const nd::Result rt = run(family(tt, probs, 3), 20);
  EXPECT_EQ(rt.top.method, "reducible");
  ASSERT_TRUE(rt.top.converged) << rt.top.message;
  EXPECT_TRUE(contains(rt.top.value.ball, dec(kPollicott))) << rt.top.value.ball.debug_str(30);
}

// Random rational conjugations (fixed seed) of upper-triangular families: Lambda = max_i sum_j p_j log|T_j,ii|.
TEST(Reducible, RandomConjugatedTriangularFamilies) {
  const std::uint64_t seed = 20261207;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> e(-5, 5), q(1, 4);
  for (int trial = 0; trial < 9; ++trial) {
    const int d = 2 + trial % 3;
    const int k = 2 + trial % 2;
    std::vector<Mat> t(k, Mat(d * d, Rational(0)));
    for (auto& m : t)
      for (int i = 0; i < d; ++i)
        for (int j = i; j < d; ++j) {
          Rational x(e(rng), q(rng));
          if (i == j && x == 0) x = Rational(7, 3);
          m[i * d + j] = x;
        }
    std::vector<Rational> probs(k, Rational(1, k));
    if (k == 3) probs = {Rational(1, 2), Rational(1, 3), Rational(1, 6)};
    const laws::MatrixLaw law = family(conjugate(t, random_invertible(rng, d), d), probs, d);
    const nd::Result r = run(law, 20);
    SCOPED_TRACE("trial " + std::to_string(trial) + ", d = " + std::to_string(d));
    EXPECT_TRUE(r.top.method == "reducible" || r.top.method == "commuting") << r.top.method;
    ASSERT_TRUE(r.top.converged) << r.top.message;
    Ball want;
    for (int i = 0; i < d; ++i) {
      std::vector<Rational> a;
      for (const Mat& m : t) a.push_back(m[i * d + i]);
      const Ball v = mean_log(a, probs);
      if (i == 0) want = v;
      arb_max(want.get(), want.get(), v.get(), 256);
    }
    EXPECT_TRUE(contains(r.top.value.ball, want)) << r.top.value.ball.debug_str(30) << " vs " << want.debug_str(30);
    EXPECT_LT(width(r.top.value.ball), 1e-19);
  }
}

// d = 3 and 4: a Pollicott block beside 1-D blocks, conjugated by rational matrices.
TEST(Reducible, ThreeAndFourDimensionalWithPollicottBlock) {
  const std::vector<Rational> probs{Rational(1, 2), Rational(1, 2)};
  const Mat p3 = {2, 1, 0, -1, 1, 1, 1, 0, 3};
  // d = 3, block diag(Pollicott, (3, 1/2)): Lambda = Pollicott > log(3/2)/2.
  {
    const std::vector<Mat> m = {{2, 1, 0, 1, 1, 0, 0, 0, 3}, {3, 1, 0, 2, 1, 0, 0, 0, Rational(1, 2)}};
    const nd::Result r = run(family(conjugate(m, p3, 3), probs, 3), 20);
    EXPECT_EQ(r.top.method, "reducible");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_TRUE(contains(r.top.value.ball, dec(kPollicott))) << r.top.value.ball.debug_str(30);
    EXPECT_NE(r.top.message.find("cycle"), std::string::npos) << r.top.message;
  }
  // d = 3, block diag(Pollicott, (5, 4)): the 1-D block dominates, Lambda = log(20)/2 exactly.
  {
    const std::vector<Mat> m = {{2, 1, 0, 1, 1, 0, 0, 0, 5}, {3, 1, 0, 2, 1, 0, 0, 0, 4}};
    const nd::Result r = run(family(conjugate(m, p3, 3), probs, 3), 20);
    EXPECT_EQ(r.top.method, "reducible");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_TRUE(contains(r.top.value.ball, mean_log({Rational(5), Rational(4)}, probs)))
        << r.top.value.ball.debug_str(30);
  }
  // d = 4, Pollicott with an upper-triangular 2 x 2 block (diagonals (1/2, 2) and (7, 1/7)) coupled to it.
  {
    const Mat p4 = {1, 0, 2, 1, 1, 1, 0, 0, 0, -1, 1, 2, 1, 0, 0, 1};
    const std::vector<Mat> m = {{2, 1, 1, 0, 1, 1, 0, 2, 0, 0, Rational(1, 2), 3, 0, 0, 0, 7},
                                {3, 1, 0, 1, 2, 1, 1, 1, 0, 0, 2, -1, 0, 0, 0, Rational(1, 7)}};
    ASSERT_NE(det(p4, 4), 0);
    const laws::MatrixLaw law = family(conjugate(m, p4, 4), probs, 4);
    const nd::Reduction red = nd::reduce_family(std::get<laws::FiniteMatrices>(law.node), 4);
    ASSERT_EQ(red.verdict, nd::Reducibility::reducible) << red.note;
    EXPECT_EQ(red.blocks.size(), 3u) << red.note;
    const nd::Result r = run(law, 20);
    EXPECT_EQ(r.top.method, "reducible");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_TRUE(contains(r.top.value.ball, dec(kPollicott))) << r.top.value.ball.debug_str(30);
  }
}

// d = 4 with two irreducible 2 x 2 blocks (Pollicott's, and Q1 = [[3, 1], [1, 2]], Q2 = [[2, 1], [2, 3]]) coupled and
// conjugated by a rational P: Lambda = max(Pollicott, Lambda(Q)), Lambda(Q) certified independently by the cycle
// expansion on Q in its own (positive) basis, i.e. without the reduction, the change of basis or LYAPND-RED-5.
TEST(Reducible, FourDimensionalTwoIrreduciblePlanes) {
  const std::vector<Rational> probs{Rational(1, 2), Rational(1, 2)};
  const Mat p4 = {1, 0, 2, 1, 1, 1, 0, 0, 0, -1, 1, 2, 1, 0, 0, 1};
  const std::vector<Mat> m = {{2, 1, 1, -1, 1, 1, 0, 2, 0, 0, 3, 1, 0, 0, 1, 2},
                              {3, 1, 0, 1, 2, 1, 1, 1, 0, 0, 2, 1, 0, 0, 2, 3}};
  const laws::MatrixLaw law = family(conjugate(m, p4, 4), probs, 4);
  const nd::Reduction red = nd::reduce_family(std::get<laws::FiniteMatrices>(law.node), 4);
  ASSERT_EQ(red.verdict, nd::Reducibility::reducible) << red.note;
  ASSERT_EQ(red.blocks.size(), 2u) << red.note;
  EXPECT_EQ(red.blocks[0].dim, 2);
  EXPECT_EQ(red.blocks[0].verdict, nd::Reducibility::absolutely_irreducible);
  const nd::Result r = run(law, 15);
  EXPECT_EQ(r.top.method, "reducible");
  ASSERT_TRUE(r.top.converged) << r.top.message;
  const nd::Result q = run("matrices([[3, 1], [1, 2]]: 1/2, [[2, 1], [2, 3]]: 1/2)", 15, nd::Method::cycle);
  ASSERT_TRUE(q.top.converged) << q.top.message;
  ASSERT_TRUE(arb_gt(q.top.value.ball.get(), dec(kPollicott).get()));  // the Q block carries Lambda
  EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), q.top.value.ball.get()))
      << r.top.value.ball.debug_str(20) << " vs " << q.top.value.ball.debug_str(20);
}

// A common eigenvector over Q(sqrt 2): C1 = [[0, 2], [1, 0]] (eigenvalues +-sqrt 2) and C2 = I + C1 share the
// eigenvectors (sqrt 2, +-1); their span is a rational plane, found exactly, and the commuting 2 x 2 block pairs
// the eigenvalues: Lambda = max((log sqrt 2 + log(1 + sqrt 2))/2, (log sqrt 2 + log(sqrt 2 - 1))/2, log(3/2)/2)
// = (log(2)/2 + log(1 + sqrt 2))/2 (Arb's sqrt and log as the reference).
TEST(Reducible, CommonEigenvectorOverQuadraticField) {
  const std::vector<Rational> probs{Rational(1, 2), Rational(1, 2)};
  // coupled to the third coordinate (different couplings: the 3 x 3 family does not commute)
  const std::vector<Mat> m = {{0, 2, 1, 1, 0, 0, 0, 0, 3}, {1, 2, 0, 1, 1, 1, 0, 0, Rational(1, 2)}};
  const Mat p = {2, 1, 0, -1, 1, 1, 1, 0, 3};
  const laws::MatrixLaw law = family(conjugate(m, p, 3), probs, 3);
  const nd::Reduction red = nd::reduce_family(std::get<laws::FiniteMatrices>(law.node), 3);
  ASSERT_EQ(red.verdict, nd::Reducibility::reducible) << red.note;
  ASSERT_EQ(red.blocks.size(), 2u);
  const nd::Result r = run(law, 20);
  EXPECT_EQ(r.top.method, "reducible");
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_NE(r.top.message.find("commuting"), std::string::npos) << r.top.message;
  Ball s2, t, want;
  arb_sqrt_ui(s2.get(), 2, 256);
  arb_add_ui(t.get(), s2.get(), 1, 256);
  arb_log(t.get(), t.get(), 256);
  arb_const_log2(want.get(), 256);
  arb_mul_2exp_si(want.get(), want.get(), -1);
  arb_add(want.get(), want.get(), t.get(), 256);
  arb_mul_2exp_si(want.get(), want.get(), -1);
  EXPECT_TRUE(contains(r.top.value.ball, want)) << r.top.value.ball.debug_str(30) << " vs " << want.debug_str(30);
  EXPECT_LT(width(r.top.value.ball), 1e-19);
}

// Exact decisions through 1-D blocks: a block with a zero diagonal entry is -inf, a block whose
// values multiply to 1 is exactly 0, all-singular 1-D blocks give -inf.
TEST(Reducible, ExactZeroAndMinusInfinityThroughBlocks) {
  const Mat p = {1, 1, 1, 2};
  const std::vector<Rational> probs{Rational(1, 2), Rational(1, 2)};
  // Blocks (0, 3) -> -inf and (2, 1/2) -> exactly 0: Lambda = 0 exactly.
  {
    const std::vector<Mat> t = {{0, 1, 0, 2}, {3, 5, 0, Rational(1, 2)}};
    const nd::Result r = run(family(conjugate(t, p, 2), probs, 2), 20);
    EXPECT_EQ(r.top.method, "reducible");
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_TRUE(r.top.value.exact);
    EXPECT_EQ(r.top.value.sign, lyapcert::lyap::Sign::zero);
  }
  // Blocks (0, 3) and (1, 0): both -inf, Lambda = -inf exactly.
  {
    const std::vector<Mat> t = {{0, 1, 0, 1}, {3, 5, 0, 0}};
    const nd::Result r = run(family(conjugate(t, p, 2), probs, 2), 20, nd::Method::reducible);
    EXPECT_TRUE(r.top.value.minus_infinity);
    EXPECT_TRUE(r.top.converged);
  }
}

// A singular irreducible 2 x 2 block (M = e1 e1^T and a rotation by atan(4/3), an irrational multiple of pi:
// no product vanishes since M R^k M = cos(k theta) M, no invariant cone, so only the enumeration upper bound
// applies to it) beside a 1-D block (2, 3): two-sided, the lower end from the 1-D block.
TEST(Reducible, UpperBoundOnlyBlockKeepsTheOneDimensionalLowerEnd) {
  const std::vector<Rational> probs{Rational(1, 2), Rational(1, 2)};
  const std::vector<Mat> m = {{1, 0, 0, 0, 0, 0, 0, 0, 2},
                              {Rational(3, 5), Rational(-4, 5), 0, Rational(4, 5), Rational(3, 5), 0, 0, 0, 3}};
  const Mat p = {1, 0, 1, 1, 1, 0, 0, 2, 1};
  const nd::Result r = run(family(conjugate(m, p, 3), probs, 3), 6, nd::Method::automatic, 1.5);
  EXPECT_EQ(r.top.method, "reducible");
  EXPECT_FALSE(r.upper_bound_only);
  EXPECT_NE(r.top.message.find("enumerate"), std::string::npos) << r.top.message;
  const Ball one_d = mean_log({Rational(2), Rational(3)}, probs);
  EXPECT_TRUE(contains(r.top.value.ball, one_d)) << r.top.value.ball.debug_str();
  arf_t lo;
  arf_init(lo);
  arb_get_lbound_arf(lo, r.top.value.ball.get(), 256);
  Ball lob;
  arb_set_arf(lob.get(), lo);
  arf_clear(lo);
  EXPECT_TRUE(arb_le(lob.get(), one_d.get()));
  EXPECT_GT(arf_get_d(arb_midref(lob.get()), ARF_RND_NEAR), 0.89);  // log(6)/2 = 0.8959
}

// LYAPND-ELEM-1, -2: the elementary bounds cut a wide certificate and make enumerate two-sided.
TEST(Elementary, PoissonCertificateOfTheReducibleFamilyIsCut) {
  const std::string law = "matrices([[-3, -2], [1, 0]]: 11/14, [[0, -1], [2, 3]]: 3/14)";
  // Three mesh levels of the Poisson certificate, a deterministic cap (not a time budget): the raw certificate is
  // the same on an idle and a loaded machine.
  const nd::Result raw = lyapcert::test::run_levels(law, 6, 3, nd::Method::poisson, false);
  const nd::Result cut = lyapcert::test::run_levels(law, 6, 3, nd::Method::poisson, true);
  Ball log2;
  arb_const_log2(log2.get(), 256);
  ASSERT_TRUE(cut.top.value.ball.is_finite());
  EXPECT_TRUE(contains(cut.top.value.ball, log2)) << cut.top.value.ball.debug_str();
  ASSERT_TRUE(raw.top.value.ball.is_finite()) << raw.top.message;
  EXPECT_TRUE(contains(raw.top.value.ball, log2));
  EXPECT_LE(width(cut.top.value.ball), width(raw.top.value.ball));
  // Lower end >= E log|det A| / 2 = log(2)/2 (both determinants are 2, Arb's log 2 as the reference).
  Ball half = log2;
  arb_mul_2exp_si(half.get(), half.get(), -1);
  const Ball lob = lower_end(cut.top.value.ball);
  EXPECT_FALSE(arb_lt(lob.get(), half.get())) << lob.debug_str() << " < " << half.debug_str();
  EXPECT_NE(cut.top.message.find("elementary"), std::string::npos) << cut.top.message;
}

TEST(Elementary, EnumerateBecomesTwoSidedForInvertibleFamilies) {
  // Pollicott's atoms have det 1: the lower end is E log|det|/2 = 0 <= Lambda.
  const nd::Result r = run("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 10, nd::Method::enumerate, 1);
  EXPECT_FALSE(r.upper_bound_only);
  EXPECT_TRUE(contains(r.top.value.ball, dec(kPollicott)));
  EXPECT_NE(r.top.value.sign, lyapcert::lyap::Sign::negative);
  arf_t lo;
  arf_init(lo);
  arb_get_lbound_arf(lo, r.top.value.ball.get(), 256);
  // E log|det A| / 2 = 0, up to the 30-bit radius rounding of the ball (width * 2^-30)
  EXPECT_LE(std::fabs(arf_get_d(lo, ARF_RND_NEAR)), 1e-8);
  arf_clear(lo);
  // A singular atom: E log|det A| = -inf, no lower bound, still one-sided.
  const nd::Result s = run("matrices([[1, 2], [2, 4]]: 1/2, [[0, 1], [-1, 1]]: 1/2)", 6, nd::Method::enumerate, 1);
  EXPECT_TRUE(s.upper_bound_only);
  // The bounds themselves against the closed forms: det(A) = 2, 3 with probability 1/2, d = 2.
  const auto law = laws::parse_matrix_law("matrices([[2, 0], [0, 1]]: 1/2, [[1, 1], [0, 3]]: 1/2)");
  nd::Options o;
  const nd::ElementaryBounds b = nd::elementary_bounds(std::get<laws::FiniteMatrices>(law.node), 2, 128, o,
                                                       std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(b.has_lower);
  ASSERT_TRUE(b.has_upper);
  Ball want = mean_log({Rational(2), Rational(3)}, {Rational(1, 2), Rational(1, 2)});
  arb_mul_2exp_si(want.get(), want.get(), -1);
  EXPECT_TRUE(arb_overlaps(b.det_mean.get(), want.get())) << b.det_mean.debug_str();
  // Lambda = log(3)/2 (triangular) lies between the two bounds.
  const Ball lam = mean_log({Rational(1), Rational(3)}, {Rational(1, 2), Rational(1, 2)});
  EXPECT_TRUE(arb_le(b.det_mean.get(), lam.get()));
  EXPECT_TRUE(arb_ge(b.upper.get(), lam.get()));
}

// LYAPND-ELEM-2 when the method certified nothing: a budget far below the Poisson certificate's first level
// leaves the method's whole-line answer, and the elementary bounds alone must then be the (finite, two-sided)
// enclosure: [E log|det A| / 2, U_n] for an invertible family. Independent references: the true value log 2
// (the family is reducible, LYAPND-RED) and E log|det A| / 2 = log(2) / 2 from the exact determinants 2 and 2.
TEST(Elementary, MethodThatCertifiedNothingLeavesTheElementaryBounds) {
  const std::string law = "matrices([[-3, -2], [1, 0]]: 11/14, [[0, -1], [2, 3]]: 3/14)";
  const nd::Result r = run(law, 16, nd::Method::poisson, 1e-6);
  EXPECT_FALSE(r.top.converged);
  EXPECT_FALSE(r.upper_bound_only);
  ASSERT_TRUE(r.top.value.ball.is_finite()) << r.top.message;
  Ball log2, half;
  arb_const_log2(log2.get(), 256);
  arb_mul_2exp_si(half.get(), log2.get(), -1);
  EXPECT_TRUE(contains(r.top.value.ball, log2)) << r.top.value.ball.debug_str();
  // The lower end is E log|det A| / 2 = log(2)/2 itself (up to the ball's 30-bit radius).
  const Ball lob = lower_end(r.top.value.ball);
  EXPECT_TRUE(arb_overlaps(lob.get(), half.get())) << lob.debug_str() << " vs " << half.debug_str();
  EXPECT_NE(r.top.message.find("elementary"), std::string::npos) << r.top.message;
}
