#include "lyapcert/lyapnd/poisson.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/fast/interval_kernel.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/lyapnd/internal/cell_binary64.hpp"
#include "lyapcert/lyapnd/internal/transfer.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Rational;
using Clock = std::chrono::steady_clock;

double to_d(const Rational& x, slong prec = 64) {
  Ball b = Ball::from_rational(x, prec);
  return arf_get_d(arb_midref(b.get()), ARF_RND_NEAR);
}

struct AtomD {
  double a, b, c, d, p;
};

std::vector<AtomD> atoms_d(const laws::FiniteMatrices& f) {
  std::vector<AtomD> out;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    const auto& m = f.matrices[i];
    out.push_back({to_d(m[0]), to_d(m[1]), to_d(m[2]), to_d(m[3]), to_d(f.probs[i])});
  }
  return out;
}

void require_invertible_2x2(const laws::FiniteMatrices& f, int d, const char* who) {
  if (d != 2)
    throw InputError(fmt::format("{}: this routine handles 2 x 2 matrices only (got d = {}); d = 3, 4: "
                                 "poisson_nd.hpp (--method poisson covers d = 2, 3, 4)",
                                 who, d));
  const int s = first_singular_atom(f, d);
  if (s >= 0)
    throw InputError(fmt::format("{}: matrix #{} is singular (det = 0, exact test): the Poisson certificate needs "
                                 "invertible matrices (LYAPND-POIS-1); only the enumeration upper bound applies "
                                 "(--method enumerate)",
                                 who, s + 1));
}

// ---------------------------------------------------------------------------------------------
// Rigorous evaluation of h = phi + P g - g and of a derivative enclosure (LYAPND-POIS-4).

// q(t) = |A v(t)|^2 = q0 + q1 cos 2 pi t + q2 sin 2 pi t. The balls may enclose a whole box of matrices
// (certify_poisson_bounds_balls): every operation below is pointwise in the matrix (BND-TEMPLATE-10).
using AtomB = PoissonBallAtom;

// The mesh of g: nodes 0 = x_0 < x_1 < ... < x_{N-1} < 1 (binary64 multiples of 2^-kMeshBits), extended
// periodically: node m (any integer) is x_{m mod N} + floor(m / N), exact in binary64 for |m| < 2^10 N
// because every x_j + q with |q| < 2^10 is a multiple of 2^-kMeshBits below 2^11. Proof: LYAPND-POIS-11 (a).
constexpr int kMeshBits = 40;

class Mesh {
 public:
  explicit Mesh(const std::vector<double>& x) : x_(x), n_(static_cast<std::int64_t>(x.size())) {}
  std::int64_t size() const { return n_; }
  // Node m of the periodic extension (exact).
  double node(std::int64_t m) const {
    const std::int64_t q = floordiv(m), r = m - q * n_;
    return x_[static_cast<std::size_t>(r)] + static_cast<double>(q);
  }
  std::int64_t wrap(std::int64_t m) const { return m - floordiv(m) * n_; }
  // The m with node(m) <= y < node(m + 1), for a finite double y with |y| <= 256. The candidate from the
  // rounded y - floor(y) is corrected by exact binary64 comparisons with the exact nodes.
  // Proof: LYAPND-POIS-11 (b).
  std::int64_t locate(double y) const {
    const double q = std::floor(y);
    const double r = std::min(std::max(y - q, 0.0), 1.0);
    std::int64_t m = static_cast<std::int64_t>(std::upper_bound(x_.begin(), x_.end(), r) - x_.begin()) - 1;
    m = std::max<std::int64_t>(m, 0) + static_cast<std::int64_t>(q) * n_;
    while (node(m) > y) --m;
    while (node(m + 1) <= y) ++m;
    return m;
  }

 private:
  std::int64_t floordiv(std::int64_t m) const { return m >= 0 ? m / n_ : -((-m + n_ - 1) / n_); }
  const std::vector<double>& x_;
  std::int64_t n_;
};

class Evaluator {
 public:
  Evaluator(const laws::FiniteMatrices& f, const std::vector<double>& x, const std::vector<double>& g, slong prec)
      : Evaluator(ball_atoms(f, prec), x, g, prec) {}

  Evaluator(std::vector<AtomB> atoms, const std::vector<double>& x, const std::vector<double>& g, slong prec,
            bool box = false)
      : mesh_(x), g_(g), prec_(prec), atoms_(std::move(atoms)), box_(box) {
    n_ = static_cast<std::int64_t>(g.size());
    // Global range of g and of its slopes (used when an argument ball covers many cells).
    gmin_ = *std::min_element(g.begin(), g.end());
    gmax_ = *std::max_element(g.begin(), g.end());
    arb_const_pi(pi_.get(), prec_);
  }

  static std::vector<AtomB> ball_atoms(const laws::FiniteMatrices& f, slong prec) {
    std::vector<AtomB> atoms;
    for (std::size_t i = 0; i < f.matrices.size(); ++i) {
      if (!(f.probs[i] > 0)) continue;
      const auto& m = f.matrices[i];
      AtomB at;
      at.a = Ball::from_rational(m[0], prec);
      at.b = Ball::from_rational(m[1], prec);
      at.c = Ball::from_rational(m[2], prec);
      at.d = Ball::from_rational(m[3], prec);
      at.p = Ball::from_rational(f.probs[i], prec);
      at.det = Ball::from_rational(m[0] * m[3] - m[1] * m[2], prec);
      // A^T A = [[al, be], [be, ga]]: al = a^2 + c^2, be = ab + cd, ga = b^2 + d^2 (exact rationals).
      const Rational al = m[0] * m[0] + m[2] * m[2], be = m[0] * m[1] + m[2] * m[3], ga = m[1] * m[1] + m[3] * m[3];
      at.q0 = Ball::from_rational((al + ga) / 2, prec);
      at.q1 = Ball::from_rational((al - ga) / 2, prec);
      at.q2 = Ball::from_rational(be, prec);
      atoms.push_back(std::move(at));
    }
    return atoms;
  }

  double gval(std::int64_t m) const { return g_[static_cast<std::size_t>(mesh_.wrap(m))]; }

  // Slope of g on cell m (periodic): (g_{m+1} - g_m) / (x_{m+1} - x_m), enclosed.
  void slope(arb_t out, std::int64_t m) const {
    Ball t;
    arb_set_d(out, gval(m + 1));
    arb_set_d(t, gval(m));
    arb_sub(out, out, t, prec_);
    arb_set_d(t, mesh_.node(m + 1) - mesh_.node(m));  // exact (POIS-11)
    arb_div(out, out, t, prec_);
  }

  // g on the ball y, all of whose points lie in cell m: g_m + (y - x_m) (g_{m+1} - g_m) / (x_{m+1} - x_m).
  void g_piece(arb_t out, const arb_t y, std::int64_t m) const {
    Ball t, u;
    arb_set_d(u, mesh_.node(m));
    arb_sub(u, y, u, prec_);
    slope(t, m);
    arb_mul(out, t, u, prec_);
    arb_set_d(u, gval(m));
    arb_add(out, out, u, prec_);
  }

  // Range of g over the real ball X (periodic, period 1) and the hull of the slopes of the cells it meets.
  // Proof: LYAPND-POIS-11 (c).
  void g_range(arb_t val, arb_t slp, const arb_t x) const {
    arf_t lo, hi;
    arf_init(lo);
    arf_init(hi);
    arb_get_lbound_arf(lo, x, prec_);
    arb_get_ubound_arf(hi, x, prec_);
    const double dl = arf_get_d(lo, ARF_RND_FLOOR), dh = arf_get_d(hi, ARF_RND_CEIL);
    arf_clear(lo);
    arf_clear(hi);
    if (!std::isfinite(dl) || !std::isfinite(dh) || dh - dl >= 0.5 || std::fabs(dl) > 256 || std::fabs(dh) > 256) {
      whole(val, slp);
      return;
    }
    const std::int64_t jl = mesh_.locate(dl), jh = mesh_.locate(dh);
    if (jl == jh) {
      g_piece(val, x, jl);  // one linear piece
      slope(slp, jl);
      return;
    }
    if (jh - jl > 64) {
      whole(val, slp);
      return;
    }
    // A piecewise-linear function attains its extremes over [dl, dh] at dl, dh or interior nodes.
    Ball t, y;
    arb_set_d(y, dl);
    g_piece(val, y, jl);
    arb_set_d(y, dh);
    g_piece(t, y, jh);
    arb_union(val, val, t, prec_);
    for (std::int64_t m = jl + 1; m <= jh; ++m) {
      arb_set_d(t, gval(m));
      arb_union(val, val, t, prec_);
    }
    slope(slp, jl);
    for (std::int64_t m = jl + 1; m <= jh; ++m) {
      slope(t, m);
      arb_union(slp, slp, t, prec_);
    }
  }

  void whole(arb_t val, arb_t slp) const {
    exact::set_interval_d(val, gmin_, gmax_, prec_);
    if (!sall_ready_) {
      // The hull of all slopes, computed at the first use: one Arb division per node, which the binary64 cells
      // (LYAPND-TRANS-7) mostly never need.
      Ball s;
      for (std::int64_t j = 0; j < n_; ++j) {
        slope(s, j);
        if (j == 0)
          arb_set(sall_.get(), s);
        else
          arb_union(sall_.get(), sall_.get(), s, prec_);
      }
      sall_ready_ = true;
    }
    arb_set(slp, sall_.get());
  }

  // h(T) and, if dh != nullptr, an enclosure of h' over T (h is Lipschitz; the set of its one-sided
  // derivatives on T lies in dh). false when a denominator ball contains 0 (T too wide).
  bool eval(arb_t h, arb_t dh, const arb_t t) const {
    Ball s1, c1, s2, c2, t2, q, lq, w1, w2, psi, gv, gs, tmp, dphi, dsum;
    arb_sin_cos_pi(s1, c1, t, prec_);
    arb_mul_2exp_si(t2, t, 1);
    arb_sin_cos_pi(s2, c2, t2, prec_);
    arb_zero(h);
    arb_zero(dphi);
    arb_zero(dsum);
    for (const AtomB& at : atoms_) {
      // q = |A v|^2 > 0; phi += p/2 log q; phi' += p pi (q2 cos 2 pi t - q1 sin 2 pi t) / q.
      if (box_) {
        // Ball atoms over a parameter box: q from w = A v directly (w has the radius of the box times |H v|; the
        // form q0 + q1 cos + q2 sin with independent coefficient balls loses the correlation between them).
        // Proof: BND-TEMPLATE-10 (c).
        arb_mul(w1, at.a.get(), c1, prec_);
        arb_addmul(w1, at.b.get(), s1, prec_);
        arb_mul(w2, at.c.get(), c1, prec_);
        arb_addmul(w2, at.d.get(), s1, prec_);
        arb_sqr(q, w1, prec_);
        arb_addmul(q, w2, w2, prec_);
      } else {
        arb_mul(q, at.q1.get(), c2, prec_);
        arb_addmul(q, at.q2.get(), s2, prec_);
        arb_add(q, q, at.q0.get(), prec_);
      }
      if (!arb_is_positive(q)) return false;
      arb_log(lq, q, prec_);
      arb_mul(lq, lq, at.p.get(), prec_);
      arb_mul_2exp_si(lq, lq, -1);
      arb_add(h, h, lq, prec_);
      if (dh && box_) {
        // (1/2) d/dtheta log |A v|^2 = <A v, A v'> / q, v' = (-sin, cos); dphi collects it (times pi below).
        Ball u1, u2;
        arb_mul(u1, at.b.get(), c1, prec_);
        arb_submul(u1, at.a.get(), s1, prec_);
        arb_mul(u2, at.d.get(), c1, prec_);
        arb_submul(u2, at.c.get(), s1, prec_);
        arb_mul(tmp, w1, u1, prec_);
        arb_addmul(tmp, w2, u2, prec_);
        arb_div(tmp, tmp, q, prec_);
        arb_addmul(dphi, tmp, at.p.get(), prec_);
      } else if (dh) {
        arb_mul(tmp, at.q2.get(), c2, prec_);
        arb_submul(tmp, at.q1.get(), s2, prec_);
        arb_div(tmp, tmp, q, prec_);
        arb_addmul(dphi, tmp, at.p.get(), prec_);
      }
      // w = A v; its angle / pi, a representative modulo 1 (LYAPND-POIS-4 (b)).
      arb_mul(w1, at.a.get(), c1, prec_);
      arb_addmul(w1, at.b.get(), s1, prec_);
      arb_mul(w2, at.c.get(), c1, prec_);
      arb_addmul(w2, at.d.get(), s1, prec_);
      const bool first = arf_cmpabs(arb_midref(w1), arb_midref(w2)) >= 0;
      if (first) {
        if (arf_sgn(arb_midref(w1)) < 0) {
          arb_neg(w1, w1);
          arb_neg(w2, w2);
        }
        if (!arb_is_positive(w1)) return false;
        arb_div(tmp, w2, w1, prec_);
        arb_atan(psi, tmp, prec_);
        arb_div(psi, psi, pi_.get(), prec_);
      } else {
        if (arf_sgn(arb_midref(w2)) < 0) {
          arb_neg(w1, w1);
          arb_neg(w2, w2);
        }
        if (!arb_is_positive(w2)) return false;
        arb_div(tmp, w1, w2, prec_);
        arb_atan(psi, tmp, prec_);
        arb_div(psi, psi, pi_.get(), prec_);
        arb_neg(psi, psi);
        arb_set_d(tmp, 0.5);
        arb_add(psi, psi, tmp, prec_);
      }
      g_range(gv, gs, psi);
      arb_addmul(h, gv, at.p.get(), prec_);
      if (dh) {
        // d/dt (A . t) = det A / |A v|^2 (same in theta and t units).
        arb_div(tmp, at.det.get(), q, prec_);
        arb_mul(tmp, tmp, gs, prec_);
        arb_addmul(dsum, tmp, at.p.get(), prec_);
      }
    }
    g_range(gv, gs, t);
    arb_sub(h, h, gv, prec_);
    if (dh) {
      arb_mul(dh, dphi, pi_.get(), prec_);
      arb_add(dh, dh, dsum, prec_);
      arb_sub(dh, dh, gs, prec_);
    }
    return arb_is_finite(h);
  }

  slong prec() const { return prec_; }
  const std::vector<AtomB>& atoms() const { return atoms_; }

 private:
  Mesh mesh_;
  const std::vector<double>& g_;
  std::int64_t n_ = 0;
  slong prec_;
  std::vector<AtomB> atoms_;
  bool box_ = false;  // ball atoms over a parameter box (certify_poisson_bounds_balls)
  double gmin_ = 0, gmax_ = 0;
  mutable Ball sall_;  // the hull of all slopes, once sall_ready_ (single-threaded use)
  mutable bool sall_ready_ = false;
  Ball pi_;
};

struct Cell {
  double a = 0, b = 0;
  Ball range;                      // encloses h([a, b]) (set by the Arb evaluation only)
  double lo = -std::numeric_limits<double>::infinity();  // encloses h([a, b]) too (outward-rounded doubles; both
  double hi = std::numeric_limits<double>::infinity();   // evaluations)
  double point_lo = -std::numeric_limits<double>::infinity();  // an enclosure of h at a point of the cell
  double point_hi = std::numeric_limits<double>::infinity();   // (outward-rounded doubles)
  bool ok = false;
  bool binary64 = false;  // evaluated in binary64 (LYAPND-TRANS-7): range unset, lo / hi are the bounds
};
// Proof: LYAPND-POIS-5 counts 112 bytes per cell (the arb limbs inline up to 128 bits).
static_assert(sizeof(Cell) <= 112);

double lo_d(const arb_t x) {
  arf_t t;
  arf_init(t);
  arb_get_lbound_arf(t, x, 64);
  const double r = arf_get_d(t, ARF_RND_FLOOR);
  arf_clear(t);
  return r;
}
double hi_d(const arb_t x) {
  arf_t t;
  arf_init(t);
  arb_get_ubound_arf(t, x, 64);
  const double r = arf_get_d(t, ARF_RND_CEIL);
  arf_clear(t);
  return r;
}

void point_ball(arb_t out, double x) { arb_set_d(out, x); }

// Proof: LYAPND-POIS-4 (c). Range enclosure of h on [a, b]: monotone case -> hull of the endpoint values;
// otherwise the mean-value form h(m) + h'([a, b]) [a - m, b - m], intersected with the direct evaluation.
void evaluate_cell_arb(const Evaluator& ev, Cell& c) {
  const slong prec = ev.prec();
  Ball box, hb, dhb, hm, t, ha, hz, off;
  arf_t lo, hi;
  arf_init(lo);
  arf_init(hi);
  arf_set_d(lo, c.a);
  arf_set_d(hi, c.b);
  arb_set_interval_arf(box, lo, hi, prec);
  c.ok = false;
  double m = c.a + (c.b - c.a) / 2;
  if (!(m >= c.a && m <= c.b)) m = c.a;
  point_ball(t, m);
  if (!ev.eval(hm, nullptr, t)) {
    arf_clear(lo);
    arf_clear(hi);
    return;
  }
  c.point_lo = lo_d(hm);
  c.point_hi = hi_d(hm);
  if (!ev.eval(hb, dhb, box)) {
    arf_clear(lo);
    arf_clear(hi);
    return;
  }
  if (arb_is_positive(dhb) || arb_is_negative(dhb)) {
    point_ball(t, c.a);
    const bool oka = ev.eval(ha, nullptr, t);
    point_ball(t, c.b);
    const bool okb = ev.eval(hz, nullptr, t);
    if (oka && okb) {
      arb_union(c.range.get(), ha, hz, prec);
      c.ok = true;
    }
  }
  if (!c.ok) {
    // h(x) - h(m) = int_m^x h' lies in h'([a, b]) (x - m) (h is Lipschitz, piecewise C^1).
    // Offsets a - m, b - m exactly in arf (no binary64 rounding).
    arf_t mm;
    arf_init(mm);
    arf_set_d(mm, m);
    arf_set_d(lo, c.a);
    arf_sub(lo, lo, mm, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_set_d(hi, c.b);
    arf_sub(hi, hi, mm, ARF_PREC_EXACT, ARF_RND_DOWN);
    arf_clear(mm);
    arb_set_interval_arf(off, lo, hi, prec);
    arb_mul(off, off, dhb, prec);
    arb_add(c.range.get(), hm, off, prec);
    if (arb_overlaps(c.range.get(), hb)) arb_intersection(c.range.get(), c.range.get(), hb, prec);
    c.ok = arb_is_finite(c.range.get());
  }
  if (c.ok) {
    c.lo = lo_d(c.range.get());
    c.hi = hi_d(c.range.get());
  }
  c.binary64 = false;
  arf_clear(lo);
  arf_clear(hi);
}

// Binary64 twin of Evaluator for exact atoms (not the parameter boxes of certify_poisson_bounds_balls): the same
// enclosures of h and h' as LYAPND-POIS-4 (b), (c) and -11 (c), with fast::OutwardInterval (every operation rounded
// outward, FAST-RND-2), the proved log (FAST-LOG-6) and the sin / cos / atan kernels of internal/cell_binary64
// instead of Arb balls. Proof: LYAPND-TRANS-7.
class FastEvaluator {
 public:
  using OI = fast::OutwardInterval;

  FastEvaluator(const std::vector<AtomB>& atoms, const std::vector<double>& x, const std::vector<double>& g)
      : mesh_(x), x_(x), g_(g), n_(static_cast<std::int64_t>(g.size())) {
    namespace iv = fast::iv;
    // The atoms' balls contain the exact rationals; their bounds rounded outward to binary64 enclose them too.
    auto oi = [](const Ball& b) { return OI(lo_d(b.get()), hi_d(b.get())); };
    for (const AtomB& at : atoms) {
      AtomI a{oi(at.a), oi(at.b), oi(at.c), oi(at.d), oi(at.p), oi(at.det), oi(at.q0), oi(at.q1), oi(at.q2), {}};
      a.p_half = iv::scale(a.p, 0.5);  // p / 2 (the factor of log q), computed once per atom
      atoms_.push_back(a);
    }
    gmin_ = *std::min_element(g.begin(), g.end());
    gmax_ = *std::max_element(g.begin(), g.end());
    // The slopes' enclosures once per mesh cell (each evaluation needs several; the quotient was a tenth of it).
    slopes_.reserve(static_cast<std::size_t>(n_));
    for (std::int64_t j = 0; j < n_; ++j) {
      const double dx = mesh_.node(j + 1) - mesh_.node(j);
      slopes_.push_back(fast::iv::div_by_pos(fast::iv::sub(OI(gval(j + 1)), OI(gval(j))), OI(dx, dx, true)));
    }
    sall_ = slopes_[0];
    for (const OI& sj : slopes_) sall_ = boost::numeric::hull(sall_, sj);
    // Buckets of width 1 / B (B the power of two >= N): bucket_[j] is the last node <= j / B, bucket_[B] = N - 1.
    while (buckets_ < x.size()) buckets_ *= 2;
    bucket_.resize(buckets_ + 1);
    std::size_t i = 0;
    for (std::size_t j = 0; j < buckets_; ++j) {
      const double t = static_cast<double>(j) / static_cast<double>(buckets_);  // exact
      while (i + 1 < x.size() && x[i + 1] <= t) ++i;
      bucket_[j] = static_cast<std::uint32_t>(i);
    }
    bucket_[buckets_] = static_cast<std::uint32_t>(x.size() - 1);
  }

  // Enclosures of sin pi t, cos pi t, sin 2 pi t, cos 2 pi t at a double t (LYAPND-TRANS-5 and the double-angle
  // identities sin 2x = 2 sin x cos x, cos 2x = (cos x - sin x)(cos x + sin x)); false when |t| > 2^20.
  struct Angles {
    OI s1, c1, s2, c2;
  };
  static bool angles(double t, Angles& w) {
    namespace iv = fast::iv;
    if (!internal::sin_cos_pi_enclose(t, w.s1, w.c1)) return false;
    w.s2 = iv::scale(iv::mul(w.s1, w.c1), 2.0);
    w.c2 = iv::mul(iv::sub(w.c1, w.s1), iv::add(w.c1, w.s1));
    return true;
  }

  // h at the double t. A point value computed before for the same t is reused (the cell bounds evaluate h at the
  // ends of neighbouring cells and halves, which share them): it is the same computation's result, so the same
  // enclosure. Not thread-safe (one evaluator per thread; the driver is single-threaded).
  bool eval_point(OI& h, double t) const {
    const std::uint64_t key = std::bit_cast<std::uint64_t>(t);
    PointMemo& e = memo_[(key * 0x9E3779B97F4A7C15ull) >> (64 - kMemoBits)];
    if (e.key == key) {
      h = OI(e.lo, e.hi, true);
      return true;
    }
    Angles w;
    if (!angles(t, w) || !eval(h, nullptr, t, t, t, w)) return false;
    remember(t, h);
    return true;
  }
  void remember(double t, const OI& h) const {
    const std::uint64_t key = std::bit_cast<std::uint64_t>(t);
    memo_[(key * 0x9E3779B97F4A7C15ull) >> (64 - kMemoBits)] = {key, h.lower(), h.upper()};
  }

  // h over T = [a, b] (a point when a == b; then m = a) from the angles w at a point m of T, and, if dh != nullptr,
  // an enclosure of h' over T. false when a denominator or the image component of LYAPND-POIS-4 (b) is not
  // certified nonzero, or a result is not finite. The interval operations are the sign-aware ones of fast::iv
  // (FAST-KER-1..4): p, p / 2, pi > 0, q > 0 (tested), a cell's offset from a mesh node >= 0 up to rounding; each
  // checks its hypothesis and falls back otherwise.
  bool eval(OI& h, OI* dh, double a, double b, double m, const Angles& w) const {
    namespace iv = fast::iv;
    const OI& pi = internal::pi_enclosure();
    OI s1 = w.s1, c1 = w.c1, s2 = w.s2, c2 = w.c2;
    if (a != b) {
      // The values at the point m of the cell widened by the mean value theorem: for |t - m| <= r,
      // |sin(pi t) - sin(pi m)| <= pi r max |cos| <= pi r min(1, |cos(pi m)| + pi r) (|cos| is 1-Lipschitz in pi t), and
      // likewise for cos and, with 2 pi r, for the double angle. The first-order factor |cos(pi m)| matters: where it
      // is small the plain pi r is several times wider (as Arb's own ball bound is not).
      const double r = std::max(fast::OutwardRounding::sub_up(m, a), fast::OutwardRounding::sub_up(b, m));
      const OI pr = iv::scale(pi, r), p2r = iv::scale(pi, 2 * r);
      auto widen = [](const OI& step, const OI& other) {  // upper bound of step * min(1, |other| + step)
        return iv::up(step.upper() * std::min(1.0, iv::up(iv::mag(other) + step.upper())));
      };
      const double es1 = widen(pr, c1), ec1 = widen(pr, s1), es2 = widen(p2r, c2), ec2 = widen(p2r, s2);
      const OI unit(-1.0, 1.0, true);
      s1 = boost::numeric::intersect(iv::widen(s1, es1), unit);
      c1 = boost::numeric::intersect(iv::widen(c1, ec1), unit);
      s2 = boost::numeric::intersect(iv::widen(s2, es2), unit);
      c2 = boost::numeric::intersect(iv::widen(c2, ec2), unit);
    }
    h = OI(0.0);
    OI dphi(0.0), dsum(0.0), gv, gs, psi;
    for (const AtomI& at : atoms_) {
      // q = |A v|^2 = q0 + q1 cos 2 pi t + q2 sin 2 pi t > 0; phi += p/2 log q; phi' += p pi (q2 C - q1 S) / q.
      const OI q = iv::add(at.q0, iv::add(iv::mul(at.q1, c2), iv::mul(at.q2, s2)));
      if (!(q.lower() > 0)) return false;
      h = iv::add(h, iv::mul_by_nonneg(fast::log(q), at.p_half));
      if (dh)
        dphi = iv::add(dphi, iv::mul_by_nonneg(iv::div_by_pos(iv::sub(iv::mul(at.q2, c2), iv::mul(at.q1, s2)), q), at.p));
      // w = A v; a real representative of the image line (LYAPND-POIS-4 (b), LYAPND-TRANS-6 (c)).
      if (!internal::line_angle_enclose(iv::add(iv::mul(at.a, c1), iv::mul(at.b, s1)),
                                        iv::add(iv::mul(at.c, c1), iv::mul(at.d, s1)), psi))
        return false;
      g_range(psi, gv, gs);
      h = iv::add(h, iv::mul_by_nonneg(gv, at.p));
      if (dh)  // d/dt (A . t) = det A / |A v|^2
        dsum = iv::add(dsum, iv::mul_by_nonneg(iv::mul(iv::div_by_pos(at.det, q), gs), at.p));
    }
    g_range(OI(a, b), gv, gs);
    h = iv::sub(h, gv);
    if (dh) {
      *dh = iv::sub(iv::add(iv::mul_by_nonneg(dphi, pi), dsum), gs);
      if (!std::isfinite(dh->lower()) || !std::isfinite(dh->upper())) return false;
    }
    return std::isfinite(h.lower()) && std::isfinite(h.upper());
  }

 private:
  struct AtomI {
    OI a, b, c, d, p, det, q0, q1, q2, p_half;
  };
  // Point values of h by the bit pattern of t (direct-mapped; a NaN pattern marks an empty slot: t is never NaN).
  struct PointMemo {
    std::uint64_t key = ~std::uint64_t{0};
    double lo = 0, hi = 0;
  };
  static constexpr int kMemoBits = 12;
  mutable std::vector<PointMemo> memo_ = std::vector<PointMemo>(std::size_t{1} << kMemoBits);
  double gval(std::int64_t m) const { return g_[static_cast<std::size_t>(mesh_.wrap(m))]; }
  // (g_{m+1} - g_m) / (x_{m+1} - x_m), the node difference exact (LYAPND-POIS-11 (a)) and positive; precomputed
  // per cell of the mesh (cell m of the periodic extension is cell m mod N).
  const OI& slope(std::int64_t m) const { return slopes_[static_cast<std::size_t>(mesh_.wrap(m))]; }
  // g on y, all of whose points lie in cell m: g_m + (y - node(m)) s_m (y - node(m) >= 0 up to rounding).
  OI piece(const OI& y, std::int64_t m) const {
    const double x0 = mesh_.node(m);
    return fast::iv::add(OI(gval(m)), fast::iv::mul_by_nonneg(slope(m), fast::iv::sub(y, OI(x0, x0, true))));
  }
  // Mesh::locate with the binary search narrowed to one bucket: the last node <= y - floor(y) lies between the
  // bucket's first node and the next bucket's, and the candidate is corrected by the same exact comparisons with the
  // exact nodes, so the result is the cell of Mesh::locate (LYAPND-POIS-11 (b): any candidate is corrected).
  std::int64_t locate(double y) const {
    const double q = std::floor(y);
    const double r = std::min(std::max(y - q, 0.0), 1.0);
    const std::size_t j = std::min(static_cast<std::size_t>(r * static_cast<double>(buckets_)), buckets_ - 1);
    const auto first = x_.begin() + bucket_[j], last = x_.begin() + bucket_[j + 1] + 1;
    std::int64_t m = static_cast<std::int64_t>(std::upper_bound(first, last, r) - x_.begin()) - 1;
    m = std::max<std::int64_t>(m, 0) + static_cast<std::int64_t>(q) * n_;
    while (mesh_.node(m) > y) --m;
    while (mesh_.node(m + 1) <= y) ++m;
    return m;
  }
  // Range of g over y and the hull of the slopes of the cells it meets: LYAPND-POIS-11 (c) with y's own ends as
  // [dl, dh]. Proof: LYAPND-TRANS-7.
  void g_range(const OI& y, OI& val, OI& slp) const {
    const double dl = y.lower(), dh = y.upper();
    if (!std::isfinite(dl) || !std::isfinite(dh) || dh - dl >= 0.5 || std::fabs(dl) > 256 || std::fabs(dh) > 256) {
      val = OI(gmin_, gmax_);
      slp = sall_;
      return;
    }
    const std::int64_t jl = locate(dl), jh = locate(dh);
    if (jl == jh) {
      val = piece(y, jl);
      slp = slope(jl);
      return;
    }
    if (jh - jl > 64) {
      val = OI(gmin_, gmax_);
      slp = sall_;
      return;
    }
    val = boost::numeric::hull(piece(OI(dl), jl), piece(OI(dh), jh));
    slp = slope(jl);
    for (std::int64_t m = jl + 1; m <= jh; ++m) {
      val = boost::numeric::hull(val, OI(gval(m)));
      slp = boost::numeric::hull(slp, slope(m));
    }
  }

  Mesh mesh_;
  const std::vector<double>& x_;
  const std::vector<double>& g_;
  std::int64_t n_ = 0;
  std::vector<AtomI> atoms_;
  std::vector<OI> slopes_;
  std::size_t buckets_ = 1;
  std::vector<std::uint32_t> bucket_;
  double gmin_ = 0, gmax_ = 0;
  OI sall_;
};

// Which arithmetic evaluates the cells: the binary64 evaluator where it succeeds and its enclosure of h at the cell's
// midpoint is at most `tolerance` wide (rounding noise well below the requested width), Arb otherwise (a failed
// binary64 evaluation: q or the image component not certified nonzero, a result not finite). Both are rigorous; the
// choice only affects the time and the width.
// Once more than half of at least 256 binary64 attempts were declined (the tolerance is below binary64's rounding
// noise), the rest go straight to Arb.
struct CellEval {
  const Evaluator* arb = nullptr;
  const FastEvaluator* fast = nullptr;
  double tolerance = 0;
  mutable std::uint64_t binary64 = 0, arb_cells = 0, declined = 0;  // evaluations done by each, binary64 declined
  mutable bool gave_up = false;
};

// Proof: LYAPND-TRANS-7 (the binary64 form of LYAPND-POIS-4 (c)). true and c filled when the binary64 evaluation
// succeeded within the tolerance; false (c untouched) otherwise.
bool evaluate_cell_binary64(const FastEvaluator& fe, double tolerance, Cell& c) {
  using OI = fast::OutwardInterval;
  double m = c.a + (c.b - c.a) / 2;
  if (!(m >= c.a && m <= c.b)) m = c.a;
  // The angles at m serve the point value and the cell's enclosure (both start from them); the ends' values of a
  // monotone cell are shared with the neighbouring cells through the evaluator's point memo.
  FastEvaluator::Angles w;
  if (!FastEvaluator::angles(m, w)) return false;
  OI hm, hb, dhb;
  if (!fe.eval(hm, nullptr, m, m, m, w) || !(hm.upper() - hm.lower() <= tolerance)) return false;
  fe.remember(m, hm);
  if (!fe.eval(hb, &dhb, c.a, c.b, m, w)) return false;
  OI range;
  bool ok = false;
  if (dhb.lower() > 0 || dhb.upper() < 0) {
    // h monotone on the cell (h is Lipschitz with h' of one sign almost everywhere): the hull of its end values.
    OI ha, hz;
    if (fe.eval_point(ha, c.a) && fe.eval_point(hz, c.b)) {
      range = boost::numeric::hull(ha, hz);
      ok = true;
    }
  }
  if (!ok) {
    // Mean-value form h(m) + h'([a, b]) [a - m, b - m], intersected with the direct enclosure when they overlap.
    const OI off(fast::OutwardRounding::sub_down(c.a, m), fast::OutwardRounding::sub_up(c.b, m));
    range = fast::iv::add(hm, fast::iv::mul(off, dhb));
    if (boost::numeric::overlap(range, hb)) range = boost::numeric::intersect(range, hb);
    ok = std::isfinite(range.lower()) && std::isfinite(range.upper());
  }
  if (!ok) return false;
  c.point_lo = hm.lower();
  c.point_hi = hm.upper();
  c.lo = range.lower();
  c.hi = range.upper();
  c.binary64 = true;
  c.ok = true;
  return true;
}

void evaluate_cell(const CellEval& ce, Cell& c) {
  if (ce.fast && !ce.gave_up) {
    if (evaluate_cell_binary64(*ce.fast, ce.tolerance, c)) {
      ++ce.binary64;
      return;
    }
    ++ce.declined;
    if (ce.binary64 + ce.declined >= 256 && ce.declined > ce.binary64) ce.gave_up = true;
  }
  ++ce.arb_cells;
  evaluate_cell_arb(*ce.arb, c);
}

// The partition and refinement of certify_poisson_bounds_mesh on the evaluator ev; at gives the (midpoint)
// matrices used only to place the breakpoints.
// The transfer iteration run after the certified partition (LYAPND-TRANS-1): the exact family (for the image
// covers), the step cap and the width at which to stop.
struct TransferControl {
  const laws::FiniteMatrices* family = nullptr;
  int max_steps = 0;
  double target_width = 0;
  // The driver's last level: after the ordinary rounds the refinement continues while the estimated floor gains 3 %
  // and the cells stay within the count the level's memory estimate covers (LYAPND-POIS-5), instead of stopping at
  // 20 % and twice the cells; the time left ends it (every round's bounds are valid, LYAPND-TRANS-4).
  bool final_level = false;
  PoissonFloorCells* floor = nullptr;  // diagnostics: the last iterated round's cells (when given)
};

std::optional<PoissonBounds> certify_with(const CellEval& ev, const std::vector<AtomD>& at,
                                          const std::vector<double>& x, slong prec, Clock::time_point deadline,
                                          int max_rounds = 12, const TransferControl* transfer = nullptr);

}  // namespace

int first_singular_atom(const laws::FiniteMatrices& f, int d) {
  if (d != 2) {
    // General d <= 4: exact determinant by cofactor expansion.
    for (std::size_t i = 0; i < f.matrices.size(); ++i) {
      if (!(f.probs[i] > 0)) continue;
      std::vector<Rational> m = f.matrices[i];
      // Gaussian elimination in exact rationals.
      bool singular = false;
      for (int col = 0; col < d && !singular; ++col) {
        int piv = -1;
        for (int r = col; r < d; ++r)
          if (m[r * d + col] != 0) {
            piv = r;
            break;
          }
        if (piv < 0) {
          singular = true;
          break;
        }
        if (piv != col)
          for (int c = 0; c < d; ++c) std::swap(m[piv * d + c], m[col * d + c]);
        for (int r = col + 1; r < d; ++r) {
          const Rational q = m[r * d + col] / m[col * d + col];
          for (int c = col; c < d; ++c) m[r * d + c] -= q * m[col * d + c];
        }
      }
      if (singular) return static_cast<int>(i);
    }
    return -1;
  }
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    const auto& m = f.matrices[i];
    if (m[0] * m[3] - m[1] * m[2] == 0) return static_cast<int>(i);
  }
  return -1;
}

std::vector<double> uniform_mesh(int nodes) {
  if (nodes < 4 || (nodes & (nodes - 1)) != 0 || nodes > (1 << 30))
    throw InputError("poisson: the uniform grid needs N a power of two, 4 <= N <= 2^30");
  std::vector<double> x(static_cast<std::size_t>(nodes));
  for (std::size_t j = 0; j < x.size(); ++j) x[j] = static_cast<double>(j) / nodes;  // exact dyadics
  return x;
}

void check_mesh(const std::vector<double>& x, const char* who) {
  // Proof: LYAPND-POIS-11 (the exactness of Mesh::node rests on these conditions).
  const double unit = std::ldexp(1.0, -kMeshBits);
  if (x.size() < 4) throw InputError(fmt::format("{}: the mesh needs at least 4 nodes", who));
  if (x.size() > (std::size_t{1} << 30)) throw InputError(fmt::format("{}: the mesh has more than 2^30 nodes", who));
  if (x[0] != 0) throw InputError(fmt::format("{}: the mesh must start at node 0", who));
  for (std::size_t j = 0; j < x.size(); ++j) {
    if (!(x[j] >= 0 && x[j] < 1) || std::floor(x[j] / unit) * unit != x[j])
      throw InputError(fmt::format("{}: mesh node {} is not a multiple of 2^-{} in [0, 1)", who, j, kMeshBits));
    if (j > 0 && !(x[j] > x[j - 1])) throw InputError(fmt::format("{}: mesh nodes must increase", who));
  }
}

std::vector<double> poisson_grid_solution(const laws::FiniteMatrices& f, int nodes, int max_iterations,
                                          Clock::time_point deadline, int* iterations) {
  require_invertible_2x2(f, 2, "poisson_grid_solution");
  if (nodes < 4 || (nodes & (nodes - 1)) != 0) throw InputError("poisson_grid_solution: N must be a power of two >= 4");
  return poisson_mesh_solution(f, uniform_mesh(nodes), {}, {}, max_iterations, deadline, iterations);
}

std::vector<double> poisson_mesh_solution(const laws::FiniteMatrices& f, const std::vector<double>& x,
                                          const std::vector<double>& warm_x, const std::vector<double>& warm_g,
                                          int max_iterations, Clock::time_point deadline, int* iterations) {
  require_invertible_2x2(f, 2, "poisson_mesh_solution");
  check_mesh(x, "poisson_mesh_solution");
  const std::vector<AtomD> at = atoms_d(f);
  const std::size_t k = at.size();
  const std::size_t n = x.size();
  const Mesh mesh(x);
  // Transition of the discretised transfer operator (LYAPND-POIS-3): the image of node j under atom i
  // falls in cell idx with fraction fr; (P_N y)_j = sum_i p_i ((1 - fr) y_idx + fr y_{idx+1}).
  std::vector<std::uint32_t> idx(k * n);
  std::vector<double> fr(k * n), phi(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    const double th = M_PI * x[j], c = std::cos(th), s = std::sin(th);
    for (std::size_t i = 0; i < k; ++i) {
      const double w1 = at[i].a * c + at[i].b * s, w2 = at[i].c * c + at[i].d * s;
      phi[j] += at[i].p * 0.5 * std::log(w1 * w1 + w2 * w2);
      double ang = std::atan2(w2, w1) / M_PI;
      ang -= std::floor(ang);
      if (!(ang >= 0 && ang < 1)) ang = 0;
      const std::int64_t m = mesh.locate(ang);
      const double x0 = mesh.node(m), x1 = mesh.node(m + 1);
      idx[i * n + j] = static_cast<std::uint32_t>(mesh.wrap(m));
      fr[i * n + j] = std::clamp((ang - x0) / (x1 - x0), 0.0, 1.0);
    }
  }
  auto apply = [&](const std::vector<double>& y, std::vector<double>& z) {
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::size_t i = 0; i < k; ++i) {
        const std::size_t c0 = idx[i * n + j], c1 = c0 + 1 == n ? 0 : c0 + 1;
        const double w = fr[i * n + j];
        acc += at[i].p * ((1 - w) * y[c0] + w * y[c1]);
      }
      z[j] = acc;
    }
  };
  // Warm start: g0 = the previous level's piecewise-linear g at the new nodes; r = phi + P_N g0 - g0.
  // g = g0 + sum_{j < J} (P_N^j r - m_j): then phi + P_N g - g = P_N^J r on the grid (m_j constants).
  std::vector<double> g(n, 0.0), y = phi, z(n);
  if (!warm_x.empty() && warm_x.size() == warm_g.size()) {
    check_mesh(warm_x, "poisson_mesh_solution (warm start)");
    const Mesh wm(warm_x);
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t m = wm.locate(x[j]);
      const double x0 = wm.node(m), x1 = wm.node(m + 1);
      const double g0 = warm_g[static_cast<std::size_t>(wm.wrap(m))];
      const double g1 = warm_g[static_cast<std::size_t>(wm.wrap(m + 1))];
      g[j] = g0 + (x[j] - x0) / (x1 - x0) * (g1 - g0);
    }
    apply(g, z);
    for (std::size_t j = 0; j < n; ++j) y[j] = phi[j] + z[j] - g[j];
  }
  // Step with weight c: g += c (y - mid), y <- y + c (P_N y - y) keeps phi + P_N g - g = y + const. c = 1 is
  // the plain iteration; if it has not converged after 256 steps (P_N may have eigenvalues of modulus ~1
  // other than 1, e.g. atoms of projective order 2), c = 1/2 (the lazy operator (I + P_N)/2, whose only
  // eigenvalue of modulus 1 is 1).
  // Flat means: within a few roundings of the terms (|phi|, |g|) that make up y.
  const auto [gmn, gmx] = std::minmax_element(g.begin(), g.end());
  const double noise = 1e-15 * std::max(std::fabs(*gmn), std::fabs(*gmx));
  int it = 0;
  double c = 1;
  for (; it < max_iterations; ++it) {
    const auto [mn, mx] = std::minmax_element(y.begin(), y.end());
    const double lo = *mn, hi = *mx, mid = lo + (hi - lo) / 2;
    if (hi - lo <= 1e-15 * std::max(1.0, std::fabs(mid)) + noise) break;
    if (it == 256) c = 0.5;
    for (std::size_t j = 0; j < n; ++j) g[j] += c * (y[j] - mid);
    apply(y, z);
    if (c != 1)
      for (std::size_t j = 0; j < n; ++j) z[j] = y[j] + c * (z[j] - y[j]);
    std::swap(y, z);
    if ((it & 15) == 15 && detail::past(deadline)) break;
  }
  if (iterations) *iterations = it;
  // Normalise (any constant may be added to g).
  const double g0 = g[0];
  for (double& v : g) v -= g0;
  return g;
}

std::vector<double> refine_poisson_mesh(const std::vector<double>& x, const std::vector<double>& g,
                                        std::size_t max_new) {
  check_mesh(x, "refine_poisson_mesh");
  if (g.size() != x.size()) throw InputError("refine_poisson_mesh: g and the mesh differ in size");
  const std::size_t n = x.size();
  const Mesh mesh(x);
  const double unit = std::ldexp(1.0, -kMeshBits);
  // Indicator of cell j: its width times the larger slope jump of g at its two ends (the deviation of a
  // function from its linear interpolant is about width^2 |g''| / 8, and a slope jump approximates width |g''|).
  std::vector<double> slope(n), e(n);
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t m = static_cast<std::int64_t>(j);
    slope[j] = (g[mesh.wrap(m + 1)] - g[j]) / (mesh.node(m + 1) - mesh.node(m));
  }
  for (std::size_t j = 0; j < n; ++j) {
    const double w = mesh.node(static_cast<std::int64_t>(j) + 1) - x[j];
    const double jl = std::fabs(slope[j] - slope[(j + n - 1) % n]), jr = std::fabs(slope[(j + 1) % n] - slope[j]);
    e[j] = w >= 2 * unit ? w * std::max(jl, jr) : -1;  // a cell of width 2^-40 is not split further
  }
  std::vector<double> sorted(e);
  const std::size_t take = std::min(max_new, n);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n - take), sorted.end());
  const double tau = std::max(sorted[n - take], 0.0);
  std::vector<double> out;
  out.reserve(n + take);
  std::size_t added = 0;
  for (std::size_t j = 0; j < n; ++j) {
    out.push_back(x[j]);
    if (e[j] > 0 && e[j] >= tau && added < take) {
      const double b = mesh.node(static_cast<std::int64_t>(j) + 1);
      // Proof: LYAPND-POIS-11 (d). The width is K u (K >= 2 an integer, exact); x_j + floor(K/2) u is a
      // multiple of u strictly inside the cell, exact in binary64 by (a).
      const double half = std::floor((b - x[j]) / (2 * unit)) * unit;
      out.push_back(x[j] + half);
      ++added;
    }
  }
  return out;
}

std::optional<PoissonBounds> certify_poisson_bounds(const laws::FiniteMatrices& f, const std::vector<double>& g,
                                                    slong prec, Clock::time_point deadline) {
  require_invertible_2x2(f, 2, "certify_poisson_bounds");
  const std::size_t n = g.size();
  if (n < 4 || (n & (n - 1)) != 0) throw InputError("certify_poisson_bounds: N must be a power of two >= 4");
  return certify_poisson_bounds_mesh(f, uniform_mesh(static_cast<int>(n)), g, prec, deadline);
}

std::optional<PoissonBounds> certify_poisson_bounds_mesh(const laws::FiniteMatrices& f, const std::vector<double>& x,
                                                         const std::vector<double>& g, slong prec,
                                                         Clock::time_point deadline, int transfer_steps,
                                                         double transfer_target, bool final_level,
                                                         double binary64_tolerance, PoissonFloorCells* floor) {
  require_invertible_2x2(f, 2, "certify_poisson_bounds");
  check_mesh(x, "certify_poisson_bounds");
  const std::size_t n = g.size();
  if (n != x.size()) throw InputError("certify_poisson_bounds: g and the mesh differ in size");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("certify_poisson_bounds: g must be finite");  // a caller's bug
  TransferControl tc;
  tc.family = &f;
  tc.max_steps = transfer_steps;
  tc.target_width = transfer_target;
  tc.final_level = final_level;
  tc.floor = floor;
  const Evaluator ev(f, x, g, prec);
  // Proof: LYAPND-TRANS-7. Binary64 cell bounds where they succeed within the tolerance, Arb elsewhere.
  std::optional<FastEvaluator> fe;
  if (binary64_tolerance > 0) fe.emplace(ev.atoms(), x, g);
  CellEval ce;
  ce.arb = &ev;
  ce.fast = fe ? &*fe : nullptr;
  ce.tolerance = binary64_tolerance;
  return certify_with(ce, atoms_d(f), x, prec, deadline, 12, &tc);
}

std::optional<PoissonBounds> certify_poisson_bounds_balls(const std::vector<PoissonBallAtom>& atoms,
                                                          const std::vector<double>& x, const std::vector<double>& g,
                                                          slong prec, Clock::time_point deadline, int max_rounds) {
  check_mesh(x, "certify_poisson_bounds_balls");
  if (g.size() != x.size()) throw InputError("certify_poisson_bounds_balls: g and the mesh differ in size");
  if (atoms.empty()) throw InputError("certify_poisson_bounds_balls: no atoms");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("certify_poisson_bounds_balls: g must be finite");
  // The partition uses the midpoint matrices (any partition is valid, LYAPND-POIS-4 (a)); the enclosures use
  // the balls. Proof: BND-TEMPLATE-10.
  std::vector<AtomD> at;
  auto mid = [](const Ball& b) { return arf_get_d(arb_midref(b.get()), ARF_RND_NEAR); };
  for (const auto& a : atoms) at.push_back({mid(a.a), mid(a.b), mid(a.c), mid(a.d), mid(a.p)});
  // Few refinement rounds: on a box of matrices the width is dominated by the variation of h over the box, which
  // no subdivision in t removes (the box is bisected by the caller instead).
  const Evaluator ev(atoms, x, g, prec, true);
  CellEval ce;
  ce.arb = &ev;  // ball atoms over a parameter box: Arb only (BND-TEMPLATE-10)
  return certify_with(ce, at, x, prec, deadline, max_rounds);
}

std::vector<std::optional<std::pair<double, double>>> poisson_cell_bounds(
    const laws::FiniteMatrices& f, const std::vector<double>& x, const std::vector<double>& g,
    const std::vector<std::pair<double, double>>& cells, slong prec, bool binary64) {
  require_invertible_2x2(f, 2, "poisson_cell_bounds");
  check_mesh(x, "poisson_cell_bounds");
  if (g.size() != x.size()) throw InputError("poisson_cell_bounds: g and the mesh differ in size");
  for (double v : g)
    if (!std::isfinite(v)) throw std::invalid_argument("poisson_cell_bounds: g must be finite");  // a caller's bug
  const Evaluator ev(f, x, g, prec);
  std::optional<FastEvaluator> fe;
  if (binary64) fe.emplace(ev.atoms(), x, g);
  std::vector<std::optional<std::pair<double, double>>> out;
  out.reserve(cells.size());
  for (const auto& [a, b] : cells) {
    if (!(a >= 0 && a < b && b <= 1)) throw InputError("poisson_cell_bounds: a cell [a, b] needs 0 <= a < b <= 1");
    Cell c;
    c.a = a;
    c.b = b;
    if (binary64)
      evaluate_cell_binary64(*fe, std::numeric_limits<double>::infinity(), c);
    else
      evaluate_cell_arb(ev, c);
    if (c.ok)
      out.emplace_back(std::pair<double, double>(c.lo, c.hi));
    else
      out.emplace_back(std::nullopt);
  }
  return out;
}

namespace {

std::optional<PoissonBounds> certify_with(const CellEval& ev, const std::vector<AtomD>& at,
                                          const std::vector<double>& x, slong prec, Clock::time_point deadline,
                                          int max_rounds, const TransferControl* transfer) {
  const std::size_t n = x.size();
  // Partition of [0, 1] at the nodes x_j and (binary64 approximations of) their preimages under each
  // atom: on each cell every g-term is (nearly always) a single linear piece (LYAPND-POIS-4 (a)).
  std::vector<double> br;
  br.reserve((at.size() + 1) * n + 2);
  for (std::size_t j = 0; j < n; ++j) br.push_back(x[j]);
  br.push_back(1.0);
  for (std::size_t j = 0; j < n; ++j) {
    const double th = M_PI * x[j], c = std::cos(th), s = std::sin(th);
    for (const AtomD& m : at) {
      // A^{-1} v is parallel to adj(A) v = (d c - b s, -c c + a s).
      const double u1 = m.d * c - m.b * s, u2 = -m.c * c + m.a * s;
      double ang = std::atan2(u2, u1) / M_PI;
      ang -= std::floor(ang);
      if (ang > 0 && ang < 1) br.push_back(ang);
    }
  }
  std::sort(br.begin(), br.end());
  br.erase(std::unique(br.begin(), br.end()), br.end());
  std::vector<Cell> cells;
  cells.reserve(br.size());
  for (std::size_t i = 0; i + 1 < br.size(); ++i) {
    Cell c;
    c.a = br[i];
    c.b = br[i + 1];
    cells.push_back(std::move(c));
  }
  std::vector<double>().swap(br);
  std::size_t done = 0;
  for (Cell& c : cells) {
    evaluate_cell(ev, c);
    if ((++done & 255) == 0 && detail::past(deadline)) return std::nullopt;
  }
  // Refinement (LYAPND-POIS-4 (d)): bisect the cells whose enclosure reaches beyond the best point
  // values by more than a fraction of the current spread, and the cells that failed.
  const std::size_t cap = 4 * cells.size() + 64;
  for (int round = 0; round < max_rounds; ++round) {
    double s_lo = -std::numeric_limits<double>::infinity(), i_hi = std::numeric_limits<double>::infinity();
    for (const Cell& c : cells)
      if (std::isfinite(c.point_lo) && std::isfinite(c.point_hi)) {
        s_lo = std::max(s_lo, c.point_lo);
        i_hi = std::min(i_hi, c.point_hi);
      }
    const double spread = std::max(0.0, s_lo - i_hi);
    const double tau = 0.05 * spread + 1e-15 * std::max(1.0, std::fabs(s_lo));
    std::vector<Cell> next;
    next.reserve(std::min(cap + 2, 2 * cells.size()));  // never reallocates (LYAPND-POIS-5)
    std::size_t flagged = 0;
    for (Cell& c : cells) {
      const bool bad = !c.ok || c.hi > s_lo + tau || c.lo < i_hi - tau;
      const double m = c.a + (c.b - c.a) / 2;
      if (bad && m > c.a && m < c.b && cells.size() + flagged < cap) {
        ++flagged;
        Cell l, r;
        l.a = c.a;
        l.b = m;
        r.a = m;
        r.b = c.b;
        evaluate_cell(ev, l);
        evaluate_cell(ev, r);
        next.push_back(std::move(l));
        next.push_back(std::move(r));
        if ((++done & 255) == 0 && detail::past(deadline)) return std::nullopt;
      } else {
        next.push_back(std::move(c));
      }
    }
    cells.swap(next);
    if (flagged == 0) break;
  }
  // Proof: LYAPND-POIS-1, LYAPND-POIS-4 (a). [L, U] = [min of the lower endpoints, max of the upper
  // endpoints] over the partition of [0, 1]: L <= inf h <= Lambda <= sup h <= U.
  PoissonBounds out;
  out.cells = cells.size();
  out.binary64_evaluations = ev.binary64;
  out.arb_evaluations = ev.arb_cells;
  arf_t lo, hi, t;
  arf_init(lo);
  arf_init(hi);
  arf_init(t);
  arf_pos_inf(lo);
  arf_neg_inf(hi);
  bool all_ok = true;
  for (const Cell& c : cells) {
    if (!c.ok) {
      all_ok = false;
      break;
    }
    // Binary64 cells carry their bounds as doubles (exact in arf), Arb cells as balls (LYAPND-TRANS-7).
    if (c.binary64)
      arf_set_d(t, c.lo);
    else
      arb_get_lbound_arf(t, c.range.get(), prec);
    if (arf_cmp(t, lo) < 0) arf_set(lo, t);
    if (c.binary64)
      arf_set_d(t, c.hi);
    else
      arb_get_ubound_arf(t, c.range.get(), prec);
    if (arf_cmp(t, hi) > 0) arf_set(hi, t);
  }
  if (all_ok)
    arb_set_interval_arf(out.enclosure.get(), lo, hi, prec);
  else
    arb_zero_pm_inf(out.enclosure.get());
  arf_clear(lo);
  arf_clear(hi);
  arf_clear(t);
  out.h_width = all_ok ? hi_d(out.enclosure.get()) - lo_d(out.enclosure.get()) : std::numeric_limits<double>::infinity();
  if (!all_ok || transfer == nullptr || transfer->max_steps <= 0 || transfer->family == nullptr) return out;
  // Proof: LYAPND-TRANS-1 .. -4. Bounds of h on every cell of the final partition, then P^J h by the transfer
  // iteration on the arcs' image covers. The cells are reduced to their edges and bounds first: the iteration's
  // arrays take their place (LYAPND-POIS-5, LYAPND-TRANS-3 (d)).
  // Proof: LYAPND-POIS-5, LYAPND-TRANS-4. On the final level the rounds may grow the cells up to the count that
  // poisson_memory_bytes already reserves for the transfer arrays (2 (4 (k + 1) N + 64) + 64), at most 16x.
  const std::size_t partition_cap = 2 * (4 * (at.size() + 1) * n + 64) + 64;
  const std::size_t cell_cap = transfer->final_level
                                   ? std::max(2 * cells.size() + 64, std::min(16 * cells.size(), partition_cap))
                                   : 2 * cells.size() + 64;
  const std::size_t cells_at_first = cells.size();
  std::vector<double> edges, upper, lower;
  edges.reserve(cells.size() + 1);
  upper.reserve(cells.size());
  lower.reserve(cells.size());
  for (const Cell& c : cells) {
    edges.push_back(c.a);
    upper.push_back(c.hi);
    lower.push_back(c.lo);
  }
  edges.push_back(1.0);
  std::vector<Cell>().swap(cells);
  if (detail::past(deadline)) return out;
  // Proof: LYAPND-TRANS-3, -6 (d). The image arcs in binary64 when the cells are (Arb where that fails).
  const internal::ArcImager imager(*transfer->family, prec, ev.fast != nullptr);
  const internal::TransferWeights weights = internal::transfer_weights(*transfer->family);
  const std::size_t k = imager.atoms();
  std::vector<double> arc_s, arc_z;
  imager.images(edges, arc_s, arc_z);
  internal::TransferResult tr;
  double prev_width = out.h_width;
  // The rounds of an ordinary level iterate every partition and stop at 20 % gain or twice the cells. The final level
  // runs the same rounds first (so its enclosure lies inside an ordinary level's), then only refines: which cells
  // are halved depends on the mass estimate and the widths of h alone, not on the iteration, so the partitions in
  // between are not iterated; the refining stops when the estimated floor sum(mass x width) gains less than 3 %, at
  // the cell cap, or when the time left would not cover another round and the last iteration (timed from the
  // previous ones), and the last partition is iterated. Heuristic: any partition is valid (LYAPND-TRANS-4).
  const std::size_t ordinary_cap = 2 * cells_at_first + 64;
  bool refining_only = false;
  double prev_floor = std::numeric_limits<double>::infinity();
  double step_cell_seconds = 0, split_seconds = 0, cover_seconds = 0;
  int last_steps = 0;
  std::vector<double> carried_mass;  // the previous round's mass estimate on the refined cells
  for (int round = 0;; ++round) {
    // The covers and the mass estimate are not interrupted by the deadline: their time (measured) enters the model
    // below, so that a large final partition does not run past the budget.
    const auto tcov = Clock::now();
    const internal::ArcCover cover = imager.covers(edges, arc_s, arc_z);
    // The first round transports the uniform mass 64 steps; later rounds start from the previous estimate carried to
    // the refined cells (a half gets half its parent's), so 16 steps do (heuristic: only the choice of cells to
    // halve depends on it, LYAPND-TRANS-4).
    const std::vector<double> mass =
        internal::stationary_estimate(cover, weights, round == 0 ? 64 : 16, round == 0 ? nullptr : &carried_mass);
    cover_seconds = std::chrono::duration<double>(Clock::now() - tcov).count();
    out.transfer_rounds = round + 1;
    double floor = 0;
    for (std::size_t c = 0; c < upper.size(); ++c) floor += mass[c] * (upper[c] - lower[c]);
    bool last = false;
    const char* why = "ordinary rounds";
    if (refining_only) {
      const double cells = static_cast<double>(upper.size());
      const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
      const bool no_gain = !(floor < 0.97 * prev_floor), full = edges.size() + edges.size() / 5 > cell_cap;
      last = no_gain || full ||
             left < 1.5 * (split_seconds + 1.2 * cover_seconds + step_cell_seconds * last_steps * 1.2 * cells);
      why = no_gain ? "gain" : full ? "cells" : "time";
    }
    prev_floor = floor;
    if (!refining_only || last) {
      if (transfer->floor) {
        PoissonFloorCells& fc = *transfer->floor;
        fc.edges = edges;
        fc.mass = mass;
        fc.upper = upper;
        fc.lower = lower;
        fc.rounds = round + 1;
        fc.stop = why;
      }
      const auto ti = Clock::now();
      const internal::TransferResult r = internal::transfer_iterate_arcs(
          upper, lower, cover, weights, transfer->max_steps, transfer->target_width, deadline);
      if (r.steps > 0) {
        step_cell_seconds = std::chrono::duration<double>(Clock::now() - ti).count() /
                            (static_cast<double>(r.steps) * static_cast<double>(upper.size()));
        last_steps = r.steps;
      }
      // Every round's bounds are valid (LYAPND-TRANS-1): keep the best of each end.
      tr.lower = std::max(tr.lower, r.lower);
      tr.upper = std::min(tr.upper, r.upper);
      tr.steps += r.steps;
      const double width = tr.upper - tr.lower;
      if (transfer->floor && !(width > transfer->target_width)) transfer->floor->stop = "target";
      if (last || !(width > transfer->target_width) || r.steps == 0 || detail::past(deadline)) break;
      const bool ordinary_stop = !(width < 0.8 * prev_width) || edges.size() + edges.size() / 5 > ordinary_cap;
      if (ordinary_stop && !transfer->final_level) break;
      if (ordinary_stop) {
        if (edges.size() + edges.size() / 5 > cell_cap) break;
        refining_only = true;
      }
      prev_width = width;
    }
    const auto ts = Clock::now();
    // Proof: LYAPND-TRANS-4 (the choice is heuristic, any choice is valid). Greedy on the estimated stationary mass
    // times width of h: the piece with the largest product is certified afresh in halves, each half (mass estimate:
    // half the parent's) goes back into the queue, so the few steep cells that make most of the floor are split
    // several times in one round, until a fifth of the cells' count of splits is spent.
    const std::size_t n = upper.size();
    const std::size_t pick = std::max<std::size_t>(1, n / 5);
    struct Piece {
      double a, b, u, l, mass;
      std::int64_t cell;   // the cell of the round's partition it lies in
      std::int64_t arcs;   // its left edge's arcs: -1 = the cell's own edge, else index into new_arcs (k each)
      int depth;
      bool leaf;
    };
    std::vector<Piece> pieces;
    std::vector<double> new_s, new_z;
    std::vector<char> touched(n, 0);
    // The queue starts with the cells whose score is among the pick largest (a split piece's halves join it).
    using Entry = std::pair<double, std::int64_t>;  // score, id (>= 0: a cell; < 0: piece -id - 1)
    std::vector<Entry> heap;
    {
      std::vector<double> sorted(n);
      for (std::size_t c = 0; c < n; ++c) sorted[c] = mass[c] * (upper[c] - lower[c]);
      std::vector<double> tmp = sorted;
      std::nth_element(tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(n - pick), tmp.end());
      const double threshold = tmp[n - pick];
      for (std::size_t c = 0; c < n; ++c)
        if (sorted[c] >= threshold && sorted[c] > 0) heap.emplace_back(sorted[c], static_cast<std::int64_t>(c));
      // Ties at the threshold could add more: keep pick entries, so that at most pick + 2 x pick pieces and queue
      // entries exist (the memory count of LYAPND-TRANS-3 (d)).
      if (heap.size() > pick) {
        std::nth_element(heap.begin(), heap.begin() + static_cast<std::ptrdiff_t>(pick), heap.end(),
                         [](const Entry& x, const Entry& y) { return x > y; });
        heap.resize(pick);
      }
      std::make_heap(heap.begin(), heap.end());
    }
    std::size_t split = 0;
    std::vector<double> ms(k), mz(k);
    while (split < pick && !heap.empty()) {
      std::pop_heap(heap.begin(), heap.end());
      const Entry top = heap.back();
      heap.pop_back();
      std::size_t pi;
      if (top.second >= 0) {
        const auto c = static_cast<std::size_t>(top.second);
        pieces.push_back({edges[c], edges[c + 1], upper[c], lower[c], mass[c], top.second, -1, 0, true});
        touched[c] = 1;
        pi = pieces.size() - 1;
      } else {
        pi = static_cast<std::size_t>(-top.second - 1);
      }
      const Piece p = pieces[pi];
      const double m = p.a + (p.b - p.a) / 2;
      if (!(m > p.a && m < p.b) || p.depth >= 16) continue;
      Cell left, right;
      left.a = p.a;
      left.b = m;
      right.a = m;
      right.b = p.b;
      evaluate_cell(ev, left);
      evaluate_cell(ev, right);
      if (!left.ok || !right.ok) continue;
      ++split;
      pieces[pi].leaf = false;
      imager.image(m, ms.data(), mz.data());
      const auto arc_id = static_cast<std::int64_t>(new_s.size() / k);
      new_s.insert(new_s.end(), ms.begin(), ms.end());
      new_z.insert(new_z.end(), mz.begin(), mz.end());
      // A half's bounds can only be narrower than the piece's: intersect (both are valid on the half).
      const Piece halves[2] = {
          {p.a, m, std::min(p.u, left.hi), std::max(p.l, left.lo), p.mass / 2, p.cell,
           p.arcs, p.depth + 1, true},
          {m, p.b, std::min(p.u, right.hi), std::max(p.l, right.lo), p.mass / 2, p.cell,
           arc_id, p.depth + 1, true}};
      for (const Piece& h : halves) {
        pieces.push_back(h);
        const double sc = h.mass * (h.u - h.l);
        if (sc > 0) {
          heap.emplace_back(sc, -static_cast<std::int64_t>(pieces.size()));
          std::push_heap(heap.begin(), heap.end());
        }
      }
      if ((split & 255) == 0 && detail::past(deadline)) break;  // the pieces so far are kept
    }
    std::vector<std::size_t> leaves;
    for (std::size_t i = 0; i < pieces.size(); ++i)
      if (pieces[i].leaf) leaves.push_back(i);
    std::sort(leaves.begin(), leaves.end(), [&](std::size_t x, std::size_t y) { return pieces[x].a < pieces[y].a; });
    std::vector<double> e2, u2, l2, s2, z2, m2;
    const std::size_t n2 = n + split;
    e2.reserve(n2 + 1);
    m2.reserve(n2);
    u2.reserve(n2);
    l2.reserve(n2);
    s2.reserve((n2 + 1) * k);
    z2.reserve((n2 + 1) * k);
    auto keep = [&](double e, double u, double l, double ms0, const double* s0, const double* z0) {
      e2.push_back(e);
      u2.push_back(u);
      l2.push_back(l);
      m2.push_back(ms0);
      s2.insert(s2.end(), s0, s0 + k);
      z2.insert(z2.end(), z0, z0 + k);
    };
    std::size_t li = 0;
    for (std::size_t c = 0; c < n; ++c) {
      if (!touched[c]) {
        keep(edges[c], upper[c], lower[c], mass[c], &arc_s[c * k], &arc_z[c * k]);
        continue;
      }
      // The leaves of a touched cell tile it and come next in the sorted order (cells do not overlap).
      for (; li < leaves.size() && pieces[leaves[li]].cell == static_cast<std::int64_t>(c); ++li) {
        const Piece& p = pieces[leaves[li]];
        if (p.arcs < 0)
          keep(p.a, p.u, p.l, p.mass, &arc_s[c * k], &arc_z[c * k]);
        else
          keep(p.a, p.u, p.l, p.mass, &new_s[static_cast<std::size_t>(p.arcs) * k],
               &new_z[static_cast<std::size_t>(p.arcs) * k]);
      }
    }
    if (li != leaves.size() || u2.size() != n2)
      throw std::logic_error("certify_poisson_bounds: the refined cells do not tile the partition");  // a bug
    e2.push_back(1.0);
    s2.insert(s2.end(), arc_s.end() - static_cast<std::ptrdiff_t>(k), arc_s.end());
    z2.insert(z2.end(), arc_z.end() - static_cast<std::ptrdiff_t>(k), arc_z.end());
    edges.swap(e2);
    upper.swap(u2);
    lower.swap(l2);
    arc_s.swap(s2);
    arc_z.swap(z2);
    carried_mass.swap(m2);
    split_seconds = std::chrono::duration<double>(Clock::now() - ts).count();
    if (split == 0 || detail::past(deadline)) break;
    // The next round's covers and mass estimate (about 1.2x this round's cells) must fit in the time left.
    if (std::chrono::duration<double>(deadline - Clock::now()).count() < 1.2 * cover_seconds) break;
  }
  out.transfer_steps = tr.steps;
  out.transfer_cells = upper.size();
  out.binary64_evaluations = ev.binary64;
  out.arb_evaluations = ev.arb_cells;
  if (tr.steps == 0) return out;
  // Both enclosures contain Lambda; their intersection does too (LYAPND-TRANS-1, LYAPND-POIS-4 (e)). Only a
  // narrower transfer enclosure is used, so that a many-digit enclosure of h is never coarsened to binary64.
  if (!(tr.lower <= tr.upper) || !(tr.upper - tr.lower < out.h_width)) return out;
  exact::Arf al, au;
  arf_set_d(al, tr.lower);
  arf_set_d(au, tr.upper);
  Ball t_ball, y;
  arb_set_interval_arf(t_ball.get(), al, au, prec);
  if (!arb_intersection(y.get(), out.enclosure.get(), t_ball.get(), prec))
    throw std::logic_error("certify_poisson_bounds: the transfer bounds miss the certified ones");
  out.enclosure = std::move(y);
  return out;
}

}  // namespace

double estimate_poisson_spread(const laws::FiniteMatrices& f, const std::vector<double>& x,
                               const std::vector<double>& g, double* mid) {
  check_mesh(x, "estimate_poisson_spread");
  if (g.size() != x.size()) throw InputError("estimate_poisson_spread: g and the mesh differ in size");
  const std::vector<AtomD> at = atoms_d(f);
  const std::size_t n = x.size();
  const Mesh mesh(x);
  auto gv = [&](double y) {
    y -= std::floor(y);
    if (!(y >= 0 && y < 1)) y = 0;
    const std::int64_t m = mesh.locate(y);
    const double x0 = mesh.node(m), x1 = mesh.node(m + 1);
    const double g0 = g[static_cast<std::size_t>(mesh.wrap(m))], g1 = g[static_cast<std::size_t>(mesh.wrap(m + 1))];
    return g0 + (y - x0) / (x1 - x0) * (g1 - g0);
  };
  auto h = [&](double t) {
    const double c = std::cos(M_PI * t), s = std::sin(M_PI * t);
    double acc = -gv(t);
    for (const AtomD& m : at) {
      const double w1 = m.a * c + m.b * s, w2 = m.c * c + m.d * s;
      acc += m.p * (0.5 * std::log(w1 * w1 + w2 * w2) + gv(std::atan2(w2, w1) / M_PI));
    }
    return acc;
  };
  // Sample points: the nodes, their preimages under each atom (where h has kinks) and the midpoints between
  // consecutive sample points (where the bumps of h between kinks are largest).
  std::vector<double> pts(x);
  for (std::size_t j = 0; j < n; ++j) {
    const double c = std::cos(M_PI * x[j]), s = std::sin(M_PI * x[j]);
    for (const AtomD& m : at) {
      double ang = std::atan2(-m.c * c + m.a * s, m.d * c - m.b * s) / M_PI;
      ang -= std::floor(ang);
      if (ang >= 0 && ang < 1) pts.push_back(ang);
    }
  }
  std::sort(pts.begin(), pts.end());
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const double a = pts[i], b = i + 1 < pts.size() ? pts[i + 1] : 1.0;
    for (double t : {a, a + (b - a) / 2}) {
      const double v = h(t);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (mid) *mid = lo + (hi - lo) / 2;
  return hi - lo;
}

std::uint64_t poisson_memory_bytes(const laws::FiniteMatrices& f, int nodes, slong prec) {
  std::uint64_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const std::uint64_t n = static_cast<std::uint64_t>(nodes);
  // Proof: LYAPND-POIS-5. Mesh and grid vectors (nodes, g, phi, y, z: 8 bytes each; the previous level's
  // nodes and g, kept for the warm start: at most 16 bytes per node; the binary64 evaluator's slope enclosures
  // and search buckets: 16 + 8 bytes per node), transitions (12 bytes per atom
  // and node), breakpoints (8 bytes, (k + 1) N + 1), cells (<= 4 (k + 1) N + 64 after refinement, two
  // generations alive during a round, sizeof(Cell) <= 112 with the arb limbs inline at <= 128 bits, plus
  // the heap limbs of the cell's ball above 128 bits: 8 bytes per limb, with allocator slack 16).
  // The transfer iteration after the last round (LYAPND-TRANS-3 (d)) runs after the cells are released: the larger
  // of the two counts.
  const std::uint64_t cells = 4 * (k + 1) * n + 64;
  const std::uint64_t limbs = prec > 128 ? 16 * static_cast<std::uint64_t>((prec + 63) / 64 + 1) : 0;
  return n * (80 + 12 * k) + ((k + 1) * n + 2) * 8 +
         std::max<std::uint64_t>(2 * cells * (112 + limbs), internal::transfer_arcs_memory_bytes(2 * cells + 64, k)) +
         (1u << 20);
}

Result run_poisson(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline) {
  if (d == 3 || d == 4) return run_poisson_nd(f, d, opt, deadline);  // Proof: LYAPND-POIS-6..10
  if (d != 2)
    throw InputError(fmt::format("--method poisson: the Poisson certificate needs d = 2, 3 or 4 (got d = {})", d));
  require_invertible_2x2(f, d, "--method poisson");
  const int digits = opt.acc.digits;
  const slong prec =
      std::min<slong>(opt.acc.max_bits, std::max<slong>(64, static_cast<slong>(std::ceil(digits * 3.33)) + 20));
  std::size_t k = 0;
  for (const auto& p : f.probs)
    if (p > 0) ++k;
  const std::uint64_t budget_bytes = mib_to_bytes(opt.max_memory_mib);
  constexpr int kMaxNodes = 1 << 21;
  Result r;
  r.top.method = "poisson";
  r.top.digits_requested = digits;
  r.top.bits_used = prec;
  std::optional<Ball> best;
  std::vector<double> widths;
  int best_n = 0, iters = 0;
  std::uint64_t best_cells = 0, best_bytes = 0;
  int transfer_steps = 0, transfer_rounds = 0;
  std::uint64_t transfer_cells = 0;
  double h_width = 0;
  constexpr int kTransferMaxSteps = 20000;
  bool reached = false, timed_out = false, memory_hit = false, stagnated = false, capped = false;
  bool overflow = false, level_capped = false;
  double last_seconds = 0;
  int level = 0;  // index of the current mesh level (opt.max_levels caps their number)
  // Level 0: the uniform grid of 256 nodes; each later level splits the half of the cells of the previous
  // mesh with the largest interpolation-error indicator (refine_poisson_mesh), so the node count grows by
  // 1.5x per level and the nodes concentrate where g is rough (LYAPND-POIS-11). A level is certified (the
  // expensive, rigorous step) only at the first level, when the binary64 estimate of the spread of h
  // predicts the requested digits, when the next level would not fit in the time left, or at the caps;
  // the other levels only solve and estimate (heuristic; LYAPND-POIS-11 (f)).
  std::vector<double> x = uniform_mesh(256), prev_x, prev_g;
  int n = 256;
  double solve_rate = 0, cert_rate = 0;  // seconds per node, measured
  bool force_certify = false;            // the next level is the last one that fits: certify it
  std::vector<double> est_widths;
  while (true) {
    const std::uint64_t bytes = poisson_memory_bytes(f, n, prec);
    if (bytes > budget_bytes) {
      memory_hit = true;
      break;
    }
    const auto t0 = Clock::now();
    // Iteration cap: about 4e8 multiply-adds per level.
    const int max_it = static_cast<int>(std::clamp<double>(4e8 / (2.0 * static_cast<double>(k) * n), 50, 20000));
    int it = 0;
    std::vector<double> g = poisson_mesh_solution(f, x, prev_x, prev_g, max_it, deadline, &it);
    if (!std::all_of(g.begin(), g.end(), [](double v) { return std::isfinite(v); })) {
      // The binary64 heuristic overflowed (entries or their logarithms beyond binary64): g = 0 is admissible
      // too (LYAPND-POIS-1 holds for every g) and certifies [inf phi, sup phi] in exact-input Arb arithmetic.
      // A finer mesh would overflow the same way, so this level is certified and is the last.
      std::fill(g.begin(), g.end(), 0.0);
      overflow = true;
    }
    double est_mid = 0;
    double est = overflow ? std::numeric_limits<double>::infinity() : estimate_poisson_spread(f, x, g, &est_mid);
    if (!std::isfinite(est)) est = std::numeric_limits<double>::infinity();
    est_widths.push_back(est);
    const auto t1 = Clock::now();
    solve_rate = std::chrono::duration<double>(t1 - t0).count() / n;  // the latest level's rate
    const double target = 0.5 * std::pow(10.0, -digits) * std::max(1.0, std::fabs(est_mid));
    const double left = std::chrono::duration<double>(deadline - t1).count();
    // The certification's cost per node grows as the width shrinks (more cells are bisected): factor 1.3.
    const double per_node = 1.1 * solve_rate + 1.3 * cert_rate;
    const double next_cost = 1.5 * n * per_node;
    // When a full level (x1.5) no longer fits but a smaller one does, refine by what fits and certify that
    // (the last level then uses the time left instead of stopping early).
    const double affordable = per_node > 0 ? left / per_node : 0;
    const bool last_partial = best && !force_certify && left < next_cost && affordable > 1.15 * n &&
                              est > 0.5 * target && n < kMaxNodes;
    const std::size_t es = est_widths.size();
    const bool est_stalled = n >= 4096 && es >= 4 && est_widths[es - 1] > 0.97 * est_widths[es - 4];
    // Also certify when the estimate is 10x below the last certified width and the certification is cheap
    // relative to the time left: a recent certified level is the fallback if a later one is cut off.
    const bool checkpoint = !widths.empty() && est < 0.1 * widths.back() && 2 * n * cert_rate < 0.25 * left;
    // The last level that --max-levels allows is always certified, and the run ends there (a deterministic cap).
    const bool last_level = opt.max_levels > 0 && level + 1 >= opt.max_levels;
    const bool certify_now = !best || overflow || force_certify || est <= 0.5 * target || last_level ||
                             (left < next_cost && !last_partial) || checkpoint ||
                             n >= kMaxNodes || est_stalled;
    // Certify this level; false when the deadline passed during the certification.
    bool certified = false;
    // final: the run ends after this level (unless a smaller last level follows), so its transfer rounds may use
    // the time left (TransferControl::final_level).
    auto certify_level = [&](bool final) {
      certified = true;
      const auto tc = Clock::now();
      // The transfer iteration (LYAPND-TRANS-1) after every certified level: it stops at the requested width,
      // when it stalls (typically 20-200 steps), or at the deadline.
      const double transfer_target = 0.4 * std::pow(10.0, -digits) * std::max(1.0, 0.9 * std::fabs(est_mid));
      // Proof: LYAPND-TRANS-7. Binary64 cell bounds where their rounding noise at a point stays below a twentieth of
      // the width aimed at, or 1e-6 of the level's estimated spread of h (the transfer rounds narrow that spread
      // typically 1e2 - 1e4 times, so the noise stays at about 1 % of what they reach); Arb for the rest, and everywhere when opt.poisson_binary64_cells is off or
      // above 64 bits (more than 13 digits asked: binary64 could not meet that tolerance anyway).
      const double binary64_tolerance =
          opt.poisson_binary64_cells && prec <= 64
              ? std::max(0.05 * transfer_target, std::isfinite(est) ? 1e-6 * est : 0.0)
              : 0.0;
      const std::optional<PoissonBounds> b = certify_poisson_bounds_mesh(f, x, g, prec, deadline, kTransferMaxSteps,
                                                                         transfer_target, final, binary64_tolerance);
      if (!b) return false;
      const auto t2 = Clock::now();
      cert_rate = std::chrono::duration<double>(t2 - tc).count() / n;
      last_seconds = std::chrono::duration<double>(t2 - t0).count();
      if (!best) {
        best = b->enclosure;
      } else if (arb_is_finite(b->enclosure.get())) {
        Ball y;
        // Proof: LYAPND-POIS-4 (e). Both contain Lambda, so they overlap; the intersection contains Lambda too.
        if (arb_intersection(y.get(), best->get(), b->enclosure.get(), prec)) best = std::move(y);
      }
      best_n = n;
      best_cells = b->cells;
      transfer_steps = b->transfer_steps;
      transfer_rounds = b->transfer_rounds;
      transfer_cells = b->transfer_cells;
      h_width = b->h_width;
      best_bytes = bytes;
      iters = it;
      widths.push_back(2 * mag_get_d(arb_radref(best->get())));
      return true;
    };
    if (certify_now) {
      const bool final = overflow || force_certify || last_level || n >= kMaxNodes || est_stalled ||
                         (left < next_cost && !last_partial);
      if (!certify_level(final)) {
        timed_out = true;
        break;
      }
      if (best->is_finite() && !best->contains_zero() && lyap::internal_width_ok(*best, digits)) {
        reached = true;
        break;
      }
      if (overflow) break;
      // Several stationary measures with different integrals of phi (reducible families) keep the width
      // bounded below (LYAPND-POIS-2): stop when the estimated spread stalled over three refinements.
      if (est_stalled) {
        stagnated = true;
        break;
      }
    }
    const double left2 = std::chrono::duration<double>(deadline - Clock::now()).count();
    bool stop = false;
    const double per_node2 = 1.1 * solve_rate + 1.3 * cert_rate;  // cert_rate may have just been updated
    const double affordable2 = per_node2 > 0 ? left2 / per_node2 : 0;
    bool partial = last_partial;
    if (!partial && !force_certify && left2 < 1.5 * n * per_node2 && affordable2 > 1.15 * n && n < kMaxNodes) {
      partial = true;  // after a certification that missed the digits: one last, smaller level
    }
    const double afford = last_partial ? affordable : affordable2;
    if (core::stop_requested()) {  // an interrupt or the caller's budget: the best certified level stands
      timed_out = true;
      stop = true;
    } else if (last_level) {
      level_capped = true;
      stop = true;
    } else if (partial) {
      // fall through to a partial refinement below
    } else if (left2 <= 0 || left2 < next_cost) {
      timed_out = true;
      stop = true;
    } else if (n >= kMaxNodes) {
      capped = true;
      stop = true;
    }
    std::vector<double> nx;
    if (!stop) {
      const std::size_t extra =
          partial ? std::min<std::size_t>(x.size() / 2, static_cast<std::size_t>(afford) - x.size()) : x.size() / 2;
      nx = refine_poisson_mesh(x, g, extra);
      force_certify = partial;
      if (nx.size() == x.size()) {
        capped = true;  // every cell is at the finest width 2^-40
        stop = true;
      }
    }
    if (stop) {
      if (!certified && !certify_level(true)) timed_out = true;
      if (best && best->is_finite() && !best->contains_zero() && lyap::internal_width_ok(*best, digits))
        reached = true;
      break;
    }
    prev_x = std::move(x);
    prev_g = std::move(g);
    x = std::move(nx);
    n = static_cast<int>(x.size());
    ++level;
  }
  r.timed_out = timed_out;
  r.memory_limited = memory_hit;
  r.memory_estimate_bytes = best_bytes;
  if (!best) {
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.converged = false;
    r.top.message = memory_hit ? fmt::format("the memory budget of {} MiB (--max-memory) is below the first "
                                             "level's estimate (LYAPND-POIS-5): nothing was certified",
                                             opt.max_memory_mib)
                               : "the time budget ended before the first level was certified";
    return r;
  }
  r.top.value.ball = *best;
  if (best->is_finite() && !best->contains_zero())
    r.top.value.sign = arb_is_positive(best->get()) ? lyap::Sign::positive : lyap::Sign::negative;
  r.top.converged = reached;
  std::string note = fmt::format(
      "Poisson certificate (LYAPND-POIS-1): piecewise-linear g on an adaptive mesh of N = {} nodes ({} "
      "transfer-operator steps), "
      "inf/sup of phi + Pg - g certified over {} boxes",
      best_n, iters, best_cells);
  if (transfer_steps > 0)
    note += fmt::format("; transfer iteration on the cell bounds (LYAPND-TRANS-1): {} steps in {} rounds, {} cells "
                        "at the end, width of h {:.3g} -> {:.3g}",
                        transfer_steps, transfer_rounds, transfer_cells, h_width,
                        2 * mag_get_d(arb_radref(best->get())));
  if (!reached) {
    note += overflow     ? "; the binary64 grid solution overflowed (matrix entries beyond the binary64 range), so "
                           "g = 0 was certified instead (the bounds inf phi, sup phi): best certified enclosure printed"
            : timed_out  ? fmt::format("; time budget of {} s exhausted: best certified enclosure printed",
                                       opt.time_budget_seconds)
            : memory_hit ? fmt::format("; the memory budget of {} MiB (--max-memory) would be exceeded by N = {} "
                                       "(LYAPND-POIS-5): best certified enclosure printed",
                                       opt.max_memory_mib, n)
            : stagnated  ? "; the enclosure stopped shrinking as N grew (several stationary measures, e.g. a "
                           "reducible family, keep inf h < sup h: LYAPND-POIS-2): best certified enclosure printed"
            : capped     ? fmt::format("; mesh cap (N = {} nodes or cells of width 2^-{}) reached: best certified "
                                       "enclosure printed",
                                       kMaxNodes, kMeshBits)
            : level_capped ? fmt::format("; level cap (--max-levels {}) reached: best certified enclosure printed",
                                         opt.max_levels)
                         : "; requested digits not reached";
    if (best->contains_zero()) note += "; the sign is undetermined (no exact zero test for this method)";
  }
  r.top.message = note;
  return r;
}

}  // namespace lyapcert::lyapnd
