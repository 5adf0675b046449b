#include "lyapcert/boundary/law_template.hpp"

#include <arb_hypgeom.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lyapcert/boundary/model.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::boundary {
namespace {

using A = exact::ArbTemp;

using exact::Integer;

Rational pow2(long e) {
  if (e >= 0) return Rational(Integer(1) << e);
  return Rational(Integer(1), Integer(1) << -e);
}

bool is_lr(const laws::Value& v) { return std::holds_alternative<laws::LrSymbol>(v.node); }

bool mentions_lr(const laws::Value& v) {
  if (is_lr(v)) return true;
  if (const auto* c = std::get_if<laws::Call>(&v.node)) {
    for (const auto& a : c->args)
      if (mentions_lr(a.value)) return true;
  } else if (const auto* l = std::get_if<laws::List>(&v.node)) {
    for (const auto& x : l->items)
      if (mentions_lr(x)) return true;
  } else if (const auto* w = std::get_if<laws::Weighted>(&v.node)) {
    return w->value && mentions_lr(*w->value);
  }
  return false;
}

// c = 1/(2 X) and D = e^{-2c} (Ei(2c) - Ei(c)) on the ball X.
void iso2_parts(arb_t c, arb_t D, const arb_t X, slong wp) {
  A c2, ei1, ei2, e;
  arb_mul_2exp_si(c, X, 1);
  arb_inv(c, c, wp);
  arb_hypgeom_ei(ei1, c, wp);
  arb_mul_2exp_si(c2, c, 1);
  arb_hypgeom_ei(ei2, c2, wp);
  arb_sub(D, ei2, ei1, wp);
  arb_neg(e, c2);
  arb_exp(e, e, wp);
  arb_mul(D, D, e, wp);
}

enum class S { neg, pos, undecided };

S sign_of(const arb_t x) {
  if (!arb_is_finite(x)) return S::undecided;
  if (arb_is_positive(x)) return S::pos;
  if (arb_is_negative(x)) return S::neg;
  return S::undecided;
}

}  // namespace

LawTemplate parse_law_template(const laws::Value& expr) {
  const auto* call = std::get_if<laws::Call>(&expr.node);
  if (!call) throw InputError("--law-template: expected a law call such as isotropic(2, lr)");
  if (!mentions_lr(expr))
    throw InputError("--law-template: the template does not mention the learning rate `lr` (use lyapnd --law)");
  if (call->name == "isotropic") {
    if (call->args.size() != 2 || !call->args[0].key.empty() || !call->args[1].key.empty())
      throw InputError("--law-template: isotropic takes two positional arguments, isotropic(d, lr)");
    const auto* dn = std::get_if<laws::Number>(&call->args[0].value.node);
    if (!dn || !is_lr(call->args[1].value))
      throw InputError("--law-template: write isotropic(d, lr) with an integer d and the identifier lr");
    if (dn->value == 2) return LawTemplate{LawTemplate::Kind::isotropic2, 2};
    if (dn->value == 3 || dn->value == 4)
      throw InputError(fmt::format(
          "--law-template isotropic({}, lr): not supported yet (its certified quadrature takes exact learning "
          "rates only and has no derivative enclosure on lr-intervals); use lyapnd --law \"isotropic({}, R)\" "
          "at single rates R",
          exact::to_text(dn->value), exact::to_text(dn->value)));
    throw InputError(fmt::format("--law-template isotropic(d, lr): d must be 2 (3 and 4 not yet), got {}",
                                 exact::to_text(dn->value)));
  }
  throw InputError(fmt::format(
      "--law-template {}(...): not supported yet (supported: isotropic(2, lr)); for curvature laws use --law",
      call->name));
}

void template_value(arb_t res, const LawTemplate& t, const arb_t X, slong prec) {
  (void)t;  // isotropic2 only
  if (!arb_is_finite(X) || !arb_is_positive(X)) {
    arb_indeterminate(res);
    return;
  }
  // Proof: BND-TEMPLATE-1 (closed form), BND-TEMPLATE-3 (ball semantics). E1(c) and
  // D(c) = int_0^1 e^{-ct}/(2 - t) dt are both decreasing in c (BND-TEMPLATE-3 (b)), so over the ball
  // Lambda lies in [E1(c_max) - D(c_min), E1(c_min) - D(c_max)]: evaluated at the two endpoints, this
  // avoids the dependency blow-up of e^{-2c} Ei(2c) on a wide c-ball (e^{500} at lr ~ 1e-3).
  const slong wp = prec + 20;
  A lo, hi, c, D, e1, one, r_lo, r_hi;
  arf_t e;
  arf_init(e);
  arb_get_lbound_arf(e, X, wp);
  arb_set_arf(lo, e);  // smallest lr -> largest c
  arb_get_ubound_arf(e, X, wp);
  arb_set_arf(hi, e);
  arf_clear(e);
  arb_one(one);
  // upper endpoint: E1(c_min) - D(c_max), c_min from lr_max, c_max from lr_min
  iso2_parts(c, D, lo, wp);  // c = c_max, D = D(c_max)
  A e1_cmax, d_cmax;
  arb_hypgeom_expint(e1_cmax, one, c, wp);
  arb_set(d_cmax, D);
  iso2_parts(c, D, hi, wp);  // c = c_min, D = D(c_min)
  arb_hypgeom_expint(e1, one, c, wp);
  arb_sub(r_hi, e1, d_cmax, wp);       // E1(c_min) - D(c_max): the largest value
  arb_sub(r_lo, e1_cmax, D, wp);       // E1(c_max) - D(c_min): the smallest value
  if (!arb_is_finite(r_lo) || !arb_is_finite(r_hi)) {
    arb_indeterminate(res);
    return;
  }
  arb_union(res, r_lo, r_hi, prec);
}

void template_derivative(arb_t res, const LawTemplate& t, const arb_t X, slong prec) {
  (void)t;
  if (!arb_is_finite(X) || !arb_is_positive(X)) {
    arb_indeterminate(res);
    return;
  }
  // Proof: BND-TEMPLATE-2: Lambda'(lr) = -2 c^2 (2 D - 1/c) = 2 c - 4 c^2 D, BND-TEMPLATE-3.
  const slong wp = prec + 20;
  A c, D, u;
  iso2_parts(c, D, X, wp);
  arb_mul(u, c, c, wp);
  arb_mul(u, u, D, wp);
  arb_mul_2exp_si(u, u, 2);
  arb_mul_2exp_si(res, c, 1);
  arb_sub(res, res, u, prec);
}

std::pair<Rational, Rational> template_default_range(const LawTemplate& t) {
  // E s^2 = d (d + 2) for s ~ chi^2_d; d = 2: sqrt(8) in (2^1.5 - tiny, 2^1.5], so
  // log2(10^-3 / sqrt 8) = -9.966 - 1.5 -> floor -12, log2(10^3 / sqrt 8) = 9.966 - 1.5 -> ceil 9.
  (void)t;
  return {pow2(-12), pow2(9)};
}

BoundaryResult find_template_boundaries(const LawTemplate& t, const BoundaryOptions& options) {
  if (options.digits < 1 || options.digits > 10000)
    throw InputError(fmt::format("--digits must be in [1, 10000], got {}", options.digits));
  if (options.max_bits < 64) throw InputError(fmt::format("--max-bits must be >= 64, got {}", options.max_bits));
  BoundaryResult res;
  if (options.lr_min && options.lr_max) {
    res.lr_min = *options.lr_min;
    res.lr_max = *options.lr_max;
  } else {
    auto [lo, hi] = template_default_range(t);
    res.lr_min = options.lr_min ? *options.lr_min : lo;
    res.lr_max = options.lr_max ? *options.lr_max : hi;
    res.default_range = true;
  }
  const Rational A0 = res.lr_min, B0 = res.lr_max;
  if (A0 <= 0) throw InputError(fmt::format("--lr-min must be > 0, got {}", exact::to_text(A0)));
  if (A0 >= B0)
    throw InputError(
        fmt::format("--lr-min must be < --lr-max, got [{}, {}]", exact::to_text(A0), exact::to_text(B0)));

  const slong cell_prec =
      std::min<slong>(options.max_bits, std::max<slong>(64, static_cast<slong>(options.digits * 3.33) + 32));
  res.bits = cell_prec;
  // Sign of Lambda at an exact rational point, precision doubled up to max_bits (the point ball has the
  // rounding radius of the rational only; BND-TEMPLATE-3 covers it).
  auto sign_at = [&](const Rational& x) {
    for (slong p = cell_prec;; p = std::min<slong>(options.max_bits, 2 * p)) {
      A X, v;
      set_ball(X, x, p + 10);
      template_value(v, t, X, p);
      res.bits = std::max<long>(res.bits, p);
      const S s = sign_of(v);
      if (s != S::undecided || p >= options.max_bits) return s;
    }
  };
  auto add_unresolved = [&](const Rational& a, const Rational& b) {
    if (!res.unresolved.empty() && res.unresolved.back().upper == a)
      res.unresolved.back().upper = b;
    else
      res.unresolved.push_back({a, b});
  };
  auto split = [](const Rational& a, const Rational& b) {
    if (b > 4 * a) {  // geometric middle (a power of 2) for wide ratios
      const double la = std::log2(a.convert_to<double>()), lb = std::log2(b.convert_to<double>());
      const Rational m = pow2(static_cast<long>(std::floor((la + lb) / 2)));
      if (a < m && m < b) return m;
    }
    return Rational((a + b) / 2);
  };

  // Depth-first over cells, left to right. Proof: BND-TEMPLATE-4.
  std::vector<Cell> stack{{A0, B0}};
  while (!stack.empty()) {
    const Cell cell = stack.back();
    stack.pop_back();
    const Rational a = cell.lower, b = cell.upper;
    if (res.truncated) {
      add_unresolved(a, b);
      continue;
    }
    ++res.cells;
    A X, v;
    set_interval(X, a, b, cell_prec);
    template_value(v, t, X, cell_prec);
    if (sign_of(v) != S::undecided) continue;  // Lambda != 0 on [a, b]
    A g;
    template_derivative(g, t, X, cell_prec);
    const S gs = sign_of(g);
    if (gs != S::undecided) {
      // Strictly monotone on [a, b]: the endpoint signs decide (BND-TEMPLATE-4 (b)).
      const S sa = sign_at(a), sb = sign_at(b);
      if (sa != S::undecided && sb != S::undecided) {
        if (sa == sb) continue;  // no zero in [a, b]
        RootEnclosure root;
        root.direction = sa == S::neg ? Direction::neg_to_pos : Direction::pos_to_neg;
        Rational lo = a, hi = b;
        bool stuck = false;
        while (hi - lo > requested_width(options.digits, lo)) {
          const Rational m = (lo + hi) / 2;
          const S sm = sign_at(m);
          if (sm == S::undecided) {
            stuck = true;
            break;
          }
          (sm == sa ? lo : hi) = m;
        }
        root.lower = lo;
        root.upper = hi;
        root.width_met = !stuck;
        res.widths_met = res.widths_met && root.width_met;
        res.roots.push_back(root);
        if (res.roots.size() >= options.max_roots) res.truncated = true;
        continue;
      }
    }
    if (res.cells >= options.max_cells || b - a <= requested_width(options.digits, a)) {
      add_unresolved(a, b);
      continue;
    }
    const Rational m = split(a, b);
    stack.push_back({m, b});
    stack.push_back({a, m});
  }
  res.complete = res.unresolved.empty() && !res.truncated;
  if (res.truncated) {
    res.message = fmt::format("stopped after {} roots (--max-roots); the rest of the range is unresolved",
                              res.roots.size());
  } else if (!res.complete) {
    res.message =
        "some cells could not be certified (a tangential zero, the cell cap or the precision cap): see "
        "\"unresolved\"";
  } else if (!res.widths_met) {
    res.message = "some roots could not be refined to the requested width";
  }
  res.message += std::string(res.message.empty() ? "" : "; ") +
                 "isotropic(2, lr): closed form in E1 and Ei on lr-balls (BND-TEMPLATE-1..4)";
  return res;
}

}  // namespace lyapcert::boundary
