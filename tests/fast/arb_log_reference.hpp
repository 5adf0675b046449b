// Arb (200-bit) reference for the fast-path logarithm tests: an independent library evaluates log
// of the exact double input; containment checks use Arb's outward-rounded ball bounds, so a pass
// is conclusive.
#pragma once
#include <arb.h>

#include <cmath>

namespace lyapcert::fast::testing {

class ArbLog {
 public:
  static constexpr slong kPrec = 200;
  ArbLog() {
    arb_init(x_);
    arb_init(y_);
    arb_init(t_);
    arf_init(bound_);
    arf_init(point_);
  }
  ~ArbLog() {
    arb_clear(x_);
    arb_clear(y_);
    arb_clear(t_);
    arf_clear(bound_);
    arf_clear(point_);
  }
  ArbLog(const ArbLog&) = delete;
  ArbLog& operator=(const ArbLog&) = delete;

  // Evaluates log x (x > 0 finite) at 200 bits; later calls refer to this value.
  void set(double x) {
    arb_set_d(x_, x);
    arb_log(y_, x_, kPrec);
  }
  // True iff the whole Arb ball of log x lies in [lo, hi].
  bool inside(double lo, double hi) {
    arb_get_lbound_arf(bound_, y_, kPrec);
    arf_set_d(point_, lo);
    if (arf_cmp(bound_, point_) < 0) return false;
    arb_get_ubound_arf(bound_, y_, kPrec);
    arf_set_d(point_, hi);
    return arf_cmp(bound_, point_) <= 0;
  }
  // Upper bound on |approx - log x| / |log x|, in units of u = 2^-53 (log x != 0).
  double relative_error_in_u(double approx) {
    arb_set_d(t_, approx);
    arb_sub(t_, t_, y_, kPrec);
    arb_div(t_, t_, y_, kPrec);
    arb_abs(t_, t_);
    arb_mul_2exp_si(t_, t_, 53);
    arb_get_ubound_arf(bound_, t_, kPrec);
    return arf_get_d(bound_, ARF_RND_UP);
  }
  // Upper bound on |approx - log x| / ulp(approx) (ulp = gap to the next double away from 0).
  double error_in_ulps(double approx) {
    const double a = std::fabs(approx);
    const double ulp = std::nextafter(a, INFINITY) - a;
    arb_set_d(t_, approx);
    arb_sub(t_, t_, y_, kPrec);
    arb_abs(t_, t_);
    arb_div_arf(t_, t_, arf_set_d_ret(ulp), kPrec);
    arb_get_ubound_arf(bound_, t_, kPrec);
    return arf_get_d(bound_, ARF_RND_UP);
  }

 private:
  arf_srcptr arf_set_d_ret(double v) {
    arf_set_d(point_, v);
    return point_;
  }
  arb_t x_, y_, t_;
  arf_t bound_, point_;
};

}  // namespace lyapcert::fast::testing
