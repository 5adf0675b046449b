// Links against the installed library and checks one certified value against ln 2 / 3.
#include <cstdio>

#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

int main() {
  const auto law = lyapcert::laws::parse_curvature_law("atoms(-1:1/3, 1/2:2/3)");
  const auto res = lyapcert::lyap::certify_lyap1d(law, lyapcert::exact::Rational(1), {20, 65536});
  arb_t ref;
  arb_init(ref);
  arb_const_log2(ref, 128);
  arb_div_si(ref, ref, -3, 128);
  const bool ok = arb_overlaps(ref, res.value.ball.get()) && res.value.sign == lyapcert::lyap::Sign::negative;
  arb_clear(ref);
  std::puts(ok ? "consumer ok" : "consumer MISMATCH");
  return ok ? 0 : 1;
}
