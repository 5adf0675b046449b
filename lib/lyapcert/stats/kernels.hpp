// Vectorised inner loops of the simulators: uniform / Gaussian fills from Philox4x32-10 and
// log|x| over arrays.
//
// Each kernel exists in four builds that give the same bits: `generic` (plain scalar C++, the
// definition), `sse2` (baseline x86-64, 2 lanes), `avx2` (4 lanes) and `avx512` (AVX-512F, 8
// lanes); the widest the CPU supports is chosen at run time (no -march flags needed). All three use only IEEE add, sub, mul, div and sqrt in the same order (no FMA,
// no libm calls), so the numbers depend on the seed only: not on the thread count, the machine,
// the libm or the ISA (tested bit for bit in tests/stats/kernels_test.cpp).
//
// Accuracy: log_abs is fdlibm's e_log.c algorithm (reduction to [sqrt(2)/2, sqrt(2)), degree-14
// minimax polynomial in s = f/(2+f)); fdlibm states < 1 ulp; measured max 0.73 ulp over 2*10^6
// inputs against long double logl (Kernels.LogAccuracy), exact 0 -> -inf, inf -> inf, NaN -> NaN,
// subnormals handled. Normals by Box-Muller from 53-bit uniforms (u1 in (0, 1]), with that log, a
// correctly rounded sqrt and Taylor polynomials for cos/sin on [-pi/4, pi/4] (truncation < 5e-17):
// each normal is within a few ulp of the exact Box-Muller transform of its two uniforms, which is
// irrelevant next to the Monte Carlo error. |z| <= sqrt(106 log 2) = 8.57 (53-bit u1).
//
// History: before the SIMD kernels the log was glibc's; the word and uniform streams are unchanged,
// while about 3% of the normals and 8% of the logs now differ from the old ones in the last bit.
#pragma once
#include <cstddef>
#include <cstdint>

#include "lyapcert/stats/philox.hpp"

namespace lyapcert::stats::kernels {

// Instruction sets a kernel can run with; all give identical results.
enum class Isa { generic, sse2, avx2, avx512 };
const char* to_string(Isa isa);
// True when this binary has the build and this CPU can run it (generic: always).
bool isa_available(Isa isa);
// The fastest available; what the overloads without an Isa argument use.
Isa best_isa();

// The definitions of the streams, one value at a time (the array kernels below give exactly these):
// log|x| as described above.
double log_abs(double x);
// (z1, z2): standard normals from the two 64-bit words of one Philox call,
// u1 = ((w1 >> 11) + 1) 2^-53 in (0, 1], u2 = (w2 >> 11) 2^-53 in [0, 1),
// z1 = sqrt(-2 log u1) cos(2 pi u2), z2 = sqrt(-2 log u1) sin(2 pi u2).
void normal_pair(std::uint64_t w1, std::uint64_t w2, double& z1, double& z2);

// out[i] for i < n: i-th 64-bit word of the stream (two words per Philox call, call index i/2).
void fill_bits(const StreamKey& key, std::uint64_t* out, std::size_t n);
// Uniforms in [0, 1) (53 bits), one Philox word each.
void fill_uniform(const StreamKey& key, double* out, std::size_t n);
// Standard normals: Philox call j gives (out[2j], out[2j+1]) = normal_pair(word 2j, word 2j+1).
void fill_normal(const StreamKey& key, double* out, std::size_t n);
// out[i] = log|x[i]| (x may alias out). |x| = 0 gives -inf, NaN gives NaN.
void log_abs(const double* x, double* out, std::size_t n);
// out[i] = log|alpha + beta x[i]| (x may alias out).
void affine_log_abs(double alpha, double beta, const double* x, double* out, std::size_t n);

// The same with an explicit instruction set (for tests and benchmarks). Precondition:
// isa_available(isa); otherwise the generic build runs.
void fill_bits(Isa isa, const StreamKey& key, std::uint64_t* out, std::size_t n);
void fill_uniform(Isa isa, const StreamKey& key, double* out, std::size_t n);
void fill_normal(Isa isa, const StreamKey& key, double* out, std::size_t n);
void log_abs(Isa isa, const double* x, double* out, std::size_t n);
void affine_log_abs(Isa isa, double alpha, double beta, const double* x, double* out, std::size_t n);

}  // namespace lyapcert::stats::kernels
