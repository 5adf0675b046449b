// The mean-value-theorem check of the boundary models' derivative enclosures, shared by the tests of every law
// family (Proof: BND-DER-1..4, BND-SQS-*): for a < b the secant slope (Lambda(b) - Lambda(a)) / (b - a), with
// Lambda from lyap::log_abs_mean (the lyap1d path, which shares no code with the derivative), must lie in the
// derivative enclosure over [a, b]; on narrow cells (b - a = a 2^-30) the enclosure must also be tight (relative
// radius below 2^-20), and the model's value must overlap the lyap1d value.
#pragma once
#include <arb.h>
#include <gtest/gtest.h>

#include <vector>

#include "lyapcert/boundary.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"

namespace lyapcert::boundary::test {

// Checks every law at the points 1/64, 3/10, 9/10, 7/4, 5, 40 on cells of relative width 2^-10 and 2^-30.
// Returns how many cells were skipped because an end's value is -inf (an atom of the law at 1/lr).
inline int expect_derivative_contains_secants(const std::vector<const char*>& laws) {
  using exact::Rational;
  int skipped = 0;
  const char* points[] = {"1/64", "3/10", "9/10", "7/4", "5", "40"};
  for (const char* text : laws) {
    SCOPED_TRACE(text);
    const auto law = laws::parse_curvature_law(text);
    const ExponentModel model(law);
    for (const char* pt : points) {
      SCOPED_TRACE(pt);
      const Rational a = exact::parse_rational(pt);
      for (int k : {10, 30}) {
        const Rational b = a + a / Rational(exact::Integer(1) << k);
        const slong prec = 256;
        auto va = lyap::log_abs_mean(law, Rational(1), Rational(-a), prec);
        auto vb = lyap::log_abs_mean(law, Rational(1), Rational(-b), prec);
        if (va.minus_infinity || vb.minus_infinity) {
          ++skipped;
          continue;
        }
        exact::Ball X, d, sec, w;
        set_interval(X.get(), a, b, prec);
        model.derivative(d.get(), X.get(), prec);
        arb_sub(sec.get(), vb.value.get(), va.value.get(), prec);
        set_ball(w.get(), b - a, prec);
        arb_div(sec.get(), sec.get(), w.get(), prec);
        if (arb_is_finite(d.get()) && arb_is_finite(sec.get())) {
          EXPECT_TRUE(arb_overlaps(d.get(), sec.get()))
              << "derivative " << arb_get_str(d.get(), 20, 0) << " secant " << arb_get_str(sec.get(), 20, 0);
          if (k == 30) {
            mag_t r;
            mag_init(r);
            arb_get_mag(r, d.get());
            mag_mul_2exp_si(r, r, -20);
            EXPECT_LT(mag_cmp(arb_radref(d.get()), r), 0) << arb_get_str(d.get(), 20, 0);
            mag_clear(r);
          }
        } else {
          ADD_FAILURE() << "non-finite enclosure on a narrow cell";
        }
        set_ball(w.get(), a, prec);
        model.value(d.get(), w.get(), prec);
        EXPECT_TRUE(arb_overlaps(d.get(), va.value.get()));
      }
    }
  }
  return skipped;
}

}  // namespace lyapcert::boundary::test
