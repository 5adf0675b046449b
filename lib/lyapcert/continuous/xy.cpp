#include "lyapcert/continuous/xy.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "lyapcert/continuous/internal/integrate.hpp"
#include "lyapcert/continuous/internal/mixture.hpp"
#include "lyapcert/continuous/internal/xy_sigma0.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::continuous {

using exact::Ball;

namespace {

// Validation and the reduction shared by the log and the moment paths. Returns false when res is already the
// answer (an indeterminate ball for inputs that cannot be certified). Otherwise the caller dispatches on the
// returned kind: b = 0 exactly (the constant a), sigma = 0 exactly (the scaled chi-square law,
// internal::sigma0), or the half-line mixture g (CONT-XY-2: a + b h_B | t ~ N(a + c t^2, (e t)^2) with
// c = b k / S, e = |b| sigma / S, t ~ chi_S).
enum class XyCase { kConstant, kSigmaZero, kMixture };

struct XySetup {
  XyCase kind = XyCase::kMixture;
  slong wp = 0;  // working precision of the reduction
  Ball c, e, K, zero, mu, s;
  internal::HalfLineMixture g{};
};

bool xy_setup(XySetup& st, arb_t res, const arb_t a, const arb_t b, const arb_t k, const arb_t sigma, ulong S,
              slong prec, const char* name) {
  if (S == 0) throw InputError(std::string(name) + ": batch size S = 0");
  if (arb_is_finite(sigma) && arb_is_negative(sigma)) throw InputError(std::string(name) + ": sigma < 0");
  if (!arb_is_finite(a) || !arb_is_finite(b) || !arb_is_finite(k) || !arb_is_finite(sigma) ||
      !arb_is_nonnegative(sigma) || (!arb_is_zero(b) && arb_contains_zero(b))) {
    arb_indeterminate(res);
    return false;
  }
  if (arb_is_zero(b)) {
    st.kind = XyCase::kConstant;
    return true;
  }
  // Extra working bits so that the absolute tolerance 2^-prec keeps relative accuracy for small |b| (the
  // exponent and log of the moment are O(b) then): both paths use them.
  const double bu = internal::abs_upper_d(b);
  const slong small_b_bits = bu < 1 ? std::min<slong>(static_cast<slong>(-std::log2(bu)) + 1, prec) : 0;
  st.wp = prec + small_b_bits + 10;
  arb_mul(st.c, b, k, st.wp);
  arb_div_ui(st.c, st.c, S, st.wp);
  if (arb_is_zero(sigma)) {
    st.kind = XyCase::kSigmaZero;
    return true;
  }
  if (!arb_is_positive(sigma)) {
    arb_indeterminate(res);
    return false;
  }
  st.kind = XyCase::kMixture;
  arb_abs(st.e, b);
  arb_mul(st.e, st.e, sigma, st.wp);
  arb_div_ui(st.e, st.e, S, st.wp);
  internal::chi_norm(st.K, S, st.wp);
  arb_one(st.s);
  st.g = internal::HalfLineMixture{a, st.zero, st.c, st.e, st.K, st.mu, st.s, static_cast<slong>(S) - 1};
  return true;
}

}  // namespace

// Proof: CONT-XY-1 .. CONT-XY-6.
void xy_log_abs_mean(arb_t res, const arb_t a, const arb_t b, const arb_t k, const arb_t sigma,
                     ulong S, slong prec) {
  XySetup st;
  if (!xy_setup(st, res, a, b, k, sigma, S, prec, "xy_log_abs_mean")) return;
  switch (st.kind) {
    case XyCase::kConstant: {
      Ball t;
      arb_abs(t, a);
      arb_log(res, t, prec);
      return;
    }
    case XyCase::kSigmaZero:
      internal::sigma0(res, a, st.c, S, nullptr, 0, prec);
      return;
    case XyCase::kMixture: {
      Ball r;
      internal::mixture_log_abs_mean(r, st.g, st.wp);
      arb_set_round(res, r, prec);
      return;
    }
  }
}

// Proof: CONT-XY-9 (sigma > 0), CONT-XY-6 (sigma = 0); -1 < p < 0: CONT-XY-NEG-1 (sigma > 0), CONT-XY-NEG-2
// (sigma = 0); sigma = 0 and a = 0 (any p): CONT-XY-NEG-3.
void xy_abs_moment(arb_t res, const arb_t a, const arb_t b, const arb_t k, const arb_t sigma,
                   ulong S, const arb_t p, slong prec) {
  Ball p1;
  arb_add_ui(p1, p, 1, prec + 20);
  if (arb_is_finite(p) && (arb_is_zero(p) || arb_is_nonpositive(p1))) {
    throw InputError("xy_abs_moment: p must satisfy p > -1 and p != 0");
  }
  XySetup st;
  if (!xy_setup(st, res, a, b, k, sigma, S, prec, "xy_abs_moment")) return;
  if (!arb_is_finite(p) || arb_contains_zero(p) || !arb_is_positive(p1)) {
    arb_indeterminate(res);
    return;
  }
  if (arb_is_negative(p) && st.kind == XyCase::kConstant && arb_contains_zero(a)) {
    arb_indeterminate(res);  // |a|^p is +inf at a = 0
    return;
  }
  switch (st.kind) {
    case XyCase::kConstant: {
      Ball t;
      arb_abs(t, a);
      arb_pow(res, t, p, prec);
      return;
    }
    case XyCase::kSigmaZero:
      internal::sigma0(res, a, st.c, S, p, 1, prec);
      return;
    case XyCase::kMixture: {
      Ball r;
      internal::mixture_abs_moment(r, st.g, p, st.wp);
      arb_set_round(res, r, prec);
      return;
    }
  }
}

}  // namespace lyapcert::continuous
