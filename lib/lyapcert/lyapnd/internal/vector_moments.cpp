#include "lyapcert/lyapnd/internal/vector_moments.hpp"

#include <arb.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/fast/interval.hpp"

namespace lyapcert::lyapnd::internal {
namespace {

using fast::OutwardInterval;
using I = OutwardInterval;
using Clock = std::chrono::steady_clock;
using exact::Rational;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kPosInf = std::numeric_limits<double>::infinity();
// Upper ends of pi/2 and pi (the angle ranges of the quotient; a slightly larger range still covers it).
constexpr double kHalfPiUp = 1.5707963267948968;
constexpr double kPiUp = 3.1415926535897936;
// The Markov exponents of the tail (E R^(2m), m <= kMaxM) and the Hoelder exponents r (even, r/2 <= kMaxM).
constexpr int kMaxM = 6;
constexpr int kHoelder[] = {2, 4, 8, 12};
constexpr double kThetas[] = {0.5, 0.75, 0.9, 0.97};

double lo(const I& x) { return x.lower(); }
double hi(const I& x) { return x.upper(); }

// An interval with enclosures of its two partial derivatives in the angles (forward mode), for the mean-value
// form of LYAPND-VEC-13: every operation encloses the value and the derivatives of the exact function for every
// point of the box.
struct D {
  I v, g1, g2;
  D() : v(0.0), g1(0.0), g2(0.0) {}
  explicit D(double x) : v(x), g1(0.0), g2(0.0) {}
  D(const I& x, const I& a, const I& b) : v(x), g1(a), g2(b) {}
  D& operator+=(const D& o) {
    v += o.v;
    g1 += o.g1;
    g2 += o.g2;
    return *this;
  }
};
inline D operator+(const D& a, const D& b) { return D(a.v + b.v, a.g1 + b.g1, a.g2 + b.g2); }
inline D operator-(const D& a, const D& b) { return D(a.v - b.v, a.g1 - b.g1, a.g2 - b.g2); }
inline D operator*(const D& a, const D& b) { return D(a.v * b.v, a.g1 * b.v + a.v * b.g1, a.g2 * b.v + a.v * b.g2); }
inline D operator/(const D& a, const D& b) {
  const I q = a.v / b.v, bb = b.v * b.v;
  return D(q, (a.g1 * b.v - a.v * b.g1) / bb, (a.g2 * b.v - a.v * b.g2) / bb);
}

// ---------------------------------------------------------------------------------------------------------
// Sparse polynomials in at most 4 independent standard Gaussian variables (x_1, x_2, eps_1, eps_2), the
// exponents packed 8 bits per variable. Proof: LYAPND-VEC-12 (E of a monomial is the product of the
// one-variable moments (e - 1)!! for even e, 0 for odd e).

template <class T>
struct Poly {
  std::vector<std::uint32_t> key;
  std::vector<T> c;
  void add(std::uint32_t k, const T& v) {
    key.push_back(k);
    c.push_back(v);
  }
};

constexpr std::uint32_t var_key(int i) { return 1u << (8 * i); }

// (e - 1)!! for even e <= 30 (exact in binary64: 29!! < 2^53), 0 for odd e. Products over the variables of a
// monomial of total degree <= 30 stay below 29!! and are exact too.
struct MomentTable {
  double m[32];
  MomentTable() {
    double df = 1;
    for (int e = 0; e < 32; ++e) {
      if (e % 2 == 1) {
        m[e] = 0;
      } else {
        m[e] = df;
        df *= e + 1;
      }
    }
  }
};
const MomentTable kMom;

inline double monomial_mean(std::uint32_t k) {
  if (k & 0x01010101u) return 0;  // an odd exponent
  return kMom.m[k & 255u] * kMom.m[(k >> 8) & 255u] * kMom.m[(k >> 16) & 255u] * kMom.m[(k >> 24) & 255u];
}

inline int total_degree(std::uint32_t k) {
  return static_cast<int>((k & 255u) + ((k >> 8) & 255u) + ((k >> 16) & 255u) + ((k >> 24) & 255u));
}

template <class T>
Poly<T> mul(const Poly<T>& a, const Poly<T>& b) {
  int ma[4] = {0, 0, 0, 0}, mb[4] = {0, 0, 0, 0};
  for (std::uint32_t k : a.key)
    for (int v = 0; v < 4; ++v) ma[v] = std::max(ma[v], static_cast<int>((k >> (8 * v)) & 255u));
  for (std::uint32_t k : b.key)
    for (int v = 0; v < 4; ++v) mb[v] = std::max(mb[v], static_cast<int>((k >> (8 * v)) & 255u));
  std::size_t stride[4], size = 1;
  int dim[4];
  for (int v = 0; v < 4; ++v) {
    dim[v] = ma[v] + mb[v] + 1;
    stride[v] = size;
    size *= static_cast<std::size_t>(dim[v]);
  }
  std::vector<T> acc(size, T(0.0));
  std::vector<char> used(size, 0);
  for (std::size_t i = 0; i < a.key.size(); ++i)
    for (std::size_t j = 0; j < b.key.size(); ++j) {
      const std::uint32_t k = a.key[i] + b.key[j];
      std::size_t idx = 0;
      for (int v = 0; v < 4; ++v) idx += ((k >> (8 * v)) & 255u) * stride[v];
      acc[idx] += a.c[i] * b.c[j];
      used[idx] = 1;
    }
  Poly<T> out;
  for (std::size_t idx = 0; idx < size; ++idx) {
    if (!used[idx]) continue;
    std::uint32_t k = 0;
    std::size_t r = idx;
    for (int v = 0; v < 4; ++v) {
      k |= static_cast<std::uint32_t>(r % static_cast<std::size_t>(dim[v])) << (8 * v);
      r /= static_cast<std::size_t>(dim[v]);
    }
    out.add(k, acc[idx]);
  }
  return out;
}

// Sum of the terms of equal exponents (sorting by key).
template <class T>
Poly<T> merge(const Poly<T>& a) {
  std::vector<std::size_t> ord(a.key.size());
  for (std::size_t i = 0; i < ord.size(); ++i) ord[i] = i;
  std::sort(ord.begin(), ord.end(), [&](std::size_t x, std::size_t y) { return a.key[x] < a.key[y]; });
  Poly<T> out;
  for (std::size_t i : ord) {
    if (!out.key.empty() && out.key.back() == a.key[i]) {
      out.c.back() += a.c[i];
    } else {
      out.add(a.key[i], a.c[i]);
    }
  }
  return out;
}

template <class T>
void add_scaled(Poly<T>& out, const Poly<T>& a, const T& s) {
  for (std::size_t i = 0; i < a.key.size(); ++i) out.add(a.key[i], a.c[i] * s);
}

// E[a], E[a b] (LYAPND-VEC-12).
template <class T>
T expect(const Poly<T>& a) {
  T s(0.0);
  for (std::size_t i = 0; i < a.key.size(); ++i) {
    if (total_degree(a.key[i]) > 30) throw InputError("vector moments: degree above 30");
    s += a.c[i] * T(monomial_mean(a.key[i]));
  }
  return s;
}
template <class T>
T expect_product(const Poly<T>& a, const Poly<T>& b) {
  // Only pairs of terms whose exponents have the same parities can have a non-zero mean: bucket b's terms by the
  // parity pattern (4 bits).
  std::vector<std::size_t> bucket[16];
  auto pattern = [](std::uint32_t k) {
    const std::uint32_t o = k & 0x01010101u;
    return static_cast<int>((o & 1u) | ((o >> 7) & 2u) | ((o >> 14) & 4u) | ((o >> 21) & 8u));
  };
  for (std::size_t j = 0; j < b.key.size(); ++j) bucket[pattern(b.key[j])].push_back(j);
  T s(0.0);
  for (std::size_t i = 0; i < a.key.size(); ++i) {
    T inner(0.0);
    for (std::size_t j : bucket[pattern(a.key[i])]) {
      const double m = monomial_mean(a.key[i] + b.key[j]);
      inner += b.c[j] * T(m);
    }
    s += a.c[i] * inner;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// The model with A = c (I + lr' J), lr' = lr / c (so log|A v|/|v| = log c + log|(I + lr' J) v|/|v|).

template <class T>
struct Model {
  int q = 1, d = 2, n = 3;
  T lr, k, sigma;
};

I enclose_q(const Rational& x) { return fast::enclose(x.backend().data()); }
double to_d(const Rational& x) {
  exact::Ball b = exact::Ball::from_rational(x, 64);
  return arf_get_d(arb_midref(b.get()), ARF_RND_NEAR);
}

Model<I> model_i(const laws::VectorSaddle& v) {
  Model<I> m;
  m.q = v.q;
  m.d = v.d;
  m.n = v.q + v.d;
  const I c = I(1.0) - enclose_q(v.lr) * enclose_q(v.gamma);
  m.lr = enclose_q(v.lr) / c;
  m.k = enclose_q(v.k);
  m.sigma = sqrt(enclose_q(v.sigma2));
  return m;
}
Model<double> model_d(const laws::VectorSaddle& v) {
  Model<double> m;
  m.q = v.q;
  m.d = v.d;
  m.n = v.q + v.d;
  m.lr = to_d(v.lr) / to_d(1 - v.lr * v.gamma);
  m.k = to_d(v.k);
  m.sigma = std::sqrt(to_d(v.sigma2));
  return m;
}

Model<D> model_dual(const Model<I>& m) {
  Model<D> r;
  r.q = m.q;
  r.d = m.d;
  r.n = m.n;
  r.lr = D(m.lr, I(0.0), I(0.0));
  r.k = D(m.k, I(0.0), I(0.0));
  r.sigma = D(m.sigma, I(0.0), I(0.0));
  return r;
}

// The quadratic form Q of LYAPND-VEC-9 as an n x n matrix.
template <class T>
void q_matrix(int q, const VecPoissonParams& par, T Q[4][4]) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) Q[i][j] = T(0.0);
  const T b(par.b), half(0.5);
  if (q == 1) {
    Q[0][0] = half + b;
    Q[1][1] = half + b;
    Q[0][1] = half;
    Q[1][0] = half;
    Q[2][2] = T(par.a) + b;
  } else {
    for (int i = 0; i < 4; ++i) Q[i][i] = half + b;
    for (int i = 0; i < 2; ++i) {
      Q[i][i + 2] = half;
      Q[i + 2][i] = half;
    }
  }
}

// E[N^j] (j = 1..4), E[W^j] (j = 1..3), Q(v), |v|^2 for one direction (point or box), with
// N = Q(A v) - Q(v) = 2 lr' (Q v).(J v) + lr'^2 Q(J v), W = |A v|^2 - |v|^2 = 2 lr' v.(J v) + lr'^2 |J v|^2,
// J v = (s y, t x), s = x.w, t = y.u, y = k P x + sigma eps. Proof: LYAPND-VEC-12.
template <class T>
struct DirMoments {
  T qv, vv;
  T en[5], ew[4];
};

template <class T>
DirMoments<T> dir_moments(const Model<T>& m, const T Q[4][4], const T* v) {
  const int q = m.q, d = m.d, n = m.n;
  const T* u = v;
  const T* w = v + q;
  Poly<T> s, t;
  std::vector<Poly<T>> y(static_cast<std::size_t>(q)), jv(static_cast<std::size_t>(n));
  for (int b = 0; b < d; ++b) s.add(var_key(b), w[b]);
  for (int a = 0; a < q; ++a) {
    // y_a = k x_a + sigma eps_a (P x = (x_1, .., x_q) for q <= d).
    y[a].add(var_key(a), m.k);
    y[a].add(var_key(d + a), m.sigma);
    add_scaled(t, y[a], u[a]);
  }
  t = merge(t);
  for (int a = 0; a < q; ++a) jv[a] = mul(s, y[a]);
  for (int b = 0; b < d; ++b) {
    Poly<T> xb;
    xb.add(var_key(b), T(1.0));
    jv[q + b] = mul(t, xb);
  }
  DirMoments<T> r;
  r.qv = T(0.0);
  r.vv = T(0.0);
  for (int i = 0; i < n; ++i) {
    r.vv += v[i] * v[i];
    for (int j = 0; j < n; ++j) r.qv += v[i] * Q[i][j] * v[j];
  }
  const T two_lr = T(2.0) * m.lr, lr2 = m.lr * m.lr;
  Poly<T> nn, ww;
  for (int i = 0; i < n; ++i) {
    T qvi(0.0);
    Poly<T> qj;
    for (int j = 0; j < n; ++j) {
      qvi += Q[i][j] * v[j];
      add_scaled(qj, jv[j], Q[i][j]);
    }
    qj = merge(qj);
    add_scaled(nn, jv[i], two_lr * qvi);
    add_scaled(nn, mul(jv[i], qj), lr2);
    add_scaled(ww, jv[i], two_lr * v[i]);
    add_scaled(ww, mul(jv[i], jv[i]), lr2);
  }
  nn = merge(nn);
  ww = merge(ww);
  const Poly<T> n2 = mul(nn, nn), w2 = mul(ww, ww);
  r.en[0] = T(1.0);
  r.en[1] = expect(nn);
  r.en[2] = expect(n2);
  r.en[3] = expect_product(n2, nn);
  r.en[4] = expect_product(n2, n2);
  r.ew[0] = T(1.0);
  r.ew[1] = expect(ww);
  r.ew[2] = expect(w2);
  r.ew[3] = expect_product(w2, ww);
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Certified scalar helpers.

// An upper bound of x^(1/r) (x >= 0), checked by an interval power.
double root_up(double x, int r) {
  if (!(x >= 0)) return kPosInf;
  if (x == 0) return 0;
  if (std::isinf(x)) return kPosInf;
  double y = std::pow(x, 1.0 / r) * (1 + 1e-13);
  for (int it = 0; it < 64; ++it) {
    if (lo(pow(I(y), r)) >= x) return y;
    y = fast::next_up(y * (1 + 1e-13));
  }
  return kPosInf;
}
// A lower bound of x^(1/r) (x >= 0).
double root_down(double x, int r) {
  if (!(x > 0)) return 0;
  if (std::isinf(x)) return std::numeric_limits<double>::max();
  double y = std::pow(x, 1.0 / r) * (1 - 1e-13);
  for (int it = 0; it < 64; ++it) {
    if (hi(pow(I(y), r)) <= x) return y;
    y = fast::next_down(y * (1 - 1e-13));
  }
  return 0;
}

// The per-law constants of the tail (LYAPND-VEC-11): E R^(2m) (R = |x| |y|), the L^r bounds of
// (-log sigma_min(I + lr' J))_+, log c.
struct LawConstants {
  I er2m[kMaxM + 1];
  double lr_norm[13];  // index r
  I logc;
};

LawConstants law_constants(const laws::VectorSaddle& v) {
  const Model<I> m = model_i(v);
  LawConstants lc;
  // R^2 = |x|^2 |y|^2 as a polynomial; its powers' means are exact Gaussian moments (LYAPND-VEC-12).
  Poly<I> xx, yy;
  for (int b = 0; b < m.d; ++b) xx.add(2 * var_key(b), I(1.0));
  for (int a = 0; a < m.q; ++a) {
    Poly<I> ya;
    ya.add(var_key(a), m.k);
    ya.add(var_key(m.d + a), m.sigma);
    const Poly<I> y2 = mul(ya, ya);
    add_scaled(yy, y2, I(1.0));
  }
  const Poly<I> r2 = mul(xx, merge(yy));
  Poly<I> pw;
  pw.add(0, I(1.0));
  lc.er2m[0] = I(1.0);
  for (int mm = 1; mm <= kMaxM; ++mm) {
    pw = mul(pw, r2);
    lc.er2m[mm] = expect(pw);
  }
  const double gammas[13] = {1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600};
  for (double& x : lc.lr_norm) x = kPosInf;
  for (int r : kHoelder) {
    const double g = gammas[r];  // Gamma(r + 1) = r!
    if (m.q == 1) {
      // ||(-log|1 - lr' R|)_+||_r <= (2 r! / (sigma lr'))^(1/r) (the density of |y| given x, d = 2).
      lc.lr_norm[r] = root_up(hi(I(2.0 * g) / (m.sigma * m.lr)), r);
    } else {
      // <= (-log(4 lr'^2 |k| sigma))_+ + 2 (r!/2)^(1/r) + 2 (r!)^(1/r) + lr' (E R^r)^(1/r).
      const I z = I(4.0) * m.lr * m.lr * abs(m.k) * m.sigma;
      const double l0 = std::max(0.0, -lo(log(z)));
      const double rr = hi(m.lr * I(root_up(hi(lc.er2m[r / 2]), r)));
      lc.lr_norm[r] = hi(I(l0) + I(2.0) * I(root_up(g / 2, r)) + I(2.0) * I(root_up(g, r)) + I(rr));
    }
  }
  lc.logc = log(I(1.0) - enclose_q(v.lr) * enclose_q(v.gamma));
  return lc;
}

struct FormConstants {
  I lmin, lmax;
};
FormConstants form_constants(int q, const VecPoissonParams& par) {
  FormConstants f;
  f.lmin = I(par.b);
  f.lmax = q == 1 ? max(I(1.0) + I(par.b), I(par.a) + I(par.b)) : I(1.0) + I(par.b);
  return f;
}

// Upper bound of tail(theta) = E[(-log(1 + u))_+ 1{u < -theta}] given the enclosure qv of Q(v).
// Proof: LYAPND-VEC-11.
double tail_upper(double theta, const I& qv, const Model<I>& m, const LawConstants& lc, const FormConstants& f) {
  if (!(lo(qv) > 0)) return kPosInf;
  const I om = I(1.0) - I(theta);
  const I sq = sqrt(om);
  // (a) sqrt(1 + u) >= 1 - lr' R sqrt(lmax / Q(v)): u < -theta needs lr' R > (1 - sqrt(1 - theta)) sqrt(Q(v)/lmax).
  const double c1 = lo((I(1.0) - sq) * sqrt(I(lo(qv)) / f.lmax));
  // (b) 1 + u >= lmin sigma_min^2 / Q(v), sigma_min = min(1, |1 - lr' R|): u < -theta needs
  //     lr' R > 1 - sqrt((1 - theta) Q(v)/lmin).
  double c2 = 0;
  const I z = om * I(hi(qv)) / f.lmin;
  if (hi(z) < 1) c2 = lo(I(1.0) - sqrt(z));
  const double c = std::max(c1, c2);
  double pb = 1;
  if (c > 0) {
    const double rho = lo(I(c) / m.lr);
    for (int mm = 1; mm <= kMaxM; ++mm) pb = std::min(pb, hi(lc.er2m[mm] / pow(I(rho), 2 * mm)));
  }
  const double lq = std::max(0.0, hi(log(I(hi(qv)) / f.lmin)));
  double best = kPosInf;
  for (int r : kHoelder) {
    // E[Y 1_B] <= ||Y||_r P(B)^(1 - 1/r), Y = log(Q(v)/lmin) + 2 (-log sigma_min)_+.
    const double root = root_down(pb, r);
    if (!(root > 0)) continue;
    const double pf = hi(I(pb) / I(root));
    best = std::min(best, hi((I(lq) + I(2.0) * I(lc.lr_norm[r])) * I(pf)));
  }
  return best;
}

// The smooth part of the bound (LYAPND-VEC-10): A = (p/2) (E u - E u^2/2 + E u^3/3) - ((p - 1)/2) (E w - E w^2/2 +
// E w^3/3) and U4 = E u^4, so that h >= A - (p/8) U4/(1 - theta) - (p/2) tail(theta) + log c.
template <class T>
void smooth_parts(const DirMoments<T>& dm, double p, T& A, T& U4) {
  const T q1 = dm.qv, q2 = q1 * q1, q3 = q2 * q1, q4 = q2 * q2;
  const T v1 = dm.vv, v2 = v1 * v1, v3 = v2 * v1;
  const T u1 = dm.en[1] / q1, u2 = dm.en[2] / q2, u3 = dm.en[3] / q3;
  const T w1 = dm.ew[1] / v1, w2 = dm.ew[2] / v2, w3 = dm.ew[3] / v3;
  const T half(0.5);
  const T lbu = u1 - u2 * half + u3 / T(3.0);
  const T ubw = w1 - w2 * half + w3 / T(3.0);
  A = T(p) * half * lbu - (T(p) - T(1.0)) * half * ubw;
  U4 = dm.en[4] / q4;
}

// Best over theta of the lower end of A - (p/8) U4/(1 - theta) - (p/2) tail(theta) + log c (LYAPND-VEC-10, -11).
double combine(const I& A, const I& U4, const I& qv, double p, const Model<I>& m, const LawConstants& lc,
               const FormConstants& f) {
  double best = kNegInf;
  for (double theta : kThetas) {
    const double tail = tail_upper(theta, qv, m, lc, f);
    if (!std::isfinite(tail)) continue;
    const I h = A - I(p) / I(8.0) * U4 / (I(1.0) - I(theta)) - I(p) / I(2.0) * I(tail) + lc.logc;
    best = std::max(best, lo(h));
  }
  return best;
}

// The lower bound of h from the moments, best over theta; interval arithmetic.
double bound_from(const DirMoments<I>& dm, double p, const Model<I>& m, const LawConstants& lc,
                  const FormConstants& f) {
  if (!(lo(dm.qv) > 0) || !(lo(dm.vv) > 0)) return kNegInf;
  I A, U4;
  smooth_parts(dm, p, A, U4);
  return combine(A, U4, dm.qv, p, m, lc, f);
}

DirMoments<I> to_interval(const DirMoments<double>& d) {
  DirMoments<I> r;
  r.qv = I(d.qv);
  r.vv = I(d.vv);
  for (int j = 0; j < 5; ++j) r.en[j] = I(d.en[j]);
  for (int j = 0; j < 4; ++j) r.ew[j] = I(d.ew[j]);
  return r;
}

// Enclosure of sin and cos over [a, b] (Arb).
void sin_cos_box(double a, double b, I& s, I& c) {
  exact::Ball t, sb, cb;
  arf_t l, h;
  arf_init(l);
  arf_init(h);
  arf_set_d(l, a);
  arf_set_d(h, b);
  arb_set_interval_arf(t.get(), l, h, 64);
  arb_sin_cos(sb.get(), cb.get(), t.get(), 64);
  auto conv = [&](const exact::Ball& x) {
    arb_get_lbound_arf(l, x.get(), 64);
    arb_get_ubound_arf(h, x.get(), 64);
    return I(arf_get_d(l, ARF_RND_FLOOR), arf_get_d(h, ARF_RND_CEIL));
  };
  s = conv(sb);
  c = conv(cb);
  arf_clear(l);
  arf_clear(h);
}

void box_direction(int q, double a1lo, double a1hi, double a2lo, double a2hi, I* v) {
  I s1, c1, s2, c2;
  sin_cos_box(a1lo, a1hi, s1, c1);
  sin_cos_box(a2lo, a2hi, s2, c2);
  if (q == 1) {
    const I r2 = sqrt(I(0.5));
    v[0] = (c1 + s1 * c2) * r2;
    v[1] = (s1 * c2 - c1) * r2;
    v[2] = s1 * s2;
  } else {
    v[0] = c1;
    v[1] = I(0.0);
    v[2] = s1 * c2;
    v[3] = s1 * s2;
  }
}

// The search's directions: a grid of the quotient refined near the bottom eigenvector of E[J] (the explore
// script's choice).
std::vector<std::array<double, 4>> search_directions(int q) {
  std::vector<std::array<double, 4>> out;
  std::vector<double> g1, g2;
  if (q == 1) {
    g1.push_back(0);
    for (int i = 0; i < 14; ++i) g1.push_back(1e-3 * std::pow(1570.796 , i / 13.0));
    for (int i = 0; i < 13; ++i) g2.push_back(M_PI * i / 12.0);
  } else {
    for (int i = 0; i < 9; ++i) g1.push_back(M_PI / 2 * i / 8.0);
    for (int i = 0; i < 9; ++i) g2.push_back(M_PI * i / 8.0);
    for (int i = 0; i < 5; ++i) {
      const double dd = 1e-3 * std::pow(500.0, i / 4.0);
      g1.push_back(M_PI / 4 + dd);
      g1.push_back(M_PI / 4 - dd);
      g2.push_back(M_PI - dd);
    }
  }
  for (double a : g1)
    for (double b : g2) out.push_back(vec_direction(q, a, b));
  return out;
}

double bound_point(const Model<double>& md, const Model<I>& mi, const LawConstants& lc, int q,
                   const VecPoissonParams& par, const std::array<double, 4>& dir) {
  double Q[4][4];
  q_matrix(q, par, Q);
  const DirMoments<double> dm = dir_moments(md, Q, dir.data());
  // Binary64 overflow (extreme trial parameters) gives inf or NaN, which an interval endpoint must not be: such a
  // trial is simply rejected.
  bool finite = std::isfinite(dm.qv) && std::isfinite(dm.vv);
  for (int j = 0; j < 5; ++j) finite = finite && std::isfinite(dm.en[j]);
  for (int j = 0; j < 4; ++j) finite = finite && std::isfinite(dm.ew[j]);
  if (!finite) return kNegInf;
  return bound_from(to_interval(dm), par.p, mi, lc, form_constants(q, par));
}

}  // namespace

bool vec_poisson_applies(const laws::VectorSaddle& v) {
  const Rational c = 1 - v.lr * v.gamma;
  return v.batch == 1 && v.d == 2 && (v.q == 1 || v.q == 2) && v.sigma2 > 0 && c > 0 && (v.q == 1 || v.k != 0);
}

std::array<double, 4> vec_direction(int q, double a1, double a2) {
  if (q == 1) {
    const double r2 = std::sqrt(0.5);
    return {(std::cos(a1) + std::sin(a1) * std::cos(a2)) * r2, (std::sin(a1) * std::cos(a2) - std::cos(a1)) * r2,
            std::sin(a1) * std::sin(a2), 0};
  }
  return {std::cos(a1), 0, std::sin(a1) * std::cos(a2), std::sin(a1) * std::sin(a2)};
}

VecMomentEnclosure vec_moment_enclosure(const laws::VectorSaddle& v, const VecPoissonParams& par,
                                        const std::array<double, 4>& dir, double rad) {
  const Model<I> m = model_i(v);
  I Q[4][4], vi[4];
  q_matrix(v.q, par, Q);
  for (int i = 0; i < 4; ++i) vi[i] = I(dir[i]) + I(-rad, rad);
  const DirMoments<I> dm = dir_moments(m, Q, vi);
  VecMomentEnclosure out;
  I qp(1.0), vp(1.0);
  for (int j = 1; j <= 4; ++j) {
    qp *= dm.qv;
    const I x = dm.en[j] / qp;
    out.u[j] = {lo(x), hi(x)};
  }
  for (int j = 1; j <= 3; ++j) {
    vp *= dm.vv;
    const I x = dm.ew[j] / vp;
    out.w[j] = {lo(x), hi(x)};
  }
  return out;
}

double vec_tail_norm_bound(const laws::VectorSaddle& v, int r) {
  if (!vec_poisson_applies(v) || r < 0 || r > 12) return kPosInf;
  return law_constants(v).lr_norm[r];
}

double vec_poisson_bound_at(const laws::VectorSaddle& v, const VecPoissonParams& par,
                            const std::array<double, 4>& dir) {
  const LawConstants lc = law_constants(v);
  return bound_point(model_d(v), model_i(v), lc, v.q, par, dir);
}

namespace {

// The direction and its two angle derivatives over a box (the formulas of vec_direction differentiated).
void box_direction_dual(int q, double a1lo, double a1hi, double a2lo, double a2hi, D* v) {
  I s1, c1, s2, c2;
  sin_cos_box(a1lo, a1hi, s1, c1);
  sin_cos_box(a2lo, a2hi, s2, c2);
  if (q == 1) {
    const I r2 = sqrt(I(0.5));
    v[0] = D((c1 + s1 * c2) * r2, (c1 * c2 - s1) * r2, -(s1 * s2) * r2);
    v[1] = D((s1 * c2 - c1) * r2, (c1 * c2 + s1) * r2, -(s1 * s2) * r2);
    v[2] = D(s1 * s2, c1 * s2, s1 * c2);
    v[3] = D(0.0);
  } else {
    v[0] = D(c1, -s1, I(0.0));
    v[1] = D(0.0);
    v[2] = D(s1 * c2, c1 * c2, -(s1 * s2));
    v[3] = D(s1 * s2, c1 * s2, s1 * c2);
  }
}

// Certified lower bound of h over a box of angles (LYAPND-VEC-13): the smooth part A - (p/8) U4/(1 - theta)
// by the mean-value form (its value at the box centre plus the enclosed gradient over the box times the offsets,
// intersected with the plain interval evaluation), the tail by the box's enclosure of Q(v).
double box_lower(const Model<I>& m, const LawConstants& lc, int q, const VecPoissonParams& par, double a1lo,
                 double a1hi, double a2lo, double a2hi) {
  const Model<D> md = model_dual(m);
  D Qd[4][4], vd[4];
  q_matrix(q, par, Qd);
  box_direction_dual(q, a1lo, a1hi, a2lo, a2hi, vd);
  const DirMoments<D> dd = dir_moments(md, Qd, vd);
  if (!(lo(dd.qv.v) > 0) || !(lo(dd.vv.v) > 0)) return kNegInf;
  D Ad, U4d;
  smooth_parts(dd, par.p, Ad, U4d);
  // Centre.
  const double c1 = 0.5 * (a1lo + a1hi), c2 = 0.5 * (a2lo + a2hi);
  I Q[4][4], vc[4];
  q_matrix(q, par, Q);
  box_direction(q, c1, c1, c2, c2, vc);
  const DirMoments<I> dc = dir_moments(m, Q, vc);
  if (!(lo(dc.qv) > 0) || !(lo(dc.vv) > 0)) return kNegInf;
  I Ac, U4c;
  smooth_parts(dc, par.p, Ac, U4c);
  const I o1 = I(a1lo, a1hi) - I(c1), o2 = I(a2lo, a2hi) - I(c2);
  auto tighten = [](const I& mv, const I& plain) {
    return I(std::max(lo(mv), lo(plain)), std::min(hi(mv), hi(plain)));
  };
  const I A = tighten(Ac + Ad.g1 * o1 + Ad.g2 * o2, Ad.v);
  const I U4 = tighten(U4c + U4d.g1 * o1 + U4d.g2 * o2, U4d.v);
  return combine(A, U4, dd.qv.v, par.p, m, lc, form_constants(q, par));
}

}  // namespace

double vec_poisson_box_lower(const laws::VectorSaddle& v, const VecPoissonParams& par, double a1lo, double a1hi,
                             double a2lo, double a2hi) {
  if (!vec_poisson_applies(v) || par.p < 1 || !(par.b > 0) || !(par.a >= 0)) return kNegInf;
  return box_lower(model_i(v), law_constants(v), v.q, par, a1lo, a1hi, a2lo, a2hi);
}

VecPoissonParams vec_poisson_search(const laws::VectorSaddle& v, Clock::time_point deadline, double* best_inf,
                                    const std::vector<std::array<double, 4>>& extra) {
  const Model<double> md = model_d(v);
  const Model<I> mi = model_i(v);
  const LawConstants lc = law_constants(v);
  auto dirs = search_directions(v.q);
  dirs.insert(dirs.end(), extra.begin(), extra.end());
  const double lr = md.lr, s2 = md.sigma * md.sigma;
  auto objective = [&](const VecPoissonParams& par) {
    std::vector<double> vals(dirs.size());
    core::parallel_for(dirs.size(), 0u, [&](std::size_t i) { vals[i] = bound_point(md, mi, lc, v.q, par, dirs[i]); });
    double mn = kPosInf;
    for (double x : vals) mn = std::min(mn, std::isnan(x) ? kNegInf : x);
    return mn;
  };
  std::vector<VecPoissonParams> cands;
  if (v.q == 1) {
    for (double c1 : {0.3, 1.0, 3.0, 10.0})
      for (double mm : {1.0, 2.0, 4.0})
        for (double p : {2.0, 3.0, 5.0}) cands.push_back({c1 * lr, c1 * p * (1 + s2) / (4 * mm) * lr * lr, p});
  } else {
    for (int i = 0; i < 9; ++i)
      for (double p : {1.0, 1.5, 2.0, 3.0}) cands.push_back({0, 0.03 * std::pow(1000.0, i / 8.0) * lr, p});
  }
  VecPoissonParams best = cands[0];
  double fbest = kNegInf;
  for (const auto& c : cands) {
    if (Clock::now() >= deadline || core::stop_requested()) break;
    const double f = objective(c);
    if (f > fbest) {
      fbest = f;
      best = c;
    }
  }
  // Pattern search in (log a, log b, p) (q = 2: (log b, p)), p >= 1.
  const int dims = v.q == 1 ? 3 : 2;
  std::vector<double> x, step;
  if (v.q == 1) {
    x = {std::log(best.a), std::log(best.b), best.p};
    step = {0.7, 0.7, 0.5};
  } else {
    x = {std::log(best.b), best.p};
    step = {0.7, 0.3};
  }
  auto to_par = [&](const std::vector<double>& z) {
    VecPoissonParams p;
    if (v.q == 1) {
      p.a = std::exp(z[0]);
      p.b = std::exp(z[1]);
      p.p = std::max(1.0, z[2]);
    } else {
      p.b = std::exp(z[0]);
      p.p = std::max(1.0, z[1]);
    }
    return p;
  };
  for (int round = 0; round < 6; ++round) {
    bool improved = false;
    for (int i = 0; i < dims; ++i)
      for (double sgn : {1.0, -1.0}) {
        if (Clock::now() >= deadline || core::stop_requested()) break;
        std::vector<double> z = x;
        z[i] += sgn * step[i];
        const double f = objective(to_par(z));
        if (f > fbest) {
          fbest = f;
          x = z;
          improved = true;
        }
      }
    if (!improved)
      for (double& s : step) s /= 2;
  }
  best = to_par(x);
  if (best_inf) *best_inf = fbest;
  return best;
}

VecPoissonResult vec_poisson_certify(const laws::VectorSaddle& v, const VecPoissonParams& par,
                                     Clock::time_point deadline, std::array<double, 2>* failed_at) {
  VecPoissonResult res;
  res.params = par;
  if (!vec_poisson_applies(v) || par.p < 1 || !(par.b > 0) || !(par.a >= 0)) {
    res.note = "the moment bound needs batch=1, d = 2, q = 1 or 2, sigma > 0, c > 0 (and k != 0 for q = 2)";
    return res;
  }
  const Model<I> m = model_i(v);
  const LawConstants lc = law_constants(v);
  struct Box {
    double a1lo, a1hi, a2lo, a2hi;
  };
  std::vector<Box> stack;
  const int n0 = 8;
  for (int i = 0; i < n0; ++i)
    for (int j = 0; j < n0; ++j)
      stack.push_back({kHalfPiUp * i / n0, i + 1 == n0 ? kHalfPiUp : kHalfPiUp * (i + 1) / n0, kPiUp * j / n0,
                       j + 1 == n0 ? kPiUp : kPiUp * (j + 1) / n0});
  const double min_width = kHalfPiUp / 4096;
  double lower = kPosInf;
  while (!stack.empty()) {
    if (Clock::now() >= deadline || core::stop_requested()) {
      res.timed_out = true;
      res.note = fmt::format("time budget ended with {} boxes left", stack.size());
      return res;
    }
    const std::size_t batch = std::min<std::size_t>(stack.size(), 32);
    std::vector<Box> work(stack.end() - static_cast<std::ptrdiff_t>(batch), stack.end());
    stack.resize(stack.size() - batch);
    std::vector<double> lb(batch);
    core::parallel_for(batch, 0u, [&](std::size_t i) {
      const Box& b = work[i];
      lb[i] = box_lower(m, lc, v.q, par, b.a1lo, b.a1hi, b.a2lo, b.a2hi);
    });
    res.boxes += batch;
    for (std::size_t i = 0; i < batch; ++i) {
      const Box& b = work[i];
      if (lb[i] > 0) {
        lower = std::min(lower, lb[i]);
        continue;
      }
      if (b.a1hi - b.a1lo < min_width && b.a2hi - b.a2lo < min_width) {
        res.note = fmt::format("a box of width {:.3g} at angles ({:.6g}, {:.6g}) has lower bound {:.4g} <= 0",
                               b.a1hi - b.a1lo, b.a1lo, b.a2lo, lb[i]);
        if (failed_at) *failed_at = {0.5 * (b.a1lo + b.a1hi), 0.5 * (b.a2lo + b.a2hi)};
        return res;
      }
      // Bisect the wider side in angle units relative to its range (both ranges are about pi/2 and pi).
      const double m1 = 0.5 * (b.a1lo + b.a1hi), m2 = 0.5 * (b.a2lo + b.a2hi);
      if ((b.a1hi - b.a1lo) * 2 >= (b.a2hi - b.a2lo)) {
        stack.push_back({b.a1lo, m1, b.a2lo, b.a2hi});
        stack.push_back({m1, b.a1hi, b.a2lo, b.a2hi});
      } else {
        stack.push_back({b.a1lo, b.a1hi, b.a2lo, m2});
        stack.push_back({b.a1lo, b.a1hi, m2, b.a2hi});
      }
    }
  }
  res.certified = true;
  res.lower = lower;
  return res;
}

VecPoissonResult vec_poisson_lower(const laws::VectorSaddle& v, Clock::time_point deadline) {
  VecPoissonResult res;
  if (!vec_poisson_applies(v)) {
    res.note = "the moment bound needs batch=1, d = 2, q = 1 or 2, sigma > 0, c > 0 (and k != 0 for q = 2)";
    return res;
  }
  // Search, certify; when a box fails, its centre joins the search's directions and the search runs again
  // (the sampled directions can miss a negative region). Each search gets at most a quarter of the time left.
  std::vector<std::array<double, 4>> extra;
  std::size_t boxes = 0;
  for (int round = 0; round < 4; ++round) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    const auto search_deadline = now + (deadline - now) / 4;
    double inf_est = kNegInf;
    const VecPoissonParams par = vec_poisson_search(v, search_deadline, &inf_est, extra);
    if (!(inf_est > 0)) {
      res.params = par;
      res.search_inf = inf_est;
      res.boxes = boxes;
      res.note = fmt::format("the binary64 search found no Q, p with a positive bound (best {:.4g})", inf_est);
      return res;
    }
    std::array<double, 2> failed{};
    res = vec_poisson_certify(v, par, deadline, &failed);
    boxes += res.boxes;
    res.boxes = boxes;
    res.search_inf = inf_est;
    if (res.certified || res.timed_out) return res;
    extra.push_back(vec_direction(v.q, failed[0], failed[1]));
  }
  return res;
}

}  // namespace lyapcert::lyapnd::internal
