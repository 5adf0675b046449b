// lyapcert::lyapnd internal: outward-rounded binary64 enclosures of sin(pi t), cos(pi t), atan and of the line
// angle of an image vector, for the d = 2 cell bounds of h and the image arcs of the transfer iteration
// (proofs/lyapnd/transfer.md, LYAPND-TRANS-5..7). The Arb evaluation of the same quantities was about half of the
// d = 2 certificate's CPU; these kernels do the same with fast::OutwardInterval (every operation rounded outward,
// FAST-RND-2), a table of Arb enclosures at multiples of 1/64 built once, and short Taylor polynomials whose
// remainder is bounded from the enclosure of the reduced argument itself, so no libm error bound is assumed.
#pragma once

#include "lyapcert/fast/interval.hpp"

namespace lyapcert::lyapnd::internal {

using fast::OutwardInterval;

// Enclosure of pi (from Arb).
const OutwardInterval& pi_enclosure();

// s, c contain sin(pi t), cos(pi t) for the finite double t; false (s, c untouched) when |t| > 2^20.
// Width a few units in the last place. Proof: LYAPND-TRANS-5.
bool sin_cos_pi_enclose(double t, OutwardInterval& s, OutwardInterval& c);

// Enclosure of atan(y) for a finite double y. Proof: LYAPND-TRANS-6.
OutwardInterval atan_enclose(double y);

// Enclosure of { atan(y) : y in Y } (atan is increasing: the endpoints' enclosures; an infinite end gives +-pi/2).
// Proof: LYAPND-TRANS-6.
OutwardInterval atan_enclose(const OutwardInterval& y);

// For every w in W1 x W2 (w != 0), a real psi with v(psi) = (cos pi psi, sin pi psi) parallel to w, enclosed:
// atan(w2 / w1) / pi when the component w1 (negated if its midpoint is negative, with w2) is certified positive and
// |mid w1| >= |mid w2|, otherwise 1/2 - atan(w1 / w2) / pi when w2 (likewise) is. false when the chosen component is
// not certified nonzero or an enclosure is not finite. Proof: LYAPND-TRANS-6 (c).
bool line_angle_enclose(OutwardInterval w1, OutwardInterval w2, OutwardInterval& psi);

}  // namespace lyapcert::lyapnd::internal
