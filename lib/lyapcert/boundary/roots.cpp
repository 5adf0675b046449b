#include "lyapcert/boundary/roots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::boundary {
namespace {

using A = exact::Ball;
using F = exact::Arf;

using exact::Integer;

Rational pow2(long e) {
  if (e >= 0) return Rational(Integer(1) << e);
  return Rational(Integer(1), Integer(1) << -e);
}

// floor(log2 q) for q > 0, exact.
long ilog2_floor(const Rational& q) {
  const long nb = static_cast<long>(msb(numerator(q))) + 1;
  const long db = static_cast<long>(msb(denominator(q))) + 1;
  long e = nb - db;  // q in [2^(e-1), 2^(e+1))
  if (q < pow2(e)) --e;
  return e;
}

Rational arf_to_rational(const arf_t x) {
  exact::Fmpz m, e;
  arf_get_fmpz_2exp(m.get(), e.get(), x);
  const Integer mi = exact::to_integer(m.get());
  const long ei = fmpz_get_si(e.get());
  return Rational(mi) * pow2(ei);
}

Rational max_q(const Rational& a, const Rational& b) { return a < b ? b : a; }
Rational min_q(const Rational& a, const Rational& b) { return a < b ? a : b; }

// A short dyadic point strictly inside (lo, hi): geometric middle (a power of 2) for wide ratios,
// otherwise the arithmetic middle rounded down to a multiple of 2^k <= (hi - lo)/8.
Rational split_point(const Rational& lo, const Rational& hi) {
  if (lo > 0 && hi > 4 * lo) {
    const long e = (ilog2_floor(lo) + ilog2_floor(hi) + 1) / 2;
    const Rational m = pow2(e);
    if (lo < m && m < hi) return m;
  }
  const Rational mid = (lo + hi) / 2;
  const long k = ilog2_floor(hi - lo) - 3;
  const Rational step = pow2(k);
  const Rational q = mid / step;
  const Integer fl = numerator(q) / denominator(q);  // floor for q > 0 (mid > 0 here)
  const Rational m = Rational(fl) * step;
  return (lo < m && m < hi) ? m : mid;
}

Rational width_target(int digits, const Rational& x) { return requested_width(digits, x); }

bool certainly_positive(const arb_t x) { return arb_is_finite(x) && arb_is_positive(x); }
bool certainly_negative(const arb_t x) { return arb_is_finite(x) && arb_is_negative(x); }
bool excludes_zero(const arb_t x) { return certainly_positive(x) || certainly_negative(x); }

class Searcher {
 public:
  Searcher(const ExponentModel& m, const BoundaryOptions& o, BoundaryResult& r) : model_(m), opt_(o), res_(r) {}

  PointSign sign(const Rational& x) {
    auto it = signs_.find(x);
    if (it != signs_.end()) return it->second;
    const PointSign s = model_.sign_at(x, opt_.max_bits);
    signs_.emplace(x, s);
    return s;
  }

  std::size_t found() const {
    std::size_t n = res_.roots.size();
    for (const auto& s : res_.slivers) n += (s.left_offset ? 1 : 0) + (s.right_offset ? 1 : 0);
    return n;
  }

  void unresolved(const Rational& lo, const Rational& hi) { add_unresolved_cell(res_.unresolved, lo, hi); }

  void add_root(RootEnclosure r) {
    if (!res_.roots.empty() && res_.roots.back().lower == r.lower && res_.roots.back().upper == r.upper) return;
    res_.widths_met = res_.widths_met && r.width_met;
    res_.roots.push_back(std::move(r));
  }

  slong cell_prec(const Rational& lo, const Rational& hi) const {
    const long rel = std::max(0L, ilog2_floor(max_q(Rational(1), hi)) - ilog2_floor(hi - lo));
    return std::min<slong>(opt_.max_bits, 64 + rel);
  }

  // Proof: BND-ROOT-2 -- bisection by certified signs plus interval Newton steps inside a cell on which
  // Lambda is strictly monotone with a certified sign change; the zero stays inside [lo, hi] throughout.
  RootEnclosure refine(Rational lo, Rational hi, Direction dir) {
    const Rational target = width_target(opt_.digits, lo) / 2;
    slong prec = std::min<slong>(opt_.max_bits,
                                 static_cast<slong>(3.33 * opt_.digits) + 48 + std::max(0L, ilog2_floor(hi)));
    A X, mb, fm, d, n;
    F nl, nu;
    while (hi - lo > target && !core::stop_requested()) {  // a stop leaves the certified bracket [lo, hi]
      const Rational w0 = hi - lo;
      const Rational m = split_point(lo, hi);
      set_ball(mb, m, prec + 32);
      model_.value(fm, mb, prec);
      if (excludes_zero(fm)) {
        const bool above = arb_is_positive(fm);
        // increasing: Lambda(m) > 0 puts the zero left of m.
        if (above == (dir == Direction::neg_to_pos)) {
          hi = m;
        } else {
          lo = m;
        }
      }
      set_interval(X, lo, hi, prec + 32);
      model_.derivative(d, X, prec);
      if (arb_is_finite(fm) && excludes_zero(d)) {
        // Newton: zero in m - Lambda(m) / Lambda'(X) (mean value theorem), m re-centred if moved.
        const Rational c = split_point(lo, hi);
        set_ball(mb, c, prec + 32);
        model_.value(fm, mb, prec);
        if (arb_is_finite(fm)) {
          arb_div(n, fm, d, prec);
          arb_sub(n, mb, n, prec);
          arb_get_lbound_arf(nl, n, prec);
          arb_get_ubound_arf(nu, n, prec);
          lo = max_q(lo, arf_to_rational(nl));
          hi = min_q(hi, arf_to_rational(nu));
        }
      }
      res_.bits = std::max<long>(res_.bits, prec);
      if (hi < lo) break;  // cannot happen for a certified monotone sign change; guarded anyway
      if (2 * (hi - lo) > w0) {
        if (prec >= opt_.max_bits) break;
        prec = std::min<slong>(opt_.max_bits, 2 * prec);
      }
    }
    RootEnclosure r{lo, hi, dir, hi - lo <= 2 * target};
    return r;
  }

  // Proof: BND-COVER-1 / BND-ROOT-1 -- examines the segment [a, b] (no singular point in it) cell by cell.
  // Returns false when stopped early (max_cells or max_roots): the rest is then unresolved.
  bool segment(const Rational& a, const Rational& b) {
    std::vector<Cell> stack{{a, b}};
    A X, v, d, mb, vm, mv;
    while (!stack.empty()) {
      const Cell cell = stack.back();
      stack.pop_back();
      const Rational &lo = cell.lower, &hi = cell.upper;
      const bool stop = core::stop_requested();  // the interrupt or the time budget (core::StopScope)
      if (found() >= opt_.max_roots || res_.cells >= opt_.max_cells || stop) {
        if (stop) {
          res_.message = fmt::format("stopped after {} cells: time budget exhausted", res_.cells);
        } else if (found() >= opt_.max_roots) {
          res_.truncated = true;
        } else {
          res_.message = fmt::format("stopped after {} cells (cell budget)", res_.cells);
        }
        unresolved(lo, b);
        return false;
      }
      ++res_.cells;
      const slong prec = cell_prec(lo, hi);
      res_.bits = std::max<long>(res_.bits, prec);
      set_interval(X, lo, hi, prec + 16);
      model_.value(v, X, prec);
      if (excludes_zero(v)) continue;  // certified nonzero cell
      model_.derivative(d, X, prec);
      const Rational m = split_point(lo, hi);
      if (arb_is_finite(d)) {
        // Mean-value form: Lambda(X) in Lambda(m) + (X - m) Lambda'(X).
        set_ball(mb, m, prec + 16);
        model_.value(vm, mb, prec);
        arb_sub(mv, X, mb, prec);
        arb_mul(mv, mv, d, prec);
        arb_add(mv, mv, vm, prec);
        if (excludes_zero(mv)) continue;
      }
      if (excludes_zero(d)) {
        const bool inc = arb_is_positive(d);
        const Direction dir = inc ? Direction::neg_to_pos : Direction::pos_to_neg;
        switch (classify_monotone_cell(inc, sign(lo), sign(hi))) {
          case MonotoneVerdict::no_zero: break;  // one sign on the cell
          case MonotoneVerdict::sign_change: add_root(refine(lo, hi, dir)); break;
          case MonotoneVerdict::zero_at_lower: add_root({lo, lo, dir, true}); break;  // exact zero, monotone
          case MonotoneVerdict::zero_at_upper: add_root({hi, hi, dir, true}); break;
          case MonotoneVerdict::undetermined: unresolved(lo, hi); break;  // honest unresolved cell
        }
        continue;
      }
      if (hi - lo <= width_target(opt_.digits, lo) / 4 || prec >= opt_.max_bits) {
        unresolved(lo, hi);
        continue;
      }
      stack.push_back({m, hi});
      stack.push_back({lo, m});
    }
    return true;
  }

 private:
  const ExponentModel& model_;
  const BoundaryOptions& opt_;
  BoundaryResult& res_;
  std::map<Rational, PointSign> signs_;
};

}  // namespace

MonotoneVerdict classify_monotone_cell(bool increasing, PointSign at_lower, PointSign at_upper) {
  // Proof: BND-ROOT-1 -- normalise to "increasing" by flipping the signs of a decreasing function.
  const auto flip = [increasing](PointSign s) {
    if (increasing) return s;
    if (s == PointSign::positive) return PointSign::negative;
    if (s == PointSign::negative) return PointSign::positive;
    return s;
  };
  const PointSign fa = flip(at_lower), fb = flip(at_upper);
  if (fa == PointSign::positive || fb == PointSign::negative) return MonotoneVerdict::no_zero;
  if (fa == PointSign::negative && fb == PointSign::positive) return MonotoneVerdict::sign_change;
  if (fa == PointSign::zero) return MonotoneVerdict::zero_at_lower;
  if (fb == PointSign::zero) return MonotoneVerdict::zero_at_upper;
  return MonotoneVerdict::undetermined;  // an endpoint sign undetermined at max_bits (or -inf)
}

void add_unresolved_cell(std::vector<Cell>& cells, const Rational& lo, const Rational& hi) {
  if (!cells.empty() && cells.back().upper >= lo) {
    cells.back().upper = max_q(cells.back().upper, hi);
    return;
  }
  cells.push_back({lo, hi});
}

Rational requested_width(int digits, const Rational& x) {
  Integer p = 1;
  for (int i = 0; i < digits; ++i) p *= 10;
  return (x < 1 ? Rational(1) : x) / Rational(p);
}

const char* to_string(Direction d) { return d == Direction::neg_to_pos ? "neg-to-pos" : "pos-to-neg"; }

std::optional<Direction> parse_direction(std::string_view text) {
  for (Direction d : {Direction::neg_to_pos, Direction::pos_to_neg}) {
    if (text == to_string(d)) return d;
  }
  return std::nullopt;
}

std::pair<Rational, Rational> default_range(const laws::CurvatureLaw& law) {
  const Rational e2 = law.second_moment();
  if (e2 <= 0) return {pow2(-10), pow2(10)};
  // log2(10^-3 / sqrt(E h^2)) with Arb, then outward to integers (a choice of range, not a certified value).
  A t, l10, q;
  set_ball(q, e2, 128);
  arb_log(q, q, 128);
  arb_set_ui(l10, 10);
  arb_log(l10, l10, 128);
  A ln2;
  arb_const_log2(ln2, 128);
  // lo = (-3 log 10 - log(E2)/2) / log 2, hi = (3 log 10 - log(E2)/2) / log 2
  arb_mul_2exp_si(q, q, -1);
  arb_mul_ui(l10, l10, 3, 128);
  arb_neg(t, l10);
  arb_sub(t, t, q, 128);
  arb_div(t, t, ln2, 128);
  const long lo = static_cast<long>(std::floor(arf_get_d(arb_midref(t), ARF_RND_DOWN)));
  arb_sub(t, l10, q, 128);
  arb_div(t, t, ln2, 128);
  const long hi = static_cast<long>(std::ceil(arf_get_d(arb_midref(t), ARF_RND_UP)));
  return {pow2(lo), pow2(hi)};
}

SliverAnalysis analyse_sliver(const ExponentModel& model, std::size_t atom, const Rational& lo_limit,
                              const Rational& hi_limit, int digits, long max_bits) {
  SliverAnalysis out;
  const Atom& at = model.atoms().at(atom);
  if (at.c <= 0) throw InputError("analyse_sliver: the atom has no singular point (c <= 0)");
  const Rational s = 1 / at.c;
  const Rational& P = at.weight;
  if (lo_limit > s || hi_limit < s) throw InputError("analyse_sliver: the singular point is outside the limits");
  SliverRoots& sr = out.roots;
  sr.singular_point = s;
  sr.left_edge = s;
  sr.right_edge = s;
  // Neighbourhood radius: at most s/1024 and half the distance to the limits, a power of 2.
  Rational d0 = s / 1024;
  if (lo_limit < s) d0 = min_q(d0, (s - lo_limit) / 2);
  if (hi_limit > s) d0 = min_q(d0, (hi_limit - s) / 2);
  if (d0 <= 0) return out;  // s is both limits: nothing around it
  Rational delta = pow2(ilog2_floor(d0));
  // Proof: BND-SLIVER-1 -- need 16 delta sup|Lambda_rest'| <= P on [s - delta, s + delta].
  A N, dn, pb, t;
  bool ok = false;
  for (int i = 0; i < 4000 && !ok; ++i) {
    set_interval(N, s - delta, s + delta, 96);
    model.derivative(dn, N, 64, atom);
    if (arb_is_finite(dn)) {
      arb_abs(t, dn);
      set_ball(pb, P / (16 * delta), 96);
      arb_sub(t, pb, t, 96);
      if (arb_is_positive(t)) {
        ok = true;
        break;
      }
    }
    delta /= 2;
  }
  if (!ok) {
    out.resolved = false;
    return out;
  }
  const slong p0 = static_cast<slong>(3.33 * digits) + 64 + ilog2_floor(1 / P + 1) +
                   std::max<long>(0, ilog2_floor(1 / delta + 1) / 16);
  for (int side = 0; side < 2; ++side) {
    const bool right = side == 1;
    if (right ? !(hi_limit > s) : !(lo_limit < s)) continue;
    Rational dside = delta;
    PointSign sg = PointSign::undetermined;
    Rational edge;
    for (int tries = 0; tries < 12; ++tries) {
      edge = right ? min_q(s + dside, hi_limit) : max_q(s - dside, lo_limit);
      sg = model.sign_at(edge, max_bits);
      if (sg == PointSign::positive || sg == PointSign::negative) break;
      dside /= 2;  // exact zero or undetermined at the edge: shrink this side (BND-SLIVER-1 still holds)
    }
    (right ? sr.right_edge : sr.left_edge) = edge;
    if (sg == PointSign::negative) continue;  // monotone to -inf and negative at the edge: no zero
    if (sg != PointSign::positive) {
      out.resolved = false;
      continue;
    }
    // Proof: BND-SLIVER-2 -- |u| in exp(-log c - (R(s) +- U R'(N)) / P) intersected with U.
    const Rational umax = right ? edge - s : s - edge;
    bool done = false;
    exact::Ball enc;
    for (slong prec = p0; !done; prec *= 2) {
      prec = std::min<slong>(prec, max_bits);
      out.bits = std::max<long>(out.bits, prec);
      A x, rs, dN, lc, Pb, U, T, tmp;
      F ulo, uhi;
      set_ball(x, s, prec + 64);
      model.value(rs, x, prec + 16, atom);
      model.derivative(dN, N, prec + 16, atom);
      set_ball(lc, at.c, prec + 16);
      arb_log(lc, lc, prec + 16);
      set_ball(Pb, P, prec + 16);
      arf_zero(ulo);
      {
        A um;
        set_ball(um, umax, prec + 16);
        arb_get_ubound_arf(uhi, um, prec + 16);
      }
      bool converged = false;
      A tf;
      set_ball(tf, width_target(digits, Rational(0)) / 2, prec + 16);  // 10^-digits / 2
      A sb, near;
      set_ball(sb, s, prec + 64);
      for (int it = 0; it < 4000; ++it) {
        arb_set_interval_arf(U, ulo, uhi, prec + 16);
        if (it > 0) {
          // Mean value point between s and s -+ u*: R' over s -+ [0, uhi] (narrower than N, same guarantee).
          arb_zero(near);
          arb_union(near, near, U, prec + 16);
          if (!right) arb_neg(near, near);
          arb_add(near, near, sb, prec + 64);
          model.derivative(dN, near, prec + 16, atom);
          if (!arb_is_finite(dN)) model.derivative(dN, N, prec + 16, atom);
        }
        arb_mul(T, U, dN, prec + 16);
        if (!right) arb_neg(T, T);
        arb_add(T, T, rs, prec + 16);
        if (it > 0) {
          // Direct enclosure of R over s -+ U (its width shrinks with U), intersected with the
          // mean-value form (both contain R(s -+ u*)).
          A direct;
          arb_set_interval_arf(near, ulo, uhi, prec + 16);
          if (!right) arb_neg(near, near);
          arb_add(near, near, sb, prec + 64);
          model.value(direct, near, prec + 16, atom);
          if (arb_is_finite(direct) && arb_overlaps(direct, T)) arb_intersection(T, T, direct, prec + 16);
        }
        arb_div(T, T, Pb, prec + 16);
        arb_add(T, T, lc, prec + 16);
        arb_neg(T, T);
        arb_exp(T, T, prec + 16);
        if (!arb_is_finite(T)) break;
        F el, eu, w_old;
        arb_get_lbound_arf(el, T, prec + 16);
        arb_get_ubound_arf(eu, T, prec + 16);
        arf_sub(w_old, uhi, ulo, prec + 16, ARF_RND_UP);
        if (arf_cmp(el, ulo) > 0) arf_set(ulo, el);
        if (arf_cmp(eu, uhi) < 0) arf_set(uhi, eu);
        if (arf_cmp(ulo, uhi) > 0) break;  // impossible for a certified zero; guarded
        // Relative width test: uhi - ulo <= 10^-digits / 2 * ulo.
        A w, bound;
        arb_set_arf(w, uhi);
        arb_sub_arf(w, w, ulo, prec + 16);
        arb_set_arf(bound, ulo);
        arb_mul(bound, bound, tf, prec + 16);
        arb_sub(bound, bound, w, prec + 16);
        if (arf_sgn(ulo) > 0 && arb_is_nonnegative(bound)) {
          converged = true;
          break;
        }
        F w_new;
        arf_sub(w_new, uhi, ulo, prec + 16, ARF_RND_UP);
        // BND-SLIVER-2 contracts by 1/16 per step until rounding dominates: stop when less than halving.
        arf_mul_2exp_si(w_new, w_new, 1);
        if (arf_cmp(w_new, w_old) > 0) break;
      }
      arb_set_interval_arf(enc.get(), ulo, uhi, prec + 16);
      if (converged || prec >= max_bits) {
        done = true;
        if (!converged) sr.width_met = false;
      }
    }
    if (!right) arb_neg(enc.get(), enc.get());
    (right ? sr.right_offset : sr.left_offset) = std::move(enc);
  }
  return out;
}

BoundaryResult find_boundaries(const laws::CurvatureLaw& law, const BoundaryOptions& options) {
  if (options.digits < 1 || options.digits > 10000) {
    throw InputError(fmt::format("--digits must be in [1, 10000], got {}", options.digits));
  }
  if (options.max_bits < 64) throw InputError(fmt::format("--max-bits must be >= 64, got {}", options.max_bits));
  BoundaryResult res;
  if (options.lr_min && options.lr_max) {
    res.lr_min = *options.lr_min;
    res.lr_max = *options.lr_max;
  } else {
    auto [lo, hi] = default_range(law);
    res.lr_min = options.lr_min ? *options.lr_min : lo;
    res.lr_max = options.lr_max ? *options.lr_max : hi;
    res.default_range = true;
  }
  const Rational& A0 = res.lr_min;
  const Rational& B0 = res.lr_max;
  if (A0 <= 0) throw InputError(fmt::format("--lr-min must be > 0, got {}", exact::to_text(A0)));
  if (A0 >= B0) {
    throw InputError(fmt::format("--lr-min must be < --lr-max, got [{}, {}]", exact::to_text(A0),
                                 exact::to_text(B0)));
  }
  const ExponentModel model(law);
  if (model.atoms().empty() && model.continuous().empty()) {
    res.unresolved.push_back({A0, B0});
    res.complete = false;
    res.message = "h = 0 almost surely: Lambda vanishes identically, there is no sign change to find";
    return res;
  }
  // Singular points 1/c_j in [A, B], ascending (c_j > 0 descending).
  std::vector<std::size_t> sing;
  for (std::size_t j = model.atoms().size(); j-- > 0;) {
    const Atom& a = model.atoms()[j];
    if (a.c <= 0) continue;
    const Rational s = 1 / a.c;
    if (A0 <= s && s <= B0) sing.push_back(j);
  }
  for (std::size_t j : sing) res.singular_points.push_back(1 / model.atoms()[j].c);

  Searcher search(model, options, res);
  Rational pos = A0;  // left end of the next generic segment
  bool stopped = false;
  for (std::size_t i = 0; i < sing.size() && !stopped; ++i) {
    const Rational s = res.singular_points[i];
    const Rational lo_lim = i == 0 ? A0 : (res.singular_points[i - 1] + s) / 2;
    const Rational hi_lim = i + 1 == sing.size() ? B0 : (s + res.singular_points[i + 1]) / 2;
    const SliverAnalysis an = analyse_sliver(model, sing[i], max_q(lo_lim, pos), hi_lim, options.digits,
                                             options.max_bits);
    res.bits = std::max(res.bits, an.bits);
    if (pos < an.roots.left_edge) stopped = !search.segment(pos, an.roots.left_edge);
    if (stopped) break;
    if (search.found() >= options.max_roots) {
      res.truncated = true;
      search.unresolved(an.roots.left_edge, B0);
      stopped = true;
      break;
    }
    if (!an.resolved) search.unresolved(an.roots.left_edge, an.roots.right_edge);
    if (an.roots.left_offset || an.roots.right_offset) {
      res.widths_met = res.widths_met && an.roots.width_met;
      res.slivers.push_back(an.roots);
    }
    pos = an.roots.right_edge;
  }
  if (!stopped && pos < B0) search.segment(pos, B0);
  res.complete = res.unresolved.empty() && !res.truncated;
  if (res.truncated) {
    res.message = fmt::format("stopped after {} roots (--max-roots); the rest of the range is unresolved",
                              search.found());
  } else if (!res.complete && res.message.empty()) {
    res.message =
        "some cells could not be certified (a tangential zero, zeros closer than the requested width, or the "
        "precision cap): see \"unresolved\"";
  }
  if (res.complete && !res.widths_met) res.message = "some roots could not be refined to the requested width";
  return res;
}

DecimalInterval to_decimal(const Rational& lower, const Rational& upper, int sig_min, const Rational& max_width) {
  if (lower == upper) return {exact::to_text(lower), exact::to_text(upper)};
  DecimalInterval out;
  for (int sig = sig_min; sig <= sig_min + 30; ++sig) {
    const slong prec = static_cast<slong>(3.33 * sig) + 64 +
                       std::abs(ilog2_floor(lower < 0 ? Rational(-lower) : (lower == 0 ? Rational(1) : lower)));
    A lb, ub;
    F l, u;
    set_ball(lb, lower, prec);
    set_ball(ub, upper, prec);
    arb_get_lbound_arf(l, lb, prec);
    arb_get_ubound_arf(u, ub, prec);
    out.lower = exact::arf_to_decimal(l, sig, exact::Round::down);
    out.upper = exact::arf_to_decimal(u, sig, exact::Round::up);
    if (exact::decimal_value(out.upper) - exact::decimal_value(out.lower) <= max_width) break;
  }
  return out;
}

DecimalInterval to_decimal(const exact::Ball& b, int sig) {
  F l, u;
  exact::ball_endpoints(l, u, b.get(), std::max<slong>(64, arb_bits(b.get()) + 64));
  return {exact::arf_to_decimal(l, sig, exact::Round::down), exact::arf_to_decimal(u, sig, exact::Round::up)};
}

}  // namespace lyapcert::boundary
