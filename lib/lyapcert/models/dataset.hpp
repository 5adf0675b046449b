// lyapcert::models::gaussian_xy_dataset -- the definition of the datasets of `lyapcert phase --data-sample N
// --seed S` (also phase-diagram, simulate --data-sample/--data-seed, and verify rows with data_sample/seed).
//
// This is a data format, not a simulation stream: a published (N, seed, k, sigma^2) names one list of N exact
// pairs, which `verify` rows reproduce and tests/oracle/verify_test.py re-implements bit for bit in Python. That is
// why it is not the library's Monte Carlo stream (stats::kernels, Philox4x32-10 with its own Gaussian transform):
// the simulation stream may be tuned for speed and vectorised as long as it stays a fixed function of its seed,
// while every word of this definition is part of the published datasets, so it never changes.
//
// The definition, exactly:
//   * SplitMix64 from state = seed: each word adds 0x9E3779B97F4A7C15 to the state (mod 2^64) and returns
//     z ^ (z >> 31) of z = state, z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9, z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//     (products mod 2^64);
//   * a uniform in (0, 1) from one word w: ((w >> 11) + 0.5) * 2^-53, exact in binary64;
//   * a normal from two uniforms u, v (Box-Muller, cosine branch only): sqrt(-2 log u) * cos(2 pi v), every
//     operation in binary64 in that order, with pi the binary64 M_PI;
//   * pair i (i = 0 .. N-1): x = the next normal, y = kd * x + sd * (the next normal), no fused multiply-add;
//     kd is k rounded to the nearest binary64, sd = sqrt(sigma^2 rounded to the nearest binary64) (the rational
//     to binary64 conversion of Boost.Multiprecision, which rounds to nearest).
//   The data are those binary64 values, converted exactly to rationals.
//
// Where the bits depend on the platform: binary64 +, *, sqrt and the conversions are correctly rounded
// (IEEE 754; the exact rational conversions of Boost.Multiprecision), and dataset.cpp is compiled without floating-point contraction, so the only platform-dependent
// steps are libm's log and cos, which C does not require to be correctly rounded. Two machines whose libm returns
// the same log and cos (glibc's on x86-64, which Python's math.log / math.cos also call) give the same data; a
// libm that differs in the last bit of one value gives a different dataset.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "lyapcert/exact/rational.hpp"

namespace lyapcert::models {

// The SplitMix64 generator of the definition above (64-bit words; tested against the reference outputs of seed
// 1234567, docs/math.md section 6).
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

// N pairs (x, y) of the Gaussian model x ~ N(0, 1), y = k x + sigma eps, drawn as defined above; each value is
// the binary64 number, exactly. The same (n, seed, k, sigma2) gives the same values wherever libm's log and cos
// agree. k and sigma2 >= 0 are taken as given (models::validate checks the model); the caller bounds n.
std::vector<std::pair<exact::Rational, exact::Rational>> gaussian_xy_dataset(std::uint64_t n, std::uint64_t seed,
                                                                             const exact::Rational& k,
                                                                             const exact::Rational& sigma2);

}  // namespace lyapcert::models
