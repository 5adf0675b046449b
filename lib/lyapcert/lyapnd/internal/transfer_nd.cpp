// The transfer iteration for d = 3, 4 on a regular chart cover (proofs/lyapnd/transfer_nd.md, LYAPND-TRANS-10..14,
// on top of LYAPND-TRANS-1, -2 in proofs/lyapnd/transfer.md).
#include "lyapcert/lyapnd/internal/transfer_nd.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd::internal {
namespace {

using fast::OutwardInterval;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Margin on the cell-index computation, as in LYAPND-POIS-7 (c): the binary64 error of (q + 1) n / 2 for
// q in [-1, 1] and n <= 4096 is below 2^-40, far below this.
constexpr double kIndexMargin = 1e-6;
// Sparse-table levels kept (windows of up to 2^(kMaxLevels - 1) cells); a longer row of a block is covered by
// several windows. Bounds the table memory at 2 (kMaxLevels - 1) doubles per cell.
constexpr int kMaxLevels = 6;
// Bisections of a cell whose image enclosure meets 0 in the chart's own coordinate (LYAPND-TRANS-11 (f)).
constexpr int kImageDepth = 4;

std::size_t ipow(std::size_t b, int e) {
  std::size_t r = 1;
  for (int i = 0; i < e; ++i) r *= b;
  return r;
}

int floor_log2(std::uint32_t x) {
  int t = 0;
  while ((2u << t) <= x) ++t;
  return t;
}

}  // namespace

std::size_t ChartCover::per_chart() const { return ipow(static_cast<std::size_t>(n), d - 1); }
std::size_t ChartCover::cells() const { return static_cast<std::size_t>(d) * per_chart(); }

int ChartCover::box(std::size_t q, double* lo, double* hi) const {
  const std::size_t P = per_chart();
  const int c = static_cast<int>(q / P);
  std::size_t r = q % P;
  for (int a = 0; a < d - 1; ++a) {
    const double k = static_cast<double>(r % static_cast<std::size_t>(n));
    r /= static_cast<std::size_t>(n);
    // Proof: LYAPND-TRANS-10. Exact: n is a power of two, so 2 k / n and 2 (k + 1) / n are dyadic.
    lo[a] = -1 + 2 * k / n;
    hi[a] = -1 + 2 * (k + 1) / n;
  }
  return c;
}

namespace {

using TimePoint = std::chrono::steady_clock::time_point;

bool enclose_split(const BoxBoundsFn& eval, int c, int na, const double* lo, const double* hi, int depth,
                   TimePoint deadline, double& l, double& u);

// Enclosure of h over a box; where the evaluation fails (e.g. |M v| not certified positive over a wide box), the box
// is bisected along every axis, at most `depth` times (and not past the deadline: an evaluation that fails
// everywhere, e.g. on binary64 overflow, must not cost 2^(12 (d-1)) evaluations). Proof: LYAPND-TRANS-12 (b).
bool enclose_box(const BoxBoundsFn& eval, int c, int na, const double* lo, const double* hi, int depth,
                 TimePoint deadline, double& l, double& u) {
  if (eval(c, lo, hi, l, u) && l <= u) return true;
  if (depth == 0 || detail::past(deadline)) return false;
  return enclose_split(eval, c, na, lo, hi, depth - 1, deadline, l, u);
}

bool enclose_split(const BoxBoundsFn& eval, int c, int na, const double* lo, const double* hi, int depth,
                   TimePoint deadline, double& l, double& u) {
  std::array<double, 3> sl{}, sh{};
  l = kInf;
  u = -kInf;
  for (int e = 0; e < (1 << na); ++e) {
    for (int a = 0; a < na; ++a) {
      const double mid = lo[a] + (hi[a] - lo[a]) / 2;  // exact (dyadic)
      sl[a] = (e >> a & 1) ? mid : lo[a];
      sh[a] = (e >> a & 1) ? hi[a] : mid;
    }
    double x, y;
    if (!enclose_box(eval, c, na, sl.data(), sh.data(), depth, deadline, x, y)) return false;
    l = std::min(l, x);
    u = std::max(u, y);
  }
  return true;
}

}  // namespace

bool cell_bounds_nd(const ChartCover& cover, const BoxBoundsFn& eval, double refine_factor,
                    std::chrono::steady_clock::time_point deadline, std::vector<double>& lo, std::vector<double>& hi) {
  const std::size_t N = cover.cells();
  const int na = cover.d - 1;
  constexpr int kFailDepth = 12;  // only failing sub-boxes recurse: near a direction where |M v| is small
  lo.assign(N, -kInf);
  hi.assign(N, kInf);
  std::array<double, 3> bl{}, bh{};
  for (std::size_t q = 0; q < N; ++q) {
    if ((q & 255) == 0 && detail::past(deadline)) return false;
    const int c = cover.box(q, bl.data(), bh.data());
    double l, u;
    // Proof: LYAPND-TRANS-12 (a), (b). A failed enclosure is retried on bisections; failing that, the whole line.
    if (enclose_box(eval, c, na, bl.data(), bh.data(), kFailDepth, deadline, l, u)) {
      lo[q] = l;
      hi[q] = u;
    }
  }
  std::vector<double> widths;
  widths.reserve(N);
  for (std::size_t q = 0; q < N; ++q)
    if (std::isfinite(hi[q] - lo[q])) widths.push_back(hi[q] - lo[q]);
  if (widths.empty()) return true;
  std::nth_element(widths.begin(), widths.begin() + static_cast<std::ptrdiff_t>(widths.size() / 2), widths.end());
  const double thresh = refine_factor * widths[widths.size() / 2];
  for (std::size_t q = 0; q < N; ++q) {
    if (!std::isfinite(hi[q] - lo[q]) || hi[q] - lo[q] <= thresh) continue;
    if (detail::past(deadline)) break;  // a partial refinement is still valid
    const int c = cover.box(q, bl.data(), bh.data());
    double l, u;
    // Proof: LYAPND-TRANS-12 (b). The sub-boxes cover the cell; both enclosures contain the range of h on it.
    if (enclose_split(eval, c, na, bl.data(), bh.data(), kFailDepth - 1, deadline, l, u)) {
      lo[q] = std::max(lo[q], l);
      hi[q] = std::min(hi[q], u);
    }
  }
  return true;
}

bool TransferNd::image_blocks(const fast::OutwardInterval* M, int d, int n, int c, const double* lo,
                              const double* hi, int depth, std::array<Block, 4>& hull, std::array<bool, 4>& have) {
  const int na = d - 1;
  std::array<OutwardInterval, 4> v, w;
  int ax = 0;
  for (int j = 0; j < d; ++j) {
    if (j == c) {
      v[j] = OutwardInterval(1.0);
    } else {
      v[j] = OutwardInterval(lo[ax], hi[ax]);
      ++ax;
    }
  }
  // Proof: LYAPND-TRANS-11 (a). W encloses M (e_c + sum u_j e_j) over the box.
  bool finite = true;
  for (int r = 0; r < d; ++r) {
    OutwardInterval s = M[r * d] * v[0];
    for (int cc = 1; cc < d; ++cc) s += M[r * d + cc] * v[cc];
    w[r] = s;
    finite = finite && std::isfinite(s.lower()) && std::isfinite(s.upper());
  }
  auto split = [&]() {
    // Proof: LYAPND-TRANS-11 (f). The 2^(d-1) closed halves cover the box (midpoints exact: dyadic).
    std::array<double, 3> sl{}, sh{};
    for (int e = 0; e < (1 << na); ++e) {
      for (int x = 0; x < na; ++x) {
        const double mid = lo[x] + (hi[x] - lo[x]) / 2;
        sl[x] = (e >> x & 1) ? mid : lo[x];
        sh[x] = (e >> x & 1) ? hi[x] : mid;
      }
      if (!image_blocks(M, d, n, c, sl.data(), sh.data(), depth - 1, hull, have)) return false;
    }
    return true;
  };
  if (!finite) return depth > 0 ? split() : false;  // (e): every cell
  std::array<double, 4> mig{}, mag{};
  for (int j = 0; j < d; ++j) {
    const double x = std::fabs(w[j].lower()), y = std::fabs(w[j].upper());
    mag[j] = std::max(x, y);
    mig[j] = (w[j].lower() <= 0 && w[j].upper() >= 0) ? 0.0 : std::min(x, y);
  }
  std::array<Block, 4> got{};
  int ngot = 0;
  bool whole_any = false;
  for (int t = 0; t < d; ++t) {
    // Proof: LYAPND-TRANS-11 (b). Chart t can hold a point of the image only if |w_t| >= |w_j| is possible.
    bool cand = true;
    for (int j = 0; j < d && cand; ++j)
      if (j != t && mag[t] < mig[j]) cand = false;
    if (!cand) continue;
    Block b{};
    b.chart = static_cast<std::uint8_t>(t);
    const bool zt = w[t].lower() <= 0 && w[t].upper() >= 0;
    int bx = 0;
    bool whole = true;
    for (int j = 0; j < d && cand; ++j) {
      if (j == t) continue;
      double ql = -1, qh = 1;
      if (!zt) {
        // Proof: LYAPND-TRANS-11 (c). The coordinates w_j / w_t of the image points in chart t.
        const OutwardInterval q = w[j] / w[t];
        ql = std::max(-1.0, q.lower());
        qh = std::min(1.0, q.upper());
        if (!(ql <= qh)) {
          cand = false;  // |w_j / w_t| > 1 on the whole box: no image point in chart t
          break;
        }
      }
      // Proof: LYAPND-POIS-7 (c), LYAPND-TRANS-11 (d). Cells kl..kh hold every coordinate in [ql, qh].
      const double xl = (ql + 1) * (0.5 * n) - kIndexMargin, xh = (qh + 1) * (0.5 * n) + kIndexMargin;
      const std::int64_t kl = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(xl)), 0, n - 1);
      const std::int64_t kh = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(xh)), 0, n - 1);
      b.kl[bx] = static_cast<std::uint16_t>(kl);
      b.kh[bx] = static_cast<std::uint16_t>(kh);
      if (kl != 0 || kh != n - 1) whole = false;
      ++bx;
    }
    if (!cand) continue;
    b.whole = whole ? 1 : 0;
    whole_any = whole_any || whole;
    got[ngot++] = b;
  }
  // A whole chart (the enclosure of w_t meets 0) or no chart at all: the box is too large for the enclosure; halves
  // give a tighter cover while the depth lasts.
  if ((whole_any || ngot == 0) && depth > 0) return split();
  if (ngot == 0) return false;  // (e): every cell
  // Proof: LYAPND-TRANS-11 (f). Per chart, the hull of the blocks contains their union.
  for (int g = 0; g < ngot; ++g) {
    const Block& b = got[g];
    Block& h = hull[b.chart];
    if (!have[b.chart]) {
      h = b;
      have[b.chart] = true;
      continue;
    }
    for (int x = 0; x < na; ++x) {
      h.kl[x] = std::min(h.kl[x], b.kl[x]);
      h.kh[x] = std::max(h.kh[x], b.kh[x]);
    }
    h.whole = h.whole || b.whole;
  }
  return true;
}

TransferNd::TransferNd(const laws::FiniteMatrices& f, const ChartCover& cover, int word_length)
    : cover_(cover), word_length_(word_length) {
  const int d = cover.d, n = cover.n, na = d - 1;
  if (d != 3 && d != 4) throw InputError("TransferNd: d must be 3 or 4");
  if (n < 2 || n > kMaxTransferGrid || (n & (n - 1)) != 0)
    throw InputError("TransferNd: the cover grid n must be a power of two in [2, 1024]");
  if (word_length < 1 || word_length > 8) throw InputError("TransferNd: the word length must be in [1, 8]");
  std::vector<std::array<OutwardInterval, 16>> atoms;
  std::vector<OutwardInterval> probs;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    std::array<OutwardInterval, 16> a;
    for (int r = 0; r < 16; ++r) a[r] = OutwardInterval(0.0);
    for (int r = 0; r < d * d; ++r) a[r] = fast::enclose(f.matrices[i][r].backend().data());
    atoms.push_back(a);
    probs.push_back(fast::enclose(f.probs[i].backend().data()));
  }
  // Proof: LYAPND-TRANS-16. The words w = (i_1, ..., i_L), index i_1 + k i_2 + ..., with the interval matrix
  // A_{i_L} ... A_{i_1} (containing M_w) and the interval product of the probabilities (containing p_w).
  std::vector<std::array<OutwardInterval, 16>> mats = atoms;
  std::vector<OutwardInterval> wp = probs;
  for (int len = 1; len < word_length; ++len) {
    std::vector<std::array<OutwardInterval, 16>> next;
    std::vector<OutwardInterval> np;
    for (std::size_t last = 0; last < atoms.size(); ++last)
      for (std::size_t w = 0; w < mats.size(); ++w) {
        std::array<OutwardInterval, 16> c;
        for (int r = 0; r < 16; ++r) c[r] = OutwardInterval(0.0);
        for (int r = 0; r < d; ++r)
          for (int cc = 0; cc < d; ++cc) {
            OutwardInterval s(0.0);
            for (int j = 0; j < d; ++j) s += atoms[last][r * d + j] * mats[w][j * d + cc];
            c[r * d + cc] = s;
          }
        next.push_back(c);
        np.push_back(probs[last] * wp[w]);
      }
    mats.swap(next);
    wp.swap(np);
  }
  for (const OutwardInterval& p : wp) {
    // Proof: LYAPND-TRANS-2. Binary64 enclosures of the probabilities.
    w_.lo.push_back(p.lower());
    w_.hi.push_back(p.upper());
  }
  const std::size_t k = mats.size(), N = cover.cells();
  static_assert(sizeof(Block) <= 16);
  first_.assign(N * k + 1, 0);
  blocks_.reserve(N * k + N * k / 4);
  std::array<double, 3> bl{}, bh{};
  double cells_sum = 0;
  int max_w0 = 1;
  for (std::size_t a = 0; a < N; ++a) {
    const int c = cover.box(a, bl.data(), bh.data());
    for (std::size_t i = 0; i < k; ++i) {
      first_[a * k + i] = static_cast<std::uint32_t>(blocks_.size());
      std::array<Block, 4> hull{};
      std::array<bool, 4> have{};
      // Proof: LYAPND-TRANS-11 (e), (f). No blocks: R(i, a) = every cell.
      if (!image_blocks(mats[i].data(), d, n, c, bl.data(), bh.data(), kImageDepth, hull, have)) continue;
      for (int t = 0; t < d; ++t) {
        if (!have[t]) continue;
        const Block& b = hull[t];
        double cnt = 1;
        for (int x = 0; x < na; ++x) cnt *= b.kh[x] - b.kl[x] + 1;
        cells_sum += cnt;
        if (!b.whole) max_w0 = std::max(max_w0, b.kh[0] - b.kl[0] + 1);
        blocks_.push_back(b);
      }
    }
  }
  first_[N * k] = static_cast<std::uint32_t>(blocks_.size());
  levels_ = std::min(kMaxLevels, floor_log2(static_cast<std::uint32_t>(max_w0)) + 1);
  mean_block_cells_ = blocks_.empty() ? 0 : cells_sum / static_cast<double>(blocks_.size());
}

bool TransferNd::in_cover(std::size_t i, std::size_t a, std::size_t b) const {
  const std::size_t k = w_.lo.size(), P = cover_.per_chart(), n = static_cast<std::size_t>(cover_.n);
  const std::uint32_t b0 = first_[a * k + i], b1 = first_[a * k + i + 1];
  if (b0 == b1) return true;
  const std::size_t chart = b / P;
  std::size_t r = b % P;
  std::array<std::size_t, 3> kk{};
  for (int x = 0; x < cover_.d - 1; ++x) {
    kk[x] = r % n;
    r /= n;
  }
  for (std::uint32_t bi = b0; bi < b1; ++bi) {
    const Block& bl = blocks_[bi];
    if (bl.chart != chart) continue;
    bool in = true;
    for (int x = 0; x < cover_.d - 1; ++x) in = in && kk[x] >= bl.kl[x] && kk[x] <= bl.kh[x];
    if (in) return true;
  }
  return false;
}

std::uint64_t TransferNd::memory_bytes(int d, int n, std::size_t atoms, int word_length) {
  const std::size_t k = atoms;
  for (int len = 1; len < word_length; ++len) atoms *= k;  // the k^L words
  const std::uint64_t N = static_cast<std::uint64_t>(d) * ipow(static_cast<std::size_t>(n), d - 1);
  const std::uint64_t levels =
      static_cast<std::uint64_t>(std::min(kMaxLevels, floor_log2(static_cast<std::uint32_t>(n)) + 1));
  // Proof: LYAPND-TRANS-14. Per cell: L_0, U_0 (the caller), the next L, U and the refinement widths (8 bytes each),
  // the two sparse tables ((levels - 1) x 8 bytes each), per word the block offsets (4 bytes) and at most d blocks of
  // 16 bytes, reserved with a quarter of headroom and possibly doubled by vector growth.
  return N * (5 * 8 + 16 * (levels - 1) + atoms * (4 + 2 * 16 * static_cast<std::uint64_t>(d))) + (1u << 20);
}

TransferNdResult TransferNd::iterate(std::vector<double>& lo, std::vector<double>& hi, int max_steps,
                                     std::chrono::steady_clock::time_point deadline) const {
  const int d = cover_.d, n = cover_.n;
  const std::size_t N = cover_.cells(), P = cover_.per_chart(), k = w_.lo.size();
  const std::size_t sn = static_cast<std::size_t>(n), sn2 = sn * sn;
  if (lo.size() != N || hi.size() != N) throw std::invalid_argument("TransferNd::iterate: wrong table size");
  TransferNdResult res;
  res.h_upper = *std::max_element(hi.begin(), hi.end());
  res.h_lower = *std::min_element(lo.begin(), lo.end());
  res.upper = res.h_upper;
  res.lower = res.h_lower;
  const int L = levels_;
  // Row sparse tables along axis 0 (LYAPND-TRANS-13): level t holds the extreme over cells k0 .. k0 + 2^t - 1 of the
  // row; level 0 is the table itself.
  std::vector<double> tu(static_cast<std::size_t>(L - 1) * N), tl(static_cast<std::size_t>(L - 1) * N), nu(N), nl(N), spreads;
  std::vector<double> mu(k), ml(k), cmax(d), cmin(d);
  for (int step = 0; step < max_steps; ++step) {
    if (detail::past(deadline)) {
      res.stopped = true;
      break;
    }
    auto level = [N](std::vector<double>& t, std::vector<double>& base, int lv) -> double* {
      return lv == 0 ? base.data() : t.data() + static_cast<std::size_t>(lv - 1) * N;
    };
    for (int lv = 1; lv < L; ++lv) {
      const double* pu = level(tu, hi, lv - 1);
      const double* pl = level(tl, lo, lv - 1);
      double* qu = level(tu, hi, lv);
      double* ql = level(tl, lo, lv);
      const std::size_t half = std::size_t{1} << (lv - 1), span = std::size_t{1} << lv;
      for (std::size_t q = 0; q < N; ++q) {
        // Entries whose window leaves the row are never read.
        if (q % sn + span > sn) continue;
        qu[q] = std::max(pu[q], pu[q + half]);
        ql[q] = std::min(pl[q], pl[q + half]);
      }
    }
    double gmax = -kInf, gmin = kInf;
    for (int c = 0; c < d; ++c) {
      cmax[c] = *std::max_element(hi.begin() + c * P, hi.begin() + (c + 1) * P);
      cmin[c] = *std::min_element(lo.begin() + c * P, lo.begin() + (c + 1) * P);
      gmax = std::max(gmax, cmax[c]);
      gmin = std::min(gmin, cmin[c]);
    }
    bool cut = false;
    for (std::size_t a = 0; a < N; ++a) {
      if ((a & 4095) == 4095 && detail::past(deadline)) {
        cut = true;
        break;
      }
      for (std::size_t i = 0; i < k; ++i) {
        const std::uint32_t b0 = first_[a * k + i], b1 = first_[a * k + i + 1];
        if (b0 == b1) {
          // Proof: LYAPND-TRANS-11 (e). R(i, a) = every cell.
          mu[i] = gmax;
          ml[i] = gmin;
          continue;
        }
        double xu = -kInf, xl = kInf;
        for (std::uint32_t bi = b0; bi < b1; ++bi) {
          const Block& b = blocks_[bi];
          if (b.whole) {
            xu = std::max(xu, cmax[b.chart]);
            xl = std::min(xl, cmin[b.chart]);
            continue;
          }
          // Proof: LYAPND-TRANS-13. Windows of length 2^t starting at kl0, kl0 + 2^t, ... and one ending at kh0
          // cover kl0 .. kh0 (two when the row is shorter than 2^(t+1)).
          const int w0 = b.kh[0] - b.kl[0] + 1;
          const int t = std::min(L - 1, floor_log2(static_cast<std::uint32_t>(w0)));
          const double* pu = level(tu, hi, t);
          const double* pl = level(tl, lo, t);
          const std::size_t span = std::size_t{1} << t;
          const std::size_t olast = b.kh[0] + 1 - span;
          const std::size_t base = static_cast<std::size_t>(b.chart) * P;
          const int k2l = d == 4 ? b.kl[2] : 0, k2h = d == 4 ? b.kh[2] : 0;
          for (int k2 = k2l; k2 <= k2h; ++k2)
            for (int k1 = b.kl[1]; k1 <= b.kh[1]; ++k1) {
              const std::size_t row = base + static_cast<std::size_t>(k1) * sn + static_cast<std::size_t>(k2) * sn2;
              for (std::size_t o = b.kl[0]; o < olast; o += span) {
                xu = std::max(xu, pu[row + o]);
                xl = std::min(xl, pl[row + o]);
              }
              xu = std::max(xu, pu[row + olast]);
              xl = std::min(xl, pl[row + olast]);
            }
        }
        mu[i] = xu;
        ml[i] = xl;
      }
      // Proof: LYAPND-TRANS-2. Rounded upward / downward weighted sums; a NaN (only from an infinite bound) is
      // replaced by the trivial bound.
      const double u = weighted_sum_up(w_, mu.data()), l = weighted_sum_down(w_, ml.data());
      nu[a] = std::isnan(u) ? kInf : u;
      nl[a] = std::isnan(l) ? -kInf : l;
    }
    if (cut) {
      res.stopped = true;  // the partial step is dropped: L_J, U_J stay those of the last full step
      break;
    }
    // The tables are views of lo / hi at level 0: swap only after the step.
    std::swap(hi, nu);
    std::swap(lo, nl);
    ++res.steps;
    const double U = *std::max_element(hi.begin(), hi.end()), Lw = *std::min_element(lo.begin(), lo.end());
    // Proof: LYAPND-TRANS-1. Every step's extremes bound Lambda; keep the best (rounding may lose the monotonicity
    // by an ulp).
    res.upper = std::min(res.upper, U);
    res.lower = std::max(res.lower, Lw);
    const double spread = res.upper - res.lower;
    spreads.push_back(spread);
    if (!(spread > 1e-14 * std::max(1.0, std::fabs(res.upper)))) break;
    const std::size_t s = spreads.size();
    if (s > 10 && spread > 0.999 * spreads[s - 11]) break;
  }
  return res;
}

}  // namespace lyapcert::lyapnd::internal
