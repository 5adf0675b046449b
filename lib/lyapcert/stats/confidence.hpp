// Confidence sequences and fixed-sample intervals used by `estimate` and `sign`.
#pragma once
#include <cstdint>

namespace lyapcert::stats {

// Predictable-plug-in empirical-Bernstein confidence sequence (Waudby-Smith & Ramdas 2023,
// Thm 2; Howard et al. 2021) for the common mean mu of i.i.d. data in [lo, hi], fed in blocks:
// every datum of a block uses the same predictable lambda and centre (fixed before the block is
// drawn). Guarantee (Proof: STATS-EB-1): P(exists t: mu outside [lower_t, upper_t]) <= alpha_lower +
// alpha_upper, for every stopping rule; each side alone has error <= its own alpha.
// One-sided use: pass alpha 0 for the side you do not need (its bound is then infinite).
class EmpiricalBernsteinCS {
 public:
  EmpiricalBernsteinCS(double lo, double hi, double alpha_lower, double alpha_upper);

  struct BlockPlan {
    double lambda_lower, lambda_upper;  // bets for the two sides, in (0, 1/2]
    double centre;                      // predictable centre mu_hat, in [0, 1] (rescaled units)
  };
  // Plan of the next block of n data (depends only on the data already added).
  BlockPlan plan(std::uint64_t n) const;
  // Adds a block drawn after plan(n): n data x_i clipped to [lo, hi], with
  // s1 = sum y_i and s2 = sum (y_i - centre)^2 for y_i = (x_i - lo)/(hi - lo).
  void add(const BlockPlan& p, std::uint64_t n, double s1, double s2);

  std::uint64_t count() const { return n_; }
  double lower() const;  // running intersection, original units (-inf before any data)
  double upper() const;

 private:
  double lo_, hi_, alpha_lo_, alpha_hi_;
  std::uint64_t n_ = 0;
  double sum_y_ = 0, sum_dev2_ = 0;                       // for the plug-in variance
  double lam_lo_ = 0, lam_y_lo_ = 0, psi_v_lo_ = 0;       // sums for the lower bound
  double lam_hi_ = 0, lam_y_hi_ = 0, psi_v_hi_ = 0;       // and for the upper bound
  double best_lower_, best_upper_;
};

// Asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas 2024, Thm 2.2;
// Robbins' normal mixture): half-width at time t for sample standard deviation sigma_hat,
// two-sided level 1 - alpha, mixture tuned to be tightest at t_star. Guarantee: asymptotic
// (time-uniform CLT; Proof: STATS-ACS-1).
double asymptotic_cs_halfwidth(double t, double sigma_hat, double alpha, double t_star);

// Quantiles (Boost.Math): standard normal and Student t with df degrees of freedom.
double normal_quantile(double p);
double student_quantile(double p, double df);

}  // namespace lyapcert::stats
