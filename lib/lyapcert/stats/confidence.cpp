#include "lyapcert/stats/confidence.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lyapcert::stats {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// psi(lambda) = -log(1 - lambda) - lambda: the Fan-Grama-Liu exponent (Proof: STATS-EB-1).
double psi(double lambda) { return -std::log1p(-lambda) - lambda; }
}  // namespace

EmpiricalBernsteinCS::EmpiricalBernsteinCS(double lo, double hi, double alpha_lower, double alpha_upper)
    : lo_(lo), hi_(hi), alpha_lo_(alpha_lower), alpha_hi_(alpha_upper), best_lower_(-kInf), best_upper_(kInf) {}

EmpiricalBernsteinCS::BlockPlan EmpiricalBernsteinCS::plan(std::uint64_t n) const {
  const double t = static_cast<double>(n_) + 0.5 * static_cast<double>(n) + 1.0;
  const double mean = (0.5 + sum_y_) / (static_cast<double>(n_) + 1.0);
  const double var = (0.25 + sum_dev2_) / (static_cast<double>(n_) + 1.0);
  auto bet = [&](double alpha) {
    if (alpha <= 0) return 0.5;
    return std::min(0.5, std::sqrt(2.0 * std::log(1.0 / alpha) / (var * t * std::log1p(t))));
  };
  return {bet(alpha_lo_), bet(alpha_hi_), std::clamp(mean, 0.0, 1.0)};
}

void EmpiricalBernsteinCS::add(const BlockPlan& p, std::uint64_t n, double s1, double s2) {
  const double dn = static_cast<double>(n);
  n_ += n;
  sum_y_ += s1;
  sum_dev2_ += s2;
  lam_lo_ += p.lambda_lower * dn;
  lam_y_lo_ += p.lambda_lower * s1;
  psi_v_lo_ += psi(p.lambda_lower) * s2;
  lam_hi_ += p.lambda_upper * dn;
  lam_y_hi_ += p.lambda_upper * s1;
  psi_v_hi_ += psi(p.lambda_upper) * s2;
  const double w = hi_ - lo_;
  if (alpha_lo_ > 0 && lam_lo_ > 0) {
    const double l = (lam_y_lo_ - std::log(1.0 / alpha_lo_) - psi_v_lo_) / lam_lo_;
    best_lower_ = std::max(best_lower_, lo_ + w * std::max(0.0, l));
  }
  if (alpha_hi_ > 0 && lam_hi_ > 0) {
    const double u = (lam_y_hi_ + std::log(1.0 / alpha_hi_) + psi_v_hi_) / lam_hi_;
    best_upper_ = std::min(best_upper_, lo_ + w * std::min(1.0, u));
  }
}

double EmpiricalBernsteinCS::lower() const { return alpha_lo_ > 0 ? best_lower_ : -kInf; }
double EmpiricalBernsteinCS::upper() const { return alpha_hi_ > 0 ? best_upper_ : kInf; }

double asymptotic_cs_halfwidth(double t, double sigma_hat, double alpha, double t_star) {
  if (t < 1) return kInf;
  const double la = -2.0 * std::log(alpha);
  const double rho2 = (la + std::log(la + 1.0)) / std::max(1.0, t_star);
  const double a = t * rho2 + 1.0;
  return sigma_hat / t * std::sqrt(2.0 * a / rho2 * std::log(std::sqrt(a) / alpha));
}

double normal_quantile(double p) { return boost::math::quantile(boost::math::normal_distribution<double>(), p); }

double student_quantile(double p, double df) {
  if (df > 1e7) return normal_quantile(p);
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

}  // namespace lyapcert::stats
