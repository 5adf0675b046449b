// lyapcert::fast::iv -- sign-aware outward-rounded operations on fast::OutwardInterval for hot loops.
//
// Boost.Interval's generic product and quotient choose the endpoint operations by a nested case analysis of the
// operands' signs, and every endpoint goes through the rounding policy's zero and NaN tests; in the d = 2 cell
// bounds that was about 40 % of the time. The functions below compute the same kind of enclosure with fewer,
// mostly predictable branches: the general product takes the four corner products, their minimum and maximum,
// and moves those one step outward (FAST-KER-1); a factor known to be non-negative, a double factor, a square and
// a quotient by a positive interval need only the two corners that can be extreme (FAST-KER-2..4). Each endpoint
// is one IEEE operation moved outward by OutwardRounding::down / up (FAST-RND-2; a NaN becomes the infinite bound,
// FAST-RND-3), so nothing depends on the rounding mode. A function whose sign hypothesis does not hold (checked
// at run time, one predictable comparison) falls back to the general form, so a wrong guess by a caller costs
// time, never correctness. Results may be up to one step wider than Boost's (an exact zero product is not kept
// exact); empty operands (NaN endpoints) give the whole line, never a narrower set.
// Proofs: proofs/fast/kernel.md.
#pragma once

#include <algorithm>
#include <cmath>

#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast::iv {

// Proof: FAST-RND-2, -3. A rounded result moved one step down / up (NaN -> -inf / +inf).
inline double down(double r) noexcept { return OutwardRounding::down(r); }
inline double up(double r) noexcept { return OutwardRounding::up(r); }

// [lo, hi] without Boost's checks (the ends come from down / up, so they are never NaN).
inline OutwardInterval make(double lo, double hi) noexcept { return OutwardInterval(lo, hi, true); }

// x + y, x - y: Boost's endpoint operations (exact zero kept) without the emptiness test. Proof: FAST-RND-2, -3.
inline OutwardInterval add(const OutwardInterval& x, const OutwardInterval& y) noexcept {
  return make(OutwardRounding::add_down(x.lower(), y.lower()), OutwardRounding::add_up(x.upper(), y.upper()));
}
inline OutwardInterval sub(const OutwardInterval& x, const OutwardInterval& y) noexcept {
  return make(OutwardRounding::sub_down(x.lower(), y.upper()), OutwardRounding::sub_up(x.upper(), y.lower()));
}

// x * y for any x, y: the extreme corner products, each side moved one step outward after the minimum / maximum.
// A NaN corner (0 * inf; only with an infinite end) or a sum of corners that is NaN (+inf and -inf among them)
// hands the pair to Boost's case analysis, which has the limit conventions of FAST-RND-3. Proof: FAST-KER-1.
inline OutwardInterval mul(const OutwardInterval& x, const OutwardInterval& y) {
  const double a = x.lower(), b = x.upper(), c = y.lower(), d = y.upper();
  const double p1 = a * c, p2 = a * d, p3 = b * c, p4 = b * d;
  if (std::isnan(p1 + p2 + p3 + p4)) [[unlikely]]
    return x * y;
  return make(down(std::min(std::min(p1, p2), std::min(p3, p4))), up(std::max(std::max(p1, p2), std::max(p3, p4))));
}

// x * p for p >= 0 (lower end of p non-negative; otherwise mul): lower end x_lo * (x_lo < 0 ? p_hi : p_lo), upper
// end x_hi * (x_hi < 0 ? p_lo : p_hi). Proof: FAST-KER-2.
inline OutwardInterval mul_by_nonneg(const OutwardInterval& x, const OutwardInterval& p) {
  if (!(p.lower() >= 0)) [[unlikely]]
    return mul(x, p);
  const double a = x.lower(), b = x.upper();
  return make(down(a * (a < 0 ? p.upper() : p.lower())), up(b * (b < 0 ? p.lower() : p.upper())));
}

// x * y for x, y >= 0 (both lower ends non-negative; otherwise mul): [x_lo y_lo, x_hi y_hi]. Proof: FAST-KER-2.
inline OutwardInterval mul_nonneg(const OutwardInterval& x, const OutwardInterval& y) {
  if (!(x.lower() >= 0 && y.lower() >= 0)) [[unlikely]]
    return mul(x, y);
  return make(down(x.lower() * y.lower()), up(x.upper() * y.upper()));
}

// x * c for a double c (exact constant): the ends of x times c, swapped when c < 0. Proof: FAST-KER-2.
inline OutwardInterval scale(const OutwardInterval& x, double c) noexcept {
  const double lo = c >= 0 ? x.lower() : x.upper(), hi = c >= 0 ? x.upper() : x.lower();
  return make(down(lo * c), up(hi * c));
}

// { t^2 : t in x }: 0 when x contains 0 (exact), else the squares of the ends. Proof: FAST-KER-3.
inline OutwardInterval sqr(const OutwardInterval& x) noexcept {
  const double a = x.lower(), b = x.upper();
  const double aa = a * a, bb = b * b;
  const double lo = a > 0 ? down(aa) : b < 0 ? down(bb) : 0.0;
  return make(lo, up(std::max(aa, bb)));
}

// x / y for y > 0 (lower end of y positive; otherwise Boost's quotient): lower end x_lo / (x_lo < 0 ? y_lo : y_hi),
// upper end x_hi / (x_hi < 0 ? y_hi : y_lo). Proof: FAST-KER-4.
inline OutwardInterval div_by_pos(const OutwardInterval& x, const OutwardInterval& y) {
  if (!(y.lower() > 0)) [[unlikely]]
    return x / y;
  const double a = x.lower(), b = x.upper();
  return make(down(a / (a < 0 ? y.lower() : y.upper())), up(b / (b < 0 ? y.upper() : y.lower())));
}

// x + [-e, e] for e >= 0 (a remainder bound): the ends moved by e, rounded outward. Proof: FAST-RND-2.
inline OutwardInterval widen(const OutwardInterval& x, double e) noexcept {
  return make(OutwardRounding::sub_down(x.lower(), e), OutwardRounding::add_up(x.upper(), e));
}

// An upper bound of max |t| over x (exact: the larger end magnitude).
inline double mag(const OutwardInterval& x) noexcept { return std::max(-x.lower(), x.upper()); }

}  // namespace lyapcert::fast::iv
