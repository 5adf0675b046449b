// The statistical prediction for the vector model (proofs/sim/vector.md) against independent computations:
// for d = q = 1 the certified max(Lambda_+, Lambda_-) of the two-layer model (SIM-VEC-D1-1), the linearised
// vector *simulator* (a separate code path: U and W updated as matrices), and `check` on the nonlinear model.
//
// False-failure probability: each interval here is at two-sided level 1 - 1e-6 (the predictor's default) or
// 1 - 1e-8 (simulated growth rates), asymptotic (CLT); 9 intervals in this file, so <= 1e-5 in total. The
// check cases use seeded runs and the binomial test at alpha = 1e-6 (SIM-BINOM-1; per-run sizing heuristic,
// SIM-VEC-SIZE-1).
#include <gtest/gtest.h>

#include <cmath>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/sim.hpp"
#include "lyapcert/stats/confidence.hpp"

namespace sim = lyapcert::sim;
namespace lyap = lyapcert::lyap;
using lyapcert::exact::Rational;

namespace {

sim::SimModel vector_model(std::size_t d, std::size_t q, std::size_t m, Rational sigma2, std::uint64_t batch,
                           Rational gamma = 0) {
  sim::SimModel v;
  v.kind = sim::ModelKind::vector;
  v.dim = d;
  v.out_dim = q;
  v.width = m;
  v.base.sigma2 = sigma2;
  v.base.batch = batch;
  v.base.gamma = gamma;
  return v;
}

}  // namespace

// SIM-VEC-D1-1: with d = q = 1 the linearisation is diagonal in the basis (1, 1), (1, -1), so the top exponent
// is max(Lambda_+, Lambda_-) of the two-layer model, certified by an independent algorithm (lyap1d).
TEST(VectorPrediction, OneByOneContainsCertifiedMaximum) {
  struct Case {
    Rational lr, sigma2, gamma;
    std::uint64_t batch;
  };
  const std::vector<Case> cases = {
      {Rational(1, 10), Rational(1), Rational(0), 1},      // Ib: Lambda_+ > 0
      {Rational(1, 20), Rational(48), Rational(0), 1},     // III: both negative, max = Lambda_+
      {Rational(1, 5), Rational(4), Rational(1, 10), 3},   // weight decay, batch 3
      {Rational(3, 2), Rational(1, 4), Rational(0), 2},    // large lr (no small-lr assumption)
  };
  for (const auto& c : cases) {
    sim::SimModel two;
    two.base.sigma2 = c.sigma2;
    two.base.batch = c.batch;
    two.base.gamma = c.gamma;
    const auto cert = sim::predict(two, c.lr, {4, 1024}, false);
    const auto& u = cert.units[0];
    const double lo = std::max(u.plus.lambda_lower, u.minus.lambda_lower);
    const double hi = std::max(u.plus.lambda_upper, u.minus.lambda_upper);
    sim::StatisticalOptions o;
    o.seed = 11;
    const auto e = sim::estimate_vector_exponent(vector_model(1, 1, 1, c.sigma2, c.batch, c.gamma),
                                                 c.lr.convert_to<double>(), o);
    SCOPED_TRACE(::testing::Message() << "lr " << lyapcert::exact::to_text(c.lr) << " sigma2 "
                                      << lyapcert::exact::to_text(c.sigma2) << ": estimate " << e.estimate << " ["
                                      << e.lower << ", " << e.upper << "], certified max [" << lo << ", " << hi
                                      << "]");
    ASSERT_TRUE(e.finite);
    EXPECT_EQ(e.level, 1 - 1e-6);
    EXPECT_LE(e.lower, hi);
    EXPECT_GE(e.upper, lo);
    EXPECT_LT(e.upper - e.lower, 0.01);  // informative, not vacuous
    // The sign decision agrees with the certified sign of the maximum (all cases are far from 0).
    EXPECT_EQ(e.sign, hi < 0 ? lyap::Sign::negative : lyap::Sign::positive);
  }
}

// The linearised vector simulator (sgd.cpp, U and W as matrices, m = 2 units) reproduces the predictor's
// exponent: the simulated growth rate (1/T) log(|theta_T| / |theta_0|) over 64 runs of T = 8000 steps has a
// Student-t interval (1 - 1e-8) that meets the prediction's interval up to the O(1/T) start bias
// (|E log|Z_T| - T Lambda| stays bounded; 8/T allowed).
TEST(VectorPrediction, LinearisedSimulatorReproducesEstimate) {
  const auto m = vector_model(3, 2, 2, Rational(1), 2, Rational(1, 20));
  const double lr = 0.15;
  const auto e = sim::estimate_vector_exponent(m, lr, {});
  sim::SimOptions o;
  o.lr = lr;
  o.steps = 8000;
  o.runs = 64;
  o.seed = 3;
  o.collapse_below = 0;
  o.escape_above = std::numeric_limits<double>::infinity();
  o.linearised = true;
  const auto r = sim::simulate(m, o);
  double s1 = 0, s2 = 0;
  for (const auto& run : r.runs) {
    const double g = run.log_ratio_at_exit / static_cast<double>(run.exit_step);
    s1 += g;
    s2 += g * g;
  }
  const double n = static_cast<double>(r.runs.size()), mean = s1 / n;
  const double sd = std::sqrt(std::max(0.0, (s2 - n * mean * mean) / (n - 1)));
  const double half = lyapcert::stats::student_quantile(1 - 1e-8 / 2, n - 1) * sd / std::sqrt(n);
  const double bias = 8.0 / 8000;
  SCOPED_TRACE(::testing::Message() << "simulated " << mean << " +- " << half << ", predicted " << e.estimate
                                    << " [" << e.lower << ", " << e.upper << "]");
  EXPECT_LE(mean - half - bias, e.upper);
  EXPECT_GE(mean + half + bias, e.lower);
  EXPECT_NE(e.sign, lyap::Sign::undetermined);
}

// Bit-identical for 1 and 2 threads; the interval is undetermined (no verdict) when the replicates are too few.
TEST(VectorPrediction, ThreadsAndUndetermined) {
  const auto m = vector_model(2, 2, 1, Rational(1), 1);
  sim::StatisticalOptions o;
  o.steps = 2000;
  o.threads = 1;
  const auto a = sim::estimate_vector_exponent(m, 0.1, o);
  o.threads = 2;
  const auto b = sim::estimate_vector_exponent(m, 0.1, o);
  EXPECT_EQ(a.estimate, b.estimate);
  EXPECT_EQ(a.upper, b.upper);
  o.reps = 2;
  o.steps = 16;
  o.burn_in = 0;
  const auto p = sim::predict(m, Rational(1, 10), {4, 1024}, true, o);
  ASSERT_TRUE(p.statistical.has_value());
  EXPECT_EQ(p.statistical->sign, lyap::Sign::undetermined);
  EXPECT_FALSE(p.determined);
  EXPECT_EQ(sim::phase_label(p), "undetermined");
  sim::CheckOptions co;
  co.statistical = o;
  const auto r = sim::check(m, Rational(1, 10), {4, 1024}, co);
  EXPECT_FALSE(r.plan.feasible);
  EXPECT_FALSE(r.agree);
  EXPECT_TRUE(r.simulation.runs.empty());
}

// `check --model vector` on the nonlinear model: escape where the statistical exponent is positive, collapse
// where it is negative (low SNR, small lr), and for d = q = 1 the same outcome as the certified two-layer check.
TEST(VectorCheck, NonlinearModelFollowsStatisticalPrediction) {
  struct Case {
    std::size_t d, q, m;
    Rational sigma2, lr, gamma;
    std::uint64_t batch;
    bool collapse;
  };
  // In d = q = 2 the minibatch noise alone makes the top exponent positive at SNR 1/50 (lr 1/20: about +0.05,
  // unlike the two-layer model's -0.012); weight decay 2 (c = 0.9) makes it negative (about -0.046).
  const std::vector<Case> cases = {
      {2, 2, 2, Rational(1), Rational(1, 10), Rational(0), 1, false},
      {3, 1, 2, Rational(1, 4), Rational(1, 5), Rational(0), 2, false},
      {2, 2, 1, Rational(48), Rational(1, 20), Rational(0), 1, false},
      {2, 2, 1, Rational(48), Rational(1, 20), Rational(2), 1, true},
      {1, 1, 1, Rational(48), Rational(1, 20), Rational(0), 1, true},
  };
  for (const auto& c : cases) {
    const auto m = vector_model(c.d, c.q, c.m, c.sigma2, c.batch, c.gamma);
    sim::CheckOptions o;
    o.seed = 5;
    o.runs = 100;
    o.statistical.seed = 5;
    const auto r = sim::check(m, c.lr, {4, 1024}, o);
    SCOPED_TRACE(::testing::Message() << "d " << c.d << " q " << c.q << " m " << c.m << " lr "
                                      << lyapcert::exact::to_text(c.lr) << ": phase " << sim::phase_label(r.prediction)
                                      << " estimate " << r.prediction.statistical->estimate << ", plan "
                                      << r.plan.steps << " steps from " << r.plan.init_scale << " (" << r.plan.why
                                      << "), failures " << r.failures);
    ASSERT_TRUE(r.prediction.statistical.has_value());
    ASSERT_TRUE(r.prediction.determined);
    EXPECT_EQ(r.prediction.predicts_collapse, c.collapse);
    EXPECT_EQ(sim::phase_label(r.prediction), c.collapse ? "III" : "unstable");
    ASSERT_TRUE(r.plan.feasible);
    EXPECT_EQ(r.plan.sizing, "heuristic");
    EXPECT_FALSE(r.plan.time_bound_rigorous);
    EXPECT_TRUE(r.agree);
    if (c.collapse) {
      EXPECT_EQ(r.simulation.summary.collapsed + r.failures, 100u);
    } else {
      EXPECT_EQ(r.simulation.summary.reached_escape + r.failures, 100u);
    }
  }
}

// sim::apply_certified_sign: a certified sign replaces the statistical one and narrows the Monte Carlo interval
// to the enclosure's side of 0 (outward binary64 endpoints); an open sign or an upper bound alone leaves it.
TEST(VectorPrediction, CertifiedSignNarrowsTheStatisticalInterval) {
  const auto prediction = [] {
    sim::Prediction p;
    p.kind = sim::ModelKind::vector;
    p.statistical = sim::StatisticalExponent{};
    p.statistical->estimate = 0.02;
    p.statistical->lower = -0.01;
    p.statistical->upper = 0.05;
    return p;
  };
  const auto certified = [](double mid, lyap::Sign s) {  // mid +- 1/1024, exactly
    lyap::CertifiedValue v;
    arb_set_d(v.ball.get(), mid);
    mag_set_ui_2exp_si(arb_radref(v.ball.get()), 1, -10);
    v.sign = s;
    return v;
  };
  const double r = std::ldexp(1.0, -10);

  sim::Prediction p = prediction();
  ASSERT_TRUE(sim::apply_certified_sign(p, certified(0.03, lyap::Sign::positive), false));
  EXPECT_LE(p.statistical->lower, 0.03 - r);  // outward: the certified lower end, rounded down
  EXPECT_GT(p.statistical->lower, 0.03 - r - 1e-12);
  EXPECT_EQ(p.statistical->upper, 0.05);
  EXPECT_EQ(p.statistical->sign, lyap::Sign::positive);
  EXPECT_TRUE(p.determined);
  EXPECT_FALSE(p.predicts_collapse);

  p = prediction();  // only the upper end certified: a positive sign keeps the statistical lower end
  ASSERT_TRUE(sim::apply_certified_sign(p, certified(0.03, lyap::Sign::positive), true));
  EXPECT_EQ(p.statistical->lower, -0.01);

  p = prediction();
  ASSERT_TRUE(sim::apply_certified_sign(p, certified(-0.03, lyap::Sign::negative), false));
  EXPECT_EQ(p.statistical->lower, -0.01);
  EXPECT_GE(p.statistical->upper, -0.03 + r);
  EXPECT_LT(p.statistical->upper, -0.03 + r + 1e-12);
  EXPECT_TRUE(p.determined && p.predicts_collapse);

  p = prediction();
  EXPECT_FALSE(sim::apply_certified_sign(p, certified(0.0, lyap::Sign::undetermined), false));
  EXPECT_EQ(p.statistical->lower, -0.01);
  EXPECT_EQ(p.statistical->upper, 0.05);
  EXPECT_FALSE(p.determined);
  sim::Prediction none;
  EXPECT_FALSE(sim::apply_certified_sign(none, certified(0.03, lyap::Sign::positive), false));
}
