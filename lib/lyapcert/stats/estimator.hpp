// Monte Carlo Lyapunov exponents of random matrix products with honest confidence statements:
// `estimate` (point estimate, confidence interval, spectrum, upper bounds) and `sign_test`
// (a sequential sign decision that may answer "undetermined"). Every result carries the guarantee
// it actually has; see docs/statistics.md and proofs/stats/statistics.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/sign.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/stats/sampler.hpp"

namespace lyapcert::stats {

// A confidence interval: [lower, upper] holds the true value with probability at least `level`, in the sense the
// estimate's Guarantee states (non-asymptotic or asymptotic). Statistical, never an enclosure.
struct ConfidenceInterval {
  double lower = 0, upper = 0, level = 0;
};

// The sign a confidence interval supports at its level, statistical like the interval: negative when it lies below
// 0, positive when above, else undetermined -- also when an end is not finite (a -inf or NaN increment was sampled:
// binary64 proves nothing about -inf; lyap1d / lyapnd do). Never zero: sampling cannot show Lambda = 0.
exact::Sign supported_sign(const ConfidenceInterval& ci);

// Statistical, never certified: the guarantee label says what the level means.
enum class Guarantee { nonasymptotic, asymptotic };
const char* to_string(Guarantee g);

struct EstimateOptions {
  std::uint64_t steps = 100'000;           // per replicate, after burn-in; [16, 2^40]
  std::uint64_t reps = 32;                  // independent replicates; [1, 2^32 - 1], and at most 2^40
                                            // simulated steps in all (each replicate: whole blocks of 1024
                                            // steps, burn-in included); memory does not grow with reps
  std::optional<std::uint64_t> burn_in;     // default: 0 for i.i.d. increments, else steps/10 (>= 100)
  std::uint64_t seed = 0;
  double level = 0.95;                      // in (0, 1)
  bool spectrum = false;                    // all d exponents (QR / Benettin)
  unsigned threads = 0;                     // 0: all hardware threads; results do not depend on it
};

struct UpperBound {
  double value = 0;
  double level = 0;
  Guarantee guarantee = Guarantee::asymptotic;
  std::uint64_t steps = 0;  // n in (1/n) E log ||S_n|| >= Lambda
  std::string method;
};

struct Estimate {
  bool finite = true;             // false: a -inf / NaN increment was seen (message says what it means)
  double estimate = 0;            // top exponent
  ConfidenceInterval ci;                    // for the top exponent
  Guarantee guarantee = Guarantee::asymptotic;
  std::string variance_method;    // "iid-increments", "batch-means", "between-replicates"
  double std_error = 0;
  bool iid_increments = false;
  std::uint64_t steps_per_rep = 0, reps = 0, burn_in = 0, steps_total = 0;
  std::uint64_t batch_size = 0;
  std::vector<double> spectrum;   // with options.spectrum: all d exponents, decreasing index order
  std::vector<ConfidenceInterval> spectrum_ci;
  std::vector<UpperBound> upper_bounds;  // from i.i.d. replicates of (1/n) log ||S_n||
  std::string assumption;         // what the asymptotic guarantee assumes
  std::string message;
};

// Refuses (InputError naming the option) what estimate() would refuse before simulating: --steps, --reps,
// --burn-in or --level out of range, or more than 2^40 simulated steps in all. `iid` is
// laws::increments_iid(law), which sets the default burn-in.
void check_estimate_options(const EstimateOptions& options, bool iid);

// Estimates the top Lyapunov exponent of the product of i.i.d. draws of `law`.
// Guarantee: statistical, asymptotic (CLT) at options.level; the interval is from the plain
// i.i.d. variance for laws with i.i.d. increments (Proof: STATS-IID-1), otherwise from batch means
// of size about sqrt(steps) pooled over replicates. Upper bounds: E (1/n) log||S_n|| >= Lambda
// (Proof: STATS-UCB-1), nonasymptotic when ||A|| is bounded. Deterministic in options.seed whatever
// options.threads is. InputError for out-of-range options or a bad law.
Estimate estimate(const laws::MatrixLaw& law, const EstimateOptions& options);


struct SignOptions {
  double level = 0.99;               // in (0, 1)
  std::uint64_t budget = 10'000'000; // most simulated steps; [1024, 2^44]
  std::uint64_t seed = 0;
  unsigned threads = 0;
};

struct SignResult {
  // Statistical, never certified: negative or positive when the confidence sequence excludes 0 at `level` with
  // `guarantee`, undetermined otherwise (never zero: a sequential test cannot decide Lambda = 0). The library's
  // one sign type (exact/sign.hpp); this structure is what says the sign is statistical.
  exact::Sign sign = exact::Sign::undetermined;
  Guarantee guarantee = Guarantee::asymptotic;
  double level = 0;
  std::uint64_t steps_used = 0;
  ConfidenceInterval interval;                 // final confidence-sequence interval for Lambda
  double estimate = 0;
  std::string method;                // "eb-clipped-iid", "asymptotic-cs-iid", "asymptotic-cs-replicates", ...
  std::string assumption;            // for "asymptotic"
  std::string message;
  std::optional<TailBound> tail;     // the certified clipping used (nonasymptotic path)
};

// Sequential sign test: samples until a confidence sequence for Lambda excludes 0 or the budget
// is spent. Guarantee: with guarantee nonasymptotic, P(wrong sign) <= 1 - level under this
// stopping rule (Proof: STATS-SIGN-1); with asymptotic, the same under the CLT assumption stated in
// `assumption`. "undetermined" is a normal answer. InputError for bad options or law.
SignResult sign_test(const laws::MatrixLaw& law, const SignOptions& options);

}  // namespace lyapcert::stats
