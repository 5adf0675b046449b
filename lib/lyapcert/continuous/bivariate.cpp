#include "lyapcert/continuous/bivariate.hpp"

#include "lyapcert/continuous/detail.hpp"
#include "lyapcert/exact/error.hpp"

#include <algorithm>
#include <cmath>

namespace lyapcert::continuous {

using detail::ArbTmp;

// Proof: CONT-BIV-1 (conditioning on x), CONT-BIV-2 (the two half-lines, head at x = 0).
void bivariate_log_abs_mean(arb_t res, const arb_t a, const arb_t b, const arb_t mx, const arb_t my,
                            const arb_t sx, const arb_t sy, const arb_t rho, slong prec) {
  if (!arb_is_finite(a) || !arb_is_finite(b) || !arb_is_finite(mx) || !arb_is_finite(my) ||
      !arb_is_finite(sx) || !arb_is_finite(sy) || !arb_is_finite(rho)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_nonpositive(sx) || arb_is_nonpositive(sy))
    throw InputError("bivariate_log_abs_mean: standard deviation <= 0");
  ArbTmp one, r2;
  arb_one(one);
  arb_sqr(r2, rho, prec + 10);
  if (arb_ge(r2, one)) throw InputError("bivariate_log_abs_mean: |rho| >= 1");
  if (arb_is_zero(b)) {
    arb_abs(r2, a);
    arb_log(res, r2, prec);
    return;
  }
  if (!arb_is_positive(sx) || !arb_is_positive(sy) || !arb_lt(r2, one) || arb_contains_zero(b)) {
    arb_indeterminate(res);
    return;
  }
  const double bu = detail::abs_upper_d(b);
  const slong extra = bu < 1 ? std::min<slong>(static_cast<slong>(-std::log2(bu)) + 1, prec) : 0;
  const slong wp = prec + extra + 10;
  // mu(x) = g0 + g1 x, g1 = rho sy / sx, g0 = my - g1 mx; s = sy sqrt(1 - rho^2).
  ArbTmp g0, g1, s, e, c1, c2, K, total, piece, mneg, c1neg;
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
  detail::HalfLineMixture pos{a, c1, c2, e, K, mx, sx, 0};
  detail::HalfLineMixture neg{a, c1neg, c2, e, K, mneg, sx, 0};
  detail::mixture_log_abs_mean(total, pos, wp);
  detail::mixture_log_abs_mean(piece, neg, wp);
  arb_add(res, total, piece, prec);
}

}  // namespace lyapcert::continuous
