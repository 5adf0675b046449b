// Property: `complete` is never true when a zero is missing. Random finite laws with several positive atoms
// (so several singular points, most with slivers) are searched on [1/8, 8]; an independent MPFI referee
// then evaluates the sign of Lambda on a grid. Between consecutive grid points / singular points (where
// Lambda = -inf) the number of reported zeros must be odd exactly when the referee signs differ. Every
// reported root and sliver offset must also show the referee sign change at its endpoints.
// RapidCheck prints the seed of a failing case; replay with RC_PARAMS="reproduce=...".
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "boundary/referee.hpp"
#include "lyapcert/boundary.hpp"
#include "lyapcert/exact/decimal.hpp"

namespace bnd = lyapcert::boundary;
using lyapcert::boundary::test::FiniteSpec;
using lyapcert::boundary::test::referee_sign_auto;
using lyapcert::exact::Integer;
using lyapcert::exact::Rational;

namespace {

std::pair<Rational, Rational> endpoints(const lyapcert::exact::Ball& b) {
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  arb_get_lbound_arf(lo, b.get(), 1 << 14);
  arb_get_ubound_arf(hi, b.get(), 1 << 14);
  std::pair<Rational, Rational> r{lyapcert::exact::to_rational(lo), lyapcert::exact::to_rational(hi)};
  arf_clear(lo);
  arf_clear(hi);
  return r;
}

rc::Gen<FiniteSpec> law_with_several_roots() {
  return rc::gen::exec([] {
    FiniteSpec f;
    const int n = *rc::gen::inRange(3, 9);
    std::vector<long> w;
    long total = 0;
    std::vector<Rational> seen;
    // At least three positive atoms (singular points in [1/8, 8]) with small weights, and others that are
    // mostly negative with larger weights (so Lambda_rest > 0 at many singular points: slivers), values k/4.
    for (int j = 0; j < n; ++j) {
      const long k = j < 3 ? *rc::gen::inRange<long>(1, 17) : *rc::gen::inRange<long>(-24, 9);
      const Rational h(k, 4);
      if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
      seen.push_back(h);
      f.h.push_back(h);
      w.push_back(j < 3 ? *rc::gen::inRange<long>(1, 3) : *rc::gen::inRange<long>(1, 9));
      total += w.back();
    }
    for (long x : w) f.p.emplace_back(x, total);
    return f;
  });
}

std::string describe(const FiniteSpec& f) {
  std::string s = "atoms(";
  for (std::size_t j = 0; j < f.h.size(); ++j) {
    s += lyapcert::exact::to_text(f.h[j]) + ":" + lyapcert::exact::to_text(f.p[j]) + (j + 1 < f.h.size() ? ", " : ")");
  }
  return s;
}

}  // namespace

RC_GTEST_PROP(BoundaryProperty, CompleteNeverMissesAZero, ()) {
  const FiniteSpec f = *law_with_several_roots();
  RC_LOG() << describe(f) << "\n";
  const lyapcert::laws::CurvatureLaw law(lyapcert::laws::FiniteLaw::from_rationals(f.h, f.p));
  bnd::BoundaryOptions o;
  o.lr_min = Rational(1, 8);
  o.lr_max = Rational(8);
  o.digits = 12;
  const bnd::BoundaryResult r = bnd::find_boundaries(law, o);

  // Zeros as (position, piece key): sliver zeros sit at s -+ tiny.
  struct Zero {
    Rational lo, hi;
  };
  std::vector<Zero> zeros;
  for (const auto& root : r.roots) {
    zeros.push_back({root.lower, root.upper});
    if (root.lower != root.upper) {
      const int sl = referee_sign_auto(f, root.lower), su = referee_sign_auto(f, root.upper);
      const int want = root.direction == bnd::Direction::neg_to_pos ? -1 : 1;
      RC_ASSERT(sl == want);
      RC_ASSERT(su == -want);
    }
  }
  for (const auto& s : r.slivers) {
    for (int side = 0; side < 2; ++side) {
      const auto& off = side ? s.right_offset : s.left_offset;
      if (!off) continue;
      const auto [ulo, uhi] = endpoints(*off);
      zeros.push_back({s.singular_point + ulo, s.singular_point + uhi});
      const int near = referee_sign_auto(f, s.singular_point + (side ? ulo : uhi));
      const int far = referee_sign_auto(f, s.singular_point + (side ? uhi : ulo));
      RC_ASSERT(near == -1);
      RC_ASSERT(far == 1);
    }
  }
  RC_CLASSIFY(zeros.size() >= 4, "4+ zeros");
  RC_CLASSIFY(!r.slivers.empty(), "slivers");
  RC_CLASSIFY(r.slivers.size() >= 2, "2+ slivers");
  RC_TAG(r.complete ? "complete" : "incomplete");
  if (!r.complete) return;
  RC_ASSERT(r.widths_met);

  // Breakpoints: a grid (referee signs) and the singular points (Lambda = -inf there: sign -1 on both sides).
  struct Break {
    Rational x;
    int sign;
  };
  std::vector<Break> br;
  const int n = 120;
  for (int i = 0; i <= n; ++i) {
    const Rational x = o.lr_min.value() + (o.lr_max.value() - o.lr_min.value()) * Rational(i, n) +
                       (i < n ? Rational(1, 7919000) : Rational(0));
    br.push_back({x, referee_sign_auto(f, x)});
  }
  for (const Rational& s : r.singular_points) br.push_back({s, -1});
  std::sort(br.begin(), br.end(), [](const Break& a, const Break& b) { return a.x < b.x; });
  for (std::size_t i = 0; i + 1 < br.size(); ++i) {
    const Break &p = br[i], &q = br[i + 1];
    if (p.x == q.x || p.sign == 0 || q.sign == 0) continue;
    std::size_t count = 0;
    bool ambiguous = false;
    for (const Zero& z : zeros) {
      if (z.lo > p.x && z.hi < q.x) ++count;
      else if (!(z.hi < p.x || z.lo > q.x)) ambiguous = true;  // a zero enclosure touching a breakpoint
    }
    if (ambiguous) continue;
    RC_ASSERT((count % 2 == 1) == (p.sign != q.sign));
  }
}
