#include "lyapcert/tables/second_path.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <type_traits>
#include <variant>

#include "lyapcert/continuous/bivariate.hpp"
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/quadrature.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/closed_forms.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/tables/mpfi_eval.hpp"

namespace lyapcert::tables {
namespace {

using exact::Ball;
using exact::Rational;
using Clock = std::chrono::steady_clock;
using Arb = exact::Ball;


// One evaluation at a fixed precision.
struct Eval {
  enum Kind { kValue, kMinusInf, kNone } kind = kValue;
  Ball v;
  std::set<std::string> methods;
  std::string reason;  // kNone: why there is no independent path
  bool mpfi = false;
  bool timed_out = false;  // a path run under a deadline did not finish
};

Eval none(std::string reason) {
  Eval e;
  e.kind = Eval::kNone;
  e.reason = std::move(reason);
  return e;
}

// The ball containing the MPFI interval [lower, upper] (exact rational endpoints).
void set_from_mpfi(arb_t out, const MpfiEnclosure& m, slong prec) {
  Arb lo, hi;
  exact::set_ball(lo, m.lower, prec);
  exact::set_ball(hi, m.upper, prec);
  arb_union(out, lo, hi, prec);
}

Eval from_mpfi(const MpfiEnclosure& m, const char* method, slong prec) {
  Eval e;
  e.methods.insert(method);
  e.mpfi = true;
  if (m.minus_infinity) {
    e.kind = Eval::kMinusInf;
    return e;
  }
  set_from_mpfi(e.v.get(), m, prec);
  return e;
}

// Runs f (an Arb computation writing a ball) in this thread with a wall-clock deadline, so that a slow path (the
// variance-gamma quadrature can take many seconds) is cut off instead of holding up the recheck: f runs under a
// core::StopScope whose token expires at the deadline; its quadratures then stop at once and return the whole line
// (continuous::detail::integrate_tol). Returns false when the deadline passed (whatever f returned: a cut-short
// value is never used) or f threw; the interrupt throws core::Interrupted. No process is forked: the
// library runs on the callers' threads only.
bool run_with_deadline(arb_t out, const std::function<void(arb_t)>& f, Clock::time_point deadline) {
  Arb r;
  bool expired = false;
  {
    const core::StopScope scope(core::StopToken().with_deadline(deadline));
    try {
      f(r);
    } catch (const core::Interrupted&) {
      throw;
    } catch (const std::exception&) {
      return false;  // the path does not apply here (as when it ran in a child process that failed)
    }
    expired = core::scope_expired();
  }
  core::throw_if_interrupted();
  if (expired) return false;
  arb_swap(out, r);
  return true;
}

struct Ctx {
  Clock::time_point deadline;
};

Eval eval_log(const laws::CurvatureLaw& law, const Rational& a, const Rational& b, slong prec, const Ctx& ctx);

// log|c| for an exact constant c (-inf when c = 0): the degenerate laws, exact input.
Eval constant_log(const Rational& c, slong prec) {
  Eval e;
  e.methods.insert("constant");
  if (c == 0) {
    e.kind = Eval::kMinusInf;
    return e;
  }
  exact::set_ball(e.v.get(), exact::rational_abs(c), prec + 16);
  arb_log(e.v.get(), e.v.get(), prec);
  return e;
}

// |c|^p for a constant c (a + b h with b = 0 or a point law), pb = p as a ball.
Eval constant_moment(const Rational& c, const arb_t pb, slong prec) {
  Eval e;
  Arb m;
  exact::set_ball(m, exact::rational_abs(c), prec + 16);
  arb_pow(e.v.get(), m, pb, prec);
  e.methods.insert("constant");
  return e;
}

// The arguments (a, b, my, mx, sy, sx, rho) with which bivariate_log_abs_mean / bivariate_abs_moment condition
// on y instead of x (the roles of x and y exchanged). Proof: CONT-BIV-1, -2.
struct ConditionOnY {
  Arb a, b, my, mx, sy, sx, rho;
};

void condition_on_y(ConditionOnY& c, const laws::BivariateLaw& n, const Rational& a, const Rational& b, slong wp) {
  exact::set_ball(c.a, a, wp);
  exact::set_ball(c.b, b, wp);
  exact::set_ball(c.mx, n.mx, wp);
  exact::set_ball(c.my, n.my, wp);
  exact::set_ball(c.sx, n.sx, wp);
  exact::set_ball(c.sy, n.sy, wp);
  exact::set_ball(c.rho, n.rho, wp);
}

// xy with batch 1: h = x y with y ~ N(0, k^2 + sigma^2), x ~ N(0, 1), rho = k / sqrt(k^2 + sigma^2).
void condition_on_y(ConditionOnY& c, const laws::XyLaw& n, const Rational& a, const Rational& b, slong wp) {
  Arb k;
  exact::set_ball(k, n.k, wp);
  arb_zero(c.my);
  arb_zero(c.mx);
  arb_one(c.sx);
  exact::set_ball(c.sy, n.k * n.k + n.sigma2, wp);
  arb_sqrt(c.sy, c.sy, wp);
  arb_div(c.rho, k, c.sy, wp);
  exact::set_ball(c.a, a, wp);
  exact::set_ball(c.b, b, wp);
}

// E log|a + b z^2|, z ~ N(mu, s^2), s > 0: the sqnormal kernel's second path (TABLE-SECOND-2).
Eval sqnormal_log(const Rational& mu, const Rational& s, const Rational& a, const Rational& b, slong prec) {
  const slong wp = prec + 16;
  if (b == 0 || s == 0) return constant_log(a + b * mu * mu, prec);
  Eval e;
  Arb m, sb, t, l;
  exact::set_ball(m, mu, wp);
  exact::set_ball(sb, s, wp);
  if (a == 0) {
    // log|b| + 2 E log|z|: the Gaussian quadrature instead of the 2F2 closed form. Proof: CONT-QUAD-1, -2, -4.
    continuous::gauss_log_abs_mean_quad(t, m, sb, wp);
    arb_mul_2exp_si(t, t, 1);
    exact::set_ball(l, exact::rational_abs(b), wp);
    arb_log(l, l, wp);
    arb_add(e.v.get(), t, l, prec);
    e.methods.insert("gauss-quadrature");
    return e;
  }
  const Rational lr = -b / a;
  if (lr < 0) {
    return none(
        "sqnormal with 1 - lr h of one sign (a negatively scaled sqnormal): the library has only the quadrature "
        "of CONT-QUAD-7 for it, which is the table's own path");
  }
  // log|a| + E log|1 - lr z^2| by quadrature split at z = +-1/sqrt(lr), not the G + G closed form.
  // Proof: CONT-QUAD-1, -2, -5.
  exact::set_ball(l, lr, wp);
  continuous::sqnormal_log_abs_mean_quad(t, l, m, sb, wp);
  exact::set_ball(l, exact::rational_abs(a), wp);
  arb_log(l, l, wp);
  arb_add(e.v.get(), t, l, prec);
  e.methods.insert("sqnormal-quadrature");
  return e;
}

Eval eval_log(const laws::CurvatureLaw& law, const Rational& a, const Rational& b, slong prec, const Ctx& ctx) {
  const slong wp = prec + 16;
  return std::visit(
      [&](const auto& n) -> Eval {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, laws::FiniteLaw>) {
          // Proof: TABLE-MPFI-1.
          return from_mpfi(mpfi_log_abs_mean(n, a, b, prec + 8), "mpfi-atom-log-sum", wp);
        } else if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          if (b == 0 || n.sigma == 0) return constant_log(a + b * n.mu, prec);
          // a + b h ~ N(a + b mu, (|b| sigma)^2): quadrature instead of the 2F2 closed form (CONT-QUAD-1, -2, -4).
          Eval e;
          Arb m, v;
          exact::set_ball(m, a + b * n.mu, wp);
          exact::set_ball(v, exact::rational_abs(b) * n.sigma, wp);
          continuous::gauss_log_abs_mean_quad(e.v.get(), m, v, prec);
          e.methods.insert("gauss-quadrature");
          return e;
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          if (b == 0) return constant_log(a, prec);
          // u = a + b h ~ U[lo, hi]: E log|u| = (F(hi) - F(lo)) / (hi - lo) in MPFI, i.e. mpfi_uniform_exponent
          // with lr = 1 and the law of 1 - u. Proof: TABLE-MPFI-1.
          Rational lo = a + b * n.a, hi = a + b * n.b;
          if (b < 0) std::swap(lo, hi);
          return from_mpfi(mpfi_uniform_exponent(1 - hi, 1 - lo, Rational(1), prec + 8), "mpfi-uniform-closed-form",
                           wp);
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          return sqnormal_log(n.mu, n.sigma, a, b, prec);
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          if (b == 0) return constant_log(a, prec);
          if (n.sigma2 == 0) {
            if (n.batch == 1) return sqnormal_log(Rational(0), Rational(1), a, b * n.k, prec);  // h = k x^2
            return none(fmt::format(
                "xy with sigma = 0 and batch {} (a scaled chi-square law): the library has one path only", n.batch));
          }
          Arb k, sigma, ab;
          exact::set_ball(k, n.k, wp);
          exact::set_ball(sigma, n.sigma2, wp);
          arb_sqrt(sigma, sigma, wp);
          if (n.batch == 1) {
            // h = x y with (x, y) bivariate normal, conditioned on y instead of x (CONT-BIV-1, -2).
            Eval e;
            ConditionOnY c;
            condition_on_y(c, n, a, b, wp);
            continuous::bivariate_log_abs_mean(e.v.get(), c.a, c.b, c.my, c.mx, c.sy, c.sx, c.rho, prec);
            e.methods.insert("bivariate-conditioning-on-y");
            return e;
          }
          if (a == 0) {
            return none("xy with a = 0 (1 - lr gamma = 0): the variance-gamma path needs E log|1 - c h_B|");
          }
          // log|a| + E log|1 - c h_B|, c = -b/a, by the variance-gamma density (CONT-VG-1 .. 4), cut off at the
          // end of the remaining time budget.
          Eval e;
          Arb lr, t;
          exact::set_ball(lr, -b / a, wp);
          const bool done = run_with_deadline(
              t, [&](arb_t r) { continuous::xy_log_abs_mean_vg(r, lr, k, sigma, n.batch, wp); }, ctx.deadline);
          e.methods.insert("xy-variance-gamma");
          if (!done) {
            e.timed_out = true;
            arb_indeterminate(e.v.get());
            return e;
          }
          exact::set_ball(ab, exact::rational_abs(a), wp);
          arb_log(ab, ab, wp);
          arb_add(e.v.get(), t, ab, prec);
          return e;
        } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
          // Conditioning on y instead of x: exchange (mx, sx) and (my, sy). Proof: CONT-BIV-1, -2.
          Eval e;
          ConditionOnY c;
          condition_on_y(c, n, a, b, wp);
          continuous::bivariate_log_abs_mean(e.v.get(), c.a, c.b, c.my, c.mx, c.sy, c.sx, c.rho, prec);
          e.methods.insert("bivariate-conditioning-on-y");
          return e;
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          return eval_log(*n.inner, a + b * n.shift, b * n.scale, prec, ctx);
        } else {  // MixtureLaw: the weighted sum of the parts' second paths (LYAP1D-LAW-1)
          Eval out;
          Arb acc, w;
          arb_zero(acc);
          for (const auto& [part, weight] : n.parts) {
            Eval e = eval_log(*part, a, b, wp, ctx);
            if (e.kind == Eval::kNone) return e;
            out.methods.insert(e.methods.begin(), e.methods.end());
            out.mpfi = out.mpfi || e.mpfi;
            out.timed_out = out.timed_out || e.timed_out;
            if (e.kind == Eval::kMinusInf) {
              out.kind = Eval::kMinusInf;
              return out;
            }
            exact::set_ball(w, weight, wp);
            arb_addmul(acc, e.v.get(), w, wp);
          }
          arb_set_round(out.v.get(), acc, prec);
          return out;
        }
      },
      law.node());
}

// E|a + b z^2|^p, z ~ N(mu, s^2). Proof: TABLE-SECOND-3.
Eval sqnormal_moment(const Rational& mu, const Rational& s, const Rational& a, const Rational& b, const Rational& p,
                     slong prec) {
  const slong wp = prec + 16;
  Eval e;
  Arb m, sb, pb, t, l;
  exact::set_ball(m, mu, wp);
  exact::set_ball(sb, s, wp);
  exact::set_ball(pb, p, wp);
  if (b == 0 || s == 0) return constant_moment(a + b * mu * mu, pb, prec);
  if (a == 0) {
    // |b|^p E|z|^{2p}: the Gaussian quadrature instead of the 1F1 closed form. Proof: CONT-QUAD-3.
    Arb p2;
    arb_mul_2exp_si(p2, pb, 1);
    continuous::gauss_abs_moment_quad(t, m, sb, p2, wp);
    exact::set_ball(l, exact::rational_abs(b), wp);
    arb_pow(l, l, pb, wp);
    arb_mul(e.v.get(), t, l, prec);
    e.methods.insert("gauss-moment-quadrature");
    return e;
  }
  const Rational lr = -b / a;
  if (lr < 0) {
    return none("sqnormal moment with 1 - lr h of one sign: the library has only the quadrature (CONT-SQN-3)");
  }
  // |a|^p E|1 - lr z^2|^p by the Poisson mixture of chi-squares with 1F1/U terms (CONT-SQN-2, -4); the library's
  // default is the quadrature (CONT-SQN-3), the series only when the quadrature fails.
  exact::set_ball(l, lr, wp);
  continuous::sqnormal_abs_moment_series(t, l, m, sb, pb, wp);
  if (!arb_is_finite(t)) {
    return none("sqnormal moment: the Poisson series has too many terms (mu^2 / (2 sigma^2) > 4000)");
  }
  exact::set_ball(l, exact::rational_abs(a), wp);
  arb_pow(l, l, pb, wp);
  arb_mul(e.v.get(), t, l, prec);
  e.methods.insert("sqnormal-poisson-series");
  return e;
}

// E|a + b h|^p (the moment itself). Proof: TABLE-SECOND-3.
Eval eval_moment(const laws::CurvatureLaw& law, const Rational& a, const Rational& b, const Rational& p, slong prec) {
  const slong wp = prec + 16;
  if (p == 2 && !law.is_finite()) {
    // E(a + b h)^2 = a^2 + 2ab E h + b^2 E h^2 with the moments from independent_moments. Proof: TABLE-SECOND-3.
    const auto [m1, m2] = independent_moments(law);
    Eval e;
    exact::set_ball(e.v.get(), a * a + 2 * a * b * m1 + b * b * m2, prec);
    e.methods.insert("exact-moment-formulas");
    return e;
  }
  return std::visit(
      [&](const auto& n) -> Eval {
        using T = std::decay_t<decltype(n)>;
        Arb pb;
        exact::set_ball(pb, p, wp);
        if constexpr (std::is_same_v<T, laws::FiniteLaw>) {
          return from_mpfi(mpfi_abs_moment(n, a, b, p, prec + 8), "mpfi-atom-moment-sum", wp);
        } else if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          Eval e;
          Arb m, v;
          exact::set_ball(m, a + b * n.mu, wp);
          if (b == 0 || n.sigma == 0) {
            arb_abs(m, m);
            arb_pow(e.v.get(), m, pb, prec);
            e.methods.insert("constant");
            return e;
          }
          exact::set_ball(v, exact::rational_abs(b) * n.sigma, wp);
          continuous::gauss_abs_moment_quad(e.v.get(), m, v, pb, prec);  // Proof: CONT-QUAD-3
          e.methods.insert("gauss-moment-quadrature");
          return e;
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          Rational lo = a + b * n.a, hi = a + b * n.b;
          if (b < 0) std::swap(lo, hi);
          if (lo == hi) return constant_moment(lo, pb, prec);
          return from_mpfi(mpfi_uniform_abs_moment(lo, hi, p, prec + 8), "mpfi-uniform-moment-closed-form", wp);
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          return sqnormal_moment(n.mu, n.sigma, a, b, p, prec);
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          if (b == 0 || n.sigma2 == 0) {
            if (b == 0) return constant_moment(a, pb, prec);
            if (n.batch == 1) return sqnormal_moment(Rational(0), Rational(1), a, b * n.k, p, prec);
            return none(fmt::format("xy moment with sigma = 0 and batch {}: the library has one path only", n.batch));
          }
          if (n.batch != 1) {
            return none(fmt::format(
                "xy moment with batch {} and p != 2: the library has one path only (the variance-gamma path covers "
                "the log-mean, not moments)",
                n.batch));
          }
          Eval e;
          ConditionOnY c;
          condition_on_y(c, n, a, b, wp);
          continuous::bivariate_abs_moment(e.v.get(), c.a, c.b, c.my, c.mx, c.sy, c.sx, c.rho, pb, prec);  // CONT-BIV-3
          e.methods.insert("bivariate-conditioning-on-y");
          return e;
        } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
          Eval e;
          ConditionOnY c;
          condition_on_y(c, n, a, b, wp);
          continuous::bivariate_abs_moment(e.v.get(), c.a, c.b, c.my, c.mx, c.sy, c.sx, c.rho, pb, prec);  // CONT-BIV-3
          e.methods.insert("bivariate-conditioning-on-y");
          return e;
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          return eval_moment(*n.inner, a + b * n.shift, b * n.scale, p, prec);
        } else {  // MixtureLaw
          Eval out;
          Arb acc, w;
          arb_zero(acc);
          for (const auto& [part, weight] : n.parts) {
            Eval e = eval_moment(*part, a, b, p, wp);
            if (e.kind == Eval::kNone) return e;
            out.methods.insert(e.methods.begin(), e.methods.end());
            out.mpfi = out.mpfi || e.mpfi;
            exact::set_ball(w, weight, wp);
            arb_addmul(acc, e.v.get(), w, wp);
          }
          arb_set_round(out.v.get(), acc, prec);
          return out;
        }
      },
      law.node());
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : "+") + x;
  return out;
}

// The precision loop: prec from about 3.33 digits + 32 bits, doubled until the width request is met, the
// cap is reached or the next round is predicted to overrun the time budget (a quadrature's cost grows about
// threefold per doubling). A wider enclosure is still an enclosure, so stopping early only weakens the check.
SecondValue loop(const std::function<Eval(slong, const Ctx&)>& eval, const SecondOptions& opt) {
  const auto start = Clock::now();
  Ctx ctx;
  ctx.deadline = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(opt.time_budget_seconds));
  SecondValue out;
  slong prec = std::min<slong>(opt.max_bits, static_cast<slong>(opt.digits * 3.33) + 32);
  for (;;) {
    const auto t0 = Clock::now();
    Eval e = eval(prec, ctx);
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    out.method = join(e.methods);
    out.mpfi = e.mpfi;
    if (e.kind == Eval::kNone) {
      out.available = false;
      out.reason = "no independent path: " + e.reason;
      return out;
    }
    if (e.kind == Eval::kMinusInf) {
      out.available = true;
      out.minus_infinity = true;
      out.bits = prec;
      return out;
    }
    if (arb_is_finite(e.v.get())) {
      out.available = true;
      out.value = e.v;
      out.bits = prec;
      if (lyap::internal_width_ok(e.v, opt.digits)) return out;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (e.timed_out || 2 * prec > opt.max_bits || elapsed + 4 * dt > opt.time_budget_seconds) {
      if (!out.available) {
        out.reason = e.timed_out ? fmt::format("not rechecked independently: the {} path did not finish within the "
                                               "time budget of {:g} s at {} bits", out.method,
                                               opt.time_budget_seconds, prec)
                                 : fmt::format("not rechecked independently: the {} path did not certify an "
                                               "enclosure within {} bits / {:g} s", out.method, prec,
                                               opt.time_budget_seconds);
      }
      return out;
    }
    prec *= 2;
  }
}

SecondValue from_mpfi_value(const MpfiEnclosure& m, const std::string& method, long prec) {
  SecondValue v;
  v.available = true;
  v.mpfi = true;
  v.method = method;
  v.bits = prec;
  if (m.minus_infinity) {
    v.minus_infinity = true;
    return v;
  }
  set_from_mpfi(v.value.get(), m, prec + 16);
  return v;
}

SecondValue unavailable(std::string reason) {
  SecondValue v;
  v.reason = std::move(reason);
  return v;
}

// The finite family behind matrices(...) or sgd(lr, matrices(...)) (A = I - lr H exactly), if any.
std::optional<laws::FiniteMatrices> finite_family(const laws::MatrixLaw& law) {
  if (const auto* f = std::get_if<laws::FiniteMatrices>(&law.node)) return *f;
  if (const auto* s = std::get_if<laws::Sgd>(&law.node)) {
    if (!s->curv || s->curv->dim != law.dim) return std::nullopt;
    if (const auto* h = std::get_if<laws::FiniteMatrices>(&s->curv->node)) {
      laws::FiniteMatrices out;
      out.probs = h->probs;
      const int d = law.dim;
      for (const auto& m : h->matrices) {
        std::vector<Rational> a(m.size());
        for (int i = 0; i < d; ++i)
          for (int j = 0; j < d; ++j) a[i * d + j] = (i == j ? Rational(1) : Rational(0)) - s->lr * m[i * d + j];
        out.matrices.push_back(std::move(a));
      }
      return out;
    }
  }
  return std::nullopt;
}

// Upper bound of the top exponent from the enumeration bound (1/n) E log ||A_n ... A_1||_F (LYAPND-ENUM-1),
// the smallest over the word lengths that fit the time budget and 2^16 products.
SecondValue enumeration_upper(const laws::FiniteMatrices& f, int d, const SecondOptions& opt) {
  // The search is lyapnd's (best_enumeration_bound), shared on purpose: it is the second path only for rows whose
  // table value comes from another method (cycle expansion, commuting reduction), so TABLE-SECOND-1's
  // independence (no evaluation code shared with the table's path) holds; see TABLE-SECOND-4.
  lyapnd::EnumerationLimits limits;
  limits.max_word_length = 40;
  limits.max_products = 65536;
  limits.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(opt.time_budget_seconds / 2));
  const slong prec = std::min<slong>(opt.max_bits, static_cast<slong>(opt.digits * 3.33) + 32);
  const lyapnd::EnumerationSearch search = lyapnd::best_enumeration_bound(f, d, prec, limits);
  SecondValue best;
  if (search.best && (search.best->minus_infinity || arb_is_finite(search.best->upper_bound.get()))) {
    best.available = true;
    best.minus_infinity = search.best->minus_infinity;
    best.upper_bound_only = !best.minus_infinity;
    if (!best.minus_infinity) best.value = search.best->upper_bound;
    best.method = fmt::format("enumeration-upper-bound(n={})", search.best->n);
    best.bits = prec;
  } else {
    best.reason = "not rechecked independently: the enumeration bound did not finish within the time budget";
  }
  return best;
}

}  // namespace

std::pair<Rational, Rational> independent_moments(const laws::CurvatureLaw& law) {
  return std::visit(
      [&](const auto& n) -> std::pair<Rational, Rational> {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, laws::FiniteLaw>) {
          Rational m1 = 0, m2 = 0;
          for (std::size_t j = 0; j < n.size(); ++j) {
            m1 += n.prob(j) * n.value(j);
            m2 += n.prob(j) * n.value(j) * n.value(j);
          }
          return {m1, m2};
        } else if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          return {n.mu, n.mu * n.mu + n.sigma * n.sigma};
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          return {(n.a + n.b) / 2, (n.a * n.a + n.a * n.b + n.b * n.b) / 3};
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          // z ~ N(mu, s^2): E z^2 = mu^2 + s^2, E z^4 = mu^4 + 6 mu^2 s^2 + 3 s^4.
          const Rational m2 = n.mu * n.mu, s2 = n.sigma * n.sigma;
          return {m2 + s2, m2 * m2 + 6 * m2 * s2 + 3 * s2 * s2};
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          // x y = k x^2 + sigma x eps: E = k, E (x y)^2 = 3 k^2 + sigma^2; the mean of S i.i.d. copies has
          // E h_B^2 = k^2 + (2 k^2 + sigma^2) / S.
          const Rational S(static_cast<long long>(n.batch));
          return {n.k, n.k * n.k + (2 * n.k * n.k + n.sigma2) / S};
        } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
          // E x^2 y^2 = (sx^2 + mx^2)(sy^2 + my^2) + 2 rho^2 sx^2 sy^2 + 4 mx my rho sx sy (Isserlis).
          const Rational sx2 = n.sx * n.sx, sy2 = n.sy * n.sy;
          return {n.mx * n.my + n.rho * n.sx * n.sy, (sx2 + n.mx * n.mx) * (sy2 + n.my * n.my) +
                                                          2 * n.rho * n.rho * sx2 * sy2 +
                                                          4 * n.mx * n.my * n.rho * n.sx * n.sy};
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          const auto [i1, i2] = independent_moments(*n.inner);
          return {n.scale * i1 + n.shift, n.scale * n.scale * i2 + 2 * n.scale * n.shift * i1 + n.shift * n.shift};
        } else {
          Rational m1 = 0, m2 = 0;
          for (const auto& [part, w] : n.parts) {
            const auto [p1, p2] = independent_moments(*part);
            m1 += w * p1;
            m2 += w * p2;
          }
          return {m1, m2};
        }
      },
      law.node());
}

SecondValue second_log_abs_mean(const laws::CurvatureLaw& law, const Rational& a, const Rational& b,
                                const SecondOptions& opt) {
  return loop([&](slong prec, const Ctx& ctx) { return eval_log(law, a, b, prec, ctx); }, opt);
}

SecondValue second_moment_exponent(const laws::CurvatureLaw& law, const Rational& lr, const Rational& p,
                                   const SecondOptions& opt) {
  return loop(
      [&](slong prec, const Ctx&) {
        Eval e = eval_moment(law, Rational(1), -lr, p, prec + 8);
        if (e.kind != Eval::kValue) return e;
        if (arb_is_zero(e.v.get())) {  // every multiplier vanishes (atoms only): g = -inf exactly
          e.kind = Eval::kMinusInf;
          return e;
        }
        arb_log(e.v.get(), e.v.get(), prec);  // non-finite when the moment ball reaches 0
        return e;
      },
      opt);
}

std::vector<SecondValue> second_lyapnd(const laws::MatrixLaw& law, const std::string& table_method,
                                       const SecondOptions& opt) {
  const int d = law.dim;
  const long prec = static_cast<long>(opt.digits * 3.33) + 32;
  if (const auto* g = std::get_if<laws::Ginibre>(&law.node)) {
    // Elementary digamma values in MPFI instead of Arb's digamma. Proof: TABLE-SECOND-4.
    std::vector<SecondValue> out;
    out.push_back(from_mpfi_value(mpfi_ginibre_exponent(d, 1, g->sigma, prec), "mpfi-ginibre-elementary-psi", prec));
    for (int i = 1; i <= d; ++i) {
      out.push_back(from_mpfi_value(mpfi_ginibre_exponent(d, i, g->sigma, prec), "mpfi-ginibre-elementary-psi", prec));
    }
    return out;
  }
  if (const auto* iso = std::get_if<laws::Isotropic>(&law.node)) {
    if (d == 2) {
      // The closed form (LYAPND-ISO-2) and the quadrature (LYAPND-ISO-3) are independent: run the other one.
      const bool table_closed = table_method.rfind("isotropic-closed-form", 0) == 0;
      SecondOptions o = opt;
      SecondValue v = loop(
          [&](slong p, const Ctx&) {
            Eval e;
            if (table_closed) {
              lyapnd::isotropic_quadrature(e.v.get(), 2, iso->lr, p);
              e.methods.insert("isotropic-quadrature");
            } else {
              lyapnd::isotropic2_closed_form(e.v.get(), iso->lr, p);
              e.methods.insert("isotropic-closed-form");
            }
            return e;
          },
          o);
      return {v};
    }
    if (d == 1) {
      // A = 1 - lr a^2, a ~ N(0, 1): the two-sided 1-D value E log|1 - lr z^2| (sqnormal second path).
      const laws::CurvatureLaw z2(laws::SqNormalLaw{Rational(0), Rational(1)});
      return {second_log_abs_mean(z2, Rational(1), -iso->lr, opt)};
    }
    // d = 3, 4: only the quadrature exists; Jensen's bound (1/2) log E|A e_1|^2 = (1/2) log(1 - 2 lr + lr^2 (d + 2))
    // is an independent one-sided check (LYAPND-ISO-4).
    const Rational m2 = 1 - 2 * iso->lr + iso->lr * iso->lr * (d + 2);
    SecondValue v = from_mpfi_value(mpfi_half_log(m2, prec), "mpfi-jensen-upper-bound", prec);
    v.upper_bound_only = true;
    v.reason = fmt::format("isotropic d = {}: the library has one two-sided path (the quadrature); only Jensen's "
                           "upper bound is independent", d);
    return {v};
  }
  const auto fam = finite_family(law);
  if (!fam) return {unavailable("no independent path: no lyapnd method other than the table's applies to this law")};
  const lyapnd::FamilyFacts facts = lyapnd::family_facts(*fam, d);
  if (facts.all_rank_le_one) {
    if (facts.zero_atom) {  // exact: the zero matrix has positive probability (LYAPND-RANK1-1)
      SecondValue v;
      v.available = true;
      v.minus_infinity = true;
      v.method = "exact-zero-atom";
      return {v};
    }
    // E log|v_j^T u_i| over the exact pair law, in MPFI. Proof: LYAPND-RANK1-1, TABLE-MPFI-1.
    return {from_mpfi_value(mpfi_log_abs_mean(lyapnd::rankone_pair_law(*fam, d), Rational(0), Rational(1), prec),
                            "mpfi-rankone-pair-law", prec)};
  }
  if (facts.upper || facts.lower) {
    // max_i E log|(A)_ii| with every diagonal law summed in MPFI (LYAPND-COMM-1, TABLE-MPFI-1); -inf parts drop.
    SecondValue v;
    v.available = true;
    v.mpfi = true;
    v.bits = prec;
    v.method = "mpfi-triangular-diagonals";
    bool any = false;
    for (int i = 0; i < d; ++i) {
      const MpfiEnclosure m = mpfi_log_abs_mean(lyapnd::diagonal_law(*fam, d, i), Rational(0), Rational(1), prec);
      if (m.minus_infinity) continue;
      Arb b;
      set_from_mpfi(b, m, prec + 16);
      if (!any) {
        arb_set(v.value.get(), b);
      } else {
        arb_max(v.value.get(), v.value.get(), b, prec + 16);
      }
      any = true;
    }
    if (!any) v.minus_infinity = true;
    return {v};
  }
  if (table_method.rfind("enumerate", 0) == 0) {
    // The table has an upper bound; a two-sided independent value exists when the cycle expansion applies.
    if (lyapnd::cycle_applies_for_auto(*fam, d)) {
      lyapnd::Options o;
      o.acc.digits = std::min(opt.digits, 12);
      o.acc.max_bits = opt.max_bits;
      o.method = lyapnd::Method::cycle;
      o.time_budget_seconds = opt.time_budget_seconds;
      lyapnd::Result r;
      try {
        r = lyapnd::certify_lyapnd(law, o);
      } catch (const InputError& e) {
        return {unavailable(fmt::format("not rechecked independently: the cycle expansion does not apply ({})",
                                        e.what()))};
      }
      SecondValue v;
      v.available = arb_is_finite(r.top.value.ball.get()) || r.top.value.minus_infinity;
      v.minus_infinity = r.top.value.minus_infinity;
      v.value = r.top.value.ball;
      v.bits = r.top.bits_used;
      v.method = "cycle-expansion";
      if (!v.available) v.reason = "not rechecked independently: the cycle expansion did not certify an enclosure";
      return {v};
    }
    return {unavailable("no independent path: the table's value is an enumeration upper bound and no two-sided "
                        "method applies to this family")};
  }
  // cycle or commuting (polynomial certificate): the enumeration upper bound is independent but one-sided.
  SecondValue v = enumeration_upper(*fam, d, opt);
  if (v.available) {
    v.reason = fmt::format("the table's {} value has no independent two-sided path; the enumeration bound is an "
                           "upper bound only", table_method);
  }
  return {v};
}

exact::Sign second_sign_at(const laws::CurvatureLaw& law, const Rational& lr, const SecondOptions& opt,
                           std::string& method, std::string& reason) {
  const auto start = Clock::now();
  Ctx ctx;
  ctx.deadline = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(opt.time_budget_seconds));
  slong prec = std::min<slong>(opt.max_bits, static_cast<slong>(opt.digits * 3.33) + 32);
  for (;;) {
    const auto t0 = Clock::now();
    Eval e = eval_log(law, Rational(1), -lr, prec, ctx);
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    method = join(e.methods);
    if (e.kind == Eval::kNone) {
      reason = "no independent path: " + e.reason;
      return exact::Sign::undetermined;
    }
    if (e.kind == Eval::kMinusInf) return exact::Sign::negative;
    if (arb_is_finite(e.v.get())) {
      if (arb_is_negative(e.v.get())) return exact::Sign::negative;
      if (arb_is_positive(e.v.get())) return exact::Sign::positive;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (e.timed_out || 2 * prec > opt.max_bits || elapsed + 4 * dt > opt.time_budget_seconds) {
      reason = e.timed_out ? fmt::format("the {} path did not finish within {:g} s", method, opt.time_budget_seconds)
                           : fmt::format("the sign is not decided within {} bits / {:g} s", prec,
                                         opt.time_budget_seconds);
      return exact::Sign::undetermined;
    }
    prec *= 2;
  }
}

}  // namespace lyapcert::tables
