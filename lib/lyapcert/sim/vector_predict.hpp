// The vector model's prediction (proofs/sim/vector.md): the statistical top exponent of its linearisation at the
// saddle by independent Monte Carlo replicates, and its replacement by a sign lyapnd certifies. Implemented in
// vector_predict.cpp; sim::predict (predict.hpp) calls it for the vector model.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/sim/sgd.hpp"

namespace lyapcert::sim {

struct Prediction;  // predict.hpp

// Options of the statistical prediction (vector model; Proof: SIM-VEC-MC-1).
struct StatisticalOptions {
  std::uint64_t steps = 20'000;   // per replicate, after the burn-in; [16, 10^9]
  std::uint64_t burn_in = 1'000;  // [0, 10^9]
  std::uint64_t reps = 32;        // independent replicates; [2, 10^6]
  double level = 1 - 1e-6;        // two-sided level of the interval and of the sign decision; (0, 1)
  std::uint64_t seed = 1;         // Philox key; stream word 3 = 2 (never used by the simulator)
  int threads = 2;                // results do not depend on it
  const std::atomic<bool>* cancel = nullptr;
};

// A Monte Carlo estimate of the top Lyapunov exponent of the linearisation (statistical, never certified).
struct StatisticalExponent {
  double estimate = 0, lower = 0, upper = 0;  // Student-t interval over replicates at `level`
  double level = 0;
  double std_error = 0;                       // s / sqrt(reps)
  // Asymptotic variance per step of log|Z_t| (N s^2) and its upper 0.99 confidence bound (normal theory);
  // used by the heuristic sizing SIM-VEC-SIZE-1.
  double variance = 0, variance_upper = 0;
  lyap::Sign sign = lyap::Sign::undetermined;  // negative / positive when the interval excludes 0
  bool finite = true;                          // false: a step mapped the direction to 0 (probability 0)
  bool complete = true;                        // false: cancelled (no estimate, sign undetermined)
  std::uint64_t steps = 0, burn_in = 0, reps = 0, seed = 0;
  std::string method = "independent replicates, Student t";
  std::string assumption;
};

// Top Lyapunov exponent of the linearisation of the vector model at U = W = 0: the product of the i.i.d.
// matrices [[c I_q, lr M], [lr M^T, c I_d]], c = 1 - lr gamma, M = (1/S) sum_j y_j x_j^T (Proof:
// SIM-VEC-LIN-1), by independent replicates (Proof: SIM-VEC-MC-1). Guarantee: statistical (asymptotic, under
// the CLT assumption stated in `assumption`). InputError for another model or bad options.
StatisticalExponent estimate_vector_exponent(const SimModel& m, double lr, const StatisticalOptions& o);

// The vector model's prediction where lyapnd certifies the sign of its top exponent (`top`; `upper_bound_only`:
// only the upper endpoint of its ball is certified): the prediction becomes that certified sign, and the Monte
// Carlo interval, which then only sizes the runs (SIM-VEC-SIZE-1), is narrowed by the enclosure (rounded outward
// to binary64) so that the drift used for the sizing has the certified sign. Returns false and leaves `p` as it is
// when the sign is open or `p` has no statistical exponent.
bool apply_certified_sign(Prediction& p, const lyap::CertifiedValue& top, bool upper_bound_only);

}  // namespace lyapcert::sim
