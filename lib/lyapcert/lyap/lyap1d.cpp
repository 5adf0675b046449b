#include "lyapcert/lyap/lyap1d.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"
#include "lyapcert/lyap/finite.hpp"

namespace lyapcert::lyap {
namespace {

// Negative moment orders are certified where E|1 - lr h|^p has a proved formula: finite laws (an exact finite sum;
// +inf when an atom sits at h = 1/lr, refused by the caller or by finite_abs_moment), normal, uniform, xy,
// bivariate and sqnormal laws, affine maps of them, and mixtures whose every component is one of these, for
// -1 < p < 0 (the 1F1 formula of CONT-GAUSS-3, the antiderivative of CONT-UNIF-4, the xy quadrature of
// CONT-XY-NEG-1, -2, -3 and the bivariate one of CONT-BIV-NEG-1 hold for every p > -1; for p <= -1 the moment is
// +inf whenever 1 - lr h can be 0; a mixture's moment is the weighted sum of its components' moments,
// LYAP1D-MOM-NEG-2). Sqnormal laws have their own finiteness rule (CONT-SQN-NEG-1), decided on the exact
// multiplier a + b h of the law at hand (a = 1, b = -lr at the top, changed by every affine map on the way down).
// Proof: LYAP1D-MOM-NEG-1.
void check_negative_moment_supported(const laws::CurvatureLaw& law, const Rational& p, const Rational& lr,
                                     Rational a, Rational b) {
  const laws::CurvatureLaw* node = &law;
  while (const auto* af = std::get_if<laws::AffineLaw>(&node->node())) {
    a += b * af->shift;
    b *= af->scale;
    node = af->inner.get();
  }
  if (node->is_finite()) return;
  if (const auto* m = std::get_if<laws::MixtureLaw>(&node->node())) {
    // Proof: LYAP1D-MOM-NEG-2 -- every component must be certified (one infinite component makes the sum +inf).
    for (const auto& part : m->parts) check_negative_moment_supported(*part.first, p, lr, a, b);
    return;
  }
  if (std::holds_alternative<laws::SqNormalLaw>(node->node())) {
    // Proof: CONT-SQN-NEG-1 -- the multiplier is a + b z^2 with z ~ N(mu, sigma^2), sigma > 0 and b != 0 (a
    // sqnormal law with sigma = 0 or under scale 0 is an atom, and lr > 0). a = 0: the zero sits at the edge of
    // the support of z^2, whose density blows up like its argument^(-1/2): finite iff p > -1/2. a, b of one
    // sign: the multiplier never vanishes, finite for every p < 0. Otherwise simple zeros inside the support:
    // finite iff p > -1.
    if (a == 0) {
      if (p <= Rational(-1, 2)) {
        throw InputError(fmt::format(
            "E|1 - lr h|^p is +inf for p = {} <= -1/2: 1 - lr h vanishes at h = 1/lr = {}, the edge of the support "
            "of a sqnormal law, where its density blows up like |h - 1/lr|^(-1/2) (-1/2 < p < 0 is finite)",
            exact::to_text(p), exact::to_text(1 / lr)));
      }
      return;
    }
    if ((a > 0) == (b > 0)) return;
    if (p <= -1) {
      throw InputError(fmt::format(
          "E|1 - lr h|^p is +inf for p = {} <= -1: 1 - lr h vanishes at h = 1/lr = {} inside the support of a "
          "sqnormal law, where its density is positive (-1 < p < 0 is finite)",
          exact::to_text(p), exact::to_text(1 / lr)));
    }
    return;
  }
  const char* family = nullptr;
  if (std::holds_alternative<laws::NormalLaw>(node->node())) family = "a normal";
  if (std::holds_alternative<laws::UniformLaw>(node->node())) family = "a uniform";
  // CONT-XY-NEG-1, -2, -3 and CONT-BIV-NEG-1: the pole of |1 - lr h|^p is integrable against these laws for p > -1.
  if (std::holds_alternative<laws::XyLaw>(node->node())) family = "an xy";
  if (std::holds_alternative<laws::BivariateLaw>(node->node())) family = "a bivariate";
  if (family == nullptr) {  // every family is listed above; a new one must decide its negative moments first
    throw InputError(fmt::format("moment order p = {} < 0 is not certified for this law", exact::to_text(p)));
  }
  if (p <= -1) {
    throw InputError(fmt::format("moment order p = {} <= -1 of {} law is not supported (+inf when 1 - lr h "
                                 "can be 0); -1 < p < 0 is",
                                 exact::to_text(p), family));
  }
}

bool some_multiplier_is_zero(const Multipliers& r) {
  for (const auto& n : r.num) {
    if (n.is_zero()) return true;
  }
  return false;
}

struct Evaluation {
  bool minus_infinity = false;
  exact::Ball ball;
};

// Proof: LOOP-1 -- the generic refinement loop. `eval(prec)` returns an enclosure at working
// precision prec; `is_zero()` decides exact zero (called at most once, only when an enclosure
// contains 0). Precision doubles, so the loop ends after at most log2(max_bits / start) + 1 rounds.
CertifiedResult refine(const Accuracy& acc, const std::function<Evaluation(slong)>& eval,
                       const std::function<exact::Tri()>& is_zero) {
  CertifiedResult res;
  res.digits_requested = acc.digits;
  const slong target = std::min<slong>(acc.max_bits, static_cast<slong>(acc.digits * 3.33) + 32);
  slong prec = target;
  // Under a time budget (core::StopScope) an expensive first round (thousands of bits: Arb's quadrature nodes alone
  // take minutes at 10^4 digits and cannot be interrupted) is approached from kRampBits up, doubling, so that some
  // enclosure exists early; from the target on the rounds are the usual ones, so the result is the same whenever
  // the budget suffices (a round below the target does not meet the target's width; if it ever did, its enclosure
  // is certified all the same). The exact zero test waits for the target. A round predicted to overrun the budget
  // is not started.
  constexpr slong kRampBits = 256;
  const bool budgeted = std::isfinite(core::scope_seconds_left());
  if (budgeted && target > 4 * kRampBits) prec = kRampBits;
  double last_round = 0;  // seconds of the last finished round
  bool zero_tested = false;
  exact::Tri zero = exact::Tri::unknown;
  bool have = false;  // res.value holds an enclosure from a finished round
  const auto budget_note = [&](slong bits) {
    return fmt::format("time budget exhausted at {} bits: best certified enclosure printed", bits);
  };
  while (true) {
    if (have && budgeted && 6 * last_round > core::scope_seconds_left()) {
      // The next round (about 4-8 times the last one per doubling) would overrun the budget: stop here.
      res.converged = false;
      if (res.value.ball.contains_zero()) res.value.sign = Sign::undetermined;
      res.message = budget_note(res.bits_used);
      return res;
    }
    const auto round_start = std::chrono::steady_clock::now();
    Evaluation e = eval(prec);
    last_round = std::chrono::duration<double>(std::chrono::steady_clock::now() - round_start).count();
    // Proof: LOOP-1 -- a round cut short by a stop (core::stop_requested: quadratures then return the whole
    // line) is never used as a value; the last finished round's enclosure stands.
    core::throw_if_interrupted();
    const bool out_of_time = core::scope_expired();
    if (out_of_time && !e.minus_infinity && !e.ball.is_finite()) {
      if (!have) {
        throw core::BudgetExhausted(fmt::format(
            "the time budget ended before a first enclosure (working precision {} bits); raise --time-budget", prec));
      }
      res.converged = false;
      res.message = budget_note(res.bits_used);
      return res;
    }
    res.bits_used = prec;
    if (e.minus_infinity) {
      res.value.minus_infinity = true;
      res.value.sign = Sign::negative;
      res.converged = true;
      return res;
    }
    const bool width_ok = internal_width_ok(e.ball, acc.digits);
    const bool has_zero = e.ball.contains_zero();
    if (has_zero && !zero_tested && !out_of_time && prec >= target) {
      zero_tested = true;
      zero = is_zero();
      if (zero == exact::Tri::yes) {
        arb_zero(res.value.ball.get());
        res.value.exact = true;
        res.value.sign = Sign::zero;
        res.converged = true;
        res.message = "the value is exactly 0 (decided in exact integer arithmetic)";
        return res;
      }
    }
    if (!has_zero) {
      res.value.sign = arb_is_positive(e.ball.get()) ? Sign::positive : Sign::negative;
    }
    res.value.ball = std::move(e.ball);
    have = true;
    if (width_ok && !has_zero) {
      res.converged = true;
      return res;
    }
    if (out_of_time) {
      res.converged = false;
      if (has_zero) res.value.sign = Sign::undetermined;
      res.message = budget_note(prec);
      return res;
    }
    if (prec < target) {  // the ramp under a budget: a certified enclosure so far, not the requested precision
      prec = std::min<slong>(target, 2 * prec);
      continue;
    }
    if (prec >= acc.max_bits) {
      res.converged = width_ok;
      if (has_zero) {
        res.value.sign = Sign::undetermined;
        res.message = fmt::format(
            "sign undetermined: the enclosure still contains 0 at the working-precision cap of {} bits{}; "
            "raise --max-bits",
            acc.max_bits,
            zero == exact::Tri::no ? " (the value is proved nonzero)"
                                   : (zero == exact::Tri::unknown ? " (the exact zero test ran out of budget)" : ""));
      } else {
        res.message = fmt::format("requested digits not reached at the working-precision cap of {} bits", acc.max_bits);
      }
      return res;
    }
    prec = std::min<slong>(acc.max_bits, 2 * prec);
  }
}

// Binary64 digits are tried up to this request; beyond it the fast interval cannot meet the width.
constexpr int kFastPathMaxDigits = 14;

// Proof: LYAP1D-FAST-1 (proofs/fast/gaussian.md) -- the binary64 enclosure of FAST-GAUSS-1 .. 8 is
// returned only when it is finite, excludes 0 (so its sign is the sign of the value, as the Arb loop
// would certify it) and meets the requested width; otherwise nothing, and the Arb loop runs.
std::optional<CertifiedResult> fast_path(const laws::CurvatureLaw& law, const exact::Rational& a,
                                         const exact::Rational& b, const Accuracy& acc) {
  if (acc.digits > kFastPathMaxDigits) return std::nullopt;
  // Target width a fifth of what internal_width_ok accepts (0.25 10^-digits max(1, |value|)).
  const double tol = std::max(1e-13, 0.2 * std::pow(10.0, -acc.digits));
  const std::optional<fast::OutwardInterval> iv = fast_log_abs_mean(law, a, b, tol);
  if (!iv || boost::numeric::empty(*iv) || !std::isfinite(iv->lower()) || !std::isfinite(iv->upper())) {
    return std::nullopt;
  }
  if (!(iv->lower() > 0.0 || iv->upper() < 0.0)) return std::nullopt;  // sign not decided
  CertifiedResult res;
  res.digits_requested = acc.digits;
  exact::set_interval_d(res.value.ball.get(), iv->lower(), iv->upper(), 64);  // exact: 64 bits hold a binary64 hull
  if (!internal_width_ok(res.value.ball, acc.digits)) return std::nullopt;
  res.value.sign = iv->lower() > 0.0 ? Sign::positive : Sign::negative;
  res.converged = true;
  res.bits_used = 53;
  // xy goes through the binary64 Taylor-model quadrature (FAST-XY-*), the other laws through closed forms.
  res.method = method_name(law) == "certified-quadrature" ? "certified-quadrature-binary64" : "closed-form-binary64";
  return res;
}

void check_lr(const exact::Rational& lr) {
  if (lr <= 0) throw InputError(fmt::format("learning rate must be > 0, got {}", exact::to_text(lr)));
}

}  // namespace

void check_accuracy(const Accuracy& acc) {
  if (acc.digits < 1 || acc.digits > 10000) {
    throw InputError(fmt::format("--digits must be in [1, 10000], got {}", acc.digits));
  }
  if (acc.max_bits < 64 || acc.max_bits > (1L << 26)) {
    throw InputError(fmt::format("--max-bits must be in [64, 2^26], got {}", acc.max_bits));
  }
}

CertifiedResult certify_log_abs_mean(const laws::CurvatureLaw& law, const exact::Rational& a,
                                     const exact::Rational& b, const Accuracy& acc) {
  check_accuracy(acc);
  CertifiedResult res;
  if (law.is_finite()) {
    const FiniteLaw& f = law.finite();
    const Multipliers r = multipliers(f, a, b);
    res = refine(
        acc,
        [&](slong prec) {
          FiniteEval e = finite_exponent(f, r, prec);
          return Evaluation{e.minus_infinity, std::move(e.value)};
        },
        [&] { return finite_exponent_is_zero(f, r); });
    res.method = "finite-exact-products";
  } else if (std::optional<CertifiedResult> quick = fast_path(law, a, b, acc)) {
    res = std::move(*quick);
  } else {
    // Continuous (or mixed) laws: no exact zero test; the sign comes from the enclosure alone.
    res = refine(
        acc,
        [&](slong prec) {
          FiniteEval e = log_abs_mean(law, a, b, prec);
          return Evaluation{e.minus_infinity, std::move(e.value)};
        },
        [] { return exact::Tri::unknown; });
    res.method = method_name(law, Quantity::kLogMean, a, b);
  }
  if (res.value.minus_infinity) {
    res.message = "an atom sits exactly where the multiplier vanishes: it is 0 with positive probability";
  }
  return res;
}

CertifiedResult certify_lyap1d(const laws::CurvatureLaw& law, const exact::Rational& lr, const Accuracy& acc) {
  check_accuracy(acc);
  check_lr(lr);
  CertifiedResult res = certify_log_abs_mean(law, Rational(1), Rational(-lr), acc);
  if (res.value.minus_infinity) {
    res.message = "an atom sits exactly at h = 1/lr: the multiplier vanishes with positive probability";
  }
  return res;
}

CertifiedResult certify_moment(const laws::CurvatureLaw& law, const exact::Rational& lr, const exact::Rational& p,
                               const Accuracy& acc) {
  check_accuracy(acc);
  check_lr(lr);
  if (p == 0) throw InputError("moment order p must be nonzero (g(0) = 0 carries no information)");
  if (p < 0) check_negative_moment_supported(law, p, lr, Rational(1), Rational(-lr));
  CertifiedResult res;
  const Rational second = second_moment_affine(law, Rational(1), Rational(-lr));
  if (law.is_finite()) {
    const FiniteLaw& f = law.finite();
    const Multipliers r = multipliers(f, lr);
    // Proof: LYAP1D-MOM-NEG-1 -- for p < 0 an atom at multiplier 0 makes E|1 - lr h|^p = +inf.
    if (p < 0 && some_multiplier_is_zero(r)) {
      throw InputError(fmt::format("E|1 - lr h|^p is +inf for p = {} < 0: an atom sits exactly at h = 1/lr",
                                   exact::to_text(p)));
    }
    res = refine(
        acc,
        [&](slong prec) {
          FiniteEval e = finite_moment_exponent(f, r, p, prec);
          return Evaluation{e.minus_infinity, std::move(e.value)};
        },
        [&] { return finite_moment_is_zero(f, r, p); });
    res.method = "finite-exact-moments";
  } else {
    res = refine(
        acc,
        [&](slong prec) {
          Evaluation e;
          if (p == 2) {  // exact rational second moment
            exact::Fmpq q;
            exact::set_fmpq(q, second);
            arb_set_fmpq(e.ball.get(), q, prec + 8);
          } else {
            e.ball = abs_moment(law, Rational(1), Rational(-lr), p, prec + 8);
          }
          arb_log(e.ball.get(), e.ball.get(), prec);
          return e;
        },
        [&] { return p == 2 ? (second == 1 ? exact::Tri::yes : exact::Tri::no) : exact::Tri::unknown; });
    res.method = p == 2 ? "exact-second-moment" : method_name(law, Quantity::kMoment);
  }
  // Proof: LYAP1D-L2-1 -- E(1 - lr h)^2 < 1 decided on the exact second moment.
  if (p == 2) res.l2_stable = second < 1;
  if (res.value.minus_infinity) res.message = "every atom sits at h = 1/lr: E|1 - lr h|^p = 0";
  return res;
}

}  // namespace lyapcert::lyap
