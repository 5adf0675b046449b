#include "lyapcert/lyapnd/internal/transfer.hpp"

#include <arb.h>

#include <algorithm>
#include <stdexcept>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/fast/interval_kernel.hpp"
#include "lyapcert/lyapnd/internal/cell_binary64.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd::internal {
namespace {

using exact::Ball;
using exact::Rational;
constexpr double kInf = std::numeric_limits<double>::infinity();

double lower_double(const arb_t x) {
  exact::Arf t;
  arb_get_lbound_arf(t, x, 64);
  return arf_get_d(t, ARF_RND_FLOOR);
}
double upper_double(const arb_t x) {
  exact::Arf t;
  arb_get_ubound_arf(t, x, 64);
  return arf_get_d(t, ARF_RND_CEIL);
}

// Range maximum of U and minimum of L over cyclic ranges of cells in one pass (the iteration needs both over the
// same cover), with block extrema of kBlock cells recomputed per step. Exact: maxima and minima of doubles.
constexpr std::size_t kBlock = 64;

struct RangeExtrema {
  const double* u = nullptr;
  const double* l = nullptr;
  std::size_t n = 0;
  std::vector<double> bmax, bmin;
  double all_max = -kInf, all_min = kInf;

  void build(const std::vector<double>& upper, const std::vector<double>& lower) {
    u = upper.data();
    l = lower.data();
    n = upper.size();
    const std::size_t nb = (n + kBlock - 1) / kBlock;
    bmax.assign(nb, -kInf);
    bmin.assign(nb, kInf);
    all_max = -kInf;
    all_min = kInf;
    for (std::size_t b = 0; b < nb; ++b) {
      const std::size_t lo = b * kBlock, hi = std::min(n, lo + kBlock);
      double mx = u[lo], mn = l[lo];
      for (std::size_t i = lo + 1; i < hi; ++i) {
        mx = std::max(mx, u[i]);
        mn = std::min(mn, l[i]);
      }
      bmax[b] = mx;
      bmin[b] = mn;
      all_max = std::max(all_max, mx);
      all_min = std::min(all_min, mn);
    }
  }
  // Max of U and min of L over cells lo..hi (lo <= hi, inclusive), folded into mx, mn.
  void linear(std::size_t lo, std::size_t hi, double& mx, double& mn) const {
    if (hi - lo < 2 * kBlock) {
      for (std::size_t i = lo; i <= hi; ++i) {
        mx = std::max(mx, u[i]);
        mn = std::min(mn, l[i]);
      }
      return;
    }
    const std::size_t b0 = (lo + kBlock - 1) / kBlock, b1 = (hi + 1) / kBlock;  // whole blocks b0 .. b1 - 1
    for (std::size_t i = lo; i < b0 * kBlock; ++i) {
      mx = std::max(mx, u[i]);
      mn = std::min(mn, l[i]);
    }
    for (std::size_t b = b0; b < b1; ++b) {
      mx = std::max(mx, bmax[b]);
      mn = std::min(mn, bmin[b]);
    }
    for (std::size_t i = b1 * kBlock; i <= hi; ++i) {
      mx = std::max(mx, u[i]);
      mn = std::min(mn, l[i]);
    }
  }
  // Cyclic range first..last (first > last wraps), or every cell when first < 0.
  void cyclic(std::int32_t first, std::int32_t last, double& mx, double& mn) const {
    mx = -kInf;
    mn = kInf;
    if (first < 0) {
      mx = all_max;
      mn = all_min;
      return;
    }
    const auto f = static_cast<std::size_t>(first), e = static_cast<std::size_t>(last);
    if (f <= e) {
      linear(f, e, mx, mn);
    } else {
      linear(f, n - 1, mx, mn);
      linear(0, e, mx, mn);
    }
  }
};

}  // namespace

TransferWeights transfer_weights(const laws::FiniteMatrices& f) {
  TransferWeights w;
  for (const Rational& p : f.probs) {
    if (!(p > 0)) continue;
    const Ball b = Ball::from_rational(p, 128);
    w.lo.push_back(lower_double(b.get()));
    w.hi.push_back(upper_double(b.get()));
  }
  return w;
}

ArcImager::ArcImager(const laws::FiniteMatrices& f, slong prec, bool binary64) : prec_(prec), binary64_(binary64) {
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    const auto& m = f.matrices[i];
    if (m.size() != 4) throw std::invalid_argument("ArcImager: d = 2 only");  // a caller's bug
    Atom at;
    at.a = Ball::from_rational(m[0], prec);
    at.b = Ball::from_rational(m[1], prec);
    at.c = Ball::from_rational(m[2], prec);
    at.d = Ball::from_rational(m[3], prec);
    // The balls contain the exact entries; their bounds rounded outward to binary64 do too.
    auto oi = [](const Ball& b) { return fast::OutwardInterval(lower_double(b.get()), upper_double(b.get())); };
    at.ia = oi(at.a);
    at.ib = oi(at.b);
    at.ic = oi(at.c);
    at.id = oi(at.d);
    const Rational det = m[0] * m[3] - m[1] * m[2];
    if (det == 0) throw std::invalid_argument("ArcImager: singular atom");
    at.positive_det = det > 0;
    const Rational fro = m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + m[3] * m[3];
    at.kappa = upper_double(Ball::from_rational(fro / (det > 0 ? det : Rational(-det)), 128).get());
    atoms_.push_back(std::move(at));
  }
  arb_const_pi(pi_, prec);
}

void ArcImager::image(double e, double* s_out, double* z_out) const {
  Ball t, s, c, w1, w2, th;
  bool arb_ready = false;
  fast::OutwardInterval fs, fc, psi;
  const bool fast_trig = binary64_ && sin_cos_pi_enclose(e, fs, fc);
  for (std::size_t i = 0; i < atoms_.size(); ++i) {
    const Atom& at = atoms_[i];
    s_out[i] = z_out[i] = -1.0;
    double lo = 0, hi = 0;
    // Proof: LYAPND-TRANS-6 (d). A real representative of the line M_i . e in outward-rounded binary64, used when it
    // is finite and narrower than 2^-19 (what LYAPND-TRANS-3 (b) needs); Arb otherwise.
    if (fast_trig &&
        line_angle_enclose(fast::iv::add(fast::iv::mul(at.ia, fc), fast::iv::mul(at.ib, fs)),
                           fast::iv::add(fast::iv::mul(at.ic, fc), fast::iv::mul(at.id, fs)), psi) &&
        psi.upper() - psi.lower() < 0x1p-19) {
      lo = psi.lower();
      hi = psi.upper();
    } else {
      if (!arb_ready) {
        arb_set_d(t, e);
        arb_sin_cos_pi(s, c, t, prec_);
        arb_ready = true;
      }
      // Proof: LYAPND-TRANS-3 (a). w = M_i v(e); its line has t' = atan2(w2, w1) / pi mod 1.
      arb_mul(w1, at.a, c, prec_);
      arb_addmul(w1, at.b, s, prec_);
      arb_mul(w2, at.c, c, prec_);
      arb_addmul(w2, at.d, s, prec_);
      arb_atan2(th, w2, w1, prec_);
      arb_div(th, th, pi_, prec_);
      if (!arb_is_finite(th) || mag_cmp_2exp_si(arb_radref(th), -20) >= 0) continue;
      lo = lower_double(th);
      hi = upper_double(th);
    }
    // Proof: LYAPND-TRANS-3 (b). Reduction mod 1 with the rounding directed outwards.
    const double x = lo - std::floor(lo);
    const double st = x == 0 ? 0.0 : round_down(x);
    const double y = hi - std::floor(hi);
    const double en = y == 0 ? 1.0 : std::min(1.0, round_up(y));
    s_out[i] = std::clamp(st, 0.0, std::nextafter(1.0, 0.0));
    z_out[i] = std::clamp(en, std::nextafter(0.0, 1.0), 1.0);
  }
}

void ArcImager::images(const std::vector<double>& edges, std::vector<double>& s, std::vector<double>& z) const {
  const std::size_t k = atoms_.size();
  s.assign(edges.size() * k, -1.0);
  z.assign(edges.size() * k, -1.0);
  for (std::size_t j = 0; j < edges.size(); ++j) image(edges[j], &s[j * k], &z[j * k]);
}

ArcCover ArcImager::covers(const std::vector<double>& edges, const std::vector<double>& arc_s,
                           const std::vector<double>& arc_z) const {
  if (edges.size() < 2 || edges.front() != 0.0 || edges.back() != 1.0)
    throw std::invalid_argument("arc_image_covers: the edges must run from 0 to 1");  // a caller's bug
  for (std::size_t j = 0; j + 1 < edges.size(); ++j)
    if (!(edges[j] < edges[j + 1])) throw std::invalid_argument("arc_image_covers: the edges must increase");
  const std::size_t n = edges.size() - 1, k = atoms_.size();
  if (arc_s.size() != k * (n + 1) || arc_z.size() != k * (n + 1))
    throw std::invalid_argument("arc_image_covers: arcs and edges differ in size");
  ArcCover cover;
  cover.cells = n;
  cover.atoms = k;
  // x on the counter-clockwise arc [s, z] of the circle [0, 1) (z = 1 is t = 0).
  auto on_arc = [](double s0, double z0, double x) {
    const double z1 = z0 >= 1 ? 0.0 : z0, x1 = x >= 1 ? 0.0 : x;
    return s0 <= z1 ? (x1 >= s0 && x1 <= z1) : (x1 >= s0 || x1 <= z1);
  };
  auto cell_starting_before = [&](double x) {  // largest a with e_a <= x (x in [0, 1))
    const auto it = std::upper_bound(edges.begin(), edges.end(), x);
    return static_cast<std::int32_t>(
        std::clamp<std::ptrdiff_t>(it - edges.begin() - 1, 0, static_cast<std::ptrdiff_t>(n) - 1));
  };
  auto cell_ending_after = [&](double x) {  // smallest a with e_{a+1} >= x (x in (0, 1])
    const auto it = std::lower_bound(edges.begin() + 1, edges.end(), x);
    return static_cast<std::int32_t>(
        std::clamp<std::ptrdiff_t>(it - (edges.begin() + 1), 0, static_cast<std::ptrdiff_t>(n) - 1));
  };
  cover.first.assign(k * n, -1);
  cover.last.assign(k * n, -1);
  for (std::size_t i = 0; i < k; ++i) {
    const Atom& at = atoms_[i];
    for (std::size_t a = 0; a < n; ++a) {
      // Proof: LYAPND-TRANS-3 (c). The image is the arc from the image of the first end point to that of the
      // second in the orientation of M; valid when the two end point enclosures are disjoint arcs.
      const std::size_t from = (at.positive_det ? a : a + 1) * k + i;
      const std::size_t to = (at.positive_det ? a + 1 : a) * k + i;
      const double s0 = arc_s[from], z0 = arc_z[from], s1 = arc_s[to], z1 = arc_z[to];
      if (s0 < 0 || s1 < 0) continue;
      const bool overlap = on_arc(s0, z0, s1) || on_arc(s0, z0, z1) || on_arc(s1, z1, s0) || on_arc(s1, z1, z0);
      // Overlapping end point arcs: the image is short when the cell is narrow for the atom's stretch (c').
      if (overlap && !(round_up(round_up(edges[a + 1] - edges[a]) * at.kappa) < 0.25)) continue;
      const std::int32_t first = cell_starting_before(s0), last = cell_ending_after(z1);
      // The arc passes t = 0 exactly when s0 > z1 (z1 = 1 is t = 0 reached from below); a passing arc whose end
      // cells coincide covers nearly the whole circle: every cell.
      const bool wraps = z1 < 1 && s0 > z1;
      if (wraps ? first == last : first > last) continue;
      cover.first[i * n + a] = first;
      cover.last[i * n + a] = last;
    }
  }
  return cover;
}

ArcCover arc_image_covers(const laws::FiniteMatrices& f, const std::vector<double>& edges, slong prec,
                          bool binary64) {
  const ArcImager im(f, prec, binary64);
  std::vector<double> s, z;
  im.images(edges, s, z);
  return im.covers(edges, s, z);
}

std::vector<double> stationary_estimate(const ArcCover& cover, const TransferWeights& w, int steps,
                                        const std::vector<double>* start) {
  const std::size_t n = cover.cells, k = cover.atoms;
  std::vector<double> m(n, 1.0 / static_cast<double>(n)), next(n + 1), diff(n + 1), pm(k);
  if (start && start->size() == n) {
    double total = 0;
    for (double v : *start) total += std::max(0.0, v);
    if (total > 0)
      for (std::size_t a = 0; a < n; ++a) m[a] = std::max(0.0, (*start)[a]) / total;
  }
  for (std::size_t i = 0; i < k; ++i) pm[i] = 0.5 * (w.lo[i] + w.hi[i]);
  for (int step = 0; step < steps; ++step) {
    std::fill(diff.begin(), diff.end(), 0.0);
    double everywhere = 0;
    for (std::size_t a = 0; a < n; ++a) {
      if (m[a] == 0) continue;
      for (std::size_t i = 0; i < k; ++i) {
        const double p = pm[i] * m[a];
        const std::int32_t f = cover.first[i * n + a], l = cover.last[i * n + a];
        if (f < 0) {
          everywhere += p / static_cast<double>(n);
          continue;
        }
        const auto fs = static_cast<std::size_t>(f), ls = static_cast<std::size_t>(l);
        const std::size_t len = fs <= ls ? ls - fs + 1 : n - fs + ls + 1;
        const double q = p / static_cast<double>(len);
        if (fs <= ls) {
          diff[fs] += q;
          diff[ls + 1] -= q;
        } else {
          diff[fs] += q;
          diff[n] -= q;
          diff[0] += q;
          diff[ls + 1] -= q;
        }
      }
    }
    double run = 0, total = 0;
    for (std::size_t a = 0; a < n; ++a) {
      run += diff[a];
      next[a] = std::max(0.0, run + everywhere);
      total += next[a];
    }
    if (!(total > 0)) break;
    for (std::size_t a = 0; a < n; ++a) m[a] = next[a] / total;
  }
  return m;
}

TransferResult transfer_iterate_arcs(std::vector<double> U, std::vector<double> L, const ArcCover& cover,
                                     const TransferWeights& w, int max_steps, double target_width,
                                     std::chrono::steady_clock::time_point deadline, bool keep_cells) {
  const std::size_t n = cover.cells, k = cover.atoms;
  if (U.size() != n || L.size() != n || w.lo.size() != k || w.hi.size() != k || n == 0)
    throw std::invalid_argument("transfer_iterate_arcs: sizes differ");  // a caller's bug
  TransferResult r;
  auto extremes = [&](const std::vector<double>& u, const std::vector<double>& l, double& up, double& lo) {
    up = *std::max_element(u.begin(), u.end());
    lo = *std::min_element(l.begin(), l.end());
  };
  for (std::size_t a = 0; a < n; ++a)
    if (!std::isfinite(U[a]) || !std::isfinite(L[a])) return r;  // nothing to iterate: [-inf, inf]
  extremes(U, L, r.upper, r.lower);
  std::vector<double> width_history{r.upper - r.lower};
  std::vector<double> U2(n), L2(n), mu(k), ml(k);
  RangeExtrema q;
  for (int step = 1; step <= max_steps; ++step) {
    if (target_width > 0 && r.upper - r.lower <= target_width) break;
    if (detail::past(deadline)) break;
    q.build(U, L);
    bool finite = true;
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t i = 0; i < k; ++i) q.cyclic(cover.first[i * n + a], cover.last[i * n + a], mu[i], ml[i]);
      // Proof: LYAPND-TRANS-1, -2.
      U2[a] = weighted_sum_up(w, mu.data());
      L2[a] = weighted_sum_down(w, ml.data());
      if (!std::isfinite(U2[a]) || !std::isfinite(L2[a])) finite = false;
    }
    if (!finite) break;  // overflow: the last finite bounds stand (LYAPND-TRANS-2)
    U.swap(U2);
    L.swap(L2);
    double up = 0, lo = 0;
    extremes(U, L, up, lo);
    r.upper = std::min(r.upper, up);
    r.lower = std::max(r.lower, lo);
    r.steps = step;
    width_history.push_back(r.upper - r.lower);
    const std::size_t h = width_history.size();
    if (h > 16 && width_history[h - 1] > 0.99 * width_history[h - 17]) break;  // stalled
  }
  if (keep_cells) {
    r.cell_upper = std::move(U);
    r.cell_lower = std::move(L);
  }
  return r;
}

std::uint64_t transfer_arcs_memory_bytes(std::uint64_t cells, std::uint64_t k) {
  // Proof: LYAPND-TRANS-3 (d). Edges (8 bytes per cell), the end point arcs per edge and atom (16 k), the cover
  // (8 k), U, L and their next step (32), block extrema (1 / 32 per cell); during a refinement round
  // (LYAPND-TRANS-4) the next partition's edges, bounds, carried mass estimates and arcs (at most 1.2 (32 + 16 k): a
  // round adds at most a fifth of the cells) and the mass estimate with the one carried over (16), plus the larger of
  // the score vectors (16) and the round's queue: at most 0.6 pieces of 64 bytes, 0.6 queue entries of 16 and leaf
  // indices of 8, a flag byte, and the new edges' arcs (0.2 x 16 k); rounded up, with slack.
  return cells * (152 + 48 * k) + (1u << 16);
}

}  // namespace lyapcert::lyapnd::internal
