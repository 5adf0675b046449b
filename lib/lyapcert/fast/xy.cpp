#include "lyapcert/fast/xy.hpp"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <vector>

#include "lyapcert/fast/gaussian.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/sum.hpp"

namespace lyapcert::fast {
namespace {

using R = OutwardRounding;

constexpr int kOrder = 20;              // Taylor order p of the cell polynomials
constexpr int kMaxCoef = kOrder + 2;    // coefficients 0..p+1
constexpr double kLargeX = 60.0;        // x >= 60 on a cell: the asymptotic form (FAST-XY-5)
constexpr double kSmallXMax = 240.0;    // x <= 240 on a cell: the Poisson form (FAST-XY-2)
constexpr int kAsymN = 12;              // n of FAST-GAUSS-4/5 in the polynomial P (FAST-XY-5)
constexpr int kPDegree = 2 * kAsymN;    // deg P <= 2N - 1
constexpr int kMaxCells = 3000;         // budget (accepted + bisected cells)

// Truncated power series in d = t - t0 with Interval coefficients (t0 a point or an interval: then the
// coefficients enclose the Taylor coefficients at every base point of it). Proof: FAST-XY-1.
struct Series {
  std::array<Interval, kMaxCoef> c;
  Series() { c.fill(Interval(0.0)); }
};

Series mul(const Series& a, const Series& b, int n) {
  Series r;
  for (int k = 0; k < n; ++k) {
    Interval s(0.0);
    for (int i = 0; i <= k; ++i) s += a.c[i] * b.c[k - i];
    r.c[k] = s;
  }
  return r;
}

// a / b; b.c[0] must exclude 0 (otherwise a coefficient is the whole line, still an enclosure).
Series div(const Series& a, const Series& b, int n) {
  Series r;
  for (int k = 0; k < n; ++k) {
    Interval s = a.c[k];
    for (int i = 1; i <= k; ++i) s -= b.c[i] * r.c[k - i];
    r.c[k] = s / b.c[0];
  }
  return r;
}

// log|f| (f.c[0] excludes 0): l' = f'/f gives f0 l_k = f_k - (1/k) sum_{j<k} j l_j f_{k-j}.
Series log_abs_series(const Series& f, int n) {
  Series r;
  r.c[0] = log_abs(f.c[0]);
  for (int k = 1; k < n; ++k) {
    Interval s(0.0);
    for (int j = 1; j < k; ++j) s += Interval(static_cast<double>(j)) * r.c[j] * f.c[k - j];
    r.c[k] = (f.c[k] - s / Interval(static_cast<double>(k))) / f.c[0];
  }
  return r;
}

// exp(f): g' = f' g gives g_k = (1/k) sum_{j=1}^k j f_j g_{k-j}.
Series exp_series(const Series& f, int n) {
  Series r;
  r.c[0] = fast::exp(f.c[0]);
  for (int k = 1; k < n; ++k) {
    Interval s(0.0);
    for (int j = 1; j <= k; ++j) s += Interval(static_cast<double>(j)) * f.c[j] * r.c[k - j];
    r.c[k] = s / Interval(static_cast<double>(k));
  }
  return r;
}

// sum_i coef[i] d^i for a series d with d.c[0] = 0 (powers of d; d^i starts at order i).
Series compose(const Interval* coef, int deg, const Series& d, int n) {
  Series r;
  r.c[0] = coef[0];
  if (deg < 1 || n < 2) return r;
  Series pw = d;  // d^1
  for (int i = 1;; ++i) {
    for (int k = i; k < n; ++k) r.c[k] += coef[i] * pw.c[k];
    if (i == deg || i + 1 >= n) break;
    Series nx;  // d^{i+1} = d^i d, zero below order i+1
    for (int k = i + 1; k < n; ++k) {
      Interval s(0.0);
      for (int j = i; j <= k - 1; ++j) s += pw.c[j] * d.c[k - j];
      nx.c[k] = s;
    }
    pw = nx;
  }
  return r;
}

// Constant L_n = 2^n/(2n+1)!! >= |d/dx (H^(n)(x)/n!)| (FAST-XY-3).
Interval lipschitz_h(int n) {
  Interval r(1.0);
  for (int i = 1; i <= n; ++i) r = r * Interval(2.0) / Interval(2.0 * i + 1.0);
  return r;
}

// Positive intervals [lo, hi] (0 <= lo) with outward-rounded + and * (FAST-RND-2), for the Poisson sums.
struct Pos {
  double lo, hi;
};
inline Pos pmul(const Pos& x, const Pos& y) { return {R::mul_down(x.lo, y.lo), R::mul_up(x.hi, y.hi)}; }
inline void padd(Pos& acc, const Pos& t) {
  acc.lo = R::add_down(acc.lo, t.lo);
  acc.hi = R::add_up(acc.hi, t.hi);
}

// Enclosures of 1/(2i + 1), i = 0 .. kOddTable - 1.
constexpr int kOddTable = 1600;
const std::vector<Pos>& inv_odd() {
  static const std::vector<Pos> table = [] {
    std::vector<Pos> t(kOddTable);
    for (int i = 0; i < kOddTable; ++i) {
      const double d = 2.0 * i + 1.0;
      t[i] = {R::div_down(1.0, d), R::div_up(1.0, d)};
    }
    return t;
  }();
  return table;
}

// H(x) and D_n(x) = E_x[1/prod_{i<n}(2J + 2i + 1)], J ~ Poisson(x), n = 1..nd, for one double x in
// [0, 700]: positive Poisson sums with the geometric tail bound. Proof: FAST-XY-2.
void poisson_moments(double x, int nd, Interval* out) {
  const std::vector<Pos>& inv = inv_odd();
  const Interval e0 = fast::exp(Interval(-x));
  Pos w{std::max(0.0, e0.lower()), e0.upper()};  // w_0
  Pos h{0.0, 0.0};                               // h_j = sum_{k<j} 1/(2k+1)
  Pos acc[40];
  for (int n = 0; n <= nd; ++n) acc[n] = {0.0, 0.0};
  IntervalSum hsum;
  for (int j = 0; j + nd + 1 < kOddTable; ++j) {
    if (j >= 1) {
      w = pmul(w, Pos{x, x});
      w = {R::div_down(w.lo, j), R::div_up(w.hi, j)};
      padd(h, inv[j - 1]);
    }
    const bool last = j >= 2.0 * x && w.hi <= 0x1p-56;
    // Tail from j on (this term included): at most twice this term (FAST-XY-2).
    if (j >= 1) {
      const Pos t = pmul(w, h);
      if (last) {
        hsum.add(Interval(0.0, R::mul_up(2.0, t.hi)));
      } else {
        hsum.add(Interval(t.lo, t.hi));
      }
    }
    Pos r = w;
    for (int n = 1; n <= nd; ++n) {
      r = pmul(r, inv[j + n - 1]);  // w_j / prod_{i<n} (2j + 2i + 1)
      padd(acc[n], last ? Pos{0.0, R::mul_up(2.0, r.hi)} : r);
    }
    if (last) {
      out[0] = hsum.result();
      for (int n = 1; n <= nd; ++n) out[n] = Interval(acc[n].lo, acc[n].hi);
      return;
    }
  }
  for (int n = 0; n <= nd; ++n) out[n] = Interval::whole();  // not reached for x <= 700
}

// H^(n)/n! from H and D_n: (-1)^(n-1) 2^(n-1)/n D_n (FAST-XY-2).
Interval h_coef_from_moment(int n, const Interval& d) {
  Interval f = Interval(std::ldexp(1.0, n - 1)) / Interval(static_cast<double>(n));
  return (n % 2 == 1) ? f * d : -(f * d);
}

// Coefficients of P(u) = B(u) - Q(u) A(u), |f(x) - P(1/x)| <= rho(1/x) for x >= 60 (FAST-XY-5).
struct Asymptotic {
  std::array<Interval, kPDegree + 1> p;
  std::array<Interval, kAsymN + 1> ck;      // C_1..C_N
  std::array<Interval, kAsymN + 1> poch;    // (1/2)_0..(1/2)_N
  std::array<Interval, kPDegree + 1> pabs;  // upper bounds of |p_k|
};

const Asymptotic& asymptotic() {
  static const Asymptotic as = [] {
    Asymptotic s;
    s.p.fill(Interval(0.0));
    s.ck[0] = Interval(0.0);
    s.ck[1] = Interval(1.0);
    for (int k = 1; k < kAsymN; ++k) s.ck[k + 1] = s.ck[k] * Interval(2.0 * k + 1.0) * Interval(0.5);
    s.poch[0] = Interval(1.0);
    for (int k = 0; k < kAsymN; ++k) s.poch[k + 1] = s.poch[k] * Interval(k + 0.5);
    std::array<Interval, kAsymN + 1> q, a, b;
    q.fill(Interval(0.0));
    a.fill(Interval(0.0));
    b.fill(Interval(0.0));
    for (int k = 0; k < kAsymN; ++k) q[k + 1] = s.poch[k] * Interval(0.5);  // p_k = (1/2)_k u^{k+1}/2
    a[0] = Interval(1.0);
    for (int k = 1; k < kAsymN; ++k) {
      const Interval sgn(k % 2 == 1 ? 1.0 : -1.0);  // (-1)^{k-1}
      a[k] = -(Interval(0.5) * sgn * s.ck[k]);
      b[k] = sgn * s.ck[k] / Interval(4.0 * k);
    }
    for (int i = 0; i <= kAsymN; ++i) {
      s.p[i] += b[i];
      for (int j = 0; j <= kAsymN && i + j <= kPDegree; ++j) s.p[i + j] -= q[i] * a[j];
    }
    for (int i = 0; i <= kPDegree; ++i) s.pabs[i] = Interval(boost::numeric::norm(s.p[i]));
    return s;
  }();
  return as;
}

// Pointwise bound rho(u) on |f - P(u)| for 0 <= u <= umax <= 1/60 (increasing in u). Proof: FAST-XY-5.
double asymptotic_remainder(double umax) {
  const Asymptotic& s = asymptotic();
  const Interval uu(umax);
  Interval un(1.0);  // umax^k
  Interval amax(1.0), qmax(0.0);
  for (int k = 0; k < kAsymN; ++k) {
    un *= uu;  // umax^{k+1}
    qmax += s.poch[k] * Interval(0.5) * un;
    if (k + 1 < kAsymN) amax += Interval(0.5) * s.ck[k + 1] * un;
  }
  // un = umax^N; 4 p_N = 2 (1/2)_N umax^{N+1}; e^{-3x/4}-terms <= kExpTailX umax.
  const Interval rq = Interval(2.0) * s.poch[kAsymN] * un * uu + Interval(detail::kExpTailX) * uu;
  qmax += rq;
  const Interval unm1 = un / uu;  // umax^{N-1}
  const Interval rho = rq * amax + s.ck[kAsymN] * qmax * unm1 / Interval(2.0 * kAsymN - 1.0);
  return rho.upper();
}

struct Params {
  Interval a, c, w, w2x2;  // w2x2 = 2 w^2
  Interval logw;
  Interval ks;             // K_S
  Interval logk;           // log K_S
  unsigned S;
  Interval binom[kMaxCoef];  // binom(S-1, k)
};

Interval half_gamma_log2() { return Interval(detail::kHalfGammaLog2Lo, detail::kHalfGammaLog2Hi); }

// K_S = 2^{1-S/2}/Gamma(S/2). Proof: FAST-XY-6.
Interval chi_constant(unsigned S) {
  const Interval pi(3.141592653589793, next_up(3.141592653589793));  // M_PI < pi < succ(M_PI)
  Interval gamma_half;
  Interval two_pow;
  if (S % 2 == 0) {
    gamma_half = Interval(1.0);  // Gamma(S/2) = (S/2 - 1)!
    for (unsigned i = 2; i < S / 2; ++i) gamma_half *= Interval(static_cast<double>(i));
    two_pow = Interval(std::ldexp(1.0, 1 - static_cast<int>(S / 2)));
  } else {
    const unsigned n = (S - 1) / 2;  // Gamma(n + 1/2) = sqrt(pi) prod_{i<n} (i + 1/2)
    gamma_half = boost::numeric::sqrt(pi);
    for (unsigned i = 0; i < n; ++i) gamma_half *= Interval(i + 0.5);
    two_pow = Interval(std::ldexp(1.0, -static_cast<int>(n))) * boost::numeric::sqrt(Interval(2.0));
  }
  return two_pow / gamma_half;
}

// Value of a smooth function over the base B in the centred (mean-value) form: f(mid) + f'(B) (B - mid)
// (for a point base just f(B)). Proof: FAST-XY-1.
Interval centred(const Interval& B, const Interval& f_mid, const Interval& fprime_b) {
  if (B.lower() == B.upper()) return f_mid;
  const double mid = R::median(B.lower(), B.upper());
  return f_mid + fprime_b * (B - Interval(mid));
}

double base_mid(const Interval& B) { return R::median(B.lower(), B.upper()); }

// Weight W(t) = K_S t^{S-1} e^{-t^2/2} around base B: exp of E(t) = log K_S + (S-1) log t - t^2/2 (no
// cancellation between the two factors) when B > 0 or S = 1, otherwise the binomial product. Proof: FAST-XY-6.
Series weight_series(const Params& P, const Interval& B, int n) {
  const int s1 = static_cast<int>(P.S) - 1;
  const Interval sm1(static_cast<double>(s1));
  if (B.lower() > 0.0 || s1 == 0) {
    Series e;
    const Interval bm(base_mid(B));
    const auto efun = [&](const Interval& t) {
      Interval r = P.logk - boost::numeric::square(t) * Interval(0.5);
      if (s1 > 0) r += sm1 * fast::log(t);
      return r;
    };
    const Interval eprime = s1 > 0 ? sm1 / B - B : -B;
    e.c[0] = centred(B, efun(bm), eprime);
    if (n > 1) e.c[1] = eprime;
    if (n > 2) e.c[2] = Interval(-0.5) - (s1 > 0 ? sm1 / (Interval(2.0) * boost::numeric::square(B)) : Interval(0.0));
    if (s1 > 0) {
      Interval bp = boost::numeric::square(B);
      for (int k = 3; k < n; ++k) {
        bp *= B;  // B^k
        const Interval t = sm1 / (Interval(static_cast<double>(k)) * bp);
        e.c[k] = (k % 2 == 1) ? t : -t;
      }
    }
    return exp_series(e, n);
  }
  Series pw;
  for (int k = 0; k < n && k <= s1; ++k) pw.c[k] = P.binom[k] * boost::numeric::pow(B, s1 - k);
  Series e;
  e.c[0] = -(boost::numeric::square(B) * Interval(0.5));
  if (n > 1) e.c[1] = -B;
  if (n > 2) e.c[2] = Interval(-0.5);
  Series r = mul(pw, exp_series(e, n), n);
  for (int k = 0; k < n; ++k) r.c[k] *= P.ks;
  return r;
}

enum class Mode { kSmall, kLarge, kSplit };

// Series of t^2 and m = a + c t^2 around B.
void base_series(const Params& P, const Interval& B, int n, Series& t2, Series& m) {
  t2.c[0] = boost::numeric::square(B);
  if (n > 1) t2.c[1] = Interval(2.0) * B;
  if (n > 2) t2.c[2] = Interval(1.0);
  m.c[0] = P.a + P.c * t2.c[0];
  if (n > 1) m.c[1] = P.c * t2.c[1];
  if (n > 2) m.c[2] = P.c;
}

// Integrand F = G(m(t), w t) W(t) around B (B > 0), small-x form (FAST-XY-4): x = y^2/(2 w^2) with
// y = a/t + c t (series with one occurrence of B per coefficient), log t by its explicit coefficients.
Series integrand_small(const Params& P, const Interval& B, int n) {
  Series y;
  const Interval bm(base_mid(B));
  y.c[0] = centred(B, P.a / bm + P.c * bm, P.c - P.a / boost::numeric::square(B));
  if (n > 1) y.c[1] = P.c - P.a / boost::numeric::square(B);
  Series lt;
  lt.c[0] = fast::log(B);
  Interval bp = B;  // B^k
  for (int k = 1; k < n; ++k) {
    const Interval inv = Interval(1.0) / (Interval(static_cast<double>(k)) * bp);
    lt.c[k] = (k % 2 == 1) ? inv : -inv;
    bp *= B;  // B^{k+1}
    if (k >= 2) y.c[k] = (k % 2 == 0) ? P.a / bp : -(P.a / bp);  // a (-1)^k / B^{k+1}
  }
  Series x = mul(y, y, n);
  x.c[0] = boost::numeric::square(y.c[0]);
  for (int k = 0; k < n; ++k) x.c[k] /= P.w2x2;
  Interval hc[kMaxCoef];
  const Interval x0(std::max(0.0, x.c[0].lower()), x.c[0].upper());  // x >= 0
  detail::xy_h_coefficients(x0, n - 1, hc);
  Series dx = x;
  dx.c[0] = Interval(0.0);
  Series g = compose(hc, n - 1, dx, n);
  for (int k = 0; k < n; ++k) g.c[k] += lt.c[k];
  g.c[0] += P.logw - half_gamma_log2();
  return mul(g, weight_series(P, B, n), n);
}

// Degree D of the truncated P and the pointwise bound rho(umax) + sum_{k>D} |p_k| umax^k (FAST-XY-5).
double large_truncation(double umax, int& deg) {
  const Asymptotic& as = asymptotic();
  double rho = asymptotic_remainder(umax);
  deg = kPDegree;
  Interval tail(0.0);
  const Interval um(umax);
  Interval pw = boost::numeric::pow(um, kPDegree);
  for (int d = kPDegree; d >= 1; --d) {
    const Interval nt = tail + as.pabs[d] * pw;
    if (nt.upper() > 1e-19) break;
    tail = nt;
    deg = d - 1;
    pw = pw / um;
  }
  return R::add_up(rho, tail.upper());
}

// Integrand around B, large-x form log|m| + P_D(u), u = 2 w^2 t^2/m^2 (FAST-XY-5).
Series integrand_large(const Params& P, const Interval& B, int n, int deg) {
  Series t2, m;
  base_series(P, B, n, t2, m);
  Series tt;
  tt.c[0] = B;
  if (n > 1) tt.c[1] = Interval(1.0);
  Series z = div(tt, m, n);  // u = 2 w^2 z^2, z = t/m
  Series u = mul(z, z, n);
  u.c[0] = boost::numeric::square(z.c[0]);
  for (int k = 0; k < n; ++k) u.c[k] *= P.w2x2;
  const Asymptotic& as = asymptotic();
  Series du = u;
  du.c[0] = Interval(0.0);
  // Taylor coefficients of P at u0 (synthetic division), then compose with du.
  Interval pc[kPDegree + 1];
  {
    std::array<Interval, kPDegree + 1> b;
    for (int i = 0; i <= deg; ++i) b[i] = as.p[i];
    const int nc = std::min(deg, n - 1);
    for (int j = 0; j <= nc; ++j) {
      // After pass j, b[j] = P^(j)(u0)/j!.
      for (int i = deg - 1; i >= j; --i) b[i] += u.c[0] * b[i + 1];
      pc[j] = b[j];
    }
    Series g = compose(pc, nc, du, n);
    Series lm = log_abs_series(m, n);
    for (int k = 0; k < n; ++k) g.c[k] += lm.c[k];
    return mul(g, weight_series(P, B, n), n);
  }
}

// Complex rectangles (re, im intervals) for the Cauchy bound of the remainder (FAST-XY-8).
struct Box {
  Interval re, im;
};
Box bsq(const Box& x) {
  return {boost::numeric::square(x.re) - boost::numeric::square(x.im), Interval(2.0) * x.re * x.im};
}
Box bscale(const Interval& s, const Box& x) { return {s * x.re, s * x.im}; }
double mig(const Interval& x) { return boost::numeric::zero_in(x) ? 0.0 : std::min(std::fabs(x.lower()), std::fabs(x.upper())); }
// Upper bound of |z| and lower bound of |z| over the box.
double abs_hi(const Box& x) {
  return (boost::numeric::sqrt(boost::numeric::square(Interval(boost::numeric::norm(x.re))) +
                               boost::numeric::square(Interval(boost::numeric::norm(x.im)))))
      .upper();
}
double abs_lo(const Box& x) {
  return (boost::numeric::sqrt(boost::numeric::square(Interval(mig(x.re))) + boost::numeric::square(Interval(mig(x.im)))))
      .lower();
}
// Upper bound of |log r| for r in [lo, hi], 0 < lo.
double abs_log_hi(double lo, double hi) {
  return std::max(boost::numeric::norm(fast::log(Interval(lo))), boost::numeric::norm(fast::log(Interval(hi))));
}

// Upper bound of |W(z)| = K_S |z|^{S-1} e^{-Re z^2/2} on the box re in [x1, x2], |im| <= rho: with s = re^2,
// (S-1)/2 log(s + rho^2) - s/2 + rho^2/2 is concave in s; bounded by its tangent at s_hat (FAST-XY-8).
double weight_bound(const Params& P, const Interval& re, double rho) {
  const double s1d = R::mul_down(mig(re), mig(re));
  const double s2u = R::mul_up(boost::numeric::norm(re), boost::numeric::norm(re));
  const Interval r2 = boost::numeric::square(Interval(rho));
  const Interval half_s1(0.5 * (static_cast<double>(P.S) - 1.0));
  const double shat = std::clamp(static_cast<double>(P.S) - 1.0 - rho * rho, s1d, s2u);
  const Interval sh(shat);
  Interval g = -(sh * Interval(0.5)) + r2 * Interval(0.5);
  Interval gp(-0.5);
  if (P.S > 1) {
    g += half_s1 * fast::log(sh + r2);
    gp += half_s1 / (sh + r2);
  }
  const Interval lo_dev = gp * (Interval(s1d) - sh);
  const Interval hi_dev = gp * (Interval(s2u) - sh);
  const double gmax = R::add_up(g.upper(), std::max(lo_dev.upper(), hi_dev.upper()));
  return (P.ks * fast::exp(Interval(gmax))).upper();
}

// Upper bound M of |F_D| on the box z (kInf when not analytic there or unbounded). Proof: FAST-XY-8.
double box_bound_one(const Params& P, Mode mode, const Box& z, double rho, int deg);

// Upper bound of |F_D| on the union of the discs of radius rho centred on [l, r] (a stadium), covered by
// the central box [l, r] x [-rho, rho] and kCap slabs on each side: the slab at distance [d0, d1] from the
// end point has |Im| <= sqrt(rho^2 - d0^2). Proof: FAST-XY-8.
double box_bound(const Params& P, Mode mode, double l, double r, double rho, int deg) {
  constexpr int kCap = 1;
  double M = box_bound_one(P, mode, Box{Interval(l, r), Interval(-rho, rho)}, rho, deg);
  for (int i = 0; i < kCap && std::isfinite(M); ++i) {
    const double d0 = rho * i / kCap, d1 = rho * (i + 1) / kCap;
    const double half = R::sqrt_up(R::sub_up(R::mul_up(rho, rho), R::mul_down(d0, d0)));
    const Interval im(-half, half);
    const Box left{Interval(R::sub_down(l, d1), R::sub_up(l, d0)), im};
    const Box right{Interval(R::add_down(r, d0), R::add_up(r, d1)), im};
    M = std::max({M, box_bound_one(P, mode, left, half, deg), box_bound_one(P, mode, right, half, deg)});
  }
  return M;
}

double box_bound_one(const Params& P, Mode mode, const Box& z, double rho, int deg) {
  const double wb = weight_bound(P, z.re, rho);
  const double zhi = abs_hi(z);
  if (mode == Mode::kLarge) {
    Box mz = bscale(P.c, bsq(z));
    mz.re += P.a;
    const double mlo = abs_lo(mz), mhi = abs_hi(mz);
    if (!(mlo > 0.0)) return kInf;
    // |log(+-m)| <= |log|m|| + pi on a box whose m-image misses 0 (a convex set off 0).
    const double lb = R::add_up(abs_log_hi(mlo, mhi), 3.1415926535897936);
    const Interval umod = P.w2x2 * boost::numeric::square(Interval(zhi)) / boost::numeric::square(Interval(mlo));
    const Asymptotic& as = asymptotic();
    Interval pb(0.0);
    for (int k = deg; k >= 0; --k) pb = pb * umod + as.pabs[k];
    return R::mul_up((Interval(lb) + pb).upper(), wb);
  }
  if (!(z.re.lower() > 0.0)) return kInf;
  // y = a/z + c z, x = y^2/(2 w^2); |H(x)| <= e^X (2 + 2 log(1 + |x|/2)), X = max(0, -Re x) (CONT-XY-1(a)).
  const Interval z2 = boost::numeric::square(z.re) + boost::numeric::square(z.im);
  Box y{P.a * z.re / z2 + P.c * z.re, -(P.a * z.im / z2) + P.c * z.im};
  Box x = bsq(y);
  x.re /= P.w2x2;
  x.im /= P.w2x2;
  const double X = std::max(0.0, -x.re.lower());
  if (X > 600.0) return kInf;
  const Interval hb = fast::exp(Interval(X)) *
                      (Interval(2.0) + Interval(2.0) * fast::log(Interval(1.0) + Interval(abs_hi(x)) * Interval(0.5)));
  const double zlo = abs_lo(z);
  const Interval gb = Interval(boost::numeric::norm(P.logw)) + Interval(abs_log_hi(zlo, zhi)) +
                      Interval(1.5707963267948968) + half_gamma_log2() + hb;
  return R::mul_up(gb.upper(), wb);
}

// |K_S int_T^inf (L0 + 2t) t^{S-1} e^{-t^2/2} dt| upper bound (FAST-XY-7).
double tail_bound(const Params& P, double T, const Interval& l0) {
  const Interval tt(T);
  const Interval e = fast::exp(-(boost::numeric::square(tt) * Interval(0.5)));
  const auto ibound = [&](int nn) {  // int_T^inf t^n e^{-t^2/2} dt, n >= 0, T^2 > n - 1
    const double d = std::max(nn - 1, 0);
    const Interval den = Interval(1.0) - Interval(d) / boost::numeric::square(tt);
    if (!(den.lower() > 0.0)) return Interval(kInf);
    return boost::numeric::pow(tt, nn - 1 >= 0 ? nn - 1 : 0) / (nn == 0 ? tt : Interval(1.0)) * e / den;
  };
  const int s1 = static_cast<int>(P.S) - 1;
  const Interval r = P.ks * (l0 * ibound(s1) + Interval(2.0) * ibound(s1 + 1));
  return r.upper();
}

}  // namespace

namespace detail {

// Proof: FAST-XY-2, FAST-XY-3.
void xy_h_coefficients(const Interval& X, int nd, Interval* out) {
  const double xl = X.lower(), xu = X.upper();
  if (!(xl >= 0.0) || !(xu <= 700.0) || nd > 31) {
    for (int n = 0; n <= nd; ++n) out[n] = Interval::whole();
    return;
  }
  Interval lo[32], hi[32];
  const double xm = R::median(xl, xu);
  if (xu - xl <= 0x1p-30 * std::max(1.0, xm)) {
    // One sum at xm and the Lipschitz bound L_n (FAST-XY-3).
    poisson_moments(xm, nd, lo);
    const Interval spread(R::sub_down(xl, xm), R::sub_up(xu, xm));
    out[0] = lo[0] + spread * Interval(-1.0, 1.0);
    for (int n = 1; n <= nd; ++n) {
      out[n] = h_coef_from_moment(n, lo[n]) + spread * lipschitz_h(n) * Interval(-1.0, 1.0);
    }
    return;
  }
  // H increasing, D_n decreasing in x (FAST-XY-2): the hull of the endpoint values.
  poisson_moments(xl, nd, lo);
  poisson_moments(xu, nd, hi);
  out[0] = Interval(lo[0].lower(), hi[0].upper());
  for (int n = 1; n <= nd; ++n) {
    out[n] = h_coef_from_moment(n, Interval(hi[n].lower(), lo[n].upper()));
  }
}

}  // namespace detail

namespace {

// The Taylor-model quadrature on the whole parameter box (inputs already validated).
// Proof: FAST-XY-1 .. FAST-XY-8.
Interval direct(const Interval& a, const Interval& b, const Interval& k, const Interval& sigma, unsigned S,
                double tol) {
  Params P;
  P.S = S;
  const Interval sS(static_cast<double>(S));
  P.a = a;
  P.c = b * k / sS;
  P.w = boost::numeric::abs(b) * sigma / sS;
  P.w2x2 = Interval(2.0) * boost::numeric::square(P.w);
  P.logw = fast::log(P.w);
  P.ks = chi_constant(S);
  P.logk = fast::log(P.ks);
  P.binom[0] = Interval(1.0);
  for (int i = 1; i < kMaxCoef; ++i) {
    P.binom[i] = P.binom[i - 1] * Interval(static_cast<double>(static_cast<int>(S) - i)) /
                 Interval(static_cast<double>(i));
  }
  if (!std::isfinite(P.logw.lower()) || !std::isfinite(P.logw.upper())) return Interval::whole();

  // Tail: |G| <= L0 + 2 log t <= L0 + 2t for t >= T >= 1 (FAST-XY-7).
  const Interval mcoef = boost::numeric::abs(a) + boost::numeric::abs(P.c) + P.w;
  const Interval l0 = half_gamma_log2() + boost::numeric::abs(P.logw) + boost::numeric::abs(fast::log(mcoef));
  double T = std::max(2.0, std::ceil(std::sqrt(static_cast<double>(S)) + 4.0));
  double tail = kInf;
  for (int it = 0; it < 200; ++it, T += 0.5) {
    if (T * T <= 2.0 * S + 2.0) continue;
    tail = tail_bound(P, T, l0);
    if (tail <= tol / 8.0) break;
  }
  if (!(tail <= tol)) return Interval::whole();

  IntervalSum total;
  total.add(Interval(-tail, tail));
  const double density = tol / (2.0 * T);  // allowed remainder width per unit length
  const int n = kOrder + 1;                // coefficients of the cell polynomial

  std::vector<std::pair<double, double>> stack;
  constexpr int kInitial = 16;
  for (int i = kInitial - 1; i >= 0; --i) {
    stack.emplace_back(T * i / kInitial, i + 1 == kInitial ? T : T * (i + 1) / kInitial);
  }
  int cells = 0;
  while (!stack.empty()) {
    const auto [l, r] = stack.back();
    stack.pop_back();
    if (++cells > kMaxCells) return Interval::whole();
    const Interval cell(l, r);
    // Mode on the whole cell (FAST-XY-8).
    const Interval t2 = boost::numeric::square(cell);
    const Interval mm = P.a + P.c * t2;
    const Interval m2 = boost::numeric::square(mm);
    const Interval num = P.w2x2 * t2;
    Mode mode = Mode::kSplit;
    double umax = kInf;
    if (!boost::numeric::zero_in(mm)) {
      const Interval u = num / m2;
      if (u.upper() <= 1.0 / kLargeX) {
        mode = Mode::kLarge;
        umax = u.upper();
      }
    }
    if (mode == Mode::kSplit && l > 0.0) {
      const Interval x = m2 / num;
      if (x.upper() <= kSmallXMax) mode = Mode::kSmall;
    }
    const double mid = 0.5 * (l + r);
    const bool can_split = mid > l && mid < r && (r - l) > 1e-13 * std::max(1.0, r);
    if (mode == Mode::kSplit) {
      if (!can_split) return Interval::whole();
      stack.emplace_back(mid, r);
      stack.emplace_back(l, mid);
      continue;
    }
    // Cauchy bound of the order-(p+1) coefficient on every point of the cell (FAST-XY-8):
    // |F_{p+1}| <= M(rho)/rho^{p+1}; the best of a few radii rho = kappa h.
    const Interval dl = Interval(l) - Interval(mid);
    const Interval dr = Interval(r) - Interval(mid);
    const double hmax = std::max(-dl.lower(), dr.upper());
    int deg = 0;
    double rho = 0.0;
    if (mode == Mode::kLarge) rho = large_truncation(umax, deg);
    double err = kInf;
    const double allowance = density * (r - l);
    for (const double kappa : {10.0, 6.0, 3.5, 2.0}) {
      const double rad = kappa * hmax;
      if (mode == Mode::kSmall && !(rad < l)) continue;
      const double M = box_bound(P, mode, l, r, rad, deg);
      if (!std::isfinite(M)) continue;
      const Interval ratio = Interval(hmax) / Interval(rad);
      const double e = (Interval(M) * boost::numeric::pow(ratio, n) * Interval(2.0 * hmax) / Interval(n + 1.0)).upper();
      err = std::min(err, e);
      if (err <= 0.5 * allowance) break;
    }
    if (mode == Mode::kLarge && std::isfinite(err)) {
      // int_cell |f - P_D| W <= rho (r - l) sup W (FAST-XY-5).
      const double wcell = weight_bound(P, cell, 0.0);
      const double mass = (Interval(rho) * (Interval(r) - Interval(l)) * Interval(wcell)).upper();
      err = R::add_up(err, mass);
    }
    if (!(err <= density * (r - l)) && can_split) {
      stack.emplace_back(mid, r);
      stack.emplace_back(l, mid);
      continue;
    }
    if (!std::isfinite(err)) return Interval::whole();
    // Polynomial part at the point mid (FAST-XY-1).
    const Interval bm(mid);
    Series poly = mode == Mode::kSmall ? integrand_small(P, bm, n) : integrand_large(P, bm, n, deg);
    Interval pl = dl, pr = dr;  // dl^{k+1}, dr^{k+1}
    for (int kk = 0; kk < n; ++kk) {
      total.add(poly.c[kk] * (pr - pl) / Interval(kk + 1.0));
      pl *= dl;
      pr *= dr;
    }
    total.add(Interval(-err, err));
  }
  return total.result();
}

}  // namespace

// Proof: FAST-XY-1 .. FAST-XY-8.
Interval xy_log_abs_mean(const Interval& a, const Interval& b, const Interval& k, const Interval& sigma,
                         unsigned S, double tol) {
  using boost::numeric::empty;
  if (empty(a) || empty(b) || empty(k) || empty(sigma)) return Interval::empty();
  if (b.lower() == 0.0 && b.upper() == 0.0) return log_abs(a);  // h_B is multiplied by 0
  if (boost::numeric::zero_in(a) || boost::numeric::zero_in(b)) return Interval::whole();
  if (!(sigma.lower() > 0.0) || S == 0 || S > kXyMaxBatch) return Interval::whole();
  if (!(tol > 0.0)) tol = 1e-12;
  for (const Interval* v : {&a, &b, &k, &sigma}) {
    if (!std::isfinite(v->lower()) || !std::isfinite(v->upper())) return Interval::whole();
  }
  return direct(a, b, k, sigma, S, tol);
}

}  // namespace lyapcert::fast
