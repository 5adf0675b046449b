// lyapcert::exact::Ball -- an owning RAII wrapper around Arb's arb_t (midpoint-radius ball).
// Guarantee carried by every Ball that the library returns as an enclosure: the exact value lies
// in [mid - rad, mid + rad]. Precision (bits) is always an explicit argument, never ambient.
#pragma once
#include <arb.h>

#include <string>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::exact {

class Ball {
 public:
  Ball() noexcept { arb_init(v_); }
  Ball(const Ball& o) { arb_init(v_); arb_set(v_, o.v_); }
  Ball(Ball&& o) noexcept { arb_init(v_); arb_swap(v_, o.v_); }
  Ball& operator=(const Ball& o) { arb_set(v_, o.v_); return *this; }
  Ball& operator=(Ball&& o) noexcept { arb_swap(v_, o.v_); return *this; }
  ~Ball() { arb_clear(v_); }

  arb_ptr get() noexcept { return v_; }
  arb_srcptr get() const noexcept { return v_; }
  // A Ball passes straight to Arb functions (arb_add(b, x, y, prec)); operator-> lets Arb's arb_midref /
  // arb_radref macros work on it.
  operator arb_ptr() noexcept { return v_; }
  operator arb_srcptr() const noexcept { return v_; }
  arb_ptr operator->() noexcept { return v_; }
  arb_srcptr operator->() const noexcept { return v_; }

  // The ball around x rounded to prec bits (exact when x is dyadic and fits).
  static Ball from_rational(const Rational& x, slong prec);
  static Ball from_fmpz(const fmpz_t x, slong prec) { Ball b; arb_set_round_fmpz(b.v_, x, prec); return b; }
  static Ball from_si(slong x) { Ball b; arb_set_si(b.v_, x); return b; }

  bool contains_zero() const { return arb_contains_zero(v_); }
  bool is_finite() const { return arb_is_finite(v_); }
  // Arb's own text, for debugging and test messages only (not an output format).
  std::string debug_str(slong digits = 20) const;

 private:
  arb_t v_;
};

// out = the ball around the exact rational x at prec bits (Arb's rounding contract).
void set_ball(arb_t out, const Rational& x, slong prec);

// out = a ball containing [lo, hi] (finite doubles, lo <= hi) at precision prec (>= 64 keeps binary64 endpoints
// exact; Arb's arb_set_interval_arf rounds outward otherwise).
void set_interval_d(arb_t out, double lo, double hi, slong prec);

}  // namespace lyapcert::exact
