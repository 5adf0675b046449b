#include "lyapcert/boundary/law_template.hpp"

#include <arb_hypgeom.h>
#include <flint/fmpq_poly.h>
#include <flint/fmpz_poly.h>
#include <flint/fmpz_poly_factor.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/boundary/model.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/closed_forms.hpp"
#include "lyapcert/lyapnd/commuting.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"

namespace lyapcert::boundary {
namespace {

using A = exact::Ball;

using exact::Integer;

constexpr const char* kSupported =
    "supported: isotropic(d, lr) for d = 2, 3, 4; ginibre(d, lr); sgd(lr, h) for a curvature law h; "
    "sgd(lr, matrices(...)) for a commuting finite family with rational eigenvalues or any family of symmetric "
    "2 x 2 matrices";

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

void iso2_value(arb_t res, const arb_t X, slong prec) {
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
  arb_sub(r_hi, e1, d_cmax, wp);  // E1(c_min) - D(c_max): the largest value
  arb_sub(r_lo, e1_cmax, D, wp);  // E1(c_max) - D(c_min): the smallest value
  if (!arb_is_finite(r_lo) || !arb_is_finite(r_hi)) {
    arb_indeterminate(res);
    return;
  }
  arb_union(res, r_lo, r_hi, prec);
}

void iso2_derivative(arb_t res, const arb_t X, slong prec) {
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

// --- parsing ---------------------------------------------------------------------------------------------

const laws::Value* positional_or_key(const laws::Call& call, std::size_t pos, const char* key) {
  for (const auto& a : call.args)
    if (a.key == key) return &a.value;
  std::size_t k = 0;
  for (const auto& a : call.args) {
    if (!a.key.empty()) continue;
    if (k++ == pos) return &a.value;
  }
  return nullptr;
}

int small_dimension(const laws::Value& v, const std::string& law) {
  const auto* dn = std::get_if<laws::Number>(&v.node);
  if (!dn || denominator(dn->value) != 1 || dn->value < 1 || dn->value > 4)
    throw InputError(fmt::format("--law-template {}: the dimension d must be an integer in [1, 4]", law));
  return static_cast<int>(numerator(dn->value));
}

Rational horner(const std::vector<Rational>& q, const Rational& x) {
  Rational r = 0;
  for (std::size_t i = q.size(); i-- > 0;) r = r * x + q[i];
  return r;
}

// The eigenvalue branches lambda_i(H) of a commuting finite family with rational spectra, exact.
// Proof: BND-TEMPLATE-9 (a) (LYAPND-COMM-1 triangular, LYAPND-COMM-2 polynomial certificate).
std::vector<laws::FiniteLaw> commuting_branches(const laws::FiniteMatrices& f, int d, const std::string& law) {
  std::vector<laws::FiniteLaw> out;
  const lyapnd::FamilyFacts facts = lyapnd::family_facts(f, d);
  if (facts.upper || facts.lower) {  // includes d = 1
    for (int i = 0; i < d; ++i) out.push_back(lyapnd::diagonal_law(f, d, i));
    return out;
  }
  if (!facts.commuting)
    throw InputError(fmt::format(
        "--law-template {}: the matrices do not commute (checked exactly); non-commuting families have no "
        "certified lr-ball evaluation ({})",
        law, kSupported));
  const auto cert = lyapnd::polynomial_certificate(f, d);
  if (!cert)
    throw InputError(fmt::format(
        "--law-template {}: commuting family without a nonderogatory common polynomial basis (no exact pairing "
        "of the eigenvalues found): not supported",
        law));
  exact::FmpzPolyFactor fac;
  lyapnd::charpoly_factors(fac, *cert);
  bool irrational = false;
  std::vector<Rational> mus;
  for (slong fi = 0; fi < fac->num; ++fi) {
    const fmpz_poly_struct* factor = fac->p + fi;
    if (fmpz_poly_degree(factor) != 1) {
      irrational = true;
      continue;
    }
    mus.push_back(-Rational(exact::to_integer(factor->coeffs)) / Rational(exact::to_integer(factor->coeffs + 1)));
  }
  if (irrational)
    throw InputError(fmt::format(
        "--law-template {}: the commuting family has irrational eigenvalues; not supported (only rational "
        "spectra are evaluated exactly on lr-balls)",
        law));
  for (const Rational& mu : mus) {
    std::vector<Rational> values;
    for (const auto& q : cert->q) values.push_back(horner(q, mu));
    out.push_back(laws::FiniteLaw::from_rationals(values, cert->probs));
  }
  return out;
}

LawTemplate parse_sgd(const laws::Call& call, const laws::Value& expr, std::uint64_t max_atoms) {
  const std::string text = laws::canonical(expr);
  if (call.args.size() != 2)
    throw InputError(fmt::format("--law-template {}: sgd takes two arguments, sgd(lr, H)", text));
  const laws::Value* first = positional_or_key(call, 0, "lr");
  const laws::Value* inner = positional_or_key(call, 1, "law");
  if (!first || !inner) throw InputError(fmt::format("--law-template {}: write sgd(lr, H)", text));
  if (!is_lr(*first))
    throw InputError(fmt::format(
        "--law-template {}: the learning rate `lr` must be the first argument of sgd, sgd(lr, H); lr anywhere "
        "else has no certified lr-ball evaluation",
        text));
  if (mentions_lr(*inner))
    throw InputError(fmt::format(
        "--law-template {}: `lr` may appear only as the first argument of sgd (H must not depend on it)", text));
  LawTemplate t;
  t.name = text;
  const auto* ic = std::get_if<laws::Call>(&inner->node);
  if (ic && ic->name == "matrices") {
    const laws::MatrixLaw m = laws::build_matrix_law(*inner);
    const auto& f = std::get<laws::FiniteMatrices>(m.node);
    t.kind = LawTemplate::Kind::sgd_commuting;
    t.dim = m.dim;
    std::vector<laws::FiniteLaw> branches;
    try {
      branches = commuting_branches(f, m.dim, text);
    } catch (const InputError&) {
      // No exact eigenvalue branches (non-commuting, or irrational spectra): symmetric 2 x 2 families are
      // enclosed on lr-boxes instead (BND-TEMPLATE-10..12); anything else keeps the commuting path's message.
      bool symmetric2 = m.dim == 2;
      for (std::size_t i = 0; symmetric2 && i < f.matrices.size(); ++i)
        symmetric2 = !(f.probs[i] > 0) || f.matrices[i][1] == f.matrices[i][2];
      if (!symmetric2) throw;
      t.kind = LawTemplate::Kind::sgd_family;
      t.family = make_sgd_family(f, m.dim, text);
      return t;
    }
    // Identical branches (e.g. a repeated eigenvalue on the diagonal) are kept once: max(L, L) = L, and two
    // copies would make every root of L look like a crossing of two branches (unresolved).
    std::vector<laws::FiniteLaw> kept;
    for (auto& b : branches) {
      const bool dup = std::any_of(kept.begin(), kept.end(), [&](const laws::FiniteLaw& k) {
        if (k.size() != b.size()) return false;
        for (std::size_t j = 0; j < k.size(); ++j)
          if (k.value(j) != b.value(j) || k.prob(j) != b.prob(j)) return false;
        return true;
      });
      if (!dup) kept.push_back(std::move(b));
    }
    for (auto& b : kept) t.branches.push_back(std::make_shared<const laws::CurvatureLaw>(std::move(b)));
  } else if (ic && (ic->name == "entries" || ic->name == "ginibre" || ic->name == "isotropic" || ic->name == "sgd")) {
    throw InputError(fmt::format(
        "--law-template {}: sgd(lr, {}(...)) is not supported (no certified lr-ball evaluation of its exponent); {}",
        text, ic->name, kSupported));
  } else {
    laws::BuildOptions bo;
    bo.max_atoms = max_atoms;
    t.kind = LawTemplate::Kind::sgd_scalar;
    t.dim = 1;
    t.branches.push_back(std::make_shared<const laws::CurvatureLaw>(laws::build_curvature_law(*inner, bo)));
  }
  for (const auto& b : t.branches) t.models.push_back(std::make_shared<const ExponentModel>(*b));
  return t;
}

// --- the generic cell search (isotropic, ginibre) --------------------------------------------------------

PointSign sign_of(const arb_t x) {
  if (!arb_is_finite(x)) return PointSign::undetermined;
  if (arb_is_positive(x)) return PointSign::positive;
  if (arb_is_negative(x)) return PointSign::negative;
  return PointSign::undetermined;
}

// Exact rational endpoints of a ball (outward).
std::pair<Rational, Rational> ball_rationals(const arb_t b) {
  exact::Arf l, u;
  exact::ball_endpoints(l, u, b, std::max<slong>(64, arb_bits(b) + 64));
  std::pair<Rational, Rational> out{exact::to_rational(l), exact::to_rational(u)};
  return out;
}

void check_options(const BoundaryOptions& options) {
  if (options.digits < 1 || options.digits > 10000)
    throw InputError(fmt::format("--digits must be in [1, 10000], got {}", options.digits));
  if (options.max_bits < 64) throw InputError(fmt::format("--max-bits must be >= 64, got {}", options.max_bits));
}

void set_range(BoundaryResult& res, const LawTemplate& t, const BoundaryOptions& options) {
  if (options.lr_min && options.lr_max) {
    res.lr_min = *options.lr_min;
    res.lr_max = *options.lr_max;
  } else {
    auto [lo, hi] = template_default_range(t);
    res.lr_min = options.lr_min ? *options.lr_min : lo;
    res.lr_max = options.lr_max ? *options.lr_max : hi;
    res.default_range = true;
  }
  if (res.lr_min <= 0) throw InputError(fmt::format("--lr-min must be > 0, got {}", exact::to_text(res.lr_min)));
  if (res.lr_min >= res.lr_max)
    throw InputError(fmt::format("--lr-min must be < --lr-max, got [{}, {}]", exact::to_text(res.lr_min),
                                 exact::to_text(res.lr_max)));
}

BoundaryResult cell_search(const LawTemplate& t, const BoundaryOptions& options) {
  BoundaryResult res;
  set_range(res, t, options);
  const Rational A0 = res.lr_min, B0 = res.lr_max;
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
      const PointSign s = sign_of(v);
      if (s != PointSign::undetermined || p >= options.max_bits) return s;
    }
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
    if (res.truncated || core::stop_requested()) {  // the interrupt or the time budget: the rest is unresolved
      add_unresolved_cell(res.unresolved, a, b);
      continue;
    }
    ++res.cells;
    A X, v;
    set_interval(X, a, b, cell_prec);
    template_value(v, t, X, cell_prec);
    if (sign_of(v) != PointSign::undetermined) continue;  // Lambda != 0 on [a, b]
    A g;
    template_derivative(g, t, X, cell_prec);
    const PointSign gs = sign_of(g);
    if (gs != PointSign::undetermined) {
      // Strictly monotone on [a, b]: the endpoint signs decide (BND-TEMPLATE-4 (b)).
      const PointSign sa = sign_at(a), sb = sign_at(b);
      const MonotoneVerdict verdict = classify_monotone_cell(gs == PointSign::positive, sa, sb);
      if (verdict == MonotoneVerdict::no_zero) continue;
      if (verdict == MonotoneVerdict::sign_change) {
        RootEnclosure root;
        root.direction = sa == PointSign::negative ? Direction::neg_to_pos : Direction::pos_to_neg;
        Rational lo = a, hi = b;
        bool stuck = false;
        while (hi - lo > requested_width(options.digits, lo)) {
          if (core::stop_requested()) {
            stuck = true;
            break;
          }
          const Rational m = (lo + hi) / 2;
          const PointSign sm = sign_at(m);
          if (sm == PointSign::undetermined) {
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
      // zero_at_*: no exact zero test here (sign_at never returns zero): undetermined, bisect below.
    }
    if (res.cells >= options.max_cells || b - a <= requested_width(options.digits, a)) {
      add_unresolved_cell(res.unresolved, a, b);
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
  } else if (!res.complete && core::scope_expired()) {
    res.message = "stopped: time budget exhausted; the rest of the range is unresolved (see \"unresolved\")";
  } else if (!res.complete) {
    res.message =
        "some cells could not be certified (a tangential zero, the cell cap or the precision cap): see "
        "\"unresolved\"";
  } else if (!res.widths_met) {
    res.message = "some roots could not be refined to the requested width";
  }
  return res;
}

// --- commuting families: roots of a maximum of 1-D exponents (BND-TEMPLATE-9) ----------------------------

// What one branch is on an elementary piece of the range.
struct BranchState {
  PointSign sign = PointSign::undetermined;  // on the whole piece (undetermined: see root)
  const RootEnclosure* root = nullptr;       // a monotone zero-carrying feature covering the piece
};

// One feature of a branch result: a root enclosure (monotone, unique zero), a sliver zero (monotone on its
// side), an unresolved cell (nothing known), a singular point (-inf).
struct Feature {
  Rational lo, hi;
  enum class Kind { root, unresolved, singular } kind;
  RootEnclosure root;  // kind == root
};

BoundaryResult commuting_search(const LawTemplate& t, const BoundaryOptions& options) {
  BoundaryResult res;
  set_range(res, t, options);
  const Rational A0 = res.lr_min, B0 = res.lr_max;
  BoundaryOptions bo = options;
  bo.lr_min = A0;
  bo.lr_max = B0;
  const std::size_t m = t.branches.size();
  std::vector<std::vector<Feature>> feats(m);
  std::set<Rational> cuts{A0, B0};
  for (std::size_t k = 0; k < m; ++k) {
    const BoundaryResult r = find_boundaries(*t.branches[k], bo);
    res.cells += r.cells;
    res.bits = std::max(res.bits, r.bits);
    res.truncated = res.truncated || r.truncated;
    for (const auto& x : r.roots) feats[k].push_back({x.lower, x.upper, Feature::Kind::root, x});
    for (const auto& c : r.unresolved) feats[k].push_back({c.lower, c.upper, Feature::Kind::unresolved, {}});
    for (const auto& s : r.singular_points) feats[k].push_back({s, s, Feature::Kind::singular, {}});
    for (const auto& s : r.slivers) {
      // Zeros next to s: monotone on [left_edge, s) (pos-to-neg towards -inf) and (s, right_edge]
      // (neg-to-pos), BND-SLIVER-1/2.
      if (s.left_offset) {
        auto [l, u] = ball_rationals(s.left_offset->get());
        RootEnclosure x{s.singular_point + l, s.singular_point + u, Direction::pos_to_neg, s.width_met};
        feats[k].push_back({x.lower, x.upper, Feature::Kind::root, x});
      }
      if (s.right_offset) {
        auto [l, u] = ball_rationals(s.right_offset->get());
        RootEnclosure x{s.singular_point + l, s.singular_point + u, Direction::neg_to_pos, s.width_met};
        feats[k].push_back({x.lower, x.upper, Feature::Kind::root, x});
      }
    }
    for (const auto& f : feats[k]) {
      if (f.lo >= A0 && f.lo <= B0) cuts.insert(f.lo);
      if (f.hi >= A0 && f.hi <= B0) cuts.insert(f.hi);
    }
  }
  const std::vector<Rational> pts(cuts.begin(), cuts.end());
  // Point signs of each branch, cached.
  std::vector<std::vector<PointSign>> psign(m, std::vector<PointSign>(pts.size()));
  std::vector<bool> all_minf(pts.size(), true);
  for (std::size_t k = 0; k < m; ++k)
    for (std::size_t i = 0; i < pts.size(); ++i) {
      PointSign s = t.models[k]->sign_at(pts[i], options.max_bits);
      if (s != PointSign::minus_infinity) all_minf[i] = false;
      if (s == PointSign::minus_infinity) s = PointSign::negative;  // -inf < 0 (no zero there)
      psign[k][i] = s;
    }
  auto covering = [&](std::size_t k, const Rational& lo, const Rational& hi) -> const Feature* {
    for (const auto& f : feats[k])
      if (f.kind != Feature::Kind::singular && f.lo <= lo && hi <= f.hi) return &f;
    return nullptr;
  };
  // Point pieces: x_i.
  auto point_piece = [&](std::size_t i) {
    bool any_pos = false, all_neg = true;
    for (std::size_t k = 0; k < m; ++k) {
      const PointSign s = psign[k][i];
      any_pos = any_pos || s == PointSign::positive;
      all_neg = all_neg && s == PointSign::negative;
    }
    if (all_minf[i]) res.singular_points.push_back(pts[i]);
    if (any_pos || all_neg) return;
    // Exactly one branch zero, the others negative, and that branch has an exact root here: an exact zero of
    // the max (BND-TEMPLATE-9 (c)).
    std::size_t zk = m, nz = 0;
    for (std::size_t k = 0; k < m; ++k)
      if (psign[k][i] != PointSign::negative) {
        ++nz;
        zk = k;
      }
    if (nz == 1 && psign[zk][i] == PointSign::zero) {
      for (const auto& f : feats[zk])
        if (f.kind == Feature::Kind::root && f.lo == pts[i] && f.hi == pts[i]) {
          res.roots.push_back(f.root);
          return;
        }
    }
    add_unresolved_cell(res.unresolved, pts[i], pts[i]);
  };
  for (std::size_t i = 0; i < pts.size(); ++i) {
    point_piece(i);
    if (i + 1 == pts.size()) break;
    // Open piece (x_i, x_{i+1}).
    const Rational &lo = pts[i], &hi = pts[i + 1];
    std::vector<BranchState> st(m);
    for (std::size_t k = 0; k < m; ++k) {
      const Feature* f = covering(k, lo, hi);
      if (!f) {
        // No zero of branch k here and no singular point inside: one sign, read at the middle.
        PointSign s = t.models[k]->sign_at((lo + hi) / 2, options.max_bits);
        if (s == PointSign::minus_infinity || s == PointSign::zero) s = PointSign::undetermined;  // cannot happen
        st[k].sign = s;
      } else if (f->kind == Feature::Kind::root) {
        // Strictly monotone on the feature: the endpoint signs of this piece decide (BND-TEMPLATE-9 (b)).
        const bool inc = f->root.direction == Direction::neg_to_pos;
        switch (classify_monotone_cell(inc, psign[k][i], psign[k][i + 1])) {
          case MonotoneVerdict::no_zero: st[k].sign = psign[k][i]; break;
          case MonotoneVerdict::zero_at_lower: st[k].sign = psign[k][i + 1]; break;
          case MonotoneVerdict::zero_at_upper: st[k].sign = psign[k][i]; break;
          case MonotoneVerdict::sign_change: st[k].root = &f->root; break;
          case MonotoneVerdict::undetermined: break;
        }
      }
    }
    bool any_pos = false, all_neg = true;
    std::size_t open = m, nopen = 0;
    for (std::size_t k = 0; k < m; ++k) {
      any_pos = any_pos || st[k].sign == PointSign::positive;
      all_neg = all_neg && st[k].sign == PointSign::negative;
      if (st[k].sign != PointSign::negative) {
        ++nopen;
        open = k;
      }
    }
    if (any_pos || all_neg) continue;  // max > 0, or max < 0, on the piece
    if (nopen == 1 && st[open].root) {
      // The others are < 0 on the piece, so max = 0 exactly where branch `open` is 0: one zero, same direction.
      RootEnclosure r{lo, hi, st[open].root->direction, hi - lo <= requested_width(options.digits, lo)};
      res.widths_met = res.widths_met && r.width_met;
      res.roots.push_back(r);
      continue;
    }
    add_unresolved_cell(res.unresolved, lo, hi);
  }
  res.complete = res.unresolved.empty() && !res.truncated;
  if (res.truncated) {
    res.message = "a branch stopped at --max-roots; the rest of its range is unresolved";
  } else if (!res.complete) {
    res.message =
        "some pieces could not be certified (branches crossing near zero, a tangential zero or the precision "
        "cap): see \"unresolved\"";
  } else if (!res.widths_met) {
    res.message = "some roots could not be refined to the requested width";
  }
  return res;
}

// --- symmetric 2 x 2 families without exact branches: brackets from certified signs on lr-boxes ------------

// Mesh size of the Poisson certificate on a cell of relative width rel (heuristic; any size is valid). On a box
// the residual of a fixed g varies with lr by about (box width) x (slope of g) x (d angle / d lr), and finer
// meshes resolve steeper g: coarse meshes pay on wide boxes, fine ones only on very narrow boxes and points.
int family_nodes(double rel) { return rel > 1e-4 ? 256 : rel > 1e-6 ? 1024 : 4096; }

BoundaryResult family_search(const LawTemplate& t, const BoundaryOptions& options) {
  BoundaryResult res;
  set_range(res, t, options);
  const Rational A0 = res.lr_min, B0 = res.lr_max;
  const slong prec =
      std::min<slong>(options.max_bits, std::max<slong>(64, static_cast<slong>(options.digits * 3.33) + 32));
  res.bits = prec;
  // Certified sign of Lambda on every lr of [a, b]: +1, -1, or 0 (undetermined). Proof: BND-TEMPLATE-10, -11.
  auto box_sign = [&](const Rational& a, const Rational& b, int nodes) {
    exact::Arf lo, hi;
    sgd_family_bounds(lo, hi, t.family, a, b, nodes, prec, options.box_deadlines);
    const int s = arf_sgn(lo) > 0 ? 1 : arf_sgn(hi) < 0 ? -1 : 0;
    return s;
  };
  auto split = [](const Rational& a, const Rational& b) {
    if (b > 4 * a) {  // geometric middle (a power of 2) for wide ratios
      const double la = std::log2(a.convert_to<double>()), lb = std::log2(b.convert_to<double>());
      const Rational m = pow2(static_cast<long>(std::floor((la + lb) / 2)));
      if (a < m && m < b) return m;
    }
    return Rational((a + b) / 2);
  };
  // Depth-first over cells, left to right: each leaf gets a certified sign or is undetermined at the width floor
  // (the requested root width), the cell cap or the stop condition. Proof: BND-TEMPLATE-12 (b).
  struct Leaf {
    Rational lo, hi;
    int sign;
  };
  std::vector<Leaf> leaves;
  std::vector<Cell> stack{{A0, B0}};
  bool stopped = false;
  while (!stack.empty()) {
    const Cell cell = stack.back();
    stack.pop_back();
    const Rational a = cell.lower, b = cell.upper;
    if (stopped || core::stop_requested()) {
      stopped = true;
      leaves.push_back({a, b, 0});
      continue;
    }
    ++res.cells;
    const double rel = Rational((b - a) / a).convert_to<double>();
    const bool at_floor = b - a <= requested_width(options.digits, a);
    int s = box_sign(a, b, family_nodes(rel));
    if (s == 0 && at_floor && !core::stop_requested()) s = box_sign(a, b, 4 * family_nodes(rel));  // last try
    if (s != 0 || at_floor || res.cells >= options.max_cells) {
      leaves.push_back({a, b, s});
      continue;
    }
    const Rational m = split(a, b);
    stack.push_back({m, b});
    stack.push_back({a, m});
  }
  // Runs of equal leaf signs; an undetermined run between runs of opposite certified signs is a bracket when every
  // atom is invertible on it (continuity, IVT), anything else undetermined is unresolved. BND-TEMPLATE-12 (c).
  std::vector<Leaf> runs;
  for (const Leaf& l : leaves) {
    if (!runs.empty() && runs.back().sign == l.sign && runs.back().hi == l.lo) {
      runs.back().hi = l.hi;
    } else {
      runs.push_back(l);
    }
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Leaf& r = runs[i];
    // Two certified runs of opposite signs share an endpoint only if a bound is wrong: never pass that on.
    if (r.sign != 0 && i > 0 && runs[i - 1].sign == -r.sign)
      throw std::logic_error("family_search: adjacent cells certified with opposite signs");
    if (r.sign != 0) continue;
    const bool bracket = i > 0 && i + 1 < runs.size() && runs[i - 1].sign != 0 && runs[i + 1].sign != 0 &&
                         runs[i - 1].sign != runs[i + 1].sign && sgd_family_invertible_on(t.family, r.lo, r.hi);
    if (!bracket || res.truncated) {
      add_unresolved_cell(res.unresolved, r.lo, r.hi);
      continue;
    }
    RootEnclosure root;
    root.lower = r.lo;
    root.upper = r.hi;
    root.direction = runs[i - 1].sign < 0 ? Direction::neg_to_pos : Direction::pos_to_neg;
    root.width_met = r.hi - r.lo <= requested_width(options.digits, r.lo);
    root.unique = false;
    res.widths_met = res.widths_met && root.width_met;
    res.roots.push_back(root);
    if (res.roots.size() >= options.max_roots) res.truncated = true;
  }
  res.complete = res.unresolved.empty() && !res.truncated;
  if (res.truncated) {
    res.message = fmt::format("stopped after {} brackets (--max-roots); the rest of the range is unresolved",
                              res.roots.size());
  } else if (!res.complete && stopped) {
    res.message = "stopped: time budget exhausted; the rest of the range is unresolved (see \"unresolved\")";
  } else if (!res.complete) {
    res.message =
        "some cells could not be certified (a zero without a sign change, a singular atom, the cell cap or the "
        "width floor): see \"unresolved\"";
  } else if (!res.widths_met) {
    res.message = "some brackets are wider than the requested width";
  }
  if (!res.roots.empty())
    res.message += std::string(res.message.empty() ? "" : "; ") +
                   "each bracket has certified opposite signs at its ends (at least one zero); uniqueness is not "
                   "proved (\"unique\": false)";
  return res;
}

}  // namespace

LawTemplate parse_law_template(const laws::Value& expr, std::uint64_t max_atoms) {
  const auto* call = std::get_if<laws::Call>(&expr.node);
  if (!call) throw InputError("--law-template: expected a law call such as isotropic(2, lr)");
  if (!mentions_lr(expr))
    throw InputError("--law-template: the template does not mention the learning rate `lr` (use lyapnd --law)");
  const std::string text = laws::canonical(expr);
  if (call->name == "isotropic" || call->name == "ginibre") {
    if (call->args.size() != 2 || !call->args[0].key.empty() || !call->args[1].key.empty())
      throw InputError(fmt::format("--law-template: {} takes two positional arguments, {}(d, lr)", call->name,
                                   call->name));
    if (!is_lr(call->args[1].value) || mentions_lr(call->args[0].value))
      throw InputError(fmt::format("--law-template: write {}(d, lr) with an integer d and the identifier lr",
                                   call->name));
    const int d = small_dimension(call->args[0].value, text);
    LawTemplate t;
    t.name = text;
    t.dim = d;
    if (call->name == "ginibre") {
      t.kind = LawTemplate::Kind::ginibre;
      return t;
    }
    if (d < 2)
      throw InputError(fmt::format("--law-template {}: d must be 2, 3 or 4 (d = 1 is sgd(lr, sqnormal(0, 1)))",
                                   text));
    t.kind = LawTemplate::Kind::isotropic;
    return t;
  }
  if (call->name == "sgd") return parse_sgd(*call, expr, max_atoms);
  throw InputError(
      fmt::format("--law-template {}: not supported (no certified lr-ball evaluation of its exponent); {}", text,
                  kSupported));
}

void template_value(arb_t res, const LawTemplate& t, const arb_t X, slong prec) {
  if (!arb_is_finite(X) || !arb_is_positive(X)) {
    arb_indeterminate(res);
    return;
  }
  switch (t.kind) {
    case LawTemplate::Kind::isotropic:
      if (t.dim == 2) {
        iso2_value(res, X, prec);
      } else {
        lyapnd::isotropic_quadrature_ball(res, t.dim, X, prec);  // Proof: BND-TEMPLATE-5
      }
      return;
    case LawTemplate::Kind::ginibre: {
      // Proof: BND-TEMPLATE-7: log X + (1/2)(log 2 + psi(d/2)) (LYAPND-GIN-1 at sigma = 1 plus log sigma).
      A c;
      lyapnd::ginibre_exponent(c, t.dim, 1, Rational(1), prec + 10);
      arb_log(res, X, prec + 10);
      arb_add(res, res, c, prec);
      return;
    }
    case LawTemplate::Kind::sgd_scalar: t.models.at(0)->value(res, X, prec); return;  // BND-TEMPLATE-8
    case LawTemplate::Kind::sgd_family: {
      // Proof: BND-TEMPLATE-10, -11: bounds valid for every lr in the box [inf X, sup X] (exact endpoints).
      const auto [a, b] = ball_rationals(X);
      exact::Arf lo, hi;
      sgd_family_bounds(lo, hi, t.family, a, b, 1024, std::max<slong>(prec, 64));
      if (arf_is_finite(lo) && arf_is_finite(hi))
        arb_set_interval_arf(res, lo, hi, prec);
      else
        arb_indeterminate(res);
      return;
    }
    case LawTemplate::Kind::sgd_commuting: {
      // Proof: BND-TEMPLATE-9: the max of enclosures encloses the max.
      A v;
      for (std::size_t k = 0; k < t.models.size(); ++k) {
        t.models[k]->value(v, X, prec);
        if (!arb_is_finite(v)) {
          arb_indeterminate(res);
          return;
        }
        if (k == 0) {
          arb_set(res, v);
        } else {
          arb_max(res, res, v, prec);
        }
      }
      return;
    }
  }
}

void template_derivative(arb_t res, const LawTemplate& t, const arb_t X, slong prec) {
  if (!arb_is_finite(X) || !arb_is_positive(X)) {
    arb_indeterminate(res);
    return;
  }
  switch (t.kind) {
    case LawTemplate::Kind::isotropic:
      if (t.dim == 2) {
        iso2_derivative(res, X, prec);
      } else {
        lyapnd::isotropic_quadrature_derivative_ball(res, t.dim, X, prec);  // Proof: BND-TEMPLATE-6
      }
      return;
    case LawTemplate::Kind::ginibre: arb_inv(res, X, prec); return;  // Proof: BND-TEMPLATE-7
    case LawTemplate::Kind::sgd_scalar: t.models.at(0)->derivative(res, X, prec); return;
    case LawTemplate::Kind::sgd_family: arb_indeterminate(res); return;  // no certified derivative
    case LawTemplate::Kind::sgd_commuting: {
      // Proof: BND-TEMPLATE-9 (b): with every other branch certified negative on X, max = branch k wherever
      // max >= 0; only then is branch k's derivative returned.
      std::size_t open = t.models.size(), nopen = 0;
      A v;
      for (std::size_t k = 0; k < t.models.size(); ++k) {
        t.models[k]->value(v, X, prec);
        if (!(arb_is_finite(v) && arb_is_negative(v))) {
          ++nopen;
          open = k;
        }
      }
      if (nopen != 1) {
        arb_indeterminate(res);
        return;
      }
      t.models[open]->derivative(res, X, prec);
      return;
    }
  }
}

std::pair<Rational, Rational> template_default_range(const LawTemplate& t) {
  switch (t.kind) {
    case LawTemplate::Kind::isotropic: {
      // E s^2 = d (d + 2) for s ~ chi^2_d; a choice of range (binary64 is fine), outward to powers of 2.
      // d = 2: [2^-12, 2^9], d = 3: [2^-12, 2^9], d = 4: [2^-13, 2^8].
      const double l = 0.5 * std::log2(static_cast<double>(t.dim * (t.dim + 2)));
      const double t3 = 3 * std::log2(10.0);
      return {pow2(static_cast<long>(std::floor(-t3 - l))), pow2(static_cast<long>(std::ceil(t3 - l)))};
    }
    case LawTemplate::Kind::ginibre: return {pow2(-10), pow2(10)};
    case LawTemplate::Kind::sgd_scalar: return default_range(*t.branches.at(0));
    case LawTemplate::Kind::sgd_family: {
      // [10^-3, 10^3] / sqrt(E mu^2), mu the eigenvalues of H (E over the atoms and the two eigenvalues:
      // E mu^2 = E ||H||_F^2 / 2), outward to powers of 2, as default_range does for 1-D laws.
      Rational s2 = 0;
      for (std::size_t j = 0; j < t.family.h.size(); ++j) {
        const auto& h = t.family.h[j];
        s2 += t.family.p[j] * (h[0] * h[0] + 2 * h[1] * h[1] + h[2] * h[2]) / 2;
      }
      if (s2 <= 0) return {pow2(-10), pow2(10)};
      const double l = 0.5 * std::log2(s2.convert_to<double>()), t3 = 3 * std::log2(10.0);
      return {pow2(static_cast<long>(std::floor(-t3 - l))), pow2(static_cast<long>(std::ceil(t3 - l)))};
    }
    case LawTemplate::Kind::sgd_commuting: {
      std::pair<Rational, Rational> r{pow2(-10), pow2(10)};
      bool first = true;
      for (const auto& b : t.branches) {
        if (b->second_moment() <= 0) continue;  // lambda_i(H) = 0 a.s.: no scale
        const auto [lo, hi] = default_range(*b);
        r = first ? std::make_pair(lo, hi) : std::make_pair(std::min(r.first, lo), std::max(r.second, hi));
        first = false;
      }
      return r;
    }
  }
  return {pow2(-10), pow2(10)};
}

BoundaryResult find_template_boundaries(const LawTemplate& t, const BoundaryOptions& options) {
  check_options(options);
  BoundaryResult res;
  std::string how;
  switch (t.kind) {
    case LawTemplate::Kind::isotropic:
      res = cell_search(t, options);
      how = t.dim == 2 ? "closed form in E1 and Ei on lr-balls (BND-TEMPLATE-1..4)"
                       : "certified quadrature on lr-balls with a derivative under the integral "
                         "(BND-TEMPLATE-4..6)";
      break;
    case LawTemplate::Kind::ginibre:
      res = cell_search(t, options);
      how = "log lr + Newman's constant (BND-TEMPLATE-7)";
      break;
    case LawTemplate::Kind::sgd_scalar:
      res = find_boundaries(*t.branches.at(0), options);  // default range: default_range(h), as for --law
      how = "E log|1 - lr h| by the 1-D boundary search (BND-TEMPLATE-8)";
      break;
    case LawTemplate::Kind::sgd_family:
      res = family_search(t, options);
      how = fmt::format("{} symmetric 2 x 2 atoms without exact eigenvalue branches: elementary and Poisson bounds "
                        "on lr-boxes (BND-TEMPLATE-10..12)",
                        t.family.h.size());
      break;
    case LawTemplate::Kind::sgd_commuting:
      res = commuting_search(t, options);
      how = fmt::format("max over {} eigenvalue branches E log|1 - lr lambda_i(H)| (BND-TEMPLATE-9)",
                        t.branches.size());
      break;
  }
  res.message += std::string(res.message.empty() ? "" : "; ") + t.name + ": " + how;
  return res;
}

}  // namespace lyapcert::boundary
