// RapidCheck properties of the theory against simulated SGD. Parameters are generated only where
// every certified exponent is at least kMargin from 0 (filtered with the certified functions themselves).
//
// False-failure probability: each `check` rejects with probability <= alpha = 1e-6 when every run fails with
// probability <= delta = 1e-3 (SIM-BINOM-1); that per-run bound is proved for the linearised dynamics by
// SIM-LUNDBERG-1 with SIM-CHERNOFF-1 (collapse) or SIM-ESCAPE-1 (escape, laws with certified negative moments:
// finite data), and is heuristic for the escape time of Gaussian-data laws and for the nonlinear model
// (proofs/sim/check.md). RapidCheck's seed is fixed in CI (tests/support/test_main.cpp). Each check runs at level 1e-6/120 and at most 120 checks and intervals run in total
// (the vector property's statistical prediction counts as one more interval per case), so the file's
// false-failure probability is <= 1e-6. Power: with kRuns = 100 runs a check rejects at >= 6
// failures, i.e. it detects a per-run failure rate >= 12.6% with probability 0.99 (asserted in the first
// property). Growth-rate property: asymptotic Student-t interval, two-sided level 1 - kAlpha.
//
// Replay: every failing case logs the `lyapcert check ...` command line and the RapidCheck seed; run the
// property again with RC_PARAMS="seed=<seed>"; LYAPCERT_RANDOM_SEEDS=1 explores fresh seeds. Case counts are small by default (about 3 minutes in total on
// 2 cores); RC_PARAMS="max_success=N" overrides them.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/sim.hpp"
#include "lyapcert/stats/confidence.hpp"

namespace sim = lyapcert::sim;
namespace lyap = lyapcert::lyap;
using lyapcert::exact::Rational;
using lyapcert::exact::to_text;

namespace {

constexpr double kMargin = 0.01;
// At most kMaxChecks statistical checks run in this file (cases of all properties, RC_PARAMS not set), each at
// level kAlpha, so the whole file fails falsely with probability <= kMaxChecks * kAlpha = 1e-6 (union bound).
constexpr int kMaxChecks = 120;  // 30 + 45 + 5 + 20 cases, and 6 vector cases x 2
constexpr double kAlpha = 1e-6 / kMaxChecks;
// Runs per check: the test rejects at >= 6 failures (P(Bin(100, 1e-3) >= 6) = 1.1e-9 <= kAlpha) and detects a
// per-run failure rate >= 12.6% with probability 0.99.
constexpr std::uint64_t kRuns = 100;
const lyap::Accuracy kAcc{4, 2048};

// Runs a property with at most `max_success` cases unless RC_PARAMS sets max_success.
template <typename F>
void check_prop(F&& f, int max_success) {
  auto params = rc::detail::configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  if (!env || !std::strstr(env, "max_success")) params.maxSuccess = max_success;
  params.maxDiscardRatio = 20;
  const auto info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata meta;
  meta.id = std::string(info->test_case_name()) + "/" + info->name();
  meta.description = info->name();
  const auto result = rc::detail::checkTestable(std::forward<F>(f), meta, params);
  std::ostringstream ss;
  rc::detail::printResultMessage(result, ss);
  if (!result.template is<rc::detail::SuccessResult>()) {
    // Everything needed to replay: the shrunk case's `lyapcert check` command is in the log above; the whole
    // property replays with the same RapidCheck seed.
    FAIL() << ss.str() << "\nreplay the property: RC_PARAMS=\"seed=" << params.seed << " max_success="
           << params.maxSuccess << "\" sim_prop --gtest_filter=" << meta.id.substr(0, meta.id.find('/')) << "."
           << info->name();
  } else {
    std::cout << ss.str() << "\n";
  }
}

bool away_from_zero(const sim::DirectionPrediction& d) {
  return d.lambda_lower >= kMargin || d.lambda_upper <= -kMargin;
}

bool margin_ok(const sim::Prediction& p) {
  if (!p.determined) return false;
  for (const auto& u : p.units) {
    if (!away_from_zero(u.plus) || !away_from_zero(u.minus)) return false;
  }
  return true;
}

// --k and the noise as exact CLI flags: SNR = k^2 / (2 k^2 + sigma^2) is rational; sigma^2 = 0 is --sigma 0.
std::string noise_flags(const sim::SimModel& m) {
  std::ostringstream s;
  s << " --k " << to_text(m.base.k);
  if (m.base.sigma2 == 0) {
    s << " --sigma 0";
  } else {
    s << " --snr " << to_text(m.base.k * m.base.k / (2 * m.base.k * m.base.k + m.base.sigma2));
  }
  return s.str();
}

// A shell command that replays one case with the CLI (same seed, runs, step limit and alpha, hence the
// same runs and the same verdict).
std::string replay(const sim::SimModel& m, const Rational& lr, std::uint64_t seed, bool linearised,
                   std::uint64_t max_steps) {
  std::ostringstream s;
  if (!m.base.data.empty()) {
    s << "printf 'x,y\\n";
    for (const auto& [x, y] : m.base.data) s << to_text(x) << "," << to_text(y) << "\\n";
    s << "' > replay.csv && ";
  }
  s << "lyapcert check --model " << sim::to_string(m.kind) << " --gamma " << to_text(m.base.gamma) << " --batch "
    << m.base.batch << " --width " << m.width << " --lr " << to_text(lr) << " --seed " << seed << " --runs "
    << kRuns << std::setprecision(17) << " --alpha " << kAlpha << " --max-steps " << max_steps;
  if (m.base.data.empty()) {
    s << noise_flags(m);
  } else {
    s << " --replace " << (m.base.replace ? "true" : "false") << " --data replay.csv";
  }
  if (linearised) s << " --linearised";
  return s.str();
}

void log_result(const sim::CheckResult& r) {
  const auto& s = r.simulation.summary;
  RC_LOG() << "phase " << sim::phase_label(r.prediction) << ", plan " << r.plan.runs << " runs x " << r.plan.steps
           << " steps from " << r.plan.init_scale << "; collapsed " << s.collapsed << ", escaped " << s.reached_escape
           << ", undecided " << s.undecided << "; failures " << r.failures << " (critical " << r.critical
           << "), p = " << r.p_value << "\n";
  for (const auto& e : r.failure_examples) RC_LOG() << "  " << e << "\n";
}

rc::Gen<Rational> pick(std::vector<Rational> v) { return rc::gen::elementOf(v); }

// Uniform on [a, b) at every RapidCheck size (gen::inRange scales with the size, which would keep the first
// cases near a); shrinking still moves towards a.
template <typename T>
T uniform(T a, T b) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(a, b));
}

}  // namespace

// The nonlinear two-layer (and tanh) network follows the certified prediction: collapse in III, escape with
// the correct sign in I, the wrong one in II, escape in IV.
TEST(SimProperty, NonlinearTwoLayerFollowsThePhase) {
  check_prop(
      [] {
        sim::SimModel m;
        m.base.k = 1;
        // Half of the cases at low SNR and small lr, where phase III (collapse) lives. The tanh network only
        // at moderate noise: at sigma^2 = 99 its cubic terms feed the collapsing direction enough to break
        // the prediction (docs/simulation.md, "Where the linear prediction and the simulation disagree").
        const bool low_snr = *rc::gen::arbitrary<bool>();
        m.kind = low_snr ? sim::ModelKind::twolayer : *rc::gen::element(sim::ModelKind::twolayer, sim::ModelKind::tanh);
        // sigma^2 <= 48: at sigma^2 = 99 binary64 SGD itself loses the escape direction in a few percent of the
        // runs (docs/simulation.md), so the prediction is not expected to hold there.
        m.base.sigma2 = low_snr ? *pick({Rational(24), Rational(48)})
                                : *pick({Rational(0), Rational(1, 4), Rational(1), Rational(4), Rational(16)});
        m.base.batch = low_snr ? *rc::gen::element<std::uint64_t>(1, 2) : *rc::gen::element<std::uint64_t>(1, 2, 4, 8);
        m.base.gamma = *pick({Rational(0), Rational(1, 20), Rational(1, 5)});
        m.width = uniform<std::size_t>(1, 4);
        const Rational lr(low_snr ? uniform<long>(2, 16) : uniform<long>(1, 120), 100);
        const auto seed = uniform<std::uint64_t>(1, 1000000);
        RC_PRE(margin_ok(sim::predict(m, lr, kAcc, false)));  // cheap filter first
        const sim::Prediction p = sim::predict(m, lr, kAcc);
        sim::CheckOptions o;
        o.seed = seed;
        o.runs = kRuns;
        o.alpha = kAlpha;
        o.max_steps = 50'000;
        const sim::Plan plan = sim::plan_check(p, o);
        RC_PRE(plan.feasible);
        RC_LOG() << "replay: " << replay(m, lr, seed, false, o.max_steps) << "\n";
        const auto r = sim::check(m, lr, p, o);
        log_result(r);
        RC_TAG(sim::phase_label(r.prediction));
        RC_ASSERT(r.critical == 6u);
        RC_ASSERT(r.detectable_rate < 0.13);
        RC_ASSERT(r.agree);
      },
      30);
}

// Theorem 1 of the seed paper: in 1-D the sign of E log|1 - lr h| decides collapse or escape exactly, for any
// lr (no small-lr assumption) -- here at random finite laws (random small datasets, batch 1 or 2, weight decay,
// lr up to 4),
// on the linearised dynamics whose directions are exactly such 1-D products.
TEST(SimProperty, OneDimensionalCriterionIsExactAtRandomLaws) {
  check_prop(
      [] {
        sim::SimModel m;
        const int n = uniform<int>(2, 6);
        Rational mean = 0;
        for (int j = 0; j < n; ++j) {
          const Rational x(uniform<long>(-8, 9), 4), y(uniform<long>(-8, 9), 4);
          m.base.data.emplace_back(x, y);
          mean += x * y;
        }
        RC_PRE(mean != 0);
        m.base.k = mean;  // unused with finite data (k != 0 for validation)
        m.base.batch = *rc::gen::element<std::uint64_t>(1, 2);
        m.base.replace = *rc::gen::arbitrary<bool>() || m.base.batch == 1;
        m.base.gamma = *pick({Rational(0), Rational(1, 4), Rational(1)});  // weight decay: phase III at small lr
        const Rational lr(uniform<long>(1, 65), 16);
        const auto seed = uniform<std::uint64_t>(1, 1000000);
        RC_PRE(margin_ok(sim::predict(m, lr, kAcc, false)));  // cheap filter first
        const sim::Prediction p = sim::predict(m, lr, kAcc);
        sim::CheckOptions o;
        o.seed = seed;
        o.runs = kRuns;
        o.alpha = kAlpha;
        o.max_steps = 50'000;
        o.linearised = true;
        RC_PRE(sim::plan_check(p, o).feasible);
        RC_LOG() << "replay: " << replay(m, lr, seed, true, o.max_steps) << "\n";
        const auto r = sim::check(m, lr, p, o);
        log_result(r);
        RC_TAG(sim::phase_label(r.prediction));
        RC_ASSERT(r.agree);
      },
      45);
}

// L2 instability with probabilistic stability: certified g(2) > 0 for a direction while both exponents are
// negative (phase III); the simulated runs still collapse below eps |theta_0| (eps = 1e-6) in all but a
// fraction delta (binomial test), and the observed collapsed fraction is printed with its interval.
TEST(SimProperty, L2UnstableYetCollapses) {
  check_prop(
      [] {
        sim::SimModel m;
        m.base.k = 1;
        const Rational snr = *pick({Rational(1, 50), Rational(1, 40), Rational(1, 30)});
        m.base.sigma2 = lyapcert::models::sigma2_from_snr(m.base.k, snr);
        m.base.batch = 1;
        m.width = uniform<std::size_t>(1, 3);
        const Rational lr(uniform<long>(5, 15), 100);
        const auto seed = uniform<std::uint64_t>(1, 1000000);
        RC_PRE(margin_ok(sim::predict(m, lr, kAcc, false)));
        const sim::Prediction p = sim::predict(m, lr, kAcc);
        RC_PRE(p.predicts_collapse);
        // Certified g(2) = log E (1 - lr h)^2 of the wrong direction (u = -w; E h = k > 0).
        const auto h = lyapcert::models::minibatch_curvature(m.base);
        const auto g2 = lyap::certify_moment(h, lr, Rational(2), kAcc);
        RC_PRE(g2.value.sign == lyap::Sign::positive);
        sim::CheckOptions o;
        o.seed = seed;
        o.runs = kRuns;
        o.alpha = kAlpha;
        o.max_steps = 400'000;
        RC_PRE(sim::plan_check(p, o).feasible);
        RC_LOG() << "replay: " << replay(m, lr, seed, false, o.max_steps) << "\n";
        const auto r = sim::check(m, lr, p, o);
        log_result(r);
        const auto& f = r.simulation.summary.collapsed_fraction;
        RC_LOG() << "collapsed fraction " << f.estimate << " [" << f.lower << ", " << f.upper << "]\n";
        RC_ASSERT(r.agree);
      },
      5);
}

// The early-time growth rate of the linearised dynamics started on u = w is the mean of i.i.d. increments
// log|1 - lr gamma + lr h_B|: its Student-t interval (two-sided 1 - kAlpha, 64 runs) meets the certified
// enclosure of Lambda_+. Asymptotic (CLT of each run's average of 4000 increments).
TEST(SimProperty, LinearisedGrowthRateMatchesCertifiedExponent) {
  check_prop(
      [] {
        sim::SimModel m;
        m.base.k = 1;
        m.base.sigma2 = *pick({Rational(0), Rational(1), Rational(4), Rational(16)});
        m.base.batch = *rc::gen::element<std::uint64_t>(1, 3, 8);
        m.base.gamma = *pick({Rational(0), Rational(1, 10)});
        m.width = uniform<std::size_t>(1, 3);
        const Rational lr(uniform<long>(1, 200), 100);
        const auto seed = uniform<std::uint64_t>(1, 1000000);
        const sim::Prediction p = sim::predict(m, lr, kAcc, false);
        const auto& plus = p.units[0].plus;
        RC_PRE(!plus.lambda.value.minus_infinity);
        sim::SimOptions o;
        o.lr = lr.convert_to<double>();
        o.steps = 4000;
        o.runs = 64;
        o.seed = seed;
        o.collapse_below = 0;
        o.escape_above = std::numeric_limits<double>::infinity();
        o.linearised = true;
        o.init = sim::InitDirection::plus;
        const auto r = sim::simulate(m, o);
        double s1 = 0, s2 = 0;
        for (const auto& run : r.runs) {
          const double g = run.log_ratio_at_exit / static_cast<double>(run.exit_step);
          s1 += g;
          s2 += g * g;
        }
        const double n = static_cast<double>(r.runs.size()), mean = s1 / n;
        const double sd = std::sqrt(std::max(0.0, (s2 - n * mean * mean) / (n - 1)));
        const double t = lyapcert::stats::student_quantile(1 - kAlpha / 2, n - 1);
        const double half = t * sd / std::sqrt(n) + 1e-12;
        RC_LOG() << "replay: lyapcert simulate --linearised --init plus --steps 4000 --runs 64 --collapse-below 0 "
                    "--escape-above 1e300 --per-run --batch "
                 << m.base.batch << " --gamma " << to_text(m.base.gamma) << " --width " << m.width << " --lr "
                 << to_text(lr) << " --seed " << seed << noise_flags(m) << "; simulated " << mean << " +- " << half
                 << ", certified [" << plus.lambda_lower << ", " << plus.lambda_upper << "]\n";
        RC_ASSERT(mean - half <= plus.lambda_upper);
        RC_ASSERT(mean + half >= plus.lambda_lower);
      },
      20);
}

// The vector model f(x) = U W x (statistical prediction, proofs/sim/vector.md): at random d, q, m, noise, batch,
// weight decay and lr where the Monte Carlo interval of the top exponent is at least kMargin from 0, nonlinear
// SGD collapses when it is negative and escapes when it is positive. Each case: one interval at level 1 - kAlpha
// and one binomial test at kAlpha (both counted in kMaxChecks); the sizing is heuristic (SIM-VEC-SIZE-1).
TEST(SimProperty, NonlinearVectorFollowsStatisticalPrediction) {
  check_prop(
      [] {
        sim::SimModel m;
        m.kind = sim::ModelKind::vector;
        m.dim = uniform<std::size_t>(1, 4);
        m.out_dim = uniform<std::size_t>(1, 4);
        m.width = uniform<std::size_t>(1, 3);
        m.base.k = 1;
        const bool low_snr = *rc::gen::arbitrary<bool>();
        m.base.sigma2 = low_snr ? *pick({Rational(24), Rational(48)})
                                : *pick({Rational(0), Rational(1, 4), Rational(1), Rational(4)});
        m.base.batch = *rc::gen::element<std::uint64_t>(1, 2, 4);
        // Weight decay up to 2: in d + q >= 3 the minibatch noise alone makes the top exponent positive at small
        // lr, and weight decay is what brings phase III (collapse) back (docs/simulation.md).
        m.base.gamma = *pick({Rational(0), Rational(1, 20), Rational(1), Rational(2)});
        const Rational lr(low_snr ? uniform<long>(2, 10) : uniform<long>(2, 40), 100);
        const auto seed = uniform<std::uint64_t>(1, 1000000);
        sim::CheckOptions o;
        o.seed = seed;
        o.runs = kRuns;
        o.alpha = kAlpha;
        o.max_steps = 100'000;
        o.statistical.seed = seed;
        o.statistical.level = 1 - kAlpha;
        o.statistical.steps = 10'000;
        const sim::Prediction p = sim::predict(m, lr, kAcc, true, o.statistical);
        const auto& e = *p.statistical;
        RC_PRE(e.lower >= kMargin || e.upper <= -kMargin);
        RC_PRE(sim::plan_check(p, o).feasible);
        RC_LOG() << "replay: lyapcert check --model vector --dim " << m.dim << " --out-dim " << m.out_dim
                 << " --width " << m.width << " --gamma " << to_text(m.base.gamma) << " --batch " << m.base.batch
                 << " --lr " << to_text(lr) << " --seed " << seed << " --runs " << kRuns << std::setprecision(17)
                 << " --alpha " << kAlpha << " --max-steps " << o.max_steps
                 << " --predict-steps 10000 --predict-level " << 1 - kAlpha
                 << noise_flags(m) << "\n";
        RC_LOG() << "statistical top exponent " << e.estimate << " [" << e.lower << ", " << e.upper << "]\n";
        const auto r = sim::check(m, lr, p, o);
        log_result(r);
        RC_TAG(sim::phase_label(r.prediction));
        RC_ASSERT(r.agree);
      },
      6);
}
