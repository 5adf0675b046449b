// Tests of the d = 3, 4 cycle expansion (lib/lyapcert/lyapnd/cycle_nd.hpp, proofs/lyapnd/cycle_nd.md)
// against independent values: symmetric powers of Pollicott's 2x2 family (Lambda(Sym^k) = k Lambda, the
// published digits of docs/math.md section 6 and the d = 2 cycle code), commuting rank-one-plus-identity
// families (exact value E log(v.u + c)), the Poisson certificate (LYAPND-POIS-6..8) on the same family,
// seeded Monte Carlo at a stated level, and the coefficient bounds checked against computed coefficients.
#include <gtest/gtest.h>

#include <acb.h>
#include <arb.h>
#include <arb_fmpz_poly.h>
#include <flint/fmpz_mat.h>
#include <flint/fmpz_poly.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/cone_basis.hpp"
#include "lyapcert/lyapnd/cycle_nd.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "support/seed.hpp"

namespace {

using lyapcert::exact::Ball;
namespace nd = lyapcert::lyapnd;
namespace laws = lyapcert::laws;

// docs/math.md section 6 (Pollicott 2010; Jurga-Morris 2019), 45 significant digits (see cycle_test.cpp).
constexpr const char* kPollicott = "1.14331103510294924584325185365558829940254614";

nd::Result run(const std::string& law, int digits, nd::Method m = nd::Method::cycle, double budget = 30) {
  nd::Options o;
  o.acc.digits = digits;
  o.method = m;
  o.time_budget_seconds = budget;
  // The method's own certificate, not clipped by the elementary bounds (LYAPND-ELEM-2), except under auto.
  o.elementary_bounds = m == nd::Method::automatic;
  return nd::certify_lyapnd(laws::parse_matrix_law(law), o);
}

double width(const Ball& b) { return 2 * mag_get_d(arb_radref(b.get())); }

// Sym^k of the 2x2 matrix [[a, b], [c, d]]: row r holds the coefficients of u^(k-r) v^r in the monomials
// x^(k-j) y^j, u = a x + b y, v = c x + d y. Sym^k(A) Sym^k(B) = Sym^k(BA) up to the order convention, and
// reversing the order of an i.i.d. product does not change Lambda; ||Sym^k(A)|| is comparable to ||A||^k,
// so the family Sym^k(M_i) has exponent k Lambda(M_i).
std::vector<long> sym_power(long a, long b, long c, long d, int k) {
  auto mul = [](const std::vector<long>& p, long s, long t) {  // p(x, y) * (s x + t y), coefficients of x^(n-j) y^j
    std::vector<long> q(p.size() + 1, 0);
    for (std::size_t j = 0; j < p.size(); ++j) {
      q[j] += p[j] * s;
      q[j + 1] += p[j] * t;
    }
    return q;
  };
  std::vector<long> out;
  for (int r = 0; r <= k; ++r) {
    std::vector<long> p{1};
    for (int i = 0; i < k - r; ++i) p = mul(p, a, b);
    for (int i = 0; i < r; ++i) p = mul(p, c, d);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

std::string matrix_text(const std::vector<long>& m, int d) {
  std::string s = "[";
  for (int i = 0; i < d; ++i) {
    s += i ? ", [" : "[";
    for (int j = 0; j < d; ++j) s += (j ? ", " : "") + std::to_string(m[i * d + j]);
    s += "]";
  }
  return s + "]";
}

std::string pollicott_sym(int k) {
  const int d = k + 1;
  return "matrices(" + matrix_text(sym_power(2, 1, 1, 1, k), d) + ": 1/2, " +
         matrix_text(sym_power(3, 1, 2, 1, k), d) + ": 1/2)";
}

Ball pollicott_times(int k) {
  Ball b, r;
  arb_set_str(b.get(), kPollicott, 400);
  arb_set_str(r.get(), "1e-44", 64);
  arb_add_error(b.get(), r.get());
  arb_mul_si(b.get(), b.get(), k, 400);
  return b;
}

TEST(CycleNdPollicott, SymmetricSquareGivesTwiceThePublishedConstantToTwentyDigits) {
  const auto res = run(pollicott_sym(2), 20);
  ASSERT_EQ(res.top.method, "cycle");
  EXPECT_TRUE(res.top.converged) << res.top.message;
  const Ball ref = pollicott_times(2);
  EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), ref.get())) << res.top.message;
  EXPECT_LE(width(res.top.value.ball), 1e-19) << res.top.message;
  // The d = 2 cycle expansion on the original family (an independent code path): twice its value.
  const auto two = run("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 25);
  Ball twice;
  arb_mul_2exp_si(twice.get(), two.top.value.ball.get(), 1);
  EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), twice.get()));
}

TEST(CycleNdPollicott, SymmetricCubeGivesThreeTimesThePublishedConstant) {
  const auto res = run(pollicott_sym(3), 6);
  ASSERT_EQ(res.top.method, "cycle");
  EXPECT_TRUE(res.top.converged) << res.top.message;
  EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), pollicott_times(3).get())) << res.top.message;
  EXPECT_LE(width(res.top.value.ball), 1e-5) << res.top.message;
}

// B = u v^T + c I has the Perron root v.u + c (the other eigenvalues are c); A_1 = B, A_2 = B + 2 I commute,
// so Lambda = p_1 log(v.u + c) + p_2 log(v.u + c + 2) exactly (every product is a polynomial in u v^T).
TEST(CycleNdClosedForms, CommutingRankOnePlusIdentityFamilies) {
  struct Case {
    std::vector<long> u, v;
    long c;
    std::string p1, p2;
    long num, den;  // p_1 = num/den
  };
  for (const Case& cs : {Case{{1, 2, 3}, {1, 1, 2}, 1, "1/3", "2/3", 1, 3},
                         Case{{2, 3, 2, 3}, {3, 2, 3, 2}, 1, "3/4", "1/4", 3, 4}}) {
    const int d = static_cast<int>(cs.u.size());
    std::vector<long> b(d * d), b2(d * d);
    long vu = 0;
    for (int i = 0; i < d; ++i) vu += cs.v[i] * cs.u[i];
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) {
        b[i * d + j] = cs.u[i] * cs.v[j] + (i == j ? cs.c : 0);
        b2[i * d + j] = b[i * d + j] + (i == j ? 2 : 0);
      }
    const std::string law =
        "matrices(" + matrix_text(b, d) + ": " + cs.p1 + ", " + matrix_text(b2, d) + ": " + cs.p2 + ")";
    const auto res = run(law, 15);
    ASSERT_EQ(res.top.method, "cycle");
    Ball ref, l1, l2, p;
    arb_set_si(l1.get(), vu + cs.c);
    arb_log(l1.get(), l1.get(), 256);
    arb_set_si(l2.get(), vu + cs.c + 2);
    arb_log(l2.get(), l2.get(), 256);
    arb_set_si(p.get(), cs.num);
    arb_div_si(p.get(), p.get(), cs.den, 256);
    Ball q;
    arb_one(q.get());
    arb_sub(q.get(), q.get(), p.get(), 256);
    arb_mul(ref.get(), l1.get(), p.get(), 256);
    arb_addmul(ref.get(), l2.get(), q.get(), 256);
    EXPECT_TRUE(res.top.converged) << law << ": " << res.top.message;
    EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), ref.get())) << law << ": " << res.top.message;
    EXPECT_LE(width(res.top.value.ball), 1e-14) << res.top.message;
  }
}

// A seeded positive 3x3 family: the Poisson certificate (LYAPND-POIS-6..8, a different method) must overlap,
// and the cycle expansion must be much narrower.
TEST(CycleNdAgreement, PoissonEnclosureOverlapsAndIsWider) {
  const std::string law = "matrices([[7, 4, 5], [5, 8, 4], [4, 5, 9]]: 1/3, [[6, 5, 4], [4, 7, 6], [5, 4, 8]]: 2/3)";
  const auto cyc = run(law, 12);
  ASSERT_EQ(cyc.top.method, "cycle");
  EXPECT_TRUE(cyc.top.converged) << cyc.top.message;
  const auto poi = run(law, 3, nd::Method::poisson, 3);
  EXPECT_TRUE(arb_overlaps(cyc.top.value.ball.get(), poi.top.value.ball.get()))
      << cyc.top.message << " / " << poi.top.message;
  EXPECT_LT(width(cyc.top.value.ball), width(poi.top.value.ball) * 1e-6);
  // auto picks the cycle expansion for a positive 3x3 family
  const auto aut = run(law, 10, nd::Method::automatic);
  EXPECT_EQ(aut.top.method, "cycle");
}

// Monte Carlo: 64 batches of 4000 steps of the normalised product; the batch means of the log growth are
// nearly independent with standard error s/8; the certified value must lie within 5 standard errors
// (two-sided level about 6e-7 under normality) plus the O(1/batch) bias allowance of 3/4000.
TEST(CycleNdAgreement, SeededMonteCarloThreeByThreeThreeAtoms) {
  const std::vector<std::vector<double>> m = {
      {7, 4, 5, 5, 8, 4, 4, 5, 9}, {6, 5, 4, 4, 7, 6, 5, 4, 8}, {8, 6, 5, 5, 9, 6, 6, 5, 7}};
  const std::string law =
      "matrices([[7, 4, 5], [5, 8, 4], [4, 5, 9]]: 1/4, [[6, 5, 4], [4, 7, 6], [5, 4, 8]]: 1/4, "
      "[[8, 6, 5], [5, 9, 6], [6, 5, 7]]: 1/2)";
  const auto res = run(law, 8, nd::Method::cycle, 20);
  ASSERT_EQ(res.top.method, "cycle");
  std::printf("%s\n", res.top.message.c_str());
  EXPECT_LE(width(res.top.value.ball), 1e-6) << res.top.message;
  std::mt19937_64 rng(lyapcert::test::test_seed(20261207));
  const int d = 3;
  std::vector<double> v(d, 1.0), w(d);
  const int batches = 64, steps = 4000;
  std::vector<double> means;
  for (int b = 0; b < batches; ++b) {
    double acc = 0;
    for (int s = 0; s < steps; ++s) {
      const std::uint64_t u = rng() >> 62;  // 0..3: atoms 0, 1 with 1/4, atom 2 with 1/2
      const auto& a = m[u == 0 ? 0 : u == 1 ? 1 : 2];
      double norm = 0;
      for (int i = 0; i < d; ++i) {
        w[i] = 0;
        for (int j = 0; j < d; ++j) w[i] += a[i * d + j] * v[j];
        norm += w[i];
      }
      acc += std::log(norm);
      for (int i = 0; i < d; ++i) v[i] = w[i] / norm;
    }
    means.push_back(acc / steps);
  }
  double mean = 0, var = 0;
  for (double x : means) mean += x / batches;
  for (double x : means) var += (x - mean) * (x - mean) / (batches - 1);
  const double se = std::sqrt(var / batches);
  const double cert = arf_get_d(arb_midref(res.top.value.ball.get()), ARF_RND_NEAR);
  EXPECT_LE(std::fabs(cert - mean), 5 * se + 3.0 / steps) << "MC " << mean << " +- " << se << "; " << res.top.message;
}

// Seeded positive 3x3 families (two atoms, entries uniform in [2, 9], p = 1/3, 2/3): the cycle enclosure must overlap
// the Poisson certificate (a different method, LYAPND-POIS-6..8) and lie inside the elementary bounds.
TEST(CycleNdAgreement, SeededRandomFamiliesAgreeWithPoisson) {
  std::mt19937_64 rng(lyapcert::test::test_seed(7310));
  auto draw = [&] {
    while (true) {
      const std::uint64_t x = rng();
      if (x < (~std::uint64_t{0} / 8) * 8) return static_cast<long>(x % 8) + 2;
    }
  };
  int compared = 0;
  for (int rep = 0; rep < 4; ++rep) {
    std::vector<long> a(9), b(9);
    for (auto& x : a) x = draw();
    for (auto& x : b) x = draw();
    const std::string law = "matrices(" + matrix_text(a, 3) + ": 1/3, " + matrix_text(b, 3) + ": 2/3)";
    nd::Result cyc;
    try {
      cyc = run(law, 6, nd::Method::cycle, 5);
    } catch (const lyapcert::InputError& e) {
      continue;  // no polydisc found for this draw: nothing claimed
    }
    if (!cyc.top.value.ball.is_finite()) continue;
    ++compared;
    const auto poi = run(law, 3, nd::Method::poisson, 1.5);
    EXPECT_TRUE(arb_overlaps(cyc.top.value.ball.get(), poi.top.value.ball.get()))
        << law << ": " << cyc.top.message << " / " << poi.top.message;
    const auto aut = run(law, 6, nd::Method::automatic, 5);  // elementary bounds on: throws if disjoint
    EXPECT_TRUE(arb_overlaps(cyc.top.value.ball.get(), aut.top.value.ball.get())) << law;
  }
  EXPECT_GE(compared, 3);  // with the default seed every draw gets a certificate
}

// The bounds of LYAPND-CYCND-4 must dominate the computed coefficients, and the truncation must shrink.
TEST(CycleNdBounds, BoundsDominateComputedCoefficients) {
  const auto fam = std::get<laws::FiniteMatrices>(laws::parse_matrix_law(pollicott_sym(2)).node);
  const auto cert = nd::find_cycle_nd_certificate(fam, 3, 20);
  ASSERT_TRUE(cert.has_value());
  EXPECT_LT(cert->theta_max, 1);
  const int N = 9;
  const auto bounds = nd::cycle_nd_bounds(*cert, N, 128);
  const auto lev = nd::cycle_nd_levels(*cert, bounds, N, 256, std::chrono::steady_clock::now() + std::chrono::seconds(60));
  ASSERT_TRUE(lev.has_value());
  for (int n = 1; n <= N; ++n) {
    Ball a;
    arb_abs(a.get(), lev->c[n].get());
    EXPECT_TRUE(arb_le(a.get(), bounds.coefficient_bound[n].get()) || arb_overlaps(a.get(), bounds.coefficient_bound[n].get()))
        << "n = " << n;
  }
  for (int n = 2; n <= N; ++n) EXPECT_TRUE(arb_le(bounds.tail_z[n].get(), bounds.tail_z[n - 1].get()));
  EXPECT_LT(width(lev->lambda[N - 1]), width(lev->lambda[3]));
  std::printf("theta = %.4g; ", cert->theta_max.convert_to<double>());
  for (int n = 1; n <= N; ++n)
    std::printf("n=%d |c|=%.2e bound=%.2e tail_z=%.2e tail_t=%.2e\n", n, mag_get_d(arb_radref(lev->c[n].get())) + std::fabs(arf_get_d(arb_midref(lev->c[n].get()), ARF_RND_NEAR)),
                arf_get_d(arb_midref(bounds.coefficient_bound[n].get()), ARF_RND_UP),
                arf_get_d(arb_midref(bounds.tail_z[n].get()), ARF_RND_UP),
                arf_get_d(arb_midref(bounds.tail_t[n].get()), ARF_RND_UP));
}

// A single positive matrix: Lambda = log of its Perron root, here taken as the largest real root returned by Arb's
// certified complex root isolation of the characteristic polynomial (a different algorithm from the code's
// Collatz-Wielandt + interval Newton); words of length 1 only carry the atom itself.
TEST(CycleNdClosedForms, SingleMatrixIsLogOfPerronRoot) {
  for (const std::vector<long>& a : {std::vector<long>{1, 1, 1, 1, 1, 1, 1, 1, 2},
                                     std::vector<long>{6, 5, 5, 4, 5, 6, 4, 5, 5, 4, 6, 5, 4, 5, 5, 7}}) {
    const int d = a.size() == 9 ? 3 : 4;
    const auto res = run("matrices(" + matrix_text(a, d) + ": 1)", 20);
    ASSERT_EQ(res.top.method, "cycle");
    fmpz_mat_t m;
    fmpz_mat_init(m, d, d);
    for (int e = 0; e < d * d; ++e) fmpz_set_si(fmpz_mat_entry(m, e / d, e % d), a[e]);
    fmpz_poly_t cp;
    fmpz_poly_init(cp);
    fmpz_mat_charpoly_berkowitz(cp, m);
    acb_ptr roots = _acb_vec_init(d);
    arb_fmpz_poly_complex_roots(roots, cp, 0, 256);
    int real = 0;
    for (int i = 0; i < d; ++i) real += acb_is_real(roots + i) ? 1 : 0;
    ASSERT_GE(real, 1);
    Ball ref;
    arb_log(ref.get(), acb_realref(roots + real - 1), 256);  // real roots come first, in increasing order
    EXPECT_TRUE(res.top.converged) << res.top.message;
    EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), ref.get())) << res.top.message;
    _acb_vec_clear(roots, d);
    fmpz_poly_clear(cp);
    fmpz_mat_clear(m);
  }
}

TEST(CycleNdHypothesis, MixedSignsAreRefused) {
  EXPECT_FALSE(nd::cycle_nd_applies_for_auto(
      std::get<laws::FiniteMatrices>(
          laws::parse_matrix_law("matrices([[1, -1, 0], [1, 1, 0], [0, 0, 1]]: 1/2, [[2, 1, 1], [1, 2, 1], [1, 1, 2]]: 1/2)")
              .node),
      3));
  EXPECT_THROW(run("matrices([[1, -1, 0], [1, 1, 0], [0, 0, 1]]: 1/2, [[2, 1, 1], [1, 2, 1], [1, 1, 2]]: 1/2)", 10),
               lyapcert::InputError);
}

// ---------------------------------------------------------------------------------------------
// Families that preserve a simplicial cone other than the orthant (LYAPND-CYCND-7): T S_i T^-1 for positive S_i
// and a unimodular T (integer entries, det = +-1, so the conjugates are integer matrices of mixed signs). Their
// exponent is that of the S_i, known independently (the published constant for Sym^k of Pollicott's pair; the
// cycle expansion of the positive family itself, which needs no change of basis).

using lyapcert::exact::Rational;

// T S T^-1 for integer d x d matrices, T unimodular (checked: the inverse must be integral).
std::vector<long> conjugate(const std::vector<long>& s, const std::vector<long>& t, int d) {
  std::vector<Rational> tr(t.begin(), t.end()), sr(s.begin(), s.end());
  // Gauss-Jordan inverse of T, exactly.
  std::vector<Rational> a = tr, inv(d * d, Rational(0));
  for (int i = 0; i < d; ++i) inv[i * d + i] = 1;
  for (int c = 0; c < d; ++c) {
    int p = c;
    while (a[p * d + c] == 0) ++p;
    for (int j = 0; j < d; ++j) std::swap(a[p * d + j], a[c * d + j]), std::swap(inv[p * d + j], inv[c * d + j]);
    const Rational f = 1 / a[c * d + c];
    for (int j = 0; j < d; ++j) a[c * d + j] *= f, inv[c * d + j] *= f;
    for (int i = 0; i < d; ++i) {
      if (i == c) continue;
      const Rational g = a[i * d + c];
      for (int j = 0; j < d; ++j) a[i * d + j] -= g * a[c * d + j], inv[i * d + j] -= g * inv[c * d + j];
    }
  }
  std::vector<long> out(d * d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      Rational x = 0;
      for (int k = 0; k < d; ++k)
        for (int l = 0; l < d; ++l) x += tr[i * d + k] * sr[k * d + l] * inv[l * d + j];
      EXPECT_EQ(denominator(x), 1) << "T is not unimodular";
      out[i * d + j] = static_cast<long>(numerator(x));
    }
  return out;
}

bool mixed_signs(const std::vector<long>& m) {
  return !(std::all_of(m.begin(), m.end(), [](long x) { return x > 0; }) ||
           std::all_of(m.begin(), m.end(), [](long x) { return x < 0; }));
}

std::string conjugated_pollicott_sym(int k, const std::vector<long>& t) {
  const int d = k + 1;
  const std::vector<long> a = conjugate(sym_power(2, 1, 1, 1, k), t, d), b = conjugate(sym_power(3, 1, 2, 1, k), t, d);
  EXPECT_TRUE(mixed_signs(b));  // the family is not positive as given: the change of basis is needed
  return "matrices(" + matrix_text(a, d) + ": 1/2, " + matrix_text(b, d) + ": 1/2)";
}

const std::vector<long> kT3{1, 2, 0, 0, 1, -1, 1, 0, 1};                      // det -1
const std::vector<long> kT4{1, 1, 0, 0, 0, 1, -1, 0, 0, 0, 1, 2, 0, 1, 0, 1};  // det -1

TEST(CycleNdConeBasis, ConjugatedSymmetricSquareGivesTwiceThePublishedConstantToTwentyDigits) {
  const std::string law = conjugated_pollicott_sym(2, kT3);
  const auto res = run(law, 20);
  ASSERT_EQ(res.top.method, "cycle");
  EXPECT_TRUE(res.top.converged) << res.top.message;
  EXPECT_NE(res.top.message.find("LYAPND-CYCND-7"), std::string::npos) << res.top.message;
  EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), pollicott_times(2).get())) << law << ": " << res.top.message;
  EXPECT_LE(width(res.top.value.ball), 1e-19) << res.top.message;
  // auto finds it too (it would otherwise run the Poisson certificate, about 4 digits in 50 s)
  EXPECT_EQ(run(law, 12, nd::Method::automatic, 30).top.method, "cycle");
}

TEST(CycleNdConeBasis, ConjugatedSymmetricCubeGivesThreeTimesThePublishedConstant) {
  const std::string law = conjugated_pollicott_sym(3, kT4);
  const auto res = run(law, 6);
  ASSERT_EQ(res.top.method, "cycle");
  EXPECT_TRUE(res.top.converged) << res.top.message;
  EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), pollicott_times(3).get())) << law << ": " << res.top.message;
  EXPECT_LE(width(res.top.value.ball), 1e-5) << res.top.message;
}

// The basis returned conjugates every atom exactly to a matrix of one strict sign (checked here independently of
// the library's check), and a family with a rotation atom gets none.
TEST(CycleNdConeBasis, BasisConjugatesExactlyAndRotationsHaveNone) {
  const auto fam = std::get<laws::FiniteMatrices>(laws::parse_matrix_law(conjugated_pollicott_sym(2, kT3)).node);
  const auto pb = nd::find_positive_basis(fam, 3);
  ASSERT_TRUE(pb.has_value());
  const int d = 3;
  for (std::size_t i = 0; i < fam.matrices.size(); ++i) {
    const auto& c = pb->conjugated.matrices[i];
    // T C = M T, entry by entry
    for (int r = 0; r < d; ++r)
      for (int col = 0; col < d; ++col) {
        Rational lhs = 0, rhs = 0;
        for (int k = 0; k < d; ++k) {
          lhs += pb->basis[r * d + k] * c[k * d + col];
          rhs += fam.matrices[i][r * d + k] * pb->basis[k * d + col];
        }
        EXPECT_EQ(lhs, rhs);
      }
    const bool pos = std::all_of(c.begin(), c.end(), [](const Rational& x) { return x > 0; });
    const bool neg = std::all_of(c.begin(), c.end(), [](const Rational& x) { return x < 0; });
    EXPECT_TRUE(pos || neg);
  }
  const auto rot = std::get<laws::FiniteMatrices>(
      laws::parse_matrix_law("matrices([[1, -1, 0], [1, 1, 0], [0, 0, 1]]: 1/2, [[2, 1, 1], [1, 2, 1], [1, 1, 2]]: 1/2)")
          .node);
  EXPECT_FALSE(nd::find_positive_basis(rot, 3).has_value());
}

// A seeded positive 3x3 family (entries uniform in [2, 9]) conjugated by a unimodular T: the cycle expansion through
// a change of basis must overlap the cycle expansion of the positive family itself (no change of basis on that
// path; that path is checked against the Poisson certificate above). The simplicial cone found is not the orthant
// of T, and its polydisc contracts less (theta about 0.6 against 0.5), so 6 digits take about 4 s here; `auto`
// may prefer the Poisson certificate for such a family (cycle_nd_useful_for_auto).
TEST(CycleNdConeBasis, SeededConjugatedPositiveFamilyAgreesWithTheOriginal) {
  std::mt19937_64 rng(lyapcert::test::test_seed(8311));
  auto draw = [&] {
    while (true) {
      const std::uint64_t x = rng();
      if (x < (~std::uint64_t{0} / 8) * 8) return static_cast<long>(x % 8) + 2;
    }
  };
  std::vector<long> a(9), b(9);
  for (auto& x : a) x = draw();
  for (auto& x : b) x = draw();
  const std::string orig = "matrices(" + matrix_text(a, 3) + ": 1/3, " + matrix_text(b, 3) + ": 2/3)";
  const std::vector<long> ca = conjugate(a, kT3, 3), cb = conjugate(b, kT3, 3);
  ASSERT_TRUE(mixed_signs(ca) || mixed_signs(cb));
  const std::string conj = "matrices(" + matrix_text(ca, 3) + ": 1/3, " + matrix_text(cb, 3) + ": 2/3)";
  const auto ref = run(orig, 6, nd::Method::cycle, 20);
  const auto res = run(conj, 6, nd::Method::cycle, 20);
  EXPECT_TRUE(ref.top.converged) << orig << ": " << ref.top.message;
  EXPECT_TRUE(res.top.converged) << conj << ": " << res.top.message;
  EXPECT_NE(res.top.message.find("LYAPND-CYCND-7"), std::string::npos) << res.top.message;
  EXPECT_TRUE(arb_overlaps(res.top.value.ball.get(), ref.top.value.ball.get()))
      << conj << ": " << res.top.message << " / " << ref.top.message;
}

}  // namespace
