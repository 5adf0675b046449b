#include "lyapcert/lyapnd/poisson_nd.hpp"

#include <arb.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/internal/nd_search.hpp"
#include "lyapcert/lyapnd/internal/poisson_q1.hpp"
#include "lyapcert/lyapnd/internal/transfer_nd.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;
using fast::OutwardInterval;
using Clock = std::chrono::steady_clock;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxGrid = 4096;
// Margin on the cell-index computation (LYAPND-POIS-7 (c)): the binary64 error of (u + 1) m / 2 is below
// 2^-40 for m <= 4096, far below this.
constexpr double kIndexMargin = 1e-6;

void require_nd(const laws::FiniteMatrices& f, int d, int m, const char* who) {
  if (d != 3 && d != 4) throw InputError(fmt::format("{}: d must be 3 or 4 (got {})", who, d));
  if (m < 2 || m > kMaxGrid || (m & (m - 1)) != 0)
    throw InputError(fmt::format("{}: the grid m must be a power of two in [2, {}] (got {})", who, kMaxGrid, m));
  const int s = first_singular_atom(f, d);
  if (s >= 0)
    throw InputError(fmt::format("{}: matrix #{} is singular (det = 0, exact test): the Poisson certificate needs "
                                 "invertible matrices (LYAPND-POIS-1); only the enumeration upper bound applies "
                                 "(--method enumerate)",
                                 who, s + 1));
}

double to_d(const Rational& x) {
  Ball b = Ball::from_rational(x, 64);
  return arf_get_d(arb_midref(b.get()), ARF_RND_NEAR);
}

OutwardInterval enclose_q(const Rational& x) { return fast::enclose(x.backend().data()); }

std::uint64_t ipow(std::uint64_t b, int e) {
  std::uint64_t r = 1;
  for (int i = 0; i < e; ++i) r *= b;
  return r;
}

// The cell of the point [w] (w != 0) under the definition of g (LYAPND-POIS-6): chart = first index of
// max |w_j|, k_a = min(m - 1, floor((w_j / w_c + 1) m / 2)). Binary64 (used by the heuristic only).
std::size_t point_cell(const double* w, int d, int m, std::size_t stride) {
  int c = 0;
  for (int j = 1; j < d; ++j)
    if (std::fabs(w[j]) > std::fabs(w[c])) c = j;
  std::size_t idx = static_cast<std::size_t>(c) * stride, mul = 1;
  for (int j = 0; j < d; ++j) {
    if (j == c) continue;
    const double u = w[j] / w[c];
    double k = std::floor((u + 1) * 0.5 * m);
    k = std::clamp(k, 0.0, static_cast<double>(m - 1));
    idx += static_cast<std::size_t>(k) * mul;
    mul *= static_cast<std::size_t>(m);
  }
  return idx;
}

// ---------------------------------------------------------------------------------------------
// OutwardInterval evaluation of h on a chart box (LYAPND-POIS-7).

struct AtomI {
  std::array<OutwardInterval, 16> a;
  OutwardInterval p;
};

class NdEvaluator {
 public:
  NdEvaluator(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g)
      : d_(d), m_(m), g_(g), stride_(ipow(static_cast<std::uint64_t>(m), d - 1)) {
    for (std::size_t i = 0; i < f.matrices.size(); ++i) {
      if (!(f.probs[i] > 0)) continue;
      AtomI at;
      for (int r = 0; r < d * d; ++r) at.a[r] = enclose_q(f.matrices[i][r]);
      at.p = enclose_q(f.probs[i]);
      atoms_.push_back(at);
    }
    cmin_.assign(d, kInf);
    cmax_.assign(d, -kInf);
    for (int c = 0; c < d; ++c)
      for (std::size_t r = 0; r < stride_; ++r) {
        cmin_[c] = std::min(cmin_[c], g_[c * stride_ + r]);
        cmax_[c] = std::max(cmax_[c], g_[c * stride_ + r]);
      }
  }

  // [lo, hi] containing g([w]) for every nonzero real vector w in the interval vector w (LYAPND-POIS-7 (c)).
  bool g_hull(const OutwardInterval* w, double& lo, double& hi) const {
    lo = kInf;
    hi = -kInf;
    std::array<double, 4> mig{}, mag{};
    for (int j = 0; j < d_; ++j) {
      const double a = std::fabs(w[j].lower()), b = std::fabs(w[j].upper());
      mag[j] = std::max(a, b);
      mig[j] = (w[j].lower() <= 0 && w[j].upper() >= 0) ? 0.0 : std::min(a, b);
    }
    bool any = false;
    for (int c = 0; c < d_; ++c) {
      // Chart c can be the defining chart only if |w_c| >= |w_j| is possible for every j.
      bool cand = true;
      for (int j = 0; j < d_ && cand; ++j)
        if (j != c && mag[c] < mig[j]) cand = false;
      if (!cand) continue;
      const bool zc = w[c].lower() <= 0 && w[c].upper() >= 0;
      std::array<std::int64_t, 3> kl{}, kh{};
      int a = 0;
      std::uint64_t count = 1;
      for (int j = 0; j < d_ && cand; ++j) {
        if (j == c) continue;
        double ql = -1, qh = 1;
        if (!zc) {
          const OutwardInterval q = w[j] / w[c];
          ql = std::max(-1.0, q.lower());
          qh = std::min(1.0, q.upper());
          if (!(ql <= qh)) {
            cand = false;  // |w_j / w_c| > 1 on the whole box: not in chart c
            break;
          }
        }
        // Proof: LYAPND-POIS-7 (c). floor((u + 1) m / 2) for u in [ql, qh] lies in [kl, kh].
        const double half_m = 0.5 * m_;
        const double xl = (ql + 1) * half_m - kIndexMargin, xh = (qh + 1) * half_m + kIndexMargin;
        kl[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(xl)), 0, m_ - 1);
        kh[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(xh)), 0, m_ - 1);
        count *= static_cast<std::uint64_t>(kh[a] - kl[a] + 1);
        ++a;
      }
      if (!cand) continue;
      any = true;
      if (count > 4096) {
        lo = std::min(lo, cmin_[c]);
        hi = std::max(hi, cmax_[c]);
        continue;
      }
      const std::size_t base = static_cast<std::size_t>(c) * stride_;
      const std::size_t m = static_cast<std::size_t>(m_);
      if (d_ == 3) {
        for (std::int64_t k1 = kl[1]; k1 <= kh[1]; ++k1)
          for (std::int64_t k0 = kl[0]; k0 <= kh[0]; ++k0) {
            const double v = g_[base + static_cast<std::size_t>(k0) + m * static_cast<std::size_t>(k1)];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
          }
      } else {
        for (std::int64_t k2 = kl[2]; k2 <= kh[2]; ++k2)
          for (std::int64_t k1 = kl[1]; k1 <= kh[1]; ++k1)
            for (std::int64_t k0 = kl[0]; k0 <= kh[0]; ++k0) {
              const double v = g_[base + static_cast<std::size_t>(k0) + m * static_cast<std::size_t>(k1) +
                                   m * m * static_cast<std::size_t>(k2)];
              lo = std::min(lo, v);
              hi = std::max(hi, v);
            }
      }
    }
    return any;
  }

  // Enclosure [lo, hi] of h over the box { [e_c + u] : u_a in [ulo_a, uhi_a] } of chart c; false (and the
  // whole line) when |A v|^2 / |v|^2 is not certified positive on the box. Proof: LYAPND-POIS-7.
  bool eval(int c, const double* ulo, const double* uhi, double& lo, double& hi) const {
    std::array<OutwardInterval, 4> v, w;
    OutwardInterval nv2(1.0);
    int a = 0;
    for (int j = 0; j < d_; ++j) {
      if (j == c) {
        v[j] = OutwardInterval(1.0);
      } else {
        v[j] = OutwardInterval(ulo[a], uhi[a]);
        nv2 += boost::numeric::square(v[j]);
        ++a;
      }
    }
    // Midpoint of the box (any point of it will do) for the mean-value form of phi (LYAPND-POIS-7 (e)).
    bool wide = false;
    std::array<OutwardInterval, 4> vm, off;
    OutwardInterval nvm2(1.0);
    a = 0;
    for (int j = 0; j < d_; ++j) {
      if (j == c) {
        vm[j] = OutwardInterval(1.0);
        off[j] = OutwardInterval(0.0);
      } else {
        double mid = ulo[a] + (uhi[a] - ulo[a]) / 2;
        if (!(mid >= ulo[a] && mid <= uhi[a])) mid = ulo[a];
        if (uhi[a] > ulo[a]) wide = true;
        vm[j] = OutwardInterval(mid);
        off[j] = v[j] - vm[j];
        nvm2 += boost::numeric::square(vm[j]);
        ++a;
      }
    }
    OutwardInterval h(0.0);
    double gl = 0, gh = 0;
    for (const AtomI& at : atoms_) {
      OutwardInterval nw2(0.0);
      for (int r = 0; r < d_; ++r) {
        OutwardInterval s = at.a[r * d_] * v[0];
        for (int k = 1; k < d_; ++k) s += at.a[r * d_ + k] * v[k];
        w[r] = s;
        nw2 += boost::numeric::square(s);
      }
      const OutwardInterval ratio = nw2 / nv2;
      if (!(ratio.lower() > 0) || !std::isfinite(ratio.upper())) {
        lo = -kInf;
        hi = kInf;
        return false;
      }
      OutwardInterval phi = fast::log(ratio) * OutwardInterval(0.5);
      if (wide) {
        // Proof: LYAPND-POIS-7 (e). phi(u) in phi(mid) + sum_j [(A^T A v)_j / |A v|^2 - v_j / |v|^2](box) (u_j - mid_j).
        OutwardInterval nwm2(0.0);
        for (int r = 0; r < d_; ++r) {
          OutwardInterval s = at.a[r * d_] * vm[0];
          for (int k = 1; k < d_; ++k) s += at.a[r * d_ + k] * vm[k];
          nwm2 += boost::numeric::square(s);
        }
        const OutwardInterval rm = nwm2 / nvm2;
        if (rm.lower() > 0 && std::isfinite(rm.upper())) {
          OutwardInterval mv = fast::log(rm) * OutwardInterval(0.5);
          for (int j = 0; j < d_; ++j) {
            if (j == c) continue;
            OutwardInterval atw = at.a[j] * w[0];
            for (int r = 1; r < d_; ++r) atw += at.a[r * d_ + j] * w[r];
            mv += (atw / nw2 - v[j] / nv2) * off[j];
          }
          if (std::isfinite(mv.lower()) && std::isfinite(mv.upper()) && mv.lower() <= phi.upper() &&
              phi.lower() <= mv.upper())
            phi = boost::numeric::intersect(phi, mv);
        }
      }
      if (!g_hull(w.data(), gl, gh)) {
        lo = -kInf;
        hi = kInf;
        return false;
      }
      h += at.p * (phi + OutwardInterval(gl, gh));
    }
    if (!g_hull(v.data(), gl, gh)) {
      lo = -kInf;
      hi = kInf;
      return false;
    }
    h -= OutwardInterval(gl, gh);
    lo = h.lower();
    hi = h.upper();
    return std::isfinite(lo) && std::isfinite(hi);
  }

  int dim() const { return d_; }
  int grid() const { return m_; }

 private:
  int d_, m_;
  const std::vector<double>& g_;
  std::size_t stride_;
  std::vector<AtomI> atoms_;
  std::vector<double> cmin_, cmax_;
};

}  // namespace

std::vector<double> poisson_chart_solution(const laws::FiniteMatrices& f, int d, int m, int max_iterations,
                                           Clock::time_point deadline, int* iterations) {
  require_nd(f, d, m, "poisson_chart_solution");
  struct AtomD {
    std::array<double, 16> a;
    double p;
  };
  std::vector<AtomD> at;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    AtomD x{};
    for (int r = 0; r < d * d; ++r) x.a[r] = to_d(f.matrices[i][r]);
    x.p = to_d(f.probs[i]);
    at.push_back(x);
  }
  const std::size_t k = at.size(), stride = ipow(static_cast<std::uint64_t>(m), d - 1);
  const std::size_t n = static_cast<std::size_t>(d) * stride;
  // Discretised transfer operator on the cell centres (LYAPND-POIS-9): (P_N x)_q = sum_i p_i x_{cell(M_i v_q)}.
  std::vector<std::uint32_t> idx(k * n);
  std::vector<double> phi(n, 0.0);
  for (std::size_t q = 0; q < n; ++q) {
    const int c = static_cast<int>(q / stride);
    std::size_t r = q % stride;
    std::array<double, 4> v{}, w{};
    double nv2 = 0;
    for (int j = 0; j < d; ++j) {
      if (j == c) {
        v[j] = 1;
      } else {
        v[j] = -1 + (2.0 * static_cast<double>(r % m) + 1) / m;
        r /= m;
      }
      nv2 += v[j] * v[j];
    }
    for (std::size_t i = 0; i < k; ++i) {
      double nw2 = 0;
      for (int rr = 0; rr < d; ++rr) {
        double s = 0;
        for (int cc = 0; cc < d; ++cc) s += at[i].a[rr * d + cc] * v[cc];
        w[rr] = s;
        nw2 += s * s;
      }
      phi[q] += at[i].p * 0.5 * std::log(nw2 / nv2);
      idx[i * n + q] = static_cast<std::uint32_t>(point_cell(w.data(), d, m, stride));
    }
  }
  std::vector<double> g(n, 0.0), x = phi, y(n), spreads;
  int it = 0;
  for (; it < max_iterations; ++it) {
    const auto [mn, mx] = std::minmax_element(x.begin(), x.end());
    const double lo = *mn, hi = *mx, mid = lo + (hi - lo) / 2;
    if (hi - lo <= 1e-13 * std::max(1.0, std::fabs(mid))) break;
    // Stop when P_N^k phi no longer flattens (several invariant classes of the discrete chain, e.g. a reducible
    // family): further terms would only make g grow linearly (LYAPND-POIS-9).
    spreads.push_back(hi - lo);
    if (spreads.size() > 20 && spreads.back() > 0.95 * spreads[spreads.size() - 21]) break;
    for (std::size_t q = 0; q < n; ++q) g[q] += x[q] - mid;
    for (std::size_t q = 0; q < n; ++q) {
      double acc = 0;
      for (std::size_t i = 0; i < k; ++i) acc += at[i].p * x[idx[i * n + q]];
      y[q] = acc;
    }
    std::swap(x, y);
    if ((it & 7) == 7 && detail::past(deadline)) break;
  }
  if (iterations) *iterations = it;
  const double g0 = g[0];
  for (double& v : g) v -= g0;
  return g;
}

PoissonNdBounds certify_poisson_bounds_nd(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g,
                                          std::uint64_t max_boxes, Clock::time_point deadline) {
  require_nd(f, d, m, "certify_poisson_bounds_nd");
  if (g.size() != static_cast<std::size_t>(d) * ipow(static_cast<std::uint64_t>(m), d - 1))
    throw InputError("certify_poisson_bounds_nd: g must have d m^(d-1) values");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("certify_poisson_bounds_nd: g must be finite");  // a bug
  const NdEvaluator ev(f, d, m, g);
  PoissonNdBounds out;
  max_boxes = std::max<std::uint64_t>(max_boxes, 16);
  // Proof: LYAPND-POIS-6, LYAPND-POIS-8. lower <= inf h <= Lambda <= sup h <= upper.
  const double min_width = 2.0 / m / 16;
  // The sup search gets half of the time left, so that a search cut by the deadline leaves time for the other.
  const auto now = Clock::now();
  const auto half = deadline > now ? now + (deadline - now) / 2 : deadline;
  out.upper = detail::nd_search(ev, true, max_boxes, min_width, half, out.boxes, out.interrupted);
  out.lower = detail::nd_search(ev, false, max_boxes, min_width, deadline, out.boxes, out.interrupted);
  return out;
}

std::uint64_t poisson_nd_memory_bytes(const laws::FiniteMatrices& f, int d, int m, std::uint64_t max_boxes) {
  std::uint64_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const std::uint64_t n = static_cast<std::uint64_t>(d) * ipow(static_cast<std::uint64_t>(m), d - 1);
  // Proof: LYAPND-POIS-10. Grid vectors g, phi, x, y (8 bytes each per cell), transitions (4 bytes per atom
  // and cell), the heap of live boxes (sizeof(Box) = 64 bytes, vector growth at most doubles the capacity:
  // 128 bytes per box of the cap), the evaluator (per-atom intervals, per-chart extremes) in the 1 MiB.
  static_assert(sizeof(detail::NdBox) <= 64);
  return n * (32 + 4 * k) + 2 * 64 * max_boxes + (1u << 20) + 2 * 1024 * k;
}

namespace {

// One ladder of levels m = m0, 2 m0, ... with one kind of g (LYAPND-POIS-8 (d), -22 (d)); its certified balls are
// intersected into `best` (shared by both ladders).
struct Ladder {
  bool q1 = false;
  int last_m = 0, iters = 0, levels = 0;
  std::uint64_t boxes = 0, bytes = 0;
  bool reached = false, timed_out = false, memory_hit = false, stagnated = false, capped = false, skipped = false,
       overflow = false, continuous = true, work_capped = false;
  bool iterated = false;      // P h was certified with the last g (LYAPND-POIS-25)
  double iterated_width = 0;  // its own width
  std::optional<Ball> own;  // intersection of this ladder's balls only (to say which g did better)
};

void run_ladder(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline, Ladder& L,
                std::optional<Ball>& best) {
  std::size_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const std::uint64_t budget_bytes = mib_to_bytes(opt.max_memory_mib);
  const int max_m = L.q1 ? (d == 3 ? kMaxQ1Grid : 64) : (d == 3 ? 1024 : 128);
  std::vector<double> widths, last_g;
  std::uint64_t last_boxes = 0;
  double last_seconds = 0;
  // Piecewise constant: level m = 2 uses g = 0, i.e. [inf phi, sup phi] (LYAPND-POIS-9), a baseline that matters
  // for reducible families. Multilinear: starts at m = 4 with the heuristic g (LYAPND-POIS-23).
  int m = L.q1 ? 4 : 2;
  while (true) {
    const std::uint64_t cells = L.q1 ? poisson_q1_table_size(d, m)
                                     : static_cast<std::uint64_t>(d) * ipow(static_cast<std::uint64_t>(m), d - 1);
    // The deterministic work cap (Options::poisson_nd_max_cells): checked before the clock, so that with a generous
    // budget the levels run do not depend on the machine's speed.
    if (opt.poisson_nd_max_cells > 0 && cells > opt.poisson_nd_max_cells) {
      L.work_capped = true;
      break;
    }
    std::uint64_t max_boxes = std::clamp<std::uint64_t>(8 * cells, 1u << 16, 1u << 22);
    if (opt.poisson_nd_max_cells > 0) max_boxes = std::min(max_boxes, opt.poisson_nd_max_cells);
    const std::uint64_t bytes =
        L.q1 ? poisson_q1_memory_bytes(f, d, m, max_boxes) : poisson_nd_memory_bytes(f, d, m, max_boxes);
    if (bytes > budget_bytes) {
      L.memory_hit = true;
      break;
    }
    const auto t0 = Clock::now();
    // The next level has about 2^{d-1} times the cells: skip it when not even a third of its predicted time is
    // left (a level cut by the deadline still certifies valid, if wider, bounds: LYAPND-POIS-8 (a)).
    if (L.levels > 0 && t0 + std::chrono::duration<double>(0.4 * (1 << (d - 1)) * last_seconds) > deadline) {
      L.timed_out = true;
      L.skipped = true;
      // Multilinear: the time left certifies P h (LYAPND-POIS-25) with the last level's g instead; P averages out
      // part of the interpolation error of h, at k times the terms.
      if (L.q1 && !last_g.empty()) {
        const PoissonNdBounds b = certify_poisson_bounds_q1(f, d, L.last_m, last_g, last_boxes, deadline, nullptr, 1);
        if (std::isfinite(b.lower) && std::isfinite(b.upper) && b.lower <= b.upper) {
          Ball enc;
          exact::set_interval_d(enc.get(), b.lower, b.upper, 128);
          for (std::optional<Ball>* dst : {&best, &L.own}) {
            Ball x;
            // Proof: LYAPND-POIS-25. Each ball contains Lambda, so does the intersection.
            if (arb_intersection(x.get(), (*dst)->get(), enc.get(), 128)) **dst = std::move(x);
          }
          L.iterated = true;
          L.iterated_width = b.upper - b.lower;
        }
      }
      break;
    }
    if (detail::past(deadline)) {
      L.timed_out = true;
      break;
    }
    const int max_it = static_cast<int>(
        std::clamp<double>(3e8 / (static_cast<double>(k) * static_cast<double>(cells) * (L.q1 ? 1 << (d - 1) : 1)),
                           50, 5000));
    int it = 0;
    const auto solve_deadline = t0 + (deadline - t0) * 6 / 10;
    const std::vector<double> g =
        L.q1     ? poisson_q1_solution(f, d, m, max_it, solve_deadline, &it)
        : m == 2 ? std::vector<double>(static_cast<std::size_t>(cells), 0.0)
                 : poisson_chart_solution(f, d, m, max_it, solve_deadline, &it);
    if (!std::all_of(g.begin(), g.end(), [](double v) { return std::isfinite(v); })) {
      L.overflow = true;  // binary64 overflow (entries beyond its range): finer levels overflow too
      break;
    }
    bool cont = true;
    if (L.q1) {
      last_g = g;
      last_boxes = max_boxes;
    }
    const PoissonNdBounds b = L.q1 ? certify_poisson_bounds_q1(f, d, m, g, max_boxes, deadline, &cont)
                                   : certify_poisson_bounds_nd(f, d, m, g, max_boxes, deadline);
    last_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    Ball enc;
    if (std::isfinite(b.lower) && std::isfinite(b.upper) && b.lower <= b.upper) {
      exact::set_interval_d(enc.get(), b.lower, b.upper, 128);  // exact: binary64 endpoints
    } else {
      arb_zero_pm_inf(enc.get());
    }
    // Proof: LYAPND-POIS-8 (d). Each level's ball contains Lambda, so does any intersection of them.
    for (std::optional<Ball>* dst : {&best, &L.own}) {
      if (!*dst) {
        *dst = enc;
      } else if (arb_is_finite(enc.get())) {
        Ball x;
        if (arb_intersection(x.get(), (*dst)->get(), enc.get(), 128)) *dst = std::move(x);
      }
    }
    ++L.levels;
    L.last_m = m;
    L.boxes = b.boxes;
    L.bytes = bytes;
    L.iters = it;
    L.continuous = cont;
    widths.push_back(2 * mag_get_d(arb_radref(L.own->get())));
    if (best->is_finite() && !best->contains_zero() && lyap::internal_width_ok(*best, opt.acc.digits)) {
      L.reached = true;
      break;
    }
    const std::size_t s = widths.size();
    if (s >= 4 && widths[s - 1] > 0.97 * widths[s - 2] && widths[s - 2] > 0.97 * widths[s - 3] &&
        widths[s - 3] > 0.97 * widths[s - 4]) {
      L.stagnated = true;  // LYAPND-POIS-2: e.g. several stationary measures
      break;
    }
    if (detail::past(deadline)) {
      L.timed_out = true;
      break;
    }
    if (m >= max_m) {
      L.capped = true;
      break;
    }
    m *= 2;
  }
}

// The transfer stage (LYAPND-TRANS-1, -10..16): certified bounds of h on every cell of a regular chart cover, then
// the iteration U_{j+1} = sum_w p_w max_{R(w, a)} U_j; covers n = n0, 2 n0, ... while the time and --max-memory
// allow, each with its own multilinear g on the grid m = n / 4 (d = 3) or n / 2 (d = 4) (measured: the width stops
// near the stationary mean of the cell widths of h, which a g on a grid much finer than the cover makes rougher, and
// a much coarser one leaves too wide). Each cover's enclosure is intersected into `best`.
struct TransferStage {
  int levels = 0, n = 0, steps = 0, m = 0, word = 1;
  std::size_t cells = 0;
  std::uint64_t bytes = 0;
  double width = kInf, h_width = kInf, seconds = 0;
  bool memory_hit = false, reached = false, work_capped = false;
  // The adaptive cover (LYAPND-TRANS-17, -18): rounds done, leaves and deepest level of the last, its grids, width.
  int a_rounds = 0, a_n0 = 0, a_nf = 0, a_m = 0, a_level = 0, a_steps = 0;
  std::size_t a_leaves = 0, a_base = 0;
  double a_width = kInf, a_first = kInf, a_seconds = 0;
};


// The adaptive stage (LYAPND-TRANS-17, -18): the regular cover of grid n0 as round 0, then rounds that bisect the
// cells of largest estimated stationary mass times width of the bounds of h, up to `depth` times, while the time, the
// memory and the work cap allow; every round's enclosure is intersected into `best`.
void run_adaptive(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline, int n0,
                  int word, double last_seconds, TransferStage& T, std::optional<Ball>& best) {
  std::size_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const auto t0 = Clock::now();
  // Like the next regular cover: start only when 80 % of its predicted time is left.
  if (T.levels > 0 && t0 + std::chrono::duration<double>(0.8 * (1 << (d - 1)) * last_seconds) > deadline) return;
  const int depth = d == 3 ? 4 : 3;  // finest grid 2048 (d = 3), 128 (d = 4)
  const std::uint64_t base = static_cast<std::uint64_t>(d) * ipow(static_cast<std::uint64_t>(n0), d - 1);
  // g on a finer grid than for a regular cover of grid n0 (m = 128 for d = 3, 16 for d = 4): the refined cells reach
  // the scale of the regular covers n = 512 resp. 32, where these grids did best.
  const int m = d == 3 ? 128 : 16;
  std::uint64_t max_leaves = 64 * base;
  if (opt.poisson_nd_max_cells > 0) max_leaves = std::min<std::uint64_t>(max_leaves, opt.poisson_nd_max_cells);
  if (max_leaves < base) {
    T.work_capped = true;
    return;
  }
  // Proof: LYAPND-TRANS-19. The largest number of leaves the memory budget admits (with the solver of g).
  const std::uint64_t budget_bytes = mib_to_bytes(opt.max_memory_mib);
  const std::uint64_t fixed = internal::AdaptiveTransferNd::memory_bytes(d, n0, depth, k, word, 0) +
                              poisson_q1_memory_bytes(f, d, m, 0);
  const std::uint64_t per_leaf = internal::AdaptiveTransferNd::memory_bytes(d, n0, depth, k, word, 1) -
                                 internal::AdaptiveTransferNd::memory_bytes(d, n0, depth, k, word, 0);
  if (budget_bytes < fixed + base * per_leaf) {
    T.memory_hit = true;
    return;
  }
  max_leaves = std::min(max_leaves, (budget_bytes - fixed) / per_leaf);
  const int max_it = static_cast<int>(std::clamp<double>(
      3e8 / (static_cast<double>(k) * static_cast<double>(poisson_q1_table_size(d, m)) * (1 << (d - 1))), 50, 5000));
  const std::vector<double> g = poisson_q1_solution(f, d, m, max_it, t0 + (deadline - t0) / 10);
  if (!std::all_of(g.begin(), g.end(), [](double v) { return std::isfinite(v); })) return;
  internal::AdaptiveTransferNd A(f, d, n0, depth, word, q1_box_bounds(f, d, m, g));
  T.a_n0 = n0;
  T.a_nf = A.fine_grid();
  T.a_m = m;
  T.a_base = base;
  std::vector<double> lo, hi;
  std::size_t fresh = base;
  double prev = kInf;
  int slow = 0;
  while (true) {
    const auto r0 = Clock::now();
    if (!A.build(deadline)) break;  // a round cut before its cells are bounded gives nothing
    const auto r1 = Clock::now();
    const double per_cell = std::chrono::duration<double>(r1 - r0).count() / static_cast<double>(fresh);
    const internal::TransferNdResult res = A.iterate(lo, hi, 100000, deadline);
    const double iter_seconds = std::chrono::duration<double>(Clock::now() - r1).count();
    if (!(std::isfinite(res.lower) && std::isfinite(res.upper) && res.lower <= res.upper)) break;
    Ball enc, x;
    exact::set_interval_d(enc.get(), res.lower, res.upper, 128);  // exact: binary64 endpoints
    // Proof: LYAPND-TRANS-15, -18. Each round's enclosure contains Lambda, so does the intersection.
    if (!best) {
      best = enc;
    } else if (arb_intersection(x.get(), best->get(), enc.get(), 128)) {
      *best = std::move(x);
    }
    const double width = res.upper - res.lower;
    if (T.a_rounds == 0) T.a_first = width;
    ++T.a_rounds;
    T.a_leaves = A.leaves();
    T.a_level = A.max_level();
    T.a_steps = res.steps;
    T.a_width = std::min(T.a_width, width);
    T.a_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    T.bytes = std::max(T.bytes, fixed + A.leaves() * per_leaf);
    if (best->is_finite() && !best->contains_zero() && lyap::internal_width_ok(*best, opt.acc.digits)) {
      T.reached = true;
      break;
    }
    if (res.stopped || detail::past(deadline)) break;
    // Stop when two rounds in a row narrowed by less than 3 % (the cells left to split carry little of the width).
    slow = width > 0.97 * prev ? slow + 1 : 0;
    if (slow >= 2) break;
    prev = std::min(prev, width);
    // The next round must fit in 80 % of the time left: its new cells at this round's cost per cell (bounds and
    // image covers) and an iteration costing this round's in proportion to the cells.
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    const double per_it = iter_seconds / static_cast<double>(A.leaves());
    std::size_t max_new = static_cast<std::size_t>(
        std::max(0.0, (0.8 * left - iter_seconds) / std::max(per_cell + per_it, 1e-9)));
    max_new = std::min<std::size_t>(max_new, max_leaves - std::min<std::size_t>(max_leaves, A.leaves()));
    const std::size_t per = (std::size_t{1} << (d - 1)) - 1;
    if (max_new < per) break;
    const std::size_t split = A.refine(0.5, max_new);
    if (split == 0) break;
    fresh = split * (per + 1);
  }
}

void run_transfer(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline,
                  TransferStage& T, std::optional<Ball>& best) {
  std::size_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const std::uint64_t budget_bytes = mib_to_bytes(opt.max_memory_mib);
  // The regular cover n = 64 (d = 3; none for d = 4), then the adaptive cover from the next grid (d = 4: n0 = 16).
  const int max_n = d == 3 ? 64 : 8;
  // Words of length 2 (LYAPND-TRANS-16) for two atoms: the maximum over an image block is taken every other step of
  // P, for twice the blocks per step (measured 1.2x narrower at the same cover).
  const int word = k == 2 ? 2 : 1;
  double last_seconds = 0;
  for (int n = d == 3 ? 64 : 16; n <= max_n; n *= 2) {
    const auto t0 = Clock::now();
    if (detail::past(deadline)) break;
    // Each doubling has 2^{d-1} times the cells: start it only when 80 % of its predicted time is left (unlike a
    // ladder level, a cover cut before its cells are all bounded gives nothing; the steps, about a quarter of the
    // time, converge in 20-40 steps and a cut iteration keeps its last full step).
    if (T.levels > 0 && t0 + std::chrono::duration<double>(0.8 * (1 << (d - 1)) * last_seconds) > deadline) break;
    const internal::ChartCover cover{d, n};
    if (opt.poisson_nd_max_cells > 0 && cover.cells() > opt.poisson_nd_max_cells) {
      T.work_capped = true;  // the deterministic work cap (Options::poisson_nd_max_cells)
      break;
    }
    const int m = std::clamp(d == 3 ? n / 4 : n / 2, 4, kMaxQ1Grid);
    // Proof: LYAPND-TRANS-14. The iteration, its image covers and the cell tables, and the solver of g.
    const std::uint64_t bytes = internal::TransferNd::memory_bytes(d, n, k, word) +
                                16 * static_cast<std::uint64_t>(cover.cells()) + poisson_q1_memory_bytes(f, d, m, 0);
    if (bytes > budget_bytes) {
      T.memory_hit = true;
      break;
    }
    const int max_it = static_cast<int>(std::clamp<double>(
        3e8 / (static_cast<double>(k) * static_cast<double>(poisson_q1_table_size(d, m)) * (1 << (d - 1))), 50, 5000));
    const std::vector<double> g = poisson_q1_solution(f, d, m, max_it, t0 + (deadline - t0) / 10);
    if (!std::all_of(g.begin(), g.end(), [](double v) { return std::isfinite(v); })) break;
    std::vector<double> lo, hi;
    if (!q1_cell_bounds(f, d, m, g, cover, deadline, lo, hi)) break;
    const internal::TransferNd tr(f, cover, word);
    const internal::TransferNdResult res = tr.iterate(lo, hi, 100000, deadline);
    last_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!(std::isfinite(res.lower) && std::isfinite(res.upper) && res.lower <= res.upper)) continue;
    Ball enc, x;
    exact::set_interval_d(enc.get(), res.lower, res.upper, 128);  // exact: binary64 endpoints
    // Proof: LYAPND-TRANS-15. Each enclosure contains Lambda, so does the intersection.
    if (!best) {
      best = enc;
    } else if (arb_intersection(x.get(), best->get(), enc.get(), 128)) {
      *best = std::move(x);
    }
    ++T.levels;
    T.bytes = std::max(T.bytes, bytes);
    if (res.upper - res.lower < T.width) {  // the note reports the narrowest cover
      T.n = n;
      T.m = m;
      T.word = word;
      T.cells = cover.cells();
      T.steps = res.steps;
      T.width = res.upper - res.lower;
      T.h_width = res.h_upper - res.h_lower;
      T.seconds = last_seconds;
    }
    if (best->is_finite() && !best->contains_zero() && lyap::internal_width_ok(*best, opt.acc.digits)) {
      T.reached = true;
      break;
    }
  }
  if (T.reached || T.memory_hit || T.work_capped || detail::past(deadline)) return;
  run_adaptive(f, d, opt, deadline, 2 * max_n, word, last_seconds, T, best);
}

std::string ladder_reason(const Ladder& L, const Options& opt) {
  if (L.reached) return "the requested digits were reached";
  if (L.overflow) return "the binary64 solution overflowed (matrix entries beyond the binary64 range)";
  if (L.work_capped)
    return fmt::format("the work cap of {} cells (poisson_nd_max_cells) would be exceeded by the next grid",
                       opt.poisson_nd_max_cells);
  if (L.skipped) return fmt::format("the next grid (m = {}) would not fit in its share of the time budget", 2 * L.last_m);
  if (L.timed_out) return "its share of the time budget was exhausted";
  if (L.memory_hit)
    return fmt::format("the memory budget of {} MiB (--max-memory) would be exceeded by the next grid",
                       opt.max_memory_mib);
  if (L.stagnated)
    return "the enclosure stopped shrinking as the grid grew (e.g. several stationary measures of a reducible "
           "family keep inf h < sup h: LYAPND-POIS-2)";
  if (L.capped) return fmt::format("grid cap m = {} reached", L.last_m);
  return "not run";
}

}  // namespace

Result run_poisson_nd(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline) {
  require_nd(f, d, 4, "--method poisson");
  Result r;
  r.top.method = "poisson";
  r.top.digits_requested = opt.acc.digits;
  r.top.bits_used = 53;
  std::optional<Ball> best;
  const auto start = Clock::now();
  // Multilinear g first (LYAPND-POIS-20..23) with an eighth of the time for d = 3 and a tenth for d = 4 (a quick
  // certified enclosure), then the transfer stage (LYAPND-TRANS-10..16, measured 10-40x narrower at 60 s) up to 90 %
  // of the budget, then the piecewise-constant ladder (LYAPND-POIS-7..9) as a fallback with the rest (its level m = 2
  // is the g = 0 baseline that matters for reducible families): the intersection of all is reported.
  Ladder q1, pc;
  q1.q1 = true;
  const auto q1_deadline = deadline <= start ? deadline
                           : d == 3          ? start + (deadline - start) / 8
                                             : start + (deadline - start) / 10;
  run_ladder(f, d, opt, q1_deadline, q1, best);
  TransferStage tr;
  if (!q1.reached) {
    // The transfer stage (LYAPND-TRANS-10..16) up to 90 % of the budget.
    const auto tr_deadline = deadline <= start ? deadline : start + (deadline - start) * 9 / 10;
    run_transfer(f, d, opt, tr_deadline, tr, best);
  }
  const bool done = q1.reached || tr.reached;
  if (!done) run_ladder(f, d, opt, deadline, pc, best);
  r.timed_out = q1.timed_out || pc.timed_out;
  r.memory_limited = q1.memory_hit || pc.memory_hit || tr.memory_hit;
  r.memory_estimate_bytes = std::max({q1.bytes, pc.bytes, tr.bytes});
  if (!best) {
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.converged = false;
    r.top.message = fmt::format("the memory budget of {} MiB (--max-memory) is below the first level's estimate "
                                "(LYAPND-POIS-10, -24): nothing was certified",
                                opt.max_memory_mib);
    return r;
  }
  r.top.value.ball = *best;
  const bool reached = best->is_finite() && !best->contains_zero() && lyap::internal_width_ok(*best, opt.acc.digits);
  if (best->is_finite() && !best->contains_zero())
    r.top.value.sign = arb_is_positive(best->get()) ? lyap::Sign::positive : lyap::Sign::negative;
  r.top.converged = reached;
  auto w = [](const Ladder& L) { return L.own ? 2 * mag_get_d(arb_radref(L.own->get())) : kInf; };
  std::string note = fmt::format(
      "Poisson certificate (LYAPND-POIS-6, -20..22): g multilinear on {} charts x {}^{} cells{} ({} "
      "transfer-operator steps, {} boxes; width {:.3g}; stopped: {})",
      d, q1.last_m, d - 1, q1.continuous ? ", continuous" : "", q1.iters, q1.boxes, w(q1), ladder_reason(q1, opt));
  if (q1.iterated)
    note += fmt::format("; then P h with the last g (LYAPND-POIS-25) in the time left (own width {:.3g})", q1.iterated_width);
  if (tr.levels > 0)
    note += fmt::format("; transfer iteration (LYAPND-TRANS-1, -10..16) on {} charts x {}^{} cells with a multilinear g "
                        "(m = {}): {} steps of P^{}, width {:.3g} (from {:.3g} for h on the cells), {:.1f} s",
                        d, tr.n, d - 1, tr.m, tr.steps, tr.word, tr.width, tr.h_width, tr.seconds);
  if (tr.a_rounds > 0)
    note += fmt::format("; adaptive transfer cover (LYAPND-TRANS-17, -18) from {} charts x {}^{} cells, g on m = {}: {} "
                        "rounds refining where estimated stationary mass x cell width is largest, {} cells (deepest "
                        "level {}, finest grid {}), {} steps, width {:.3g} (round 0: {:.3g}), {:.1f} s",
                        d, tr.a_n0, d - 1, tr.a_m, tr.a_rounds, tr.a_leaves, tr.a_level, tr.a_nf, tr.a_steps,
                        tr.a_width, tr.a_first, tr.a_seconds);
  if (tr.work_capped) note += " (next cover beyond the work cap poisson_nd_max_cells)";
  if (pc.levels > 0)
    note += fmt::format("; fallback g piecewise constant on {} charts x {}^{} cells (LYAPND-POIS-7..9; {} "
                        "transfer-operator steps, {} boxes; width {:.3g}; stopped: {})",
                        d, pc.last_m, d - 1, pc.iters, pc.boxes, w(pc), ladder_reason(pc, opt));
  const double wt = std::min(tr.levels > 0 ? tr.width : kInf, tr.a_width);
  note += fmt::format("; reported: the intersection of all, the narrowest from the {} (binary64 outward rounding: "
                      "widths below about 1e-13 are out of reach)",
                      wt <= std::min(w(q1), w(pc)) ? "transfer iteration"
                      : w(q1) <= w(pc)             ? "multilinear g"
                                                   : "piecewise-constant g");
  if (!reached && best->contains_zero()) note += "; the sign is undetermined (no exact zero test for this method)";
  r.top.message = note;
  return r;
}

}  // namespace lyapcert::lyapnd
