// Outward-rounded binary64 kernels for the d = 2 cell bounds (proofs/lyapnd/transfer.md, LYAPND-TRANS-5..7).
// Compiled with -ffp-contract=off like lib/lyapcert/fast (every source operation one IEEE rounding); the
// enclosures below use only OutwardInterval operations, whose directed bounds hold in any case (FAST-RND-2).
#include "lyapcert/lyapnd/internal/cell_binary64.hpp"

#include <arb.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/fast/interval_kernel.hpp"

namespace lyapcert::lyapnd::internal {
namespace {

using OI = OutwardInterval;

OI from_ball(const arb_t x) {
  exact::Arf t;
  arb_get_lbound_arf(t, x, 128);
  const double lo = arf_get_d(t, ARF_RND_FLOOR);
  arb_get_ubound_arf(t, x, 128);
  const double hi = arf_get_d(t, ARF_RND_CEIL);
  return OI(lo, hi);
}

// Arb enclosures (128 bits, rounded outward to binary64) of the constants the kernels use: sin, cos of pi j / 64
// (j = 0..127, the period of t -> (sin pi t, cos pi t) is 2, i.e. 128 steps of 1/64), atan(j / 64) (j = 0..64),
// pi, pi / 2, 1 / pi, and outward quotients 1/3, 1/5, 1/7 (atan) and 1/6, 1/20, 1/42, 1/2, 1/12, 1/30 (the nested
// Taylor polynomials of sin and cos: products with these replace the divisions). Proof: LYAPND-TRANS-5, -6 (the
// table entries are Arb enclosures or outward quotients, FAST-RND-2).
struct Tables {
  std::array<OI, 128> s, c;
  std::array<OI, 65> at;
  OI pi, half_pi, inv_pi, third, fifth, seventh;
  OI sixth, twentieth, forty_second, half, twelfth, thirtieth;
  Tables() {
    constexpr slong prec = 128;
    exact::Ball t, sb, cb;
    for (int j = 0; j < 128; ++j) {
      arb_set_si(t.get(), j);
      arb_mul_2exp_si(t.get(), t.get(), -6);  // j / 64, exact
      arb_sin_cos_pi(sb.get(), cb.get(), t.get(), prec);
      s[static_cast<std::size_t>(j)] = from_ball(sb.get());
      c[static_cast<std::size_t>(j)] = from_ball(cb.get());
    }
    for (int j = 0; j <= 64; ++j) {
      arb_set_si(t.get(), j);
      arb_mul_2exp_si(t.get(), t.get(), -6);
      arb_atan(sb.get(), t.get(), prec);
      at[static_cast<std::size_t>(j)] = from_ball(sb.get());
    }
    arb_const_pi(t.get(), prec);
    pi = from_ball(t.get());
    arb_inv(sb.get(), t.get(), prec);
    inv_pi = from_ball(sb.get());
    arb_mul_2exp_si(t.get(), t.get(), -1);
    half_pi = from_ball(t.get());
    auto inv = [](double d) { return OI(1.0) / OI(d); };
    third = inv(3);
    fifth = inv(5);
    seventh = inv(7);
    sixth = inv(6);
    twentieth = inv(20);
    forty_second = inv(42);
    half = inv(2);
    twelfth = inv(12);
    thirtieth = inv(30);
  }
};

const Tables& tables() {
  static const Tables t;  // thread-safe initialisation (C++11 magic statics)
  return t;
}

using fast::iv::mag;

// Upper bounds of m^8 and m^9 for a double m >= 0: products of non-negative upper bounds rounded up (FAST-KER-2 (b)
// on points).
double pow8_up(double m) {
  const double m2 = fast::iv::up(m * m), m4 = fast::iv::up(m2 * m2);
  return fast::iv::up(m4 * m4);
}

// atan over y, for y inside [0, 1] up to rounding (lower end >= 0): atan(y) = atan(c) + atan(z), c = j / 64 near y,
// z = (y - c) / (1 + y c); atan z = z - z^3/3 + z^5/5 - z^7/7 + E, |E| <= |z|^9 / 9 (alternating series with
// decreasing terms, |z| <= 1). The sign-aware operations of fast::iv: 1 + y c > 0 (y, c >= 0), z^2 >= 0 and the
// nested factors 1/7, 1/5 - z^2/7, ... positive for |z| <= 1 (each function checks its hypothesis and falls back to
// the general product otherwise, FAST-KER-2, -4). Proof: LYAPND-TRANS-6 (a).
OI atan_unit(const OI& y) {
  namespace iv = fast::iv;
  const Tables& T = tables();
  const double mid = std::clamp(boost::numeric::median(y), 0.0, 1.0);
  const double jd = std::nearbyint(mid * 64);  // 0..64; any j is valid, the nearest keeps z small
  const double c = jd / 64;                     // exact
  const OI z = iv::div_by_pos(iv::sub(y, iv::make(c, c)), iv::add(iv::make(1.0, 1.0), iv::scale(y, c)));
  const double m = mag(z);
  if (!(m <= 1.0)) return OI(-T.half_pi.upper(), T.half_pi.upper());  // cannot happen for y in [0, 1]; still valid
  const OI z2 = iv::sqr(z);
  const OI inner = iv::sub(T.fifth, iv::mul_nonneg(z2, T.seventh));
  const OI mid_term = iv::sub(T.third, iv::mul_nonneg(z2, inner));
  const OI poly = iv::mul_by_nonneg(z, iv::sub(iv::make(1.0, 1.0), iv::mul_nonneg(z2, mid_term)));
  const double e = iv::up(iv::up(pow8_up(m) * m) / 9.0);
  return iv::widen(iv::add(T.at[static_cast<std::size_t>(jd)], poly), e);
}

}  // namespace

const OutwardInterval& pi_enclosure() { return tables().pi; }

bool sin_cos_pi_enclose(double t, OutwardInterval& s_out, OutwardInterval& c_out) {
  // Proof: LYAPND-TRANS-5. t = j / 64 + r, x = pi r; sin(pi t) = S_j cos x + C_j sin x,
  // cos(pi t) = C_j cos x - S_j sin x with the table enclosures S_j, C_j of j mod 128 and the Taylor polynomials
  // of sin x, cos x with their Lagrange remainders |x|^9 / 9!, |x|^8 / 8! bounded from the enclosure of x.
  namespace iv = fast::iv;
  if (!(std::fabs(t) <= 0x1p20)) return false;
  const Tables& T = tables();
  const double jd = std::nearbyint(t * 64);  // t * 64 is exact (a power of two); |jd| <= 2^26
  const double c = jd / 64;                  // exact
  const OI x = iv::mul_by_nonneg(iv::sub(iv::make(t, t), iv::make(c, c)), T.pi);
  const double m = mag(x);
  if (!(m <= 1.0)) return false;  // cannot happen (|x| <= pi / 128 up to rounding)
  const OI x2 = iv::sqr(x);
  // sin x = x (1 - x^2/6 (1 - x^2/20 (1 - x^2/42))) + E_s, cos x = 1 - x^2/2 (1 - x^2/12 (1 - x^2/30)) + E_c, with
  // products by enclosures of 1/6, ... in place of the divisions; x^2 >= 0 and every nested factor is positive
  // (x^2 < 10^-3), so the products are the two-corner forms of FAST-KER-2.
  const OI one(1.0, 1.0, true);
  auto nest = [&](const OI& inv_a, const OI& inv_b, const OI& inv_c) {  // 1 - x^2 a (1 - x^2 b (1 - x^2 c))
    const OI t3 = iv::sub(one, iv::mul_nonneg(x2, inv_c));
    const OI t2 = iv::sub(one, iv::mul_nonneg(iv::mul_nonneg(x2, inv_b), t3));
    return iv::sub(one, iv::mul_nonneg(iv::mul_nonneg(x2, inv_a), t2));
  };
  const double m8 = pow8_up(m);
  const double es = iv::up(iv::up(m8 * m) / 362880.0), ec = iv::up(m8 / 40320.0);
  const OI sx = iv::widen(iv::mul_by_nonneg(x, nest(T.sixth, T.twentieth, T.forty_second)), es);
  const OI cx = iv::widen(nest(T.half, T.twelfth, T.thirtieth), ec);
  std::int64_t j = static_cast<std::int64_t>(jd) % 128;
  if (j < 0) j += 128;
  const OI& S = T.s[static_cast<std::size_t>(j)];
  const OI& C = T.c[static_cast<std::size_t>(j)];
  const OI unit(-1.0, 1.0, true);
  s_out = boost::numeric::intersect(iv::add(iv::mul_by_nonneg(S, cx), iv::mul(C, sx)), unit);
  c_out = boost::numeric::intersect(iv::sub(iv::mul_by_nonneg(C, cx), iv::mul(S, sx)), unit);
  return true;
}

OutwardInterval atan_enclose(double y) {
  // Proof: LYAPND-TRANS-6 (b). Odd symmetry (negation is exact) and atan y = pi/2 - atan(1/y) for y > 1.
  const Tables& T = tables();
  if (y != y) return OI(-T.half_pi.upper(), T.half_pi.upper());  // a NaN cannot come from an OutwardInterval end
  const double a = std::fabs(y);
  OI r;
  if (a <= 1.0)
    r = atan_unit(OI(a));
  else if (a < fast::kInf)
    r = T.half_pi - atan_unit(OI(1.0) / OI(a));
  else
    r = T.half_pi;
  return y < 0 ? -r : r;
}

OutwardInterval atan_enclose(const OutwardInterval& y) {
  const Tables& T = tables();
  // A narrow interval of one sign inside [-1, 1] (the point evaluations and most cells): one kernel call on the whole
  // interval (LYAPND-TRANS-6 (a) holds for every y in it) instead of one per end; up to a width of 2^-10 the interval
  // polynomial's dependency excess is below 10^-4 of the width. Proof: LYAPND-TRANS-6 (b).
  if (y.upper() - y.lower() <= 0x1p-10) {
    if (y.lower() >= 0 && y.upper() <= 1) return atan_unit(y);
    if (y.upper() <= 0 && y.lower() >= -1) return -atan_unit(-y);
  }
  const double lo = y.lower() == -fast::kInf ? -T.half_pi.upper() : atan_enclose(y.lower()).lower();
  const double hi = y.upper() == fast::kInf ? T.half_pi.upper() : atan_enclose(y.upper()).upper();
  return OI(lo, hi);
}

bool line_angle_enclose(OutwardInterval w1, OutwardInterval w2, OutwardInterval& psi) {
  // Proof: LYAPND-TRANS-6 (c) (the branches of LYAPND-POIS-4 (b)).
  const Tables& T = tables();
  const double m1 = boost::numeric::median(w1), m2 = boost::numeric::median(w2);
  if (!std::isfinite(m1) || !std::isfinite(m2)) return false;
  if (std::fabs(m1) >= std::fabs(m2)) {
    if (m1 < 0) {
      w1 = -w1;
      w2 = -w2;
    }
    if (!(w1.lower() > 0)) return false;
    psi = fast::iv::mul_by_nonneg(atan_enclose(fast::iv::div_by_pos(w2, w1)), T.inv_pi);
  } else {
    if (m2 < 0) {
      w1 = -w1;
      w2 = -w2;
    }
    if (!(w2.lower() > 0)) return false;
    psi = fast::iv::sub(OI(0.5), fast::iv::mul_by_nonneg(atan_enclose(fast::iv::div_by_pos(w1, w2)), T.inv_pi));
  }
  return std::isfinite(psi.lower()) && std::isfinite(psi.upper());
}

}  // namespace lyapcert::lyapnd::internal
