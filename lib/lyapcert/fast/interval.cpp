#include "lyapcert/fast/interval.hpp"

#include <mpfr.h>

#include <cfenv>

namespace lyapcert::fast {

bool floating_point_environment_ok() noexcept {
  // Reading the mode is allowed; it is never changed.
  if (std::fegetround() != FE_TONEAREST) return false;
  volatile double tiny = 0x1p-1073;         // subnormal input (DAZ would read it as 0)
  volatile double doubled = tiny * 2.0;     // 2^-1072, still subnormal (FTZ would flush it)
  volatile double halved = 0x1p-1022 * 0.5; // normal input, subnormal output
  return doubled == 0x1p-1072 && halved == 0x1p-1023;
}

namespace {

// [RD(q), RU(q)]: MPFR rounds q to 53 bits with an unbounded exponent in the directed mode, then
// mpfr_get_d rounds that to binary64 (subnormals, overflow) in the same direction; the composition
// of two roundings in one direction onto nested sets is the rounding onto the smaller set.
// Proof: FAST-RND-4.
template <class SetFn>
OutwardInterval enclose_with(SetFn set) {
  mpfr_t lo, hi;
  mpfr_init2(lo, 53);
  mpfr_init2(hi, 53);
  set(lo, MPFR_RNDD);
  set(hi, MPFR_RNDU);
  const double l = mpfr_get_d(lo, MPFR_RNDD);
  const double u = mpfr_get_d(hi, MPFR_RNDU);
  mpfr_clear(lo);
  mpfr_clear(hi);
  return OutwardInterval(l, u);
}

}  // namespace

OutwardInterval enclose(mpq_srcptr q) {
  return enclose_with([q](mpfr_ptr r, mpfr_rnd_t rnd) { mpfr_set_q(r, q, rnd); });
}

OutwardInterval enclose(const fmpq_t q) {
  return enclose_with([q](mpfr_ptr r, mpfr_rnd_t rnd) { fmpq_get_mpfr(r, q, rnd); });
}

}  // namespace lyapcert::fast
