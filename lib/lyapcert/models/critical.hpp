// The critical SNR of the two-layer saddle (first claim of docs/claims.md): for the Gaussian data model with weight
// decay gamma = 0, collapse to the saddle (phase III, both exponents negative) happens at some learning
// rate only below a critical per-sample SNR. This module certifies the two sides of the transition:
//   * a collapse witness at SNR s_lo: a learning rate where Lambda_+ and Lambda_- are certified < 0;
//   * a no-collapse certificate at SNR s_hi: Lambda_+(lr) > 0 for EVERY lr > 0, from certified interval
//     evaluations on cells covering [a, b] plus analytic lower bounds for lr <= a and lr >= b
//     (proofs/models/critical.md MODEL-CRIT-2, MODEL-CRIT-3; Lambda_+ > 0 excludes phase III, and by
//     MODEL-CRIT-1 it is also necessary).
// The exponents depend on lr |k| and sigma / |k| only (MODEL-CRIT-1), so the critical SNR depends on the
// batch size S alone; k only rescales the learning rates.
#pragma once
#include <arb.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/models/twolayer.hpp"

namespace lyapcert::models {

// Lower bound of Lambda_+ at u = lr |k| for small lr (Proof: MODEL-CRIT-2), rho2 = sigma^2 / k^2 > 0,
// 0 < delta < 1: out contains
//   u - u^2 m2 / (2 (1 - delta)) - K_delta exp(-delta S / (u rho2)),  m2 = 1 + (2 + rho2) / S,
//   K_delta = (1 + (1 - delta)(1 - log(1 - delta))) e^{-1/2} / (delta sqrt(2 pi)).
// Guarantee: Lambda_+(u / |k|) >= every point of the ball, for every u > 0 (balls allowed).
void crit_small_lr_bound(arb_t out, const arb_t u, const arb_t rho2, ulong S, const arb_t delta, slong prec);

// Lower bound of Lambda_+ at u = lr |k| for every u > 0 (Proof: MODEL-CRIT-3): out contains
//   log u + log(sqrt(rho2) / S) + (psi(S/2) - euler_gamma) / 2.
void crit_large_lr_bound(arb_t out, const arb_t u, const arb_t rho2, ulong S, slong prec);

// A learning-rate cell [lower, upper] with a certified lower bound of Lambda_+ on it.
struct CritCell {
  Rational lower, upper;
  Rational lambda_plus_lower;  // exact lower endpoint of the enclosure over the cell
};

struct NoCollapseCertificate {
  bool certified = false;  // Lambda_+ > 0 proved for every lr > 0
  Rational snr, sigma2;
  // lr <= lr_a: MODEL-CRIT-2 with this delta; lr >= lr_b: MODEL-CRIT-3 (learning rates, not u).
  Rational lr_a, lr_b, delta;
  Rational small_bound_lower, large_bound_lower;  // exact lower endpoints of the bounds at lr_a, lr_b
  std::vector<CritCell> cells;                    // cover [lr_a, lr_b] when certified
  std::size_t evaluations = 0;                    // cell evaluations spent (including split cells)
  std::string message;                            // why not certified
};

struct CollapseWitness {
  bool found = false;
  Rational snr, sigma2, lr;
  PhaseResult result;  // certified exponents at lr (phase "III" when found)
};

struct CritOptions {
  int jobs = 2;
  std::size_t max_evaluations = 20000;  // cap on cell evaluations of one certificate
  int max_depth = 24;                  // cap on geometric halvings of a cell
  const std::atomic<bool>* cancel = nullptr;
};

// Certifies Lambda_+ > 0 for all lr > 0 for the Gaussian model m (gamma = 0, sigma^2 > 0, no data).
// Cells are certified by xy_log_abs_mean on a learning-rate ball (MODEL-CELL-1) and halved
// geometrically until certified or a cell's enclosure is certainly negative (then Lambda_+ < 0 there:
// not certified) or the budget is spent. InputError for gamma != 0, finite data or sigma^2 = 0.
NoCollapseCertificate certify_no_collapse(const TwoLayerModel& m, const CritOptions& opt);

// Approximate minimum over lr of Lambda_+ (a heuristic search with 64-bit ball midpoints, used only to
// steer the bisection and to choose witnesses): returns {lr, value}.
std::pair<Rational, double> approx_min_lambda_plus(const TwoLayerModel& m);

// Looks for a learning rate where phase_at certifies phase III (both exponents < 0) near the
// approximate minimiser of Lambda_+. found = false when none was certified.
CollapseWitness find_collapse_witness(const TwoLayerModel& m, int digits);

struct CriticalSpec {
  Rational k = 1;
  std::uint64_t batch = 1;
  Rational gamma = 0;  // must be 0
  int digits = 2;      // the SNR interval has relative width <= 10^-digits (0..6; 0: no bisection)
  Rational snr_min = Rational(1, 100000), snr_max = Rational(49, 100);  // search range of the bisection
  CritOptions options;
};

// What one SNR of the search was certified to be: collapse (a witness, phase III at some lr), no_collapse (a
// certificate: Lambda_+ > 0 for every lr, MODEL-CRIT-4 (a)), or undetermined (neither was certified). The text
// exists only where it is printed (to_string).
enum class SnrLabel { undetermined, collapse, no_collapse };
// "collapse", "no-collapse" or "undetermined" (the bisection's JSON and progress lines).
const char* to_string(SnrLabel l);

struct BisectionStep {
  Rational snr;
  double approx_min = 0;  // approximate min over lr of Lambda_+ (heuristic: only decides what is tried first)
  SnrLabel label = SnrLabel::undetermined;  // certified either way, or undetermined
};

struct CriticalResult {
  Rational snr_lo, snr_hi;
  CollapseWitness witness;               // at snr_lo
  NoCollapseCertificate certificate;     // at snr_hi
  std::vector<BisectionStep> steps;
  bool complete = false;  // witness found and certificate proved
  std::string message;
};

// Bisection in log SNR with a certified witness at the lower end and a certified no-collapse
// certificate at the upper end. progress(text) reports the steps. InputError for bad specs
// (k = 0, gamma != 0, batch < 1, digits outside [0, 6], bad search range).
CriticalResult critical_snr(const CriticalSpec& spec, const std::function<void(const std::string&)>& progress);

// What `critical-snr` prints next to the exact bracket, computed here so that the tool only prints: the batch SNR
// at a per-sample SNR (S times it: the Gaussian model draws minibatches with replacement; exact), and binary64
// approximations for reading, not certified: sigma/|k| = sqrt(sigma^2(R) / k^2) at a per-sample SNR R > 0, and the
// smallest lower bound of Lambda_+ over a certificate's cells (+inf without cells).
Rational batch_snr(const CriticalSpec& spec, const Rational& per_sample_snr);
double sigma_over_k_approx(const Rational& k, const Rational& snr);
double min_cell_lower_bound(const NoCollapseCertificate& c);

}  // namespace lyapcert::models
