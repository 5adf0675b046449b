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

// Truncated power series in d = t - t0 with OutwardInterval coefficients (t0 a point or an interval: then the
// coefficients enclose the Taylor coefficients at every base point of it). Proof: FAST-XY-1.
struct Series {
  std::array<OutwardInterval, kMaxCoef> c;
  Series() { c.fill(OutwardInterval(0.0)); }
};

Series mul(const Series& a, const Series& b, int n) {
  Series r;
  for (int k = 0; k < n; ++k) {
    OutwardInterval s(0.0);
    for (int i = 0; i <= k; ++i) s += a.c[i] * b.c[k - i];
    r.c[k] = s;
  }
  return r;
}

// a / b; b.c[0] must exclude 0 (otherwise a coefficient is the whole line, still an enclosure).
Series div(const Series& a, const Series& b, int n) {
  Series r;
  for (int k = 0; k < n; ++k) {
    OutwardInterval s = a.c[k];
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
    OutwardInterval s(0.0);
    for (int j = 1; j < k; ++j) s += OutwardInterval(static_cast<double>(j)) * r.c[j] * f.c[k - j];
    r.c[k] = (f.c[k] - s / OutwardInterval(static_cast<double>(k))) / f.c[0];
  }
  return r;
}

// exp(f): g' = f' g gives g_k = (1/k) sum_{j=1}^k j f_j g_{k-j}.
Series exp_series(const Series& f, int n) {
  Series r;
  r.c[0] = fast::exp(f.c[0]);
  for (int k = 1; k < n; ++k) {
    OutwardInterval s(0.0);
    for (int j = 1; j <= k; ++j) s += OutwardInterval(static_cast<double>(j)) * f.c[j] * r.c[k - j];
    r.c[k] = s / OutwardInterval(static_cast<double>(k));
  }
  return r;
}

// sum_i coef[i] d^i for a series d with d.c[0] = 0 (powers of d; d^i starts at order i).
Series compose(const OutwardInterval* coef, int deg, const Series& d, int n) {
  Series r;
  r.c[0] = coef[0];
  if (deg < 1 || n < 2) return r;
  Series pw = d;  // d^1
  for (int i = 1;; ++i) {
    for (int k = i; k < n; ++k) r.c[k] += coef[i] * pw.c[k];
    if (i == deg || i + 1 >= n) break;
    Series nx;  // d^{i+1} = d^i d, zero below order i+1
    for (int k = i + 1; k < n; ++k) {
      OutwardInterval s(0.0);
      for (int j = i; j <= k - 1; ++j) s += pw.c[j] * d.c[k - j];
      nx.c[k] = s;
    }
    pw = nx;
  }
  return r;
}

// Constant L_n = 2^n/(2n+1)!! >= |d/dx (H^(n)(x)/n!)| (FAST-XY-3).
OutwardInterval lipschitz_h(int n) {
  OutwardInterval r(1.0);
  for (int i = 1; i <= n; ++i) r = r * OutwardInterval(2.0) / OutwardInterval(2.0 * i + 1.0);
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
void poisson_moments(double x, int nd, OutwardInterval* out) {
  const std::vector<Pos>& inv = inv_odd();
  const OutwardInterval e0 = fast::exp(OutwardInterval(-x));
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
        hsum.add(OutwardInterval(0.0, R::mul_up(2.0, t.hi)));
      } else {
        hsum.add(OutwardInterval(t.lo, t.hi));
      }
    }
    Pos r = w;
    for (int n = 1; n <= nd; ++n) {
      r = pmul(r, inv[j + n - 1]);  // w_j / prod_{i<n} (2j + 2i + 1)
      padd(acc[n], last ? Pos{0.0, R::mul_up(2.0, r.hi)} : r);
    }
    if (last) {
      out[0] = hsum.result();
      for (int n = 1; n <= nd; ++n) out[n] = OutwardInterval(acc[n].lo, acc[n].hi);
      return;
    }
  }
  for (int n = 0; n <= nd; ++n) out[n] = OutwardInterval::whole();  // not reached for x <= 700
}

// H^(n)/n! from H and D_n: (-1)^(n-1) 2^(n-1)/n D_n (FAST-XY-2).
OutwardInterval h_coef_from_moment(int n, const OutwardInterval& d) {
  OutwardInterval f = OutwardInterval(std::ldexp(1.0, n - 1)) / OutwardInterval(static_cast<double>(n));
  return (n % 2 == 1) ? f * d : -(f * d);
}

// Coefficients of P(u) = B(u) - Q(u) A(u), |f(x) - P(1/x)| <= rho(1/x) for x >= 60 (FAST-XY-5).
struct Asymptotic {
  std::array<OutwardInterval, kPDegree + 1> p;
  std::array<OutwardInterval, kAsymN + 1> ck;      // C_1..C_N
  std::array<OutwardInterval, kAsymN + 1> poch;    // (1/2)_0..(1/2)_N
  std::array<OutwardInterval, kPDegree + 1> pabs;  // upper bounds of |p_k|
};

const Asymptotic& asymptotic() {
  static const Asymptotic as = [] {
    Asymptotic s;
    s.p.fill(OutwardInterval(0.0));
    s.ck[0] = OutwardInterval(0.0);
    s.ck[1] = OutwardInterval(1.0);
    for (int k = 1; k < kAsymN; ++k) s.ck[k + 1] = s.ck[k] * OutwardInterval(2.0 * k + 1.0) * OutwardInterval(0.5);
    s.poch[0] = OutwardInterval(1.0);
    for (int k = 0; k < kAsymN; ++k) s.poch[k + 1] = s.poch[k] * OutwardInterval(k + 0.5);
    std::array<OutwardInterval, kAsymN + 1> q, a, b;
    q.fill(OutwardInterval(0.0));
    a.fill(OutwardInterval(0.0));
    b.fill(OutwardInterval(0.0));
    for (int k = 0; k < kAsymN; ++k) q[k + 1] = s.poch[k] * OutwardInterval(0.5);  // p_k = (1/2)_k u^{k+1}/2
    a[0] = OutwardInterval(1.0);
    for (int k = 1; k < kAsymN; ++k) {
      const OutwardInterval sgn(k % 2 == 1 ? 1.0 : -1.0);  // (-1)^{k-1}
      a[k] = -(OutwardInterval(0.5) * sgn * s.ck[k]);
      b[k] = sgn * s.ck[k] / OutwardInterval(4.0 * k);
    }
    for (int i = 0; i <= kAsymN; ++i) {
      s.p[i] += b[i];
      for (int j = 0; j <= kAsymN && i + j <= kPDegree; ++j) s.p[i + j] -= q[i] * a[j];
    }
    for (int i = 0; i <= kPDegree; ++i) s.pabs[i] = OutwardInterval(boost::numeric::norm(s.p[i]));
    return s;
  }();
  return as;
}

// Pointwise bound rho(u) on |f - P(u)| for 0 <= u <= umax <= 1/60 (increasing in u). Proof: FAST-XY-5.
double asymptotic_remainder(double umax) {
  const Asymptotic& s = asymptotic();
  const OutwardInterval uu(umax);
  OutwardInterval un(1.0);  // umax^k
  OutwardInterval amax(1.0), qmax(0.0);
  for (int k = 0; k < kAsymN; ++k) {
    un *= uu;  // umax^{k+1}
    qmax += s.poch[k] * OutwardInterval(0.5) * un;
    if (k + 1 < kAsymN) amax += OutwardInterval(0.5) * s.ck[k + 1] * un;
  }
  // un = umax^N; 4 p_N = 2 (1/2)_N umax^{N+1}; e^{-3x/4}-terms <= kExpTailX umax.
  const OutwardInterval rq = OutwardInterval(2.0) * s.poch[kAsymN] * un * uu + OutwardInterval(detail::kExpTailX) * uu;
  qmax += rq;
  const OutwardInterval unm1 = un / uu;  // umax^{N-1}
  const OutwardInterval rho = rq * amax + s.ck[kAsymN] * qmax * unm1 / OutwardInterval(2.0 * kAsymN - 1.0);
  return rho.upper();
}

struct Params {
  OutwardInterval a, c, w, w2x2;  // w2x2 = 2 w^2
  OutwardInterval logw;
  OutwardInterval ks;             // K_S
  OutwardInterval logk;           // log K_S
  unsigned S;
  OutwardInterval binom[kMaxCoef];  // binom(S-1, k)
};

OutwardInterval half_gamma_log2() { return OutwardInterval(detail::kHalfGammaLog2Lo, detail::kHalfGammaLog2Hi); }

// K_S = 2^{1-S/2}/Gamma(S/2). Proof: FAST-XY-6.
OutwardInterval chi_constant(unsigned S) {
  const OutwardInterval pi(3.141592653589793, next_up(3.141592653589793));  // M_PI < pi < succ(M_PI)
  OutwardInterval gamma_half;
  OutwardInterval two_pow;
  if (S % 2 == 0) {
    gamma_half = OutwardInterval(1.0);  // Gamma(S/2) = (S/2 - 1)!
    for (unsigned i = 2; i < S / 2; ++i) gamma_half *= OutwardInterval(static_cast<double>(i));
    two_pow = OutwardInterval(std::ldexp(1.0, 1 - static_cast<int>(S / 2)));
  } else {
    const unsigned n = (S - 1) / 2;  // Gamma(n + 1/2) = sqrt(pi) prod_{i<n} (i + 1/2)
    gamma_half = boost::numeric::sqrt(pi);
    for (unsigned i = 0; i < n; ++i) gamma_half *= OutwardInterval(i + 0.5);
    two_pow = OutwardInterval(std::ldexp(1.0, -static_cast<int>(n))) * boost::numeric::sqrt(OutwardInterval(2.0));
  }
  return two_pow / gamma_half;
}

// Value of a smooth function over the base B in the centred (mean-value) form: f(mid) + f'(B) (B - mid)
// (for a point base just f(B)). Proof: FAST-XY-1.
OutwardInterval centred(const OutwardInterval& B, const OutwardInterval& f_mid, const OutwardInterval& fprime_b) {
  if (B.lower() == B.upper()) return f_mid;
  const double mid = R::median(B.lower(), B.upper());
  return f_mid + fprime_b * (B - OutwardInterval(mid));
}

double base_mid(const OutwardInterval& B) { return R::median(B.lower(), B.upper()); }

// Weight W(t) = K_S t^{S-1} e^{-t^2/2} around base B: exp of E(t) = log K_S + (S-1) log t - t^2/2 (no
// cancellation between the two factors) when B > 0 or S = 1, otherwise the binomial product. Proof: FAST-XY-6.
Series weight_series(const Params& P, const OutwardInterval& B, int n) {
  const int s1 = static_cast<int>(P.S) - 1;
  const OutwardInterval sm1(static_cast<double>(s1));
  if (B.lower() > 0.0 || s1 == 0) {
    Series e;
    const OutwardInterval bm(base_mid(B));
    const auto efun = [&](const OutwardInterval& t) {
      OutwardInterval r = P.logk - boost::numeric::square(t) * OutwardInterval(0.5);
      if (s1 > 0) r += sm1 * fast::log(t);
      return r;
    };
    const OutwardInterval eprime = s1 > 0 ? sm1 / B - B : -B;
    e.c[0] = centred(B, efun(bm), eprime);
    if (n > 1) e.c[1] = eprime;
    if (n > 2)
      e.c[2] = OutwardInterval(-0.5) -
               (s1 > 0 ? sm1 / (OutwardInterval(2.0) * boost::numeric::square(B)) : OutwardInterval(0.0));
    if (s1 > 0) {
      OutwardInterval bp = boost::numeric::square(B);
      for (int k = 3; k < n; ++k) {
        bp *= B;  // B^k
        const OutwardInterval t = sm1 / (OutwardInterval(static_cast<double>(k)) * bp);
        e.c[k] = (k % 2 == 1) ? t : -t;
      }
    }
    return exp_series(e, n);
  }
  Series pw;
  for (int k = 0; k < n && k <= s1; ++k) pw.c[k] = P.binom[k] * boost::numeric::pow(B, s1 - k);
  Series e;
  e.c[0] = -(boost::numeric::square(B) * OutwardInterval(0.5));
  if (n > 1) e.c[1] = -B;
  if (n > 2) e.c[2] = OutwardInterval(-0.5);
  Series r = mul(pw, exp_series(e, n), n);
  for (int k = 0; k < n; ++k) r.c[k] *= P.ks;
  return r;
}

enum class Mode { kSmall, kLarge, kSplit };

// Series of t^2 and m = a + c t^2 around B.
void base_series(const Params& P, const OutwardInterval& B, int n, Series& t2, Series& m) {
  t2.c[0] = boost::numeric::square(B);
  if (n > 1) t2.c[1] = OutwardInterval(2.0) * B;
  if (n > 2) t2.c[2] = OutwardInterval(1.0);
  m.c[0] = P.a + P.c * t2.c[0];
  if (n > 1) m.c[1] = P.c * t2.c[1];
  if (n > 2) m.c[2] = P.c;
}

// Integrand F = G(m(t), w t) W(t) around B (B > 0), small-x form (FAST-XY-4): x = y^2/(2 w^2) with
// y = a/t + c t (series with one occurrence of B per coefficient), log t by its explicit coefficients.
Series integrand_small(const Params& P, const OutwardInterval& B, int n) {
  Series y;
  const OutwardInterval bm(base_mid(B));
  y.c[0] = centred(B, P.a / bm + P.c * bm, P.c - P.a / boost::numeric::square(B));
  if (n > 1) y.c[1] = P.c - P.a / boost::numeric::square(B);
  Series lt;
  lt.c[0] = fast::log(B);
  OutwardInterval bp = B;  // B^k
  for (int k = 1; k < n; ++k) {
    const OutwardInterval inv = OutwardInterval(1.0) / (OutwardInterval(static_cast<double>(k)) * bp);
    lt.c[k] = (k % 2 == 1) ? inv : -inv;
    bp *= B;  // B^{k+1}
    if (k >= 2) y.c[k] = (k % 2 == 0) ? P.a / bp : -(P.a / bp);  // a (-1)^k / B^{k+1}
  }
  Series x = mul(y, y, n);
  x.c[0] = boost::numeric::square(y.c[0]);
  for (int k = 0; k < n; ++k) x.c[k] /= P.w2x2;
  OutwardInterval hc[kMaxCoef];
  const OutwardInterval x0(std::max(0.0, x.c[0].lower()), x.c[0].upper());  // x >= 0
  detail::xy_h_coefficients(x0, n - 1, hc);
  Series dx = x;
  dx.c[0] = OutwardInterval(0.0);
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
  OutwardInterval tail(0.0);
  const OutwardInterval um(umax);
  OutwardInterval pw = boost::numeric::pow(um, kPDegree);
  for (int d = kPDegree; d >= 1; --d) {
    const OutwardInterval nt = tail + as.pabs[d] * pw;
    if (nt.upper() > 1e-19) break;
    tail = nt;
    deg = d - 1;
    pw = pw / um;
  }
  return R::add_up(rho, tail.upper());
}

// Integrand around B, large-x form log|m| + P_D(u), u = 2 w^2 t^2/m^2 (FAST-XY-5).
Series integrand_large(const Params& P, const OutwardInterval& B, int n, int deg) {
  Series t2, m;
  base_series(P, B, n, t2, m);
  Series tt;
  tt.c[0] = B;
  if (n > 1) tt.c[1] = OutwardInterval(1.0);
  Series z = div(tt, m, n);  // u = 2 w^2 z^2, z = t/m
  Series u = mul(z, z, n);
  u.c[0] = boost::numeric::square(z.c[0]);
  for (int k = 0; k < n; ++k) u.c[k] *= P.w2x2;
  const Asymptotic& as = asymptotic();
  Series du = u;
  du.c[0] = OutwardInterval(0.0);
  // Taylor coefficients of P at u0 (synthetic division), then compose with du.
  OutwardInterval pc[kPDegree + 1];
  {
    std::array<OutwardInterval, kPDegree + 1> b;
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
  OutwardInterval re, im;
};
Box bsq(const Box& x) {
  return {boost::numeric::square(x.re) - boost::numeric::square(x.im), OutwardInterval(2.0) * x.re * x.im};
}
Box bscale(const OutwardInterval& s, const Box& x) { return {s * x.re, s * x.im}; }
double mig(const OutwardInterval& x) {
  return boost::numeric::zero_in(x) ? 0.0 : std::min(std::fabs(x.lower()), std::fabs(x.upper()));
}
// Upper bound of |z| and lower bound of |z| over the box.
double abs_hi(const Box& x) {
  return (boost::numeric::sqrt(boost::numeric::square(OutwardInterval(boost::numeric::norm(x.re))) +
                               boost::numeric::square(OutwardInterval(boost::numeric::norm(x.im)))))
      .upper();
}
double abs_lo(const Box& x) {
  return (boost::numeric::sqrt(boost::numeric::square(OutwardInterval(mig(x.re))) +
                               boost::numeric::square(OutwardInterval(mig(x.im)))))
      .lower();
}
// Upper bound of |log r| for r in [lo, hi], 0 < lo.
double abs_log_hi(double lo, double hi) {
  return std::max(boost::numeric::norm(fast::log(OutwardInterval(lo))),
                  boost::numeric::norm(fast::log(OutwardInterval(hi))));
}

// Upper bound of |W(z)| = K_S |z|^{S-1} e^{-Re z^2/2} on the box re in [x1, x2], |im| <= rho: with s = re^2,
// (S-1)/2 log(s + rho^2) - s/2 + rho^2/2 is concave in s; bounded by its tangent at s_hat (FAST-XY-8).
double weight_bound(const Params& P, const OutwardInterval& re, double rho) {
  const double s1d = R::mul_down(mig(re), mig(re));
  const double s2u = R::mul_up(boost::numeric::norm(re), boost::numeric::norm(re));
  const OutwardInterval r2 = boost::numeric::square(OutwardInterval(rho));
  const OutwardInterval half_s1(0.5 * (static_cast<double>(P.S) - 1.0));
  const double shat = std::clamp(static_cast<double>(P.S) - 1.0 - rho * rho, s1d, s2u);
  const OutwardInterval sh(shat);
  OutwardInterval g = -(sh * OutwardInterval(0.5)) + r2 * OutwardInterval(0.5);
  OutwardInterval gp(-0.5);
  if (P.S > 1) {
    g += half_s1 * fast::log(sh + r2);
    gp += half_s1 / (sh + r2);
  }
  const OutwardInterval lo_dev = gp * (OutwardInterval(s1d) - sh);
  const OutwardInterval hi_dev = gp * (OutwardInterval(s2u) - sh);
  const double gmax = R::add_up(g.upper(), std::max(lo_dev.upper(), hi_dev.upper()));
  return (P.ks * fast::exp(OutwardInterval(gmax))).upper();
}

// Upper bound M of |F_D| on the box z (kInf when not analytic there or unbounded). Proof: FAST-XY-8.
double box_bound_one(const Params& P, Mode mode, const Box& z, double rho, int deg);

// Upper bound of |F_D| on the union of the discs of radius rho centred on [l, r] (a stadium), covered by
// the central box [l, r] x [-rho, rho] and kCap slabs on each side: the slab at distance [d0, d1] from the
// end point has |Im| <= sqrt(rho^2 - d0^2). Proof: FAST-XY-8.
double box_bound(const Params& P, Mode mode, double l, double r, double rho, int deg) {
  constexpr int kCap = 1;
  double M = box_bound_one(P, mode, Box{OutwardInterval(l, r), OutwardInterval(-rho, rho)}, rho, deg);
  for (int i = 0; i < kCap && std::isfinite(M); ++i) {
    const double d0 = rho * i / kCap, d1 = rho * (i + 1) / kCap;
    const double half = R::sqrt_up(R::sub_up(R::mul_up(rho, rho), R::mul_down(d0, d0)));
    const OutwardInterval im(-half, half);
    const Box left{OutwardInterval(R::sub_down(l, d1), R::sub_up(l, d0)), im};
    const Box right{OutwardInterval(R::add_down(r, d0), R::add_up(r, d1)), im};
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
    const OutwardInterval umod =
        P.w2x2 * boost::numeric::square(OutwardInterval(zhi)) / boost::numeric::square(OutwardInterval(mlo));
    const Asymptotic& as = asymptotic();
    OutwardInterval pb(0.0);
    for (int k = deg; k >= 0; --k) pb = pb * umod + as.pabs[k];
    return R::mul_up((OutwardInterval(lb) + pb).upper(), wb);
  }
  if (!(z.re.lower() > 0.0)) return kInf;
  // y = a/z + c z, x = y^2/(2 w^2); |H(x)| <= e^X (2 + 2 log(1 + |x|/2)), X = max(0, -Re x) (CONT-XY-1(a)).
  const OutwardInterval z2 = boost::numeric::square(z.re) + boost::numeric::square(z.im);
  Box y{P.a * z.re / z2 + P.c * z.re, -(P.a * z.im / z2) + P.c * z.im};
  Box x = bsq(y);
  x.re /= P.w2x2;
  x.im /= P.w2x2;
  const double X = std::max(0.0, -x.re.lower());
  if (X > 600.0) return kInf;
  const OutwardInterval hb =
      fast::exp(OutwardInterval(X)) *
      (OutwardInterval(2.0) +
       OutwardInterval(2.0) * fast::log(OutwardInterval(1.0) + OutwardInterval(abs_hi(x)) * OutwardInterval(0.5)));
  const double zlo = abs_lo(z);
  const OutwardInterval gb = OutwardInterval(boost::numeric::norm(P.logw)) + OutwardInterval(abs_log_hi(zlo, zhi)) +
                             OutwardInterval(1.5707963267948968) + half_gamma_log2() + hb;
  return R::mul_up(gb.upper(), wb);
}

// |K_S int_T^inf (L0 + 2t) t^{S-1} e^{-t^2/2} dt| upper bound (FAST-XY-7).
double tail_bound(const Params& P, double T, const OutwardInterval& l0) {
  const OutwardInterval tt(T);
  const OutwardInterval e = fast::exp(-(boost::numeric::square(tt) * OutwardInterval(0.5)));
  const auto ibound = [&](int nn) {  // int_T^inf t^n e^{-t^2/2} dt, n >= 0, T^2 > n - 1
    const double d = std::max(nn - 1, 0);
    const OutwardInterval den = OutwardInterval(1.0) - OutwardInterval(d) / boost::numeric::square(tt);
    if (!(den.lower() > 0.0)) return OutwardInterval(kInf);
    return boost::numeric::pow(tt, nn - 1 >= 0 ? nn - 1 : 0) / (nn == 0 ? tt : OutwardInterval(1.0)) * e / den;
  };
  const int s1 = static_cast<int>(P.S) - 1;
  const OutwardInterval r = P.ks * (l0 * ibound(s1) + OutwardInterval(2.0) * ibound(s1 + 1));
  return r.upper();
}

}  // namespace

namespace detail {

// Proof: FAST-XY-2, FAST-XY-3.
void xy_h_coefficients(const OutwardInterval& X, int nd, OutwardInterval* out) {
  const double xl = X.lower(), xu = X.upper();
  if (!(xl >= 0.0) || !(xu <= 700.0) || nd > 31) {
    for (int n = 0; n <= nd; ++n) out[n] = OutwardInterval::whole();
    return;
  }
  OutwardInterval lo[32], hi[32];
  const double xm = R::median(xl, xu);
  if (xu - xl <= 0x1p-30 * std::max(1.0, xm)) {
    // One sum at xm and the Lipschitz bound L_n (FAST-XY-3).
    poisson_moments(xm, nd, lo);
    const OutwardInterval spread(R::sub_down(xl, xm), R::sub_up(xu, xm));
    out[0] = lo[0] + spread * OutwardInterval(-1.0, 1.0);
    for (int n = 1; n <= nd; ++n) {
      out[n] = h_coef_from_moment(n, lo[n]) + spread * lipschitz_h(n) * OutwardInterval(-1.0, 1.0);
    }
    return;
  }
  // H increasing, D_n decreasing in x (FAST-XY-2): the hull of the endpoint values.
  poisson_moments(xl, nd, lo);
  poisson_moments(xu, nd, hi);
  out[0] = OutwardInterval(lo[0].lower(), hi[0].upper());
  for (int n = 1; n <= nd; ++n) {
    out[n] = h_coef_from_moment(n, OutwardInterval(hi[n].lower(), lo[n].upper()));
  }
}

}  // namespace detail

namespace {

// The Taylor-model quadrature on the whole parameter box (inputs already validated).
// Proof: FAST-XY-1 .. FAST-XY-8.
OutwardInterval direct(const OutwardInterval& a, const OutwardInterval& b, const OutwardInterval& k,
                       const OutwardInterval& sigma, unsigned S, double tol) {
  Params P;
  P.S = S;
  const OutwardInterval sS(static_cast<double>(S));
  P.a = a;
  P.c = b * k / sS;
  P.w = boost::numeric::abs(b) * sigma / sS;
  P.w2x2 = OutwardInterval(2.0) * boost::numeric::square(P.w);
  P.logw = fast::log(P.w);
  P.ks = chi_constant(S);
  P.logk = fast::log(P.ks);
  P.binom[0] = OutwardInterval(1.0);
  for (int i = 1; i < kMaxCoef; ++i) {
    P.binom[i] = P.binom[i - 1] * OutwardInterval(static_cast<double>(static_cast<int>(S) - i)) /
                 OutwardInterval(static_cast<double>(i));
  }
  if (!std::isfinite(P.logw.lower()) || !std::isfinite(P.logw.upper())) return OutwardInterval::whole();

  // Tail: |G| <= L0 + 2 log t <= L0 + 2t for t >= T >= 1 (FAST-XY-7).
  const OutwardInterval mcoef = boost::numeric::abs(a) + boost::numeric::abs(P.c) + P.w;
  const OutwardInterval l0 = half_gamma_log2() + boost::numeric::abs(P.logw) + boost::numeric::abs(fast::log(mcoef));
  double T = std::max(2.0, std::ceil(std::sqrt(static_cast<double>(S)) + 4.0));
  double tail = kInf;
  for (int it = 0; it < 200; ++it, T += 0.5) {
    if (T * T <= 2.0 * S + 2.0) continue;
    tail = tail_bound(P, T, l0);
    if (tail <= tol / 8.0) break;
  }
  if (!(tail <= tol)) return OutwardInterval::whole();

  IntervalSum total;
  total.add(OutwardInterval(-tail, tail));
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
    if (++cells > kMaxCells) return OutwardInterval::whole();
    const OutwardInterval cell(l, r);
    // Mode on the whole cell (FAST-XY-8).
    const OutwardInterval t2 = boost::numeric::square(cell);
    const OutwardInterval mm = P.a + P.c * t2;
    const OutwardInterval m2 = boost::numeric::square(mm);
    const OutwardInterval num = P.w2x2 * t2;
    Mode mode = Mode::kSplit;
    double umax = kInf;
    if (!boost::numeric::zero_in(mm)) {
      const OutwardInterval u = num / m2;
      if (u.upper() <= 1.0 / kLargeX) {
        mode = Mode::kLarge;
        umax = u.upper();
      }
    }
    if (mode == Mode::kSplit && l > 0.0) {
      const OutwardInterval x = m2 / num;
      if (x.upper() <= kSmallXMax) mode = Mode::kSmall;
    }
    const double mid = 0.5 * (l + r);
    const bool can_split = mid > l && mid < r && (r - l) > 1e-13 * std::max(1.0, r);
    if (mode == Mode::kSplit) {
      if (!can_split) return OutwardInterval::whole();
      stack.emplace_back(mid, r);
      stack.emplace_back(l, mid);
      continue;
    }
    // Cauchy bound of the order-(p+1) coefficient on every point of the cell (FAST-XY-8):
    // |F_{p+1}| <= M(rho)/rho^{p+1}; the best of a few radii rho = kappa h.
    const OutwardInterval dl = OutwardInterval(l) - OutwardInterval(mid);
    const OutwardInterval dr = OutwardInterval(r) - OutwardInterval(mid);
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
      const OutwardInterval ratio = OutwardInterval(hmax) / OutwardInterval(rad);
      const double e =
          (OutwardInterval(M) * boost::numeric::pow(ratio, n) * OutwardInterval(2.0 * hmax) / OutwardInterval(n + 1.0))
              .upper();
      err = std::min(err, e);
      if (err <= 0.5 * allowance) break;
    }
    if (mode == Mode::kLarge && std::isfinite(err)) {
      // int_cell |f - P_D| W <= rho (r - l) sup W (FAST-XY-5).
      const double wcell = weight_bound(P, cell, 0.0);
      const double mass =
          (OutwardInterval(rho) * (OutwardInterval(r) - OutwardInterval(l)) * OutwardInterval(wcell)).upper();
      err = R::add_up(err, mass);
    }
    if (!(err <= density * (r - l)) && can_split) {
      stack.emplace_back(mid, r);
      stack.emplace_back(l, mid);
      continue;
    }
    if (!std::isfinite(err)) return OutwardInterval::whole();
    // Polynomial part at the point mid (FAST-XY-1).
    const OutwardInterval bm(mid);
    Series poly = mode == Mode::kSmall ? integrand_small(P, bm, n) : integrand_large(P, bm, n, deg);
    OutwardInterval pl = dl, pr = dr;  // dl^{k+1}, dr^{k+1}
    for (int kk = 0; kk < n; ++kk) {
      total.add(poly.c[kk] * (pr - pl) / OutwardInterval(kk + 1.0));
      pl *= dl;
      pr *= dr;
    }
    total.add(OutwardInterval(-err, err));
  }
  return total.result();
}

}  // namespace

// Proof: FAST-XY-1 .. FAST-XY-8.
OutwardInterval xy_log_abs_mean(const OutwardInterval& a, const OutwardInterval& b, const OutwardInterval& k,
                                const OutwardInterval& sigma, unsigned S, double tol) {
  using boost::numeric::empty;
  if (empty(a) || empty(b) || empty(k) || empty(sigma)) return OutwardInterval::empty();
  if (b.lower() == 0.0 && b.upper() == 0.0) return log_abs(a);  // h_B is multiplied by 0
  if (boost::numeric::zero_in(a) || boost::numeric::zero_in(b)) return OutwardInterval::whole();
  if (!(sigma.lower() > 0.0) || S == 0 || S > kXyMaxBatch) return OutwardInterval::whole();
  if (!(tol > 0.0)) tol = 1e-12;
  for (const OutwardInterval* v : {&a, &b, &k, &sigma}) {
    if (!std::isfinite(v->lower()) || !std::isfinite(v->upper())) return OutwardInterval::whole();
  }
  return direct(a, b, k, sigma, S, tol);
}

}  // namespace lyapcert::fast
