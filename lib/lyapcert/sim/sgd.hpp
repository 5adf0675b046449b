// lyapcert::sim -- SGD on the full nonlinear saddle models of docs/math.md section 3, started near the
// saddle, and (optionally) on their linearisation. Estimates only: every figure here is a Monte
// Carlo outcome, never a certified value (docs/architecture.md: the guarantee is in the type).
//
// Models (squared loss (1/2)|f(x) - y|^2 per sample, weight decay (gamma/2)|theta|^2):
//   twolayer  f(x) = sum_i u_i w_i x                      x ~ N(0,1), y = k x + sigma eps, or finite data
//   tanh      f(x) = sum_i u_i tanh(w_i x)                same data; same linearisation at 0 as twolayer
//   diagonal  f(x) = sum_i u_i w_i x_i                    x ~ N(0, I_d), y = sum_i beta_i x_i + sigma eps
//   vector    f(x) = U W x, U: q x m, W: m x d            x ~ N(0, I_d), y = k P x + sigma eps, P = [I 0]
//
// Randomness: run r draws from Philox4x32-10 with key = seed and counter (c0, c1) = 64-bit draw
// index, c2 = r, c3 = stream (0: minibatches, 1: initialisation). A run's bits depend only on
// (seed, r), so results are identical for any number of threads.
//
// Subnormals are flushed to zero in the worker threads (MXCSR FTZ/DAZ; values below 2^-1022 only).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/models/twolayer.hpp"

namespace lyapcert::sim {

using exact::Rational;

enum class ModelKind { twolayer, diagonal, vector, tanh };
const char* to_string(ModelKind k);
// InputError for an unknown name (lists the known ones).
ModelKind parse_model_kind(const std::string& name);

struct SimModel {
  ModelKind kind = ModelKind::twolayer;
  // k, sigma^2, gamma, batch, replace and finite data (twolayer, tanh); gamma, batch and sigma^2 for all.
  models::TwoLayerModel base;
  std::size_t width = 1;          // m (twolayer, tanh, vector)
  std::vector<Rational> beta;     // diagonal: one coefficient per coordinate, each nonzero
  std::size_t dim = 1;            // vector: d (input)
  std::size_t out_dim = 1;        // vector: q (output)
};

// InputError naming the problem (width, dimensions, beta, data for models without finite data, ...).
void validate(const SimModel& m);

// Number of units: (u_i, w_i) pairs whose linearisation is one commuting 2x2 block (twolayer, tanh:
// width; diagonal: number of coordinates); 0 for the vector model (no such decomposition).
std::size_t unit_count(const SimModel& m);
// Number of parameters.
std::size_t parameter_count(const SimModel& m);

enum class InitDirection {
  sphere,  // uniform on the sphere of radius init_scale
  plus,    // u_i = w_i (the direction u = w of every unit), |theta_0| = init_scale
  minus,   // u_i = -w_i
};

struct SimOptions {
  double lr = 0.1;
  std::uint64_t steps = 1000;
  std::uint64_t runs = 100;
  double init_scale = 1e-3;       // |theta_0|
  double collapse_below = 1e-6;   // collapsed when |theta_t| <= collapse_below * |theta_0|
  double escape_above = 0.1;      // escaped when |theta_t| >= escape_above (absolute)
  double rank_threshold = 1e-2;   // learned rank / surviving coordinates: |u_i w_i| or singular values above
  double diverge_above = 1e100;   // diverged: |theta_t| above this or not finite (nonlinear models)
  std::uint64_t seed = 1;
  int threads = 2;
  bool stop_at_escape = false;    // end a run when it first reaches X (check does; the nonlinear regime is not claimed)
  bool linearised = false;        // theta <- (I - lr Hhat_t) theta at the saddle (log-norm kept exactly)
  InitDirection init = InitDirection::sphere;
  const std::atomic<bool>* cancel = nullptr;
  // Called from worker threads (serialised) after each finished run.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

enum class Outcome { collapsed, escaped, diverged, undecided };
const char* to_string(Outcome o);

// Outcome: collapsed (|theta| <= C |theta_0| before reaching X; the run stops), escaped (reached X,
// then ran to the end), diverged (not finite or above diverge_above; the run stops; it may have
// reached X first), undecided (neither within `steps`).
struct RunResult {
  std::uint64_t run_index = 0;
  Outcome outcome = Outcome::undecided;
  bool reached_escape = false;    // |theta_t| >= X at some t (escaped, or diverged after/while passing X)
  // tau = first step with |theta| <= C |theta_0| or |theta| >= X (steps when neither happened).
  std::uint64_t exit_step = 0;
  double log_ratio_at_exit = 0;   // log(|theta_tau| / |theta_0|)
  std::uint64_t steps_run = 0;    // the run stops at collapse or divergence, otherwise after `steps`
  double final_distance = 0;      // |theta| when the run stopped (linearised: may overflow to inf)
  double final_log_distance = 0;  // log |theta| when the run stopped (finite in the linearised mode)
  // Learned product at the escape time tau and at the end: sum_i u_i w_i (twolayer, tanh, diagonal:
  // per coordinate below), the entry (0, 0) of U W (vector). 0 when not escaped.
  double product_at_escape = 0, final_product = 0;
  // Per unit j (twolayer/tanh/diagonal) at tau when escaped: rotated components
  // p_j = (u_j + w_j)/sqrt 2 and m_j = (u_j - w_j)/sqrt 2 reached X / sqrt(2 U) ("active").
  std::vector<std::uint8_t> active_plus, active_minus;
  std::vector<double> unit_product_at_escape;  // u_j w_j at tau (diagonal: the learned sign per coordinate)
  std::vector<std::uint8_t> surviving;         // |u_j w_j| > rank_threshold at the end
  // twolayer/tanh: |sum u w| > thr; diagonal: number of surviving coordinates; vector: singular values > thr.
  std::uint32_t learned_rank = 0;
};

// A Monte Carlo estimate with its confidence interval at the summary's `level` (Clopper-Pearson for a fraction
// of runs, a delta-method interval for the growth rate). Statistical, never an enclosure.
struct EstimateInterval {
  double estimate = 0, lower = 0, upper = 0;
};

struct SimSummary {
  std::uint64_t runs = 0, collapsed = 0, escaped = 0, diverged = 0, undecided = 0;
  std::uint64_t reached_escape = 0;  // runs that reached X (escaped, or diverged after passing X)
  double level = 0.95;
  // Clopper-Pearson intervals at `level` for the fractions (escaped: runs that reached X).
  EstimateInterval collapsed_fraction, escaped_fraction;
  // Among escaped runs (twolayer/tanh/diagonal with one coordinate): sign of the learned product at
  // escape compared with the sign of E[h] (correct) -- 0 counts when E[h] = 0.
  std::uint64_t correct_sign = 0, incorrect_sign = 0;
  EstimateInterval correct_sign_fraction;
  // Early-time growth rate over the linear regime: sum_r log(|theta_tau_r|/|theta_0|) / sum_r tau_r
  // (Wald's identity makes it consistent for the drift of a 1-D walk), with an asymptotic
  // delta-method interval at `level` (CLT across runs).
  EstimateInterval growth_rate;
  // Median and quartiles of the final distance to the saddle.
  double final_distance_median = 0, final_distance_q1 = 0, final_distance_q3 = 0;
  std::vector<std::uint64_t> rank_histogram;  // rank_histogram[r] = runs with learned rank r
  bool complete = true;                       // false when cancelled (summary of finished runs)
};

struct SimResult {
  // In run order. After a stop (cancel flag, interrupt, or the calling thread's StopScope budget) only the
  // runs 0..K-1 before the first unfinished run are kept (summary.complete false).
  std::vector<RunResult> runs;
  SimSummary summary;
};

// Sign of E[h] in the model's data (twolayer/tanh: sign of k or of the finite data's mean x y).
int mean_curvature_sign(const SimModel& m);

// Runs opt.runs independent SGD runs (opt.threads worker threads). Guarantee: Monte Carlo only; the
// same seed gives bit-identical runs for any thread count. InputError for bad options (lr <= 0,
// steps or runs 0, scales not positive, collapse_below >= 1, ...).
SimResult simulate(const SimModel& m, const SimOptions& opt);

// Summary of finished runs (used by simulate; exposed for tests).
SimSummary summarise(const SimModel& m, const std::vector<RunResult>& runs, double level = 0.95);

// Clopper-Pearson interval for k successes in n trials at two-sided `level`.
EstimateInterval clopper_pearson(std::uint64_t k, std::uint64_t n, double level);

}  // namespace lyapcert::sim
