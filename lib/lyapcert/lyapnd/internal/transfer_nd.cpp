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

// The start of an iteration from L_0 = lo, U_0 = hi: min L_0 <= Lambda <= max U_0 (the step J = 0).
TransferNdResult start_result(const std::vector<double>& lo, const std::vector<double>& hi) {
  TransferNdResult res;
  res.h_upper = *std::max_element(hi.begin(), hi.end());
  res.h_lower = *std::min_element(lo.begin(), lo.end());
  res.upper = res.h_upper;
  res.lower = res.h_lower;
  return res;
}

// The end of one completed step, shared by TransferNd::iterate and AdaptiveTransferNd::iterate: the next tables
// (nl, nu) become L_J, U_J, the step's extremes are kept when they improve the enclosure, and the stopping rule
// (the spread is below 1e-14 relative, or above `ratio` times its value `lag` steps earlier). Returns false to stop.
bool finish_step(std::vector<double>& lo, std::vector<double>& hi, std::vector<double>& nl, std::vector<double>& nu,
                 TransferNdResult& res, std::vector<double>& spreads, std::size_t lag, double ratio) {
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
  if (!(spread > 1e-14 * std::max(1.0, std::fabs(res.upper)))) return false;
  const std::size_t s = spreads.size();
  return !(s > lag && spread > ratio * spreads[s - lag - 1]);
}

// The word enclosures of LYAPND-TRANS-16: words w = (i_1, ..., i_L) with index i_1 + k i_2 + ..., the interval
// product A_{i_L} ... A_{i_1} of the atoms' enclosures (containing M_w) and the interval product of the
// probabilities, stored as binary64 enclosures (LYAPND-TRANS-2). Atoms of probability 0 are dropped.
void word_enclosures(const laws::FiniteMatrices& f, int d, int word_length,
                     std::vector<std::array<OutwardInterval, 16>>& mats_out, TransferWeights& w) {
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
  std::vector<std::array<OutwardInterval, 16>> mats = atoms;
  std::vector<OutwardInterval> wp = probs;
  for (int len = 1; len < word_length; ++len) {
    std::vector<std::array<OutwardInterval, 16>> next;
    std::vector<OutwardInterval> np;
    for (std::size_t last = 0; last < atoms.size(); ++last)
      for (std::size_t wi = 0; wi < mats.size(); ++wi) {
        std::array<OutwardInterval, 16> c;
        for (int r = 0; r < 16; ++r) c[r] = OutwardInterval(0.0);
        for (int r = 0; r < d; ++r)
          for (int cc = 0; cc < d; ++cc) {
            OutwardInterval s(0.0);
            for (int j = 0; j < d; ++j) s += atoms[last][r * d + j] * mats[wi][j * d + cc];
            c[r * d + cc] = s;
          }
        next.push_back(c);
        np.push_back(probs[last] * wp[wi]);
      }
    mats.swap(next);
    wp.swap(np);
  }
  w.lo.clear();
  w.hi.clear();
  for (const OutwardInterval& p : wp) {
    w.lo.push_back(p.lower());
    w.hi.push_back(p.upper());
  }
  mats_out.swap(mats);
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
  std::vector<std::array<OutwardInterval, 16>> mats;
  // Proof: LYAPND-TRANS-16, LYAPND-TRANS-2. Interval matrices containing M_w, binary64 enclosures of p_w.
  word_enclosures(f, d, word_length, mats, w_);
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
  TransferNdResult res = start_result(lo, hi);
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
    // The tables are views of lo / hi at level 0: swap only after the step (finish_step does).
    if (!finish_step(lo, hi, nl, nu, res, spreads, 10, 0.999)) break;
  }
  return res;
}


// ---------------------------------------------------------------------------------------------
// The adaptive dyadic cover (LYAPND-TRANS-17, -18).

AdaptiveTransferNd::AdaptiveTransferNd(const laws::FiniteMatrices& f, int d, int n0, int depth, int word_length,
                                       BoxBoundsFn eval)
    : d_(d), n0_(n0), depth_(depth), nf_(n0 << depth), word_length_(word_length), eval_(std::move(eval)) {
  if (d != 3 && d != 4) throw InputError("AdaptiveTransferNd: d must be 3 or 4");
  if (n0 < 2 || (n0 & (n0 - 1)) != 0 || depth < 0 || depth > 11 || nf_ > kMaxAdaptiveGrid)
    throw InputError("AdaptiveTransferNd: n0 must be a power of two >= 2 with n0 2^depth <= 4096");
  if (word_length < 1 || word_length > 8) throw InputError("AdaptiveTransferNd: the word length must be in [1, 8]");
  // Proof: LYAPND-TRANS-16, LYAPND-TRANS-2. Interval matrices containing M_w, binary64 enclosures of p_w.
  word_enclosures(f, d, word_length, mats_, w_);
  const int na = d - 1;
  const std::size_t base = static_cast<std::size_t>(d) * ipow(static_cast<std::size_t>(n0), na);
  info_.resize(base);
  nodes_.resize(base);
  node_of_.resize(base);
  // Proof: LYAPND-TRANS-17 (a). The level-0 leaves are the cells of the regular cover of grid n0 (LYAPND-TRANS-10).
  for (std::size_t q = 0; q < base; ++q) {
    Leaf& L = info_[q];
    const std::size_t P = base / static_cast<std::size_t>(d);
    L.chart = static_cast<std::uint8_t>(q / P);
    L.level = 0;
    std::size_t r = q % P;
    for (int a = 0; a < 3; ++a) {
      L.k[a] = a < na ? static_cast<std::uint16_t>(r % static_cast<std::size_t>(n0)) : 0;
      if (a < na) r /= static_cast<std::size_t>(n0);
    }
    nodes_[q] = Node{static_cast<std::int32_t>(q), 0};
    node_of_[q] = static_cast<std::uint32_t>(q);
  }
  l0_.assign(base, -kInf);
  u0_.assign(base, kInf);
  fresh_.assign(base, 1);
}

int AdaptiveTransferNd::box(std::size_t a, double* lo, double* hi) const {
  const Leaf& L = info_[a];
  const double r = static_cast<double>(n0_ << L.level);
  for (int x = 0; x < d_ - 1; ++x) {
    // Proof: LYAPND-TRANS-17 (a). Exact: r = n0 2^level <= 4096 is a power of two, so 2 k / r is dyadic.
    lo[x] = -1 + 2 * static_cast<double>(L.k[x]) / r;
    hi[x] = -1 + 2 * static_cast<double>(L.k[x] + 1) / r;
  }
  return L.chart;
}

int AdaptiveTransferNd::max_level() const {
  int m = 0;
  for (const Leaf& L : info_) m = std::max(m, static_cast<int>(L.level));
  return m;
}

std::size_t AdaptiveTransferNd::leaf_at(int chart, const std::uint32_t* kf) const {
  const int na = d_ - 1;
  std::size_t q = static_cast<std::size_t>(chart) * ipow(static_cast<std::size_t>(n0_), na), mul = 1;
  for (int a = 0; a < na; ++a) {
    q += static_cast<std::size_t>(kf[a] >> depth_) * mul;
    mul *= static_cast<std::size_t>(n0_);
  }
  int level = 0;
  while (nodes_[q].leaf < 0) {
    ++level;
    std::size_t e = 0;
    for (int a = 0; a < na; ++a) e |= static_cast<std::size_t>((kf[a] >> (depth_ - level)) & 1u) << a;
    q = nodes_[q].child + e;
  }
  return static_cast<std::size_t>(nodes_[q].leaf);
}

bool AdaptiveTransferNd::in_blocks(std::size_t i, std::size_t a, int chart, const std::uint32_t* kf) const {
  const std::size_t k = w_.lo.size();
  const std::uint32_t b0 = first_[a * k + i], b1 = first_[a * k + i + 1];
  if (b0 == b1) return true;
  for (std::uint32_t bi = b0; bi < b1; ++bi) {
    const Block& b = blocks_[bi];
    if (b.chart != chart) continue;
    bool in = true;
    for (int x = 0; x < d_ - 1; ++x) in = in && kf[x] >= b.kl[x] && kf[x] <= b.kh[x];
    if (in) return true;
  }
  return false;
}

bool AdaptiveTransferNd::build(std::chrono::steady_clock::time_point deadline) {
  const int na = d_ - 1;
  const std::size_t N = info_.size(), k = w_.lo.size();
  std::vector<std::uint32_t> first(N * k + 1, 0);
  std::vector<Block> blocks;
  const std::size_t old_n = first_.empty() ? 0 : (first_.size() - 1) / k;
  blocks.reserve(blocks_.size() + static_cast<std::size_t>(std::count(fresh_.begin(), fresh_.end(), 1)) * k * 5 / 4);
  std::array<double, 3> bl{}, bh{};
  constexpr int kFailDepth = 12;
  for (std::size_t a = 0; a < N; ++a) {
    if ((a & 255) == 0 && detail::past(deadline)) return false;
    const int c = box(a, bl.data(), bh.data());
    if (!fresh_[a] && a < old_n) {
      for (std::size_t i = 0; i < k; ++i) {
        first[a * k + i] = static_cast<std::uint32_t>(blocks.size());
        for (std::uint32_t bi = first_[a * k + i]; bi < first_[a * k + i + 1]; ++bi) blocks.push_back(blocks_[bi]);
      }
      continue;
    }
    double l, u;
    // Proof: LYAPND-TRANS-12 (a), (b), LYAPND-TRANS-18 (a). The leaf's own enclosure (bisected where it fails),
    // intersected with the bounds inherited from its parent (both contain h on the leaf).
    if (enclose_box(eval_, c, na, bl.data(), bh.data(), kFailDepth, deadline, l, u)) {
      l0_[a] = std::max(l0_[a], l);
      u0_[a] = std::min(u0_[a], u);
    }
    for (std::size_t i = 0; i < k; ++i) {
      first[a * k + i] = static_cast<std::uint32_t>(blocks.size());
      std::array<Block, 4> hull{};
      std::array<bool, 4> have{};
      // Proof: LYAPND-TRANS-11 on the finest grid nf, LYAPND-TRANS-17 (b). No blocks: every leaf.
      if (!TransferNd::image_blocks(mats_[i].data(), d_, nf_, c, bl.data(), bh.data(), kImageDepth, hull, have))
        continue;
      for (int t = 0; t < d_; ++t)
        if (have[t]) blocks.push_back(hull[t]);
    }
    fresh_[a] = 0;
  }
  first[N * k] = static_cast<std::uint32_t>(blocks.size());
  first_.swap(first);
  blocks_.swap(blocks);
  return true;
}

TransferNdResult AdaptiveTransferNd::iterate(std::vector<double>& lo, std::vector<double>& hi, int max_steps,
                                             std::chrono::steady_clock::time_point deadline) const {
  const int d = d_, na = d - 1;
  const std::size_t N = info_.size(), k = w_.lo.size();
  lo = l0_;
  hi = u0_;
  TransferNdResult res = start_result(lo, hi);
  // Pyramids: level s has resolution nf >> s per axis and holds the maximum of U (minimum of L) over the leaves
  // meeting each of its cells (LYAPND-TRANS-17 (c)). Levels finer than the deepest leaf (s < s0) would repeat
  // level s0 and are not stored.
  int S = 0;
  while ((nf_ >> S) > 1) ++S;
  const int s0 = depth_ - max_level();
  std::vector<std::vector<double>> pu(S + 1), pl(S + 1);
  std::vector<std::size_t> res_s(S + 1);
  for (int s = s0; s <= S; ++s) {
    res_s[s] = static_cast<std::size_t>(nf_ >> s);
    const std::size_t sz = static_cast<std::size_t>(d) * ipow(res_s[s], na);
    pu[s].assign(sz, 0);
    pl[s].assign(sz, 0);
  }
  // At most kSpan = 8 cells per axis are read at the chosen level (more when the level s0 is coarser): the cells
  // read cover the block and reach at most one cell of that level beyond it on each side (measured on d = 4: 4
  // cells per axis made the width up to 2x larger at the same time).
  constexpr std::size_t kSpan = 8;
  std::vector<double> nu(N), nl(N), spreads, mu(k), ml(k);
  for (int step = 0; step < max_steps; ++step) {
    if (detail::past(deadline)) {
      res.stopped = true;
      break;
    }
    {
      // Level s0: every cell gets the values of the leaf containing it.
      const std::size_t R = res_s[s0], P = ipow(R, na);
      for (std::size_t a = 0; a < N; ++a) {
        const Leaf& L = info_[a];
        const std::size_t side = std::size_t{1} << (depth_ - s0 - L.level);
        const double fu = hi[a], fl = lo[a];
        const std::size_t base = static_cast<std::size_t>(L.chart) * P;
        const std::size_t x0 = L.k[0] * side, x1 = na > 1 ? L.k[1] * side : 0, x2 = na > 2 ? L.k[2] * side : 0;
        const std::size_t s1 = na > 1 ? side : 1, s2 = na > 2 ? side : 1;
        for (std::size_t z = 0; z < s2; ++z)
          for (std::size_t y = 0; y < s1; ++y) {
            const std::size_t row = base + (x2 + z) * R * R * (na > 2) + (x1 + y) * R + x0;
            std::fill(pu[s0].begin() + static_cast<std::ptrdiff_t>(row),
                      pu[s0].begin() + static_cast<std::ptrdiff_t>(row + side), fu);
            std::fill(pl[s0].begin() + static_cast<std::ptrdiff_t>(row),
                      pl[s0].begin() + static_cast<std::ptrdiff_t>(row + side), fl);
          }
      }
    }
    for (int s = s0 + 1; s <= S; ++s) {
      // Each cell of level s is the union of 2^(d-1) cells of level s - 1 (indices 2 j and 2 j + 1 per axis).
      const std::size_t R = res_s[s], Rp = res_s[s - 1], P = ipow(R, na), Pp = ipow(Rp, na);
      const std::size_t nz = na > 2 ? R : 1;
      for (int c = 0; c < d; ++c) {
        const double* iu = pu[s - 1].data() + c * Pp;
        const double* il = pl[s - 1].data() + c * Pp;
        double* ou = pu[s].data() + c * P;
        double* ol = pl[s].data() + c * P;
        for (std::size_t z = 0; z < nz; ++z)
          for (std::size_t y = 0; y < R; ++y) {
            const std::size_t out = z * R * R + y * R;
            for (int ez = 0; ez < (na > 2 ? 2 : 1); ++ez)
              for (int ey = 0; ey < 2; ++ey) {
                const std::size_t in = (na > 2 ? (2 * z + ez) * Rp * Rp : 0) + (2 * y + ey) * Rp;
                const bool first = ez == 0 && ey == 0;
                for (std::size_t x = 0; x < R; ++x) {
                  const double u = std::max(iu[in + 2 * x], iu[in + 2 * x + 1]);
                  const double l = std::min(il[in + 2 * x], il[in + 2 * x + 1]);
                  ou[out + x] = first ? u : std::max(ou[out + x], u);
                  ol[out + x] = first ? l : std::min(ol[out + x], l);
                }
              }
          }
      }
    }
    const double gmax = *std::max_element(pu[S].begin(), pu[S].end());
    const double gmin = *std::min_element(pl[S].begin(), pl[S].end());
    bool cut = false;
    for (std::size_t a = 0; a < N; ++a) {
      if ((a & 4095) == 4095 && detail::past(deadline)) {
        cut = true;
        break;
      }
      for (std::size_t i = 0; i < k; ++i) {
        const std::uint32_t b0 = first_[a * k + i], b1 = first_[a * k + i + 1];
        if (b0 == b1) {
          // Proof: LYAPND-TRANS-11 (e). Every leaf.
          mu[i] = gmax;
          ml[i] = gmin;
          continue;
        }
        double xu = -kInf, xl = kInf;
        for (std::uint32_t bi = b0; bi < b1; ++bi) {
          const Block& b = blocks_[bi];
          // Proof: LYAPND-TRANS-17 (b), (c). The cells of level s meeting the block cover it; their extremes bound
          // those of every leaf meeting the block.
          int s = s0;
          while (s < S) {
            bool ok = true;
            for (int x = 0; x < na; ++x)
              if (static_cast<std::size_t>((b.kh[x] >> s) - (b.kl[x] >> s)) + 1 > kSpan) ok = false;
            if (ok) break;
            ++s;
          }
          if (b.whole) s = S;
          const std::size_t R = res_s[s], P = ipow(R, na);
          const std::size_t base = static_cast<std::size_t>(b.chart) * P;
          const std::size_t l0 = b.whole ? 0 : b.kl[0] >> s, h0 = b.whole ? R - 1 : b.kh[0] >> s;
          const std::size_t l1 = b.whole ? 0 : b.kl[1] >> s, h1 = b.whole ? R - 1 : b.kh[1] >> s;
          const std::size_t l2 = na > 2 && !b.whole ? b.kl[2] >> s : 0, h2 = na > 2 ? (b.whole ? R - 1 : b.kh[2] >> s) : 0;
          const double* qu = pu[s].data() + base;
          const double* ql = pl[s].data() + base;
          for (std::size_t z = l2; z <= h2; ++z)
            for (std::size_t y = l1; y <= h1; ++y) {
              const std::size_t row = z * R * R + y * R;
              for (std::size_t x = l0; x <= h0; ++x) {
                xu = std::max(xu, qu[row + x]);
                xl = std::min(xl, ql[row + x]);
              }
            }
        }
        mu[i] = xu;
        ml[i] = xl;
      }
      // Proof: LYAPND-TRANS-2. Rounded weighted sums; a NaN (only from an infinite bound) is the trivial bound.
      const double u = weighted_sum_up(w_, mu.data()), l = weighted_sum_down(w_, ml.data());
      nu[a] = std::isnan(u) ? kInf : u;
      nl[a] = std::isnan(l) ? -kInf : l;
    }
    if (cut) {
      res.stopped = true;
      break;
    }
    // Stops a little earlier than TransferNd::iterate (0.995 over five steps): each step reads the pyramids of the
    // whole finest grid in use.
    if (!finish_step(lo, hi, nl, nu, res, spreads, 5, 0.995)) break;
  }
  return res;
}

std::size_t AdaptiveTransferNd::refine(double fraction, std::size_t max_new_leaves, int mass_steps) {
  const int d = d_, na = d - 1;
  const std::size_t N = info_.size(), k = w_.lo.size();
  // Heuristic (LYAPND-TRANS-18 (b): any choice is valid). Mass transport on a regular grid: each leaf sends its mass
  // times the word's probability uniformly over the cells of its image blocks (as the d = 2 stationary_estimate does
  // over image arcs), by difference arrays per chart; started from the leaves' areas, averaged over the second half
  // of the steps.
  // The mass grid: the deepest level present, at most 512 (d = 3) resp. 64 (d = 4) cells per axis; leaves finer
  // than it get their share of a mass cell by area.
  const int lm = std::min(max_level(), std::max(0, (d == 3 ? 9 : 6) - floor_log2(static_cast<std::uint32_t>(n0_))));
  const int shift = depth_ - lm;
  const std::size_t R = static_cast<std::size_t>(n0_) << lm, R1 = R + 1, P1 = ipow(R1, na), P = ipow(R, na);
  std::vector<double> dif(static_cast<std::size_t>(d) * P1), dens(static_cast<std::size_t>(d) * P);
  std::vector<double> mass(N), avg(N, 0.0), pm(k);
  for (std::size_t i = 0; i < k; ++i) pm[i] = (w_.lo[i] + w_.hi[i]) / 2;
  double tot = 0;
  for (std::size_t a = 0; a < N; ++a) tot += mass[a] = std::ldexp(1.0, -na * info_[a].level);
  for (double& x : mass) x /= tot;
  for (int st = 0; st < mass_steps; ++st) {
    std::fill(dif.begin(), dif.end(), 0.0);
    double everywhere = 0;
    for (std::size_t a = 0; a < N; ++a) {
      if (mass[a] == 0) continue;
      for (std::size_t i = 0; i < k; ++i) {
        const std::uint32_t b0 = first_[a * k + i], b1 = first_[a * k + i + 1];
        const double p = pm[i] * mass[a] / static_cast<double>(b0 == b1 ? 1 : b1 - b0);
        if (b0 == b1) {
          everywhere += p / static_cast<double>(d * P);
          continue;
        }
        for (std::uint32_t bi = b0; bi < b1; ++bi) {
          const Block& b = blocks_[bi];
          std::array<std::size_t, 3> l{}, h{};
          double cells = 1;
          for (int x = 0; x < na; ++x) {
            l[x] = static_cast<std::size_t>(b.kl[x]) >> shift;
            h[x] = (static_cast<std::size_t>(b.kh[x]) >> shift) + 1;
            cells *= static_cast<double>(h[x] - l[x]);
          }
          const double q = p / cells;
          for (int e = 0; e < (1 << na); ++e) {
            std::size_t idx = static_cast<std::size_t>(b.chart) * P1, mul = 1;
            int sign = 1;
            for (int x = 0; x < na; ++x) {
              idx += ((e >> x & 1) ? h[x] : l[x]) * mul;
              if (e >> x & 1) sign = -sign;
              mul *= R1;
            }
            dif[idx] += sign * q;
          }
        }
      }
    }
    // Prefix sums along every axis turn the corner updates into the density of each finest cell.
    for (int c = 0; c < d; ++c) {
      double* D = dif.data() + static_cast<std::size_t>(c) * P1;
      std::size_t stride = 1;
      for (int x = 0; x < na; ++x) {
        for (std::size_t q = 0; q < P1; ++q)
          if ((q / stride) % R1 != 0) D[q] += D[q - stride];
        stride *= R1;
      }
      for (std::size_t q = 0; q < P; ++q) {
        std::size_t r = q, idx = 0, mul = 1;
        for (int x = 0; x < na; ++x) {
          idx += (r % R) * mul;
          r /= R;
          mul *= R1;
        }
        dens[static_cast<std::size_t>(c) * P + q] = std::max(0.0, D[idx]) + everywhere;
      }
    }
    double total = 0;
    for (std::size_t a = 0; a < N; ++a) {
      const Leaf& L = info_[a];
      double sum = 0;
      if (L.level > lm) {
        const int up = L.level - lm;  // a part 2^(-up (d-1)) of one mass cell
        std::size_t idx = static_cast<std::size_t>(L.chart) * P, mul = 1;
        for (int x = 0; x < na; ++x) {
          idx += (static_cast<std::size_t>(L.k[x]) >> up) * mul;
          mul *= R;
        }
        sum = std::ldexp(dens[idx], -up * na);
      } else {
        const std::size_t side = std::size_t{1} << (lm - L.level);
        const std::size_t x0 = L.k[0] * side, x1 = L.k[1] * side, x2 = na > 2 ? L.k[2] * side : 0;
        for (std::size_t z = 0; z < (na > 2 ? side : 1); ++z)
          for (std::size_t y = 0; y < side; ++y) {
            const double* row =
                dens.data() + static_cast<std::size_t>(L.chart) * P + (x2 + z) * R * R + (x1 + y) * R + x0;
            for (std::size_t x = 0; x < side; ++x) sum += row[x];
          }
      }
      mass[a] = sum;
      total += sum;
    }
    if (!(total > 0)) break;
    for (double& x : mass) x /= total;
    if (2 * st >= mass_steps)
      for (std::size_t a = 0; a < N; ++a) avg[a] += mass[a];
  }
  std::vector<double> score(N);
  double total = 0;
  for (std::size_t a = 0; a < N; ++a) {
    const double wdt = u0_[a] - l0_[a];
    score[a] = avg[a] * (std::isfinite(wdt) ? wdt : 1e6);
    total += score[a];
  }
  std::vector<std::uint32_t> order;
  for (std::size_t a = 0; a < N; ++a)
    if (info_[a].level < depth_ && score[a] > 0) order.push_back(static_cast<std::uint32_t>(a));
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return score[x] > score[y]; });
  const std::size_t per = (std::size_t{1} << na) - 1;  // new leaves per split
  std::size_t split = 0;
  double acc = 0;
  // At least N / 2 new leaves per round (when allowed): a round that splits only a handful of leaves costs a whole
  // iteration for little gain.
  const std::size_t min_split = std::min(max_new_leaves, N / 2) / per;
  for (std::uint32_t a : order) {
    if ((acc >= fraction * total && split >= min_split) || (split + 1) * per > max_new_leaves) break;
    acc += score[a];
    ++split;
    // Proof: LYAPND-TRANS-18 (a). The 2^(d-1) closed halves of the leaf's box (dyadic) replace it; child 0 keeps the
    // leaf's index, the others are appended; all inherit its bounds of h.
    const Leaf parent = info_[a];
    const std::uint32_t q = node_of_[a];
    const std::uint32_t child = static_cast<std::uint32_t>(nodes_.size());
    nodes_[q] = Node{-1, child};
    for (int e = 0; e < (1 << na); ++e) {
      Leaf L = parent;
      L.level = static_cast<std::uint8_t>(parent.level + 1);
      for (int x = 0; x < na; ++x) L.k[x] = static_cast<std::uint16_t>(2 * parent.k[x] + ((e >> x) & 1));
      const std::size_t id = e == 0 ? a : info_.size();
      if (e == 0) {
        info_[a] = L;
        fresh_[a] = 1;
      } else {
        info_.push_back(L);
        l0_.push_back(l0_[a]);
        u0_.push_back(u0_[a]);
        fresh_.push_back(1);
        node_of_.push_back(0);
      }
      nodes_.push_back(Node{static_cast<std::int32_t>(id), 0});
      node_of_[id] = child + static_cast<std::uint32_t>(e);
    }
  }
  return split;
}

std::uint64_t AdaptiveTransferNd::memory_bytes(int d, int n0, int depth, std::size_t atoms, int word_length,
                                               std::uint64_t max_leaves) {
  std::uint64_t K = atoms;
  for (int len = 1; len < word_length; ++len) K *= atoms;
  const std::uint64_t nf = static_cast<std::uint64_t>(n0) << depth;
  const std::uint64_t fine = static_cast<std::uint64_t>(d) * ipow(static_cast<std::size_t>(nf), d - 1);
  // Proof: LYAPND-TRANS-19. Two binary64 pyramids (at most twice the finest level), the refinement's difference
  // array and density on the finest grid (at most 2 x 8 x (nf + 1)^(d-1) per chart), and per leaf: its box (8), the
  // bounds of h (16), node (4 + 16), fresh flag (1), the iteration's lo, hi, next (32) and the caller's copy (16),
  // the refinement's mass, next, average, score, order (36) and target per word (4 K), per word two offsets (8 K:
  // old and new during build) and at most d blocks of 16 bytes, twice (old and new during build).
  const std::uint64_t per_leaf = 8 + 16 + 20 + 1 + 32 + 16 + 36 + K * (4 + 8 + 2 * 16 * static_cast<std::uint64_t>(d));
  const std::uint64_t fine1 = static_cast<std::uint64_t>(d) * ipow(static_cast<std::size_t>(nf + 1), d - 1);
  return 2 * 2 * 8 * fine + 2 * 8 * fine1 + max_leaves * per_leaf + (1u << 20);
}

}  // namespace lyapcert::lyapnd::internal
