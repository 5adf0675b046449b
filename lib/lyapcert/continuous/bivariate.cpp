#include "lyapcert/continuous/bivariate.hpp"

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/continuous/internal/mixture.hpp"
#include "lyapcert/exact/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace lyapcert::continuous {

using internal::Ball;

namespace {

// Checks the parameters and, when the value is not trivial, builds the two half-line mixtures of
// CONT-BIV-2 (x > 0 and x < 0) and returns their sum through combine(pos, neg, wp). Returns false
// after setting res itself (indeterminate, or the degenerate b = 0 value via at_b_zero).
template <class Combine, class AtBZero>
bool with_half_lines(arb_t res, const arb_t a, const arb_t b, const arb_t mx, const arb_t my, const arb_t sx,
                     const arb_t sy, const arb_t rho, slong prec, const char* who, Combine combine,
                     AtBZero at_b_zero) {
  if (!arb_is_finite(a) || !arb_is_finite(b) || !arb_is_finite(mx) || !arb_is_finite(my) ||
      !arb_is_finite(sx) || !arb_is_finite(sy) || !arb_is_finite(rho)) {
    arb_indeterminate(res);
    return false;
  }
  if (arb_is_nonpositive(sx) || arb_is_nonpositive(sy))
    throw InputError(std::string(who) + ": standard deviation <= 0");
  Ball one, r2;
  arb_one(one);
  arb_sqr(r2, rho, prec + 10);
  if (arb_ge(r2, one)) throw InputError(std::string(who) + ": |rho| >= 1");
  if (arb_is_zero(b)) {
    at_b_zero(res);
    return false;
  }
  if (!arb_is_positive(sx) || !arb_is_positive(sy) || !arb_lt(r2, one) || arb_contains_zero(b)) {
    arb_indeterminate(res);
    return false;
  }
  const double bu = internal::abs_upper_d(b);
  const slong extra = bu < 1 ? std::min<slong>(static_cast<slong>(-std::log2(bu)) + 1, prec) : 0;
  const slong wp = prec + extra + 10;
  // mu(x) = g0 + g1 x, g1 = rho sy / sx, g0 = my - g1 mx; s = sy sqrt(1 - rho^2).
  Ball g0, g1, s, e, c1, c2, K, mneg, c1neg;
  arb_mul(g1, rho, sy, wp);
  arb_div(g1, g1, sx, wp);
  arb_mul(g0, g1, mx, wp);
  arb_sub(g0, my, g0, wp);
  arb_sub(s, one, r2, wp);
  arb_sqrt(s, s, wp);
  arb_mul(s, s, sy, wp);
  arb_abs(e, b);
  arb_mul(e, e, s, wp);
  arb_mul(c1, b, g0, wp);
  arb_mul(c2, b, g1, wp);
  arb_neg(c1neg, c1);
  arb_neg(mneg, mx);
  // K = 1 / (sx sqrt(2 pi))
  arb_const_pi(K, wp);
  arb_mul_2exp_si(K, K, 1);
  arb_sqrt(K, K, wp);
  arb_mul(K, K, sx, wp);
  arb_inv(K, K, wp);
  // x > 0: u = x;  x < 0: u = -x, m = a - c1 u + c2 u^2, weight centred at -mx.
  const internal::HalfLineMixture pos{a, c1, c2, e, K, mx, sx, 0};
  const internal::HalfLineMixture neg{a, c1neg, c2, e, K, mneg, sx, 0};
  combine(pos, neg, wp);
  return true;
}

}  // namespace

// Proof: CONT-BIV-1 (conditioning on x), CONT-BIV-2 (the two half-lines, head at x = 0).
void bivariate_log_abs_mean(arb_t res, const arb_t a, const arb_t b, const arb_t mx, const arb_t my,
                            const arb_t sx, const arb_t sy, const arb_t rho, slong prec) {
  with_half_lines(
      res, a, b, mx, my, sx, sy, rho, prec, "bivariate_log_abs_mean",
      [&](const internal::HalfLineMixture& pos, const internal::HalfLineMixture& neg, slong wp) {
        Ball total, piece;
        internal::mixture_log_abs_mean(total, pos, wp);
        internal::mixture_log_abs_mean(piece, neg, wp);
        arb_add(res, total, piece, prec);
      },
      [&](arb_t r) {
        arb_abs(r, a);
        arb_log(r, r, prec);
      });
}

// Proof: CONT-BIV-1 (conditioning on x), CONT-BIV-3 (moments: CONT-XY-9 on the two half-lines); -1 < p < 0:
// CONT-BIV-NEG-1 (CONT-XY-NEG-1 on the two half-lines, P = 0).
void bivariate_abs_moment(arb_t res, const arb_t a, const arb_t b, const arb_t mx, const arb_t my, const arb_t sx,
                          const arb_t sy, const arb_t rho, const arb_t p, slong prec) {
  // p > 0 (CONT-BIV-3) or -1 < p < 0 (CONT-BIV-NEG-1: the pole of |a + b x y|^p is integrable for p > -1).
  Ball p1;
  arb_add_ui(p1, p, 1, prec + 20);
  if (arb_is_finite(p) && (arb_is_zero(p) || arb_is_nonpositive(p1)))
    throw InputError("bivariate_abs_moment: p must satisfy p > -1 and p != 0");
  if (!arb_is_finite(p) || arb_contains_zero(p) || !arb_is_positive(p1)) {
    arb_indeterminate(res);
    return;
  }
  const bool negative = arb_is_negative(p);
  with_half_lines(
      res, a, b, mx, my, sx, sy, rho, prec, "bivariate_abs_moment",
      [&](const internal::HalfLineMixture& pos, const internal::HalfLineMixture& neg, slong wp) {
        Ball total, piece;
        internal::mixture_abs_moment(total, pos, p, wp);
        internal::mixture_abs_moment(piece, neg, p, wp);
        arb_add(res, total, piece, prec);
      },
      [&](arb_t r) {
        if (negative && arb_contains_zero(a)) {
          arb_indeterminate(r);  // |a|^p is +inf at a = 0
          return;
        }
        arb_abs(r, a);
        arb_pow(r, r, p, prec);
      });
}

}  // namespace lyapcert::continuous
