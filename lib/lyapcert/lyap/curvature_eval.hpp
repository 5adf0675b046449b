// Certified expectations E log|a + b h| and E|a + b h|^p for every curvature law, with exact a, b.
// lyap1d uses a = 1, b = -lr; the two-layer model uses a = 1 - lr gamma, b = +-lr.
#pragma once
#include <optional>
#include <string>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/lyap/finite.hpp"

namespace lyapcert::lyap {

// Enclosure of E log|a + b h| at working precision prec, or exactly -inf (a finite component puts
// positive mass on h = -a/b). A non-finite ball means "could not certify at this precision".
// Proof: LYAP1D-LAW-1 (affine and mixture reductions), with the kernels' own proofs.
FiniteEval log_abs_mean(const laws::CurvatureLaw& law, const Rational& a, const Rational& b, slong prec);

// Binary64 enclosure of E log|a + b h| (fast::OutwardInterval) for normal, uniform and sqnormal laws
// (closed forms, microseconds), xy laws with sigma > 0 (the Taylor-model quadrature of fast/xy.hpp, about a
// millisecond; tol is its target absolute width) and their affine images; nothing for other laws or cases
// (the caller uses the Arb path). The interval contains the exact value (it may be wide in cancellation
// regimes; infinite when binary64 cannot certify). Proof: LYAP1D-LAW-1 with FAST-GAUSS-1 .. FAST-GAUSS-8
// (proofs/fast/gaussian.md) and FAST-XY-* (proofs/fast/xy.md).
std::optional<fast::OutwardInterval> fast_log_abs_mean(const laws::CurvatureLaw& law, const Rational& a,
                                                       const Rational& b, double tol = 1e-12);

// Enclosure of E|a + b h|^p (p > 0), the moment itself (not its log), for every curvature law (sqnormal
// and bivariate through CONT-SQN-2..4 and CONT-BIV-3). Proof: LYAP1D-LAW-2.
exact::Ball abs_moment(const laws::CurvatureLaw& law, const Rational& a, const Rational& b, const Rational& p,
                       slong prec);

// The method name reported in outputs: finite-exact-products, closed-form, certified-quadrature,
// or mixture.
enum class Quantity { kLogMean, kMoment };
std::string method_name(const laws::CurvatureLaw& law, Quantity q = Quantity::kLogMean);
// The same for the quantity of a + b h: sqnormal whose a + b h keeps one sign (-b/a < 0, sigma > 0) is
// integrated (CONT-QUAD-7), so its log-mean method is certified-quadrature, not closed-form.
std::string method_name(const laws::CurvatureLaw& law, Quantity q, const Rational& a, const Rational& b);

// Exact E(a + b h)^2 (every law has exact first and second moments).
Rational second_moment_affine(const laws::CurvatureLaw& law, const Rational& a, const Rational& b);

}  // namespace lyapcert::lyap
