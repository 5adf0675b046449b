#include "lyapcert/lyap/curvature_eval.hpp"

#include <fmt/format.h>

#include "lyapcert/continuous/bivariate.hpp"
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/quadrature.hpp"
#include "lyapcert/continuous/uniform.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/gaussian.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/xy.hpp"

namespace lyapcert::lyap {
namespace {

using laws::CurvatureLaw;

using Arb = exact::Ball;

void set_q(arb_t out, const Rational& x, slong prec) { exact::set_ball(out, x, prec); }


// E log|u| for u ~ U[lo, hi] (lo < hi), through the kernel's E log|1 - 1*h'| with h' = 1 - u.
void uniform_log_abs(arb_t res, const Rational& lo, const Rational& hi, slong prec) {
  Arb one, ha, hb;
  arb_one(one);
  set_q(ha, 1 - hi, prec);
  set_q(hb, 1 - lo, prec);
  continuous::uniform_log_abs_mean(res, one, ha, hb, prec);
}

// The exact inputs of a bivariate kernel call (a + b x y) rounded to balls of wp bits.
struct BivariateBalls {
  Arb a, b, mx, my, sx, sy, rho;
  BivariateBalls(const laws::BivariateLaw& n, const Rational& aq, const Rational& bq, slong wp) {
    set_q(a, aq, wp);
    set_q(b, bq, wp);
    set_q(mx, n.mx, wp);
    set_q(my, n.my, wp);
    set_q(sx, n.sx, wp);
    set_q(sy, n.sy, wp);
    set_q(rho, n.rho, wp);
  }
};

}  // namespace

FiniteEval log_abs_mean(const CurvatureLaw& law, const Rational& a, const Rational& b, slong prec) {
  FiniteEval out;
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        const slong wp = prec + 16;
        if constexpr (std::is_same_v<T, FiniteLaw>) {
          out = finite_exponent(n, multipliers(n, a, b), prec);
        } else if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          // a + b h ~ N(a + b mu, (|b| sigma)^2). Proof: LYAP1D-LAW-1.
          Arb m, v;
          set_q(m, a + b * n.mu, wp);
          set_q(v, exact::rational_abs(b) * n.sigma, wp);
          if (b == 0) {  // degenerate: the constant a
            if (a == 0) {
              out.minus_infinity = true;
              return;
            }
            set_q(m, exact::rational_abs(a), wp);
            arb_log(out.value.get(), m, prec);
            return;
          }
          continuous::gauss_log_abs_mean(out.value.get(), m, v, prec);
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          if (b == 0) {
            if (a == 0) {
              out.minus_infinity = true;
              return;
            }
            Arb m;
            set_q(m, exact::rational_abs(a), wp);
            arb_log(out.value.get(), m, prec);
            return;
          }
          Rational lo = a + b * n.a, hi = a + b * n.b;
          if (b < 0) std::swap(lo, hi);
          uniform_log_abs(out.value.get(), lo, hi, prec);
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          // a + b z^2: a != 0 gives log|a| + E log|1 - (-b/a) z^2| (-b/a of either sign);
          // a = 0 gives log|b| + 2 E log|z| = log|b| + 2 G(mu, sigma). Proof: LYAP1D-LAW-1.
          Arb t, mu, s, lrb;
          set_q(mu, n.mu, wp);
          set_q(s, n.sigma, wp);
          if (b == 0 && a == 0) {
            out.minus_infinity = true;
            return;
          }
          if (a == 0) {
            continuous::gauss_log_abs_mean(t, mu, s, wp);
            arb_mul_2exp_si(t, t, 1);
            set_q(lrb, exact::rational_abs(b), wp);
            arb_log(lrb, lrb, wp);
            arb_add(out.value.get(), t, lrb, prec);
            return;
          }
          const Rational lr = -b / a;
          if (n.sigma == 0) {  // the atom mu^2
            set_q(t, exact::rational_abs(a + b * n.mu * n.mu), wp);
            if (a + b * n.mu * n.mu == 0) {
              out.minus_infinity = true;
              return;
            }
            arb_log(out.value.get(), t, prec);
            return;
          }
          if (lr < 0) {
            // a + b h keeps the sign of a: log|a| + E log(1 + c z^2), c = -lr > 0. Proof: CONT-QUAD-7.
            set_q(lrb, -lr, wp);
            continuous::sqnormal_log1p_quad(t, lrb, mu, s, wp);
          } else {
            set_q(lrb, lr, wp);
            continuous::sqnormal_log_abs_mean(t, lrb, mu, s, wp);
          }
          Arb la;
          set_q(la, exact::rational_abs(a), wp);
          arb_log(la, la, wp);
          arb_add(out.value.get(), t, la, prec);
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          // a + b (c h' + s) = (a + b s) + (b c) h'.
          out = log_abs_mean(*n.inner, a + b * n.shift, b * n.scale, prec);
        } else if constexpr (std::is_same_v<T, laws::MixtureLaw>) {
          // Proof: LYAP1D-LAW-1 -- E over a mixture is the weighted sum; -inf if any part is -inf.
          Arb acc, w;
          arb_zero(acc);
          for (const auto& [part, weight] : n.parts) {
            FiniteEval e = log_abs_mean(*part, a, b, wp);
            if (e.minus_infinity) {
              out.minus_infinity = true;
              return;
            }
            set_q(w, weight, wp);
            arb_addmul(acc, e.value.get(), w, wp);
          }
          arb_set_round(out.value.get(), acc, prec);
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          // Proof: CONT-XY-1 .. CONT-XY-6 (the kernel); sigma = sqrt(sigma^2) enters as a ball.
          Arb ab, bb, k, sigma;
          set_q(ab, a, wp);
          set_q(bb, b, wp);
          set_q(k, n.k, wp);
          set_q(sigma, n.sigma2, wp);
          arb_sqrt(sigma, sigma, wp);
          continuous::xy_log_abs_mean(out.value.get(), ab, bb, k, sigma, n.batch, prec);
        } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
          // Proof: CONT-BIV-1, CONT-BIV-2 (the kernel).
          const BivariateBalls z(n, a, b, wp);
          continuous::bivariate_log_abs_mean(out.value.get(), z.a, z.b, z.mx, z.my, z.sx, z.sy, z.rho,
                                             prec);
        }
      },
      law.node());
  return out;
}

// Tightest binary64 interval around an exact rational. Proof: FAST-RND-4.
fast::OutwardInterval enclose_q(const Rational& x) { return fast::enclose(x.backend().data()); }

std::optional<fast::OutwardInterval> fast_log_abs_mean(const CurvatureLaw& law, const Rational& a, const Rational& b,
                                                       double tol) {
  return std::visit(
      [&](const auto& n) -> std::optional<fast::OutwardInterval> {
        using T = std::decay_t<decltype(n)>;
        if (b == 0) return std::nullopt;
        if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          // a + b h ~ N(a + b mu, (|b| sigma)^2). Proof: LYAP1D-LAW-1, FAST-GAUSS-2 .. 5.
          return fast::gauss_log_abs_mean(enclose_q(a + b * n.mu), enclose_q(exact::rational_abs(b) * n.sigma));
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          // a + b h is uniform on [c - w, c + w], c = a + b (A + B)/2, w = |b| (B - A)/2. Proof: FAST-GAUSS-6, 7.
          return fast::uniform_log_abs_mean(enclose_q(a + b * (n.a + n.b) / 2), enclose_q(exact::rational_abs(b) * (n.b - n.a) / 2));
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          // a + b z^2 = a (1 - lr z^2), lr = -b/a > 0: log|a| + E log|1 - lr z^2|. Proof: LYAP1D-LAW-1, FAST-GAUSS-8.
          if (a == 0) return std::nullopt;
          const Rational lr = -b / a;
          if (lr <= 0) return std::nullopt;
          return fast::log_abs(enclose_q(a)) +
                 fast::sqnormal_log_abs_mean(enclose_q(lr), enclose_q(n.mu), enclose_q(n.sigma));
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          // Proof: FAST-XY-* (the kernel holds for every point of its interval arguments; sigma = sqrt(sigma2)
          // is enclosed by the outward-rounded square root).
          if (n.sigma2 == 0 || n.batch > fast::kXyMaxBatch) return std::nullopt;
          return fast::xy_log_abs_mean(enclose_q(a), enclose_q(b), enclose_q(n.k), sqrt(enclose_q(n.sigma2)),
                                       static_cast<unsigned>(n.batch), tol);
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          return fast_log_abs_mean(*n.inner, a + b * n.shift, b * n.scale, tol);
        } else {
          return std::nullopt;
        }
      },
      law.node());
}

exact::Ball abs_moment(const CurvatureLaw& law, const Rational& a, const Rational& b, const Rational& p, slong prec) {
  exact::Ball out;
  const slong wp = prec + 16;
  Arb pb;
  set_q(pb, p, wp);
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, FiniteLaw>) {
          out = finite_abs_moment(n, multipliers(n, a, b), p, prec);
        } else if constexpr (std::is_same_v<T, laws::NormalLaw>) {
          Arb m, v;
          set_q(m, a + b * n.mu, wp);
          set_q(v, exact::rational_abs(b) * n.sigma, wp);
          continuous::gauss_abs_moment(out.get(), m, v, pb, prec);
        } else if constexpr (std::is_same_v<T, laws::UniformLaw>) {
          if (b == 0) {
            Arb m;
            set_q(m, exact::rational_abs(a), wp);
            arb_pow(out.get(), m, pb, prec);
            return;
          }
          Rational lo = a + b * n.a, hi = a + b * n.b;
          if (b < 0) std::swap(lo, hi);
          Arb one, ha, hb;
          arb_one(one);
          set_q(ha, 1 - hi, wp);
          set_q(hb, 1 - lo, wp);
          continuous::uniform_abs_moment(out.get(), one, ha, hb, pb, prec);
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          out = abs_moment(*n.inner, a + b * n.shift, b * n.scale, p, prec);
        } else if constexpr (std::is_same_v<T, laws::MixtureLaw>) {
          Arb acc, w;
          for (const auto& [part, weight] : n.parts) {
            exact::Ball e = abs_moment(*part, a, b, p, wp);
            set_q(w, weight, wp);
            arb_addmul(acc, e.get(), w, wp);
          }
          arb_set_round(out.get(), acc, prec);
        } else if constexpr (std::is_same_v<T, laws::XyLaw>) {
          if (p == 2) {
            set_q(out.get(), second_moment_affine(law, a, b), prec);
            return;
          }
          Arb ab, bb, k, sigma;
          set_q(ab, a, wp);
          set_q(bb, b, wp);
          set_q(k, n.k, wp);
          set_q(sigma, n.sigma2, wp);
          arb_sqrt(sigma, sigma, wp);
          continuous::xy_abs_moment(out.get(), ab, bb, k, sigma, n.batch, pb, prec);
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          if (p == 2) {
            set_q(out.get(), second_moment_affine(law, a, b), prec);
            return;
          }
          // |a + b z^2|^p: b = 0 or sigma = 0 is a constant; a = 0 gives |b|^p E|z|^{2p}; otherwise
          // |a|^p E|1 - lr z^2|^p with lr = -b/a (either sign). Proof: LYAP1D-LAW-1, CONT-SQN-2 .. 4; p < 0:
          // CONT-SQN-NEG-1 (a = 0 needs p > -1/2: E|z|^{2p}, CONT-GAUSS-3 with 2p > -1), CONT-SQN-NEG-2.
          Arb mu, s, t;
          set_q(mu, n.mu, wp);
          set_q(s, n.sigma, wp);
          if (b == 0 || n.sigma == 0) {
            set_q(t, exact::rational_abs(a + b * n.mu * n.mu), wp);
            arb_pow(out.get(), t, pb, prec);
            return;
          }
          if (a == 0) {
            Arb p2;
            arb_mul_2exp_si(p2, pb, 1);
            continuous::gauss_abs_moment(t, mu, s, p2, wp);
            Arb bp;
            set_q(bp, exact::rational_abs(b), wp);
            arb_pow(bp, bp, pb, wp);
            arb_mul(out.get(), t, bp, prec);
            return;
          }
          Arb lrb, ap;
          set_q(lrb, -b / a, wp);
          continuous::sqnormal_abs_moment(t, lrb, mu, s, pb, wp);
          set_q(ap, exact::rational_abs(a), wp);
          arb_pow(ap, ap, pb, wp);
          arb_mul(out.get(), t, ap, prec);
        } else if constexpr (std::is_same_v<T, laws::BivariateLaw>) {
          if (p == 2) {
            set_q(out.get(), second_moment_affine(law, a, b), prec);
            return;
          }
          // Proof: CONT-BIV-1, CONT-BIV-3 (the kernel).
          const BivariateBalls z(n, a, b, wp);
          continuous::bivariate_abs_moment(out.get(), z.a, z.b, z.mx, z.my, z.sx, z.sy, z.rho, pb, prec);
        }
      },
      law.node());
  return out;
}

std::string method_name(const CurvatureLaw& law, Quantity q) {
  return std::visit(
      [q](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, FiniteLaw>) {
          return "finite-exact-products";
        } else if constexpr (std::is_same_v<T, laws::XyLaw> || std::is_same_v<T, laws::BivariateLaw>) {
          return "certified-quadrature";
        } else if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          return q == Quantity::kMoment ? "certified-quadrature" : "closed-form";
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          return method_name(*n.inner, q);
        } else if constexpr (std::is_same_v<T, laws::MixtureLaw>) {
          return "mixture";
        } else {
          return "closed-form";
        }
      },
      law.node());
}

std::string method_name(const CurvatureLaw& law, Quantity q, const Rational& a, const Rational& b) {
  return std::visit(
      [&](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, laws::SqNormalLaw>) {
          // Mirrors log_abs_mean: a != 0, sigma != 0 and -b/a < 0 go through sqnormal_log1p_quad (CONT-QUAD-7).
          if (q == Quantity::kLogMean && a != 0 && b != 0 && n.sigma != 0 && -b / a < 0) return "certified-quadrature";
          return method_name(law, q);
        } else if constexpr (std::is_same_v<T, laws::AffineLaw>) {
          return method_name(*n.inner, q, a + b * n.shift, b * n.scale);
        } else {
          return method_name(law, q);
        }
      },
      law.node());
}

Rational second_moment_affine(const CurvatureLaw& law, const Rational& a, const Rational& b) {
  // E(a + b h)^2 = a^2 + 2 a b E h + b^2 E h^2, exact.
  return a * a + 2 * a * b * law.mean() + b * b * law.second_moment();
}

}  // namespace lyapcert::lyap
