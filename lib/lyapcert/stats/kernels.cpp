#include "lyapcert/stats/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

// Both cores of the speed target need SIMD: each exported kernel is compiled for Haswell
// (AVX2 + FMA) and for baseline x86-64, chosen at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LYAPCERT_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define LYAPCERT_CLONES
#endif

namespace lyapcert::stats::kernels {
namespace {

constexpr std::size_t kBatch = 64;  // Philox calls per inner batch

// (cos 2 pi u, sin 2 pi u) for u in [0, 1): quadrant q = round(4u), t = 2 pi (u - q/4) in
// [-pi/4, pi/4], Taylor polynomials to t^16 / t^15 (truncation < 5e-17).
inline void cossin_2pi(double u, double& c, double& s) {
  const int q = static_cast<int>(4.0 * u + 0.5);
  const double t = (u - 0.25 * q) * 6.283185307179586;
  const double t2 = t * t;
  const double sn =
      t * (1.0 + t2 * (-1.0 / 6 + t2 * (1.0 / 120 + t2 * (-1.0 / 5040 + t2 * (1.0 / 362880 +
          t2 * (-1.0 / 39916800 + t2 * (1.0 / 6227020800.0 + t2 * (-1.0 / 1307674368000.0))))))));
  const double cs =
      1.0 + t2 * (-0.5 + t2 * (1.0 / 24 + t2 * (-1.0 / 720 + t2 * (1.0 / 40320 + t2 * (-1.0 / 3628800 +
          t2 * (1.0 / 479001600.0 + t2 * (-1.0 / 87178291200.0 + t2 * (1.0 / 20922789888000.0))))))));
  const bool swap = (q & 1) != 0;
  const double c0 = swap ? -sn : cs;  // q = 1: cos = -sin t, sin = cos t
  const double s0 = swap ? cs : sn;
  const bool neg = (q & 2) != 0;       // q = 2, 3: rotate by pi
  c = neg ? -c0 : c0;
  s = neg ? -s0 : s0;
}

inline void key_words(const StreamKey& key, std::uint32_t& k0, std::uint32_t& k1) {
  k0 = static_cast<std::uint32_t>(key.seed);
  k1 = static_cast<std::uint32_t>(key.seed >> 32);
}

}  // namespace

LYAPCERT_CLONES void fill_bits(const StreamKey& key, std::uint64_t* out, std::size_t n) {
  std::uint32_t k0, k1;
  key_words(key, k0, k1);
  const std::size_t calls = (n + 1) / 2;
  for (std::size_t j0 = 0; j0 < calls; j0 += kBatch) {
    const std::size_t m = std::min(kBatch, calls - j0);
    std::uint64_t a[kBatch], b[kBatch];
    for (std::size_t j = 0; j < m; ++j) {
      const Philox4x32 r = philox4x32(static_cast<std::uint32_t>(j0 + j), key.block, key.replica, key.slot, k0, k1);
      a[j] = (static_cast<std::uint64_t>(r.c0) << 32) | r.c1;
      b[j] = (static_cast<std::uint64_t>(r.c2) << 32) | r.c3;
    }
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = 2 * (j0 + j);
      out[i] = a[j];
      if (i + 1 < n) out[i + 1] = b[j];
    }
  }
}

LYAPCERT_CLONES void fill_uniform(const StreamKey& key, double* out, std::size_t n) {
  std::uint32_t k0, k1;
  key_words(key, k0, k1);
  const std::size_t calls = (n + 1) / 2;
  for (std::size_t j0 = 0; j0 < calls; j0 += kBatch) {
    const std::size_t m = std::min(kBatch, calls - j0);
    double a[kBatch], b[kBatch];
    for (std::size_t j = 0; j < m; ++j) {
      const Philox4x32 r = philox4x32(static_cast<std::uint32_t>(j0 + j), key.block, key.replica, key.slot, k0, k1);
      a[j] = u01_closed_open((static_cast<std::uint64_t>(r.c0) << 32) | r.c1);
      b[j] = u01_closed_open((static_cast<std::uint64_t>(r.c2) << 32) | r.c3);
    }
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = 2 * (j0 + j);
      out[i] = a[j];
      if (i + 1 < n) out[i + 1] = b[j];
    }
  }
}

LYAPCERT_CLONES void fill_normal(const StreamKey& key, double* out, std::size_t n) {
  std::uint32_t k0, k1;
  key_words(key, k0, k1);
  const std::size_t calls = (n + 1) / 2;
  for (std::size_t j0 = 0; j0 < calls; j0 += kBatch) {
    const std::size_t m = std::min(kBatch, calls - j0);
    double u1[kBatch], u2[kBatch], z1[kBatch], z2[kBatch];
    for (std::size_t j = 0; j < kBatch; ++j) {
      const Philox4x32 r = philox4x32(static_cast<std::uint32_t>(j0 + j), key.block, key.replica, key.slot, k0, k1);
      u1[j] = u01_open_closed((static_cast<std::uint64_t>(r.c0) << 32) | r.c1);
      u2[j] = u01_closed_open((static_cast<std::uint64_t>(r.c2) << 32) | r.c3);
    }
    for (std::size_t j = 0; j < kBatch; ++j) {
      const double rad = std::sqrt(-2.0 * std::log(u1[j]));
      double c, s;
      cossin_2pi(u2[j], c, s);
      z1[j] = rad * c;
      z2[j] = rad * s;
    }
    if (2 * (j0 + m) <= n) {
      double* o = out + 2 * j0;
      for (std::size_t j = 0; j < m; ++j) {
        o[2 * j] = z1[j];
        o[2 * j + 1] = z2[j];
      }
    } else {
      for (std::size_t j = 0; j < m; ++j) {
        const std::size_t i = 2 * (j0 + j);
        out[i] = z1[j];
        if (i + 1 < n) out[i + 1] = z2[j];
      }
    }
  }
}

LYAPCERT_CLONES void log_abs(const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::log(std::fabs(x[i]));
}

LYAPCERT_CLONES void affine_log_abs(double alpha, double beta, const double* x, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::log(std::fabs(alpha + beta * x[i]));
}

}  // namespace lyapcert::stats::kernels
