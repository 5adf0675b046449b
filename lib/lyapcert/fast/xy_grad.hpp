// Box enclosures of the xy exponent Lambda(lr, sigma) = E log|1 - gamma lr + s lr h_B|, h_B ~ xy(k, sigma, batch=S)
// (docs/math.md section 3), by the mean-value (centered) form: the point value from xy_log_abs_mean at the box
// midpoint plus the gradient, enclosed over the whole box by a first-order interval quadrature in
// t = sqrt(chi^2_S), times the box radius. Proofs: proofs/fast/xy_grad.md (FAST-XYG-1 .. FAST-XYG-6).
// Measured (docs/performance.md): lr [0.59, 0.61] x sigma [1.29, 1.31], S = 1, b = -lr: width 0.014 (direct box
// xy_log_abs_mean 0.088) in ~10 ms CPU (5-11 ms for the boxes measured); about 1.3x the true range of Lambda on
// 3 % cells at S = 1, wider for large S.
#pragma once
#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast {

// Enclosures of dLambda/dlr and dLambda/dsigma valid at EVERY point of the box (lr, sigma, gamma, k).
struct XyGradient {
  OutwardInterval d_lr, d_sigma;
};

// Gradient of Lambda(lr, sigma) = E log|1 - gamma lr + s lr h_B| (s = +1 or -1) over the whole box. Whole
// intervals when it cannot certify (lr or sigma reaching 0, 1 - gamma lr containing 0, S = 0 or S > kXyMaxBatch,
// s not +-1, k s reaching 0). Refines towards a relative width of about 10 % per component (cost, not validity);
// at most 800 cells per pass. Needs round-to-nearest mode. Proof: FAST-XYG-1 .. FAST-XYG-5.
XyGradient xy_gradient(const OutwardInterval& lr, const OutwardInterval& gamma, int s, const OutwardInterval& k,
                       const OutwardInterval& sigma, unsigned S);

namespace detail {
// One quadrature pass of xy_gradient in the variable u = t (aligned = false; xy_gradient's default) or
// u = t/sqrt|a/c| (aligned = true: the pole of 1/m at u = 1; xy_gradient's fallback). Exposed for tests.
// Proof: FAST-XYG-1 .. FAST-XYG-5.
XyGradient xy_gradient_pass(const OutwardInterval& lr, const OutwardInterval& gamma, int s, const OutwardInterval& k,
                            const OutwardInterval& sigma, unsigned S, bool aligned);
}  // namespace detail

// Enclosure of Lambda(lr, sigma) for every point of the box: Lambda at the box midpoint (xy_log_abs_mean at
// point lr, sigma; gamma and k as given) + gradient(box) . (box - mid), intersected with the direct
// xy_log_abs_mean box enclosure. tol is passed to xy_log_abs_mean. Whole when neither certifies. A caller that has
// already computed that direct enclosure (xy_log_abs_mean(1 - gamma lr, s lr, k, sigma, S)) may pass it as
// direct_known to save its cost. Proof: FAST-XYG-6.
// A caller that knows an enclosure `value` of Lambda at some point of the box lying in the intervals
// (lr, sigma) of center_known (contained in the box) may pass it: it replaces the midpoint evaluation. Ignored when
// those intervals are not inside the box.
struct XyCenter {
  OutwardInterval lr, sigma, value;
};
OutwardInterval xy_box_log_abs_mean(const OutwardInterval& lr, const OutwardInterval& gamma, int s,
                                    const OutwardInterval& k, const OutwardInterval& sigma, unsigned S,
                                    double tol = 1e-9, const OutwardInterval* direct_known = nullptr,
                                    const XyCenter* center_known = nullptr);

}  // namespace lyapcert::fast
