// lyapcert::continuous -- the independent second path of the xy law (h_B = (1/S) sum_j x_j y_j, docs/math.md
// section 3): E log|1 - lr h_B| and E|1 - lr h_B|^p by quadrature against the variance-gamma density of h_B.
// Same contract as xy.hpp (which includes this header).
#pragma once
#include <arb.h>

namespace lyapcert::continuous {

// E log|1 - lr h_B| for S >= 1, sigma > 0, lr != 0, by quadrature against the variance-gamma density of
// h_B, f(h) = C e^{beta h} |h|^nu K_nu(alpha |h|) (docs/math.md section 2; K = Arb's scaled Bessel K): the independent
// second path of xy_log_abs_mean (a different integrand, variable and singular structure). Split at
// h = 0 (the kink, or for S = 1 the log singularity of K_0, integrated in s with h = +-delta0 e^{-s}) and around
// h0 = 1/lr (the log singularity, in s with h = h0 -+ d e^{-s}); when h0 lies beyond the mass the far tail bound
// covers it. The integrator's complex-box bounds use |K_nu(z)| <= K_nu(Re z). Exponential tails bounded with
// K_nu(x) e^x decreasing. Valid for S = 1 .. 1024 and beyond, any lr != 0. A non-finite ball means "could not
// certify". CPU at 30 digits: see docs/performance.md. Proof: CONT-VG-1 .. CONT-VG-7.
void xy_log_abs_mean_vg(arb_t res, const arb_t lr, const arb_t k, const arb_t sigma, ulong S, slong prec);

// E|1 - lr h_B|^p, p > 0, S >= 1, sigma > 0, lr != 0: the same variance-gamma quadrature with the kernel
// |1 - lr h|^p (the kink at h0 in s as above): the independent second path of xy_abs_moment with a = 1,
// b = -lr. p <= 0 throws InputError. Proof: CONT-VG-1 .. CONT-VG-7.
void xy_abs_moment_vg(arb_t res, const arb_t lr, const arb_t k, const arb_t sigma, ulong S, const arb_t p,
                      slong prec);

}  // namespace lyapcert::continuous
