#include "lyapcert/stats/kernels.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

// x86-64 with GCC: SSE2 (baseline), AVX2 and AVX-512F builds of the same vector code, the widest
// the CPU has chosen at run time. Elsewhere only the generic scalar build, which gives the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LYAPCERT_X86_SIMD 1
#include <immintrin.h>
#endif

namespace lyapcert::stats::kernels {
namespace {

constexpr std::size_t kBatch = 64;  // Philox calls per inner batch
constexpr double kInf = std::numeric_limits<double>::infinity();

// log: fdlibm e_log.c (Sun Microsystems, 1993): x = 2^k m, m in [sqrt(2)/2, sqrt(2)), f = m - 1,
// s = f / (2 + f), log(1 + f) = f - hfsq + s (hfsq + R(s^2)), R minimax with |error| < 2^-58.45;
// ln2 split so that k ln2_hi is exact.
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
constexpr double kLg1 = 6.666666666666735130e-01;
constexpr double kLg2 = 3.999999999940941908e-01;
constexpr double kLg3 = 2.857142874366239149e-01;
constexpr double kLg4 = 2.222219843214978396e-01;
constexpr double kLg5 = 1.818357216161805012e-01;
constexpr double kLg6 = 1.531383769920937332e-01;
constexpr double kLg7 = 1.479819860511658591e-01;
// bits(x) + kLogOffset has k + 2048 in bits 52..63, k = floor(log2(x / (sqrt(2)/2))).
constexpr std::uint64_t kLogOffset = 0x8000000000000000ull - 0x3fe6a09e667f3bcdull;

// log x for x >= +0 or NaN (subnormals scaled by 2^54 first; 0 -> -inf, inf -> inf, NaN -> NaN).
double log_nonneg(double x) {
  const bool sub = x < 0x1p-1022;
  const double xs = sub ? x * 0x1p54 : x;
  const double kadj = sub ? -54.0 : 0.0;
  const auto u = std::bit_cast<std::uint64_t>(xs);
  const std::uint64_t kb = (u + kLogOffset) >> 52;  // k + 2048
  const double m = std::bit_cast<double>(u - ((kb - 2048) << 52));
  const double k = (std::bit_cast<double>(kb | 0x4330000000000000ull) - (0x1p52 + 2048.0)) + kadj;
  const double f = m - 1.0;
  const double hfsq = 0.5 * f * f;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
  const double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
  const double r = t2 + t1;
  double y = k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
  y = x == 0.0 ? -kInf : y;
  return x < kInf ? y : x;
}

// (cos 2 pi u, sin 2 pi u) for u in [0, 1): quadrant q = trunc(4u + 1/2), t = 2 pi (u - q/4) in
// [-pi/4, pi/4], Taylor polynomials to t^16 / t^15 (truncation < 5e-17).
void cossin_2pi(double u, double& c, double& s) {
  const int q = static_cast<int>(4.0 * u + 0.5);
  const double t = (u - 0.25 * q) * 6.283185307179586;
  const double t2 = t * t;
  const double sn =
      t * (1.0 + t2 * (-1.0 / 6 + t2 * (1.0 / 120 + t2 * (-1.0 / 5040 + t2 * (1.0 / 362880 +
          t2 * (-1.0 / 39916800 + t2 * (1.0 / 6227020800.0 + t2 * (-1.0 / 1307674368000.0))))))));
  const double cs =
      1.0 + t2 * (-0.5 + t2 * (1.0 / 24 + t2 * (-1.0 / 720 + t2 * (1.0 / 40320 + t2 * (-1.0 / 3628800 +
          t2 * (1.0 / 479001600.0 + t2 * (-1.0 / 87178291200.0 + t2 * (1.0 / 20922789888000.0))))))));
  const bool swap = (q & 1) != 0;  // q = 1: cos = -sin t, sin = cos t
  const double c0 = swap ? -sn : cs;
  const double s0 = swap ? cs : sn;
  const bool neg = (q & 2) != 0;   // q = 2, 3: rotate by pi
  c = neg ? -c0 : c0;
  s = neg ? -s0 : s0;
}

// ---------------------------------------------------------------------------------------------
// Generic build: one value at a time, straight from the definitions.

namespace generic {

template <class Emit>
void calls(const StreamKey& key, std::size_t n, Emit emit) {
  const auto k0 = static_cast<std::uint32_t>(key.seed), k1 = static_cast<std::uint32_t>(key.seed >> 32);
  for (std::size_t j = 0; 2 * j < n; ++j) {
    const Philox4x32 r = philox4x32(static_cast<std::uint32_t>(j), key.block, key.replica, key.slot, k0, k1);
    emit(2 * j, (static_cast<std::uint64_t>(r.c0) << 32) | r.c1, (static_cast<std::uint64_t>(r.c2) << 32) | r.c3);
  }
}

void fill_bits(const StreamKey& key, std::uint64_t* out, std::size_t n) {
  calls(key, n, [&](std::size_t i, std::uint64_t a, std::uint64_t b) {
    out[i] = a;
    if (i + 1 < n) out[i + 1] = b;
  });
}

void fill_uniform(const StreamKey& key, double* out, std::size_t n) {
  calls(key, n, [&](std::size_t i, std::uint64_t a, std::uint64_t b) {
    out[i] = u01_closed_open(a);
    if (i + 1 < n) out[i + 1] = u01_closed_open(b);
  });
}

void fill_normal(const StreamKey& key, double* out, std::size_t n) {
  calls(key, n, [&](std::size_t i, std::uint64_t a, std::uint64_t b) {
    double z1, z2;
    normal_pair(a, b, z1, z2);
    out[i] = z1;
    if (i + 1 < n) out[i + 1] = z2;
  });
}

void log_abs(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = kernels::log_abs(x[i]);
}

void affine_log_abs(double alpha, double beta, const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = kernels::log_abs(alpha + beta * x[i]);
}

}  // namespace generic

#ifdef LYAPCERT_X86_SIMD
#define LYAPCERT_SIMD_NS sse2
#define LYAPCERT_SIMD_BYTES 16
#include "lyapcert/stats/kernels_simd.inc"
#undef LYAPCERT_SIMD_NS
#undef LYAPCERT_SIMD_BYTES

#pragma GCC push_options
#pragma GCC target("avx2")
#define LYAPCERT_SIMD_NS avx2
#define LYAPCERT_SIMD_BYTES 32
#include "lyapcert/stats/kernels_simd.inc"
#undef LYAPCERT_SIMD_NS
#undef LYAPCERT_SIMD_BYTES
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 false positive in avx512fintrin.h
#define LYAPCERT_SIMD_NS avx512
#define LYAPCERT_SIMD_BYTES 64
#include "lyapcert/stats/kernels_simd.inc"
#undef LYAPCERT_SIMD_NS
#undef LYAPCERT_SIMD_BYTES
#pragma GCC diagnostic pop
#pragma GCC pop_options

// libgcc's checks include that the OS saves the ymm / zmm state.
bool cpu_has(Isa isa) {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  static const bool avx512 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return isa == Isa::avx512 ? avx512 : isa == Isa::avx2 ? avx2 : true;
}
#endif

Isa resolve(Isa isa) { return isa_available(isa) ? isa : Isa::generic; }

#ifdef LYAPCERT_X86_SIMD
#define LYAPCERT_DISPATCH(fn, ...)            \
  switch (resolve(isa)) {                     \
    case Isa::avx512: return avx512::fn(__VA_ARGS__); \
    case Isa::avx2: return avx2::fn(__VA_ARGS__); \
    case Isa::sse2: return sse2::fn(__VA_ARGS__); \
    default: return generic::fn(__VA_ARGS__);  \
  }
#else
#define LYAPCERT_DISPATCH(fn, ...) return generic::fn(__VA_ARGS__);
#endif

}  // namespace

const char* to_string(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::sse2: return "sse2";
    default: return "generic";
  }
}

bool isa_available(Isa isa) {
  switch (isa) {
#ifdef LYAPCERT_X86_SIMD
    case Isa::avx512:
    case Isa::avx2: return cpu_has(isa);
    case Isa::sse2: return true;
#endif
    case Isa::generic: return true;
    default: return false;
  }
}

Isa best_isa() {
  static const Isa best = [] {
    for (Isa isa : {Isa::avx512, Isa::avx2, Isa::sse2}) {
      if (isa_available(isa)) return isa;
    }
    return Isa::generic;
  }();
  return best;
}

double log_abs(double x) { return log_nonneg(std::fabs(x)); }

void normal_pair(std::uint64_t w1, std::uint64_t w2, double& z1, double& z2) {
  const double rad = std::sqrt(-2.0 * log_nonneg(u01_open_closed(w1)));
  double c, s;
  cossin_2pi(u01_closed_open(w2), c, s);
  z1 = rad * c;
  z2 = rad * s;
}

void fill_bits(Isa isa, const StreamKey& key, std::uint64_t* out, std::size_t n) {
  LYAPCERT_DISPATCH(fill_bits, key, out, n)
}
void fill_uniform(Isa isa, const StreamKey& key, double* out, std::size_t n) {
  LYAPCERT_DISPATCH(fill_uniform, key, out, n)
}
void fill_normal(Isa isa, const StreamKey& key, double* out, std::size_t n) {
  LYAPCERT_DISPATCH(fill_normal, key, out, n)
}
void log_abs(Isa isa, const double* x, double* out, std::size_t n) { LYAPCERT_DISPATCH(log_abs, x, out, n) }
void affine_log_abs(Isa isa, double alpha, double beta, const double* x, double* out, std::size_t n) {
  LYAPCERT_DISPATCH(affine_log_abs, alpha, beta, x, out, n)
}

void fill_bits(const StreamKey& key, std::uint64_t* out, std::size_t n) { fill_bits(best_isa(), key, out, n); }
void fill_uniform(const StreamKey& key, double* out, std::size_t n) { fill_uniform(best_isa(), key, out, n); }
void fill_normal(const StreamKey& key, double* out, std::size_t n) { fill_normal(best_isa(), key, out, n); }
void log_abs(const double* x, double* out, std::size_t n) { log_abs(best_isa(), x, out, n); }
void affine_log_abs(double alpha, double beta, const double* x, double* out, std::size_t n) {
  affine_log_abs(best_isa(), alpha, beta, x, out, n);
}

}  // namespace lyapcert::stats::kernels
