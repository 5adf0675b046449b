#include "lyapcert/models/critical.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/lyap/codec.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/xy.hpp"
#include "lyapcert/fast/xy_grad.hpp"

namespace lyapcert::models {
namespace {

using Arb = exact::Ball;

void set_q(arb_t out, const Rational& x, slong prec) { exact::set_ball(out, x, prec); }

// x rounded to `sig` significant decimal digits, as an exact rational.
Rational round_sig(double x, int sig) { return exact::parse_rational(fmt::format("{:.{}g}", x, sig)); }

struct ArfPair {
  arf_t lo, hi;
  ArfPair() {
    arf_init(lo);
    arf_init(hi);
  }
  ~ArfPair() {
    arf_clear(lo);
    arf_clear(hi);
  }
  ArfPair(const ArfPair&) = delete;
  ArfPair& operator=(const ArfPair&) = delete;
};

// Exact lower endpoint of a finite ball (rounded down).
Rational lower_of(const arb_t x) {
  ArfPair e;
  exact::ball_endpoints(e.lo, e.hi, x, 64);
  return exact::to_rational(e.lo);
}

void check_gaussian_gamma0(const TwoLayerModel& m) {
  validate(m);
  if (!m.data.empty()) throw InputError("critical SNR: the Gaussian data model only (no --data)");
  if (m.gamma != 0) throw InputError("critical SNR: weight decay gamma must be 0 (MODEL-CRIT-1..3 assume gamma = 0)");
  if (m.sigma2 <= 0) throw InputError("critical SNR: sigma^2 must be > 0 (SNR < 1/2)");
}


// Why a search stopped early: the caller's cancel flag, the interrupt, or the time budget (core::StopScope).
std::string stop_message() {
  return core::interrupt_requested() ? "interrupted"
         : core::scope_expired()     ? "stopped: time budget exhausted"
                                     : "cancelled";
}

// Lambda_+ = E log|1 + lr |k| g| on an lr ball [lo, hi] (lo == hi: a point): the xy kernel with
// a = 1, b = lr, k = |k| (MODEL-ORIENT-1: the correct direction of k < 0 is that of |k|).
void lambda_plus_ball(arb_t res, const TwoLayerModel& m, const Rational& lo, const Rational& hi, slong prec) {
  Arb lr, b2, a, k, sigma;
  set_q(lr, lo, prec);
  if (hi != lo) {
    set_q(b2, hi, prec);
    arb_union(lr, lr, b2, prec);
  }
  // The binary64 Taylor-model kernel first (FAST-XY-*: valid for every point of its interval arguments, about a
  // millisecond); the Arb quadrature only when it does not decide the sign.
  if (m.sigma2 > 0 && m.batch <= fast::kXyMaxBatch) {
    const auto enc = [](const Rational& x) { return fast::enclose(x.backend().data()); };
    const fast::OutwardInterval flr = hull(enc(lo), enc(hi));
    fast::OutwardInterval v =
        fast::xy_log_abs_mean(fast::OutwardInterval(1.0), flr, enc(exact::rational_abs(m.k)), sqrt(enc(m.sigma2)),
                              static_cast<unsigned>(m.batch), lo == hi ? 1e-12 : 1e-8);
    if (lo != hi && !(v.lower() > 0.0 || v.upper() < 0.0)) {
      // The centered form over the lr-interval (FAST-XYG-6: point value plus the gradient over the cell).
      v = fast::xy_box_log_abs_mean(flr, fast::OutwardInterval(0.0), 1, enc(exact::rational_abs(m.k)),
                                    sqrt(enc(m.sigma2)), static_cast<unsigned>(m.batch), 1e-10);
    }
    if (std::isfinite(v.lower()) && std::isfinite(v.upper()) && (v.lower() > 0.0 || v.upper() < 0.0 || lo == hi)) {
      exact::set_interval_d(res, v.lower(), v.upper(), 64);  // exact: 64 bits hold a binary64 hull
      return;
    }
  }
  arb_one(a);
  set_q(k, exact::rational_abs(m.k), prec);
  set_q(sigma, m.sigma2, prec);
  arb_sqrt(sigma, sigma, prec);
  try {
    continuous::xy_log_abs_mean(res, a, lr, k, sigma, m.batch, prec);
  } catch (const InputError&) {
    arb_indeterminate(res);
  }
}

double approx_lambda_plus(const TwoLayerModel& m, const Rational& lr) {
  Arb r;
  lambda_plus_ball(r, m, lr, lr, 64);
  if (!arb_is_finite(r)) return std::nan("");
  return arf_get_d(arb_midref(r), ARF_RND_NEAR);
}

}  // namespace

// Proof: MODEL-CRIT-2.
void crit_small_lr_bound(arb_t out, const arb_t u, const arb_t rho2, ulong S, const arb_t delta, slong prec) {
  Arb m2, t, one_m_d, id, kd, e;
  // m2 = 1 + (2 + rho2) / S
  arb_add_ui(m2, rho2, 2, prec);
  arb_div_ui(m2, m2, S, prec);
  arb_add_ui(m2, m2, 1, prec);
  arb_sub_ui(one_m_d, delta, 1, prec);
  arb_neg(one_m_d, one_m_d);  // 1 - delta
  // I_delta = 1 + (1 - delta)(1 - log(1 - delta))
  arb_log(t, one_m_d, prec);
  arb_sub_ui(t, t, 1, prec);
  arb_neg(t, t);
  arb_mul(id, t, one_m_d, prec);
  arb_add_ui(id, id, 1, prec);
  // K_delta = I_delta e^{-1/2} / (delta sqrt(2 pi))
  arb_set_si(e, -1);
  arb_mul_2exp_si(e, e, -1);
  arb_exp(e, e, prec);
  arb_mul(kd, id, e, prec);
  arb_const_pi(t, prec);
  arb_mul_2exp_si(t, t, 1);
  arb_sqrt(t, t, prec);
  arb_mul(t, t, delta, prec);
  arb_div(kd, kd, t, prec);
  // tail = K_delta exp(-delta S / (u rho2))
  arb_mul(t, u, rho2, prec);
  arb_mul_ui(e, delta, S, prec);
  arb_div(e, e, t, prec);
  arb_neg(e, e);
  arb_exp(e, e, prec);
  arb_mul(kd, kd, e, prec);
  // main = u - u^2 m2 / (2 (1 - delta))
  arb_sqr(t, u, prec);
  arb_mul(t, t, m2, prec);
  arb_div(t, t, one_m_d, prec);
  arb_mul_2exp_si(t, t, -1);
  arb_sub(out, u, t, prec);
  arb_sub(out, out, kd, prec);
}

// Proof: MODEL-CRIT-3.
void crit_large_lr_bound(arb_t out, const arb_t u, const arb_t rho2, ulong S, slong prec) {
  Arb t, s;
  arb_log(out, u, prec);
  arb_log(t, rho2, prec);
  arb_mul_2exp_si(t, t, -1);
  arb_add(out, out, t, prec);
  arb_set_ui(s, S);
  arb_log(t, s, prec);
  arb_sub(out, out, t, prec);
  arb_mul_2exp_si(s, s, -1);
  arb_digamma(t, s, prec);
  arb_const_euler(s, prec);
  arb_sub(t, t, s, prec);
  arb_mul_2exp_si(t, t, -1);
  arb_add(out, out, t, prec);
}

NoCollapseCertificate certify_no_collapse(const TwoLayerModel& m, const CritOptions& opt) {
  check_gaussian_gamma0(m);
  NoCollapseCertificate c;
  c.sigma2 = m.sigma2;
  c.snr = m.k * m.k / (2 * m.k * m.k + m.sigma2);
  const slong prec = 128;
  const Rational k = exact::rational_abs(m.k);
  const Rational rho2 = m.sigma2 / (k * k);
  const ulong S = m.batch;
  Arb rho2b, u, d, r;
  set_q(rho2b, rho2, prec);

  // Small learning rates: the largest u = 10^(-8 + i/40) (3 digits) with the MODEL-CRIT-2 bound
  // certified positive and u <= delta S / rho2 (monotonicity condition), over delta = j/20.
  Rational best_u = 0;
  for (int j = 1; j <= 19; ++j) {
    const Rational delta(j, 20);
    set_q(d, delta, prec);
    const Rational cap = delta * static_cast<long>(S) / rho2;
    for (int i = 0; i <= 480; ++i) {
      const Rational cand = round_sig(std::pow(10.0, -8.0 + i / 40.0), 3);
      if (cand <= best_u) continue;
      if (cand > cap) break;
      set_q(u, cand, prec);
      crit_small_lr_bound(r, u, rho2b, S, d, prec);
      if (!arb_is_positive(r)) break;  // the bound / u decreases in u below the cap
      best_u = cand;
      c.delta = delta;
      c.small_bound_lower = lower_of(r);
    }
  }
  if (best_u == 0) {
    c.message = "the small-lr bound MODEL-CRIT-2 is not positive at any tried lr";
    return c;
  }
  c.lr_a = best_u / k;

  // Large learning rates: u_b slightly above exp(-B0), increased until the bound is certified > 0.
  {
    Arb b0, one;
    arb_one(one);
    crit_large_lr_bound(b0, one, rho2b, S, prec);  // = B0 (log 1 = 0)
    double ub = std::exp(-arf_get_d(arb_midref(b0), ARF_RND_NEAR)) * 1.001;
    bool ok = false;
    for (int it = 0; it < 50 && !ok; ++it, ub *= 1.01) {
      const Rational cand = round_sig(ub, 4);
      set_q(u, cand, prec);
      crit_large_lr_bound(r, u, rho2b, S, prec);
      if (arb_is_positive(r)) {
        ok = true;
        c.lr_b = cand / k;
        c.large_bound_lower = lower_of(r);
      }
    }
    if (!ok) {
      c.message = "the large-lr bound MODEL-CRIT-3 could not be certified positive";
      return c;
    }
  }
  if (c.lr_b <= c.lr_a) {
    c.certified = true;  // the two analytic bounds already cover (0, inf)
    return c;
  }

  // Cells covering [lr_a, lr_b]: start log-spaced, halve geometrically what is not certified.
  struct Todo {
    Rational lo, hi;
    int depth;
  };
  std::deque<Todo> todo;
  {
    const int n0 = 24;
    const double la = std::log(c.lr_a.convert_to<double>()), lb = std::log(c.lr_b.convert_to<double>());
    Rational prev = c.lr_a;
    for (int i = 1; i <= n0; ++i) {
      Rational next = i == n0 ? c.lr_b : round_sig(std::exp(la + (lb - la) * i / n0), 6);
      if (next <= prev || next >= c.lr_b) next = i == n0 ? c.lr_b : prev;
      if (next > prev) {
        todo.push_back({prev, next, 0});
        prev = next;
      }
    }
    if (prev < c.lr_b) todo.push_back({prev, c.lr_b, 0});
  }
  std::vector<CritCell> done;
  while (!todo.empty()) {
    if ((opt.cancel && opt.cancel->load()) || core::stop_requested()) {
      c.message = stop_message();
      return c;
    }
    // One batch in parallel (deterministic: results are placed by index).
    const std::size_t n = std::min<std::size_t>(todo.size(), 64);
    if (c.evaluations + n > opt.max_evaluations) {
      c.message = fmt::format("cell budget of {} evaluations spent ({} cells certified, {} left)", opt.max_evaluations,
                              done.size(), todo.size());
      return c;
    }
    std::vector<Todo> batch(todo.begin(), todo.begin() + static_cast<long>(n));
    todo.erase(todo.begin(), todo.begin() + static_cast<long>(n));
    std::vector<int> status(n, 0);  // 1 positive, -1 negative, 0 undetermined
    std::vector<Rational> lows(n);
    std::vector<double> mids(n, 0), rads(n, 0);
    core::ParallelOptions po;
    po.jobs = static_cast<unsigned>(std::max(1, opt.jobs));
    // The cells may be certified on other MPI ranks (core/distribute.hpp): status, exact lower bound and the
    // binary64 bit patterns of midpoint and radius travel exactly.
    const auto encode = [&](std::size_t i, core::ItemWriter& w) {
      w.i64(status[i]);
      lyap::encode(w, lows[i]);
      w.f64(mids[i]);
      w.f64(rads[i]);
    };
    const auto decode = [&](std::size_t i, core::ItemReader& r) {
      status[i] = static_cast<int>(r.i64());
      lyap::decode(r, lows[i]);
      mids[i] = r.f64();
      rads[i] = r.f64();
    };
    const auto cell = [&](std::size_t i) {
      Arb res;
      lambda_plus_ball(res, m, batch[i].lo, batch[i].hi, 64);
      if (!arb_is_finite(res)) return;
      mids[i] = arf_get_d(arb_midref(res), ARF_RND_NEAR);
      rads[i] = mag_get_d(arb_radref(res));
      if (arb_is_positive(res)) {
        status[i] = 1;
        lows[i] = lower_of(res);
      } else if (arb_is_negative(res)) {
        status[i] = -1;
      }
    };
    const core::ParallelResult run = core::distributed_for(core::SweepItems{"critical-snr/cells", n,
                                                                            [&](std::size_t i, unsigned) {
                                                                              cell(i);
                                                                              return true;
                                                                            },
                                                                            encode, decode},
                                                           po);
    if (run.stopped || core::stop_requested()) {
      // Cells cut short are not decided (their enclosure may be the whole line): the certificate is not claimed.
      c.message = stop_message();
      return c;
    }
    c.evaluations += n;
    for (std::size_t i = 0; i < n; ++i) {
      if (status[i] == 1) {
        done.push_back({batch[i].lo, batch[i].hi, lows[i]});
      } else if (status[i] == -1) {
        c.message = fmt::format("Lambda_+ is certified negative on [{}, {}]: collapse exists at this SNR",
                                exact::to_text(batch[i].lo), exact::to_text(batch[i].hi));
        return c;
      } else {
        if (batch[i].depth >= opt.max_depth) {
          c.message = fmt::format("cell [{}, {}] not certified after {} subdivisions", exact::to_text(batch[i].lo),
                                  exact::to_text(batch[i].hi), opt.max_depth);
          return c;
        }
        // The enclosure width shrinks about linearly with the cell width: split into enough geometric
        // pieces that radius / pieces falls below the midpoint value (a heuristic; every piece is still
        // certified on its own). Halve when the midpoint is not positive or the ball was not finite.
        int pieces = 2;
        if (rads[i] > 0 && mids[i] > 0) pieces = static_cast<int>(std::clamp(std::ceil(1.5 * rads[i] / mids[i]), 2.0, 64.0));
        const double l0 = std::log(batch[i].lo.convert_to<double>()), l1 = std::log(batch[i].hi.convert_to<double>());
        Rational prev = batch[i].lo;
        for (int p = 1; p <= pieces; ++p) {
          Rational next_edge = p == pieces ? batch[i].hi : round_sig(std::exp(l0 + (l1 - l0) * p / pieces), 12);
          if (p < pieces && !(next_edge > prev && next_edge < batch[i].hi)) continue;
          todo.push_back({prev, next_edge, batch[i].depth + 1});
          prev = next_edge;
        }
        if (prev != batch[i].hi) {
          const Rational mid = (batch[i].lo + batch[i].hi) / 2;
          todo.push_back({batch[i].lo, mid, batch[i].depth + 1});
          todo.push_back({mid, batch[i].hi, batch[i].depth + 1});
        }
      }
    }
  }
  std::sort(done.begin(), done.end(), [](const CritCell& x, const CritCell& y) { return x.lower < y.lower; });
  // The cells tile [lr_a, lr_b] by construction; checked here anyway.
  for (std::size_t i = 0; i < done.size(); ++i) {
    const Rational& expect = i == 0 ? c.lr_a : done[i - 1].upper;
    if (done[i].lower != expect) throw std::logic_error("critical SNR: cells do not tile the range");
  }
  if (done.empty() || done.back().upper != c.lr_b) throw std::logic_error("critical SNR: cells do not reach lr_b");
  c.cells = std::move(done);
  c.certified = true;
  return c;
}

std::pair<Rational, double> approx_min_lambda_plus(const TwoLayerModel& m) {
  check_gaussian_gamma0(m);
  const double k = std::abs(m.k.convert_to<double>());
  const double m2 = 1 + (2 + m.sigma2.convert_to<double>() / (k * k)) / static_cast<double>(m.batch);
  // Lambda_+ = E log|1 + u g| with E g^2 = m2: its negative window lies around u ~ 1/sqrt(m2).
  const double u0 = 0.02 / std::sqrt(m2), u1 = 20 / std::sqrt(m2);
  const int n = 25;
  double best = HUGE_VAL, best_t = 0;
  const auto f = [&](double t) {
    const double v = approx_lambda_plus(m, round_sig(std::exp(t) / k, 8));
    return std::isnan(v) ? HUGE_VAL : v;
  };
  const double l0 = std::log(u0), l1 = std::log(u1), h = (l1 - l0) / (n - 1);
  for (int i = 0; i < n; ++i) {
    const double v = f(l0 + h * i);
    if (v < best) {
      best = v;
      best_t = l0 + h * i;
    }
  }
  // Golden-section refinement on [best_t - h, best_t + h].
  double a = best_t - h, b = best_t + h;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = f(x1), f2 = f(x2);
  for (int it = 0; it < 12; ++it) {
    if (f1 < f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = f(x2);
    }
  }
  const double t = f1 < f2 ? x1 : x2;
  const double v = std::min(f1, f2);
  if (v < best) {
    best = v;
    best_t = t;
  }
  return {round_sig(std::exp(best_t) / k, 4), best};
}

CollapseWitness find_collapse_witness(const TwoLayerModel& m, int digits) {
  check_gaussian_gamma0(m);
  CollapseWitness w;
  w.sigma2 = m.sigma2;
  w.snr = m.k * m.k / (2 * m.k * m.k + m.sigma2);
  const auto [lr, v] = approx_min_lambda_plus(m);
  w.lr = lr;
  const laws::CurvatureLaw law = minibatch_curvature(m);
  w.result = phase_at(m, law, lr, lyap::Accuracy{digits, 4096});
  w.found = w.result.phase == Phase::III;
  (void)v;
  return w;
}

const char* to_string(SnrLabel l) {
  switch (l) {
    case SnrLabel::collapse: return "collapse";
    case SnrLabel::no_collapse: return "no-collapse";
    case SnrLabel::undetermined: return "undetermined";
  }
  return "undetermined";
}

CriticalResult critical_snr(const CriticalSpec& spec, const std::function<void(const std::string&)>& progress) {
  if (spec.k == 0) throw InputError("critical SNR: k must be nonzero");
  if (spec.gamma != 0) throw InputError("critical SNR: only gamma = 0 is supported (MODEL-CRIT-1..3)");
  if (spec.batch < 1) throw InputError("critical SNR: batch size must be >= 1");
  if (spec.digits < 0 || spec.digits > 6) throw InputError("critical SNR: --digits must be in [0, 6]");
  if (!(spec.snr_min > 0 && spec.snr_min < spec.snr_max && spec.snr_max < Rational(1, 2))) {
    throw InputError("critical SNR: the search range needs 0 < snr_min < snr_max < 1/2");
  }
  const auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  const auto model = [&](const Rational& snr) {
    TwoLayerModel m;
    m.k = spec.k;
    m.batch = spec.batch;
    m.gamma = 0;
    m.sigma2 = sigma2_from_snr(spec.k, snr);
    return m;
  };
  CriticalResult out;
  const auto cancelled = [&] { return (spec.options.cancel && spec.options.cancel->load()) || core::stop_requested(); };
  // Labels a SNR, certified either way: collapse with a witness (phase III at some lr), no_collapse with a
  // certificate (Lambda_+ > 0 for every lr, MODEL-CRIT-4 (a)); undetermined when neither was certified. The
  // approximate minimum of Lambda_+ only decides which of the two is tried first.
  const auto label = [&](const Rational& snr, CollapseWitness* wit, NoCollapseCertificate* cert) {
    const TwoLayerModel m = model(snr);
    const auto [lr, v] = approx_min_lambda_plus(m);
    BisectionStep st{snr, v, SnrLabel::undetermined};
    const auto try_witness = [&] {
      CollapseWitness w = find_collapse_witness(m, 3);
      if (w.found) {
        st.label = SnrLabel::collapse;
        if (wit) *wit = w;
      }
    };
    const auto try_certificate = [&] {
      NoCollapseCertificate c = certify_no_collapse(m, spec.options);
      if (c.certified) st.label = SnrLabel::no_collapse;
      if (cert && (c.certified || !cert->certified)) *cert = c;
    };
    if (v < 0) {
      try_witness();
    } else {
      try_certificate();
      if (st.label == SnrLabel::undetermined && !cancelled()) try_witness();
    }
    out.steps.push_back(st);
    say(fmt::format("SNR {} (~{:.6g}): min Lambda_+ ~ {:.4g}: {}", exact::to_text(snr), snr.convert_to<double>(), v,
                    to_string(st.label)));
    return st.label;
  };
  const auto cancelled_msg = [&](const Rational& lo, const Rational& hi) {
    out.message = stop_message();
    out.snr_lo = lo;
    out.snr_hi = hi;
  };

  // Bracket: the upper end of the range must be certified no-collapse; walk down by factors of 4 to a witness.
  Rational hi = spec.snr_max, lo;
  CollapseWitness wit;
  NoCollapseCertificate cert;
  const SnrLabel top = label(hi, &wit, &cert);
  if (top == SnrLabel::collapse) {
    out.message = fmt::format("collapse is certified at the top of the search range (SNR {})", exact::to_text(hi));
    out.snr_lo = hi;
    out.witness = wit;
    return out;
  }
  if (top != SnrLabel::no_collapse && cancelled()) {
    cancelled_msg(lo, hi);
    return out;
  }
  if (top != SnrLabel::no_collapse) {
    out.message = fmt::format("neither collapse nor its absence could be certified at the top of the search range "
                              "(SNR {}): {}", exact::to_text(hi), cert.message);
    out.snr_hi = hi;
    out.certificate = cert;
    return out;
  }
  out.certificate = cert;
  Rational cand = round_sig(hi.convert_to<double>() / 4, 3);
  while (true) {
    if (cancelled()) {
      cancelled_msg(lo, hi);
      return out;
    }
    if (cand < spec.snr_min) {
      out.message = fmt::format("no certified collapse found down to SNR {}", exact::to_text(spec.snr_min));
      out.snr_hi = hi;
      return out;
    }
    NoCollapseCertificate c2;
    const SnrLabel l = label(cand, &wit, &c2);
    if (l == SnrLabel::collapse) {
      lo = cand;
      break;
    }
    if (l == SnrLabel::undetermined) {
      out.message = fmt::format("SNR {} could be certified neither as collapse nor as no collapse: {}",
                                exact::to_text(cand), c2.message);
      out.snr_hi = hi;
      return out;
    }
    hi = cand;
    out.certificate = c2;
    cand = round_sig(cand.convert_to<double>() / 4, 3);
  }
  out.witness = wit;
  // Bisection in log SNR; every step is certified, so [lo, hi] always has a witness at lo and a certificate at hi.
  const Rational tol = Rational(1, 1) / static_cast<long>(std::pow(10, spec.digits));
  while (hi - lo > tol * hi) {
    if (cancelled()) {
      cancelled_msg(lo, hi);
      break;
    }
    Rational mid = round_sig(std::sqrt(lo.convert_to<double>() * hi.convert_to<double>()), spec.digits + 3);
    if (!(mid > lo && mid < hi)) mid = (lo + hi) / 2;
    NoCollapseCertificate c2;
    const SnrLabel l = label(mid, &wit, &c2);
    if (l == SnrLabel::collapse) {
      lo = mid;
      out.witness = wit;
    } else if (l == SnrLabel::no_collapse) {
      hi = mid;
      out.certificate = c2;
    } else {
      out.message = fmt::format("the bisection stopped at SNR {}: certified neither way ({}); the interval is wider "
                                "than requested", exact::to_text(mid), c2.message);
      break;
    }
  }
  out.snr_lo = lo;
  out.snr_hi = hi;
  out.complete = out.witness.found && out.certificate.certified && hi - lo <= tol * hi;
  return out;
}

Rational batch_snr(const CriticalSpec& spec, const Rational& per_sample_snr) {
  return per_sample_snr * Rational(static_cast<long>(spec.batch));
}

double sigma_over_k_approx(const Rational& k, const Rational& snr) {
  return std::sqrt((sigma2_from_snr(k, snr) / (k * k)).convert_to<double>());
}

double min_cell_lower_bound(const NoCollapseCertificate& c) {
  double mn = HUGE_VAL;
  for (const auto& cell : c.cells) mn = std::min(mn, cell.lambda_plus_lower.convert_to<double>());
  return mn;
}

}  // namespace lyapcert::models
