#include "lyapcert/continuous/uniform.hpp"

#include <algorithm>
#include <cmath>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/log_integrals.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using internal::Ball;

namespace {

enum class Case { kZero, kDegenerate, kGeneral, kUncertain };

// Validates the inputs and chooses the working precision (raised against the cancellation in the
// divided difference when lr (b - a) is small).
Case classify(const arb_t lr, const arb_t a, const arb_t b, slong prec, slong* wp) {
  if (!arb_is_finite(lr) || !arb_is_finite(a) || !arb_is_finite(b)) return Case::kUncertain;
  if (arb_lt(b, a)) throw InputError("uniform law: b < a");
  if (arb_is_zero(lr)) return Case::kZero;
  if (arb_is_exact(a) && arb_equal(a, b)) return Case::kDegenerate;
  Ball w;
  arb_sub(w, b, a, prec);
  if (!arb_is_positive(w) || arb_contains_zero(lr)) return Case::kUncertain;
  arb_mul(w, w, lr, prec);
  const double d = std::fabs(internal::mid_d(w));
  const slong extra = d > 0 && d < 1 ? static_cast<slong>(-std::log2(d)) : 0;
  *wp = prec + std::min<slong>(extra, 8 * prec) + 16;
  return Case::kGeneral;
}

// K(u) = sign(u) |u|^{p+1} / (p+1); monotone with K(0) = 0, so a ball u containing 0 maps into
// [-r^{p+1}, r^{p+1}] / (p+1), r = sup |u|. Proof: CONT-UNIF-3.
void k_antiderivative(arb_t res, const arb_t u, const arb_t p1, slong prec) {
  Ball t;
  if (arb_is_zero(u)) {
    arb_zero(res);
    return;
  }
  if (!arb_contains_zero(u)) {
    arb_abs(t, u);
    arb_pow(t, t, p1, prec);
    if (arb_is_negative(u)) arb_neg(t, t);
    arb_div(res, t, p1, prec);
    return;
  }
  mag_t rm;
  mag_init(rm);
  arb_get_mag(rm, u);
  arf_set_mag(arb_midref(t), rm);
  mag_zero(arb_radref(t));
  arb_pow(t, t, p1, prec);
  arb_div(t, t, p1, prec);
  arb_get_mag(rm, t);
  arb_zero(res);
  arb_add_error_mag(res, rm);
  mag_clear(rm);
}

}  // namespace

// Proof: CONT-UNIF-1, CONT-UNIF-2.
void uniform_log_abs_mean(arb_t res, const arb_t lr, const arb_t a, const arb_t b, slong prec) {
  slong wp = prec;
  switch (classify(lr, a, b, prec, &wp)) {
    case Case::kZero:
      arb_zero(res);
      return;
    case Case::kUncertain:
      arb_indeterminate(res);
      return;
    case Case::kDegenerate: {
      Ball u;
      arb_mul(u, lr, a, prec + 16);
      arb_sub_ui(u, u, 1, prec + 16);
      arb_abs(u, u);
      arb_log(res, u, prec);
      return;
    }
    case Case::kGeneral:
      break;
  }
  Ball u1, u2, f1, f2, den;
  arb_mul(u1, lr, a, wp);
  arb_sub_ui(u1, u1, 1, wp);
  arb_neg(u1, u1);  // 1 - lr a
  arb_mul(u2, lr, b, wp);
  arb_sub_ui(u2, u2, 1, wp);
  arb_neg(u2, u2);  // 1 - lr b
  internal::xlogx_minus_x(f1, u1, wp);
  internal::xlogx_minus_x(f2, u2, wp);
  arb_sub(f1, f1, f2, wp);
  arb_sub(den, b, a, wp);
  arb_mul(den, den, lr, wp);
  arb_div(res, f1, den, prec);
}

// Proof: CONT-UNIF-3, CONT-UNIF-4 (-1 < p < 0: the same antiderivative, K continuous and increasing).
void uniform_abs_moment(arb_t res, const arb_t lr, const arb_t a, const arb_t b, const arb_t p,
                        slong prec) {
  if (!arb_is_finite(p)) {
    arb_indeterminate(res);
    return;
  }
  Ball p1;
  arb_add_ui(p1, p, 1, prec + 16);
  if (arb_is_nonpositive(p1)) throw InputError("uniform_abs_moment: exponent p <= -1 (the moment can be +inf)");
  if (arb_is_zero(p)) throw InputError("uniform_abs_moment: exponent p = 0");
  // p must be certainly in (-1, 0) or certainly > 0: a ball touching -1 or 0 cannot be certified.
  if (!arb_is_positive(p1) || arb_contains_zero(p)) {
    arb_indeterminate(res);
    return;
  }
  slong wp = prec;
  switch (classify(lr, a, b, prec, &wp)) {
    case Case::kZero:
      arb_one(res);
      return;
    case Case::kUncertain:
      arb_indeterminate(res);
      return;
    case Case::kDegenerate: {
      Ball u;
      arb_mul(u, lr, a, prec + 16);
      arb_sub_ui(u, u, 1, prec + 16);
      arb_abs(u, u);
      if (arb_is_zero(u) && arb_is_positive(p))
        arb_zero(res);
      else if (arb_is_positive(u))  // |u|^p with p < 0 is +inf at u = 0: no finite ball then
        arb_pow(res, u, p, prec);
      else
        arb_indeterminate(res);
      return;
    }
    case Case::kGeneral:
      break;
  }
  Ball u1, u2, k1, k2, den;
  arb_add_ui(p1, p, 1, wp);
  arb_mul(u1, lr, a, wp);
  arb_sub_ui(u1, u1, 1, wp);
  arb_neg(u1, u1);
  arb_mul(u2, lr, b, wp);
  arb_sub_ui(u2, u2, 1, wp);
  arb_neg(u2, u2);
  k_antiderivative(k1, u1, p1, wp);
  k_antiderivative(k2, u2, p1, wp);
  arb_sub(k1, k1, k2, wp);
  arb_sub(den, b, a, wp);
  arb_mul(den, den, lr, wp);
  arb_div(res, k1, den, prec);
}

}  // namespace lyapcert::continuous
