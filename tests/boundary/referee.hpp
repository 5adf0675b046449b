// Independent referee for the boundary tests: MPFI (interval MPFR) evaluation of the finite-law exponent
// sum_j p_j log|1 - lr h_j| atom by atom from Boost rationals. Shares no code with lyapcert::boundary
// (which uses Arb grouped products and its own singular-point logic).
#pragma once
#include <mpfi.h>

#include <vector>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::boundary::test {

using exact::Rational;

struct FiniteSpec {
  std::vector<Rational> h, p;
};

// -1, +1, or 0 when the referee interval contains 0 at this precision. An atom at 1/lr gives -1 (-inf).
inline int referee_sign(const FiniteSpec& law, const Rational& lr, mpfr_prec_t prec) {
  for (const Rational& h : law.h) {
    if (lr * h == 1) return -1;
  }
  mpfi_t acc, t, w;
  mpfi_init2(acc, prec);
  mpfi_init2(t, prec);
  mpfi_init2(w, prec);
  mpfi_set_ui(acc, 0);
  for (std::size_t j = 0; j < law.h.size(); ++j) {
    Rational r = 1 - lr * law.h[j];
    if (r < 0) r = -r;
    mpfi_set_q(t, r.backend().data());
    mpfi_log(t, t);
    mpfi_set_q(w, law.p[j].backend().data());
    mpfi_mul(t, t, w);
    mpfi_add(acc, acc, t);
  }
  const int s = mpfi_is_strictly_pos(acc) > 0 ? 1 : (mpfi_is_strictly_neg(acc) > 0 ? -1 : 0);
  mpfi_clear(acc);
  mpfi_clear(t);
  mpfi_clear(w);
  return s;
}

// Referee sign with the precision raised until decided (or 0 at the cap).
inline int referee_sign_auto(const FiniteSpec& law, const Rational& lr, mpfr_prec_t max_prec = 1 << 15) {
  for (mpfr_prec_t p = 128; p <= max_prec; p *= 2) {
    const int s = referee_sign(law, lr, p);
    if (s != 0) return s;
  }
  return 0;
}

}  // namespace lyapcert::boundary::test
