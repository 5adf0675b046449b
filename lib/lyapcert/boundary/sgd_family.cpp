#include "lyapcert/boundary/sgd_family.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "lyapcert/boundary/model.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyapnd/poisson.hpp"

namespace lyapcert::boundary {
namespace {

using A = exact::Ball;
using exact::Ball;
using exact::set_ball;

// det(I - lr H) = 1 - lr t + lr^2 D, t = tr H, D = det H (exact).
struct Quad {
  Rational c0, c1, c2;
  Rational at(const Rational& x) const { return c0 + x * (c1 + x * c2); }
};

// Enclosure of c0 + c1 x + c2 x^2 for every x in the ball X around the exact midpoint m: the exact identity
// P(x) = P(m) + (x - m)(c1 + c2 (x + m)) keeps the dependency on x to one factor.
// Proof: BND-TEMPLATE-10 (b).
void quad_ball(arb_t out, const Quad& q, const arb_t X, const Rational& m, slong prec) {
  A pm, mb, dx, s;
  set_ball(pm, q.at(m), prec);
  set_ball(mb, m, prec);
  arb_sub(dx, X, mb, prec);
  arb_add(s, X, mb, prec);
  A c1, c2;
  set_ball(c1, q.c1, prec);
  set_ball(c2, q.c2, prec);
  arb_mul(s, s, c2, prec);
  arb_add(s, s, c1, prec);
  arb_mul(s, s, dx, prec);
  arb_add(out, pm, s, prec);
}

// The ball atoms I - lr H for lr in X (BND-TEMPLATE-10 (b)): a = 1 - lr h11, b = c = -lr h12,
// d = 1 - lr h22, det = 1 - lr t + lr^2 D, and with A^T A = A^2 = I - 2 lr H + lr^2 H^2:
// q0 = 1 - lr t + lr^2 (h11^2 + 2 h12^2 + h22^2)/2, q1 = -lr (h11 - h22) + lr^2 (h11^2 - h22^2)/2,
// q2 = -2 lr h12 + lr^2 h12 (h11 + h22).
std::vector<lyapnd::PoissonBallAtom> ball_atoms(const SgdFamily& fam, const arb_t X, const Rational& m, slong prec) {
  std::vector<lyapnd::PoissonBallAtom> out;
  for (std::size_t j = 0; j < fam.h.size(); ++j) {
    const Rational &h11 = fam.h[j][0], &h12 = fam.h[j][1], &h22 = fam.h[j][2];
    lyapnd::PoissonBallAtom at;
    quad_ball(at.a.get(), {1, -h11, 0}, X, m, prec);
    quad_ball(at.b.get(), {0, -h12, 0}, X, m, prec);
    arb_set(at.c.get(), at.b.get());
    quad_ball(at.d.get(), {1, -h22, 0}, X, m, prec);
    set_ball(at.p.get(), fam.p[j], prec);
    quad_ball(at.det.get(), {1, -(h11 + h22), h11 * h22 - h12 * h12}, X, m, prec);
    quad_ball(at.q0.get(), {1, -(h11 + h22), (h11 * h11 + 2 * h12 * h12 + h22 * h22) / 2}, X, m, prec);
    quad_ball(at.q1.get(), {0, -(h11 - h22), (h11 * h11 - h22 * h22) / 2}, X, m, prec);
    quad_ball(at.q2.get(), {0, -2 * h12, h12 * (h11 + h22)}, X, m, prec);
    out.push_back(std::move(at));
  }
  return out;
}

// Upper bound of log ||M||_2 for a 2 x 2 ball matrix: ||M||_2^2 = (s + sqrt(s^2 - 4 det^2)) / 2 with
// s = ||M||_F^2, and ||M||_2^2 <= s. Returns false when no finite bound was found.
bool log_opnorm_upper(arb_t out, const arb_t a, const arb_t b, const arb_t c, const arb_t d, slong prec) {
  A s, t, det, disc;
  arb_sqr(s, a, prec);
  arb_addmul(s, b, b, prec);
  arb_addmul(s, c, c, prec);
  arb_addmul(s, d, d, prec);
  arb_mul(det, a, d, prec);
  arb_submul(det, b, c, prec);
  arb_sqr(disc, s, prec);
  arb_sqr(t, det, prec);
  arb_mul_2exp_si(t, t, 2);
  arb_sub(disc, disc, t, prec);
  // s^2 - 4 det^2 >= 0 exactly (the eigenvalues of M^T M are real); clip the ball at 0 before sqrt.
  arf_t hi;
  arf_init(hi);
  arb_get_ubound_arf(hi, disc, prec);
  if (arf_sgn(hi) < 0) arf_zero(hi);
  arb_set_arf(disc, hi);
  arf_clear(hi);
  arb_sqrt(disc, disc, prec);
  arb_add(t, s, disc, prec);
  arb_mul_2exp_si(t, t, -1);
  // t >= ||M||_2^2 pointwise; use its upper bound (the lower part of the ball is irrelevant for an upper bound).
  arf_t u;
  arf_init(u);
  arb_get_ubound_arf(u, t, prec);
  const bool ok = arf_is_finite(u) && arf_sgn(u) > 0;
  if (ok) {
    arb_set_arf(t, u);
    arb_log(out, t, prec);
    arb_mul_2exp_si(out, out, -1);
  }
  arf_clear(u);
  return ok && arb_is_finite(out);
}

}  // namespace

SgdFamily make_sgd_family(const laws::FiniteMatrices& f, int d, const std::string& law) {
  if (d != 2)
    throw InputError(fmt::format(
        "--law-template {}: non-commuting families are evaluated on lr-intervals for 2 x 2 matrices only (got "
        "d = {})",
        law, d));
  SgdFamily fam;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    const auto& m = f.matrices[i];
    if (m[1] != m[2])
      throw InputError(fmt::format(
          "--law-template {}: matrix #{} is not symmetric; non-commuting sgd families need symmetric H_j (Hessians)",
          law, i + 1));
    fam.h.push_back({m[0], m[1], m[3]});
    fam.p.push_back(f.probs[i]);
  }
  if (fam.h.empty()) throw InputError(fmt::format("--law-template {}: no atom of positive probability", law));
  return fam;
}

bool sgd_family_invertible_on(const SgdFamily& fam, const Rational& a, const Rational& b) {
  // Proof: BND-TEMPLATE-12 (a). q(x) = det(I - x H) = 1 - x t + x^2 D, exact: no zero on [a, b] iff q(a), q(b)
  // have one strict sign and, when the vertex x* = t / (2 D) lies in (a, b), q(x*) = 1 - t^2 / (4 D) has it too.
  for (const auto& h : fam.h) {
    const Quad q{1, -(h[0] + h[2]), h[0] * h[2] - h[1] * h[1]};
    const Rational qa = q.at(a), qb = q.at(b);
    if (qa == 0 || qb == 0 || (qa > 0) != (qb > 0)) return false;
    if (q.c2 != 0) {
      const Rational v = -q.c1 / (2 * q.c2);
      if (a < v && v < b) {
        const Rational qv = q.at(v);
        if (qv == 0 || (qv > 0) != (qa > 0)) return false;
      }
    }
  }
  return true;
}

void sgd_family_bounds(arf_t lower_out, arf_t upper_out, const SgdFamily& fam, const Rational& a, const Rational& b,
                       int nodes, slong prec, bool box_deadlines) {
  const Rational m = (a + b) / 2;
  A X, lower, upper, t;
  set_interval(X, a, b, prec);
  const auto atoms = ball_atoms(fam, X, m, prec);
  const std::size_t k = atoms.size();
  std::vector<Ball> pj(k);
  for (std::size_t j = 0; j < k; ++j) set_ball(pj[j].get(), fam.p[j], prec);

  // Elementary lower bound E log|det A| / 2 (BND-TEMPLATE-11 (a)), if every det ball excludes 0.
  bool has_lower = true;
  arb_zero(lower);
  for (std::size_t j = 0; j < k && has_lower; ++j) {
    if (arb_contains_zero(atoms[j].det.get())) {
      has_lower = false;
      break;
    }
    arb_abs(t, atoms[j].det.get());
    arb_log(t, t, prec);
    arb_addmul(lower, t, pj[j].get(), prec);
  }
  if (has_lower) arb_mul_2exp_si(lower, lower, -1);
  has_lower = has_lower && arb_is_finite(lower);

  // Elementary upper bounds (1/n) E log ||A_n ... A_1||_2, n = 1, 2 (BND-TEMPLATE-11 (b)); the smaller one.
  bool has_upper = true;
  arb_zero(upper);
  for (std::size_t j = 0; j < k && has_upper; ++j) {
    has_upper = log_opnorm_upper(t, atoms[j].a.get(), atoms[j].b.get(), atoms[j].c.get(), atoms[j].d.get(), prec);
    arb_addmul(upper, t, pj[j].get(), prec);
  }
  {
    bool ok2 = true;
    A u2, e11, e12, e21, e22, w;
    arb_zero(u2);
    for (std::size_t i = 0; i < k && ok2; ++i)
      for (std::size_t j = 0; j < k && ok2; ++j) {
        const auto &P = atoms[i], &Q = atoms[j];  // the product P Q
        arb_mul(e11, P.a.get(), Q.a.get(), prec);
        arb_addmul(e11, P.b.get(), Q.c.get(), prec);
        arb_mul(e12, P.a.get(), Q.b.get(), prec);
        arb_addmul(e12, P.b.get(), Q.d.get(), prec);
        arb_mul(e21, P.c.get(), Q.a.get(), prec);
        arb_addmul(e21, P.d.get(), Q.c.get(), prec);
        arb_mul(e22, P.c.get(), Q.b.get(), prec);
        arb_addmul(e22, P.d.get(), Q.d.get(), prec);
        ok2 = log_opnorm_upper(t, e11, e12, e21, e22, prec);
        arb_mul(w, pj[i].get(), pj[j].get(), prec);
        arb_addmul(u2, t, w, prec);
      }
    if (ok2) {
      arb_mul_2exp_si(u2, u2, -1);
      if (!has_upper) {
        arb_set(upper, u2);
        has_upper = true;
      } else {
        exact::Arf x1, x2;
        arb_get_ubound_arf(x1, upper, prec);
        arb_get_ubound_arf(x2, u2, prec);
        if (arf_cmp(x2, x1) < 0) arb_set(upper, u2);
      }
    }
  }
  has_upper = has_upper && arb_is_finite(upper);

  // [lo, hi] of what is certified so far.
  exact::Arf lo, hi, y;
  arf_neg_inf(lo);
  arf_pos_inf(hi);
  if (has_lower) arb_get_lbound_arf(lo, lower, prec);
  if (has_upper) arb_get_ubound_arf(hi, upper, prec);
  const bool decided = arf_sgn(lo) > 0 || arf_sgn(hi) < 0;

  // The Poisson certificate over the box (BND-TEMPLATE-10), unless the elementary bounds already decide the sign.
  if (!decided && nodes >= 4 && has_lower && !core::stop_requested()) {
    laws::FiniteMatrices fm;  // I - m H_j at the exact midpoint (for g only)
    bool invertible = true;
    for (std::size_t j = 0; j < k; ++j) {
      const auto& h = fam.h[j];
      fm.matrices.push_back({1 - m * h[0], -m * h[1], -m * h[1], 1 - m * h[2]});
      fm.probs.push_back(fam.p[j]);
      invertible = invertible && (1 - m * h[0]) * (1 - m * h[2]) - m * m * h[1] * h[1] != 0;
    }
    if (invertible) {
      // Deadlines for the heuristic g and the certificate: a few seconds per box (none without box_deadlines: the
      // node and round caps bound the work), earlier when the calling scope stops (a missed deadline only leaves
      // the Poisson bound out).
      auto until = [box_deadlines](double s) {
        const double left = std::min(box_deadlines ? s : 1e9, std::max(0.0, core::scope_seconds_left()));
        return std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<long long>(left * 1e6));
      };
      const auto deadline = until(2);
      // g: the discretised solution at the midpoint family on an adaptive mesh (LYAPND-POIS-11: start from 256
      // uniform nodes, refine where g is rough, up to `nodes` nodes). Heuristic: any finite g is admissible.
      const int start = std::min(nodes, 256);
      std::vector<double> x(static_cast<std::size_t>(start));
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i) / start;  // exact dyadics
      std::vector<double> g = lyapnd::poisson_mesh_solution(fm, x, {}, {}, 4000, deadline);
      while (x.size() < static_cast<std::size_t>(nodes) && std::chrono::steady_clock::now() < deadline) {
        std::vector<double> nx = lyapnd::refine_poisson_mesh(x, g, std::max<std::size_t>(x.size() / 2, 1));
        if (nx.size() == x.size()) break;
        g = lyapnd::poisson_mesh_solution(fm, nx, x, g, 4000, deadline);
        x = std::move(nx);
      }
      bool finite = true;
      for (double v : g) finite = finite && std::isfinite(v);
      if (finite && !core::stop_requested()) {
        const int rounds = a == b ? 12 : 3;  // refinement in t pays for points, hardly for boxes
        const auto pb = lyapnd::certify_poisson_bounds_balls(atoms, x, g, prec, until(20), rounds);
        if (pb && arb_is_finite(pb->enclosure.get())) {
          arb_get_lbound_arf(y, pb->enclosure.get(), prec);
          if (arf_cmp(y, lo) > 0) arf_set(lo, y);
          arb_get_ubound_arf(y, pb->enclosure.get(), prec);
          if (arf_cmp(y, hi) < 0) arf_set(hi, y);
        }
      }
    }
  }
  arf_set(lower_out, lo);
  arf_set(upper_out, hi);
  const bool contradiction = arf_cmp(lo, hi) > 0;
  // Two rigorous bounds that do not overlap contradict each other: a bug, never a result.
  if (contradiction) throw std::logic_error("sgd_family_bounds: the certified bounds do not overlap");
}

}  // namespace lyapcert::boundary
