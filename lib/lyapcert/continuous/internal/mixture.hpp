// Module-private: the half-line Gaussian-mixture engine (CONT-XY-1 .. CONT-XY-4, CONT-XY-9). It integrates
// E G(m(u), e u) against a weight K u^P exp(-(u - mu)^2 / (2 s^2)) on u >= 0, where G(m, v) is a Gaussian
// expectation (log|m + v z| or |m + v z|^p): the xy laws (xy.cpp, xy_sigma0.cpp) and the bivariate laws
// (bivariate.cpp) reduce to it. The entry points are mixture_log_abs_mean and mixture_abs_moment; the rest is
// exported for the sigma = 0 path of xy, which integrates other integrands against the same weight.
#pragma once
#include <acb.h>
#include <arb.h>

namespace lyapcert::continuous::internal {

// Gaussian mixture along a half-line (CONT-XY-2): the weight K u^P exp(-(u - mu)^2 / (2 s^2)) on
// u >= 0 and the conditional law N(a + c1 u + c2 u^2, (e u)^2).
struct HalfLineMixture {
  arb_srcptr a, c1, c2, e;  // e > 0
  arb_srcptr K, mu, s;      // K > 0, s > 0
  slong P;                  // 0 <= P
};

// res := int_0^inf G(a + c1 u + c2 u^2, e u) K u^P exp(-(u - mu)^2/(2 s^2)) du (G = gauss_log_abs_mean).
// Proof: CONT-XY-1 .. CONT-XY-4.
void mixture_log_abs_mean(arb_t res, const HalfLineMixture& g, slong prec);

// res := the same with G replaced by E|N(m, v^2)|^p (gauss_abs_moment), p > 0 or -1 < p < 0 (the pole of
// |m + v z|^p is integrable for p > -1). Proof: CONT-XY-9, CONT-XY-NEG-1.
void mixture_abs_moment(arb_t res, const HalfLineMixture& g, const arb_t p, slong prec);

// ---- the engine's parts that the sigma = 0 path of xy reuses ----

constexpr double kLn2 = 0.6931471805599453;

// What mix_integrand integrates against the weight.
enum class Mode { kLogG, kMoment, kLogQuad, kNearRoot, kPowPiece };

struct MixParam {
  const HalfLineMixture* g;
  Mode mode;
  arb_srcptr inv2s2;  // 1 / (2 s^2)
  arb_srcptr cst;     // kLogG: -(gamma + log 2)/2; kNearRoot: log|c2|; kMoment: e^p 2^{p/2} Gamma((p+1)/2)/sqrt(pi)
  arb_srcptr p;       // kMoment, kPowPiece
  arb_srcptr u0;      // kNearRoot
  int sign;           // kLogM, kLogQuad, kPowPiece: sign of m(u) on the piece
  arb_srcptr Z = nullptr;  // kLogG: truncation of z in Phi (CONT-XY-4)
  bool log2var = false;    // integrate in s with u = 2^s (du = ln 2 u ds)
};

// The acb_calc integrand (param = const MixParam*): the mode's function times the weight, in u or, with
// log2var, in s = log2 u (CONT-XY-4: the sector |arg u| < pi/4 becomes the strip |Im s| < 1.13).
int mix_integrand(acb_ptr out, const acb_t x, void* param, slong order, slong prec);

// Proof: CONT-XY-3 (tail). res := an upper bound of
// K int_T^inf (A u^P + B u^{P+1}) exp(-(u - mu)^2/(2 s^2)) du  <=  K e^{-(T-mu)^2/(2s^2)} (A T^P/k_P + B T^{P+1}/k_{P+1}),
// k_j = (T - mu)/s^2 - j/T > 0 (else non-finite); j0 replaces P in the exponents.
void tail_poly_bound(arb_t res, const HalfLineMixture& g, const arb_t T, const arb_t A, const arb_t B,
                     slong j0, slong prec);

// Chooses an exact T >= max(1, mode + s) whose tail bound (A + B u)-weighted is below 2^-target.
// Returns false if none found.
bool choose_tail(arb_t T, arb_t bound, const HalfLineMixture& g, const arb_t A, const arb_t B,
                 slong j0, slong target, slong prec);

// chi_S weight constant K = 2^{1 - S/2} / Gamma(S/2).
void chi_norm(arb_t K, ulong S, slong prec);

// Exact dyadic 2^j as a ball.
void pow2(arb_t res, slong j);

// Heuristic natural log of |x| as a double (for choosing cut points only).
double ln_d(const arb_t x, slong prec);

}  // namespace lyapcert::continuous::internal
