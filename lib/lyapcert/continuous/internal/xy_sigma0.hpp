// Module-private: the sigma = 0 path of the xy laws (h = x y with y = k x exactly), used by xy.cpp.
#pragma once
#include <arb.h>

namespace lyapcert::continuous::internal {

// sigma = 0: E log|a + c u^2| (kind 0) or E|a + c u^2|^p (kind 1), u ~ chi_S. Proof: CONT-XY-5, CONT-XY-6.
void sigma0(arb_t res, const arb_t a, const arb_t c, ulong S, const arb_t p, int kind, slong prec);

}  // namespace lyapcert::continuous::internal
