// Certified 1-D exponents of finite laws against an independent referee: MPFI (interval MPFR)
// summing p_j log|1 - lr h_j| atom by atom at a much higher precision, from Boost rationals.
// Shares no code with the library's grouped-product path (Proof: LYAP1D-FIN-1).
#include <gtest/gtest.h>
#include <mpfi.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/finite.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

using lyapcert::exact::Rational;
using lyapcert::laws::FiniteLaw;
namespace lyap = lyapcert::lyap;

namespace {

struct Mpfi {
  mpfi_t v;
  explicit Mpfi(mpfr_prec_t prec) { mpfi_init2(v, prec); }
  ~Mpfi() { mpfi_clear(v); }
};

void set_q(mpfi_t out, const Rational& q) { mpfi_set_q(out, q.backend().data()); }

// Referee enclosure of sum_j p_j log|1 - lr h_j| (finite only: no atom at 1/lr).
void referee_exponent(mpfi_t out, const std::vector<Rational>& h, const std::vector<Rational>& p, const Rational& lr,
                      mpfr_prec_t prec) {
  Mpfi t(prec), w(prec);
  mpfi_set_ui(out, 0);
  for (std::size_t j = 0; j < h.size(); ++j) {
    Rational r = 1 - lr * h[j];
    if (r < 0) r = -r;
    set_q(t.v, r);
    mpfi_log(t.v, t.v);
    set_q(w.v, p[j]);
    mpfi_mul(t.v, t.v, w.v);
    mpfi_add(out, out, t.v);
  }
}

// Referee enclosure of log sum_j p_j |1 - lr h_j|^k for integer k (exact rational sum, one log).
void referee_moment(mpfi_t out, const std::vector<Rational>& h, const std::vector<Rational>& p, const Rational& lr,
                    unsigned k) {
  Rational s = 0;
  for (std::size_t j = 0; j < h.size(); ++j) {
    Rational r = 1 - lr * h[j];
    if (r < 0) r = -r;
    Rational rk = 1;
    for (unsigned i = 0; i < k; ++i) rk *= r;
    s += p[j] * rk;
  }
  set_q(out, s);
  mpfi_log(out, out);
}

// True when the (much narrower) referee interval lies inside the library's ball.
bool inside(const mpfi_t ref, const lyapcert::exact::Ball& b) {
  arb_t lo, hi;
  arb_init(lo);
  arb_init(hi);
  mpfr_t x;
  mpfr_init2(x, mpfi_get_prec(ref));
  mpfi_get_left(x, ref);
  arf_set_mpfr(arb_midref(lo), x);
  mpfi_get_right(x, ref);
  arf_set_mpfr(arb_midref(hi), x);
  const bool ok = arb_contains(b.get(), lo) && arb_contains(b.get(), hi);
  mpfr_clear(x);
  arb_clear(lo);
  arb_clear(hi);
  return ok;
}

rc::Gen<Rational> small_rational() {
  return rc::gen::map(rc::gen::pair(rc::gen::inRange<long>(-3000, 3001), rc::gen::inRange<long>(1, 1000)),
                      [](std::pair<long, long> pq) { return Rational(pq.first, pq.second); });
}

struct RandomLaw {
  std::vector<Rational> h, p;
};

rc::Gen<RandomLaw> random_law() {
  return rc::gen::exec([] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 25);
    RandomLaw law;
    long total = 0;
    std::vector<long> w;
    for (std::size_t j = 0; j < n; ++j) {
      law.h.push_back(*small_rational());
      w.push_back(*rc::gen::inRange<long>(1, 50));
      total += w.back();
    }
    for (long x : w) law.p.emplace_back(x, total);
    return law;
  });
}

bool has_atom_at(const RandomLaw& law, const Rational& lr) {
  for (const Rational& h : law.h) {
    if (lr * h == 1) return true;
  }
  return false;
}

}  // namespace

RC_GTEST_PROP(FiniteExponent, ContainsMpfiReferee, ()) {
  const RandomLaw law = *random_law();
  const Rational lr = *rc::gen::map(rc::gen::pair(rc::gen::inRange<long>(1, 5000), rc::gen::inRange<long>(1, 1000)),
                                    [](std::pair<long, long> q) { return Rational(q.first, q.second); });
  RC_PRE(!has_atom_at(law, lr));
  const FiniteLaw f = FiniteLaw::from_rationals(law.h, law.p);
  const auto r = lyap::multipliers(f, lr);
  const slong prec = *rc::gen::element<slong>(64, 128, 333);
  const lyap::FiniteEval e = lyap::finite_exponent(f, r, prec);
  RC_ASSERT(!e.minus_infinity);
  Mpfi ref(4 * prec + 200);
  referee_exponent(ref.v, law.h, law.p, lr, 4 * prec + 200);
  RC_ASSERT(inside(ref.v, e.value));
  // And the enclosure is useful: radius small relative to the working precision.
  RC_ASSERT(mag_cmp_2exp_si(arb_radref(e.value.get()), -prec + 20) < 0);
}

RC_GTEST_PROP(FiniteExponent, CertifiedSignMatchesReferee, ()) {
  const RandomLaw law = *random_law();
  const Rational lr = *rc::gen::map(rc::gen::inRange<long>(1, 400), [](long k) { return Rational(k, 100); });
  RC_PRE(!has_atom_at(law, lr));
  const lyapcert::laws::CurvatureLaw cl(FiniteLaw::from_rationals(law.h, law.p));
  const lyap::CertifiedResult res = lyap::certify_lyap1d(cl, lr, lyap::Accuracy{30, 4096});
  Mpfi ref(600);
  referee_exponent(ref.v, law.h, law.p, lr, 600);
  RC_ASSERT(inside(ref.v, res.value.ball));
  if (res.value.sign == lyap::Sign::negative) RC_ASSERT(mpfi_is_strictly_neg(ref.v) > 0);
  if (res.value.sign == lyap::Sign::positive) RC_ASSERT(mpfi_is_strictly_pos(ref.v) > 0);
  RC_ASSERT(res.converged);
}

// Laws built so that prod |r_j|^(a_j) = 1 exactly: r = s1 b^e2 (weight e1), r = s2 b^-e1 (weight e2).
RC_GTEST_PROP(FiniteExponent, ConstructedZerosAreExactlyZero, ()) {
  const long b = *rc::gen::inRange<long>(2, 12);
  const long e1 = *rc::gen::inRange<long>(1, 6), e2 = *rc::gen::inRange<long>(1, 6);
  const bool flip1 = *rc::gen::arbitrary<bool>(), flip2 = *rc::gen::arbitrary<bool>();
  const Rational lr = *rc::gen::map(rc::gen::inRange<long>(1, 50), [](long k) { return Rational(k, 7); });
  Rational r1 = 1, r2 = 1;
  for (long i = 0; i < e2; ++i) r1 *= b;
  for (long i = 0; i < e1; ++i) r2 /= b;
  if (flip1) r1 = -r1;
  if (flip2) r2 = -r2;
  // h = (1 - r) / lr
  std::vector<Rational> h = {(1 - r1) / lr, (1 - r2) / lr};
  std::vector<Rational> p = {Rational(e1, e1 + e2), Rational(e2, e1 + e2)};
  const lyapcert::laws::CurvatureLaw cl(FiniteLaw::from_rationals(h, p));
  const lyap::CertifiedResult res = lyap::certify_lyap1d(cl, lr, lyap::Accuracy{20, 2048});
  RC_ASSERT(res.value.sign == lyap::Sign::zero);
  RC_ASSERT(res.value.exact);
  // Perturbing one weight breaks the identity: the sign must then be decided, and correctly.
  std::vector<Rational> q = {Rational(e1 + 1, e1 + e2 + 1), Rational(e2, e1 + e2 + 1)};
  const lyapcert::laws::CurvatureLaw cl2(FiniteLaw::from_rationals(h, q));
  const lyap::CertifiedResult res2 = lyap::certify_lyap1d(cl2, lr, lyap::Accuracy{20, 2048});
  Mpfi ref(400);
  referee_exponent(ref.v, h, q, lr, 400);
  RC_ASSERT(res2.value.sign != lyap::Sign::zero);
  RC_ASSERT(inside(ref.v, res2.value.ball));
}

TEST(FiniteExponent, ExactZeroAndLogTwoOverThreeExamples) {
  using lyapcert::laws::parse_curvature_law;
  // atoms(-1, 1/2) at lr = 1 is exactly zero (docs/math.md section 2).
  auto r0 = lyap::certify_lyap1d(parse_curvature_law("atoms(-1, 1/2)"), Rational(1), lyap::Accuracy{16, 65536});
  EXPECT_EQ(r0.value.sign, lyap::Sign::zero);
  // atoms(-1:1/3, 1/2:2/3) at lr = 1 is -(log 2)/3.
  auto r1 = lyap::certify_lyap1d(parse_curvature_law("atoms(-1:1/3, 1/2:2/3)"), Rational(1), lyap::Accuracy{40, 65536});
  EXPECT_EQ(r1.value.sign, lyap::Sign::negative);
  arb_t ref;
  arb_init(ref);
  arb_const_log2(ref, 300);
  arb_div_si(ref, ref, -3, 300);
  EXPECT_TRUE(arb_overlaps(ref, r1.value.ball.get()));
  EXPECT_TRUE(lyap::internal_width_ok(r1.value.ball, 40));
  arb_clear(ref);
  // An atom at 1/lr: -inf exactly.
  auto r2 = lyap::certify_lyap1d(parse_curvature_law("atoms(2, -1)"), Rational(1, 2), lyap::Accuracy{16, 65536});
  EXPECT_TRUE(r2.value.minus_infinity);
  EXPECT_EQ(r2.value.sign, lyap::Sign::negative);
}

TEST(FiniteExponent, ManyEqualWeightAtomsAgainstUniformClosedForm) {
  // atoms(j/n, j = 1..n) at lr = 7/5 approximates U(0,1]; check against the exact MPFI sum (not the
  // closed form, which differs by the discretisation) at n = 2000 and at 300 bits.
  const long n = 2000;
  std::vector<Rational> h, p;
  for (long j = 1; j <= n; ++j) {
    h.emplace_back(j, n);
    p.emplace_back(1, n);
  }
  const FiniteLaw f = FiniteLaw::uniform_over(h);
  const Rational lr(7, 5);
  const lyap::FiniteEval e = lyap::finite_exponent(f, lyap::multipliers(f, lr), 300);
  Mpfi ref(800);
  referee_exponent(ref.v, h, p, lr, 800);
  EXPECT_TRUE(inside(ref.v, e.value));
}

RC_GTEST_PROP(FiniteMoment, IntegerMomentsContainExactReferee, ()) {
  const RandomLaw law = *random_law();
  const Rational lr = *rc::gen::map(rc::gen::inRange<long>(1, 400), [](long k) { return Rational(k, 100); });
  const unsigned k = *rc::gen::inRange<unsigned>(1, 5);
  const FiniteLaw f = FiniteLaw::from_rationals(law.h, law.p);
  const auto r = lyap::multipliers(f, lr);
  const lyap::FiniteEval e = lyap::finite_moment_exponent(f, r, Rational(k), 200);
  Rational s = 0;
  for (std::size_t j = 0; j < law.h.size(); ++j) s += law.p[j] * (1 - lr * law.h[j]) * (1 - lr * law.h[j]);
  RC_ASSERT(lyap::finite_l2_stable(f, r) == (s < 1));
  if (e.minus_infinity) {
    RC_ASSERT(law.h.size() >= 1);
    for (const Rational& h : law.h) RC_ASSERT(lr * h == 1);
    return;
  }
  Mpfi ref(700);
  referee_moment(ref.v, law.h, law.p, lr, k);
  RC_ASSERT(inside(ref.v, e.value));
}

// Negative integer orders -k against the exact rational sum of p_j |r_j|^-k (Boost rationals, MPFI log); an atom
// at multiplier 0 makes the moment +inf, which certify_moment refuses with a message (LYAP1D-MOM-NEG-1).
RC_GTEST_PROP(FiniteMoment, NegativeOrdersMatchExactRationalSums, ()) {
  const RandomLaw law = *random_law();
  const Rational lr = *rc::gen::map(rc::gen::inRange<long>(1, 400), [](long k) { return Rational(k, 100); });
  const unsigned k = *rc::gen::inRange<unsigned>(1, 4);
  bool zero_atom = false;
  std::vector<Rational> inv_h;  // h' with 1 - lr h' = 1 / (1 - lr h): the reciprocal multipliers
  for (const Rational& h : law.h) {
    const Rational r = 1 - lr * h;
    if (r == 0) {
      zero_atom = true;
      break;
    }
    inv_h.push_back((1 - 1 / r) / lr);
  }
  const FiniteLaw f = FiniteLaw::from_rationals(law.h, law.p);
  const lyapcert::laws::CurvatureLaw cl(f);
  if (zero_atom) {
    RC_ASSERT_THROWS_AS(lyap::certify_moment(cl, lr, Rational(-static_cast<long>(k)), lyap::Accuracy{20, 4096}),
                        lyapcert::InputError);
    return;
  }
  const auto res = lyap::certify_moment(cl, lr, Rational(-static_cast<long>(k)), lyap::Accuracy{20, 4096});
  RC_ASSERT(!res.value.minus_infinity);
  Mpfi ref(700);
  referee_moment(ref.v, inv_h, law.p, lr, k);  // E|1 - lr h'|^k = E|1 - lr h|^-k, summed exactly
  RC_ASSERT(inside(ref.v, res.value.ball));
}

// A negative fractional order with an exact zero: |r| = 4 and 4/9 with weight 1/2 each give
// E|r|^(-1/2) = (1/2)(1/2) + (1/2)(3/2) = 1, so g(-1/2) = 0 exactly (LYAP1D-MOM-ZERO-1 on the reciprocals).
TEST(FiniteMoment, NegativeFractionalOrderExactZero) {
  using lyapcert::laws::parse_curvature_law;
  // lr = 1: r = 1 - h; r = 4 -> h = -3; r = -4/9 -> h = 13/9.
  auto res = lyap::certify_moment(parse_curvature_law("atoms(-3, 13/9)"), Rational(1), Rational(-1, 2),
                                  lyap::Accuracy{16, 4096});
  EXPECT_EQ(res.value.sign, lyap::Sign::zero);
  // r = 4 and 1/2: E|r|^(-1/2) = (1/2)(1/2 + sqrt 2) < 1 (irrational, decided).
  auto res2 = lyap::certify_moment(parse_curvature_law("atoms(-3, 1/2)"), Rational(1), Rational(-1, 2),
                                   lyap::Accuracy{16, 4096});
  EXPECT_EQ(res2.value.sign, lyap::Sign::negative);
  // Infinite negative moments are refused: sqnormal with h = 1/lr inside the support at p <= -1 (CONT-SQN-NEG-1),
  // normal and uniform laws at p <= -1 (CONT-UNIF-4 covers -1 < p < 0 only).
  EXPECT_THROW(lyap::certify_moment(parse_curvature_law("sqnormal(0, 1)"), Rational(1, 2), Rational(-1),
                                    lyap::Accuracy{}),
               lyapcert::InputError);
  EXPECT_THROW(lyap::certify_moment(parse_curvature_law("uniform(0, 4)"), Rational(1, 2), Rational(-1),
                                    lyap::Accuracy{}),
               lyapcert::InputError);
  EXPECT_THROW(lyap::certify_moment(parse_curvature_law("normal(1, 1)"), Rational(1, 2), Rational(-1),
                                    lyap::Accuracy{}),
               lyapcert::InputError);
}

TEST(FiniteMoment, FractionalOrderExactZero) {
  // |r| = 1/4 and 9/4 with weight 1/2 each: E|r|^(1/2) = (1/2)(1/2) + (1/2)(3/2) = 1, so g(1/2) = 0.
  using lyapcert::laws::parse_curvature_law;
  // lr = 1: h = 1 - r; r = 1/4 -> h = 3/4; r = -9/4 -> h = 13/4.
  auto res = lyap::certify_moment(parse_curvature_law("atoms(3/4, 13/4)"), Rational(1), Rational(1, 2),
                                  lyap::Accuracy{16, 4096});
  EXPECT_EQ(res.value.sign, lyap::Sign::zero);
  // |r| = 1/2 and 3/2: sqrt is irrational, and E|r|^(1/2) != 1 (Mordell): the sign is decided.
  auto res2 = lyap::certify_moment(parse_curvature_law("atoms(1/2, 5/2)"), Rational(1), Rational(1, 2),
                                   lyap::Accuracy{16, 4096});
  EXPECT_NE(res2.value.sign, lyap::Sign::zero);
  EXPECT_NE(res2.value.sign, lyap::Sign::undetermined);
  // Closed form: log((sqrt(1/2) + sqrt(3/2)) / 2) < 0.
  EXPECT_EQ(res2.value.sign, lyap::Sign::negative);
}

TEST(FiniteExponent, BadInput) {
  using lyapcert::laws::parse_curvature_law;
  const auto law = parse_curvature_law("atoms(1, 2)");
  EXPECT_THROW(lyap::certify_lyap1d(law, Rational(0), lyap::Accuracy{}), lyapcert::InputError);
  EXPECT_THROW(lyap::certify_lyap1d(law, Rational(-1), lyap::Accuracy{}), lyapcert::InputError);
  EXPECT_THROW(lyap::certify_lyap1d(law, Rational(1), lyap::Accuracy{0, 65536}), lyapcert::InputError);
  EXPECT_THROW(lyap::certify_lyap1d(law, Rational(1), lyap::Accuracy{10001, 65536}), lyapcert::InputError);
  EXPECT_THROW(lyap::certify_moment(law, Rational(1), Rational(0), lyap::Accuracy{}), lyapcert::InputError);
  EXPECT_THROW(lyap::certify_moment(law, Rational(1), Rational(-2), lyap::Accuracy{}), lyapcert::InputError);
}

TEST(FiniteExponent, UndeterminedIsHonestAtTheCap) {
  // Lambda = (1/2) log(1 + 2^-200) - tiny but positive: at a 128-bit cap the sign cannot be decided.
  // r1 = 1 + 2^-200 (weight 1/2), r2 = 1 (weight 1/2).
  using lyapcert::exact::Integer;
  Integer two200 = 1;
  for (int i = 0; i < 200; ++i) two200 *= 2;
  const Rational lr = 1;
  std::vector<Rational> h = {Rational(Integer(-1), two200), Rational(0)};
  std::vector<Rational> p = {Rational(1, 2), Rational(1, 2)};
  const lyapcert::laws::CurvatureLaw cl(FiniteLaw::from_rationals(h, p));
  auto capped = lyap::certify_lyap1d(cl, lr, lyap::Accuracy{5, 128});
  EXPECT_EQ(capped.value.sign, lyap::Sign::undetermined);
  EXPECT_FALSE(capped.message.empty());
  auto full = lyap::certify_lyap1d(cl, lr, lyap::Accuracy{5, 65536});
  EXPECT_EQ(full.value.sign, lyap::Sign::positive);
}

// Laws with many distinct weights take the per-atom branch, which at working precisions <= 80 bits
// is the binary64 fast path (Proof: LYAP1D-FIN-3). The MPFI referee must lie inside its enclosure,
// and the certified loop must still reach the requested digits.
RC_GTEST_PROP(FiniteExponent, FastPathContainsMpfiReferee, ()) {
  const std::size_t n = *rc::gen::inRange<std::size_t>(80, 220);
  std::vector<Rational> h, p;
  long total = 0;
  std::vector<long> w;
  for (std::size_t j = 0; j < n; ++j) {
    h.push_back(*small_rational());
    w.push_back(static_cast<long>(j) + 1 + *rc::gen::inRange<long>(0, 3) * 1000);  // distinct weights
    total += w.back();
  }
  for (long x : w) p.emplace_back(x, total);
  const Rational lr = *rc::gen::map(rc::gen::inRange<long>(1, 400), [](long k) { return Rational(k, 100); });
  RandomLaw law{h, p};
  RC_PRE(!has_atom_at(law, lr));
  const FiniteLaw f = FiniteLaw::from_rationals(h, p);
  const lyap::FiniteEval e = lyap::finite_exponent(f, lyap::multipliers(f, lr), 64);
  Mpfi ref(500);
  referee_exponent(ref.v, h, p, lr, 500);
  RC_ASSERT(e.value.is_finite());
  RC_ASSERT(inside(ref.v, e.value));
  // Binary64 accuracy: the enclosure is narrower than 1e-11 relative to sum |p_j log|r_j||.
  RC_ASSERT(mag_cmp_2exp_si(arb_radref(e.value.get()), -30) < 0);
  const int digits = *rc::gen::inRange(4, 13);
  const auto res = lyap::certify_lyap1d(lyapcert::laws::CurvatureLaw(f), lr, lyap::Accuracy{digits, 4096});
  RC_ASSERT(inside(ref.v, res.value.ball));
  RC_ASSERT(res.converged);
}
