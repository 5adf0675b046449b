// RapidCheck properties of the fast-path OutwardInterval: results of +, -, * on point operands contain
// the exact rational result (GMP mpq, independent of the floating-point code), and IntervalSum of a
// short random list contains the exact rational sum.
#include <gmp.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lyapcert/fast/sum.hpp"

namespace lyapcert::fast {
namespace {

// Any finite double (all binades, both signs, subnormals, zeros) from its bit pattern.
double finite_double(std::uint64_t bits) {
  double x = std::bit_cast<double>(bits);
  return std::isfinite(x) ? x : 1.5;
}

class Q {
 public:
  Q() { mpq_init(v); }
  explicit Q(double d) : Q() { mpq_set_d(v, d); }
  ~Q() { mpq_clear(v); }
  Q(const Q&) = delete;
  Q& operator=(const Q&) = delete;
  mpq_t v;
};

// lo <= q <= hi, infinite endpoints allowed.
bool contains(const OutwardInterval& r, const mpq_t q) {
  if (std::isfinite(r.lower())) {
    Q lo(r.lower());
    if (mpq_cmp(lo.v, q) > 0) return false;
  } else if (r.lower() > 0) {
    return false;
  }
  if (std::isfinite(r.upper())) {
    Q hi(r.upper());
    if (mpq_cmp(hi.v, q) < 0) return false;
  } else if (r.upper() < 0) {
    return false;
  }
  return true;
}

RC_GTEST_PROP(FastIntervalProp, ArithmeticContainsExactRational, (std::uint64_t ab, std::uint64_t bb)) {
  const double a = finite_double(ab), b = finite_double(bb);
  Q qa(a), qb(b), exact;
  mpq_add(exact.v, qa.v, qb.v);
  RC_ASSERT(contains(OutwardInterval(a) + OutwardInterval(b), exact.v));
  mpq_sub(exact.v, qa.v, qb.v);
  RC_ASSERT(contains(OutwardInterval(a) - OutwardInterval(b), exact.v));
  mpq_mul(exact.v, qa.v, qb.v);
  RC_ASSERT(contains(OutwardInterval(a) * OutwardInterval(b), exact.v));
  if (b != 0.0) {
    mpq_div(exact.v, qa.v, qb.v);
    RC_ASSERT(contains(OutwardInterval(a) / OutwardInterval(b), exact.v));
  }
}

RC_GTEST_PROP(FastIntervalProp, IntervalSumContainsExactRationalSum, (std::vector<std::uint64_t> bits)) {
  IntervalSum acc;
  Q exact;
  for (std::uint64_t b : bits) {
    // Keep magnitudes below 2^1000 so that the exact sum has no overflow ambiguity.
    double x = finite_double(b);
    if (std::fabs(x) > 0x1p1000) x = std::ldexp(x, -100);
    acc.add(x);
    Q qx(x);
    mpq_add(exact.v, exact.v, qx.v);
  }
  RC_ASSERT(contains(acc.result(), exact.v));
}

}  // namespace
}  // namespace lyapcert::fast
