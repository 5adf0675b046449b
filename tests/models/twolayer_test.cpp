// Two-layer saddle model: exponents against independent computations (the bivariate kernel for
// batch 1, an MPFI referee sum for finite data, brute-force SNRs) and the phase-label logic.
#include <gtest/gtest.h>
#include <mpfi.h>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/models/twolayer.hpp"

using lyapcert::exact::Rational;
namespace models = lyapcert::models;
namespace lyap = lyapcert::lyap;

TEST(TwoLayer, BatchOneMatchesBivariateKernel) {
  // xy(3, 4, batch=1): h = x y with y = 3x + 4 eps, i.e. bivariate(0, 0, 1, 5, 3/5) (sd of y is 5,
  // correlation 3/5). Lambda_+- via the q-integral (xy) vs the x-integral (bivariate).
  models::TwoLayerModel m;
  m.k = 3;
  m.sigma2 = 16;
  const auto h = models::minibatch_curvature(m);
  const auto biv = lyapcert::laws::parse_curvature_law("bivariate(0, 0, 1, 5, 3/5)");
  for (const Rational lr : {Rational(1, 10), Rational(1, 3), Rational(2)}) {
    const auto r = models::phase_at(m, h, lr, lyap::Accuracy{20, 4096});
    const auto plus = lyap::certify_log_abs_mean(biv, Rational(1), lr, lyap::Accuracy{20, 4096});
    const auto minus = lyap::certify_log_abs_mean(biv, Rational(1), -lr, lyap::Accuracy{20, 4096});
    EXPECT_TRUE(arb_overlaps(r.lambda_plus.value.ball.get(), plus.value.ball.get())) << lr;
    EXPECT_TRUE(arb_overlaps(r.lambda_minus.value.ball.get(), minus.value.ball.get())) << lr;
  }
}

TEST(TwoLayer, FiniteDataAgainstMpfiReferee) {
  // Batch 1 with replacement: h_B is uniform over the products x_j y_j. Referee: MPFI sum of
  // (1/N) log|1 - lr gamma +- lr x_j y_j| from Boost rationals.
  models::TwoLayerModel m;
  m.gamma = Rational(1, 10);
  m.data = {{Rational(1, 2), Rational(3, 4)}, {Rational(-1), Rational(2, 5)}, {Rational(3, 2), Rational(1)},
            {Rational(1, 5), Rational(-7, 3)}, {Rational(2), Rational(9, 10)}};
  const auto h = models::minibatch_curvature(m);
  const Rational lr(7, 10);
  const auto r = models::phase_at(m, h, lr, lyap::Accuracy{25, 4096});
  for (int sgn : {1, -1}) {
    mpfi_t acc, t;
    mpfi_init2(acc, 400);
    mpfi_init2(t, 400);
    mpfi_set_ui(acc, 0);
    for (const auto& [x, y] : m.data) {
      Rational v = 1 - lr * m.gamma + sgn * lr * x * y;
      if (v < 0) v = -v;
      mpfi_set_q(t, v.backend().data());
      mpfi_log(t, t);
      mpfi_add(acc, acc, t);
    }
    mpfi_div_ui(acc, acc, static_cast<unsigned long>(m.data.size()));
    mpfr_t lo, hi;
    mpfr_init2(lo, 400);
    mpfr_init2(hi, 400);
    mpfi_get_left(lo, acc);
    mpfi_get_right(hi, acc);
    arb_t ref;
    arb_init(ref);
    arf_set_mpfr(arb_midref(ref), lo);
    const auto& ball = sgn > 0 ? r.lambda_plus.value.ball : r.lambda_minus.value.ball;
    EXPECT_TRUE(arb_contains(ball.get(), ref)) << sgn;
    arf_set_mpfr(arb_midref(ref), hi);
    EXPECT_TRUE(arb_contains(ball.get(), ref)) << sgn;
    arb_clear(ref);
    mpfr_clear(lo);
    mpfr_clear(hi);
    mpfi_clear(acc);
    mpfi_clear(t);
  }
  // The exact L2 flag of the wrong direction: E(c - lr h)^2 < 1 by hand.
  Rational e2 = 0;
  for (const auto& [x, y] : m.data) {
    const Rational v = 1 - lr * m.gamma - lr * x * y;
    e2 += v * v;
  }
  e2 /= 5;
  EXPECT_EQ(r.l2_wrong_direction_stable, e2 < 1);
}

TEST(TwoLayer, PhaseCandidates) {
  using S = lyap::Sign;
  using P = models::Phase;
  using PV = std::vector<P>;
  // The table of docs/models.md, written out by hand: each pair of certified nonzero signs gives one phase.
  EXPECT_EQ(models::candidate_phases(S::positive, S::negative, true), PV({P::Ib}));
  EXPECT_EQ(models::candidate_phases(S::positive, S::negative, false), PV({P::Ia}));
  EXPECT_EQ(models::candidate_phases(S::negative, S::positive, true), PV({P::II}));
  EXPECT_EQ(models::candidate_phases(S::negative, S::negative, true), PV({P::III}));
  EXPECT_EQ(models::candidate_phases(S::positive, S::positive, true), PV({P::IV}));
  EXPECT_EQ(models::candidate_phases(S::zero, S::negative, true), PV({P::III, P::Ib}));
  EXPECT_EQ(models::phase_of(PV({P::III, P::Ib})), P::undetermined);
  EXPECT_EQ(models::phase_of(PV({P::II})), P::II);
  // The same as the text of the JSON field phase_candidates (table rows, phase, sim's check).
  using V = std::vector<std::string>;
  const auto phase_candidates = [](S plus, S minus, bool l2) {
    return models::to_strings(models::candidate_phases(plus, minus, l2));
  };
  EXPECT_EQ(phase_candidates(S::positive, S::negative, true), V({"Ib"}));
  EXPECT_EQ(phase_candidates(S::positive, S::negative, false), V({"Ia"}));
  EXPECT_EQ(phase_candidates(S::negative, S::positive, false), V({"II"}));
  EXPECT_EQ(phase_candidates(S::negative, S::negative, false), V({"III"}));
  EXPECT_EQ(phase_candidates(S::positive, S::positive, false), V({"IV"}));
  EXPECT_EQ(phase_candidates(S::undetermined, S::negative, false), V({"III", "Ia"}));
  EXPECT_EQ(phase_candidates(S::zero, S::positive, false), V({"II", "IV"}));
  EXPECT_EQ(phase_candidates(S::undetermined, S::undetermined, true).size(), 4u);
}

// The labels are text only at the edges: every label parses back to its phase, the integer values are the
// Python module's documented codes (docs/python.md), and anything else is refused.
TEST(TwoLayer, PhaseLabelsRoundTrip) {
  using P = models::Phase;
  const std::pair<P, const char*> table[] = {{P::undetermined, "undetermined"}, {P::Ia, "Ia"}, {P::Ib, "Ib"},
                                             {P::II, "II"}, {P::III, "III"}, {P::IV, "IV"},
                                             {P::collapse, "collapse"}, {P::escape, "escape"}};
  for (int code = 0; code < 8; ++code) {
    const auto& [p, label] = table[code];
    EXPECT_EQ(static_cast<int>(p), code);
    EXPECT_STREQ(models::to_string(p), label);
    EXPECT_EQ(models::parse_phase(label), p);
    const auto cell = models::parse_cell_phase(label);
    if (p == P::undetermined || p == P::collapse || p == P::escape) {
      EXPECT_FALSE(cell.has_value());  // a certified two-layer cell always has a proved two-layer phase
    } else {
      ASSERT_TRUE(cell.has_value());
      EXPECT_TRUE(cell->certified());
      EXPECT_EQ(cell->phase, p);
      EXPECT_EQ(models::to_string(*cell), label);
    }
  }
  for (const char* bad : {"", "I", "ia", "iii", "V", "III ", "mixed"}) EXPECT_FALSE(models::parse_phase(bad)) << bad;
  EXPECT_EQ(models::to_string(models::CellPhase{}), "unchecked");
  EXPECT_EQ(models::to_string(models::CellPhase::mixed()), "mixed");
  EXPECT_EQ(models::parse_cell_phase("unchecked")->status, models::CellPhase::Status::unchecked);
  EXPECT_EQ(models::parse_cell_phase("mixed")->status, models::CellPhase::Status::mixed);
  EXPECT_FALSE(models::parse_cell_phase("Mixed"));
  using S = lyap::Sign;
  EXPECT_EQ(models::vector_phase(S::negative), P::collapse);
  EXPECT_EQ(models::vector_phase(S::positive), P::escape);
  EXPECT_EQ(models::vector_phase(S::zero), P::undetermined);
  EXPECT_EQ(models::vector_phase(S::undetermined), P::undetermined);
  EXPECT_STREQ(models::survival_label(S::positive), "yes");
  EXPECT_STREQ(models::survival_label(S::zero), "no");
  EXPECT_STREQ(models::survival_label(S::negative), "no");
  EXPECT_STREQ(models::survival_label(S::undetermined), "undetermined");
}

TEST(TwoLayer, SnrConversions) {
  // R = k^2 / (2k^2 + sigma^2): k = 1, sigma^2 = 48 gives 1/50.
  EXPECT_EQ(models::sigma2_from_snr(Rational(1), Rational(1, 50)), Rational(48));
  EXPECT_THROW(models::sigma2_from_snr(Rational(1), Rational(1, 2)), lyapcert::InputError);
  EXPECT_THROW(models::sigma2_from_snr(Rational(1), Rational(0)), lyapcert::InputError);
  models::TwoLayerModel m;
  m.k = 2;
  m.sigma2 = 1;
  m.batch = 4;
  EXPECT_EQ(*models::per_sample_snr(m), Rational(4, 9));  // 4 / (8 + 1)
  EXPECT_EQ(*models::batch_snr(m), Rational(16, 9));
  // Without replacement from N points: brute force over all subsets of size 2 of 4 points.
  models::TwoLayerModel f;
  f.replace = false;
  f.batch = 2;
  f.data = {{Rational(1), Rational(1)}, {Rational(1), Rational(2)}, {Rational(1), Rational(4)}, {Rational(1), Rational(-1)}};
  std::vector<Rational> h = {1, 2, 4, -1};
  Rational m1 = 0, m2 = 0;
  int count = 0;
  for (int i = 0; i < 4; ++i) {
    for (int j = i + 1; j < 4; ++j) {
      const Rational hb = (h[i] + h[j]) / 2;
      m1 += hb;
      m2 += hb * hb;
      ++count;
    }
  }
  m1 /= count;
  m2 /= count;
  EXPECT_EQ(*models::batch_snr(f), m1 * m1 / (m2 - m1 * m1));
}

TEST(TwoLayer, BadInput) {
  models::TwoLayerModel m;
  m.k = 0;
  EXPECT_THROW(models::minibatch_curvature(m), lyapcert::InputError);
  models::TwoLayerModel f;
  f.replace = false;
  f.batch = 3;
  f.data = {{Rational(1), Rational(1)}, {Rational(1), Rational(2)}};
  EXPECT_THROW(models::minibatch_curvature(f), lyapcert::InputError);
  models::TwoLayerModel g;
  const auto h = models::minibatch_curvature(g);
  EXPECT_THROW(models::phase_at(g, h, Rational(0), lyap::Accuracy{}), lyapcert::InputError);
}

TEST(TwoLayer, NegativeKMirrorsPositiveK) {
  // MODEL-ORIENT-1: the correct direction follows sign E[h_B]; xy(-k) is the law of -xy(k), so the
  // exponents, labels and L2 flag of k = -3 are those of k = 3 (independently: the bivariate kernel
  // of the mirrored pair (x, -y) for batch 1).
  models::TwoLayerModel pos, neg;
  pos.k = 3;
  neg.k = -3;
  pos.sigma2 = neg.sigma2 = 16;
  const auto hp = models::minibatch_curvature(pos), hn = models::minibatch_curvature(neg);
  const auto biv_neg = lyapcert::laws::parse_curvature_law("bivariate(0, 0, 1, 5, -3/5)");
  const lyap::Accuracy acc{20, 4096};
  for (const Rational lr : {Rational(1, 10), Rational(1, 3), Rational(2)}) {
    const auto rp = models::phase_at(pos, hp, lr, acc), rn = models::phase_at(neg, hn, lr, acc);
    EXPECT_TRUE(arb_overlaps(rp.lambda_plus.value.ball.get(), rn.lambda_plus.value.ball.get())) << lr;
    EXPECT_TRUE(arb_overlaps(rp.lambda_minus.value.ball.get(), rn.lambda_minus.value.ball.get())) << lr;
    EXPECT_EQ(rp.phase, rn.phase) << lr;
    EXPECT_EQ(rp.l2_wrong_direction_stable, rn.l2_wrong_direction_stable) << lr;
    // For E[h] < 0 the correct direction is u = -w: multiplier 1 - lr h.
    const auto correct = lyap::certify_log_abs_mean(biv_neg, Rational(1), -lr, acc);
    EXPECT_TRUE(arb_overlaps(rn.lambda_plus.value.ball.get(), correct.value.ball.get())) << lr;
  }
  // Finite data mirrored y -> -y.
  models::TwoLayerModel fp, fn;
  fp.data = {{Rational(1), Rational(2)}, {Rational(-1, 2), Rational(1)}, {Rational(2), Rational(3, 2)}};
  for (const auto& [x, y] : fp.data) fn.data.emplace_back(x, -y);
  fp.batch = fn.batch = 2;
  const auto lp = models::minibatch_curvature(fp), ln = models::minibatch_curvature(fn);
  for (const Rational lr : {Rational(1, 4), Rational(3, 2)}) {
    const auto rp = models::phase_at(fp, lp, lr, acc), rn = models::phase_at(fn, ln, lr, acc);
    EXPECT_TRUE(arb_overlaps(rp.lambda_plus.value.ball.get(), rn.lambda_plus.value.ball.get())) << lr;
    EXPECT_EQ(rp.phase, rn.phase) << lr;
  }
}
