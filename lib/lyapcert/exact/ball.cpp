#include "lyapcert/exact/ball.hpp"

#include <flint/flint.h>

namespace lyapcert::exact {

void set_ball(arb_t out, const Rational& x, slong prec) {
  fmpq_t q;
  fmpq_init(q);
  set_fmpq(q, x);
  arb_set_fmpq(out, q, prec);  // rounds with a rigorous radius (Arb's contract)
  fmpq_clear(q);
}

void set_interval_d(arb_t out, double lo, double hi, slong prec) {
  arf_t a, b;
  arf_init(a);
  arf_init(b);
  arf_set_d(a, lo);  // exact
  arf_set_d(b, hi);
  arb_set_interval_arf(out, a, b, prec);
  arf_clear(a);
  arf_clear(b);
}

Ball Ball::from_rational(const Rational& x, slong prec) {
  Ball b;
  set_ball(b.v_, x, prec);
  return b;
}

std::string Ball::debug_str(slong digits) const {
  char* s = arb_get_str(v_, digits, 0);
  std::string out(s);
  flint_free(s);
  return out;
}

}  // namespace lyapcert::exact
