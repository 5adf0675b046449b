// Branch-and-bound over chart boxes of P^{d-1} (d = 3, 4) shared by the piecewise-constant and the
// piecewise-multilinear Poisson certificates (poisson_nd.cpp, internal/poisson_q1.cpp). Proof:
// proofs/lyapnd/poisson.md LYAPND-POIS-8 (the search) and LYAPND-POIS-22 (its use with the multilinear g).
#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd::detail {

struct NdBox {
  std::array<double, 3> lo{}, hi{};
  double key = 0;  // upper end of the enclosure (sup search) or minus its lower end (inf search)
  int chart = 0;
  bool operator<(const NdBox& o) const { return key < o.key; }
};

// One search (LYAPND-POIS-8). Ev provides dim() and eval(chart, lo, hi, out_lo, out_hi) -> bool, an enclosure
// of h over the chart box (the whole line and false when it fails). upper = true: returns U >= sup h; false:
// returns L <= inf h (as -key). The live boxes always cover P^{d-1} (the d root charts, then bisections), so the
// maximum key over the heap and the retired boxes bounds the extremum, at any stopping time. Boxes narrower than
// min_width are retired, not split.
template <class Ev>
double nd_search(const Ev& ev, bool upper, std::uint64_t max_boxes, double min_width,
                 std::chrono::steady_clock::time_point deadline, std::uint64_t& evaluated, bool& interrupted) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const int d = ev.dim(), na = d - 1;
  std::vector<NdBox> heap;
  heap.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(max_boxes, 1u << 16)) + 2);
  // best: the best certified value of the extremum seen at points (a lower bound of sup h, resp. of -inf h);
  // other: the opposite extreme at points; both only steer the stopping rule.
  double best = -kInf, other = kInf;
  auto key_of = [&](double lo, double hi) { return upper ? hi : -lo; };
  auto point = [&](const NdBox& b) {
    std::array<double, 3> mid{};
    for (int a = 0; a < na; ++a) mid[a] = b.lo[a] + (b.hi[a] - b.lo[a]) / 2;
    double lo, hi;
    ++evaluated;
    if (!ev.eval(b.chart, mid.data(), mid.data(), lo, hi)) return;
    // A point value in [lo, hi]: sup h >= lo, inf h <= hi.
    best = std::max(best, upper ? lo : -hi);
    other = std::min(other, upper ? hi : -lo);
  };
  auto push = [&](NdBox b) {
    double lo, hi;
    ++evaluated;
    ev.eval(b.chart, b.lo.data(), b.hi.data(), lo, hi);
    b.key = key_of(lo, hi);
    point(b);
    heap.push_back(b);
    std::push_heap(heap.begin(), heap.end());
  };
  for (int c = 0; c < d; ++c) {
    NdBox b;
    b.chart = c;
    for (int a = 0; a < na; ++a) {
      b.lo[a] = -1;
      b.hi[a] = 1;
    }
    push(b);
  }
  double retired = -kInf;
  std::uint64_t it = 0;
  while (!heap.empty()) {
    const NdBox& top = heap.front();
    const double spread = std::max(0.0, best - other);
    const double tol = 0.05 * spread + 1e-13 * std::max(1.0, std::fabs(best));
    if (top.key - best <= tol) break;
    if (heap.size() + 2 > max_boxes || ((++it & 63) == 0 && past(deadline))) {
      interrupted = true;
      break;
    }
    std::pop_heap(heap.begin(), heap.end());
    const NdBox b = heap.back();
    heap.pop_back();
    int ax = 0;
    for (int a = 1; a < na; ++a)
      if (b.hi[a] - b.lo[a] > b.hi[ax] - b.lo[ax]) ax = a;
    const double mid = b.lo[ax] + (b.hi[ax] - b.lo[ax]) / 2;
    // Boxes whose evaluation failed (key +inf) are split down to width 1e-9 before being retired.
    const double floor_width = std::isfinite(b.key) ? min_width : 1e-9;
    if (b.hi[ax] - b.lo[ax] < floor_width || !(mid > b.lo[ax] && mid < b.hi[ax])) {
      retired = std::max(retired, b.key);  // too small to split: its bound stays in the result
      continue;
    }
    NdBox l = b, r = b;
    l.hi[ax] = mid;
    r.lo[ax] = mid;
    push(l);
    push(r);
  }
  double result = retired;
  for (const NdBox& b : heap) result = std::max(result, b.key);
  return upper ? result : -result;
}

}  // namespace lyapcert::lyapnd::detail
