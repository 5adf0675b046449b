// Rigorous compensated summation of many Intervals: each endpoint is accumulated with TwoSum
// (error-free) and the accumulated error terms carry an a-priori bound, so the final enclosure is
// within a few ulps of the exact endpoint sums instead of n ulps. Proofs: proofs/fast/sum.md.
#pragma once
#include <cmath>
#include <cstdint>

#include "lyapcert/fast/interval.hpp"

namespace lyapcert::fast {

namespace detail {

// One endpoint: after adding x_1..x_n (doubles), sum + comp approximates sum_i x_i with
// |sum + comp - sum_i x_i| <= (n u / (1 - 2 n u)) * abs_comp when every stored value is finite.
// Proof: FAST-SUM-1 (TwoSum is error-free), FAST-SUM-2 (bound on the compensation).
struct CompensatedEndpoint {
  double sum = 0.0;
  double comp = 0.0;      // recursive sum of the TwoSum errors
  double abs_comp = 0.0;  // recursive sum of their absolute values

  void add(double x) noexcept {
    const double s = sum + x;  // TwoSum (Knuth): s + e == sum + x exactly
    const double xv = s - sum;
    const double sv = s - xv;
    const double e = (sum - sv) + (x - xv);
    sum = s;
    comp += e;
    abs_comp += std::fabs(e);
  }
  void merge(const CompensatedEndpoint& o) noexcept {
    add(o.sum);
    comp += o.comp;
    abs_comp += o.abs_comp;
  }
  bool finite() const noexcept {
    return std::isfinite(sum) && std::isfinite(comp) && std::isfinite(abs_comp);
  }
  // Upper bound on |computed comp - exact sum of errors| after `count` accumulated error terms.
  // Proof: FAST-SUM-2.
  double comp_error_bound(std::uint64_t count) const noexcept {
    const double nu = static_cast<double>(count) * 0x1p-53;  // exact (count < 2^53)
    const double factor = OutwardRounding::div_up(nu, OutwardRounding::sub_down(1.0, 2.0 * nu));
    return OutwardRounding::mul_up(factor, abs_comp);
  }
};

}  // namespace detail

// Accumulates a sum of Intervals. result() contains sum_i x_i for all x_i in the added intervals:
// [lower, upper] with lower <= sum of the lower endpoints and upper >= sum of the upper endpoints
// (exact real sums). If any endpoint is infinite or an intermediate overflows, the affected
// endpoint of the result is -inf / +inf (still an enclosure). An empty interval makes the result
// empty. Needs round-to-nearest mode (TwoSum). Proof: FAST-SUM-3.
class IntervalSum {
 public:
  void add(const OutwardInterval& x) noexcept {
    if (boost::numeric::empty(x)) {
      empty_ = true;
      return;
    }
    lo_.add(x.lower());
    hi_.add(x.upper());
    ++count_;
  }
  void add(double x) noexcept {  // a point; NaN makes the result empty
    if (x != x) {
      empty_ = true;
      return;
    }
    lo_.add(x);
    hi_.add(x);
    ++count_;
  }
  // Adds everything accumulated in other (for parallel reductions). Proof: FAST-SUM-2.
  void merge(const IntervalSum& other) noexcept {
    empty_ = empty_ || other.empty_;
    lo_.merge(other.lo_);
    hi_.merge(other.hi_);
    count_ += other.count_ + 1;
  }
  std::uint64_t count() const noexcept { return count_; }

  // Proof: FAST-SUM-3.
  OutwardInterval result() const {
    if (empty_) return OutwardInterval::empty();
    if (count_ >= (std::uint64_t{1} << 50)) return OutwardInterval::whole();  // outside the proof's range
    double lower = -kInf;
    double upper = kInf;
    if (lo_.finite()) {
      const double bound = lo_.comp_error_bound(count_);
      const double comp_low = OutwardRounding::sub_down(lo_.comp, bound);
      lower = OutwardRounding::add_down(lo_.sum, comp_low);
    }
    if (hi_.finite()) {
      const double bound = hi_.comp_error_bound(count_);
      const double comp_high = OutwardRounding::add_up(hi_.comp, bound);
      upper = OutwardRounding::add_up(hi_.sum, comp_high);
    }
    return OutwardInterval(lower, upper, true);
  }

 private:
  detail::CompensatedEndpoint lo_;
  detail::CompensatedEndpoint hi_;
  std::uint64_t count_ = 0;
  bool empty_ = false;
};

}  // namespace lyapcert::fast
