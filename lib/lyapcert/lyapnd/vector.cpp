#include "lyapcert/lyapnd/vector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <vector>

#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/lyapnd/commuting.hpp"
#include "lyapcert/lyapnd/internal/vector_moments.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;
using Clock = std::chrono::steady_clock;

Rational delta(int i, int j) { return i == j ? Rational(1) : Rational(0); }

// Position of J(M)'s entry (i, j) in M: J_ij = M_ab for i < q <= j (a = i, b = j - q), J_ij = M_ba for j < q <= i,
// 0 otherwise. Returns false for the zero blocks.
bool j_entry(int q, int i, int j, int& a, int& b) {
  if (i < q && j >= q) {
    a = i;
    b = j - q;
    return true;
  }
  if (j < q && i >= q) {
    a = j;
    b = i - q;
    return true;
  }
  return false;
}

std::string law_text(const laws::VectorSaddle& v) {
  return fmt::format("vector(q = {}, d = {}, lr = {}, k = {}, sigma^2 = {}, batch = {}, gamma = {})", v.q, v.d,
                     exact::to_text(v.lr), exact::to_text(v.k), exact::to_text(v.sigma2), v.batch,
                     exact::to_text(v.gamma));
}

// q = d = 1: the product is diagonal in the fixed basis (1, 1), (1, -1) with the scalar multipliers c +- lr h.
// Proof: LYAPND-VEC-2.
Result run_scalar(const laws::VectorSaddle& v, const Options& opt) {
  const Rational c = 1 - v.lr * v.gamma;
  const laws::CurvatureLaw h(laws::XyLaw{v.k, v.sigma2, v.batch});
  std::vector<lyap::CertifiedResult> parts;
  parts.push_back(lyap::certify_log_abs_mean(h, c, v.lr, opt.acc));
  parts.push_back(lyap::certify_log_abs_mean(h, c, -v.lr, opt.acc));
  Result r;
  r.top = combine_max(parts, opt.acc);
  r.top.method = "vector";
  const std::string note = "q = d = 1: the scalar two-layer model, Lambda = max(E log|c + lr h|, E log|c - lr h|) "
                           "with h ~ xy(k, sigma, batch=S) (LYAPND-VEC-2)";
  r.top.message = r.top.message.empty() ? note : r.top.message + "; " + note;
  return r;
}

}  // namespace

EntryMoments vector_entry_moments(const laws::VectorSaddle& v) {
  // Proof: LYAPND-VEC-3. E M_ab = k P_ab with P_ab = [a == b] (y_a = k x_a + sigma eps_a for a < min(q, d), sigma
  // eps_a otherwise), and for one sample E[y_a x_b y_c x_e] = k^2 [a, c < d] (d_ab d_ce + d_ac d_be + d_ae d_bc)
  // + sigma^2 d_ac d_be (Isserlis); S independent samples: E[M_ab M_ce] = (1/S) E[one] + (1 - 1/S) E M_ab E M_ce.
  const int q = v.q, dd = v.d, n = q + dd;
  const Rational c = 1 - v.lr * v.gamma;
  const Rational k2 = v.k * v.k, s2 = v.sigma2;
  const Rational S(static_cast<long long>(v.batch));
  auto mean_m = [&](int a, int b) { return a == b ? v.k : Rational(0); };
  auto second_m = [&](int a, int b, int cc, int e) {
    const Rational in = (a < dd && cc < dd) ? Rational(1) : Rational(0);
    const Rational one =
        k2 * in * (delta(a, b) * delta(cc, e) + delta(a, cc) * delta(b, e) + delta(a, e) * delta(b, cc)) +
        s2 * delta(a, cc) * delta(b, e);
    return one / S + (1 - 1 / S) * mean_m(a, b) * mean_m(cc, e);
  };
  EntryMoments m;
  m.d = n;
  m.mean.assign(static_cast<std::size_t>(n * n), Rational(0));
  m.second.assign(static_cast<std::size_t>(n * n * n * n), Rational(0));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      int a = 0, b = 0;
      const bool jij = j_entry(q, i, j, a, b);
      const Rational ej = jij ? mean_m(a, b) : Rational(0);
      m.mean[static_cast<std::size_t>(i * n + j)] = c * delta(i, j) + v.lr * ej;
      for (int kk = 0; kk < n; ++kk)
        for (int l = 0; l < n; ++l) {
          int a2 = 0, b2 = 0;
          const bool jkl = j_entry(q, kk, l, a2, b2);
          const Rational ekl = jkl ? mean_m(a2, b2) : Rational(0);
          const Rational ejj = (jij && jkl) ? second_m(a, b, a2, b2) : Rational(0);
          // E[(c d_ij + lr J_ij)(c d_kl + lr J_kl)]
          m.second[static_cast<std::size_t>(((i * n + j) * n + kk) * n + l)] =
              c * c * delta(i, j) * delta(kk, l) + c * v.lr * (delta(i, j) * ekl + delta(kk, l) * ej) +
              v.lr * v.lr * ejj;
        }
    }
  return m;
}

std::optional<Ball> vector_det_lower(const laws::VectorSaddle& v, int pieces, slong prec) {
  const Rational c = 1 - v.lr * v.gamma;
  if (v.batch != 1 || v.q != 1 || (v.d != 2 && v.d != 3) || v.sigma2 <= 0 || c == 0 || pieces < 1) return std::nullopt;
  const int n = v.q + v.d;
  const slong wp = prec + 16;
  // Proof: LYAPND-VEC-4 (det A = c^(n-2) (c^2 - lr^2 |x|^2 y^2)), LYAPND-VEC-5 (E log|c^2 - lr^2 |x|^2 y^2|
  // = 2 E log|c + lr |x| y| = 2 E_tau H(tau), H(tau) = xy_log_abs_mean(c, d lr, k tau, sigma, S = d), tau the
  // first coordinate of x/|x|; a Riemann enclosure over pieces of equal probability of tau).
  Ball cb = Ball::from_rational(c, wp), b = Ball::from_rational(v.lr * v.d, wp), kb = Ball::from_rational(v.k, wp),
       sb = Ball::from_rational(v.sigma2, wp);
  arb_sqrt(sb.get(), sb.get(), wp);
  std::vector<Ball> h(static_cast<std::size_t>(pieces));
  core::parallel_for(static_cast<std::size_t>(pieces), 0u, [&](std::size_t i) {
    exact::Ball t0, t1, tau, kt;
    if (v.d == 2) {
      // theta uniform on [0, pi] (x/|x| = (cos theta, sin theta), theta -> -theta leaves tau alone);
      // cos is decreasing there, so tau over the piece is [cos theta_(i+1), cos theta_i].
      arb_const_pi(t0, wp);
      arb_mul_ui(t1, t0, i + 1, wp);
      arb_div_ui(t1, t1, static_cast<ulong>(pieces), wp);
      arb_mul_ui(t0, t0, i, wp);
      arb_div_ui(t0, t0, static_cast<ulong>(pieces), wp);
      arb_cos(t0, t0, wp);
      arb_cos(t1, t1, wp);
    } else {
      // d = 3: tau uniform on [-1, 1] (Archimedes).
      arb_set_si(t0, 2 * static_cast<slong>(i) - pieces);
      arb_div_ui(t0, t0, static_cast<ulong>(pieces), wp);
      arb_set_si(t1, 2 * static_cast<slong>(i) + 2 - pieces);
      arb_div_ui(t1, t1, static_cast<ulong>(pieces), wp);
    }
    arb_union(tau, t0, t1, wp);
    arb_mul(kt, kb.get(), tau, wp);
    continuous::xy_log_abs_mean(h[i].get(), cb.get(), b.get(), kt, sb.get(), static_cast<ulong>(v.d), prec);
  });
  Ball sum;
  arb_zero(sum.get());
  for (const Ball& x : h) {
    if (!x.is_finite()) {
      arb_indeterminate(sum.get());
      return sum;
    }
    arb_add(sum.get(), sum.get(), x.get(), wp);
  }
  arb_div_ui(sum.get(), sum.get(), static_cast<ulong>(pieces), wp);  // E_tau H
  arb_mul_2exp_si(sum.get(), sum.get(), 1);                            // 2 E_tau H
  if (n > 2) {
    exact::Ball lc;
    arb_abs(lc, cb.get());
    arb_log(lc, lc, wp);
    arb_mul_ui(lc, lc, static_cast<ulong>(n - 2), wp);
    arb_add(sum.get(), sum.get(), lc, wp);
  }
  arb_div_ui(sum.get(), sum.get(), static_cast<ulong>(n), prec);
  return sum;
}

namespace {

// Lower bound of E[log t | t in [a, b]] for t ~ chi^2_2 (density e^(-t/2)/2) when [a, b] is one of the n
// equal-probability quantile intervals (probability exactly 1/n) and a, b are enclosed by the balls: log a
// for a > 0; for the first interval (a = 0) N (m log m - m)/2 with m = min(b, 1) (log t e^(-t/2)/2 >= log(t)/2 on
// [0, 1] where log t <= 0, >= 0 on [1, b]). Proof: LYAPND-VEC-8 (c).
void chi2_log_mean_lower(arb_t res, const arb_t a, const arb_t b, ulong n, slong prec) {
  if (!arb_is_zero(a)) {
    arb_t lo;
    arb_init(lo);
    arf_t t;
    arf_init(t);
    arb_get_lbound_arf(t, a, prec);
    arb_set_arf(lo, t);
    if (arb_is_positive(lo)) {
      arb_log(res, lo, prec);
    } else {
      arb_indeterminate(res);
    }
    arf_clear(t);
    arb_clear(lo);
    return;
  }
  arf_t t;
  arf_init(t);
  arb_get_ubound_arf(t, b, prec);
  arb_t m, lm;
  arb_init(m);
  arb_init(lm);
  arb_set_arf(m, t);
  if (arf_cmp_si(t, 1) > 0) arb_one(m);
  arb_log(lm, m, prec);
  arb_mul(lm, lm, m, prec);
  arb_sub(lm, lm, m, prec);  // m log m - m
  arb_mul_ui(lm, lm, n, prec);
  arb_mul_2exp_si(res, lm, -1);
  arb_clear(m);
  arb_clear(lm);
  arf_clear(t);
}

// The lower endpoint of a ball as a ball (exact point).
void lower_point(arb_t res, const arb_t x, slong prec) {
  arf_t t;
  arf_init(t);
  arb_get_lbound_arf(t, x, prec);
  arb_set_arf(res, t);
  arf_clear(t);
}

}  // namespace

std::optional<Ball> vector_det_lower_22(const laws::VectorSaddle& v, int n, slong prec) {
  const Rational c = 1 - v.lr * v.gamma;
  if (v.batch != 1 || v.q != 2 || v.d != 2 || v.sigma2 <= 0 || v.k == 0 || c == 0 || n < 2) return std::nullopt;
  const slong wp = prec + 16;
  const ulong N = static_cast<ulong>(n);
  // Proof: LYAPND-VEC-7 (E log|c^2 - lr^2 |x|^2 |y|^2| = E L(C, D) over independent a = |x|^2, b = rho^2, both
  // chi^2_2, C = c^2 - lr^2 (k^2 a^2 + sigma^2 a b), D = 2 lr^2 |k| sigma a^(3/2) b^(1/2),
  // L = log max(D/2, (|C| + sqrt((C^2 - D^2)_+))/2)) and LYAPND-VEC-8 (a lower Riemann sum over the n x n boxes of
  // equal probability, C decreasing and D increasing in a and b on each box; the E log(D/2) fallback).
  Ball c2 = Ball::from_rational(c * c, wp), lr2 = Ball::from_rational(v.lr * v.lr, wp),
       k2 = Ball::from_rational(v.k * v.k, wp), s2 = Ball::from_rational(v.sigma2, wp);
  Ball dcoef;  // 2 lr^2 |k| sigma
  {
    exact::Ball ks;
    arb_mul(ks, k2.get(), s2.get(), wp);
    arb_sqrt(ks, ks, wp);
    arb_mul(dcoef.get(), ks, lr2.get(), wp);
    arb_mul_2exp_si(dcoef.get(), dcoef.get(), 1);
  }
  // Quantiles t_i = -2 log(1 - i/N) of chi^2_2 (t_N = +inf, represented by a flag).
  std::vector<Ball> t(N);
  for (ulong i = 0; i < N; ++i) {
    exact::Ball p;
    arb_set_ui(p, N - i);
    arb_div_ui(p, p, N, wp);
    arb_log(p, p, wp);
    arb_mul_si(t[i].get(), p, -2, wp);
  }
  arb_zero(t[0].get());
  // E log t lower bounds per interval (the E log(D/2) fallback) and log(2 lr^2 |k| sigma / 2).
  std::vector<Ball> elog(N);
  for (ulong i = 0; i < N; ++i) {
    exact::Ball hi;
    if (i + 1 < N) arb_set(hi, t[i + 1].get());
    else arb_pos_inf(hi);
    chi2_log_mean_lower(elog[i].get(), t[i].get(), hi, N, wp);
  }
  Ball logd;
  arb_mul_2exp_si(logd.get(), dcoef.get(), -1);
  arb_log(logd.get(), logd.get(), wp);
  // C(a, b) = c^2 - lr^2 a (k^2 a + sigma^2 b), D(a, b) = dcoef a sqrt(a b); +inf arguments handled by the caller.
  auto cfun = [&](arb_t res, const arb_t a, const arb_t b) {
    exact::Ball u, w;
    arb_mul(u, k2.get(), a, wp);
    arb_mul(w, s2.get(), b, wp);
    arb_add(u, u, w, wp);
    arb_mul(u, u, a, wp);
    arb_mul(u, u, lr2.get(), wp);
    arb_sub(res, c2.get(), u, wp);
  };
  auto dfun = [&](arb_t res, const arb_t a, const arb_t b) {
    exact::Ball u;
    arb_mul(u, a, b, wp);
    arb_sqrt(u, u, wp);
    arb_mul(u, u, a, wp);
    arb_mul(res, u, dcoef.get(), wp);
  };
  std::vector<Ball> rows(N);
  std::atomic<bool> failed{false};
  core::parallel_for(N, 0u, [&](std::size_t i) {
    if (core::stop_requested()) {
      failed = true;
      return;
    }
    exact::Ball sum, a1, a2, b1, b2, chi, clo, dlo, dhi, absc, f, g, m, fb, zero;
    arb_zero(sum);
    arb_zero(zero);
    arb_set(a1, t[i].get());
    const bool a_inf = i + 1 == N;
    if (!a_inf) arb_set(a2, t[i + 1].get());
    for (ulong j = 0; j < N; ++j) {
      arb_set(b1, t[j].get());
      const bool b_inf = j + 1 == N;
      if (!b_inf) arb_set(b2, t[j + 1].get());
      // |C| >= |C|_lo on the box: C(a1, b1) >= C >= C(a2, b2) (C decreasing in a, b >= 0).
      cfun(chi, a1, b1);
      arb_zero(absc);
      if (arb_is_negative(chi)) {
        arb_neg(absc, chi);
        lower_point(absc, absc, wp);
      } else if (!a_inf && !b_inf) {
        cfun(clo, a2, b2);
        if (arb_is_positive(clo)) lower_point(absc, clo, wp);
      }
      dfun(dlo, a1, b1);
      lower_point(dlo, dlo, wp);
      if (arb_is_negative(dlo)) arb_zero(dlo);
      // F(|C|_lo, D_hi) = (|C|_lo + sqrt((|C|_lo^2 - D_hi^2)_+))/2; D_hi = +inf on unbounded boxes.
      arb_set(f, absc);
      if (!a_inf && !b_inf) {
        dfun(dhi, a2, b2);
        arb_mul(g, absc, absc, wp);
        exact::Ball dd;
        arb_mul(dd, dhi, dhi, wp);
        arb_sub(g, g, dd, wp);
        if (arb_is_positive(g)) {
          arb_sqrt(g, g, wp);
          lower_point(g, g, wp);
          arb_add(f, f, g, wp);
        }
      }
      arb_mul_2exp_si(f, f, -1);
      arb_mul_2exp_si(m, dlo, -1);
      arb_max(m, m, f, wp);
      // Fallback E[log(D/2) | box] = log(lr^2 |k| sigma) + (3/2) E log a + (1/2) E log b.
      arb_mul_ui(fb, elog[i].get(), 3, wp);
      arb_add(fb, fb, elog[j].get(), wp);
      arb_mul_2exp_si(fb, fb, -1);
      arb_add(fb, fb, logd.get(), wp);
      if (arb_is_positive(m)) {
        arb_log(m, m, wp);
        lower_point(m, m, wp);
        lower_point(fb, fb, wp);
        if (arb_is_finite(fb)) arb_max(m, m, fb, wp);
      } else {
        lower_point(m, fb, wp);
      }
      if (!arb_is_finite(m)) {
        failed = true;
        return;
      }
      arb_add(sum, sum, m, wp);
    }
    arb_set(rows[i].get(), sum);
  });
  Ball out;
  if (failed || core::stop_requested()) {
    arb_indeterminate(out.get());
    return out;
  }
  arb_zero(out.get());
  for (const Ball& r : rows) arb_add(out.get(), out.get(), r.get(), wp);
  arb_div_ui(out.get(), out.get(), N * N, wp);  // lower bound of E log|c^2 - lr^2 |x|^2 |y|^2|
  // E log|det A| = 2 log|c| + E log|c^2 - lr^2 |x|^2 |y|^2| (LYAPND-VEC-4 (a), q = d = 2); Lambda >= that / 4.
  exact::Ball lc;
  arb_sqrt(lc, c2.get(), wp);
  arb_log(lc, lc, wp);
  arb_mul_2exp_si(lc, lc, 1);
  arb_add(out.get(), out.get(), lc, wp);
  arb_div_ui(out.get(), out.get(), 4, prec);
  // Only the lower end is a bound: return the point ball at it.
  lower_point(out.get(), out.get(), prec);
  return out;
}

Result run_vector(const laws::MatrixLaw& law, const Options& opt, Clock::time_point deadline) {
  const auto* vp = std::get_if<laws::VectorSaddle>(&law.node);
  if (!vp) throw InputError("--method vector needs the law vector(q, d, lr, k, sigma, batch=S, gamma=G)");
  const laws::VectorSaddle& v = *vp;
  if (v.q == 1 && v.d == 1) return run_scalar(v, opt);

  Result r;
  r.top.method = "vector";
  r.top.digits_requested = opt.acc.digits;
  const slong prec = std::min<slong>(opt.acc.max_bits, 64);
  r.top.bits_used = prec;
  // Upper bound: Lambda <= g(2)/2 (Jensen), exact moments. Proof: LYAPND-VEC-3, LYAPND-MOM-1.
  const SecondMomentResult sm = certify_second_moment(law, lyap::Accuracy{6, opt.acc.max_bits});
  if (sm.g2.value.minus_infinity) {
    r.top.value.minus_infinity = true;
    r.top.value.sign = lyap::Sign::negative;
    r.top.converged = true;
    r.top.message = "E[A (x) A] = 0: the product is eventually 0";
    return r;
  }
  exact::Ball upper;  // a ball whose upper endpoint bounds Lambda
  arb_set(upper, sm.lambda_upper.ball.get());

  // Lower bound: E log|det A| / (q + d), refined by doubling the pieces while the budget lasts.
  std::optional<Ball> lower;
  int pieces_used = 0;
  bool timed_out = false, kernel_failed = false;
  const bool two_by_two = v.q == 2 && v.d == 2;
  // q = d = 2: a lower Riemann sum (a bound from below only) refined by doubling n while the budget lasts. When the
  // Poisson moment bound below applies, the refinement first gets a third of the budget (at small lr the
  // determinant bound is negative however fine the sum, and the refinement would use the whole budget), then
  // resumes with whatever the Poisson bound leaves.
  int det_n = 32;
  bool det_finished = false;
  double det_previous = -INFINITY;
  auto refine_det22 = [&](Clock::time_point until) {
    const double left = std::chrono::duration<double>(until - Clock::now()).count();
    core::StopScope scope(core::StopToken::after_seconds(std::max(left, 0.001)));
    for (; det_n <= 4096; det_n *= 2) {
      if (Clock::now() >= until) {
        timed_out = true;
        return;
      }
      std::optional<Ball> l = vector_det_lower_22(v, det_n, prec);
      if (!l) break;
      if (!l->is_finite()) {
        timed_out = Clock::now() >= until;
        kernel_failed = true;
        if (timed_out) return;  // stopped by the phase's deadline: the same n may be resumed
        break;
      }
      kernel_failed = false;
      timed_out = false;
      const double now = arf_get_d(arb_midref(l->get()), ARF_RND_DOWN);
      if (!lower || now > arf_get_d(arb_midref(lower->get()), ARF_RND_DOWN)) {
        lower = std::move(l);
        pieces_used = det_n;
      }
      // Stop once the sign is decided, or (a heuristic about when to stop, not part of the bound) when the
      // doubling's gap, extrapolated as a geometric series of ratio 1/2 (error ~ 1/n), cannot lift the bound to 0.
      if (now > 0 || arb_is_negative(upper)) break;
      if (det_n >= 128 && now + 2 * (now - det_previous) < 0) break;
      det_previous = now;
    }
    det_finished = true;
  };
  const bool poisson_applies = internal::vec_poisson_applies(v);
  if (two_by_two) {
    const auto now = Clock::now();
    refine_det22(poisson_applies && deadline > now ? now + (deadline - now) / 3 : deadline);
  } else {
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    core::StopScope scope(core::StopToken::after_seconds(std::max(left, 0.001)));
    for (int pieces = 16; pieces <= 4096; pieces *= 2) {
      if (Clock::now() >= deadline) {
        timed_out = true;
        break;
      }
      std::optional<Ball> l = vector_det_lower(v, pieces, prec);
      if (!l) break;
      if (!l->is_finite()) {
        // A piece was not certified (its ball of k tau too wide for the kernel, or the budget ran out): narrower
        // pieces may succeed.
        timed_out = Clock::now() >= deadline;
        kernel_failed = true;
        continue;
      }
      kernel_failed = false;
      lower = std::move(l);
      pieces_used = pieces;
      // Refining pays only while it can still change the verdict or is asked for: stop once the lower bound
      // is positive (sign decided), once it is certainly below 0 (the determinant bound can never show
      // Lambda > 0 then), once the upper bound is already negative, or at the requested width.
      const double rad = mag_get_d(arb_radref(lower->get()));
      // From 64 pieces on, a negative midpoint means the bound itself is (very likely) negative: more pieces would
      // only narrow a bound that cannot decide. (A heuristic about when to stop; the enclosure does not depend
      // on it.)
      const bool hopeless = pieces >= 64 && arf_sgn(arb_midref(lower->get())) < 0;
      if (arb_is_positive(lower->get()) || arb_is_negative(lower->get()) || arb_is_negative(upper) || hopeless ||
          rad < 1e-4 || lyap::internal_width_ok(*lower, opt.acc.digits))
        break;
    }
  }
  // When the determinant bound does not decide, the Poisson bound of LYAPND-VEC-9 through exact Gaussian moments
  // (LYAPND-VEC-10 .. -13) with the time left: it sees the growth along the top eigenvector of E[J] that the
  // determinant misses at small lr.
  std::optional<internal::VecPoissonResult> pois;
  const bool det_decides = (lower && arb_is_positive(lower->get())) || arb_is_negative(upper);
  if (!det_decides && poisson_applies && Clock::now() < deadline) {
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    core::StopScope scope(core::StopToken::after_seconds(std::max(left, 0.001)));
    // An interrupt ends it through stop_requested(); the caller reports the interrupt (as for the other bounds).
    pois = internal::vec_poisson_lower(v, deadline);
    if (pois->certified && pois->lower > 0) {
      Ball pl;
      arb_set_d(pl.get(), pois->lower);
      lower = std::move(pl);
      timed_out = false;
      kernel_failed = false;
    } else if (pois->timed_out) {
      timed_out = true;
    } else if (two_by_two && !det_finished && Clock::now() < deadline) {
      refine_det22(deadline);
    }
  }
  r.timed_out = timed_out;

  // Enclosure [L, U] with L the lower end of the lower-bound ball and U the upper end of the upper-bound ball.
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  arb_get_ubound_arf(hi, upper, prec);
  if (lower) {
    arb_get_lbound_arf(lo, lower->get(), prec);
    if (arf_cmp(lo, hi) > 0) arf_set(lo, hi);  // cannot happen for true bounds; keeps the ball well formed
    arb_set_interval_arf(r.top.value.ball.get(), lo, hi, prec);
  } else {
    arb_set_interval_arf(r.top.value.ball.get(), hi, hi, prec);
    r.upper_bound_only = true;
  }
  if (lower && arf_sgn(lo) > 0) {
    r.top.value.sign = lyap::Sign::positive;
  } else if (arf_sgn(hi) < 0) {
    r.top.value.sign = lyap::Sign::negative;
  }
  arf_clear(lo);
  arf_clear(hi);
  r.top.converged = lower && lyap::internal_width_ok(r.top.value.ball, opt.acc.digits);
  std::string lower_note;
  if (pois && pois->certified && pois->lower > 0) {
    lower_note = fmt::format("Poisson lower bound inf_v h(v) >= {:.4g} with g = (p/2) log(Q(v)/|v|^2), Q = {}, p = {:.4g} "
                             "(LYAPND-VEC-9 .. -13; exact Gaussian moments, {} boxes of the quotient)",
                             pois->lower,
                             v.q == 1 ? fmt::format("e e^T + {:.4g} e3 e3^T + {:.4g} I", pois->params.a, pois->params.b)
                                      : fmt::format("P_+ + {:.4g} I", pois->params.b),
                             pois->params.p, pois->boxes);
  } else if (lower && two_by_two) {
    lower_note = fmt::format("lower bound of E log|det A|/4 (LYAPND-VEC-4, -7, -8; lower Riemann sum on {} x {} "
                             "boxes of equal probability)",
                             pieces_used, pieces_used);
  } else if (lower) {
    lower_note = fmt::format("lower bound E log|det A|/{} (LYAPND-VEC-4, -5; {} pieces of the direction of x)",
                             v.q + v.d, pieces_used);
  } else if (timed_out || kernel_failed) {
    lower_note = "the determinant lower bound was not certified within the time budget (a piece of the xy kernel "
                 "gave no finite enclosure)";
  } else {
    lower_note = "no certified lower bound for this case yet (the determinant bound needs batch=1, sigma > 0, "
                 "gamma != 1/lr and q = 1, d = 2 or 3, or q = d = 2 with k != 0)";
  }
  if (pois && !(pois->certified && pois->lower > 0))
    lower_note += fmt::format("; the Poisson moment bound (LYAPND-VEC-9 .. -13) did not decide: {}", pois->note);
  r.top.message = fmt::format("{}: upper bound g(2)/2 = (1/2) log rho(E[A (x) A]) (LYAPND-VEC-3); {}", law_text(v),
                              lower_note);
  return r;
}

}  // namespace lyapcert::lyapnd
