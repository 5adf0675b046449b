#include "lyapcert/lyapnd/cycle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/fmpz.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/internal/cycle_levels.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "lyapcert/lyapnd/internal/stop_poll.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Fmpz;
using exact::Integer;
using exact::Rational;
using Clock = std::chrono::steady_clock;


// ---------------------------------------------------------------------------------------------
// Certificate search in binary64 (heuristic; the result is verified exactly afterwards).

struct AtomD {
  double a, b, c, d, p;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// Per-atom bound constants in binary64 for (c0, r, a): coef_i = p_i M_i / sqrt(1 - theta_i^2) and
// theta_i (LYAPND-CYCLE-3); false when a condition of LYAPND-CYCLE-1 fails (with margin).
bool constants_d(const std::vector<AtomD>& at, double c0, double r, double a, std::vector<double>& coef,
                 std::vector<double>& th) {
  if (!(r > 0) || !(std::fabs(a) < 0.995)) return false;
  coef.resize(at.size());
  th.resize(at.size());
  for (std::size_t i = 0; i < at.size(); ++i) {
    const AtomD& m = at[i];
    const double s0 = (m.a + m.c) * c0 + (m.b + m.d) * (1 - c0);
    if (!(std::fabs(s0) > 0) || !std::isfinite(s0)) return false;
    const double beta1 = (m.a + m.c) - (m.b + m.d);
    if (!(std::fabs(beta1) * r < 0.995 * std::fabs(s0))) return false;
    auto f = [&](double x) { return (m.a * x + m.b * (1 - x)) / ((m.a + m.c) * x + (m.b + m.d) * (1 - x)); };
    const double fm = (f(c0 - r) - c0) / r, fp = (f(c0 + r) - c0) / r;
    if (!(std::fabs(fm) < 0.995 && std::fabs(fp) < 0.995)) return false;
    auto phi = [&](double u) { return (u - a) / (1 - a * u); };
    const double t = std::max(std::fabs(phi(fm)), std::fabs(phi(fp)));
    if (!(t < 0.995)) return false;
    const double mid = (fm + fp) / 2, rad = std::fabs(fp - fm) / 2;
    const double den = 1 - a * mid - std::fabs(a) * rad;
    if (!(den > 0)) return false;
    th[i] = t;
    coef[i] = m.p * std::sqrt(1 - a * a) / den / std::sqrt(1 - t * t);
  }
  return true;
}

// log of the leading term prod_{j < n} sigma_j of the coefficient bound (LYAPND-CYCLE-4).
double objective(const std::vector<AtomD>& at, double c0, double r, double a, int n) {
  std::vector<double> coef, th;
  if (!constants_d(at, c0, r, a, coef, th)) return kInf;
  double obj = 0;
  for (int j = 0; j < n; ++j) {
    double s = 0;
    for (std::size_t i = 0; i < at.size(); ++i) s += coef[i] * std::pow(th[i], j);
    if (!(s > 0)) return -kInf;  // every theta_i = 0: the determinant is a polynomial of degree <= 1
    obj += std::log(s);
  }
  return obj;
}

struct Candidate {
  double c0 = 0, r = 0, a = 0, obj = kInf;
};

Candidate search(const std::vector<AtomD>& at, int n, double lo, double hi) {
  const double span = std::max(hi - lo, 0.05 * std::max({1.0, std::fabs(lo), std::fabs(hi)}));
  Candidate best;
  auto consider = [&](double c0, double r, double a) {
    const double o = objective(at, c0, r, a, n);
    if (o < best.obj) best = Candidate{c0, r, a, o};
  };
  for (int ic = 0; ic <= 40; ++ic) {
    const double c0 = lo - span + (hi - lo + 2 * span) * ic / 40.0;
    for (int ir = 0; ir <= 40; ++ir) {
      const double r = span * 0.05 * std::pow(4000.0, ir / 40.0);
      for (int ia = -9; ia <= 9; ++ia) consider(c0, r, ia / 10.0);
    }
  }
  if (!std::isfinite(best.obj)) return best;
  // Pattern search around the best grid point.
  double dc = span / 40, dl = 0.1, da = 0.05;
  for (int it = 0; it < 200 && (dc > 1e-9 * span || da > 1e-9); ++it) {
    const Candidate before = best;
    for (int s : {-1, 1}) {
      consider(best.c0 + s * dc, best.r, best.a);
      consider(best.c0, best.r * std::exp(s * dl), best.a);
      consider(best.c0, best.r, std::clamp(best.a + s * da, -0.99, 0.99));
    }
    if (best.obj >= before.obj) {
      dc /= 2;
      dl /= 2;
      da /= 2;
    }
  }
  return best;
}

// Exact dyadic x rounded to a multiple of 2^-bits (exact conversion of the double).
Rational dyadic(double x, int bits) { return Rational(std::ldexp(std::nearbyint(std::ldexp(x, bits)), -bits)); }

std::vector<std::size_t> positive_atoms(const laws::FiniteMatrices& f) {
  std::vector<std::size_t> idx;
  for (std::size_t j = 0; j < f.probs.size(); ++j)
    if (f.probs[j] > 0) idx.push_back(j);
  return idx;
}

lyap::CertifiedValue value_of(const Ball& b) {
  lyap::CertifiedValue v;
  v.ball = b;
  if (!b.contains_zero()) v.sign = arb_is_positive(b.get()) ? lyap::Sign::positive : lyap::Sign::negative;
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// LYAPND-CYCLE-1: exact verification of the disc.

std::optional<CycleCertificate> verify_cycle_disc(const laws::FiniteMatrices& f, const Rational& c0,
                                                  const Rational& r, const Rational& a) {
  // Proof: LYAPND-CYCLE-1 (every condition below is one of its exact checks).
  if (r <= 0 || a <= -1 || a >= 1) return std::nullopt;
  CycleCertificate cert;
  cert.center = c0;
  cert.radius = r;
  cert.a = a;
  cert.theta_max = 0;
  for (std::size_t j : positive_atoms(f)) {
    std::vector<Rational> m = f.matrices[j];
    if (m.size() != 4) return std::nullopt;
    Rational s0 = (m[0] + m[2]) * c0 + (m[1] + m[3]) * (1 - c0);  // s_i(c0) = l(M_i (c0, 1 - c0))
    if (s0 == 0) return std::nullopt;
    int sg = 1;
    if (s0 < 0) {  // -M_i has the same projective action and the same |products|
      sg = -1;
      for (auto& x : m) x = -x;
      s0 = -s0;
    }
    const Rational beta1 = (m[0] + m[2]) - (m[1] + m[3]);
    const Rational rho = exact::rational_abs(beta1) * r / s0;
    if (rho >= 1) return std::nullopt;  // s_i vanishes on the closed disc (the pole of f_i)
    auto fx = [&](const Rational& x) {
      return Rational((m[0] * x + m[1] * (1 - x)) / ((m[0] + m[2]) * x + (m[1] + m[3]) * (1 - x)));
    };
    const Rational fm = (fx(c0 - r) - c0) / r, fp = (fx(c0 + r) - c0) / r;
    // f_i(closed D) not inside D
    if (exact::rational_abs(fm) >= 1 || exact::rational_abs(fp) >= 1) return std::nullopt;
    auto phi = [&](const Rational& u) { return Rational((u - a) / (1 - a * u)); };
    const Rational th = std::max(exact::rational_abs(phi(fm)), exact::rational_abs(phi(fp)));
    const Rational mid = (fm + fp) / 2, rad = exact::rational_abs(fp - fm) / 2;
    const Rational den = 1 - a * mid - exact::rational_abs(a) * rad;
    if (den <= 0 || th >= 1) return std::nullopt;  // impossible when the checks above pass
    cert.probs.push_back(f.probs[j]);
    cert.mats.push_back(m);
    cert.sign.push_back(sg);
    cert.kappa.push_back(s0);
    cert.rho.push_back(rho);
    cert.theta.push_back(th);
    cert.m2.push_back((1 - a * a) / (den * den));
    if (th > cert.theta_max) cert.theta_max = th;
  }
  if (cert.probs.empty()) return std::nullopt;
  return cert;
}

bool cycle_applies_for_auto(const laws::FiniteMatrices& f, int d) {
  if (d != 2) return false;
  const auto idx = positive_atoms(f);
  if (idx.empty()) return false;
  for (std::size_t j : idx) {
    bool pos = true, neg = true;
    for (const Rational& x : f.matrices[j]) {
      if (!(x > 0)) pos = false;
      if (!(x < 0)) neg = false;
    }
    if (!pos && !neg) return false;
  }
  return true;
}

std::optional<CycleCertificate> find_cycle_certificate(const laws::FiniteMatrices& f, int digits) {
  const auto idx = positive_atoms(f);
  if (idx.empty()) return std::nullopt;
  std::vector<AtomD> at;
  double lo = kInf, hi = -kInf;
  for (std::size_t j : idx) {
    const auto& m = f.matrices[j];
    if (m.size() != 4) return std::nullopt;
    AtomD x{m[0].convert_to<double>(), m[1].convert_to<double>(), m[2].convert_to<double>(),
            m[3].convert_to<double>(), f.probs[j].convert_to<double>()};
    // Attracting fixed point of the projective action: the eigenvector of the eigenvalue of larger
    // modulus, in the coordinate x = v1 / (v1 + v2). Needed only to place the search grid.
    const double disc = (x.a - x.d) * (x.a - x.d) + 4 * x.b * x.c;
    if (!(disc > 0)) return std::nullopt;  // complex or repeated eigenvalues: no attracting disc
    const double sq = std::sqrt(disc), tr = x.a + x.d;
    const double lam = tr >= 0 ? (tr + sq) / 2 : (tr - sq) / 2;
    double v1 = x.b, v2 = lam - x.a;
    if (std::fabs(v1) + std::fabs(v2) < 1e-300) {
      v1 = lam - x.d;
      v2 = x.c;
    }
    if (!(std::fabs(v1 + v2) > 1e-12 * (std::fabs(v1) + std::fabs(v2)))) return std::nullopt;
    const double xs = v1 / (v1 + v2);
    lo = std::min(lo, xs);
    hi = std::max(hi, xs);
    at.push_back(x);
  }
  std::vector<Candidate> cands;
  // Design length: first a generic one, then the length at which the leading term of the bound
  // reaches 10^-(digits + 3).
  int n = 10;
  for (int round = 0; round < 2; ++round) {
    const Candidate c = search(at, n, lo, hi);
    if (!std::isfinite(c.obj) && c.obj > 0) break;
    cands.push_back(c);
    std::vector<double> coef, th;
    if (!constants_d(at, c.c0, c.r, c.a, coef, th)) break;
    double acc = 0;
    int need = 1;
    for (; need < 80; ++need) {
      double s = 0;
      for (std::size_t i = 0; i < at.size(); ++i) s += coef[i] * std::pow(th[i], need - 1);
      if (!(s > 0)) break;
      acc += std::log(s);
      if (acc < -(digits + 3) * std::log(10.0)) break;
    }
    if (need == n) break;
    n = std::max(2, need);
  }
  // Fallback for positive families: the disc with diameter [0, 1] (LYAPND-CYCLE-1, remark).
  cands.push_back(Candidate{0.5, 0.5, 0.0, kInf});
  std::optional<CycleCertificate> best;
  double best_obj = kInf;
  for (const Candidate& c : cands) {
    const double scale = std::max(1.0, std::fabs(c.c0) + c.r);
    const int bits = 30 - static_cast<int>(std::ceil(std::log2(scale)));
    for (double a : {c.a, 0.0}) {
      auto v = verify_cycle_disc(f, dyadic(c.c0, bits), dyadic(c.r, bits), dyadic(a, 30));
      if (!v) continue;
      const double o = objective(at, v->center.convert_to<double>(), v->radius.convert_to<double>(),
                                 v->a.convert_to<double>(), n);
      if (!best || o < best_obj) {
        best = std::move(v);
        best_obj = o;
      }
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// LYAPND-CYCLE-4 / -5: coefficient and tail bounds.

namespace {

// Per pair q = (atom i, disc j) (one pair per atom when cones == 1). The singular values are bounded
// by sigma_n = S_{floor(n/m)}, m = cones (LYAPND-MCONE-3), and from index J = m Q on by
// tail_lead * S_Q * tail_ratio^(n - J) with tail_ratio = theta^(1/m), tail_lead = theta^(-(m-1)/m)
// (LYAPND-MCONE-4); for m = 1 these are theta and 1 (LYAPND-CYCLE-4).
struct BoundConsts {
  std::vector<Ball> base;   // p_i M_q / sqrt(1 - theta_q^2)
  std::vector<Ball> theta;  // theta_q
  std::vector<Ball> logw;   // L_q >= sup_{D_j} |Log(s_ij / kappa_i)|
  std::vector<int> source;  // the disc j of pair q
  int cones = 1;
  Ball theta_max;
  Ball tail_ratio, tail_lead;
  Ball p_inf;               // lower bound of prod_{l >= 1} (1 - tail_ratio^l)
  bool weights_constant = false;  // every rho_q = 0 and kappa_ij = kappa_i: L_t does not depend on t
  double lmax = 0;
};

BoundConsts consts_of(const CycleCertificate& cert, slong prec) {
  BoundConsts k;
  k.weights_constant = true;
  k.cones = std::max(cert.cones, 1);
  const std::size_t npairs = cert.probs.size() * static_cast<std::size_t>(k.cones);
  for (std::size_t q = 0; q < npairs; ++q) {
    const std::size_t i = q / static_cast<std::size_t>(k.cones);
    k.source.push_back(static_cast<int>(q % static_cast<std::size_t>(k.cones)));
    Ball p = Ball::from_rational(cert.probs[i], prec), m = Ball::from_rational(cert.m2[q], prec);
    Ball th = Ball::from_rational(cert.theta[q], prec), rho = Ball::from_rational(cert.rho[q], prec);
    arb_sqrt(m.get(), m.get(), prec);
    Ball g;
    arb_sqr(g.get(), th.get(), prec);
    arb_sub_ui(g.get(), g.get(), 1, prec);
    arb_neg(g.get(), g.get());
    arb_rsqrt(g.get(), g.get(), prec);  // 1/sqrt(1 - theta_i^2)
    Ball b;
    arb_mul(b.get(), p.get(), m.get(), prec);
    arb_mul(b.get(), b.get(), g.get(), prec);
    k.base.push_back(b);
    k.theta.push_back(th);
    Ball l;
    arb_sub_ui(l.get(), rho.get(), 1, prec);
    arb_neg(l.get(), l.get());
    arb_log(l.get(), l.get(), prec);
    arb_neg(l.get(), l.get());
    if (cert.rho[q] != 0) k.weights_constant = false;
    if (!cert.kappa_ratio.empty() && cert.kappa_ratio[q] != 1) {
      // |Log(s_ij / kappa_i)| <= |log(kappa_ij / kappa_i)| - log(1 - rho_ij). Proof: LYAPND-MCONE-1 (a)
      Ball lr = Ball::from_rational(cert.kappa_ratio[q], prec);
      arb_log(lr.get(), lr.get(), prec);
      arb_abs(lr.get(), lr.get());
      arb_add(l.get(), l.get(), lr.get(), prec);
      k.weights_constant = false;
    }
    k.lmax = std::max(k.lmax, arf_get_d(arb_midref(l.get()), ARF_RND_UP));
    k.logw.push_back(l);
  }
  k.theta_max = Ball::from_rational(cert.theta_max, prec);
  k.tail_ratio = k.theta_max;
  arb_one(k.tail_lead.get());
  if (k.cones > 1) {  // Proof: LYAPND-MCONE-4
    arb_root_ui(k.tail_ratio.get(), k.theta_max.get(), static_cast<ulong>(k.cones), prec);
    arb_pow_ui(k.tail_lead.get(), k.tail_ratio.get(), static_cast<ulong>(k.cones - 1), prec);
    arb_inv(k.tail_lead.get(), k.tail_lead.get(), prec);
  }
  // prod_{l >= 1} (1 - theta^l) >= prod_{l <= L} (1 - theta^l) * (1 - theta^(L+1)/(1 - theta)),
  // theta = tail_ratio
  Ball prod, pw, t;
  arb_one(prod.get());
  arb_one(pw.get());
  for (int l = 1; l <= 100000; ++l) {
    arb_mul(pw.get(), pw.get(), k.tail_ratio.get(), prec);
    arb_sub_ui(t.get(), pw.get(), 1, prec);
    arb_neg(t.get(), t.get());
    arb_mul(prod.get(), prod.get(), t.get(), prec);
    // remainder factor 1 - theta^(l+1)/(1 - theta)
    Ball rem, om;
    arb_mul(rem.get(), pw.get(), k.tail_ratio.get(), prec);
    arb_sub_ui(om.get(), k.tail_ratio.get(), 1, prec);
    arb_neg(om.get(), om.get());
    arb_div(rem.get(), rem.get(), om.get(), prec);
    if (arb_lt(rem.get(), Ball::from_si(1).get()) && arf_cmpabs_2exp_si(arb_midref(rem.get()), -2) < 0) {
      arb_sub_ui(rem.get(), rem.get(), 1, prec);
      arb_neg(rem.get(), rem.get());
      arb_mul(prod.get(), prod.get(), rem.get(), prec);
      break;
    }
    if (l == 100000) arb_zero(prod.get());
  }
  k.p_inf = prod;
  return k;
}

// sigma_j(eps) for j = 0..J-1, bounds of a_{j+1}(L_t), |t| <= eps. One disc:
// sigma_j = sum_i base_i exp(eps L_i) theta_i^j (Proof: LYAPND-CYCLE-3). m discs: sigma_j = S_{floor(j/m)},
// S_Q = (sum_l A_l(Q)^2)^(1/2), A_l(Q) = sum over the pairs q from disc l of base_q exp(eps L_q) theta_q^Q
// (Proof: LYAPND-MCONE-3).
std::vector<Ball> sigmas(const BoundConsts& k, const Ball& eps, int J, slong prec) {
  const int m = k.cones;
  const int Q = (J + m - 1) / m;
  std::vector<std::vector<Ball>> A(m, std::vector<Ball>(Q));
  for (std::size_t i = 0; i < k.base.size(); ++i) {
    Ball a;
    arb_mul(a.get(), eps.get(), k.logw[i].get(), prec);
    arb_exp(a.get(), a.get(), prec);
    arb_mul(a.get(), a.get(), k.base[i].get(), prec);
    std::vector<Ball>& row = A[k.source[i]];
    for (int j = 0; j < Q; ++j) {
      arb_add(row[j].get(), row[j].get(), a.get(), prec);
      arb_mul(a.get(), a.get(), k.theta[i].get(), prec);
    }
  }
  if (m == 1) {
    A[0].resize(J);
    return A[0];
  }
  std::vector<Ball> S(Q);
  for (int q = 0; q < Q; ++q) {
    for (int l = 0; l < m; ++l) arb_addmul(S[q].get(), A[l][q].get(), A[l][q].get(), prec);
    arb_sqrtpos(S[q].get(), S[q].get(), prec);
  }
  std::vector<Ball> s(J);
  for (int j = 0; j < J; ++j) s[j] = S[j / m];
  return s;
}

// Upper bound (ball whose upper endpoint bounds) of e_n(sigma_0, sigma_1, ...).
// Proof: LYAPND-CYCLE-4 (head/tail split, Euler's identity for the tail).
// Several discs: J is a multiple of m and the tail is bounded by tail_lead * sigma_J * tail_ratio^l
// (Proof: LYAPND-MCONE-4).
Ball e_bound(const BoundConsts& k, const Ball& eps, int n, slong prec) {
  const int J = (n + 6 + k.cones - 1) / k.cones * k.cones;
  std::vector<Ball> s = sigmas(k, eps, J + 1, prec);
  arb_mul(s[J].get(), s[J].get(), k.tail_lead.get(), prec);
  std::vector<Ball> e(n + 1);
  arb_one(e[0].get());
  for (int j = 0; j < J; ++j)
    for (int m = n; m >= 1; --m) arb_addmul(e[m].get(), e[m - 1].get(), s[j].get(), prec);
  // tail e_m(sigma_J theta^l, l >= 0) <= sigma_J^m theta^(m(m-1)/2) / prod_{l <= m} (1 - theta^l)
  Ball total, tail, den, pw;
  arb_one(tail.get());
  arb_one(den.get());
  arb_one(pw.get());
  for (int m = 0; m <= n; ++m) {
    if (m > 0) {
      // tail_m = tail_{m-1} * sigma_J * theta^(m-1) / (1 - theta^m)
      arb_mul(tail.get(), tail.get(), s[J].get(), prec);
      if (m > 1) arb_mul(pw.get(), pw.get(), k.tail_ratio.get(), prec);  // theta^(m-1)
      arb_mul(tail.get(), tail.get(), pw.get(), prec);
      Ball q;
      arb_pow_ui(q.get(), k.tail_ratio.get(), static_cast<ulong>(m), prec);
      arb_sub_ui(q.get(), q.get(), 1, prec);
      arb_neg(q.get(), q.get());
      arb_div(tail.get(), tail.get(), q.get(), prec);
    }
    arb_addmul(total.get(), e[n - m].get(), tail.get(), prec);
  }
  return total;
}

Ball upper_ball(const Ball& b, slong prec) {
  // A ball [0, u] with u >= the upper endpoint of b (b is an enclosure of a nonnegative bound).
  Ball out;
  if (!b.is_finite()) {
    arb_pos_inf(out.get());
    return out;
  }
  arf_t u;
  arf_init(u);
  arb_get_ubound_arf(u, b.get(), prec);
  arb_set_arf(out.get(), u);
  arf_clear(u);
  return out;
}

Ball eps_for(const BoundConsts& k, int n) {
  double e = 1.0 / (std::max(n, 1) * std::max(k.lmax, 1e-12));
  e = std::clamp(e, std::ldexp(1.0, -40), std::ldexp(1.0, 20));
  int ex;
  std::frexp(e, &ex);
  Ball b;
  arb_set_d(b.get(), std::ldexp(1.0, ex - 1));  // a power of two near 1/(n L_max): exact
  return b;
}

}  // namespace

CycleBounds cycle_bounds(const CycleCertificate& cert, int max_length, slong prec) {
  // Proof: LYAPND-CYCLE-4 (coefficients, Cauchy estimate for c_n'), LYAPND-CYCLE-5 (tails).
  const BoundConsts k = consts_of(cert, prec);
  CycleBounds out;
  const int N = std::max(max_length, 1);
  Ball zero;
  // Crude regime from n1 + 1 on: 2 sigma_0(eps*) theta^(n1+1) <= 1/2 (LYAPND-CYCLE-5).
  int n1 = N + 1;
  Ball crude_rest;  // bound of sum_{n > n1} of the crude terms
  arb_pos_inf(crude_rest.get());
  for (; n1 <= N + 200; ++n1) {
    const Ball es = eps_for(k, n1 + 1);
    std::vector<Ball> s0 = sigmas(k, es, 1, prec);
    arb_mul(s0[0].get(), s0[0].get(), k.tail_lead.get(), prec);  // Proof: LYAPND-MCONE-4 (m = 1: factor 1)
    Ball q;
    arb_pow_ui(q.get(), k.tail_ratio.get(), static_cast<ulong>(n1 + 1), prec);
    arb_mul(q.get(), q.get(), s0[0].get(), prec);
    arb_mul_2exp_si(q.get(), q.get(), 2);  // 4 sigma_0 theta^(n1+1) <= 1  <=>  q <= 1/2
    if (!arb_le(q.get(), Ball::from_si(1).get())) continue;
    if (!arb_is_positive(k.p_inf.get())) break;
    // term_{n1+1} = (n1+1) sigma_0^(n1+1) theta^(n1 (n1+1)/2) / (P_inf min(1, eps*)); rest <= 2 term
    const slong m = n1 + 1;
    Ball t;
    arb_pow_ui(t.get(), s0[0].get(), static_cast<ulong>(m), prec);
    Ball th;
    arb_pow_ui(th.get(), k.tail_ratio.get(), static_cast<ulong>(m * (m - 1) / 2), prec);
    arb_mul(t.get(), t.get(), th.get(), prec);
    arb_mul_ui(t.get(), t.get(), static_cast<ulong>(m), prec);
    arb_div(t.get(), t.get(), k.p_inf.get(), prec);
    if (arf_cmp_si(arb_midref(es.get()), 1) < 0) arb_div(t.get(), t.get(), es.get(), prec);
    arb_mul_2exp_si(t.get(), t.get(), 1);
    crude_rest = t;
    // Several discs: vartheta = theta^(1/m) is closer to 1 and the first admissible n1 can leave a
    // large R; any larger n1 is admissible too (LYAPND-MCONE-4 (b)), so move on until R <= 2^-1000.
    Ball tiny;
    arb_one(tiny.get());
    arb_mul_2exp_si(tiny.get(), tiny.get(), -1000);
    if (k.cones > 1 && n1 < N + 200 && !arb_lt(t.get(), tiny.get())) continue;
    break;
  }
  const int nlast = std::min(n1, N + 200);
  std::vector<Ball> tz(nlast + 2), tt(nlast + 2);
  out.coefficient_bound.resize(N + 1);
  out.derivative_bound.resize(N + 1);
  for (int n = 0; n <= nlast; ++n) {
    Ball cb, db;
    if (n == 0) {
      arb_one(cb.get());  // c_0 = 1, c_0' = 0
    } else {
      cb = upper_ball(e_bound(k, zero, n, prec), prec);
      if (!k.weights_constant) {
        const Ball es = eps_for(k, n);
        db = e_bound(k, es, n, prec);
        arb_div(db.get(), db.get(), es.get(), prec);  // Cauchy: |c_n'(0)| <= sup_{|t| = eps} |c_n(t)| / eps
        db = upper_ball(db, prec);
      }
    }
    if (n <= N) {
      out.coefficient_bound[n] = cb;
      out.derivative_bound[n] = db;
    }
    arb_mul_ui(tz[n].get(), cb.get(), static_cast<ulong>(n), prec);
    tt[n] = db;
  }
  out.tail_z.resize(N + 1);
  out.tail_t.resize(N + 1);
  Ball sz = crude_rest, st = crude_rest;
  if (k.weights_constant) arb_zero(st.get());
  for (int n = nlast; n >= 1; --n) {
    arb_add(sz.get(), sz.get(), tz[n].get(), prec);
    arb_add(st.get(), st.get(), tt[n].get(), prec);
    if (n - 1 <= N) {
      out.tail_z[n - 1] = upper_ball(sz, prec);
      out.tail_t[n - 1] = upper_ball(st, prec);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// LYAPND-CYCLE-2 / -6: traces over necklaces and the enclosures.

namespace {

struct NecklaceWalk {
  int N = 0, k = 0;
  slong prec = 0;
  std::vector<std::array<Fmpz, 4>> atoms;   // integer numerators N_i (sign-normalised)
  std::vector<Fmpz> weights;                // omega_i, p_i = omega_i / W
  std::vector<Ball> gamma;                  // log(s_i(c0) for N_i)
  std::vector<int> a;                       // a[1..N], a[0] = 0
  std::vector<std::array<Fmpz, 4>> prod;    // prod[t] = N_{a1} ... N_{at}
  std::vector<Fmpz> omega;                  // omega[t] = prod of weights
  std::vector<Ball> gsum;                   // gsum[t] = log 2 + sum gamma
  std::vector<Ball> tau, taud;              // integer-weighted trace sums per length
  int cones = 1;                            // several discs: cone[t][j] = disc reached from j by a1..at
  std::vector<int> target;                  // target[i * cones + j]
  std::vector<std::vector<int>> cone;
  Clock::time_point deadline;
  std::uint64_t nodes = 0, necklaces = 0;
  bool timed_out = false, contradiction = false;
  Fmpz tr, det, disc, wt, tmp;
  Ball sq, l2, v, lg, u;

  void push(int t, int j) {
    a[t] = j;
    const auto& P = prod[t - 1];
    const auto& Q = atoms[j];
    auto& R = prod[t];
    fmpz_mul(R[0].get(), P[0].get(), Q[0].get());
    fmpz_addmul(R[0].get(), P[1].get(), Q[2].get());
    fmpz_mul(R[1].get(), P[0].get(), Q[1].get());
    fmpz_addmul(R[1].get(), P[1].get(), Q[3].get());
    fmpz_mul(R[2].get(), P[2].get(), Q[0].get());
    fmpz_addmul(R[2].get(), P[3].get(), Q[2].get());
    fmpz_mul(R[3].get(), P[2].get(), Q[1].get());
    fmpz_addmul(R[3].get(), P[3].get(), Q[3].get());
    fmpz_mul(omega[t].get(), omega[t - 1].get(), weights[j].get());
    arb_add(gsum[t].get(), gsum[t - 1].get(), gamma[j].get(), prec);
    if (cones > 1)
      for (int c = 0; c < cones; ++c) cone[t][c] = target[j * cones + cone[t - 1][c]];
  }

  // A necklace of length t whose primitive period is p: p distinct rotations, equal traces.
  // Proof: LYAPND-CYCLE-2 (a), (b) (Perron data, trace formula), LYAPND-CYCLE-6 (necklace grouping).
  // Several discs: the word contributes once per disc j it maps into itself (cone[t][j] == j), with
  // |lambda_1| = (|tr| + sqrt(disc)) / 2. Proof: LYAPND-MCONE-2 (a), (b).
  void necklace(int t, int p) {
    ++necklaces;
    int fixed = 1;
    if (cones > 1) {
      fixed = 0;
      for (int c = 0; c < cones; ++c) fixed += cone[t][c] == c;
      if (fixed == 0) return;  // no diagonal block: the word adds nothing to the trace
    }
    const auto& R = prod[t];
    fmpz_add(tr.get(), R[0].get(), R[3].get());
    fmpz_mul(det.get(), R[0].get(), R[3].get());
    fmpz_submul(det.get(), R[1].get(), R[2].get());
    fmpz_mul(disc.get(), tr.get(), tr.get());
    fmpz_submul_ui(disc.get(), det.get(), 4);
    if (cones > 1) fmpz_abs(tr.get(), tr.get());  // the atoms are not sign-normalised per chart
    if (fmpz_sgn(tr.get()) <= 0 || fmpz_sgn(disc.get()) <= 0) {
      contradiction = true;  // impossible under LYAPND-CYCLE-1 (proof, step 2) / LYAPND-MCONE-2 (a)
      return;
    }
    arb_sqrt_fmpz(sq.get(), disc.get(), prec);            // lambda_1 - lambda_2
    arb_add_fmpz(l2.get(), sq.get(), tr.get(), prec);     // 2 lambda_1
    arb_div(v.get(), l2.get(), sq.get(), prec);
    arb_mul_2exp_si(v.get(), v.get(), -1);                // 1 / (1 - lambda_2/lambda_1)
    arb_log(lg.get(), l2.get(), prec);
    arb_sub(lg.get(), lg.get(), gsum[t].get(), prec);     // log(lambda_1(M_w) / kappa_w)
    fmpz_mul_ui(wt.get(), omega[t].get(), static_cast<ulong>(p * fixed));
    arb_mul_fmpz(u.get(), v.get(), wt.get(), prec);
    arb_add(tau[t].get(), tau[t].get(), u.get(), prec);
    arb_addmul(taud[t].get(), u.get(), lg.get(), prec);
  }

  // Fredricksen-Kessler-Maiorana generation of all prenecklaces of length <= N (a[1..t-1] given,
  // p = length of its longest Lyndon prefix).
  void gen(int t, int p) {
    if (t > N || timed_out || contradiction) return;
    for (int j = a[t - p]; j < k; ++j) {
      const int pp = (j == a[t - p]) ? p : t;
      push(t, j);
      if ((++nodes & 1023) == 0 && detail::past(deadline)) {
        timed_out = true;
        return;
      }
      if (t % pp == 0) necklace(t, pp);
      gen(t + 1, pp);
      if (timed_out || contradiction) return;
    }
  }
};

}  // namespace

std::optional<CycleLevels> cycle_levels(const CycleCertificate& cert, const CycleBounds& bounds, int max_length,
                                        slong prec, Clock::time_point deadline) {
  const int N = max_length;
  if (N < 1 || static_cast<int>(bounds.tail_z.size()) <= N)
    throw InputError("cycle_levels: bounds do not cover the requested word length");
  NecklaceWalk w;
  w.N = N;
  w.k = static_cast<int>(cert.probs.size());
  w.prec = prec;
  w.deadline = deadline;
  Integer W = 1;
  for (const Rational& p : cert.probs) W = boost::multiprecision::lcm(W, denominator(p));
  Ball shift;  // sum_i p_i log kappa_i
  for (int i = 0; i < w.k; ++i) {
    Integer den = 1;
    for (const Rational& x : cert.mats[i]) den = boost::multiprecision::lcm(den, denominator(x));
    std::array<Fmpz, 4> m;
    for (int e = 0; e < 4; ++e) {
      const Rational& x = cert.mats[i][e];
      exact::set_fmpz(m[e].get(), Integer(numerator(x) * (den / denominator(x))));
    }
    w.atoms.push_back(std::move(m));
    w.weights.push_back(exact::to_fmpz(Integer(numerator(cert.probs[i]) * (W / denominator(cert.probs[i])))));
    Ball g = Ball::from_rational(cert.kappa[i] * Rational(den), prec + 10);
    arb_log(g.get(), g.get(), prec + 10);
    w.gamma.push_back(g);
    Ball lk = Ball::from_rational(cert.kappa[i], prec + 10), p = Ball::from_rational(cert.probs[i], prec + 10);
    arb_log(lk.get(), lk.get(), prec + 10);
    arb_addmul(shift.get(), lk.get(), p.get(), prec + 10);
  }
  w.a.assign(N + 1, 0);
  w.prod.resize(N + 1);
  fmpz_one(w.prod[0][0].get());
  fmpz_one(w.prod[0][3].get());
  w.omega.resize(N + 1);
  fmpz_one(w.omega[0].get());
  w.gsum.resize(N + 1);
  arb_const_log2(w.gsum[0].get(), prec);
  w.tau.resize(N + 1);
  w.taud.resize(N + 1);
  w.cones = std::max(cert.cones, 1);
  if (w.cones > 1) {
    w.target = cert.target;
    w.cone.assign(N + 1, std::vector<int>(w.cones));
    for (int c = 0; c < w.cones; ++c) w.cone[0][c] = c;
  }
  w.gen(1, 1);
  if (w.timed_out) return std::nullopt;
  // Cannot happen (LYAPND-CYCLE-1); never report a number in that case.
  if (w.contradiction) return detail::indeterminate_cycle_levels(N, w.necklaces);
  return detail::cycle_levels_from_sums(w.tau, w.taud, W, bounds, shift, N, prec, w.necklaces);
}

// ---------------------------------------------------------------------------------------------
// Driver.

namespace {

double necklace_count(int k, int N) {
  // sum_{m <= N} (1/m) sum_{d | m} phi(d) k^(m/d)
  double total = 0;
  for (int m = 1; m <= N; ++m) {
    double s = 0;
    for (int d = 1; d <= m; ++d) {
      if (m % d) continue;
      int phi = 0;
      for (int x = 1; x <= d; ++x) phi += std::gcd(x, d) == 1;
      s += phi * std::pow(static_cast<double>(k), m / d);
    }
    total += s / m;
  }
  return total;
}

double width_of(const Ball& b) {
  if (!b.is_finite()) return kInf;
  return 2 * mag_get_d(arb_radref(b.get()));
}

}  // namespace

Result run_cycle(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline) {
  if (d != 2) throw InputError(fmt::format("--method cycle needs 2 x 2 matrices, got d = {}", d));
  const std::optional<CycleCertificate> cert = find_cycle_certificate(f, opt.acc.digits);
  if (!cert)
    throw InputError(
        "--method cycle: hypothesis LYAPND-CYCLE-1 not established: no disc of the projective line was found "
        "that every matrix maps strictly into itself (it always exists when every matrix has all entries > 0, or "
        "all < 0); use --method enumerate for an upper bound");
  return run_cycle_certificate(*cert, opt, deadline, "cycle", "");
}

Result run_cycle_certificate(const CycleCertificate& certificate, const Options& opt, Clock::time_point deadline,
                             const std::string& method, const std::string& note) {
  const CycleCertificate* cert = &certificate;
  const int digits = opt.acc.digits;
  const laws::FiniteMatrices f{cert->mats, cert->probs};  // the atoms the walk multiplies (memory estimate)
  const int m_cones = std::max(cert->cones, 1);
  // Cone bookkeeping of the walk for several discs: (N + 1) vectors of m ints (LYAPND-MEM-1 estimate).
  auto cycle_memory_bytes = [m_cones](const laws::FiniteMatrices& fam, int n, slong p, int table) {
    const std::uint64_t extra =
        m_cones > 1 ? static_cast<std::uint64_t>(n + 1) * (32 + 4 * static_cast<std::uint64_t>(m_cones)) : 0;
    return lyapnd::cycle_memory_bytes(fam, n, p, table) + extra;
  };
  const int k = static_cast<int>(cert->probs.size());
  const int nmax = opt.max_word_length;
  const bool constant_weights =
      std::all_of(cert->rho.begin(), cert->rho.end(), [](const Rational& x) { return x == 0; }) &&
      std::all_of(cert->kappa_ratio.begin(), cert->kappa_ratio.end(), [](const Rational& x) { return x == 1; });
  if (constant_weights) {
    // Every atom has equal column sums kappa_i: l(M_i v) = kappa_i l(v) on the invariant cone, so
    // Lambda = sum p_i log kappa_i exactly (T = 0 in LYAPND-CYCLE-2 (d); remark in LYAPND-CYCLE-4).
    Result r;
    r.top.method = method;
    r.top.digits_requested = digits;
    r.word_length = 1;
    if (std::all_of(cert->kappa.begin(), cert->kappa.end(), [](const Rational& x) { return x == 1; })) {
      r.top.value.exact = true;
      r.top.value.sign = lyap::Sign::zero;
      arb_zero(r.top.value.ball.get());
      r.top.converged = true;
      r.top.bits_used = 1;
      r.top.message = "every matrix has column sums 1 (up to sign): Lambda = 0 exactly" + note;
      return r;
    }
    slong p = static_cast<slong>(std::ceil(digits * 3.3219281)) + 48;
    while (true) {
      Ball s;
      for (std::size_t i = 0; i < cert->probs.size(); ++i) {
        Ball lk = Ball::from_rational(cert->kappa[i], p), pi = Ball::from_rational(cert->probs[i], p);
        arb_log(lk.get(), lk.get(), p);
        arb_addmul(s.get(), lk.get(), pi.get(), p);
      }
      r.top.value = value_of(s);
      r.top.bits_used = p;
      r.top.converged = lyap::internal_width_ok(s, digits) && !s.contains_zero();
      if (r.top.converged || p >= opt.acc.max_bits) break;
      p = std::min<slong>(opt.acc.max_bits, 2 * p);
    }
    r.top.message =
        "every matrix has equal column sums: Lambda = sum p_i log(column sum) (LYAPND-CYCLE-4 remark)" + note;
    if (!r.top.converged) r.top.message += "; not resolved at the precision cap (the sign may be exactly 0)";
    return r;
  }
  slong prec = std::min<slong>(opt.acc.max_bits, static_cast<slong>(std::ceil(digits * 3.3219281)) + 48);
  // Proof: LYAPND-MEM-1: the bound tables and every pass are sized against --max-memory before they
  // are allocated; the longest word length whose pass fits at the starting precision caps the tables.
  const std::uint64_t budget_bytes = mib_to_bytes(opt.max_memory_mib);
  int nmem = nmax;
  while (nmem >= 1 && cycle_memory_bytes(f, nmem, prec, nmem) > budget_bytes) --nmem;
  const int ntab = std::max(nmem, 1);
  auto mem_fits = [&](int m, slong p) { return cycle_memory_bytes(f, m, p, ntab) <= budget_bytes; };
  bool memory_hit = nmem < nmax;
  std::uint64_t best_bytes = 0, pass_bytes = 0;
  const auto memory_note = [&](int m) {
    return fmt::format("the memory budget of {} MiB (--max-memory) would be exceeded by words of length {} "
                       "(estimated {} bytes, LYAPND-MEM-1)",
                       opt.max_memory_mib, m, cycle_memory_bytes(f, m, prec, std::max(ntab, m)));
  };
  if (nmem < 1) {
    Result r;
    r.top.method = method;
    r.top.digits_requested = digits;
    r.top.value.ball = Ball();
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.converged = false;
    r.memory_limited = true;
    r.top.message = memory_note(1) + ": no pass of the cycle expansion was run";
    return r;
  }
  const CycleBounds bounds = cycle_bounds(*cert, ntab, 64);

  Result r;
  r.top.method = method;
  r.top.digits_requested = digits;
  std::optional<Ball> best;
  int best_n = 0;
  bool reached = false, timed_out = false;
  std::uint64_t total_necklaces = 0;
  int passes = 0;
  double sec_per_necklace = 2e-6;
  auto take = [&](const CycleLevels& lev) {
    for (int n = 1; n <= static_cast<int>(lev.lambda.size()); ++n) {
      const Ball& b = lev.lambda[n - 1];
      if (!b.is_finite()) continue;
      if (lyap::internal_width_ok(b, digits) && !b.contains_zero()) {
        if (!reached || n < best_n || width_of(b) < width_of(*best)) {
          best = b;
          best_n = n;
          best_bytes = pass_bytes;
        }
        reached = true;
        return;
      }
      if (!reached && (!best || width_of(b) < width_of(*best))) {
        best = b;
        best_n = n;
        best_bytes = pass_bytes;
      }
    }
  };
  int refused_n = nmem < nmax ? nmem + 1 : 0;  // the last word length --max-memory refused
  auto fits = [&](int n, slong p) {
    if (n > nmem || !mem_fits(n, p)) return false;
    const double est = necklace_count(k, n) * sec_per_necklace * 1.5;
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(est)) <
           deadline;
  };
  // Pilot pass (a few thousand necklaces): rough Z and Lambda for planning, and the speed.
  int n0 = 1;
  while (n0 < nmem && necklace_count(k, n0 + 1) <= 3000) ++n0;
  while (n0 > 1 && !mem_fits(n0, prec)) --n0;
  int n = n0;
  double zest = 0, lamest = 0;
  while (true) {
    const auto t0 = Clock::now();
    if (!mem_fits(n, prec)) {  // only the first pass can get here (later ones are checked above)
      memory_hit = true;
      refused_n = n;
      break;
    }
    std::optional<CycleLevels> lev = cycle_levels(*cert, bounds, n, prec, deadline);
    ++passes;
    if (!lev) {
      timed_out = true;
      break;
    }
    total_necklaces += lev->necklaces;
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (lev->necklaces > 200) sec_per_necklace = std::max(secs / static_cast<double>(lev->necklaces), 2e-7);
    pass_bytes = cycle_memory_bytes(f, n, prec, ntab);
    take(*lev);
    if (reached) break;
    // Planning from this pass (Z and T converge fast, so Z_n, T_n/Z_n predict the width at any m):
    // width(m) ~ 2 (tail_t(m) + |T/Z| tail_z(m)) / (|Z| - tail_z(m)) must meet internal_width_ok,
    // i.e. stay below 10^-digits max(1, |Lambda|) / 2; aim at 0.8 of that, leaving room for rounding.
    zest = std::fabs(arf_get_d(arb_midref(lev->z.get()), ARF_RND_NEAR));
    const double ratio = zest > 0 ? std::fabs(arf_get_d(arb_midref(lev->t.get()), ARF_RND_NEAR)) / zest : 0;
    lamest = std::fabs(arf_get_d(arb_midref(lev->computed.back().get()), ARF_RND_NEAR));
    const double target = 0.4 * std::pow(10.0, -digits) * std::max(1.0, lamest);
    const double round_w = width_of(lev->computed.back());
    int want = n;
    if (zest > 0) {
      want = nmax + 1;
      for (int m = 1; m <= ntab; ++m) {  // the bound tables stop at ntab (LYAPND-MEM-1)
        const double tz = arf_get_d(arb_midref(bounds.tail_z[m].get()), ARF_RND_UP);
        const double tt = arf_get_d(arb_midref(bounds.tail_t[m].get()), ARF_RND_UP);
        if (tz < zest / 2 && 2 * (tt + ratio * tz) / (zest - tz) + round_w <= target) {
          want = m;
          break;
        }
      }
    }
    // Next pass: more bits when rounding dominates, longer words when truncation does.
    slong next_prec = prec;
    if (round_w > target / 4 && prec < opt.acc.max_bits) next_prec = std::min<slong>(opt.acc.max_bits, 2 * prec);
    if (next_prec != prec && !mem_fits(n, next_prec)) {
      next_prec = prec;  // more bits do not fit --max-memory (LYAPND-MEM-1)
      refused_n = n;
    }
    int next_n = std::min(std::max(want, n), nmax);
    if (next_n == n && next_prec == prec) {
      if (n >= nmax) break;  // word-length cap
      next_n = n + 1;        // the planning estimate was optimistic
    }
    // Cut back first for memory, then for time.
    const int wanted_n = next_n;
    while (next_n > n && !(next_n <= nmem && mem_fits(next_n, next_prec))) --next_n;
    if (next_n < wanted_n) refused_n = next_n + 1;  // the shortest word length refused
    if (next_n == n && next_prec == prec) {
      memory_hit = true;  // every pass the plan wanted exceeds --max-memory
      break;
    }
    while (next_n > n && !fits(next_n, next_prec)) --next_n;  // the longest words that fit the time budget
    if ((next_n == n && next_prec == prec) || !fits(next_n, next_prec) || detail::past(deadline)) {
      timed_out = true;  // no further pass fits the time budget
      break;
    }
    n = next_n;
    prec = next_prec;
  }
  r.top.bits_used = prec;
  r.timed_out = timed_out && !reached;
  r.memory_limited = memory_hit && !reached && !r.timed_out;
  r.memory_estimate_bytes = best_bytes;
  r.word_length = best_n;
  const std::string where =
      (m_cones > 1 ? fmt::format("{} discs, one per arc chart", m_cones)
                   : fmt::format("disc D({:.6g}, {:.6g}), a = {:.3g}", cert->center.convert_to<double>(),
                                 cert->radius.convert_to<double>(), cert->a.convert_to<double>())) +
      fmt::format(", theta = {:.4g}; {} necklaces in {} pass{}", cert->theta_max.convert_to<double>(),
                  total_necklaces, passes, passes == 1 ? "" : "es") +
      note;
  if (!best) {
    r.top.value.ball = Ball();
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.converged = false;
    r.top.message = "cycle expansion: no finite enclosure within the budget (" + where + ")";
    return r;
  }
  r.top.value = value_of(*best);
  r.top.converged = reached;
  if (reached) {
    r.top.message = fmt::format("cycle expansion, words of length <= {} (truncation bound {}; {})", best_n,
                                m_cones > 1 ? "LYAPND-MCONE-4" : "LYAPND-CYCLE-5", where);
  } else {
    std::string why = r.timed_out       ? fmt::format("time budget of {} s exhausted", opt.time_budget_seconds)
                      : r.memory_limited ? memory_note(std::max(refused_n, 1))
                      : n >= nmax ? fmt::format("the word-length cap --max-length {} was reached", nmax)
                                  : fmt::format("the working-precision cap of {} bits was reached", opt.acc.max_bits);
    r.top.message = fmt::format("{}: best certified enclosure from words of length <= {} printed ({})", why, best_n,
                                where);
    if (best->contains_zero()) r.top.message += "; the sign is undetermined";
  }
  return r;
}

namespace detail {

CycleLevels indeterminate_cycle_levels(int N, std::uint64_t necklaces) {
  CycleLevels out;
  out.necklaces = necklaces;
  out.lambda.resize(N);
  out.computed.resize(N);
  for (auto& b : out.lambda) arb_indeterminate(b.get());
  for (auto& b : out.computed) arb_indeterminate(b.get());
  return out;
}

CycleLevels cycle_levels_from_sums(const std::vector<Ball>& tau_w, const std::vector<Ball>& taud_w, const Integer& W,
                                   const CycleBounds& bounds, const Ball& shift, int N, slong prec,
                                   std::uint64_t necklaces) {
  CycleLevels out;
  out.necklaces = necklaces;
  // tau_m = tau_w[m] / W^m (t = 0), tau'_m = taud_w[m] / W^m.
  Fmpz Wz = exact::to_fmpz(W), Wm;
  std::vector<Ball> tau(N + 1), taud(N + 1);
  for (int m = 1; m <= N; ++m) {
    fmpz_pow_ui(Wm.get(), Wz.get(), static_cast<ulong>(m));
    arb_div_fmpz(tau[m].get(), tau_w[m].get(), Wm.get(), prec);
    arb_div_fmpz(taud[m].get(), taud_w[m].get(), Wm.get(), prec);
  }
  // Newton: n c_n = -sum_{m=1}^n tau_m c_{n-m}; n c_n' = -sum (tau_m' c_{n-m} + tau_m c_{n-m}').
  // Proof: LYAPND-CYCLE-2 (c), LYAPND-CYCND-2 (c).
  std::vector<Ball> c(N + 1), cd(N + 1);
  arb_one(c[0].get());
  for (int n = 1; n <= N; ++n) {
    for (int m = 1; m <= n; ++m) {
      arb_addmul(c[n].get(), tau[m].get(), c[n - m].get(), prec);
      arb_addmul(cd[n].get(), taud[m].get(), c[n - m].get(), prec);
      arb_addmul(cd[n].get(), tau[m].get(), cd[n - m].get(), prec);
    }
    arb_div_si(c[n].get(), c[n].get(), -n, prec);
    arb_div_si(cd[n].get(), cd[n].get(), -n, prec);
  }
  Ball z, t;
  for (int n = 1; n <= N; ++n) {
    Ball nc;
    arb_mul_si(nc.get(), c[n].get(), n, prec);
    arb_add(z.get(), z.get(), nc.get(), prec);
    arb_add(t.get(), t.get(), cd[n].get(), prec);
    Ball zc = z, tc = t, lam, lamc;
    arb_div(lamc.get(), tc.get(), zc.get(), prec);
    arb_add(lamc.get(), lamc.get(), shift.get(), prec);
    arb_add_error(zc.get(), bounds.tail_z[n].get());  // Proof: LYAPND-CYCLE-5, LYAPND-CYCND-5
    arb_add_error(tc.get(), bounds.tail_t[n].get());  // Proof: LYAPND-CYCLE-5, LYAPND-CYCND-5
    arb_div(lam.get(), tc.get(), zc.get(), prec);     // Proof: LYAPND-CYCLE-2, LYAPND-CYCND-2 (d): T/Z + shift
    arb_add(lam.get(), lam.get(), shift.get(), prec);
    if (arb_contains_zero(zc.get())) arb_indeterminate(lam.get());
    out.lambda.push_back(lam);
    out.computed.push_back(lamc);
  }
  out.c = std::move(c);
  out.z = z;
  out.t = t;
  return out;
}

}  // namespace detail

}  // namespace lyapcert::lyapnd
