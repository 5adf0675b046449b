// Shared by the fast-kernel tests that compare a binary64 enclosure with an Arb reference (xy_test, xy_grad_test).
#pragma once
#include <arb.h>

#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast::arbref {

// An owned arb_t, optionally set exactly from a double.
struct ArbBall {
  arb_t v;
  ArbBall() { arb_init(v); }
  explicit ArbBall(double d) {
    arb_init(v);
    arb_set_d(v, d);
  }
  ~ArbBall() { arb_clear(v); }
  ArbBall(const ArbBall&) = delete;
  ArbBall& operator=(const ArbBall&) = delete;
};

// fast contains the Arb midpoint and meets the Arb ball.
inline bool contains_arb(const OutwardInterval& fast, const arb_t ref) {
  if (!arb_is_finite(ref)) return false;
  ArbBall lo(fast.lower()), hi(fast.upper());
  const bool mid_in = arf_cmp(arb_midref(lo.v), arb_midref(ref)) <= 0 && arf_cmp(arb_midref(ref), arb_midref(hi.v)) <= 0;
  const bool meets = !arb_lt(ref, lo.v) && !arb_gt(ref, hi.v);
  return mid_in && meets;
}

inline double mid_d(const arb_t x) { return arf_get_d(arb_midref(x), ARF_RND_NEAR); }

}  // namespace lyapcert::fast::arbref
