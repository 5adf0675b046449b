// lyapcert::fast::OutwardInterval -- binary64 intervals (Boost.Interval) whose rounding never touches
// the FPU mode: every endpoint is computed in the current (round-to-nearest) mode and then moved
// one step outward with next_down / next_up. Proofs: proofs/fast/rounding.md.
#pragma once
#include <boost/numeric/interval.hpp>
#include <gmp.h>
#include <flint/fmpq.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lyapcert/exact/error.hpp"

#if defined(__FAST_MATH__)
#error "lyapcert/fast needs IEEE 754 semantics: do not compile with -ffast-math"
#endif
#if FLT_EVAL_METHOD != 0
#error "lyapcert/fast needs each double operation rounded once to binary64 (FLT_EVAL_METHOD == 0)"
#endif

namespace lyapcert::fast {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// The next double above x (std::nextafter(x, +inf) without the libm call): +0 and -0 go to the
// smallest subnormal, -inf to -DBL_MAX, +inf and NaN are returned unchanged. Exact by
// construction (IEEE 754 binary64 encodings are ordered like the integers). Proof: FAST-RND-1.
inline double next_up(double x) noexcept {
  if (!(x < kInf)) return x;  // +inf or NaN
  if (x == 0.0) return std::numeric_limits<double>::denorm_min();
  // Finite non-zero or -inf: the encoding moves one step away from zero for x > 0 and towards zero
  // for x < 0 ((bits >> 63) | 1 is +1 or -1; arithmetic shift, C++20). Branch-free on the sign.
  const auto bits = std::bit_cast<std::int64_t>(x);
  return std::bit_cast<double>(bits + ((bits >> 63) | 1));
}

// The next double below x (std::nextafter(x, -inf)). Proof: FAST-RND-1.
inline double next_down(double x) noexcept { return -next_up(-x); }

// Rounding policy for boost::numeric::interval<double>: round-to-nearest operation, then one
// step outward. Each *_down (resp. *_up) result is <= (resp. >=) the exact real result of the
// operation on its (finite or infinite) double arguments, in every IEEE rounding mode, with or
// without underflow or overflow. Proof: FAST-RND-2 (directed bound), FAST-RND-3 (inf/NaN cases).
// Hypothesis: the FPU does not flush subnormals (no FTZ/DAZ); see floating_point_environment_ok().
struct OutwardRounding {
  using unprotected_rounding = OutwardRounding;  // there is no mode to protect

  // A NaN produced from non-NaN endpoints (inf - inf, inf / inf) carries no information: the
  // safe bound is the infinite one. Proof: FAST-RND-3.
  static double down(double r) noexcept { return r != r ? -kInf : next_down(r); }
  static double up(double r) noexcept { return r != r ? kInf : next_up(r); }

  static double exact_zero_or_down(double r) noexcept { return r == 0.0 ? 0.0 : down(r); }
  static double exact_zero_or_up(double r) noexcept { return r == 0.0 ? 0.0 : up(r); }

  void init() noexcept {}

  template <class U>
  static double conv_down(const U& v) noexcept {
    if constexpr (std::is_same_v<U, double> || std::is_same_v<U, float> ||
                  (std::is_integral_v<U> && std::numeric_limits<U>::digits <= 53)) {
      return static_cast<double>(v);  // exact
    } else {
      return down(static_cast<double>(v));
    }
  }
  template <class U>
  static double conv_up(const U& v) noexcept {
    if constexpr (std::is_same_v<U, double> || std::is_same_v<U, float> ||
                  (std::is_integral_v<U> && std::numeric_limits<U>::digits <= 53)) {
      return static_cast<double>(v);
    } else {
      return up(static_cast<double>(v));
    }
  }

  // A zero sum or difference is exact (x + y is a multiple of 2^-1074, so RN(x + y) = 0 only when
  // x + y = 0); keeping it exact lets cancelling sums stay tight. Proof: FAST-RND-2.
  static double add_down(double x, double y) noexcept { return exact_zero_or_down(x + y); }
  static double add_up(double x, double y) noexcept { return exact_zero_or_up(x + y); }
  static double sub_down(double x, double y) noexcept { return exact_zero_or_down(x - y); }
  static double sub_up(double x, double y) noexcept { return exact_zero_or_up(x - y); }
  // A zero factor gives the exact product 0, also against an infinite endpoint (the limit
  // convention 0 * inf = 0 that makes Boost's case analysis give the exact hull). Proof: FAST-RND-3.
  static double mul_down(double x, double y) noexcept {
    if (x == 0.0 || y == 0.0) return 0.0;
    return down(x * y);
  }
  static double mul_up(double x, double y) noexcept {
    if (x == 0.0 || y == 0.0) return 0.0;
    return up(x * y);
  }
  static double div_down(double x, double y) noexcept {
    if (x == 0.0 && y != 0.0) return 0.0;
    return down(x / y);
  }
  static double div_up(double x, double y) noexcept {
    if (x == 0.0 && y != 0.0) return 0.0;
    return up(x / y);
  }
  // Any point between x and y will do for the midpoint (it is not a bound).
  static double median(double x, double y) noexcept {
    double m = (x + y) * 0.5;
    return std::isfinite(m) ? m : x * 0.5 + y * 0.5;
  }
  static double sqrt_down(double x) noexcept {
    double r = down(std::sqrt(x));
    return r < 0.0 ? 0.0 : r;
  }
  static double sqrt_up(double x) noexcept { return x == 0.0 ? 0.0 : up(std::sqrt(x)); }
  static double int_down(double x) noexcept { return std::floor(x); }  // exact
  static double int_up(double x) noexcept { return std::ceil(x); }     // exact
  // Lower / upper bounds of log x from the proved kernel in log.cpp. Proof: FAST-LOG-6.
  static double log_down(double x) noexcept;
  static double log_up(double x) noexcept;
};

// Checking policy: infinite endpoints are allowed (unbounded intervals); the empty interval is
// allowed and represented by NaN endpoints (Boost's convention, so intersect() and log() of a
// negative interval can return it); a NaN handed in as an endpoint value is a bug upstream and
// throws InputError instead of silently becoming the empty interval.
struct NanRejectingChecking : boost::numeric::interval_lib::checking_base<double> {
  static bool is_nan(double x) {
    if (x != x) throw InputError("lyapcert::fast::OutwardInterval: NaN endpoint");
    return false;
  }
};

using Policies = boost::numeric::interval_lib::policies<OutwardRounding, NanRejectingChecking>;
// Outward rounded: every operation's result contains the exact result for every point of its arguments.
using OutwardInterval = boost::numeric::interval<double, Policies>;

// True when the floating-point environment satisfies the hypotheses of proofs/fast: subnormals are
// neither flushed nor treated as zero, and the rounding mode is round-to-nearest (needed by the
// log and summation error bounds; the interval operations themselves are valid in every mode).
bool floating_point_environment_ok() noexcept;

// The tightest OutwardInterval containing the exact rational q: [RD(q), RU(q)] with RD/RU the directed
// roundings onto binary64 (subnormals and overflow to +-inf/DBL_MAX included). Exact when q is a
// double. Proof: FAST-RND-4.
OutwardInterval enclose(mpq_srcptr q);
OutwardInterval enclose(const fmpq_t q);

}  // namespace lyapcert::fast
