// Statistical prediction for the vector model f(x) = U W x (proofs/sim/vector.md): the top Lyapunov
// exponent of its linearisation at the saddle by independent Monte Carlo replicates. Written separately
// from the simulator (sgd.cpp updates U and W as matrices; here one vector z = (u, w) in R^(q+d) is
// multiplied by A = c I + lr J(M)), so that the two can check each other.
#include "lyapcert/sim/vector_predict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/sim/predict.hpp"
#include "lyapcert/stats/confidence.hpp"
#include "lyapcert/stats/estimator.hpp"
#include "lyapcert/stats/philox.hpp"

namespace lyapcert::sim {

namespace {

// Standard normals from Philox4x32-10: key = seed, counter = (64-bit index, replicate, 2).
class NormalStream {
 public:
  NormalStream(std::uint64_t seed, std::uint32_t rep)
      : k0_(static_cast<std::uint32_t>(seed)), k1_(static_cast<std::uint32_t>(seed >> 32)), rep_(rep) {}
  double next() {
    if (have_) {
      have_ = false;
      return spare_;
    }
    const auto r = stats::philox4x32(static_cast<std::uint32_t>(ctr_), static_cast<std::uint32_t>(ctr_ >> 32), rep_,
                                     2u, k0_, k1_);
    ++ctr_;
    const double u1 = stats::u01_open_closed((static_cast<std::uint64_t>(r.c1) << 32) | r.c0);
    const double u2 = stats::u01_closed_open((static_cast<std::uint64_t>(r.c3) << 32) | r.c2);
    const double rad = std::sqrt(-2.0 * std::log(u1));
    const double ang = 6.283185307179586476925 * u2;
    spare_ = rad * std::sin(ang);
    have_ = true;
    return rad * std::cos(ang);
  }

 private:
  std::uint32_t k0_, k1_, rep_;
  std::uint64_t ctr_ = 0;
  bool have_ = false;
  double spare_ = 0;
};

struct Replicate {
  double mean = 0;  // (1/N) sum of log growth factors after the burn-in
  bool finite = true;
};

// One replicate (Proof: SIM-VEC-LIN-1 for the matrix, SIM-VEC-MC-1 for the estimator).
Replicate run_replicate(std::size_t q, std::size_t d, std::size_t S, double k, double sigma, double c, double lr,
                        const StatisticalOptions& o, std::uint32_t rep, const std::atomic<bool>* cancel,
                        bool& cancelled) {
  NormalStream g(o.seed, rep);
  const std::size_t n = q + d;
  std::vector<double> z(n), nz(n), x(d), y(q);
  double n2 = 0;
  for (auto& v : z) {
    v = g.next();
    n2 += v * v;
  }
  for (auto& v : z) v /= std::sqrt(n2);
  const double* u = z.data();
  const double* w = z.data() + q;
  const double f = lr / static_cast<double>(S);
  const std::size_t qd = std::min(q, d);
  double sum = 0;
  Replicate out;
  const std::uint64_t total = o.burn_in + o.steps;
  for (std::uint64_t t = 0; t < total; ++t) {
    if ((t & 0x3FFF) == 0 && ((cancel && cancel->load(std::memory_order_relaxed)) || core::stop_requested())) {
      cancelled = true;
      return out;
    }
    // nz = c z + (lr / S) sum_j (y_j (x_j . w), x_j (y_j . u)) = A z.
    for (std::size_t i = 0; i < n; ++i) nz[i] = c * z[i];
    for (std::size_t j = 0; j < S; ++j) {
      for (std::size_t i = 0; i < d; ++i) x[i] = g.next();
      for (std::size_t l = 0; l < q; ++l) y[l] = (l < qd ? k * x[l] : 0.0) + sigma * g.next();
      double xw = 0, yu = 0;
      for (std::size_t i = 0; i < d; ++i) xw += x[i] * w[i];
      for (std::size_t l = 0; l < q; ++l) yu += y[l] * u[l];
      xw *= f;
      yu *= f;
      for (std::size_t l = 0; l < q; ++l) nz[l] += y[l] * xw;
      for (std::size_t i = 0; i < d; ++i) nz[q + i] += x[i] * yu;
    }
    double s2 = 0;
    for (double v : nz) s2 += v * v;
    if (!(s2 > 0) || !std::isfinite(s2)) {
      out.finite = false;
      return out;
    }
    const double nrm = std::sqrt(s2);
    if (t >= o.burn_in) sum += std::log(nrm);
    for (std::size_t i = 0; i < n; ++i) z[i] = nz[i] / nrm;
  }
  out.mean = sum / static_cast<double>(o.steps);
  return out;
}

}  // namespace

StatisticalExponent estimate_vector_exponent(const SimModel& m, double lr, const StatisticalOptions& o) {
  validate(m);
  if (m.kind != ModelKind::vector) throw InputError("estimate_vector_exponent: the model must be 'vector'");
  if (!(lr > 0) || !std::isfinite(lr)) throw InputError(fmt::format("--lr must be > 0, got {}", lr));
  if (o.steps < 16 || o.steps > 1'000'000'000ULL) throw InputError("--predict-steps must be in [16, 10^9]");
  if (o.burn_in > 1'000'000'000ULL) throw InputError("the burn-in must be <= 10^9 steps");
  if (o.reps < 2 || o.reps > 1'000'000ULL) throw InputError("--predict-reps must be in [2, 10^6]");
  if (!(o.level > 0 && o.level < 1)) throw InputError("--predict-level must be in (0, 1)");
  if (o.threads < 1 || o.threads > 256) throw InputError("threads must be in [1, 256]");
  const std::size_t q = m.out_dim, d = m.dim, S = m.base.batch;
  const double k = m.base.k.convert_to<double>(), sigma = std::sqrt(m.base.sigma2.convert_to<double>());
  const double c = 1 - lr * m.base.gamma.convert_to<double>();
  std::vector<Replicate> reps(o.reps);
  std::atomic<bool> stop{false};
  core::ParallelOptions po;
  po.jobs = static_cast<unsigned>(std::min<std::uint64_t>(static_cast<std::uint64_t>(o.threads), o.reps));
  po.cancel = &stop;
  const core::ParallelResult run = core::parallel_for(o.reps, po, [&](std::size_t r, unsigned) {
    bool cancelled = false;
    reps[r] = run_replicate(q, d, S, k, sigma, c, lr, o, static_cast<std::uint32_t>(r), o.cancel, cancelled);
    if (cancelled) stop.store(true);
  });
  core::throw_if_interrupted();
  StatisticalExponent e;
  if (stop.load() || run.stopped) {  // cancelled: no estimate
    e.complete = false;
    e.estimate = e.lower = e.upper = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  e.level = o.level;
  e.steps = o.steps;
  e.burn_in = o.burn_in;
  e.reps = o.reps;
  e.seed = o.seed;
  e.assumption =
      "the replicate means (averages of " + std::to_string(o.steps) +
      " increments after a burn-in of " + std::to_string(o.burn_in) +
      ") are approximately normal (Markov-chain CLT for the direction process) and the burn-in bias is negligible";
  for (const auto& r : reps) e.finite = e.finite && r.finite;
  if (!e.finite) {
    e.estimate = e.lower = e.upper = std::numeric_limits<double>::quiet_NaN();
    e.sign = lyap::Sign::undetermined;
    return e;
  }
  // Proof: SIM-VEC-MC-1 -- Student t over i.i.d. replicates.
  const double R = static_cast<double>(o.reps);
  double s1 = 0;
  for (const auto& r : reps) s1 += r.mean;
  const double mean = s1 / R;
  double ss = 0;
  for (const auto& r : reps) ss += (r.mean - mean) * (r.mean - mean);
  const double var = ss / (R - 1);
  e.estimate = mean;
  e.std_error = std::sqrt(var / R);
  const double t = stats::student_quantile(1 - (1 - o.level) / 2, R - 1);
  e.lower = mean - t * e.std_error;
  e.upper = mean + t * e.std_error;
  // The sign the Student interval supports, decided by the one statistical rule (stats::supported_sign).
  e.sign = stats::supported_sign(stats::ConfidenceInterval{e.lower, e.upper, o.level});
  // Proof: SIM-VEC-SIZE-1 -- asymptotic variance per step and its upper 0.99 bound (chi-square, normal theory).
  e.variance = var * static_cast<double>(o.steps);
  const double chi = boost::math::quantile(boost::math::chi_squared_distribution<double>(R - 1), 0.01);
  e.variance_upper = e.variance * (R - 1) / chi;
  return e;
}

bool apply_certified_sign(Prediction& p, const lyap::CertifiedValue& top, bool upper_bound_only) {
  const lyap::Sign s = top.sign;
  if ((s != lyap::Sign::negative && s != lyap::Sign::positive) || !p.statistical) return false;
  StatisticalExponent& e = *p.statistical;
  exact::Arf lo, hi;
  arb_get_lbound_arf(lo, top.ball.get(), 64);
  arb_get_ubound_arf(hi, top.ball.get(), 64);
  const double cl = upper_bound_only ? -INFINITY : arf_get_d(lo, ARF_RND_FLOOR);
  const double cu = arf_get_d(hi, ARF_RND_CEIL);
  if (s == lyap::Sign::positive) e.lower = std::max(e.lower, cl);
  if (s == lyap::Sign::negative) e.upper = std::min(e.upper, cu);
  e.sign = s;
  p.determined = true;
  p.predicts_collapse = s == lyap::Sign::negative;
  return true;
}

}  // namespace lyapcert::sim
