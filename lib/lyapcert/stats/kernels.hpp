// Vectorised inner loops of the simulators: uniform / Gaussian fills from Philox4x32-10 and
// log|x| over arrays. Compiled for AVX2+FMA and for baseline x86-64 (function multiversioning);
// the same binary on the same machine gives the same bits.
// Accuracy: log_abs is glibc's log (< 1 ulp; it measured faster than a branch-free polynomial), exact 0 -> -inf;
// normals by Box-Muller from 53-bit uniforms (u1 in (0, 1]), cos/sin by Taylor polynomials on
// [-pi/4, pi/4] with truncation below 1e-16.
#pragma once
#include <cstddef>
#include <cstdint>

#include "lyapcert/stats/philox.hpp"

namespace lyapcert::stats::kernels {

// out[i] for i < n: i-th 64-bit word of the stream (two words per Philox call, call index i/2).
void fill_bits(const StreamKey& key, std::uint64_t* out, std::size_t n);
// Uniforms in [0, 1) (53 bits), one Philox word each.
void fill_uniform(const StreamKey& key, double* out, std::size_t n);
// Standard normals, Box-Muller: Philox call j gives out[2j], out[2j+1].
void fill_normal(const StreamKey& key, double* out, std::size_t n);
// out[i] = log|x[i]| (x may alias out). |x| = 0 gives -inf, NaN gives NaN.
void log_abs(const double* x, double* out, std::size_t n);
// out[i] = log|alpha + beta x[i]| (x may alias out).
void affine_log_abs(double alpha, double beta, const double* x, double* out, std::size_t n);

}  // namespace lyapcert::stats::kernels
