#include "lyapcert/fast/xy_grad.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "lyapcert/fast/gaussian.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/sum.hpp"
#include "lyapcert/fast/xy.hpp"

namespace lyapcert::fast {
namespace {

using R = OutwardRounding;
using boost::numeric::empty;
using boost::numeric::square;

constexpr double kLargeX = 16.0;         // switch to the asymptotic expansion (FAST-GAUSS-5, n <= 3x/8)
constexpr double kSeriesTol = 0x1p-40;   // truncation targets (cost only)
constexpr int kMaxCells = 800;          // refinement budget (cost only)
constexpr double kRelTarget = 0.1;       // target contribution width per unit mass, relative (cost only)

bool finite(const OutwardInterval& x) { return std::isfinite(x.lower()) && std::isfinite(x.upper()); }

// Both a and b contain the exact value: so does their intersection (never empty for valid enclosures; the hull
// is returned if rounding ever made it so, which is still valid).
OutwardInterval meet(const OutwardInterval& a, const OutwardInterval& b) {
  const OutwardInterval r = boost::numeric::intersect(a, b);
  return empty(r) ? boost::numeric::hull(a, b) : r;
}

// q(x) = 1F1(1; 3/2; -x) = e^{-x} sum_j x^j/(j! (2j+1)) for one double x in [0, 16], tail after J >= 2x terms
// <= 2 (next term). Proof: FAST-XYG-2.
OutwardInterval q_small_point(double x) {
  const OutwardInterval xs(x);
  OutwardInterval term(1.0);  // x^j / j!
  OutwardInterval sum(0.0);
  for (int j = 0; j < 1000; ++j) {
    const OutwardInterval t = term / OutwardInterval(2.0 * j + 1.0);
    if (j >= 1 && j >= 2.0 * x && t.upper() <= kSeriesTol * sum.lower()) {
      sum += OutwardInterval(0.0, R::mul_up(2.0, t.upper()));
      return sum * fast::exp(-xs);
    }
    sum += t;
    term = term * xs / OutwardInterval(j + 1.0);
  }
  return OutwardInterval(0.0, 1.0);  // not reached for x <= 16; 0 < q <= 1 (FAST-XYG-2)
}

// Upper bound of x e^{-3x/4} for every x >= xl >= 16 (decreasing for x > 4/3). Proof: FAST-XYG-2.
double exp_tail_bound(double xl) {
  return (OutwardInterval(xl) * fast::exp(OutwardInterval(-0.75) * OutwardInterval(xl))).upper();
}

// q(x) for one double x >= 16 (x = +inf gives 0): FAST-GAUSS-5 with n <= min(40, 3x/8). Proof: FAST-XYG-2.
OutwardInterval q_large_point(double x) {
  if (!(x < kInf)) return OutwardInterval(0.0);
  const OutwardInterval xs(x);
  const int n_max = static_cast<int>(std::min(40.0, std::floor(3.0 * x / 8.0)));
  OutwardInterval p = OutwardInterval(1.0) / (OutwardInterval(2.0) * xs);  // p_0
  const double p0 = p.lower();
  OutwardInterval sum(0.0);
  int n = 0;
  while (true) {
    sum += p;
    ++n;
    p = p * OutwardInterval(n - 0.5) / xs;  // p_n
    if (n >= n_max || R::mul_up(4.0, p.upper()) <= kSeriesTol * p0) break;
  }
  const double tail = R::div_up(exp_tail_bound(x), x);  // e^{-3x/4}
  const double lower_extra = R::div_up(R::mul_up(4.0, tail), x);
  const double upper_extra = R::add_up(R::mul_up(4.0, p.upper()), R::mul_up(0.5, tail));
  return sum + OutwardInterval(-lower_extra, upper_extra);
}

OutwardInterval q_point(double x) { return x <= kLargeX ? q_small_point(x) : q_large_point(x); }

// q over an interval X (0 <= X.lower()): q is decreasing. Proof: FAST-XYG-2.
OutwardInterval q_range(const OutwardInterval& xs) {
  return OutwardInterval(q_point(xs.upper()).lower(), q_point(xs.lower()).upper());
}

// E(x) = 1 - 2 x q(x) for every x in xs, xs.lower() >= 16 (upper may be +inf): E = -sum_{1<=k<n} a_k - 2x R_n,
// a_k = (1/2)_k x^{-k}, 2x R_n in [-8 e^{-3x/4}, 4 a_n + x e^{-3x/4}]. Proof: FAST-XYG-2.
OutwardInterval e_large(const OutwardInterval& xs) {
  const double xl = xs.lower();
  const int n_max = static_cast<int>(std::min(40.0, std::floor(3.0 * xl / 8.0)));  // >= 6
  const double scale = 0.5 / xl;
  OutwardInterval a(1.0);  // a_0
  IntervalSum sum;
  int n = 1;
  for (;; ++n) {
    a = a * OutwardInterval(n - 0.5) / xs;  // a_n
    if (n >= n_max || a.upper() <= kSeriesTol * scale) break;
    sum.add(a);
  }
  const double xe = exp_tail_bound(xl);             // >= x e^{-3x/4} on xs
  const double e34 = R::div_up(xe, xl);              // >= e^{-3x/4} on xs
  const double lo = R::add_up(R::mul_up(4.0, a.upper()), xe);
  const double hi = R::mul_up(8.0, e34);
  return OutwardInterval(-lo, hi) - sum.result();
}

// E(x) = 1 - 2 x q(x) in [-1, 1] for every x in xs (0 <= xs.lower(), upper may be +inf). Proof: FAST-XYG-2.
OutwardInterval e_range(const OutwardInterval& xs) {
  const OutwardInterval unit(-1.0, 1.0);
  OutwardInterval res = OutwardInterval::empty();
  if (xs.lower() <= kLargeX) {
    const double xl = xs.lower();
    const double xh = std::min(xs.upper(), kLargeX);
    // 2 x q(x) in [2 xl q(xh), 2 xh q(xl)] (x >= 0 increasing, q > 0 decreasing).
    const OutwardInterval qx(q_small_point(xh).lower(), q_small_point(xl).upper());
    const double tq_lo = R::mul_down(2.0 * xl, qx.lower());
    const double tq_hi = R::mul_up(2.0 * xh, qx.upper());
    res = meet(OutwardInterval(1.0) - OutwardInterval(std::max(0.0, tq_lo), std::max(0.0, tq_hi)), unit);
    if (xh > xl) {
      // Mean value form with E'(x) = (2x - 1) q(x) - 1 (FAST-XYG-2).
      const OutwardInterval xi(xl, xh);
      const double xm = R::median(xl, xh);
      const OutwardInterval em = OutwardInterval(1.0) - OutwardInterval(2.0) * OutwardInterval(xm) * q_small_point(xm);
      const OutwardInterval de = (OutwardInterval(2.0) * xi - OutwardInterval(1.0)) * qx - OutwardInterval(1.0);
      res = meet(res, em + de * (xi - OutwardInterval(xm)));
    }
  }
  if (xs.upper() > kLargeX) {
    const OutwardInterval big = e_large(OutwardInterval(std::max(xs.lower(), kLargeX), xs.upper()));
    res = empty(res) ? big : boost::numeric::hull(res, big);
  }
  return meet(res, unit);
}

struct Params {
  OutwardInterval lr, gamma, k, sigma;
  OutwardInterval sk;           // s k
  OutwardInterval a, c, w;      // a = 1 - gamma lr, c = s lr k/S, w = lr sigma/S
  OutwardInterval alpha, beta;  // m/v = alpha/t + beta t: alpha = (1/lr - gamma) S/sigma, beta = s k/sigma
  OutwardInterval skS;          // s k/S
  OutwardInterval chi_k;        // K_S
  unsigned S;
  // Scaled variable t = rho u, rho^2 = |a/c| (FAST-XYG-3): m = a (1 + sig u^2), sig = sign(c/a).
  OutwardInterval rho, ap;      // ap = a/(w rho)
  double sig;
  // aligned: rho = sqrt|a/c| (pole at u = 1); otherwise rho = 1 (u = t, parameter-free chi weight).
  bool aligned;
};

// The two integrands f1 = G_m (-gamma + s k t^2/S) + E/lr, f2 = E/sigma at t = rho u, u in uu, every parameter
// in the box. Aligned: m = a (1 + sig u^2), v = w rho u, z = m/v = ap (1/u + sig u),
// -gamma + s k t^2/S = -gamma + sig (a/lr) u^2. Plain (u = t): z = alpha/t + beta t.
// Proof: FAST-XYG-1, FAST-XYG-3.
void integrands(const Params& p, const OutwardInterval& uu, OutwardInterval& f1, OutwardInterval& f2) {
  const OutwardInterval u2 = square(uu);
  const OutwardInterval sg(p.sig);
  const OutwardInterval inv_u2 = OutwardInterval(1.0) / u2;
  OutwardInterval z, uf, r1, r2;
  if (p.aligned) {
    z = p.ap * (OutwardInterval(1.0) / uu + sg * uu);
    uf = sg * (p.a / p.lr) * u2 - p.gamma;  // -gamma + s k t^2/S
    // uf/m = (sig u^2/lr - gamma/a)/(1 + sig u^2) = (sig/lr - gamma/(a u^2))/(sig + 1/u^2).
    r1 = (sg * u2 / p.lr - p.gamma / p.a) / (OutwardInterval(1.0) + sg * u2);
    r2 = (sg / p.lr - p.gamma / p.a * inv_u2) / (sg + inv_u2);
  } else {
    // u = t: z = alpha/t + beta t, uf = skS t^2 - gamma, uf/m = (skS t^2 - gamma)/(a + c t^2)
    // = (skS - gamma/t^2)/(c + a/t^2).
    z = p.alpha / uu + p.beta * uu;
    uf = p.skS * u2 - p.gamma;
    r1 = uf / (p.a + p.c * u2);
    r2 = (p.skS - p.gamma * inv_u2) / (p.c + p.a * inv_u2);
  }
  const OutwardInterval xs = square(z) * OutwardInterval(0.5);
  const OutwardInterval e = e_range(xs);
  OutwardInterval gm_u;
  if (z.lower() > 0.0 || z.upper() < 0.0) {
    gm_u = (OutwardInterval(1.0) - e) * meet(r1, r2);  // G_m uf = (1 - E) uf/m
  } else {
    // G_m = z q(X)/v, |G_m| <= sqrt2/v (CONT-XYD-3(a)).
    const OutwardInterval inv_v = OutwardInterval(1.0) / (p.w * p.rho * uu);
    const double sqrt2_up = R::sqrt_up(2.0);
    const OutwardInterval bound = OutwardInterval(-sqrt2_up, sqrt2_up) * inv_v;
    const OutwardInterval gm = meet(z * inv_v * q_range(xs), bound);
    gm_u = gm * uf;
  }
  f1 = gm_u + e / p.lr;
  f2 = e / p.sigma;
}

// K_S = 2^{1 - S/2}/Gamma(S/2). Proof: FAST-XYG-4.
OutwardInterval chi_constant(unsigned S) {
  const OutwardInterval pi(0x1.921fb54442d18p+1, 0x1.921fb54442d19p+1);
  if (S % 2 == 0) {
    const unsigned n = S / 2;  // Gamma(n) = (n-1)!
    OutwardInterval f(1.0);
    for (unsigned j = 2; j < n; ++j) f *= OutwardInterval(static_cast<double>(j));
    return OutwardInterval(std::ldexp(1.0, 1 - static_cast<int>(n))) / f;
  }
  const unsigned n = (S - 1) / 2;  // S = 2n + 1: Gamma(n + 1/2) = sqrt(pi) prod_{j<n} (j + 1/2)
  OutwardInterval f(1.0);
  for (unsigned j = 0; j < n; ++j) f *= OutwardInterval(j + 0.5);
  return OutwardInterval(std::ldexp(1.0, -static_cast<int>(n))) * boost::numeric::sqrt(OutwardInterval(2.0) / pi) / f;
}

// Range of the density of u = t/rho, rho chi_S(rho u) = K_S rho^S u^{S-1} e^{-rho^2 u^2/2}, over uu and the box.
// Proof: FAST-XYG-4.
OutwardInterval u_density(const Params& p, const OutwardInterval& uu) {
  const OutwardInterval pw = p.S == 1 ? OutwardInterval(1.0) : boost::numeric::pow(uu, static_cast<int>(p.S) - 1);
  if (!p.aligned) return p.chi_k * pw * fast::exp(square(uu) * OutwardInterval(-0.5));  // rho = 1
  return p.chi_k * boost::numeric::pow(p.rho, static_cast<int>(p.S)) * pw *
         fast::exp(square(p.rho * uu) * OutwardInterval(-0.5));
}

// P(t >= tt) for t ~ chi_S, tt^2 > S: <= exp(-(x - S)/2 + (S/2) log(x/S)), x = tt^2 (Chernoff). Proof: FAST-XYG-4.
double chi_tail(unsigned S, double tt) {
  if (!(tt * tt > 2.0 * S)) return 1.0;
  const OutwardInterval x = square(OutwardInterval(tt));
  const OutwardInterval s(static_cast<double>(S));
  const OutwardInterval ex = OutwardInterval(-0.5) * (x - s) + OutwardInterval(0.5) * s * fast::log(x / s);
  return std::min(1.0, fast::exp(ex).upper());
}

struct Cell {
  double t0, t1;  // t1 = +inf for the tail
  OutwardInterval c1, c2;
  double allowance;  // mass_hi + small share of the length (cost only)
  double score;
  bool frozen;  // not split further (the tail, tiny cells)
};

// Cells are in u (t0, t1 name the u end points).
void evaluate(const Params& p, double t_end, Cell& cell) {
  OutwardInterval tt(cell.t0, cell.t1);
  OutwardInterval mass;
  cell.frozen = !(cell.t1 < kInf) || cell.t1 - cell.t0 < 1e-12 * std::max(1.0, cell.t1);
  if (cell.t1 < kInf) {
    mass = (OutwardInterval(cell.t1) - OutwardInterval(cell.t0)) * u_density(p, tt);
    cell.allowance = mass.upper() + 1e-3 * (cell.t1 - cell.t0) / t_end;
  } else {
    // P(u >= u0) = P(t >= rho u0) <= P(t >= rho_lo u0).
    mass = OutwardInterval(0.0, chi_tail(p.S, R::mul_down(p.rho.lower(), cell.t0)));
    cell.allowance = mass.upper() + 1e-3;
  }
  if (mass.lower() < 0.0) mass = OutwardInterval(0.0, mass.upper());
  OutwardInterval f1, f2;
  integrands(p, tt, f1, f2);
  cell.c1 = f1 * mass;
  cell.c2 = f2 * mass;
}

double width(const OutwardInterval& x) {
  if (!finite(x)) return kInf;
  return x.upper() - x.lower();
}

double score(const Cell& c, double tol1, double tol2) {
  if (c.frozen) return 0.0;
  const double w1 = width(c.c1), w2 = width(c.c2);
  if (!(w1 < kInf) || !(w2 < kInf)) return kInf;
  return std::max(w1 / (tol1 * c.allowance), w2 / (tol2 * c.allowance));
}

void totals(const std::vector<Cell>& cells, OutwardInterval& g1, OutwardInterval& g2) {
  IntervalSum s1, s2;
  for (const Cell& c : cells) {
    s1.add(c.c1);
    s2.add(c.c2);
  }
  g1 = s1.result();
  g2 = s2.result();
}

double tolerance(const OutwardInterval& g) {
  if (!finite(g)) return 1e300;
  const double mid = 0.5 * (g.lower() + g.upper());
  return std::max(kRelTarget * std::fabs(mid), 1e-300);
}

// One quadrature pass (aligned or plain variable); p is fully set up except sig, rho, ap. Proof: FAST-XYG-5.
XyGradient gradient_pass(Params& p) {
  p.sig = (p.c.lower() > 0.0) == (p.a.lower() > 0.0) ? 1.0 : -1.0;
  p.rho = p.aligned ? boost::numeric::sqrt(boost::numeric::abs(p.a / p.c)) : OutwardInterval(1.0);
  p.ap = p.a / (p.w * p.rho);

  // Cells in u = t/rho: steps of 1/4 in t up to t_mid, then doubling steps up to u_end (beyond the pole u = 1 when
  // sig = -1), then the tail [u_end, inf). The partition decides only the cost.
  const double t_mid = std::ceil(std::sqrt(static_cast<double>(p.S)) + 10.0);
  const double rho_hi = p.rho.upper(), rho_lo = p.rho.lower();
  const double u_mid = t_mid / rho_lo;
  // beyond the pole: u = 1 (aligned) or t = sqrt|a/c| (u = t)
  const double pole = p.aligned ? 1.0 : boost::numeric::sqrt(boost::numeric::abs(p.a / p.c)).upper();
  const double u_end = std::max(u_mid, p.sig < 0.0 ? 1.5 * pole : 0.0);
  const double hu = 0.25 / rho_hi;
  if (!(std::min(u_end, u_mid) / hu < 4000.0) || !(hu > 0.0))
    return XyGradient{OutwardInterval::whole(), OutwardInterval::whole()};
  std::vector<Cell> cells;
  double u = 0.0;
  for (; u < std::min(u_end, u_mid); u += hu) cells.push_back(Cell{u, u + hu, {}, {}, 0.0, 0.0, false});
  for (double h = 2.0 * hu; u < u_end; u += h, h *= 2.0) cells.push_back(Cell{u, u + h, {}, {}, 0.0, 0.0, false});
  cells.push_back(Cell{u, kInf, {}, {}, 0.0, 0.0, true});
  const double t_end = u;
  for (Cell& c : cells) evaluate(p, t_end, c);

  // Refine the worst cell (largest contribution width per allowed width) until every cell meets the target
  // or the budget is spent. Every stage is a valid enclosure; this loop decides only the width.
  OutwardInterval g1, g2;
  const auto by_score = [](const Cell& x, const Cell& y) { return x.score < y.score; };
  for (int steps = 0; static_cast<int>(cells.size()) < kMaxCells; ++steps) {
    if (steps % 32 == 0) {
      totals(cells, g1, g2);
      const double tol1 = tolerance(g1), tol2 = tolerance(g2);
      for (Cell& c : cells) c.score = score(c, tol1, tol2);
      std::make_heap(cells.begin(), cells.end(), by_score);
    }
    if (cells.front().score <= 1.0) break;
    std::pop_heap(cells.begin(), cells.end(), by_score);
    const Cell worst = cells.back();
    cells.pop_back();
    const double tm = 0.5 * (worst.t0 + worst.t1);
    Cell left{worst.t0, tm, {}, {}, 0.0, 0.0, false}, right{tm, worst.t1, {}, {}, 0.0, 0.0, false};
    evaluate(p, t_end, left);
    evaluate(p, t_end, right);
    // Splitting that removes less than 1/8 of the width (the spread due to the parameter box, not to u) is not
    // repeated on the children (cost only).
    if (width(left.c1) + width(right.c1) > 0.875 * width(worst.c1) &&
        width(left.c2) + width(right.c2) > 0.875 * width(worst.c2)) {
      left.frozen = right.frozen = true;
    }
    const double tol1 = tolerance(g1), tol2 = tolerance(g2);
    left.score = score(left, tol1, tol2);
    right.score = score(right, tol1, tol2);
    cells.push_back(left);
    std::push_heap(cells.begin(), cells.end(), by_score);
    cells.push_back(right);
    std::push_heap(cells.begin(), cells.end(), by_score);
  }
  totals(cells, g1, g2);
  if (!finite(g1)) g1 = OutwardInterval::whole();
  if (!finite(g2)) g2 = OutwardInterval::whole();
  return XyGradient{g1, g2};
}

}  // namespace

// Proof: FAST-XYG-1 .. FAST-XYG-5.
XyGradient detail::xy_gradient_pass(const OutwardInterval& lr, const OutwardInterval& gamma, int s,
                                    const OutwardInterval& k, const OutwardInterval& sigma, unsigned S, bool aligned) {
  const XyGradient whole{OutwardInterval::whole(), OutwardInterval::whole()};
  if (empty(lr) || empty(gamma) || empty(k) || empty(sigma)) return whole;
  if (S == 0 || S > kXyMaxBatch || (s != 1 && s != -1)) return whole;
  if (!finite(lr) || !finite(gamma) || !finite(k) || !finite(sigma)) return whole;
  if (!(lr.lower() > 0.0) || !(sigma.lower() > 0.0)) return whole;
  Params p;
  p.S = S;
  p.lr = lr;
  p.gamma = gamma;
  p.k = k;
  p.sigma = sigma;
  const OutwardInterval sS(static_cast<double>(S));
  p.sk = OutwardInterval(static_cast<double>(s)) * k;
  p.a = OutwardInterval(1.0) - gamma * lr;
  if (!(p.a.lower() > 0.0 || p.a.upper() < 0.0)) return whole;
  p.c = p.sk * lr / sS;
  p.w = lr * sigma / sS;
  p.alpha = (OutwardInterval(1.0) / lr - gamma) * sS / sigma;
  p.beta = p.sk / sigma;
  p.skS = p.sk / sS;
  p.chi_k = chi_constant(S);

  if (!(p.c.lower() > 0.0 || p.c.upper() < 0.0)) return whole;  // k reaching 0: not supported
  p.aligned = aligned;
  return gradient_pass(p);
}

// Proof: FAST-XYG-5.
XyGradient xy_gradient(const OutwardInterval& lr, const OutwardInterval& gamma, int s, const OutwardInterval& k,
                       const OutwardInterval& sigma, unsigned S) {
  // The plain variable u = t first (measured: as tight or tighter); the aligned one only when it is not finite.
  const XyGradient g = detail::xy_gradient_pass(lr, gamma, s, k, sigma, S, false);
  if (finite(g.d_lr) && finite(g.d_sigma)) return g;
  const XyGradient ga = detail::xy_gradient_pass(lr, gamma, s, k, sigma, S, true);
  return XyGradient{meet(g.d_lr, ga.d_lr), meet(g.d_sigma, ga.d_sigma)};
}

// Proof: FAST-XYG-6.
OutwardInterval xy_box_log_abs_mean(const OutwardInterval& lr, const OutwardInterval& gamma, int s,
                                    const OutwardInterval& k, const OutwardInterval& sigma, unsigned S, double tol,
                                    const OutwardInterval* direct_known, const XyCenter* center_known) {
  if (empty(lr) || empty(gamma) || empty(k) || empty(sigma) || (s != 1 && s != -1)) return OutwardInterval::whole();
  const OutwardInterval sI(static_cast<double>(s));
  const OutwardInterval direct =
      direct_known != nullptr ? *direct_known
                              : fast::xy_log_abs_mean(OutwardInterval(1.0) - gamma * lr, sI * lr, k, sigma, S, tol);
  if (!finite(lr) || !finite(sigma)) return direct;
  const double lm = R::median(lr.lower(), lr.upper());
  const double sm = R::median(sigma.lower(), sigma.upper());
  const XyGradient g = xy_gradient(lr, gamma, s, k, sigma, S);
  if (!finite(g.d_lr) || !finite(g.d_sigma)) return direct;
  if (center_known != nullptr && subset(center_known->lr, lr) && subset(center_known->sigma, sigma) &&
      finite(center_known->value)) {
    // FAST-XYG-6 with a known centre.
    const XyCenter& c = *center_known;
    return meet(c.value + g.d_lr * (lr - c.lr) + g.d_sigma * (sigma - c.sigma), direct);
  }
  const OutwardInterval center = fast::xy_log_abs_mean(OutwardInterval(1.0) - gamma * OutwardInterval(lm),
                                                       sI * OutwardInterval(lm), k, OutwardInterval(sm), S, tol);
  if (!finite(center)) return direct;
  const OutwardInterval centered =
      center + g.d_lr * (lr - OutwardInterval(lm)) + g.d_sigma * (sigma - OutwardInterval(sm));
  return meet(centered, direct);
}

}  // namespace lyapcert::fast
