// Slivers of a 1000-atom law (equal weights, h_j = (j - 300)/1000): zeros at offsets 1e-93 .. 1e-1297 from the
// singular points 1/h_k. Checked two independent ways: (1) MPFI referee signs of Lambda at s + both offset
// endpoints (exact rationals), (2) the asymptotic formula |u| = exp(-Lambda_rest(s)/p) / h_k, whose relative
// error is about |u| sup|Lambda_rest'| / p (below 1e-80 here), with Lambda_rest(s) summed by MPFI.
// Proof: BND-SLIVER-1, BND-SLIVER-2.
#include <gtest/gtest.h>

#include <chrono>

#include "boundary/referee.hpp"
#include "lyapcert/boundary.hpp"
#include "lyapcert/exact/decimal.hpp"

namespace bnd = lyapcert::boundary;
using lyapcert::boundary::test::FiniteSpec;
using lyapcert::boundary::test::referee_sign;
using lyapcert::exact::Integer;
using lyapcert::exact::Rational;

namespace {

FiniteSpec thousand_atoms() {
  FiniteSpec f;
  for (int j = 1; j <= 1000; ++j) {
    f.h.emplace_back(j - 300, 1000);
    f.p.emplace_back(1, 1000);
  }
  return f;
}

// MPFI enclosure of log(exp(-R/p)/h_k) = -R/p - log h_k, R = sum_{j != k} p_j log|1 - s h_j|.
void referee_log_offset(mpfi_t out, const FiniteSpec& f, std::size_t k, mpfr_prec_t prec) {
  const Rational s = 1 / f.h[k];
  mpfi_t t, w;
  mpfi_init2(t, prec);
  mpfi_init2(w, prec);
  mpfi_set_ui(out, 0);
  for (std::size_t j = 0; j < f.h.size(); ++j) {
    if (j == k) continue;
    Rational r = 1 - s * f.h[j];
    if (r == 0) continue;
    if (r < 0) r = -r;
    mpfi_set_q(t, r.backend().data());
    mpfi_log(t, t);
    mpfi_add(out, out, t);  // equal weights: sum the logs, divide once
  }
  // -R/p = -(sum logs) * (1/1000) / (1/1000) = -sum logs
  mpfi_neg(out, out);
  mpfi_set_q(t, f.h[k].backend().data());
  mpfi_log(t, t);
  mpfi_sub(out, out, t);
  mpfi_clear(t);
  mpfi_clear(w);
}

}  // namespace

TEST(Sliver, ThousandAtomsOffsetsAgainstMpfiAndAsymptotics) {
  const FiniteSpec f = thousand_atoms();
  const lyapcert::laws::CurvatureLaw law(lyapcert::laws::FiniteLaw::from_rationals(f.h, f.p));
  const bnd::ExponentModel model(law);
  ASSERT_EQ(model.atoms().size(), 999u);  // h = 0 dropped
  for (int j : {450, 400, 310}) {
    SCOPED_TRACE(j);
    const std::size_t k = static_cast<std::size_t>(j - 1);
    const Rational hk = f.h[k];
    std::size_t atom = 0;
    while (model.atoms()[atom].c != hk) ++atom;
    const Rational s = 1 / hk;
    const Rational lo_lim = (s + 1 / (hk + Rational(1, 1000))) / 2, hi_lim = (s + 1 / (hk - Rational(1, 1000))) / 2;
    const auto t0 = std::chrono::steady_clock::now();
    const bnd::SliverAnalysis an = bnd::analyse_sliver(model, atom, lo_lim, hi_lim, 20, 1 << 16);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("sliver j=%d: %.3f s, %ld bits\n", j, secs, an.bits);
    ASSERT_TRUE(an.resolved);
    ASSERT_TRUE(an.roots.left_offset.has_value());
    ASSERT_TRUE(an.roots.right_offset.has_value());
    EXPECT_TRUE(an.roots.width_met);
    EXPECT_LT(an.roots.left_edge, s);
    EXPECT_GT(an.roots.right_edge, s);
    mpfr_prec_t prec = 1024;
    for (int side = 0; side < 2; ++side) {
      const lyapcert::exact::Ball& b = side ? *an.roots.right_offset : *an.roots.left_offset;
      arf_t lo, hi;
      arf_init(lo);
      arf_init(hi);
      arb_get_lbound_arf(lo, b.get(), 1 << 14);
      arb_get_ubound_arf(hi, b.get(), 1 << 14);
      const Rational ulo = lyapcert::exact::to_rational(lo), uhi = lyapcert::exact::to_rational(hi);
      arf_clear(lo);
      arf_clear(hi);
      if (side) {
        EXPECT_GT(ulo, 0);
      } else {
        EXPECT_LT(uhi, 0);
      }
      // Relative width 1e-20.
      const Rational mag = side ? ulo : Rational(-uhi);
      EXPECT_LE(uhi - ulo, mag * bnd::requested_width(20, Rational(0)));
      // (1) Referee signs: Lambda is -inf at s and positive beyond the zero on each side.
      const int near = referee_sign(f, side ? s + ulo : s + uhi, prec);
      const int far = referee_sign(f, side ? s + uhi : s + ulo, prec);
      EXPECT_EQ(near, -1);
      EXPECT_EQ(far, 1);
      // (2) Asymptotic formula: log|u| = -R(s)/p - log h_k up to relative 1e-80 of |u|.
      mpfi_t lu, x;
      mpfi_init2(lu, 4096);
      mpfi_init2(x, 4096);
      referee_log_offset(lu, f, k, 4096);
      // log(mag) must lie within [log|u|lower, log|u|upper] +- 1e-80.
      const Rational a = side ? ulo : Rational(-uhi), c = side ? uhi : Rational(-ulo);
      mpfi_set_q(x, a.backend().data());
      mpfi_log(x, x);
      mpfr_t left, right, slack;
      mpfr_init2(left, 4096);
      mpfr_init2(right, 4096);
      mpfr_init2(slack, 64);
      mpfr_set_str(slack, "1e-80", 10, MPFR_RNDU);
      mpfi_get_left(left, x);  // log of the smaller magnitude
      mpfi_get_right(right, lu);
      mpfr_add(right, right, slack, MPFR_RNDU);
      EXPECT_LE(mpfr_cmp(left, right), 0);
      mpfi_set_q(x, c.backend().data());
      mpfi_log(x, x);
      mpfi_get_right(right, x);  // log of the larger magnitude
      mpfi_get_left(left, lu);
      mpfr_sub(left, left, slack, MPFR_RNDD);
      EXPECT_GE(mpfr_cmp(right, left), 0);
      mpfr_clear(slack);
      mpfr_clear(left);
      mpfr_clear(right);
      mpfi_clear(lu);
      mpfi_clear(x);
    }
  }
}

TEST(Sliver, ReportedByTheFullSearchWithExactSingularPoints) {
  // atoms(1:1/100, 3:99/100): Lambda_rest(1) = (99/100) log 2, sliver half-width ~ 2^-99 = 1.6e-30.
  const lyapcert::laws::CurvatureLaw law(
      lyapcert::laws::FiniteLaw::from_rationals(std::vector<Rational>{Rational(1), Rational(3)},
                                                std::vector<Rational>{Rational(1, 100), Rational(99, 100)}));
  bnd::BoundaryOptions o;
  o.lr_min = Rational(1, 8);
  o.lr_max = Rational(8);
  o.digits = 25;
  const bnd::BoundaryResult r = bnd::find_boundaries(law, o);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.singular_points.size(), 2u);
  EXPECT_EQ(r.singular_points[0], Rational(1, 3));
  EXPECT_EQ(r.singular_points[1], Rational(1));
  ASSERT_EQ(r.slivers.size(), 1u);
  EXPECT_EQ(r.slivers[0].singular_point, 1);
  // Offsets: |u| (1 + O(u)) = 2^(-99): exact check by the referee signs at the endpoints.
  const FiniteSpec f{{Rational(1), Rational(3)}, {Rational(1, 100), Rational(99, 100)}};
  for (const auto* b : {&*r.slivers[0].left_offset, &*r.slivers[0].right_offset}) {
    arf_t lo, hi;
    arf_init(lo);
    arf_init(hi);
    arb_get_lbound_arf(lo, b->get(), 4096);
    arb_get_ubound_arf(hi, b->get(), 4096);
    const Rational ulo = lyapcert::exact::to_rational(lo), uhi = lyapcert::exact::to_rational(hi);
    arf_clear(lo);
    arf_clear(hi);
    const int s1 = referee_sign(f, 1 + ulo, 512), s2 = referee_sign(f, 1 + uhi, 512);
    EXPECT_EQ(s1 * s2, -1);
  }
}
