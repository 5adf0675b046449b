// The linear theory's prediction for simulated SGD near the saddle, the run sizing that makes a
// per-run prediction testable, and the one-sided binomial test (proofs/sim/check.md).
//
// Each unit's linearisation is the commuting 2x2 block gamma I - h_B [[0,1],[1,0]]: the rotated
// components p = (u + w)/sqrt 2 and m = (u - w)/sqrt 2 are 1-D products with multipliers
// 1 - lr gamma + lr h_B (direction "plus", u = w) and 1 - lr gamma - lr h_B ("minus", u = -w).
// "Correct" is the direction whose product u w has the sign of E[h_B].
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "lyapcert/sim/sgd.hpp"
#include "lyapcert/sim/vector_predict.hpp"

namespace lyapcert::sim {

// One direction's certified quantities.
struct DirectionPrediction {
  lyap::CertifiedResult lambda;  // E log|1 - lr gamma +- lr h_B| (enclosure)
  double lambda_lower = 0, lambda_upper = 0;  // outward binary64 bounds of the enclosure
  // Lundberg: the largest tried p (dyadic, 2^-10 .. 2^6, starting from 1) with g(p) = log E|multiplier|^p
  // certified < 0 (0 when none, e.g. Lambda > 0). Then P(the component ever grows by a factor F) <= F^-p
  // (Proof: SIM-LUNDBERG-1).
  double lundberg_p = 0;
  // Every tried p with its certified upper bound g(p) <= G < 0 (Proof: SIM-CHERNOFF-1 picks the pair that
  // minimises the collapse time); chernoff_p, chernoff_g: the pair chosen for the default thresholds
  // (C = 1e-6, one unit, delta = 1e-3).
  std::vector<std::pair<double, double>> moment_bounds;
  // Positive directions: certified upper bound of g(1) = log E|multiplier| (>= Lambda by Jensen); the
  // escape-time sizing uses v = 2 (g(1) - Lambda) as a variance scale (heuristic, SIM-SIZE-1).
  double g1_upper = 0;
  double chernoff_p = 0, chernoff_g = 0;
  // Positive directions: tried orders p > 0 with the certified upper bound G of g(-p) = log E|multiplier|^-p
  // when G < 0 (negative moments, LYAP1D-MOM-NEG-1; empty when the law has none, e.g. bivariate laws). Then
  // P(S_T < a) <= exp(p a + T G) bounds the chance that the component has not grown by e^a at step T
  // (Proof: SIM-ESCAPE-1).
  std::vector<std::pair<double, double>> escape_bounds;
};

struct UnitPrediction {
  models::TwoLayerModel law_model;  // the unit's data law (diagonal: k = beta_i, sigma^2 + sum_{l != i} beta_l^2)
  DirectionPrediction plus, minus;
  bool plus_is_correct = true;      // E[h_B] > 0 (E[h_B] = 0: no correct sign; labels then use plus as "correct")
  bool l2_wrong_direction_stable = false;  // exact: E(wrong multiplier)^2 < 1
  models::Phase phase = models::Phase::undetermined;  // Ia .. IV from the correct/wrong directions, or undetermined
  std::vector<models::Phase> candidates;               // the phases consistent with the certified signs
};

struct Prediction {
  ModelKind kind = ModelKind::twolayer;
  // Vector model: the statistical top exponent (units is then empty, multiplicity = width); the
  // prediction is "collapse" when its interval is below 0, "escape" when above, else undetermined.
  std::optional<StatisticalExponent> statistical;
  std::vector<UnitPrediction> units;  // twolayer/tanh: one, shared by the `multiplicity` units
  std::size_t multiplicity = 1;       // twolayer/tanh: width; diagonal: 1
  std::size_t components = 2;         // 2 x number of units: |theta| >= X puts one above X / sqrt(components)
  bool determined = false;            // every direction's sign is certified nonzero
  bool predicts_collapse = false;     // every direction negative (III everywhere)
};

// The prediction's phase as printed (check's "phase"): twolayer/tanh: the unit's phase; diagonal: the coordinates'
// phases joined by ','; vector: "III" when collapse is predicted, "unstable" when escape is (the saddle is unstable;
// the linearisation does not say which direction grows), else "undetermined". The labels are models::Phase (or,
// for the vector model, `determined` and `predicts_collapse`) everywhere else; this is their text at the edge.
std::string phase_label(const Prediction& p);

// Certified prediction at exact learning rate lr > 0 (acc: accuracy of the exponents; g(p) uses at
// most acc.max_bits too). InputError for invalid models. Guarantee: the enclosures and signs are certified
// (LOOP-1) -- except for the vector model (non-commuting product), whose prediction is the statistical
// estimate_vector_exponent(m, lr, stat) (Proof: SIM-VEC-MC-1; phase "III" or "unstable").
// with_moments = false skips the moment orders (lundberg_p, moment_bounds): enough for the label, not
// for plan_check.
Prediction predict(const SimModel& m, const Rational& lr, const lyap::Accuracy& acc, bool with_moments = true,
                   const StatisticalOptions& stat = {});

struct CheckOptions {
  double delta = 1e-3;        // target per-run failure probability
  double alpha = 1e-6;        // false-failure probability of the binomial test
  std::uint64_t runs = 200;
  std::uint64_t max_steps = 20'000'000;  // refuse (infeasible) when the sizing asks for more
  double escape_above = 0.1;
  double collapse_below = 1e-6;
  std::optional<double> init_scale;     // overrides the sizing (then the bound may exceed delta)
  std::optional<std::uint64_t> steps;   // overrides the sizing
  std::uint64_t seed = 1;
  int threads = 2;
  bool linearised = false;  // simulate the linearisation instead (the theory's own dynamics)
  StatisticalOptions statistical;  // vector model: the prediction's Monte Carlo (seed set by the caller)
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

struct Plan {
  double init_scale = 0;
  std::uint64_t steps = 0, runs = 0;
  // Per-run failure bound for the linearised dynamics proved by SIM-LUNDBERG-1 (+ SIM-CHERNOFF-1 when
  // collapse is predicted, + SIM-ESCAPE-1 when escape is predicted and a positive direction has certified
  // negative moments). Otherwise escape predictions assume the escape happens within `steps` (heuristic
  // SIM-SIZE-1), see proofs/sim/check.md.
  double rigorous_bound = 0;
  bool time_bound_rigorous = false;   // the steps are covered by SIM-CHERNOFF-1 or SIM-ESCAPE-1
  // "proved" (collapse: SIM-LUNDBERG-1 + SIM-CHERNOFF-1; escape: SIM-LUNDBERG-1 + SIM-ESCAPE-1), "partly
  // heuristic" (escape without negative moments: SIM-SIZE-1's time part), "heuristic" (vector model: diffusion
  // approximation, SIM-VEC-SIZE-1).
  std::string sizing;
  bool feasible = false;
  std::string why;                    // when not feasible
};

// Sizing of init scale, steps and runs (Proof: SIM-LUNDBERG-1, SIM-CHERNOFF-1, SIM-SIZE-1; vector model:
// SIM-VEC-SIZE-1).
Plan plan_check(const Prediction& p, const CheckOptions& o);

// Whether one run agrees with the prediction: collapse predicted -> collapsed; escape predicted ->
// reached X with no component of a negative direction above X / sqrt(components) at that time (which
// implies the predicted sign of u w in phases I and II).
struct RunVerdict {
  bool agrees = false;
  std::string reason;
};
RunVerdict judge_run(const Prediction& p, const RunResult& r);

// P(Binomial(n, q) >= k) (Boost.Math regularised incomplete beta; 1 for k = 0).
double binomial_upper_tail(std::uint64_t k, std::uint64_t n, double q);
// Smallest k with P(Binomial(n, q) >= k) <= alpha.
std::uint64_t critical_failures(std::uint64_t n, double q, double alpha);
// Per-run failure rate at which the test rejects with probability `power` (bisection).
double detectable_failure_rate(std::uint64_t n, std::uint64_t k_crit, double power);

struct CheckResult {
  Prediction prediction;
  Plan plan;
  SimResult simulation;
  std::uint64_t failures = 0;
  std::uint64_t critical = 0;     // failures at which the prediction is rejected
  double p_value = 1;             // P(Binomial(runs, delta) >= failures)
  bool agree = false;             // p_value > alpha (and the simulation complete)
  double detectable_rate = 0;     // failure rate detected with probability 0.99
  std::vector<std::string> failure_examples;  // first few disagreeing runs (index and reason)
};

// predict + plan_check + simulate + judge + binomial test. The prediction must be determined and
// the plan feasible, otherwise the result has agree = false and simulation.runs empty (check
// plan.feasible / prediction.determined). Guarantee: when every run's failure probability is at most
// delta, agree = false with probability at most alpha (Proof: SIM-BINOM-1).
CheckResult check(const SimModel& m, const Rational& lr, const lyap::Accuracy& acc, const CheckOptions& o);
// The same with a prediction already computed by predict(m, lr, acc) (with moments).
CheckResult check(const SimModel& m, const Rational& lr, const Prediction& prediction, const CheckOptions& o);

}  // namespace lyapcert::sim
