// Interval arithmetic of the fast path versus MPFR (exact or directed-rounded results) and MPFI.
#include <gmp.h>
#include <gtest/gtest.h>
#include <mpfi.h>
#include <mpfr.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>

#include "fast/random_doubles.hpp"
#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast {
namespace {

using testing::PositiveDoubles;

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

TEST(FastInterval, EnvironmentSatisfiesHypotheses) { EXPECT_TRUE(floating_point_environment_ok()); }

TEST(FastInterval, NextUpDownMatchStdNextafter) {
  std::mt19937_64 rng(testing::test_seed(1));
  const double specials[] = {0.0, -0.0, kInf, -kInf, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, 0x1p-1074, -0x1p-1074, 1.0, -1.0};
  for (double x : specials) {
    EXPECT_TRUE(same_bits(next_up(x), std::nextafter(x, kInf))) << x;
    EXPECT_EQ(next_up(x), std::nextafter(x, kInf)) << x;
    EXPECT_EQ(next_down(x), std::nextafter(x, -kInf)) << x;
  }
  for (int i = 0; i < 2000000; ++i) {
    const double x = std::bit_cast<double>(rng());
    if (std::isnan(x)) continue;
    ASSERT_TRUE(same_bits(next_up(x), std::nextafter(x, kInf))) << std::hexfloat << x;
    ASSERT_TRUE(same_bits(next_down(x), std::nextafter(x, -kInf))) << std::hexfloat << x;
  }
  EXPECT_TRUE(std::isnan(next_up(NAN)));
}

// Signed doubles over all binades.
double signed_draw(PositiveDoubles& draw) { return (draw.engine()() & 1) ? draw() : -draw(); }

class Mpfr {
 public:
  explicit Mpfr(mpfr_prec_t prec) { mpfr_init2(v, prec); }
  ~Mpfr() { mpfr_clear(v); }
  Mpfr(const Mpfr&) = delete;
  Mpfr& operator=(const Mpfr&) = delete;
  mpfr_t v;
};

// For point operands: the result [lo, hi] must contain the exact real result, and be at most one
// ulp wider than [RD, RU] on each side (it is [pred(RN), succ(RN)]). RD, RU from MPFR at 2200 bits
// (exact for +, -, *) followed by a directed conversion to binary64.
TEST(FastInterval, PointOperationsAgainstMpfr) {
  PositiveDoubles draw(testing::test_seed(2));
  Mpfr exact(2200);
  Mpfr xa(53), xb(53);
  using Op = std::function<int(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t)>;
  const Op ops[] = {
      [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t m) { return mpfr_add(r, a, b, m); },
      [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t m) { return mpfr_sub(r, a, b, m); },
      [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t m) { return mpfr_mul(r, a, b, m); },
      [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t m) { return mpfr_div(r, a, b, m); },
      [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr, mpfr_rnd_t m) { return mpfr_sqrt(r, a, m); }};
  for (int i = 0; i < 400000; ++i) {
    const int which = i % 5;
    double a = signed_draw(draw);
    double b = signed_draw(draw);
    if (i % 7 == 0) b = a * std::ldexp(1.0, static_cast<int>(draw.engine()() % 5) - 2);  // near-cancellation
    if (which == 4) a = std::fabs(a);
    OutwardInterval r;
    switch (which) {
      case 0: r = OutwardInterval(a) + OutwardInterval(b); break;
      case 1: r = OutwardInterval(a) - OutwardInterval(b); break;
      case 2: r = OutwardInterval(a) * OutwardInterval(b); break;
      case 3: r = OutwardInterval(a) / OutwardInterval(b); break;
      default: r = sqrt(OutwardInterval(a)); break;
    }
    mpfr_set_d(xa.v, a, MPFR_RNDN);
    mpfr_set_d(xb.v, b, MPFR_RNDN);
    ops[which](exact.v, xa.v, xb.v, MPFR_RNDD);
    const double rd = mpfr_get_d(exact.v, MPFR_RNDD);
    ops[which](exact.v, xa.v, xb.v, MPFR_RNDU);
    const double ru = mpfr_get_d(exact.v, MPFR_RNDU);
    ASSERT_LE(r.lower(), rd) << "op " << which << std::hexfloat << " a=" << a << " b=" << b;
    ASSERT_GE(r.upper(), ru) << "op " << which << std::hexfloat << " a=" << a << " b=" << b;
    ASSERT_GE(r.lower(), which == 4 ? std::max(0.0, next_down(rd)) : next_down(rd)) << which;
    ASSERT_LE(r.upper(), next_up(ru)) << which;
  }
}

// General intervals (finite, mixed signs) against MPFI at 2200 bits: our result must contain MPFI's.
TEST(FastInterval, IntervalOperationsContainMpfi) {
  PositiveDoubles draw(testing::test_seed(3));
  std::mt19937_64& rng = draw.engine();
  mpfi_t x, y, z;
  mpfi_init2(x, 2200);
  mpfi_init2(y, 2200);
  mpfi_init2(z, 2200);
  mpfr_t e;
  mpfr_init2(e, 2200);
  auto random_interval = [&](double& lo, double& hi) {
    const double scale = std::ldexp(1.0, static_cast<int>(rng() % 400) - 200);
    lo = scale * (std::uniform_real_distribution<double>(-1.0, 1.0)(rng));
    hi = (rng() % 5 == 0) ? lo : scale * (std::uniform_real_distribution<double>(-1.0, 1.0)(rng));
    if (rng() % 9 == 0) lo = 0.0;
    if (hi < lo) std::swap(lo, hi);
  };
  for (int i = 0; i < 200000; ++i) {
    double a, b, c, d;
    random_interval(a, b);
    random_interval(c, d);
    const OutwardInterval X(a, b), Y(c, d);
    mpfi_interv_d(x, a, b);
    mpfi_interv_d(y, c, d);
    OutwardInterval r;
    const int which = i % 4;
    if (which == 3 && c <= 0.0 && d >= 0.0) continue;  // division by an interval containing 0: below
    switch (which) {
      case 0: r = X + Y; mpfi_add(z, x, y); break;
      case 1: r = X - Y; mpfi_sub(z, x, y); break;
      case 2: r = X * Y; mpfi_mul(z, x, y); break;
      default: r = X / Y; mpfi_div(z, x, y); break;
    }
    mpfi_get_left(e, z);
    ASSERT_GE(mpfr_cmp_d(e, r.lower()), 0) << which << std::hexfloat << " [" << a << "," << b << "] [" << c << "," << d << "]";
    ASSERT_GE(r.lower(), next_down(next_down(mpfr_get_d(e, MPFR_RNDD))));  // tight: <= 2 ulp wider
    mpfi_get_right(e, z);
    ASSERT_LE(mpfr_cmp_d(e, r.upper()), 0) << which;
    ASSERT_LE(r.upper(), next_up(next_up(mpfr_get_d(e, MPFR_RNDU))));
  }
  mpfi_clear(x);
  mpfi_clear(y);
  mpfi_clear(z);
  mpfr_clear(e);
}

TEST(FastInterval, InfiniteEndpointsAndZero) {
  const OutwardInterval pos(0.0, kInf), one_two(1.0, 2.0);
  OutwardInterval r = pos * one_two;
  EXPECT_EQ(r.lower(), 0.0);
  EXPECT_EQ(r.upper(), kInf);
  r = OutwardInterval(1.0, kInf) / OutwardInterval(1.0, kInf);
  EXPECT_LE(r.lower(), 0.0);
  EXPECT_EQ(r.upper(), kInf);
  r = OutwardInterval(-kInf, -1.0) * OutwardInterval(-kInf, -1.0);
  EXPECT_LE(r.lower(), 1.0);
  EXPECT_EQ(r.upper(), kInf);
  r = OutwardInterval(1.0, kInf) + OutwardInterval(-kInf, 0.0);
  EXPECT_EQ(r.lower(), -kInf);
  EXPECT_EQ(r.upper(), kInf);
  r = OutwardInterval(0.0) * OutwardInterval(1.0, kInf);
  EXPECT_EQ(r.lower(), 0.0);
  EXPECT_EQ(r.upper(), 0.0);
  r = one_two / OutwardInterval(0.0, 1.0);  // [1, inf)
  EXPECT_LE(r.lower(), 1.0);
  EXPECT_EQ(r.upper(), kInf);
  r = OutwardInterval(DBL_MAX) + OutwardInterval(DBL_MAX);  // overflow
  EXPECT_EQ(r.lower(), DBL_MAX);
  EXPECT_EQ(r.upper(), kInf);
  r = OutwardInterval(0x1p-1074) * OutwardInterval(0.5);  // underflow: exact result 2^-1075 is in [0, 2^-1074]
  EXPECT_LE(r.lower(), 0.0);
  EXPECT_GE(r.upper(), 0x1p-1074);
  EXPECT_EQ(OutwardRounding::mul_down(0.0, kInf), 0.0);
  EXPECT_EQ(OutwardRounding::add_down(kInf, -kInf), -kInf);
  EXPECT_EQ(OutwardRounding::add_up(kInf, -kInf), kInf);
}

TEST(FastInterval, NanAndEmpty) {
  EXPECT_THROW(OutwardInterval(std::nan("")), InputError);
  EXPECT_THROW(OutwardInterval(0.0, std::nan("")), InputError);
  EXPECT_TRUE(boost::numeric::empty(OutwardInterval(2.0, 1.0)));  // Boost convention: l > u is empty
  const OutwardInterval e = OutwardInterval::empty();
  EXPECT_TRUE(boost::numeric::empty(e + OutwardInterval(1.0)));
  EXPECT_TRUE(boost::numeric::empty(e * OutwardInterval(1.0)));
  EXPECT_TRUE(boost::numeric::empty(boost::numeric::intersect(OutwardInterval(0.0, 1.0), OutwardInterval(2.0, 3.0))));
  EXPECT_TRUE(boost::numeric::empty(sqrt(OutwardInterval(-2.0, -1.0))));
}

// enclose(q) = [RD(q), RU(q)]: contains q, is a point iff q is a double, else consecutive doubles.
TEST(FastInterval, EncloseRationalIsTightest) {
  std::mt19937_64 rng(testing::test_seed(4));
  mpq_t q, t;
  mpq_init(q);
  mpq_init(t);
  fmpq_t fq;
  fmpq_init(fq);
  for (int i = 0; i < 100000; ++i) {
    mpz_set_si(mpq_numref(q), static_cast<long>(rng() >> (rng() % 64)) * ((rng() & 1) ? 1 : -1));
    mpz_set_ui(mpq_denref(q), 1 + (rng() >> (rng() % 64)));
    mpq_canonicalize(q);
    const long shift = static_cast<long>(rng() % 2400) - 1200;
    if (shift >= 0) mpq_mul_2exp(q, q, shift); else mpq_div_2exp(q, q, -shift);
    const OutwardInterval r = enclose(q);
    fmpq_set_mpq(fq, q);
    const OutwardInterval r2 = enclose(fq);
    ASSERT_EQ(r.lower(), r2.lower());
    ASSERT_EQ(r.upper(), r2.upper());
    if (std::isfinite(r.lower())) {
      mpq_set_d(t, r.lower());
      ASSERT_LE(mpq_cmp(t, q), 0);
    }
    if (std::isfinite(r.upper())) {
      mpq_set_d(t, r.upper());
      ASSERT_GE(mpq_cmp(t, q), 0);
    }
    // Tightest: no double strictly between.
    ASSERT_TRUE(r.lower() == r.upper() || next_up(r.lower()) == r.upper() ||
                (r.lower() == 0.0 && r.upper() == 0x1p-1074) || (r.upper() == 0.0 && r.lower() == -0x1p-1074))
        << std::hexfloat << r.lower() << " " << r.upper();
  }
  mpq_set_ui(q, 3, 8);
  EXPECT_EQ(enclose(q).lower(), 0.375);
  EXPECT_EQ(enclose(q).upper(), 0.375);
  mpq_set_ui(q, 1, 10);
  EXPECT_EQ(enclose(q).upper(), 0.1);
  EXPECT_EQ(enclose(q).lower(), std::nextafter(0.1, 0.0));
  fmpq_clear(fq);
  mpq_clear(q);
  mpq_clear(t);
}

}  // namespace
}  // namespace lyapcert::fast
