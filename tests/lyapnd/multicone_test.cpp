// Tests of the multicone method (lib/lyapcert/lyapnd/multicone.hpp, proofs/lyapnd/multicone.md)
// against independent values: Pollicott's published constant for conjugated and sign-flipped copies of
// his family (Lambda is invariant under conjugation and under negating an atom), the Poisson-equation
// certificate and the enumeration upper bound (other algorithms) and seeded Monte Carlo for a family
// that needs two arcs, a third (transient) arc that must not move the value, and refusals.
#include <gtest/gtest.h>

#include <arb.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/multicone.hpp"
#include "lyapnd/support.hpp"

namespace {

using namespace lyapcert::test;  // lyapnd/support.hpp
namespace laws = lyapcert::laws;

// docs/math.md section 6 (Pollicott 2010, Invent. Math. 181; Jurga-Morris 2019): 45 significant digits.
constexpr const char* kPollicott = "1.14331103510294924584325185365558829940254614";

// Pollicott's family [[2, 1], [1, 1]], [[3, 1], [2, 1]] conjugated by M = [[1, 2], [-1, 1]]
// (M A M^{-1}, computed by hand in exact fractions) with the second atom negated: mixed signs, no
// entrywise sign pattern, the same Lambda.
constexpr const char* kConjugated = "matrices([[7/3, -5/3], [-1/3, 2/3]]: 1/2, [[-10/3, 11/3], [1/3, -2/3]]: 1/2)";

// A = diag(40, 1) (attracting e1, repelling e2) and B = Q diag(40, 1) Q^{-1}, Q = [[1, 2], [2, 1]]
// (attracting (1, 2), repelling (2, 1)). In angle order the fixed directions alternate
// (0: A attracting, 26.6 deg: B repelling, 63.4: B attracting, 90: A repelling), so no single arc is
// invariant (it would contain a repelling direction) but two arcs around 0 and 63.4 degrees are.
constexpr const char* kTwoArcs = "matrices([[40, 0], [0, 1]]: 1/2, [[-12, 26], [-26, 53]]: 1/2)";

Ball reference(const char* digits, const char* rad) {
  Ball b, r;
  arb_set_str(b.get(), digits, 400);
  arb_set_str(r.get(), rad, 64);
  arb_add_error(b.get(), r.get());
  return b;
}

laws::FiniteMatrices family(const std::string& law) {
  return std::get<laws::FiniteMatrices>(laws::parse_matrix_law(law).node);
}

TEST(MulticonePollicott, ConjugatedAndNegatedFamilyContainsPublishedDigits) {
  for (nd::Method m : {nd::Method::multicone, nd::Method::automatic}) {
    const auto t0 = Clock::now();
    const nd::Result r = run(kConjugated, 30, m);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_EQ(r.top.method, "multicone");  // auto prefers it over the Poisson certificate
    EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), reference(kPollicott, "1e-44").get()))
        << r.top.value.ball.debug_str(50);
    EXPECT_LE(width(r.top.value.ball), 2e-30);
    const lyapcert::lyap::DecimalEnclosure d = lyapcert::lyap::to_decimal(r.top.value, 30);
    const std::string ref(kPollicott);
    EXPECT_EQ(d.lower.substr(0, 31), ref.substr(0, 31)) << d.lower;
    EXPECT_EQ(d.upper.substr(0, 31), ref.substr(0, 31)) << d.upper;
    std::printf("conjugated Pollicott, 30 digits: %.3f s, %s\n", secs, r.top.message.c_str());
  }
}

TEST(MulticonePollicott, PositiveFamilyAndNegatedAtomAgreeWithCycle) {
  for (const char* law : {"matrices([[2, 1], [1, 1]]: 1/2, [[3, 1], [2, 1]]: 1/2)",
                          "matrices([[2, 1], [1, 1]]: 1/2, [[-3, -1], [-2, -1]]: 1/2)"}) {
    const nd::Result r = run(law, 30, nd::Method::multicone);
    ASSERT_TRUE(r.top.converged) << r.top.message;
    EXPECT_TRUE(arb_overlaps(r.top.value.ball.get(), reference(kPollicott, "1e-44").get()));
  }
}

// The one-arc family through the several-disc certificate (verify_multicone_discs with m = 1: chart
// constants, kappa_i / kappa_ij ratios, sign-normalised atoms) instead of the conjugated one-disc search.
TEST(MulticonePollicott, OneArcThroughTheDiscSystemCertificate) {
  const auto mc = nd::find_multicone(family(kConjugated));
  ASSERT_TRUE(mc.has_value());
  ASSERT_EQ(mc->arcs.size(), 1u);
  const auto cert = nd::find_multicone_certificate(*mc, 30);
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->cones, 1);
  EXPECT_EQ(cert->sign[0] * cert->sign[1], -1);  // one atom is negated in its chart: the walk must see tr > 0
  const auto lev = nd::cycle_levels(*cert, nd::cycle_bounds(*cert, 12, 64), 12, 200, Clock::time_point::max());
  ASSERT_TRUE(lev.has_value());
  ASSERT_TRUE(lev->lambda.back().is_finite());
  EXPECT_TRUE(arb_overlaps(lev->lambda.back().get(), reference(kPollicott, "1e-44").get()))
      << lev->lambda.back().debug_str(40);
  EXPECT_LT(width(lev->lambda.back()), 1e-25);
}

TEST(MulticoneTwoArcs, SearchFindsTwoArcsAndTheyVerify) {
  const auto f = family(kTwoArcs);
  std::string why;
  const auto mc = nd::find_multicone(f, &why);
  ASSERT_TRUE(mc.has_value()) << why;
  ASSERT_EQ(mc->arcs.size(), 2u);
  // A maps both arcs into the arc of its attracting direction, B into the other one.
  EXPECT_EQ(mc->target[0], mc->target[1]);
  EXPECT_EQ(mc->target[2], mc->target[3]);
  EXPECT_NE(mc->target[0], mc->target[2]);
  EXPECT_TRUE(nd::verify_multicone(f, mc->arcs).has_value());
  const auto cert = nd::find_multicone_certificate(*mc, 30);
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->cones, 2);
  EXPECT_LT(cert->theta_max, Rational(1, 4));
}

// Independent checks: the Poisson certificate (rigorous, wide), the enumeration upper bound (rigorous,
// one-sided) and a seeded Monte Carlo estimate.
TEST(MulticoneTwoArcs, AgreesWithPoissonEnumerationAndMonteCarlo) {
  const nd::Result r = run(kTwoArcs, 30, nd::Method::multicone);
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_EQ(r.top.method, "multicone");
  EXPECT_NE(r.top.message.find("2 arcs"), std::string::npos) << r.top.message;
  EXPECT_LE(width(r.top.value.ball), 2e-29);
  std::printf("two arcs, 30 digits: %s\n  %s\n", r.top.value.ball.debug_str(35).c_str(), r.top.message.c_str());
  EXPECT_EQ(run(kTwoArcs, 10, nd::Method::automatic).top.method, "multicone");

  const nd::Result p = run_levels(kTwoArcs, 3, 6);
  ASSERT_TRUE(p.top.value.ball.is_finite()) << p.top.message;
  EXPECT_TRUE(arb_overlaps(p.top.value.ball.get(), r.top.value.ball.get()))
      << p.top.value.ball.debug_str(10) << " vs " << r.top.value.ball.debug_str(10);

  nd::Options o;
  o.acc.digits = 3;
  o.method = nd::Method::enumerate;
  o.max_word_length = 12;
  const nd::Result e = nd::certify_lyapnd(laws::parse_matrix_law(kTwoArcs), o);
  // Enumeration is two-sided for invertible families ([E log|det A|/2, U_n], LYAPND-ELEM-1, -2): it must overlap.
  ASSERT_TRUE(e.top.value.ball.is_finite()) << e.top.message;
  EXPECT_TRUE(arb_overlaps(e.top.value.ball.get(), r.top.value.ball.get()));
  arf_t up, lo;
  arf_init(up);
  arf_init(lo);
  arb_get_ubound_arf(up, e.top.value.ball.get(), 64);
  arb_get_lbound_arf(lo, r.top.value.ball.get(), 200);
  EXPECT_LE(arf_cmp(lo, up), 0) << "enumeration bound " << arf_get_d(up, ARF_RND_UP);
  arf_clear(up);
  arf_clear(lo);

  // Monte Carlo: (1/n) log |S_n v| from one trajectory of n = 4e6 steps, standard error from 100 batch
  // means (std::mt19937_64, seed 20261207; the atom is the top bit of each draw). With the batch-means
  // t statistic (99 degrees of freedom) the two-sided false-failure probability of |t| > 6.5 is below
  // 1e-8; the O(1/n) start-up bias is below 1e-6 here.
  std::mt19937_64 rng(20261207);
  const int batches = 100, per = 40000;
  double x = 1, y = 0.3, total = 0;
  std::array<double, 100> means{};
  for (int b = 0; b < batches; ++b) {
    double acc = 0;
    for (int s = 0; s < per; ++s) {
      double nx, ny;
      if (rng() >> 63) {
        nx = 40 * x;
        ny = y;
      } else {
        nx = -12 * x + 26 * y;
        ny = -26 * x + 53 * y;
      }
      const double nrm = std::hypot(nx, ny);
      acc += std::log(nrm);
      x = nx / nrm;
      y = ny / nrm;
    }
    means[b] = acc / per;
    total += acc;
  }
  const double mc = total / (static_cast<double>(batches) * per);
  double var = 0;
  for (double m : means) var += (m - mc) * (m - mc);
  const double se = std::sqrt(var / (batches - 1) / batches);
  std::printf("Monte Carlo %.6f +- %.2g (seed 20261207), certified %.12f\n", mc, se, mid(r.top.value.ball));
  EXPECT_LT(std::fabs(mc - mid(r.top.value.ball)), 6.5 * se + 1e-6);
}

// Blocks of two: the family of products A_j A_i with probability p_i p_j has exponent 2 Lambda and the same
// multicone, but other atoms, other traces (words of length n are words of length 2n of the original
// family), other discs and another bound.
TEST(MulticoneTwoArcs, BlocksOfTwoGiveTwiceTheExponent) {
  // A A, B A, A B, B B for A = diag(40, 1), B = [[-12, 26], [-26, 53]] (exact integer products).
  const std::string blocked =
      "matrices([[1600, 0], [0, 1]]: 1/4, [[-480, 26], [-1040, 53]]: 1/4, [[-480, 1040], [-26, 53]]: 1/4, "
      "[[-532, 1066], [-1066, 2133]]: 1/4)";
  const nd::Result a = run(kTwoArcs, 25, nd::Method::multicone);
  const nd::Result b = run(blocked, 25, nd::Method::multicone);
  ASSERT_TRUE(a.top.converged) << a.top.message;
  ASSERT_TRUE(b.top.converged) << b.top.message;
  EXPECT_NE(b.top.message.find("2 arcs"), std::string::npos) << b.top.message;
  Ball twice;
  arb_mul_2exp_si(twice.get(), a.top.value.ball.get(), 1);
  EXPECT_TRUE(arb_overlaps(twice.get(), b.top.value.ball.get()))
      << twice.debug_str(30) << " vs " << b.top.value.ball.debug_str(30);
}

// A third arc that no atom maps into (a transient state of the chain on the arcs): the traces are the
// same, only the bound changes (m = 3), so the enclosure must meet the one from two arcs.
TEST(MulticoneTwoArcs, TransientThirdArcGivesTheSameValue) {
  const auto f = family(kTwoArcs);
  const auto mc2 = nd::find_multicone(f);
  ASSERT_TRUE(mc2.has_value());
  auto arcs = mc2->arcs;
  // Directions from 100 to 110 degrees, as exact dyadic vectors: mapped by A towards 0 and by B towards
  // 63.4 degrees, away from both repelling directions.
  arcs.push_back({Rational(-1736, 10000), Rational(9848, 10000), Rational(-3420, 10000), Rational(9397, 10000)});
  const auto mc3 = nd::verify_multicone(f, arcs);
  ASSERT_TRUE(mc3.has_value());
  for (int i = 0; i < 2; ++i) EXPECT_NE(mc3->target[i * 3 + 2], 2);
  const auto c2 = nd::find_multicone_certificate(*mc2, 20);
  const auto c3 = nd::find_multicone_certificate(*mc3, 20);
  ASSERT_TRUE(c2 && c3);
  const auto l2 = nd::cycle_levels(*c2, nd::cycle_bounds(*c2, 14, 64), 14, 128, Clock::time_point::max());
  const auto l3 = nd::cycle_levels(*c3, nd::cycle_bounds(*c3, 14, 64), 14, 128, Clock::time_point::max());
  ASSERT_TRUE(l2 && l3);
  ASSERT_TRUE(l2->lambda.back().is_finite());
  ASSERT_TRUE(l3->lambda.back().is_finite());
  EXPECT_TRUE(arb_overlaps(l2->lambda.back().get(), l3->lambda.back().get()));
  // Identical traces: the computed coefficients agree.
  for (int n = 0; n <= 14; ++n) EXPECT_TRUE(arb_overlaps(l2->c[n].get(), l3->c[n].get())) << n;
  EXPECT_LT(width(l3->lambda.back()), 1e-6);
  // Every level encloses the value (nested consistency of the truncation bound).
  for (std::size_t n = 0; n < l2->lambda.size(); ++n)
    if (l2->lambda[n].is_finite()) EXPECT_TRUE(arb_overlaps(l2->lambda[n].get(), l2->lambda.back().get())) << n;
}

// Conjugating the two-arc family by a rational matrix and negating an atom moves the arcs (other charts,
// other discs, other rounding) but not Lambda.
TEST(MulticoneTwoArcs, ConjugatedAndNegatedFamilyGivesTheSameValue) {
  // M = [[2, 1], [1, 3]], det 5: M A M^{-1} for A = diag(40, 1) and -(M B M^{-1}) for B = [[-12, 26], [-26, 53]],
  // in exact fractions (Python's fractions module; the test also checks that the search finds two arcs).
  const std::string conj = "matrices([[239/5, -78/5], [117/5, -34/5]]: 1/2, [[51, -52], [91, -92]]: 1/2)";
  const auto mc = nd::find_multicone(family(conj));
  ASSERT_TRUE(mc.has_value());
  EXPECT_EQ(mc->arcs.size(), 2u);
  const nd::Result a = run(kTwoArcs, 25, nd::Method::multicone);
  const nd::Result b = run(conj, 25, nd::Method::automatic);
  ASSERT_TRUE(a.top.converged && b.top.converged) << b.top.message;
  EXPECT_EQ(b.top.method, "multicone");
  EXPECT_TRUE(arb_overlaps(a.top.value.ball.get(), b.top.value.ball.get()))
      << a.top.value.ball.debug_str(30) << " vs " << b.top.value.ball.debug_str(30);
}

// Seeded random families with alternating attracting / repelling directions (A_i = P diag(l1, l2) P^{-1} with
// |l1| in [15, 60], |l2| in [1, 3], integer direction vectors): every certified enclosure must meet the
// Poisson certificate and lie below the enumeration upper bound. std::mt19937_64(seed 7), the first 3
// families with two or more arcs and theta <= 1/2.
TEST(MulticoneProperty, RandomDominatedFamiliesAgreeWithPoissonAndEnumeration) {
  std::mt19937_64 rng(7);
  auto uniform = [&](int lo, int hi) {  // rejection sampling, portable
    const std::uint64_t n = static_cast<std::uint64_t>(hi - lo + 1);
    while (true) {
      const std::uint64_t x = rng();
      if (x < (~std::uint64_t{0} / n) * n) return lo + static_cast<int>(x % n);
    }
  };
  auto dir = [](int deg) {
    const double t = deg * 3.14159265358979323846 / 180;
    return std::array<long, 2>{std::lround(6 * std::cos(t)), std::lround(6 * std::sin(t))};
  };
  auto atom = [&](std::array<long, 2> att, std::array<long, 2> rep) {
    const Rational l1 = Rational((uniform(0, 1) ? 1 : -1) * uniform(15, 60));
    const Rational l2 = Rational((uniform(0, 1) ? 1 : -1) * uniform(1, 3));
    const Rational det = Rational(att[0] * rep[1] - att[1] * rep[0]);
    // P = [att | rep], A = P diag(l1, l2) P^{-1}
    const Rational p00(att[0]), p01(rep[0]), p10(att[1]), p11(rep[1]);
    const Rational i00 = p11 / det, i01 = -p01 / det, i10 = -p10 / det, i11 = p00 / det;
    return std::array<Rational, 4>{p00 * l1 * i00 + p01 * l2 * i10, p00 * l1 * i01 + p01 * l2 * i11,
                                   p10 * l1 * i00 + p11 * l2 * i10, p10 * l1 * i01 + p11 * l2 * i11};
  };
  int tested = 0;
  for (int trial = 0; trial < 200 && tested < 3; ++trial) {
    std::array<int, 4> deg{};
    for (int& x : deg) x = 9 * uniform(0, 19);
    std::sort(deg.begin(), deg.end());
    if (std::adjacent_find(deg.begin(), deg.end()) != deg.end()) continue;
    const auto attA = dir(deg[0]), repB = dir(deg[1]), attB = dir(deg[2]), repA = dir(deg[3]);
    const std::array<std::array<long, 2>, 4> v{attA, repB, attB, repA};
    bool parallel = false;
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) parallel = parallel || v[i][0] * v[j][1] == v[i][1] * v[j][0];
    if (parallel) continue;
    std::string law = "matrices(";
    int idx = 0;
    for (const auto& m : {atom(attA, repA), atom(attB, repB)}) {
      law += std::string(idx++ ? ", " : "") + "[[" + lyapcert::exact::to_text(m[0]) + ", " +
             lyapcert::exact::to_text(m[1]) + "], [" + lyapcert::exact::to_text(m[2]) + ", " +
             lyapcert::exact::to_text(m[3]) + "]]: 1/2";
    }
    law += ")";
    const auto mc = nd::find_multicone(family(law));
    if (!mc || mc->arcs.size() < 2) continue;
    // Keep families that contract well in one step (theta <= 1/2); with theta near 1 the expansion needs
    // long words and may honestly return no finite enclosure within the budget.
    const auto cert = nd::find_multicone_certificate(*mc, 15);
    if (!cert || cert->theta_max > Rational(1, 2)) continue;
    ++tested;
    const nd::Result r = run(law, 15, nd::Method::multicone, 10);
    ASSERT_TRUE(r.top.value.ball.is_finite()) << law << ": " << r.top.message;
    const nd::Result p = run_levels(law, 3, 6);
    EXPECT_TRUE(arb_overlaps(p.top.value.ball.get(), r.top.value.ball.get()))
        << law << ": " << p.top.value.ball.debug_str(10) << " vs " << r.top.value.ball.debug_str(20);
    nd::Options o;
    o.acc.digits = 3;
    o.method = nd::Method::enumerate;
    o.max_word_length = 8;
    const nd::Result e = nd::certify_lyapnd(laws::parse_matrix_law(law), o);
    arf_t up, lo;
    arf_init(up);
    arf_init(lo);
    arb_get_ubound_arf(up, e.top.value.ball.get(), 64);
    arb_get_lbound_arf(lo, r.top.value.ball.get(), 128);
    EXPECT_LE(arf_cmp(lo, up), 0) << law;
    arf_clear(up);
    arf_clear(lo);
    std::printf("%s: %s (%s)\n", law.c_str(), r.top.value.ball.debug_str(18).c_str(), r.top.converged ? "converged" : "not converged");
  }
  EXPECT_EQ(tested, 3);
}

// Three atoms with attracting directions 0, 60.3, 119.7 degrees and repelling directions 90, 150.3, 29.7
// degrees (A_i = P diag(40, 1) P^{-1}, P = [attracting | repelling], exact fractions): every gap between the
// attracting directions holds a repelling one, so three arcs are needed (m = 3).
TEST(MulticoneThreeArcs, AgreesWithPoissonAndEnumeration) {
  const std::string law =
      "matrices([[40, 0], [0, 1]]: 1/3, [[53/5, 84/5], [84/5, 152/5]]: 1/3, [[53/5, -84/5], [-84/5, 152/5]]: 1/3)";
  const auto mc = nd::find_multicone(family(law));
  ASSERT_TRUE(mc.has_value());
  EXPECT_EQ(mc->arcs.size(), 3u);
  const nd::Result r = run(law, 6, nd::Method::automatic);
  ASSERT_TRUE(r.top.converged) << r.top.message;
  EXPECT_EQ(r.top.method, "multicone");
  EXPECT_NE(r.top.message.find("3 arcs"), std::string::npos) << r.top.message;
  const nd::Result p = run_levels(law, 3, 6);
  EXPECT_TRUE(arb_overlaps(p.top.value.ball.get(), r.top.value.ball.get()))
      << p.top.value.ball.debug_str(10) << " vs " << r.top.value.ball.debug_str(10);
  nd::Options o;
  o.acc.digits = 3;
  o.method = nd::Method::enumerate;
  o.max_word_length = 7;
  const nd::Result e = nd::certify_lyapnd(laws::parse_matrix_law(law), o);
  arf_t up, lo;
  arf_init(up);
  arf_init(lo);
  arb_get_ubound_arf(up, e.top.value.ball.get(), 64);
  arb_get_lbound_arf(lo, r.top.value.ball.get(), 128);
  EXPECT_LE(arf_cmp(lo, up), 0);
  arf_clear(up);
  arf_clear(lo);
}

TEST(MulticoneRefusal, EllipticAtomOrProductIsRefusedNotCertified) {
  // A rotation by 45 degrees times sqrt(2): complex eigenvalues, decided exactly at length 1.
  const std::string rot = "matrices([[1, -1], [1, 1]]: 1/2, [[2, 1], [1, 1]]: 1/2)";
  std::string why;
  EXPECT_FALSE(nd::find_multicone(family(rot), &why).has_value());
  EXPECT_NE(why.find("equal modulus"), std::string::npos) << why;
  try {
    run(rot, 10, nd::Method::multicone);
    ADD_FAILURE() << "no InputError";
  } catch (const lyapcert::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("does not apply"), std::string::npos) << e.what();
  }
  EXPECT_EQ(run(rot, 3, nd::Method::automatic, 1).top.method, "poisson");  // auto falls back
  // Two hyperbolic atoms whose product of length 11 is elliptic (exact): not dominated.
  const std::string weak = "matrices([[10, 0], [0, 1]]: 1/2, [[-2, 6], [-6, 13]]: 1/2)";
  EXPECT_FALSE(nd::find_multicone(family(weak), &why).has_value());
  EXPECT_NE(why.find("exact"), std::string::npos) << why;
  EXPECT_THROW(run(weak, 10, nd::Method::multicone), lyapcert::InputError);
  // A rotation alone, and d = 3.
  EXPECT_THROW(run("matrices([[0, -1], [1, 0]]: 1)", 10, nd::Method::multicone), lyapcert::InputError);
  EXPECT_THROW(run("matrices([[2, 0, 0], [0, 1, 0], [0, 0, 1]]: 1)", 10, nd::Method::multicone),
               lyapcert::InputError);
}

// Dominated (two arcs verified) but with a poor one-step contraction (theta = 0.85, eigenvalue ratios 0.05 and
// 0.04): auto must keep the Poisson certificate instead of an expansion that cannot finish; the explicit
// method still gives an honest (non-converged) answer.
TEST(MulticoneAuto, WeakCertificateKeepsPoissonUnderAuto) {
  const std::string weak = "matrices([[1486/37, 1100/37], [825/37, 771/37]]: 1/2, [[49/4, -57/4], [-171/4, 163/4]]: 1/2)";
  const auto f = family(weak);
  ASSERT_TRUE(nd::find_multicone(f).has_value());
  EXPECT_FALSE(nd::multicone_applies_for_auto(f, 2, 10));
  EXPECT_TRUE(nd::multicone_applies_for_auto(family(kTwoArcs), 2, 30));
  EXPECT_TRUE(nd::multicone_applies_for_auto(family(kConjugated), 2, 30));
  EXPECT_EQ(run(weak, 3, nd::Method::automatic, 1).top.method, "poisson");
  const nd::Result r = run(weak, 10, nd::Method::multicone, 1);
  EXPECT_FALSE(r.top.converged);
  EXPECT_FALSE(r.top.message.empty());
}

TEST(MulticoneVerification, ExactCheckRejectsWrongArcSets) {
  const auto f = family(kTwoArcs);
  const auto mc = nd::find_multicone(f);
  ASSERT_TRUE(mc.has_value());
  ASSERT_TRUE(nd::verify_multicone(f, mc->arcs).has_value());
  // Only one of the two arcs: B maps it into the missing one.
  EXPECT_FALSE(nd::verify_multicone(f, {mc->arcs[0]}).has_value());
  EXPECT_FALSE(nd::verify_multicone(f, {mc->arcs[1]}).has_value());
  // One arc from -10 to 70 degrees: it contains B's repelling direction (26.6 degrees).
  EXPECT_FALSE(nd::verify_multicone(f, {{Rational(342, 1000), Rational(940, 1000), Rational(985, 1000),
                                         Rational(-174, 1000)}})
                   .has_value());
  // Two arcs where the second misses B's attracting direction (63.4 degrees): 30 to 50 degrees.
  EXPECT_FALSE(nd::verify_multicone(f, {mc->arcs[0], {Rational(643, 1000), Rational(766, 1000), Rational(866, 1000),
                                                      Rational(500, 1000)}})
                   .has_value());
  // A degenerate arc (u = v) and the empty set.
  EXPECT_FALSE(nd::verify_multicone(f, {{Rational(1), Rational(0), Rational(1), Rational(0)}}).has_value());
  EXPECT_FALSE(nd::verify_multicone(f, {}).has_value());
  // Discs: the fallback discs pass, a disc too small for the images and a bad basis parameter fail.
  const std::vector<Rational> half(2, Rational(1, 2)), zero(2, Rational(0));
  EXPECT_TRUE(nd::verify_multicone_discs(*mc, half, half, zero).has_value());
  EXPECT_FALSE(nd::verify_multicone_discs(*mc, half, {Rational(1, 2), Rational(1, 1000)}, zero).has_value());
  EXPECT_FALSE(nd::verify_multicone_discs(*mc, half, half, {Rational(0), Rational(1)}).has_value());
  EXPECT_FALSE(nd::verify_multicone_discs(*mc, {Rational(1, 2)}, {Rational(1, 2)}, {Rational(0)}).has_value());
}

}  // namespace
