// Tests of lyapcert::lyapnd against independent values: Arb constants (gamma, log 2) via closed forms
// of the digamma function, a second formulation (quadrature vs closed form), mpmath quadratures,
// exact telescoping identities of the enumeration, and seeded Monte Carlo at loose tolerance.
#include <gtest/gtest.h>

#include <arb.h>

#include <chrono>
#include <cmath>
#include <random>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/closed_forms.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapnd/support.hpp"
#include "support/budget.hpp"

namespace {

using namespace lyapcert::test;  // lyapnd/support.hpp

Ball dec(const char* s, slong prec) {
  Ball b;
  arb_set_str(b.get(), s, prec);
  return b;
}

bool overlaps(const Ball& a, const Ball& b) { return arb_overlaps(a.get(), b.get()); }

// psi(m/2) for m = 1..4 from psi(1) = -gamma, psi(1/2) = -gamma - 2 log 2, psi(x + 1) = psi(x) + 1/x.
Ball psi_half(int m, slong prec) {
  Ball g, l2, r;
  arb_const_euler(g.get(), prec);
  arb_const_log2(l2.get(), prec);
  if (m % 2 == 0) {
    arb_neg(r.get(), g.get());  // psi(1)
    for (int k = 1; k < m / 2; ++k) {  // psi(k + 1) = psi(k) + 1/k
      Ball t;
      arb_set_ui(t.get(), 1);
      arb_div_ui(t.get(), t.get(), k, prec);
      arb_add(r.get(), r.get(), t.get(), prec);
    }
  } else {
    arb_mul_2exp_si(r.get(), l2.get(), 1);
    arb_add(r.get(), r.get(), g.get(), prec);
    arb_neg(r.get(), r.get());  // psi(1/2)
    for (int k = 0; k < (m - 1) / 2; ++k) {  // psi(k + 3/2) = psi(k + 1/2) + 2/(2k + 1)
      Ball t;
      arb_set_ui(t.get(), 2);
      arb_div_ui(t.get(), t.get(), 2 * k + 1, prec);
      arb_add(r.get(), r.get(), t.get(), prec);
    }
  }
  return r;
}

std::string fmt_law(int d, const char* lr) { return "isotropic(" + std::to_string(d) + ", " + lr + ")"; }

TEST(Ginibre, MatchesPublishedValueForD2) {
  const nd::Result r = run("ginibre(2, 1)", 30);
  ASSERT_TRUE(r.top.converged);
  EXPECT_EQ(r.top.method, "ginibre");
  ASSERT_EQ(r.spectrum.size(), 2u);
  Ball g, l2, v1, v2;
  arb_const_euler(g.get(), 200);
  arb_const_log2(l2.get(), 200);
  arb_sub(v1.get(), l2.get(), g.get(), 200);
  arb_mul_2exp_si(v1.get(), v1.get(), -1);  // (log 2 - gamma)/2
  arb_add(v2.get(), l2.get(), g.get(), 200);
  arb_mul_2exp_si(v2.get(), v2.get(), -1);
  arb_neg(v2.get(), v2.get());  // -(gamma + log 2)/2
  EXPECT_TRUE(overlaps(r.top.value.ball, v1)) << r.top.value.ball.debug_str();
  EXPECT_TRUE(overlaps(r.spectrum[1].ball, v2));
  EXPECT_TRUE(overlaps(r.top.value.ball, dec("0.0579657578292062244 +/- 1e-19", 200)));  // docs/math.md section 6
  EXPECT_EQ(r.top.value.sign, lyapcert::lyap::Sign::positive);
  EXPECT_EQ(r.spectrum[1].sign, lyapcert::lyap::Sign::negative);
}

TEST(Ginibre, SpectrumMatchesDigammaClosedFormsUpToD4) {
  for (int d = 1; d <= 4; ++d) {
    for (const char* sigma : {"1", "3/2", "0.1"}) {
      const Rational s = lyapcert::exact::parse_rational(sigma);
      for (int i = 1; i <= d; ++i) {
        Ball got, want, ls;
        nd::ginibre_exponent(got.get(), d, i, s, 128);
        Ball s2 = Ball::from_rational(2 * s * s, 200);
        arb_log(ls.get(), s2.get(), 200);
        arb_add(want.get(), ls.get(), psi_half(d - i + 1, 200).get(), 200);
        arb_mul_2exp_si(want.get(), want.get(), -1);
        EXPECT_TRUE(overlaps(got, want)) << "d=" << d << " i=" << i << " sigma=" << sigma;
        EXPECT_LT(arf_cmpabs_2exp_si(arb_midref(got.get()), 10), 0);
        EXPECT_TRUE(mag_cmp_2exp_si(arb_radref(got.get()), -100) < 0);
      }
    }
  }
}

// Reference values: mpmath 1.x, mp.dps = 30, quad of (1/2) I_d(|1 - lr s|) f_d(s) over [0, 1/lr, inf]
// (I_2, I_4 of docs/math.md section 4); the d = 2 values also agree with mpmath's e1/ei closed form.
struct IsoRef {
  const char* lr;
  const char* d2;
  const char* d4;
};
const IsoRef kIsoRefs[] = {
    {"0.3", "-0.229310524008918701994522291091", "-0.0827386176406169691557625940817"},
    {"1", "0.0296968763111047360530887982191", "0.371189176791210121810034762662"},
    {"2.5", "0.601581722903042481483367993307", "1.03033200132436303075889272979"},
};

TEST(Isotropic, ClosedFormMatchesQuadratureAndMpmath) {
  for (const IsoRef& ref : kIsoRefs) {
    const Rational lr = lyapcert::exact::parse_rational(ref.lr);
    Ball cf, q2, q4;
    nd::isotropic2_closed_form(cf.get(), lr, 128);
    nd::isotropic_quadrature(q2.get(), 2, lr, 128);
    nd::isotropic_quadrature(q4.get(), 4, lr, 128);
    ASSERT_TRUE(cf.is_finite() && q2.is_finite() && q4.is_finite());
    EXPECT_TRUE(overlaps(cf, q2)) << ref.lr << " " << cf.debug_str() << " " << q2.debug_str();
    const std::string e2 = std::string(ref.d2) + " +/- 1e-28", e4 = std::string(ref.d4) + " +/- 1e-28";
    EXPECT_TRUE(overlaps(cf, dec(e2.c_str(), 200))) << ref.lr;
    EXPECT_TRUE(overlaps(q4, dec(e4.c_str(), 200))) << ref.lr << " " << q4.debug_str();
    EXPECT_LT(mag_cmp_2exp_si(arb_radref(q2.get()), -90), 0) << q2.debug_str();
    EXPECT_LT(mag_cmp_2exp_si(arb_radref(q4.get()), -90), 0) << q4.debug_str();
  }
}

// Monte Carlo of log|A e_1|, A = I - lr a a^T, a ~ N(0, I_d) (docs/math.md section 4: Lambda = E log|A e_1|).
// N = 400000 samples, tolerance 6 standard errors + 1e-3: false-failure probability < 1e-8 per check
// (CLT; log|A e_1| has all moments). Seed printed and fixed.
TEST(Isotropic, MatchesSeededMonteCarlo) {
  const std::uint64_t seed = 20240607;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  for (int d : {2, 4}) {
    for (const IsoRef& ref : kIsoRefs) {
      const double lr = std::stod(ref.lr);
      const int n = 400000;
      double s1 = 0, s2 = 0;
      for (int k = 0; k < n; ++k) {
        double a[4];
        for (int i = 0; i < d; ++i) a[i] = z(rng);
        double v2 = 0;
        for (int i = 0; i < d; ++i) {
          const double vi = (i == 0 ? 1.0 : 0.0) - lr * a[i] * a[0];
          v2 += vi * vi;
        }
        const double x = 0.5 * std::log(v2);
        s1 += x;
        s2 += x * x;
      }
      const double mean = s1 / n, var = s2 / n - mean * mean;
      const double tol = 6 * std::sqrt(var / n) + 1e-3;
      const nd::Result r = run(fmt_law(d, ref.lr).c_str(), 20);
      ASSERT_TRUE(r.top.converged) << r.top.message;
      const double got = arf_get_d(arb_midref(r.top.value.ball.get()), ARF_RND_NEAR);
      EXPECT_NEAR(got, mean, tol) << "seed=" << seed << " d=" << d << " lr=" << ref.lr;
    }
  }
}

TEST(Isotropic, CliPathConvergesAt30Digits) {
  const nd::Result r = run("isotropic(2, 0.3)", 30);
  EXPECT_TRUE(r.top.converged) << r.top.message;
  EXPECT_EQ(r.top.method, "isotropic-closed-form");
  EXPECT_EQ(r.top.value.sign, lyapcert::lyap::Sign::negative);
  const nd::Result r4 = run("isotropic(4, 2.5)", 20);
  EXPECT_TRUE(r4.top.converged) << r4.top.message;
  EXPECT_EQ(r4.top.value.sign, lyapcert::lyap::Sign::positive);
  // d = 3: certified quadrature (proofs/lyapnd/isotropic3.md; values tested in isotropic3_test.cpp).
  const nd::Result r3 = run("isotropic(3, 1)", 10);
  EXPECT_FALSE(r3.upper_bound_only);
  EXPECT_TRUE(r3.top.converged);
  EXPECT_EQ(r3.top.method, "isotropic-quadrature");
  // d = 1: only the Jensen upper bound (1/2) log(1 - 2 lr + 3 lr^2).
  const nd::Result r1 = run("isotropic(1, 1)", 10);
  EXPECT_TRUE(r1.upper_bound_only);
  EXPECT_FALSE(r1.top.converged);
}

// Triangular family: Lambda = max(E log|a11|, E log|a22|) = max(0, log(3/2)/2).
TEST(Commuting, TriangularFamilyIsMaxOfDiagonalMeans) {
  const nd::Result r = run("matrices([[2, 1], [0, 1/2]]: 1/2, [[1/2, 0], [0, 3]]: 1/2)", 30);
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_EQ(r.top.method, "commuting");
  Ball want;
  arb_set_ui(want.get(), 3);
  arb_mul_2exp_si(want.get(), want.get(), -1);
  arb_log(want.get(), want.get(), 200);
  arb_mul_2exp_si(want.get(), want.get(), -1);
  EXPECT_TRUE(overlaps(r.top.value.ball, want)) << r.top.value.ball.debug_str();
  // The enumeration upper bound must lie above it (two methods agree in direction).
  const nd::Result e = run("matrices([[2, 1], [0, 1/2]]: 1/2, [[1/2, 0], [0, 3]]: 1/2)", 10, nd::Method::enumerate, 2);
  // Two-sided with the lower end E log|det A| / 2 = log(3/2)/4 (LYAPND-ELEM-1): it contains Lambda.
  EXPECT_FALSE(e.upper_bound_only);
  EXPECT_TRUE(arb_contains(e.top.value.ball.get(), want.get())) << e.top.value.ball.debug_str();
}

TEST(Commuting, ExactZeroAndMinusInfinity) {
  const nd::Result z = run("matrices([[2, 0], [0, 1/2]]: 1/2, [[1/2, 0], [0, 2]]: 1/2)", 30);
  ASSERT_TRUE(z.top.converged);
  EXPECT_EQ(z.top.value.sign, lyapcert::lyap::Sign::zero);
  EXPECT_TRUE(z.top.value.exact);
  const nd::Result m = run("matrices([[0, 1], [0, 0]]: 1/2, [[0, 0], [0, 1]]: 1/2)", 10, nd::Method::commuting);
  EXPECT_TRUE(m.top.value.minus_infinity);
  // Commuting but not triangular: the polynomial certificate (LYAPND-COMM-2) applies; eigenvalues
  // (1, 2) and (-1, 2) paired, Lambda = (log 2)/2 (more in commuting_test.cpp).
  const nd::Result c = run("matrices([[0, 1], [1, 0]]: 1/2, [[2, 0], [0, 2]]: 1/2)", 20, nd::Method::commuting);
  ASSERT_TRUE(c.top.converged) << c.top.message;
  Ball half_log2;
  arb_const_log2(half_log2.get(), 200);
  arb_mul_2exp_si(half_log2.get(), half_log2.get(), -1);
  EXPECT_TRUE(overlaps(c.top.value.ball, half_log2)) << c.top.value.ball.debug_str();
  // Neither commuting nor triangular: refused.
  EXPECT_THROW(run("matrices([[1, 1], [0, 1]]: 1/2, [[1, 0], [1, 1]]: 1/2)", 10, nd::Method::commuting),
               lyapcert::InputError);
}

// A1 = (1,0)(1,2)^T, A2 = (1,1)(1,0)^T: q = v_j^T u_i in {1, 1, 3, 1}, Lambda = (log 3)/4.
// Independent check: n U_n = E log|u| + E log|v| + (n - 1) Lambda exactly, so n U_n - (n-1) U_{n-1} = Lambda.
TEST(RankOne, AltschulerParriloMatchesEnumerationTelescoping) {
  const char* law = "matrices([[1, 2], [0, 0]]: 1/2, [[1, 0], [1, 0]]: 1/2)";
  const nd::Result r = run(law, 30);
  ASSERT_TRUE(r.top.converged);
  EXPECT_EQ(r.top.method, "rankone");
  Ball want;
  arb_set_ui(want.get(), 3);
  arb_log(want.get(), want.get(), 200);
  arb_mul_2exp_si(want.get(), want.get(), -2);
  EXPECT_TRUE(overlaps(r.top.value.ball, want));
  const auto fam = std::get<lyapcert::laws::FiniteMatrices>(lyapcert::laws::parse_matrix_law(law).node);
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  auto u7 = nd::enumeration_bound(fam, 2, 7, 200, far);
  auto u8 = nd::enumeration_bound(fam, 2, 8, 200, far);
  ASSERT_TRUE(u7 && u8);
  Ball t;
  arb_mul_ui(t.get(), u8->upper_bound.get(), 8, 200);
  arb_submul_ui(t.get(), u7->upper_bound.get(), 7, 200);
  EXPECT_TRUE(overlaps(t, want)) << t.debug_str();
}

TEST(RankOne, OrthogonalPairGivesMinusInfinityBothWays) {
  const char* law = "matrices([[1, 0], [0, 0]]: 1/2, [[0, 0], [0, 1]]: 1/2)";
  const nd::Result r = run(law, 10, nd::Method::rankone);
  EXPECT_TRUE(r.top.value.minus_infinity);
  const nd::Result e = run(law, 10, nd::Method::enumerate);
  EXPECT_TRUE(e.top.value.minus_infinity);
  EXPECT_EQ(e.word_length, 2);
}

// Pollicott's example (docs/math.md section 6): the bound is above Lambda and within 0.05 of it.
TEST(Enumerate, PollicottUpperBound) {
  // (auto picks the cycle expansion for this positive family: tests/lyapnd/cycle_test.cpp)
  const nd::Result r = run("matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)", 10, nd::Method::enumerate, 1.5);
  EXPECT_EQ(r.top.method, "enumerate");
  // Two-sided since both atoms have det 1: the lower end is E log|det A| / 2 = 0 (LYAPND-ELEM-1, -2).
  EXPECT_FALSE(r.upper_bound_only);
  EXPECT_FALSE(r.top.converged);
  const Ball lam = dec("1.14331103510294924584325185365558829940254614 +/- 1e-44", 200);
  EXPECT_TRUE(arb_contains(r.top.value.ball.get(), lam.get())) << r.top.value.ball.debug_str();
  Ball up;
  arb_set_round(up.get(), r.top.value.ball.get(), 200);
  arb_get_ubound_arf(arb_midref(up.get()), r.top.value.ball.get(), 200);
  mag_zero(arb_radref(up.get()));
  Ball hi = dec("1.19331103510294924584325185365558829940254614", 200);
  EXPECT_TRUE(arb_lt(up.get(), hi.get())) << r.top.value.ball.debug_str() << " n=" << r.word_length;
  EXPECT_GE(r.word_length, 8);
}

// A 90-degree rotation: Lambda = 0; the Frobenius bound log(2)/(2n) stays above it.
TEST(Enumerate, RotationBoundIsSubmultiplicative) {
  const nd::Result r = run("matrices([[0, -1], [1, 0]]: 1)", 10, nd::Method::enumerate);
  // [E log|det A| / 2, U_n] = [0, log(2)/(2n)] (LYAPND-ELEM-1): contains 0, upper end positive.
  EXPECT_TRUE(arb_contains_zero(r.top.value.ball.get()));
  arf_t u;
  arf_init(u);
  arb_get_ubound_arf(u, r.top.value.ball.get(), 64);
  EXPECT_GT(arf_sgn(u), 0);
  arf_clear(u);
}

// The budget mechanism: whatever the machine's speed, a 0.3 s budget cannot reach 10 digits by enumeration (the
// bound shrinks like 1/n), so the result is a flagged, non-converged true upper bound. No duration is asserted
// (a loaded machine is arbitrarily slow; the end of the budget is checked between levels).
TEST(Enumerate, TimeBudgetIsHonoured) {
  const nd::Result r =
      run("matrices([[2, 1], [1, 1]]: 1/3, [[3, 1], [2, 1]]: 1/3, [[1, 1], [0, 1]]: 1/3)", 10, nd::Method::enumerate, 0.3);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.top.converged);
  EXPECT_FALSE(r.top.message.empty());
}

// The deterministic counterpart: the word-length cap ends the enumeration at n = 6 on every machine (no clock:
// kNoWallClock), with the same enclosure bit for bit, and the upper end obeys U_6 <= U_3 (submultiplicativity:
// 6 U_6 = E log|A_6 .. A_1| <= E log|A_6 .. A_4| + E log|A_3 .. A_1| = 6 U_3, LYAPND-ENUM-1).
TEST(Enumerate, WordLengthCapIsDeterministic) {
  const char* law = "matrices([[2, 1], [1, 1]]: 1/3, [[3, 1], [2, 1]]: 1/3, [[1, 1], [0, 1]]: 1/3)";
  auto capped = [&](int n) {
    nd::Options o;
    o.acc.digits = 10;
    o.method = nd::Method::enumerate;
    o.time_budget_seconds = lyapcert::test::kNoWallClock;
    o.max_word_length = n;
    return nd::certify_lyapnd(lyapcert::laws::parse_matrix_law(law), o);
  };
  const nd::Result a = capped(6), b = capped(6), c = capped(3);
  EXPECT_FALSE(a.timed_out);
  EXPECT_FALSE(a.top.converged);
  EXPECT_EQ(a.word_length, 6);
  EXPECT_EQ(c.word_length, 3);
  EXPECT_TRUE(arb_equal(a.top.value.ball.get(), b.top.value.ball.get()));
  arf_t ua, uc;
  arf_init(ua);
  arf_init(uc);
  arb_get_ubound_arf(ua, a.top.value.ball.get(), 64);
  arb_get_ubound_arf(uc, c.top.value.ball.get(), 64);
  EXPECT_LE(arf_cmp(ua, uc), 0);
  arf_clear(ua);
  arf_clear(uc);
}

TEST(Methods, WrongMethodIsInputError) {
  EXPECT_THROW(run("ginibre(2, 1)", 10, nd::Method::isotropic), lyapcert::InputError);
  EXPECT_THROW(run("matrices([[2, 1], [1, 1]]: 1)", 10, nd::Method::rankone), lyapcert::InputError);
  EXPECT_THROW(nd::parse_method("bogus"), lyapcert::InputError);
}

}  // namespace
