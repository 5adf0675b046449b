#include "lyapcert/sim/predict.hpp"

#include <fmt/format.h>

#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <optional>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"

namespace lyapcert::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Outward binary64 bounds of a certified value (the printed decimals are outward, DEC-1; the
// conversion to double is then widened by one ulp).
std::pair<double, double> bounds(const lyap::CertifiedValue& v) {
  if (v.minus_infinity) return {-kInf, -kInf};
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, 4);
  auto conv = [](const std::string& s, double dir) {
    if (s == "-inf") return -kInf;
    const double x = exact::parse_rational(s).convert_to<double>();
    return std::nextafter(x, dir);
  };
  return {conv(d.lower, -kInf), conv(d.upper, kInf)};
}

// The law of h' with 1 - lr h' = 1 - lr gamma + s lr h (s = +1: plus, -1: minus): h' = gamma - s h.
laws::CurvatureLaw direction_law(const laws::CurvatureLaw& h, const Rational& gamma, int s) {
  if (h.is_finite()) {
    laws::FiniteLaw f = s > 0 ? h.finite().scaled(Rational(-1)) : h.finite();
    if (gamma != 0) f = f.shifted(gamma);
    return laws::CurvatureLaw(std::move(f));
  }
  if (s < 0 && gamma == 0) return h;
  return laws::CurvatureLaw(laws::AffineLaw{Rational(-s), gamma, std::make_shared<const laws::CurvatureLaw>(h)});
}

DirectionPrediction direction(const laws::CurvatureLaw& h, const Rational& gamma, const Rational& lr, int s,
                              const lyap::Accuracy& acc, bool with_moments) {
  DirectionPrediction d;
  d.lambda = lyap::certify_log_abs_mean(h, 1 - lr * gamma, s > 0 ? lr : Rational(-lr), acc);
  std::tie(d.lambda_lower, d.lambda_upper) = bounds(d.lambda.value);
  if (d.lambda.value.sign == lyap::Sign::positive && with_moments) {
    const lyap::Accuracy macc{2, std::min<long>(acc.max_bits, 512)};
    const auto g1 = lyap::certify_moment(direction_law(h, gamma, s), lr, Rational(1), macc);
    d.g1_upper = g1.value.minus_infinity ? d.lambda_upper : bounds(g1.value).second;
    // Proof: SIM-ESCAPE-1 -- g(-p) is convex in p with g(0) = 0 and slope -Lambda < 0 at 0+, so it is negative
    // for small p > 0 when the negative moments are finite. Walk p = 2^-1, 2^-2, ... (at most 2^-20) and keep
    // every order whose certified upper bound is negative; stop once |G| has fallen below a quarter of the best
    // (past the minimum of g(-p), |g(-p)| shrinks about linearly in p). Laws without certified negative moments
    // keep none, and their escape time stays heuristic (SIM-SIZE-1). A refused order (an infinite moment, e.g.
    // noiseless batch-1 data at lr gamma = 1 for p >= 1/2, CONT-XY-NEG-3) does not end the walk: smaller orders
    // can be finite.
    const laws::CurvatureLaw hd = direction_law(h, gamma, s);
    double best = 0;
    for (int e = 1; e <= 20; ++e) {
      const Rational p(1, 1L << e);
      lyap::CertifiedResult g;
      try {
        g = lyap::certify_moment(hd, lr, -p, macc);
      } catch (const InputError&) {
        continue;  // not certified for this law, or infinite at this order (an atom at multiplier 0)
      }
      if (g.value.sign != lyap::Sign::negative || g.value.minus_infinity) {
        if (best < 0) break;
        continue;
      }
      const double gu = bounds(g.value).second;
      if (!(gu < 0)) continue;
      d.escape_bounds.emplace_back(p.convert_to<double>(), gu);
      best = std::min(best, gu);
      if (gu > best / 4) break;
    }
  }
  if (d.lambda.value.sign != lyap::Sign::negative) return d;
  // Proof: SIM-LUNDBERG-1 -- g convex, g(0) = 0, g'(0+) = Lambda < 0: g < 0 on (0, p*). Walk up a
  // dyadic grid while g(p) is certified negative.
  if (!with_moments) return d;
  const laws::CurvatureLaw hd = direction_law(h, gamma, s);
  const lyap::Accuracy macc{2, std::min<long>(acc.max_bits, 512)};
  // Certified upper bound of g(2^e) when it is negative, else nullopt.
  auto negative_g = [&](int e) -> std::optional<double> {
    const Rational p = e < 0 ? Rational(1, 1L << (-e)) : Rational(1L << e);
    lyap::CertifiedResult g;
    try {
      g = lyap::certify_moment(hd, lr, p, macc);
    } catch (const InputError&) {
      return std::nullopt;  // e.g. an infinite moment
    }
    if (g.value.sign != lyap::Sign::negative) return std::nullopt;
    const double gu = g.value.minus_infinity ? -kInf : bounds(g.value).second;
    if (!(gu < 0)) return std::nullopt;
    return std::max(gu, -1e300);
  };
  // Start at p = 1 and walk the dyadic grid 2^-10 .. 2^6 up while g stays negative (or down until it is).
  int e = 0;
  auto g = negative_g(e);
  const bool walk_up = g.has_value();
  while (!g && e > -10) g = negative_g(--e);
  if (g) {
    d.moment_bounds.emplace_back(std::ldexp(1.0, e), *g);
    while (walk_up && e < 6) {
      const auto next = negative_g(e + 1);
      if (!next) break;
      ++e;
      d.moment_bounds.emplace_back(std::ldexp(1.0, e), *next);
    }
    // One order below the smallest tried, for the collapse-time bound (SIM-CHERNOFF-1).
    const int e_low = static_cast<int>(std::lround(std::log2(d.moment_bounds.front().first))) - 1;
    if (e_low >= -10) {
      if (const auto low = negative_g(e_low)) d.moment_bounds.emplace_back(std::ldexp(1.0, e_low), *low);
    }
    d.lundberg_p = std::ldexp(1.0, e);
  }
  const double a = std::log(std::sqrt(2.0) / 1e-6), l = std::log(2 * 2 / 1e-3);
  double best = kInf;
  for (const auto& [pp, gg] : d.moment_bounds) {
    const double t = (pp * a + l) / -gg;
    if (t < best) {
      best = t;
      d.chernoff_p = pp;
      d.chernoff_g = gg;
    }
  }
  return d;
}

UnitPrediction unit(const models::TwoLayerModel& tm, const Rational& lr, const lyap::Accuracy& acc,
                    bool with_moments) {
  UnitPrediction u;
  u.law_model = tm;
  const laws::CurvatureLaw h = models::minibatch_curvature(tm);
  u.plus = direction(h, tm.gamma, lr, +1, acc, with_moments);
  u.minus = direction(h, tm.gamma, lr, -1, acc, with_moments);
  const Rational mean = h.mean();
  u.plus_is_correct = mean >= 0;
  const DirectionPrediction& wrong = u.plus_is_correct ? u.minus : u.plus;
  const DirectionPrediction& right = u.plus_is_correct ? u.plus : u.minus;
  // Proof: LYAP1D-L2-1 -- exact second moment of the wrong direction's multiplier.
  const Rational c = 1 - lr * tm.gamma;
  u.l2_wrong_direction_stable =
      lyap::second_moment_affine(h, c, u.plus_is_correct ? Rational(-lr) : Rational(lr)) < 1;
  u.candidates =
      models::candidate_phases(right.lambda.value.sign, wrong.lambda.value.sign, u.l2_wrong_direction_stable);
  u.phase = models::phase_of(u.candidates);
  return u;
}

bool certain(const DirectionPrediction& d) {
  return d.lambda.value.sign == lyap::Sign::negative || d.lambda.value.sign == lyap::Sign::positive;
}

}  // namespace

std::string phase_label(const Prediction& p) {
  if (p.kind == ModelKind::vector) return !p.determined ? "undetermined" : (p.predicts_collapse ? "III" : "unstable");
  std::string out;
  for (const auto& u : p.units) out += (out.empty() ? "" : ",") + std::string(models::to_string(u.phase));
  return out;
}

Prediction predict(const SimModel& m, const Rational& lr, const lyap::Accuracy& acc, bool with_moments,
                   const StatisticalOptions& stat) {
  validate(m);
  if (lr <= 0) throw InputError(fmt::format("--lr must be > 0, got {}", exact::to_text(lr)));
  Prediction p;
  p.kind = m.kind;
  switch (m.kind) {
    case ModelKind::vector: {
      // No certified method covers this non-commuting continuous law: statistical prediction
      // (Proof: SIM-VEC-LIN-1, SIM-VEC-MC-1).
      p.statistical = estimate_vector_exponent(m, lr.convert_to<double>(), stat);
      p.multiplicity = m.width;
      p.components = m.width * (m.out_dim + m.dim);
      const lyap::Sign s = p.statistical->sign;
      p.determined = s == lyap::Sign::negative || s == lyap::Sign::positive;
      p.predicts_collapse = s == lyap::Sign::negative;
      return p;
    }
    case ModelKind::twolayer:
    case ModelKind::tanh:
      p.units.push_back(unit(m.base, lr, acc, with_moments));
      p.multiplicity = m.width;
      p.components = 2 * m.width;
      break;
    case ModelKind::diagonal: {
      Rational total = 0;
      for (const auto& b : m.beta) total += b * b;
      for (const auto& b : m.beta) {
        models::TwoLayerModel tm;
        tm.k = b;
        // x_i y = beta_i x_i^2 + x_i (sum_{l != i} beta_l x_l + sigma eps): the xy law with this sigma^2.
        tm.sigma2 = m.base.sigma2 + total - b * b;
        tm.gamma = m.base.gamma;
        tm.batch = m.base.batch;
        p.units.push_back(unit(tm, lr, acc, with_moments));
      }
      p.multiplicity = 1;
      p.components = 2 * m.beta.size();
      break;
    }
  }
  p.determined = true;
  p.predicts_collapse = true;
  for (const auto& u : p.units) {
    p.determined = p.determined && certain(u.plus) && certain(u.minus);
    p.predicts_collapse = p.predicts_collapse && u.plus.lambda.value.sign == lyap::Sign::negative &&
                          u.minus.lambda.value.sign == lyap::Sign::negative;
  }
  return p;
}

namespace {

// T with T mu - a >= z sqrt(v T) (a normal approximation of a walk with drift mu > 0, variance v per step,
// z standard deviations past the level a), at least 4 a / mu: four times the drift's own
// crossing time, so that a run is never sized to end right at the predicted time.
double diffusion_steps(double mu, double v, double a) {
  const double z = 5;
  const double root = (z * std::sqrt(v) + std::sqrt(z * z * v + 4 * mu * a)) / (2 * mu);
  return std::max(4 * a / mu, root * root);
}

// Proof: SIM-VEC-SIZE-1 (heuristic: Brownian approximation of log|Z_t| with the estimated drift and variance).
Plan plan_statistical(const Prediction& p, const CheckOptions& o) {
  Plan plan;
  plan.runs = o.runs;
  plan.sizing = "heuristic";
  const StatisticalExponent& e = *p.statistical;
  const double X = o.escape_above, C = o.collapse_below;
  const double n = static_cast<double>(p.components) / static_cast<double>(p.multiplicity);  // q + d
  const double v = std::max(e.variance_upper, 1e-300);
  double log_e, steps;
  if (p.predicts_collapse) {
    const double mu = -e.upper;  // the end of the interval closest to 0
    // Brownian motion with drift -mu climbs a with probability exp(-2 mu a / v): rho^(2 mu / v) = delta / 2.
    const double log_rho = std::min(std::log(o.delta / 2) * v / (2 * mu), std::log(1e-2));
    log_e = o.init_scale ? std::log(*o.init_scale) : log_rho + std::log(X) - 0.5 * std::log(n);
    steps = std::max(diffusion_steps(mu, v, std::log(1 / C)), 4 * (std::log(X) - log_e) / mu);
  } else {
    const double mu = e.lower;
    log_e = o.init_scale ? std::log(*o.init_scale) : std::log(1e-3 * X);
    steps = diffusion_steps(mu, v, std::log(X) - log_e);
  }
  if (log_e < std::log(1e-250)) {
    plan.why = fmt::format("the start E = exp({:.4g}) needed for delta = {} underflows (the exponent is too close to "
                           "0 for its variance)", log_e, o.delta);
    return plan;
  }
  plan.init_scale = std::exp(log_e);
  if (!(plan.init_scale < X)) {
    plan.why = "the start must be below the escape level";
    return plan;
  }
  if (o.steps) steps = static_cast<double>(*o.steps);
  steps = std::ceil(steps);
  if (!(steps <= static_cast<double>(o.max_steps))) {
    plan.why = fmt::format("the sizing needs {:.4g} steps per run, above the limit {} (the exponent is close to 0)",
                           steps, o.max_steps);
    plan.steps = static_cast<std::uint64_t>(std::min(steps, 1e18));
    return plan;
  }
  plan.steps = static_cast<std::uint64_t>(steps);
  plan.feasible = true;
  return plan;
}

}  // namespace

Plan plan_check(const Prediction& p, const CheckOptions& o) {
  Plan plan;
  plan.runs = o.runs;
  if (!p.determined) {
    plan.why = p.statistical ? "the prediction is undetermined (the interval of the top exponent contains 0)"
                             : "the prediction is undetermined (a certified exponent's sign is not decided)";
    return plan;
  }
  if (p.statistical) return plan_statistical(p, o);
  plan.sizing = p.predicts_collapse ? "proved" : "partly heuristic";
  const double X = o.escape_above, C = o.collapse_below;
  const double kappa = std::sqrt(static_cast<double>(p.components));
  const double M = static_cast<double>(p.multiplicity);
  // Negative directions: the components that must never reach X / kappa.
  double n_neg = 0, p_min = kInf;
  double lambda_neg_closest = -kInf;  // the negative exponent closest to 0 (its upper bound)
  std::vector<const DirectionPrediction*> poss;
  std::vector<const DirectionPrediction*> negs;
  for (const auto& u : p.units) {
    for (const DirectionPrediction* d : {&u.plus, &u.minus}) {
      if (d->lambda.value.sign == lyap::Sign::negative) {
        if (d->lundberg_p <= 0) {
          plan.why = "no moment order p with certified g(p) < 0 was found for a negative direction";
          return plan;
        }
        n_neg += M;
        p_min = std::min(p_min, d->lundberg_p);
        lambda_neg_closest = std::max(lambda_neg_closest, d->lambda_upper);
        negs.push_back(d);
      } else {
        poss.push_back(d);
      }
    }
  }
  // Escape predicted with certified negative moments of some positive direction: the escape time is proved too
  // (SIM-ESCAPE-1), and the failure budget is split delta/2 (Lundberg) + delta/4 (start too close to the
  // positive direction's zero set) + delta/4 (not escaped by T).
  bool escape_proved = false;
  if (!p.predicts_collapse) {
    for (const DirectionPrediction* d : poss) escape_proved = escape_proved || !d->escape_bounds.empty();
  }
  const double delta_l = p.predicts_collapse || escape_proved ? o.delta / 2 : o.delta;
  // Proof: SIM-SIZE-1 -- E = rho X / kappa with n_neg rho^p_min <= delta_l.
  double log_rho;
  if (n_neg > 0) {
    log_rho = std::log(delta_l / n_neg) / p_min;
  } else {
    log_rho = std::log(1e-3);  // phase IV everywhere: no rigorous part, a small start (heuristic)
  }
  log_rho = std::min(log_rho, std::log(1e-2));  // keep the start well inside the linear regime
  double log_e = log_rho + std::log(X) - std::log(kappa);
  if (o.init_scale) log_e = std::log(*o.init_scale);
  if (log_e < std::log(1e-250)) {
    plan.why = fmt::format("the start E = exp({:.4g}) needed for delta = {} underflows (the Lundberg exponent {:.3g} "
                           "is too small)", log_e, o.delta, p_min);
    return plan;
  }
  plan.init_scale = std::exp(log_e);
  const double log_gap = std::log(X) - log_e;  // log(X / E)
  // Rigorous part: sum over negative components of (E kappa / X)^p (SIM-LUNDBERG-1).
  double bound = 0;
  for (const DirectionPrediction* d : negs) {
    bound += M * std::exp(d->lundberg_p * (log_e + std::log(kappa) - std::log(X)));
  }
  double steps;
  if (p.predicts_collapse) {
    // Proof: SIM-CHERNOFF-1 -- P(component not below C E / kappa at T) <= exp(T g(p) + p log(kappa / C)).
    double t_chern = 0;
    for (const DirectionPrediction* d : negs) {
      double best = kInf;
      for (const auto& [pp, gg] : d->moment_bounds) {
        best = std::min(best, (pp * std::log(kappa / C) + std::log(2 * n_neg / o.delta)) / -gg);
      }
      t_chern = std::max(t_chern, best);
    }
    steps = std::max(t_chern, 4 * log_gap / -lambda_neg_closest);
    plan.time_bound_rigorous = true;
  } else if (escape_proved) {
    // Proof: SIM-ESCAPE-1 -- with theta_0 uniform on the sphere of radius E in R^K, a fixed component c of a
    // positive direction has P(|c_0| < r E) <= c_K r (c_2 = 1, c_K = sqrt(2 (K - 1) / pi) for K >= 3); given
    // |c_0| >= r E, |theta_T| >= |c_T| >= r E e^{S_T}, and P(S_T < log(X / (r E))) <= exp(p log(X / (r E)) + T G).
    // r makes the first term delta/4; T the second.
    const double K = static_cast<double>(p.components);
    const double c_K = K <= 2 ? 1.0 : std::sqrt(2 * (K - 1) / std::numbers::pi);
    const double r = o.delta / 4 / c_K;
    const double a = log_gap - std::log(r);  // log(X / (r E))
    steps = kInf;
    for (const DirectionPrediction* d : poss) {
      for (const auto& [pp, gg] : d->escape_bounds) steps = std::min(steps, (pp * a + std::log(4 / o.delta)) / -gg);
    }
    plan.time_bound_rigorous = true;
    plan.sizing = "proved";
  } else {
    // Proof: SIM-SIZE-1 (heuristic) -- a walk with drift mu = Lambda (certified lower bound) and variance
    // scale v = 2 (g(1) - Lambda) passes log(X / E) by T when T mu - log(X/E) >= 5 sqrt(v T), and T is at
    // least 4 log(X/E) / mu (four times the drift's own crossing time). The fastest positive direction decides.
    steps = kInf;
    for (const DirectionPrediction* d : poss) {
      const double mu = d->lambda_lower;
      if (!(mu > 0)) continue;
      const double v = std::max(0.0, 2 * (d->g1_upper - mu));
      const double z = 5;
      const double root = (z * std::sqrt(v) + std::sqrt(z * z * v + 4 * mu * log_gap)) / (2 * mu);
      steps = std::min(steps, std::max(4 * log_gap / mu, root * root));
    }
    if (!std::isfinite(steps)) {
      plan.why = "no positive exponent has a positive certified lower bound";
      return plan;
    }
  }
  if (o.steps) steps = static_cast<double>(*o.steps);
  steps = std::ceil(steps);
  if (p.predicts_collapse && !o.steps) {
    for (const DirectionPrediction* d : negs) {
      double best = kInf;
      for (const auto& [pp, gg] : d->moment_bounds) best = std::min(best, steps * gg + pp * std::log(kappa / C));
      bound += M * std::exp(best);
    }
  } else if (escape_proved && !o.steps) {
    // Proof: SIM-ESCAPE-1 -- the two escape terms at the chosen T (each <= delta/4 by construction).
    const double K = static_cast<double>(p.components);
    const double c_K = K <= 2 ? 1.0 : std::sqrt(2 * (K - 1) / std::numbers::pi);
    const double r = o.delta / 4 / c_K;
    const double a = log_gap - std::log(r);
    double best = kInf;
    for (const DirectionPrediction* d : poss) {
      for (const auto& [pp, gg] : d->escape_bounds) best = std::min(best, pp * a + steps * gg);
    }
    bound += c_K * r + std::exp(best);
  } else if (p.predicts_collapse || escape_proved) {
    plan.time_bound_rigorous = false;
    plan.sizing = "partly heuristic";  // --steps overrides the proved time
  }
  plan.rigorous_bound = bound;
  if (!(steps <= static_cast<double>(o.max_steps))) {
    plan.why = fmt::format("the sizing needs {:.4g} steps per run, above the limit {} (the exponents are close to 0)",
                           steps, o.max_steps);
    plan.steps = static_cast<std::uint64_t>(std::min(steps, 1e18));
    return plan;
  }
  plan.steps = static_cast<std::uint64_t>(steps);
  plan.feasible = true;
  return plan;
}

RunVerdict judge_run(const Prediction& p, const RunResult& r) {
  RunVerdict v;
  if (p.predicts_collapse) {
    v.agrees = r.outcome == Outcome::collapsed;
    if (!v.agrees) {
      v.reason = r.reached_escape ? "escaped although collapse is predicted"
                                  : fmt::format("{} although collapse is predicted", to_string(r.outcome));
    }
    return v;
  }
  if (!r.reached_escape) {
    v.reason = fmt::format("{} although escape is predicted", to_string(r.outcome));
    return v;
  }
  const std::size_t U = r.active_plus.size();
  for (std::size_t j = 0; j < U; ++j) {
    const UnitPrediction& u = p.units[p.units.size() == 1 ? 0 : j];
    if (r.active_plus[j] && u.plus.lambda.value.sign == lyap::Sign::negative) {
      v.reason = fmt::format("unit {}: the u = w component (negative exponent) reached the escape level", j);
      return v;
    }
    if (r.active_minus[j] && u.minus.lambda.value.sign == lyap::Sign::negative) {
      v.reason = fmt::format("unit {}: the u = -w component (negative exponent) reached the escape level", j);
      return v;
    }
  }
  v.agrees = true;
  return v;
}

double binomial_upper_tail(std::uint64_t k, std::uint64_t n, double q) {
  if (k == 0) return 1.0;
  if (k > n) return 0.0;
  if (q <= 0) return 0.0;
  if (q >= 1) return 1.0;
  // P(Bin(n, q) >= k) = I_q(k, n - k + 1).
  return boost::math::ibeta(static_cast<double>(k), static_cast<double>(n - k + 1), q);
}

std::uint64_t critical_failures(std::uint64_t n, double q, double alpha) {
  std::uint64_t k = 0;
  while (k <= n && binomial_upper_tail(k, n, q) > alpha) ++k;
  return k;
}

double detectable_failure_rate(std::uint64_t n, std::uint64_t k_crit, double power) {
  if (k_crit > n) return 1.0;
  double lo = 0, hi = 1;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (binomial_upper_tail(k_crit, n, mid) >= power ? hi : lo) = mid;
  }
  return hi;
}

CheckResult check(const SimModel& m, const Rational& lr, const lyap::Accuracy& acc, const CheckOptions& o) {
  if (!(o.delta > 0 && o.delta < 1)) throw InputError("delta must be in (0, 1)");
  return check(m, lr, predict(m, lr, acc, true, o.statistical), o);
}

CheckResult check(const SimModel& m, const Rational& lr, const Prediction& prediction, const CheckOptions& o) {
  CheckResult res;
  if (!(o.delta > 0 && o.delta < 1)) throw InputError("delta must be in (0, 1)");
  if (!(o.alpha > 0 && o.alpha < 1)) throw InputError("alpha must be in (0, 1)");
  res.prediction = prediction;
  res.plan = plan_check(res.prediction, o);
  res.critical = critical_failures(o.runs, o.delta, o.alpha);
  res.detectable_rate = detectable_failure_rate(o.runs, res.critical, 0.99);
  if (!res.plan.feasible) return res;
  SimOptions so;
  so.lr = lr.convert_to<double>();
  so.steps = res.plan.steps;
  so.runs = o.runs;
  so.init_scale = res.plan.init_scale;
  so.collapse_below = o.collapse_below;
  so.escape_above = o.escape_above;
  so.seed = o.seed;
  so.threads = o.threads;
  so.stop_at_escape = true;
  // Escape predicted: the prediction is escape from every start, so a run only "collapses" when theta is
  // exactly 0 (an atom multiplier 0, or underflow); a finite collapse level would be crossed by walks with
  // small positive drift and large variance (SIM-SIZE-1).
  if (!res.prediction.predicts_collapse) so.collapse_below = 0;
  so.linearised = o.linearised;
  so.cancel = o.cancel;
  so.progress = o.progress;
  res.simulation = simulate(m, so);
  for (const RunResult& r : res.simulation.runs) {
    const RunVerdict v = judge_run(res.prediction, r);
    if (!v.agrees) {
      ++res.failures;
      if (res.failure_examples.size() < 5) {
        res.failure_examples.push_back(fmt::format("run {}: {}", r.run_index, v.reason));
      }
    }
  }
  // Proof: SIM-BINOM-1.
  res.p_value = binomial_upper_tail(res.failures, res.simulation.runs.size(), o.delta);
  res.agree = res.simulation.summary.complete && res.p_value > o.alpha;
  return res;
}

}  // namespace lyapcert::sim
