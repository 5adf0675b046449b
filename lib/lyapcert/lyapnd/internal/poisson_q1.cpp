// The piecewise-multilinear (Q1) Poisson certificate for d = 3, 4: node tables on the chart grids, the
// heuristic solver, and the certified enclosure of h = phi + P g - g over chart boxes with a mean-value form.
// Proofs: proofs/lyapnd/poisson.md LYAPND-POIS-20 (g and its continuity), -21 (range and gradient of g over an
// interval vector), -22 (the enclosure of h over a box, the search), -23 (the solver, heuristic), -24 (memory),
// -25 (certifying P^J h); the vertex values and the chain rule are arranged as in proofs/lyapnd/transfer_nd.md
// LYAPND-TRANS-20 (one axis at a time, one division per source axis).
#include "lyapcert/lyapnd/internal/poisson_q1.hpp"

#include <arb.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/lyapnd/internal/nd_search.hpp"
#include "lyapcert/lyapnd/internal/transfer_nd.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;
using fast::OutwardInterval;
using Clock = std::chrono::steady_clock;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Same margin as LYAPND-POIS-7 (c): the binary64 error of (u + 1) m / 2 is below 2^-40 for m <= 4096.
constexpr double kIndexMargin = 1e-6;
// Grid cells met by one interval vector: a single cell has its sub-box vertices evaluated (LYAPND-POIS-21
// (b)), up to kMaxBlockCells the node values of the block are scanned (c), beyond that the chart-wide extremes (d).
constexpr std::uint64_t kMaxVertexCells = 1;
constexpr std::uint64_t kMaxBlockCells = 4096;

void require_q1(const laws::FiniteMatrices& f, int d, int m, const char* who) {
  if (d != 3 && d != 4) throw InputError(fmt::format("{}: d must be 3 or 4 (got {})", who, d));
  if (m < 2 || m > kMaxQ1Grid || (m & (m - 1)) != 0)
    throw InputError(fmt::format("{}: the grid m must be a power of two in [2, {}] (got {})", who, kMaxQ1Grid, m));
  const int s = first_singular_atom(f, d);
  if (s >= 0)
    throw InputError(fmt::format("{}: matrix #{} is singular (det = 0, exact test): the Poisson certificate needs "
                                 "invertible matrices (LYAPND-POIS-6)",
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

// The node layout of LYAPND-POIS-20: chart c, node n = sum_a i_a (m + 1)^a, axis a the a-th coordinate j != c.
struct Layout {
  int d, m, na;
  std::size_t S;                 // nodes per chart, (m + 1)^(d - 1)
  std::array<std::size_t, 3> pw; // (m + 1)^a
  std::array<std::size_t, 8> off; // node offsets of the 2^(d-1) corners of a cell
  Layout(int d_, int m_) : d(d_), m(m_), na(d_ - 1), S(ipow(static_cast<std::uint64_t>(m_) + 1, d_ - 1)) {
    for (int a = 0; a < 3; ++a) pw[a] = ipow(static_cast<std::uint64_t>(m) + 1, a);
    for (int e = 0; e < (1 << na); ++e) {
      off[e] = 0;
      for (int a = 0; a < na; ++a)
        if (e >> a & 1) off[e] += pw[a];
    }
  }
  // Canonical copy of the node q (LYAPND-POIS-20 (c)): the node of the first chart c* with |z_c*| = m for the
  // integer representative z (z_c = m, z_j = 2 i_a - m), sign-normalised so that z_c* = +m.
  std::size_t canon(std::size_t q) const {
    const int c = static_cast<int>(q / S);
    std::size_t r = q % S;
    std::array<long, 4> z{};
    for (int j = 0; j < d; ++j) {
      if (j == c) {
        z[j] = m;
      } else {
        z[j] = 2 * static_cast<long>(r % (m + 1)) - m;
        r /= (m + 1);
      }
    }
    int cs = 0;
    while (std::labs(z[cs]) != m) ++cs;
    const long s = z[cs] > 0 ? 1 : -1;
    std::size_t n = 0;
    int a = 0;
    for (int j = 0; j < d; ++j) {
      if (j == cs) continue;
      n += static_cast<std::size_t>((s * z[j] + m) / 2) * pw[a];
      ++a;
    }
    return static_cast<std::size_t>(cs) * S + n;
  }
};

struct AtomI {
  std::array<OutwardInterval, 16> a;
  OutwardInterval p;             // signed weight of the term (LYAPND-POIS-25)
  bool identity = false;  // the term g([v]) itself: its log term is exactly 0
};

// c = a b for d x d interval matrices (outward rounded).
AtomI product(const AtomI& a, const AtomI& b, int d) {
  AtomI c;
  for (int r = 0; r < d; ++r)
    for (int k = 0; k < d; ++k) {
      OutwardInterval s(0.0);
      for (int j = 0; j < d; ++j) s += a.a[r * d + j] * b.a[j * d + k];
      c.a[r * d + k] = s;
    }
  c.p = a.p * b.p;
  return c;
}

OutwardInterval clamp01(const OutwardInterval& x) {
  auto c = [](double t) { return std::clamp(t, 0.0, 1.0); };
  return OutwardInterval(c(x.lower()), c(x.upper()));
}

class Q1Evaluator {
 public:
  // iterate = J: h_J = P^J h (LYAPND-POIS-25) as the signed sum over the words of length J + 1 (weight +p_w) and
  // of length J (weight -p_w) of log(|M_w v| / |v|) + g([M_w v]); J = 0 is h itself (the atoms, and -g([v])).
  Q1Evaluator(const laws::FiniteMatrices& f, const Layout& L, const std::vector<double>& g, int iterate)
      : L_(L), g_(g) {
    const int d = L.d;
    std::vector<AtomI> atoms;
    for (std::size_t i = 0; i < f.matrices.size(); ++i) {
      if (!(f.probs[i] > 0)) continue;
      AtomI at;
      for (int r = 0; r < d * d; ++r) at.a[r] = enclose_q(f.matrices[i][r]);
      at.p = enclose_q(f.probs[i]);
      atoms.push_back(at);
    }
    AtomI ident;
    for (int r = 0; r < 16; ++r) ident.a[r] = OutwardInterval(0.0);
    for (int r = 0; r < d; ++r) ident.a[r * d + r] = OutwardInterval(1.0);
    ident.p = OutwardInterval(1.0);
    ident.identity = true;
    std::vector<AtomI> words = {ident};  // words of the current length, M_w = A_{w_n} ... A_{w_1}
    for (int n = 0; n <= iterate; ++n) {
      if (n == iterate)
        for (AtomI w : words) {
          w.p = -w.p;
          terms_.push_back(w);
        }
      std::vector<AtomI> next;
      for (const AtomI& w : words)
        for (const AtomI& a : atoms) next.push_back(product(a, w, d));
      words.swap(next);
    }
    for (const AtomI& w : words) terms_.push_back(w);
    vmin_.assign(d, kInf);
    vmax_.assign(d, -kInf);
    smin_.assign(static_cast<std::size_t>(d) * 3, kInf);
    smax_.assign(static_cast<std::size_t>(d) * 3, -kInf);
    consistent_ = true;
    for (std::size_t q = 0; q < g.size(); ++q) {
      const std::size_t c = q / L.S;
      std::size_t r = q % L.S;
      vmin_[c] = std::min(vmin_[c], g[q]);
      vmax_[c] = std::max(vmax_[c], g[q]);
      for (int a = 0; a < L.na; ++a) {
        const std::size_t ia = r % (L.m + 1);
        r /= (L.m + 1);
        if (ia == static_cast<std::size_t>(L.m)) continue;
        // Node difference along axis a, rounded outward: the slopes of LYAPND-POIS-21 (d).
        const OutwardInterval dif = OutwardInterval(g[q + L.pw[a]]) - OutwardInterval(g[q]);
        smin_[c * 3 + a] = std::min(smin_[c * 3 + a], dif.lower());
        smax_[c * 3 + a] = std::max(smax_[c * 3 + a], dif.upper());
      }
      // Proof: LYAPND-POIS-20 (c). Exact comparison: shared face nodes must hold the same binary64 value.
      if (g[q] != g[L.canon(q)]) consistent_ = false;
    }
  }

  bool consistent() const { return consistent_; }
  int dim() const { return L_.d; }

  // Range of g([w]) over the nonzero w in the interval vector W, and (want_grad) an enclosure of every
  // derivative d/du_j g([A (e_src + u)]) along the source box (j the source axes), where W encloses A (e_src + u)
  // over the box. Returns false when W meets no chart (value not enclosed); grad_ok is false when the gradient
  // is not enclosed. Proof: LYAPND-POIS-21.
  bool g_enclose(const OutwardInterval* W, const AtomI& A, int src, bool want_grad, OutwardInterval& val,
                 std::array<OutwardInterval, 3>& grad, bool& grad_ok) const {
    const int d = L_.d, na = L_.na, m = L_.m;
    std::array<double, 4> mig{}, mag{};
    for (int j = 0; j < d; ++j) {
      const double a = std::fabs(W[j].lower()), b = std::fabs(W[j].upper());
      mag[j] = std::max(a, b);
      mig[j] = (W[j].lower() <= 0 && W[j].upper() >= 0) ? 0.0 : std::min(a, b);
    }
    bool any = false;
    int ncand = 0;
    grad_ok = want_grad;
    double vlo = kInf, vhi = -kInf;
    std::array<double, 3> glo{}, ghi{};
    glo.fill(kInf);
    ghi.fill(-kInf);
    const OutwardInterval half_m(0.5 * m);
    for (int c = 0; c < d; ++c) {
      bool cand = true;
      for (int j = 0; j < d && cand; ++j)
        if (j != c && mag[c] < mig[j]) cand = false;
      if (!cand) continue;
      const bool zc = W[c].lower() <= 0 && W[c].upper() >= 0;
      std::array<OutwardInterval, 3> Q;
      std::array<int, 3> tj{};
      std::array<std::int64_t, 3> kl{}, kh{};
      std::uint64_t count = 1;
      int a = 0;
      for (int j = 0; j < d && cand; ++j) {
        if (j == c) continue;
        tj[a] = j;
        double ql = -1, qh = 1;
        if (!zc) {
          const OutwardInterval q = W[j] / W[c];
          ql = std::max(-1.0, q.lower());
          qh = std::min(1.0, q.upper());
          if (!(ql <= qh)) {
            cand = false;
            break;
          }
        }
        Q[a] = OutwardInterval(ql, qh);
        // Proof: LYAPND-POIS-7 (c). The cells k_a in [kl, kh] contain every u in [ql, qh].
        const double xl = (ql + 1) * (0.5 * m) - kIndexMargin, xh = (qh + 1) * (0.5 * m) + kIndexMargin;
        kl[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(xl)), 0, m - 1);
        kh[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(xh)), 0, m - 1);
        count *= static_cast<std::uint64_t>(kh[a] - kl[a] + 1);
        ++a;
      }
      if (!cand) continue;
      any = true;
      ++ncand;
      if (zc) grad_ok = false;
      const std::size_t base = static_cast<std::size_t>(c) * L_.S;
      // Enclosures G_a of dg/du'_a (target axes) over the part of the chart met by W.
      std::array<OutwardInterval, 3> G;
      if (count > kMaxBlockCells) {
        // Proof: LYAPND-POIS-21 (d). Chart-wide extremes.
        vlo = std::min(vlo, vmin_[c]);
        vhi = std::max(vhi, vmax_[c]);
        for (int b = 0; b < na; ++b) G[b] = OutwardInterval(smin_[c * 3 + b], smax_[c * 3 + b]) * half_m;
      } else if (count > kMaxVertexCells) {
        // Proof: LYAPND-POIS-21 (c). The node values and node differences of the cells of the block.
        std::array<double, 3> gl{}, gh{};
        gl.fill(kInf);
        gh.fill(-kInf);
        std::array<std::int64_t, 3> i = kl;
        while (true) {
          std::size_t q = base;
          for (int b = 0; b < na; ++b) q += static_cast<std::size_t>(i[b]) * L_.pw[b];
          vlo = std::min(vlo, g_[q]);
          vhi = std::max(vhi, g_[q]);
          if (want_grad)
            for (int b = 0; b < na; ++b) {
              if (i[b] > kh[b]) continue;  // the difference along b leaves the block
              const OutwardInterval dif = OutwardInterval(g_[q + L_.pw[b]]) - OutwardInterval(g_[q]);
              gl[b] = std::min(gl[b], dif.lower());
              gh[b] = std::max(gh[b], dif.upper());
            }
          int b = 0;
          for (; b < na; ++b) {
            if (i[b] <= kh[b]) {  // node indices run over kl..kh+1
              ++i[b];
              break;
            }
            i[b] = kl[b];
          }
          if (b == na) break;
        }
        for (int b = 0; b < na; ++b) G[b] = OutwardInterval(gl[b], gh[b]) * half_m;
      } else {
        std::array<double, 3> gl{}, gh{};
        gl.fill(kInf);
        gh.fill(-kInf);
        std::array<std::int64_t, 3> k = kl;
        while (true) {
          std::size_t cb = base;
          std::array<OutwardInterval, 3> slo, shi;
          for (int b = 0; b < na; ++b) {
            cb += static_cast<std::size_t>(k[b]) * L_.pw[b];
            // Proof: LYAPND-POIS-21 (b). Local coordinates of the sub-box Q ∩ cell, enclosed and clamped.
            const OutwardInterval kk(static_cast<double>(k[b]));
            slo[b] = clamp01((OutwardInterval(Q[b].lower()) + OutwardInterval(1.0)) * half_m - kk);
            shi[b] = clamp01((OutwardInterval(Q[b].upper()) + OutwardInterval(1.0)) * half_m - kk);
          }
          const int nv = 1 << na;
          std::array<OutwardInterval, 8> x;
          for (int e = 0; e < nv; ++e) x[e] = OutwardInterval(g_[cb + L_.off[e]]);
          if (want_grad) {
            // Proof: LYAPND-POIS-21 (a), LYAPND-TRANS-20 (b). dP/ds_a at the vertices of the other axes: the node
            // differences along a, then interpolated along every other axis as below.
            for (int b = 0; b < na; ++b) {
              const int ab = 1 << b;
              std::array<OutwardInterval, 8> y;
              for (int e = 0; e < nv; ++e)
                if (!(e & ab)) y[e] = x[e | ab] - x[e];
              for (int bb = 0; bb < na; ++bb) {
                if (bb == b) continue;
                const int bit = 1 << bb;
                for (int e = 0; e < nv; ++e) {
                  if (e & (ab | bit)) continue;
                  const OutwardInterval y0 = y[e], dy = y[e | bit] - y0;
                  y[e] = y0 + slo[bb] * dy;
                  y[e | bit] = y0 + shi[bb] * dy;
                }
              }
              for (int e = 0; e < nv; ++e) {
                if (e & ab) continue;
                gl[b] = std::min(gl[b], y[e].lower());
                gh[b] = std::max(gh[b], y[e].upper());
              }
            }
          }
          // Proof: LYAPND-POIS-21 (a), LYAPND-TRANS-20 (a). The interpolant at the 2^(d-1) vertices by linear
          // interpolation along one axis at a time: after the pass along axis b, bit b of the index selects the
          // vertex end (slo or shi) instead of the node.
          for (int b = 0; b < na; ++b) {
            const int bit = 1 << b;
            for (int e = 0; e < nv; ++e) {
              if (e & bit) continue;
              const OutwardInterval x0 = x[e], dx = x[e | bit] - x0;
              x[e] = x0 + slo[b] * dx;
              x[e | bit] = x0 + shi[b] * dx;
            }
          }
          for (int e = 0; e < nv; ++e) {
            vlo = std::min(vlo, x[e].lower());
            vhi = std::max(vhi, x[e].upper());
          }
          int b = 0;
          for (; b < na; ++b) {
            if (k[b] < kh[b]) {
              ++k[b];
              break;
            }
            k[b] = kl[b];
          }
          if (b == na) break;
        }
        for (int b = 0; b < na; ++b) G[b] = OutwardInterval(gl[b], gh[b]) * half_m;
      }
      if (!grad_ok) continue;
      // Proof: LYAPND-POIS-21 (e), LYAPND-TRANS-20 (c). Chain rule through the chart transition:
      // du'_k/du_j = (A_kj - u'_k A_cj) / w_c, the division by w_c taken once after the sum over k.
      int aj = 0;
      for (int j = 0; j < d; ++j) {
        if (j == src) continue;
        OutwardInterval s(0.0);
        for (int b = 0; b < na; ++b) s += G[b] * (A.a[tj[b] * d + j] - Q[b] * A.a[c * d + j]);
        s = s / W[c];
        glo[aj] = std::min(glo[aj], s.lower());
        ghi[aj] = std::max(ghi[aj], s.upper());
        ++aj;
      }
    }
    if (!any) return false;
    // Proof: LYAPND-POIS-20 (c), -21 (e). Several candidate charts need the continuity of g across charts.
    if (ncand > 1 && !consistent_) grad_ok = false;
    val = OutwardInterval(vlo, vhi);
    if (grad_ok)
      for (int b = 0; b < na; ++b) {
        grad[b] = OutwardInterval(glo[b], ghi[b]);
        if (!std::isfinite(glo[b]) || !std::isfinite(ghi[b])) grad_ok = false;
      }
    return std::isfinite(vlo) && std::isfinite(vhi);
  }

  // Enclosure [lo, hi] of h over the box { [e_c + u] : u_a in [ulo_a, uhi_a] } of chart c. Proof: LYAPND-POIS-22.
  bool eval(int c, const double* ulo, const double* uhi, double& lo, double& hi) const {
    const int d = L_.d;
    std::array<OutwardInterval, 4> v, vm, off;
    OutwardInterval nv2(1.0), nvm2(1.0);
    bool wide = false;
    int a = 0;
    for (int j = 0; j < d; ++j) {
      if (j == c) {
        v[j] = vm[j] = OutwardInterval(1.0);
        off[j] = OutwardInterval(0.0);
        continue;
      }
      v[j] = OutwardInterval(ulo[a], uhi[a]);
      double mid = ulo[a] + (uhi[a] - ulo[a]) / 2;
      if (!(mid >= ulo[a] && mid <= uhi[a])) mid = ulo[a];
      if (uhi[a] > ulo[a]) wide = true;
      vm[j] = OutwardInterval(mid);
      off[j] = v[j] - vm[j];
      nv2 += boost::numeric::square(v[j]);
      nvm2 += boost::numeric::square(vm[j]);
      ++a;
    }
    OutwardInterval h0, hm;
    std::array<OutwardInterval, 3> grad{};
    bool grad_ok = wide;
    if (!value(c, v.data(), nv2, wide, h0, grad, grad_ok)) {
      lo = -kInf;
      hi = kInf;
      return false;
    }
    if (wide && grad_ok) {
      std::array<OutwardInterval, 3> unused{};
      bool no = false;
      if (value(c, vm.data(), nvm2, false, hm, unused, no)) {
        // Proof: LYAPND-POIS-22 (b). Mean-value form h(u) in h(mid) + sum_j D_j (u_j - mid_j).
        OutwardInterval h1 = hm;
        a = 0;
        for (int j = 0; j < d; ++j) {
          if (j == c) continue;
          h1 += grad[a] * off[j];
          ++a;
        }
        if (std::isfinite(h1.lower()) && std::isfinite(h1.upper()) && h1.lower() <= h0.upper() &&
            h0.lower() <= h1.upper())
          h0 = boost::numeric::intersect(h0, h1);
      }
    }
    lo = h0.lower();
    hi = h0.upper();
    return std::isfinite(lo) && std::isfinite(hi);
  }

 private:
  // The direct enclosure H0 of h over the interval vector V (chart c, V_c = 1, NV = |V|^2) and, with
  // want_grad, the gradient enclosure D of LYAPND-POIS-22 (a).
  bool value(int c, const OutwardInterval* v, const OutwardInterval& nv2, bool want_grad, OutwardInterval& h,
             std::array<OutwardInterval, 3>& grad, bool& grad_ok) const {
    const int d = L_.d, na = L_.na;
    h = OutwardInterval(0.0);
    grad_ok = want_grad;
    std::array<OutwardInterval, 3> dsum{};
    for (auto& x : dsum) x = OutwardInterval(0.0);
    std::array<OutwardInterval, 4> w;
    OutwardInterval gv;
    std::array<OutwardInterval, 3> gg;
    bool ok_g = false;
    for (const AtomI& at : terms_) {
      OutwardInterval nw2(0.0);
      for (int r = 0; r < d; ++r) {
        OutwardInterval s = at.a[r * d] * v[0];
        for (int k = 1; k < d; ++k) s += at.a[r * d + k] * v[k];
        w[r] = s;
        nw2 += boost::numeric::square(s);
      }
      if (at.identity) {
        // The term -g([v]): W = V exactly, and log(|v| / |v|) = 0.
        if (!g_enclose(v, at, c, grad_ok, gv, gg, ok_g)) return false;
        h += at.p * gv;
        if (grad_ok && !ok_g) grad_ok = false;
        if (grad_ok)
          for (int b = 0; b < na; ++b) dsum[b] += at.p * gg[b];
        continue;
      }
      const OutwardInterval ratio = nw2 / nv2;
      if (!(ratio.lower() > 0) || !std::isfinite(ratio.upper())) return false;
      const OutwardInterval phi = fast::log(ratio) * OutwardInterval(0.5);
      if (!g_enclose(w.data(), at, c, grad_ok, gv, gg, ok_g)) return false;
      h += at.p * (phi + gv);
      if (grad_ok && !ok_g) grad_ok = false;
      if (grad_ok) {
        // Proof: LYAPND-POIS-7 (e). d/du_j log(|A v| / |v|) = (A^T A v)_j / |A v|^2 - v_j / |v|^2.
        int aj = 0;
        for (int j = 0; j < d; ++j) {
          if (j == c) continue;
          OutwardInterval atw = at.a[j] * w[0];
          for (int r = 1; r < d; ++r) atw += at.a[r * d + j] * w[r];
          dsum[aj] += at.p * (atw / nw2 - v[j] / nv2 + gg[aj]);
          ++aj;
        }
      }
    }
    if (grad_ok)
      for (int b = 0; b < na; ++b) {
        grad[b] = dsum[b];
        if (!std::isfinite(grad[b].lower()) || !std::isfinite(grad[b].upper())) grad_ok = false;
      }
    return std::isfinite(h.lower()) && std::isfinite(h.upper());
  }

  const Layout& L_;
  const std::vector<double>& g_;
  std::vector<AtomI> terms_;
  std::vector<double> vmin_, vmax_, smin_, smax_;
  bool consistent_ = false;
};

}  // namespace

std::size_t poisson_q1_table_size(int d, int m) {
  return static_cast<std::size_t>(d) * ipow(static_cast<std::uint64_t>(m) + 1, d - 1);
}

std::vector<double> poisson_q1_solution(const laws::FiniteMatrices& f, int d, int m, int max_iterations,
                                        Clock::time_point deadline, int* iterations) {
  require_q1(f, d, m, "poisson_q1_solution");
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
  const Layout L(d, m);
  const int na = L.na, nc = 1 << na;
  const std::size_t k = at.size(), n = static_cast<std::size_t>(d) * L.S;
  std::vector<std::uint32_t> canon(n);
  std::vector<std::uint32_t> reps;  // canonical nodes
  for (std::size_t q = 0; q < n; ++q) {
    canon[q] = static_cast<std::uint32_t>(L.canon(q));
    if (canon[q] == q) reps.push_back(static_cast<std::uint32_t>(q));
  }
  const std::size_t nr = reps.size();
  // Discretised transfer operator on the nodes (LYAPND-POIS-23): (P_N x)_q = sum_i p_i x^interp(M_i . v_q),
  // x^interp the multilinear interpolant in the chart of M_i v_q (first index of the largest |component|).
  std::vector<std::uint32_t> cell(k * nr);
  std::vector<float> frac(k * nr * static_cast<std::size_t>(na));
  std::vector<double> phi(n, 0.0);
  for (std::size_t t = 0; t < nr; ++t) {
    const std::size_t q = reps[t];
    const int c = static_cast<int>(q / L.S);
    std::size_t r = q % L.S;
    std::array<double, 4> v{}, w{};
    double nv2 = 0;
    for (int j = 0; j < d; ++j) {
      if (j == c) {
        v[j] = 1;
      } else {
        v[j] = (2.0 * static_cast<double>(r % (m + 1)) - m) / m;
        r /= (m + 1);
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
      int cw = 0;
      for (int j = 1; j < d; ++j)
        if (std::fabs(w[j]) > std::fabs(w[cw])) cw = j;
      std::size_t idx = static_cast<std::size_t>(cw) * L.S;
      int a = 0;
      for (int j = 0; j < d; ++j) {
        if (j == cw) continue;
        const double x = std::clamp((w[j] / w[cw] + 1) * 0.5 * m, 0.0, static_cast<double>(m));
        const double kk = std::min(std::floor(x), static_cast<double>(m - 1));
        idx += static_cast<std::size_t>(kk) * L.pw[a];
        frac[(i * nr + t) * na + a] = static_cast<float>(x - kk);
        ++a;
      }
      cell[i * nr + t] = static_cast<std::uint32_t>(idx);
    }
  }
  for (std::size_t q = 0; q < n; ++q) phi[q] = phi[canon[q]];
  std::vector<double> g(n, 0.0), x = phi, y(n), spreads;
  int it = 0;
  for (; it < max_iterations; ++it) {
    const auto [mn, mx] = std::minmax_element(x.begin(), x.end());
    const double lo = *mn, hi = *mx, mid = lo + (hi - lo) / 2;
    if (hi - lo <= 1e-13 * std::max(1.0, std::fabs(mid))) break;
    // As in LYAPND-POIS-9: stop when P_N^k phi no longer flattens (several invariant classes).
    spreads.push_back(hi - lo);
    if (spreads.size() > 20 && spreads.back() > 0.95 * spreads[spreads.size() - 21]) break;
    for (std::size_t q = 0; q < n; ++q) g[q] += x[q] - mid;
    for (std::size_t t = 0; t < nr; ++t) {
      double acc = 0;
      for (std::size_t i = 0; i < k; ++i) {
        const std::size_t base = cell[i * nr + t];
        const float* s = &frac[(i * nr + t) * na];
        double sum = 0;
        for (int e = 0; e < nc; ++e) {
          double wgt = 1;
          for (int b = 0; b < na; ++b) wgt *= (e >> b & 1) ? s[b] : 1.0 - s[b];
          sum += wgt * x[base + L.off[e]];
        }
        acc += at[i].p * sum;
      }
      y[reps[t]] = acc;
    }
    for (std::size_t q = 0; q < n; ++q) y[q] = y[canon[q]];
    std::swap(x, y);
    if ((it & 7) == 7 && detail::past(deadline)) break;
  }
  if (iterations) *iterations = it;
  const double g0 = g[0];
  for (double& v : g) v -= g0;
  // Proof: LYAPND-POIS-20 (c). Bit-identical values on shared face nodes (g is continuous on P^{d-1}).
  for (std::size_t q = 0; q < n; ++q) g[q] = g[canon[q]];
  return g;
}

PoissonNdBounds certify_poisson_bounds_q1(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g,
                                          std::uint64_t max_boxes, Clock::time_point deadline, bool* continuous,
                                          int iterate) {
  if (iterate < 0 || iterate > 6) throw InputError("certify_poisson_bounds_q1: iterate must be in [0, 6]");
  require_q1(f, d, m, "certify_poisson_bounds_q1");
  if (g.size() != poisson_q1_table_size(d, m))
    throw InputError("certify_poisson_bounds_q1: g must have d (m+1)^(d-1) node values");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("certify_poisson_bounds_q1: g must be finite");  // a bug
  const Layout L(d, m);
  const Q1Evaluator ev(f, L, g, iterate);
  if (continuous) *continuous = ev.consistent();
  PoissonNdBounds out;
  max_boxes = std::max<std::uint64_t>(max_boxes, 16);
  // Proof: LYAPND-POIS-6, LYAPND-POIS-22 (c). lower <= inf h <= Lambda <= sup h <= upper.
  const double min_width = 1e-7;
  // The sup search gets half of the time left, so that a search cut by the deadline leaves time for the other.
  const auto now = Clock::now();
  const auto half = deadline > now ? now + (deadline - now) / 2 : deadline;
  out.upper = detail::nd_search(ev, true, max_boxes, min_width, half, out.boxes, out.interrupted);
  out.lower = detail::nd_search(ev, false, max_boxes, min_width, deadline, out.boxes, out.interrupted);
  return out;
}

bool q1_cell_bounds(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g,
                    const internal::ChartCover& cover, Clock::time_point deadline, std::vector<double>& lo,
                    std::vector<double>& hi, double refine_factor) {
  require_q1(f, d, m, "q1_cell_bounds");
  if (g.size() != poisson_q1_table_size(d, m) || cover.d != d)
    throw InputError("q1_cell_bounds: g must have d (m+1)^(d-1) node values on a cover of the same d");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("q1_cell_bounds: g must be finite");  // a bug
  const Layout L(d, m);
  const Q1Evaluator ev(f, L, g, 0);
  // Proof: LYAPND-TRANS-12, with the enclosure of LYAPND-POIS-22 over each box. Cells more than
  // refine_factor times the median are bisected once.
  return internal::cell_bounds_nd(
      cover, [&ev](int c, const double* lo_, const double* hi_, double& l, double& u) { return ev.eval(c, lo_, hi_, l, u); },
      refine_factor, deadline, lo, hi);
}

internal::BoxBoundsFn q1_box_bounds(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g) {
  require_q1(f, d, m, "q1_box_bounds");
  if (g.size() != poisson_q1_table_size(d, m)) throw InputError("q1_box_bounds: g must have d (m+1)^(d-1) node values");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("q1_box_bounds: g must be finite");  // a bug
  // The evaluator keeps references to its layout and table: the holder owns all three.
  struct Holder {
    Layout L;
    std::vector<double> g;
    Q1Evaluator ev;
    Holder(const laws::FiniteMatrices& f_, int d_, int m_, const std::vector<double>& g_)
        : L(d_, m_), g(g_), ev(f_, L, g, 0) {}
  };
  auto h = std::make_shared<const Holder>(f, d, m, g);
  // Proof: LYAPND-POIS-22 (the enclosure of h over a chart box), as in q1_cell_bounds.
  return [h](int c, const double* lo, const double* hi, double& l, double& u) { return h->ev.eval(c, lo, hi, l, u); };
}

std::uint64_t poisson_q1_memory_bytes(const laws::FiniteMatrices& f, int d, int m, std::uint64_t max_boxes) {
  std::uint64_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const std::uint64_t n = poisson_q1_table_size(d, m);
  // Proof: LYAPND-POIS-24. Node vectors g, phi, x, y (8 bytes each), canon and reps (8 bytes), per atom and node
  // the cell (4 bytes) and d - 1 float fractions; the heap (128 bytes per box of the cap); 1 MiB of slack.
  static_assert(sizeof(detail::NdBox) <= 64);
  return n * (40 + k * (4 + 4 * static_cast<std::uint64_t>(d - 1))) + 2 * 64 * max_boxes + (1u << 20) + 2 * 1024 * k;
}

}  // namespace lyapcert::lyapnd
