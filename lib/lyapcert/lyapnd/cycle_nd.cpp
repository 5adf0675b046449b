#include "lyapcert/lyapnd/cycle_nd.hpp"

#include <arb_fmpz_poly.h>
#include <flint/fmpz_mat.h>
#include <flint/fmpz_poly.h>
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/fmpz.hpp"
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyapnd/cone_basis.hpp"
#include "lyapcert/lyapnd/internal/cycle_levels.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Ball;
using exact::Fmpz;
using exact::Integer;
using exact::Rational;
using Clock = std::chrono::steady_clock;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::size_t> positive_atoms(const laws::FiniteMatrices& f) {
  std::vector<std::size_t> idx;
  for (std::size_t j = 0; j < f.probs.size(); ++j)
    if (f.probs[j] > 0) idx.push_back(j);
  return idx;
}

// +1 when every entry is > 0, -1 when every entry is < 0, 0 otherwise.
template <class T>
int entry_sign(const std::vector<T>& m) {
  bool pos = true, neg = true;
  for (const T& x : m) {
    if (!(x > 0)) pos = false;
    if (!(x < 0)) neg = false;
  }
  return pos ? 1 : neg ? -1 : 0;
}

lyap::CertifiedValue value_of(const Ball& b) {
  lyap::CertifiedValue v;
  v.ball = b;
  if (!b.contains_zero()) v.sign = arb_is_positive(b.get()) ? lyap::Sign::positive : lyap::Sign::negative;
  return v;
}

double width_of(const Ball& b) {
  if (!b.is_finite()) return kInf;
  return 2 * mag_get_d(arb_radref(b.get()));
}

Ball upper_ball(const Ball& b, slong prec) {
  // The point u >= the upper endpoint of b (b encloses a nonnegative bound).
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

// ---------------------------------------------------------------------------------------------
// LYAPND-CYCND-1 constants. The sup of |f_j - c_j| over the polydisc is bounded by writing
// f_j - c_j = g/s = lambda + (g - lambda s)/s with affine g, s and the best real lambda (a kink of a convex
// piecewise-linear function of lambda). The same formula is evaluated in binary64 by the search and in exact
// rationals by the verification.

template <class T>
struct AtomConsts {
  T kappa, rho, theta;
  std::vector<T> theta_axis;  // B_ij per chart axis j (theta = their max)
  bool ok = false;
};

template <class T>
T tabs(const T& x) {
  return x < 0 ? T(-x) : x;
}

// Inverse of an m x m row-major matrix by Gauss-Jordan with partial pivoting; false when singular.
template <class T>
bool invert(std::vector<T> a, int m, std::vector<T>& inv) {
  inv.assign(m * m, T(0));
  for (int i = 0; i < m; ++i) inv[i * m + i] = T(1);
  for (int col = 0; col < m; ++col) {
    int piv = col;
    for (int r = col + 1; r < m; ++r)
      if (tabs(a[r * m + col]) > tabs(a[piv * m + col])) piv = r;
    if (a[piv * m + col] == 0) return false;
    for (int k = 0; k < m; ++k) {
      std::swap(a[col * m + k], a[piv * m + k]);
      std::swap(inv[col * m + k], inv[piv * m + k]);
    }
    const T pv = a[col * m + col];
    for (int k = 0; k < m; ++k) {
      a[col * m + k] /= pv;
      inv[col * m + k] /= pv;
    }
    for (int r = 0; r < m; ++r) {
      if (r == col || a[r * m + col] == 0) continue;
      const T f = a[r * m + col];
      for (int k = 0; k < m; ++k) {
        a[r * m + k] -= f * a[col * m + k];
        inv[r * m + k] -= f * inv[col * m + k];
      }
    }
  }
  return true;
}

// m = d - 1; M row-major d x d (sign-normalised); c of length m; the chart u = Tm (x - c) with Ti = Tm^-1
// (m x m row-major): the polydisc is |u_j| < 1. Proof: LYAPND-CYCND-1.
template <class T>
AtomConsts<T> atom_consts(const std::vector<T>& M, int d, const std::vector<T>& c, const std::vector<T>& Tm,
                          const std::vector<T>& Ti) {
  const int m = d - 1;
  AtomConsts<T> out;
  out.rho = T(1000);  // failure values (the search's penalty), overwritten when the quantities exist
  out.theta = T(1000);
  std::vector<T> cs(d, T(0));
  for (int row = 0; row < d; ++row)
    for (int col = 0; col < d; ++col) cs[col] += M[row * d + col];
  // s(x) = cs_last + sum_k x_k beta_k, beta_k = cs_k - cs_last; in the chart s = kappa + sum_k bh_k u_k.
  std::vector<T> beta(m), bh(m, T(0));
  T kappa = cs[m];
  for (int k = 0; k < m; ++k) {
    beta[k] = cs[k] - cs[m];
    kappa += c[k] * beta[k];
  }
  if (!(kappa > 0)) return out;
  for (int k = 0; k < m; ++k)
    for (int l = 0; l < m; ++l) bh[k] += beta[l] * Ti[l * m + k];
  T spread = 0;
  for (int k = 0; k < m; ++k) spread += tabs(bh[k]);
  const T rho = spread / kappa;
  out.rho = rho;  // reported even on failure: the search descends on it
  if (!(rho < 1)) return out;
  const T den = kappa * (1 - rho);  // <= |s| on the closed polydisc
  // G_l(x) = (M v(x))_l - c_l s(x) = g_l + sum_p gam_lp (x_p - c_p); in the chart (T G)_j = gh_j + sum_k Gh_jk u_k.
  std::vector<T> g(m), gam(m * m);
  for (int l = 0; l < m; ++l) {
    g[l] = M[l * d + m];
    for (int k = 0; k < m; ++k) g[l] += c[k] * (M[l * d + k] - M[l * d + m]);
    g[l] -= c[l] * kappa;
    for (int k = 0; k < m; ++k) gam[l * m + k] = (M[l * d + k] - M[l * d + m]) - c[l] * beta[k];
  }
  std::vector<T> gamTi(m * m, T(0));
  for (int l = 0; l < m; ++l)
    for (int k = 0; k < m; ++k)
      for (int q = 0; q < m; ++q) gamTi[l * m + k] += gam[l * m + q] * Ti[q * m + k];
  T theta = 0;
  std::vector<T> gh_row(m);
  for (int j = 0; j < m; ++j) {
    T g0 = 0;
    for (int l = 0; l < m; ++l) g0 += Tm[j * m + l] * g[l];
    for (int k = 0; k < m; ++k) {
      gh_row[k] = 0;
      for (int l = 0; l < m; ++l) gh_row[k] += Tm[j * m + l] * gamTi[l * m + k];
    }
    // F_j = (T G)_j / s = lambda + ((T G)_j - lambda s) / s for every real lambda.
    auto bound = [&](const T& lam) {
      T num = tabs(T(g0 - lam * kappa));
      for (int k = 0; k < m; ++k) num += tabs(T(gh_row[k] - lam * bh[k]));
      return T(tabs(lam) + num / den);
    };
    T best = bound(T(0));
    auto consider = [&](const T& lam) {
      const T b = bound(lam);
      if (b < best) best = b;
    };
    consider(T(g0 / kappa));
    for (int k = 0; k < m; ++k)
      if (bh[k] != 0) consider(T(gh_row[k] / bh[k]));
    if (best > theta) theta = best;
    out.theta_axis.push_back(best);
  }
  out.theta = theta;
  if (!(theta < 1)) return out;
  out.kappa = kappa;
  out.rho = rho;
  out.theta = theta;
  out.ok = true;
  return out;
}

// b_k = C(k + m - 1, m - 1): the number of monomials of degree k in m variables.
double binom_d(int k, int m) {
  double b = 1;
  for (int i = 1; i < m; ++i) b = b * (k + i) / i;
  return b;
}

// Search objective: log of the product of the first n approximation-number bounds (LYAPND-CYCND-3 at t = 0).
double objective(const std::vector<std::vector<double>>& mats, const std::vector<double>& p, int d,
                 const std::vector<double>& c, const std::vector<double>& Tm, int n) {
  const int m = d - 1;
  std::vector<double> th(mats.size()), Ti;
  double bad = 0;
  if (!invert(Tm, m, Ti)) return 1e15;
  for (std::size_t i = 0; i < mats.size(); ++i) {
    const AtomConsts<double> a = atom_consts(mats[i], d, c, Tm, Ti);
    th[i] = a.ok ? a.theta : 2;
    if (!(a.rho < 0.995)) bad = std::max(bad, 2e12 + 1e6 * std::min(a.rho, 1e6));  // kappa <= 0 or rho large
    else if (!(a.theta < 0.995)) bad = std::max(bad, 1e9 + 1e6 * std::min(a.theta, 1e6));
  }
  // Infeasible points get a large value that decreases towards feasibility, so the pattern search can reach it.
  if (bad > 0) return bad;
  double obj = 0;
  int count = 0;
  for (int k = 0; count < n && k < 400; ++k) {
    double s = 0;
    for (std::size_t i = 0; i < mats.size(); ++i) {
      double tail = 0;
      for (int l = k; l < k + 400; ++l) {
        const double term = binom_d(l, m) * std::pow(th[i], 2.0 * l);
        tail += term;
        if (term < 1e-18 * tail) break;
      }
      s += p[i] * std::sqrt(tail);
    }
    if (!(s > 0)) return -1e300;
    const int b = static_cast<int>(binom_d(k, m));
    const int take = std::min(b, n - count);
    obj += take * std::log(s);
    count += take;
  }
  return obj;
}

Rational dyadic(double x, int bits) { return Rational(std::ldexp(std::nearbyint(std::ldexp(x, bits)), -bits)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// LYAPND-CYCND-1: exact verification.

std::optional<CycleNdCertificate> verify_cycle_nd_chart(const laws::FiniteMatrices& f, int d,
                                                        const std::vector<Rational>& center,
                                                        const std::vector<Rational>& chart) {
  // Proof: LYAPND-CYCND-1 (every condition below is one of its exact checks).
  if (d < 3 || d > 4) return std::nullopt;
  const int m = d - 1;
  if (static_cast<int>(center.size()) != m || static_cast<int>(chart.size()) != m * m) return std::nullopt;
  std::vector<Rational> Ti;
  if (!invert(chart, m, Ti)) return std::nullopt;  // exact: the chart must be invertible
  CycleNdCertificate cert;
  cert.d = d;
  cert.center = center;
  cert.chart = chart;
  for (int j = 0; j < m; ++j) {  // half-widths of the real box along the coordinate axes (for the report)
    Rational w = 0;
    for (int k = 0; k < m; ++k) w += tabs(Ti[j * m + k]);
    cert.radius.push_back(w);
  }
  cert.theta_max = 0;
  for (std::size_t j : positive_atoms(f)) {
    std::vector<Rational> M = f.matrices[j];
    if (static_cast<int>(M.size()) != d * d) return std::nullopt;
    const int sg = entry_sign(M);
    if (sg == 0) return std::nullopt;  // the Perron data of LYAPND-CYCND-2 (a) need all entries of one sign
    if (sg < 0)
      for (auto& x : M) x = -x;  // -M_i: same projective action, same |products|
    const AtomConsts<Rational> a = atom_consts(M, d, center, chart, Ti);
    if (!a.ok) return std::nullopt;
    cert.probs.push_back(f.probs[j]);
    cert.mats.push_back(M);
    cert.kappa.push_back(a.kappa);
    cert.rho.push_back(a.rho);
    cert.theta.push_back(a.theta);
    cert.theta_axis.push_back(a.theta_axis);
    if (a.theta > cert.theta_max) cert.theta_max = a.theta;
  }
  if (cert.probs.empty()) return std::nullopt;
  return cert;
}

std::optional<CycleNdCertificate> verify_cycle_nd_polydisc(const laws::FiniteMatrices& f, int d,
                                                           const std::vector<Rational>& center,
                                                           const std::vector<Rational>& radius) {
  if (d < 3 || d > 4) return std::nullopt;
  const int m = d - 1;
  if (static_cast<int>(radius.size()) != m) return std::nullopt;
  std::vector<Rational> chart(m * m, Rational(0));
  for (int j = 0; j < m; ++j) {
    if (!(radius[j] > 0)) return std::nullopt;
    chart[j * m + j] = 1 / radius[j];  // u_j = (x_j - c_j) / r_j
  }
  return verify_cycle_nd_chart(f, d, center, chart);
}

namespace {

bool all_atoms_signed(const laws::FiniteMatrices& f) {
  const auto idx = positive_atoms(f);
  if (idx.empty()) return false;
  for (std::size_t j : idx)
    if (entry_sign(f.matrices[j]) == 0) return false;
  return true;
}

}  // namespace

bool cycle_nd_applies_for_auto(const laws::FiniteMatrices& f, int d) {
  if (d != 3 && d != 4) return false;
  return all_atoms_signed(f) || find_positive_basis(f, d).has_value();  // LYAPND-CYCND-7
}

std::optional<CycleNdCertificate> find_cycle_nd_certificate(const laws::FiniteMatrices& f, int d, int digits) {
  if (d != 3 && d != 4) return std::nullopt;
  if (!all_atoms_signed(f)) {
    // Proof: LYAPND-CYCND-7. The conjugated family T^-1 M_i T has the same Lambda and the same spectra of every
    // product, and its atoms are all of one sign, so everything below applies to it.
    const std::optional<PositiveBasis> pb = find_positive_basis(f, d);
    if (!pb || !all_atoms_signed(pb->conjugated)) return std::nullopt;
    std::optional<CycleNdCertificate> cert = find_cycle_nd_certificate(pb->conjugated, d, digits);
    if (cert) cert->basis = pb->basis;
    return cert;
  }
  const int m = d - 1;
  std::vector<std::vector<double>> mats;
  std::vector<double> p;
  for (std::size_t j : positive_atoms(f)) {
    std::vector<double> M;
    for (const Rational& x : f.matrices[j]) M.push_back(x.convert_to<double>());
    if (entry_sign(M) < 0)
      for (double& x : M) x = -x;
    mats.push_back(M);
    p.push_back(f.probs[j].convert_to<double>());
  }
  // The chart depends on the basis: conjugating by a positive diagonal D (M -> D M D^-1, still positive, same
  // Lambda and same spectra of products) moves the images and reshapes them, so log D is searched as well.
  auto conj = [&](const std::vector<double>& ld) {
    std::vector<std::vector<double>> out = mats;
    for (auto& M : out)
      for (int j = 0; j < d; ++j)
        for (int k = 0; k < d; ++k) M[j * d + k] *= std::exp((j < m ? ld[j] : 0.0) - (k < m ? ld[k] : 0.0));
    return out;
  };
  const int n_obj = std::clamp(8 + digits / 2, 10, 40);
  auto eval = [&](const std::vector<double>& cc, const std::vector<double>& lr, const std::vector<double>& ld) {
    std::vector<double> Tm(m * m, 0.0);
    for (int j = 0; j < m; ++j) Tm[j * m + j] = std::exp(-lr[j]);
    return objective(conj(ld), p, d, cc, Tm, n_obj);
  };
  // Starting scalings: none; the left Perron vector w of the mean matrix (equal mean column sums, so the weights
  // s_i vary little); the right one r (the attractor's centre moves to the chart's centre); and their geometric
  // mean. The pattern search below is local, and which start wins depends on the basis the family is given in
  // (a positive diagonal conjugation of Pollicott-like families moved theta from 0.50 to 0.57 with two starts).
  std::vector<std::vector<double>> starts{std::vector<double>(m, 0.0)};
  {
    std::vector<double> A(d * d, 0.0), w(d, 1.0), r(d, 1.0), w2(d);
    for (std::size_t i = 0; i < mats.size(); ++i)
      for (int e = 0; e < d * d; ++e) A[e] += p[i] * mats[i][e];
    for (int it = 0; it < 200; ++it) {
      double s = 0, sr = 0;
      for (int k = 0; k < d; ++k) {
        w2[k] = 0;
        for (int j = 0; j < d; ++j) w2[k] += w[j] * A[j * d + k];
        s += w2[k];
      }
      for (int k = 0; k < d; ++k) w[k] = w2[k] / s;
      for (int k = 0; k < d; ++k) {
        w2[k] = 0;
        for (int j = 0; j < d; ++j) w2[k] += A[k * d + j] * r[j];
        sr += w2[k];
      }
      for (int k = 0; k < d; ++k) r[k] = w2[k] / sr;
    }
    std::vector<double> ll(m), lr(m), lg(m);
    for (int j = 0; j < m; ++j) {
      ll[j] = std::log(w[j] / w[m]);
      lr[j] = -std::log(r[j] / r[m]);
      lg[j] = (ll[j] + lr[j]) / 2;
    }
    starts.push_back(ll);
    starts.push_back(lr);
    starts.push_back(lg);
  }
  std::vector<double> bc, blog, bld;
  double best = kInf;
  for (const auto& ld0 : starts) {
    const auto cm = conj(ld0);
    // Start: the bounding box of the images of the simplex's vertices (the normalised columns).
    std::vector<double> lo(m, kInf), hi(m, -kInf);
    for (const auto& M : cm)
      for (int col = 0; col < d; ++col) {
        double s = 0;
        for (int row = 0; row < d; ++row) s += M[row * d + col];
        for (int j = 0; j < m; ++j) {
          lo[j] = std::min(lo[j], M[j * d + col] / s);
          hi[j] = std::max(hi[j], M[j * d + col] / s);
        }
      }
    for (double scale : {1.05, 1.3, 1.7, 2.5, 4.0}) {
      std::vector<double> c(m), lr(m), ld = ld0;
      for (int j = 0; j < m; ++j) {
        c[j] = (lo[j] + hi[j]) / 2;
        lr[j] = std::log(std::max((hi[j] - lo[j]) / 2, 1e-6) * scale);
      }
      double cur = eval(c, lr, ld);
      double dc = 0.05, dl = 0.2, dd = 0.2;
      for (int it = 0; it < 400 && (dc > 1e-7 || dl > 1e-7); ++it) {
        bool improved = false;
        for (int j = 0; j < m; ++j)
          for (int sg : {-1, 1}) {
            std::vector<double> c2 = c, l2 = lr, d2 = ld;
            c2[j] += sg * dc * std::exp(lr[j]);
            double v = eval(c2, lr, ld);
            if (v < cur) cur = v, c = c2, improved = true;
            l2[j] += sg * dl;
            v = eval(c, l2, ld);
            if (v < cur) cur = v, lr = l2, improved = true;
            d2[j] += sg * dd;
            v = eval(c, lr, d2);
            if (v < cur) cur = v, ld = d2, improved = true;
          }
        if (!improved) {
          dc /= 2;
          dl /= 2;
          dd /= 2;
        }
      }
      if (cur < best) {
        best = cur;
        bc = c;
        blog = lr;
        bld = ld;
      }
    }
  }
  if (bc.empty() || !(best < 1e8)) return std::nullopt;
  // Second phase: a general linear chart u = T (x - c) (the polydisc becomes a product of discs along other
  // axes), starting from the diagonal T = diag(1/r) just found; pattern search on c and the entries of T.
  const auto cm = conj(bld);
  std::vector<double> c2 = bc, T2(m * m, 0.0);
  for (int j = 0; j < m; ++j) T2[j * m + j] = std::exp(-blog[j]);
  double cur = objective(cm, p, d, c2, T2, n_obj);
  {
    double dc = 0.02, dt = 0.1;
    for (int it = 0; it < 300 && (dc > 1e-7 || dt > 1e-7); ++it) {
      bool improved = false;
      for (int j = 0; j < m; ++j) {
        double scale = 0;  // row scale of T: steps relative to it
        for (int k = 0; k < m; ++k) scale = std::max(scale, std::fabs(T2[j * m + k]));
        for (int sg : {-1, 1}) {
          std::vector<double> cc = c2;
          cc[j] += sg * dc / std::max(scale, 1e-9);
          double v = objective(cm, p, d, cc, T2, n_obj);
          if (v < cur) cur = v, c2 = cc, improved = true;
          for (int k = 0; k < m; ++k) {
            std::vector<double> tt = T2;
            tt[j * m + k] += sg * dt * scale;
            v = objective(cm, p, d, c2, tt, n_obj);
            if (v < cur) cur = v, T2 = tt, improved = true;
          }
        }
      }
      if (!improved) {
        dc /= 2;
        dt /= 2;
      }
    }
  }
  std::vector<Rational> c(m), D(d, Rational(1)), chart(m * m);
  for (int j = 0; j < m; ++j) {
    c[j] = dyadic(c2[j], 30);
    D[j] = dyadic(std::exp(bld[j]), 20);
    if (!(D[j] > 0)) return std::nullopt;
  }
  for (int e = 0; e < m * m; ++e) {
    const double sc = std::max(std::fabs(T2[(e / m) * m + (e / m)]), 1e-300);
    const int bits = 30 - static_cast<int>(std::ceil(std::log2(sc)));  // about 30 significant bits per row
    chart[e] = dyadic(T2[e], std::clamp(bits, 0, 1000));
  }
  // Exact conjugation D M D^-1 (entries stay > 0; Lambda and the spectra of all products are unchanged).
  laws::FiniteMatrices g = f;
  for (auto& M : g.matrices)
    for (int j = 0; j < d; ++j)
      for (int k = 0; k < d; ++k) M[j * d + k] = M[j * d + k] * D[j] / D[k];
  auto cert = verify_cycle_nd_chart(g, d, c, chart);
  if (cert) cert->scaling = D;
  return cert;
}

// ---------------------------------------------------------------------------------------------
// LYAPND-CYCND-3..5: bounds.

namespace {

struct NdConsts {
  int m = 0;
  std::vector<Ball> p, theta, q, L;  // q = theta^2, L_i = -log(1 - rho_i)
  std::vector<std::vector<Ball>> qa;  // theta_ij^2 per chart axis
  std::vector<Ball> total;            // prod_j 1/(1 - theta_ij^2) = sum_alpha prod_j theta_ij^(2 alpha_j)
  std::vector<double> theta_bar;      // max_i theta_ij (ordering of the multi-indices)
  double theta_max = 0, L_max = 0;
  bool weights_constant = false;
};

NdConsts nd_consts(const CycleNdCertificate& cert, slong prec) {
  NdConsts k;
  k.m = cert.d - 1;
  k.weights_constant = true;
  for (std::size_t i = 0; i < cert.probs.size(); ++i) {
    k.p.push_back(Ball::from_rational(cert.probs[i], prec));
    Ball th = Ball::from_rational(cert.theta[i], prec), q;
    arb_mul(q.get(), th.get(), th.get(), prec);
    k.theta.push_back(th);
    k.q.push_back(q);
    Ball L = Ball::from_rational(1 - cert.rho[i], prec);
    arb_log(L.get(), L.get(), prec);
    arb_neg(L.get(), L.get());
    k.L.push_back(L);
    k.theta_max = std::max(k.theta_max, cert.theta[i].convert_to<double>());
    std::vector<Ball> qa;
    Ball tot;
    arb_one(tot.get());
    k.theta_bar.resize(k.m, 0.0);
    for (int j = 0; j < k.m; ++j) {
      const Rational& tij = cert.theta_axis[i][j];
      Ball t = Ball::from_rational(tij * tij, prec), om;
      arb_sub_si(om.get(), t.get(), 1, prec);
      arb_neg(om.get(), om.get());
      arb_div(tot.get(), tot.get(), om.get(), prec);
      qa.push_back(t);
      k.theta_bar[j] = std::max(k.theta_bar[j], tij.convert_to<double>());
    }
    k.qa.push_back(qa);
    k.total.push_back(tot);
    k.L_max = std::max(k.L_max, -std::log1p(-cert.rho[i].convert_to<double>()));
    if (cert.rho[i] != 0) k.weights_constant = false;
  }
  return k;
}

// b_k = C(k + m - 1, m - 1) exactly.
Ball binom_ball(int k, int m) {
  Fmpz b;
  fmpz_bin_uiui(b.get(), static_cast<ulong>(k + m - 1), static_cast<ulong>(m - 1));
  return Ball::from_fmpz(b.get(), 64);
}

// Upper bound of sum_{l >= k} b_l q^l (0 <= q < 1): exact terms up to the first L >= k with
// q (L + m)/(L + 1) <= r := (1 + q)/2, then the geometric tail b_L q^L / (1 - r) (b_{l+1}/b_l = (l + m)/(l + 1)
// decreases). Proof: LYAPND-CYCND-3 (remark).
Ball tail_b(int m, const Ball& q, int k, slong prec) {
  Ball s, r;
  arb_add_si(r.get(), q.get(), 1, prec);
  arb_mul_2exp_si(r.get(), r.get(), -1);
  for (int l = k; l <= k + 100000; ++l) {
    Ball t, rat, bl = binom_ball(l, m);
    arb_pow_ui(t.get(), q.get(), static_cast<ulong>(l), prec);
    arb_mul(t.get(), t.get(), bl.get(), prec);
    arb_mul_si(rat.get(), q.get(), l + m, prec);
    arb_div_si(rat.get(), rat.get(), l + 1, prec);
    if (arb_le(rat.get(), r.get())) {
      Ball one_r;
      arb_sub_si(one_r.get(), r.get(), 1, prec);
      arb_neg(one_r.get(), one_r.get());
      arb_div(t.get(), t.get(), one_r.get(), prec);
      arb_add(s.get(), s.get(), t.get(), prec);
      return s;
    }
    arb_add(s.get(), s.get(), t.get(), prec);
  }
  arb_pos_inf(s.get());
  return s;
}

// sigma_k(eps) = sum_i p_i (1 - rho_i)^(-eps) (sum_{l >= k} b_l theta_i^(2l))^(1/2). Proof: LYAPND-CYCND-3.
Ball sigma_k(const NdConsts& c, const Ball& eps, int k, slong prec) {
  Ball s;
  for (std::size_t i = 0; i < c.p.size(); ++i) {
    Ball t = tail_b(c.m, c.q[i], k, prec), w;
    arb_sqrt(t.get(), t.get(), prec);
    arb_mul(w.get(), eps.get(), c.L[i].get(), prec);
    arb_exp(w.get(), w.get(), prec);
    arb_mul(t.get(), t.get(), w.get(), prec);
    arb_addmul(s.get(), t.get(), c.p[i].get(), prec);
  }
  return s;
}

// Everything needed for E_n(eps), n <= nmax, and the Cauchy remainder (LYAPND-CYCND-4, -5).
struct Spectrum {
  int Kh = 0;
  // Bounds for the approximation numbers with K < Kh, as (value, multiplicity): one by one inside the blocks
  // that matter for e_n, n <= nmax (the refined bound of LYAPND-CYCND-3), sigma_K repeated b_K times after.
  std::vector<std::pair<Ball, ulong>> vals;
  Ball S;                  // >= sum_{k >= Kh} b_k sigma_k
  std::vector<Ball> head;  // e_n(head), n <= nmax
};

Spectrum spectrum(const NdConsts& c, const Ball& eps, int nmax, slong prec) {
  const int m = c.m;
  Spectrum sp;
  // Kh: past the block of the (nmax + 1)-th value, with theta_i^2 (K + m)/(K + 1) <= r1_i = (1 + theta_i^2)/2 and
  // ((K + m)/(K + 1))^(3/2) theta_i <= r2_i = (1 + theta_i)/2 for every atom, and about 60 more bits of decay.
  int K = 0;
  while (binom_d(K + 1, m + 1) /* C(K + m, m) */ < nmax + 1) ++K;
  const double th = std::clamp(c.theta_max, 1e-3, 0.999);
  int Kh = K + 1 + static_cast<int>(std::ceil(60.0 / -std::log2(th)));
  auto ok = [&](int k) {
    const double r = (k + m) / double(k + 1);
    return th * th * r <= 0.999 * (1 + th * th) / 2 && std::pow(r, 1.5) * th <= 0.999 * (1 + th) / 2;
  };
  while (!ok(Kh) && Kh < 100000) ++Kh;
  sp.Kh = Kh;
  const int K1 = std::min(Kh, K + 3);
  std::vector<Ball> alpha(c.p.size());  // p_i (1 - rho_i)^(-eps)
  for (std::size_t i = 0; i < c.p.size(); ++i) {
    arb_mul(alpha[i].get(), eps.get(), c.L[i].get(), prec);
    arb_exp(alpha[i].get(), alpha[i].get(), prec);
    arb_mul(alpha[i].get(), alpha[i].get(), c.p[i].get(), prec);
  }
  // Anisotropic bounds for the same indices: the multi-indices of degree < K1 sorted by prod_j thetabar_j^alpha_j,
  // a_{n+1} <= sum_i alpha_i (total_i - sum_{first n} prod_j theta_ij^(2 alpha_j))^(1/2) (LYAPND-CYCND-3, axes).
  std::vector<Ball> aniso;
  {
    std::vector<std::vector<int>> idx;
    std::vector<int> al(m, 0);
    std::function<void(int, int)> rec = [&](int j, int left) {
      if (j == m) {
        idx.push_back(al);
        return;
      }
      for (int a = 0; a <= left; ++a) {
        al[j] = a;
        rec(j + 1, left - a);
      }
    };
    rec(0, K1 - 1);
    auto wlog = [&](const std::vector<int>& a) {
      double w = 0;
      for (int j = 0; j < m; ++j) w += a[j] * std::log(std::max(c.theta_bar[j], 1e-300));
      return w;
    };
    std::stable_sort(idx.begin(), idx.end(), [&](const auto& x, const auto& y) { return wlog(x) > wlog(y); });
    std::vector<Ball> rest = c.total;  // total_i minus the prefix
    for (const auto& a : idx) {
      Ball v;
      for (std::size_t i = 0; i < c.p.size(); ++i) {
        Ball t = rest[i];
        arb_nonnegative_part(t.get(), t.get());
        arb_sqrt(t.get(), t.get(), prec);
        arb_addmul(v.get(), t.get(), alpha[i].get(), prec);
        Ball term;
        arb_one(term.get());
        for (int j = 0; j < m; ++j) {
          Ball pw;
          arb_pow_ui(pw.get(), c.qa[i][j].get(), static_cast<ulong>(a[j]), prec);
          arb_mul(term.get(), term.get(), pw.get(), prec);
        }
        arb_sub(rest[i].get(), rest[i].get(), term.get(), prec);
      }
      aniso.push_back(v);
    }
  }
  std::size_t n_ind = 0;
  for (int k = 0; k < K1; ++k) {
    // a_{R_k + j + 1} <= sum_i alpha_i ((b_k - j) theta_i^(2k) + sum_{l > k} b_l theta_i^(2l))^(1/2)
    const ulong bk = static_cast<ulong>(std::llround(binom_d(k, m)));
    std::vector<Ball> pk(c.p.size()), tk(c.p.size());
    for (std::size_t i = 0; i < c.p.size(); ++i) {
      arb_pow_ui(pk[i].get(), c.q[i].get(), static_cast<ulong>(k), prec);
      tk[i] = tail_b(m, c.q[i], k + 1, prec);
    }
    for (ulong j = 0; j < bk; ++j) {
      Ball v;
      for (std::size_t i = 0; i < c.p.size(); ++i) {
        Ball t;
        arb_mul_ui(t.get(), pk[i].get(), bk - j, prec);
        arb_add(t.get(), t.get(), tk[i].get(), prec);
        arb_sqrt(t.get(), t.get(), prec);
        arb_addmul(v.get(), t.get(), alpha[i].get(), prec);
      }
      // both are upper bounds of the same approximation number: keep the smaller one
      if (n_ind < aniso.size() && arb_is_finite(aniso[n_ind].get()) &&
          arf_cmp(arb_midref(aniso[n_ind].get()), arb_midref(v.get())) < 0) {
        exact::Arf ua, uv;
        arb_get_ubound_arf(ua, aniso[n_ind].get(), prec);
        arb_get_ubound_arf(uv, v.get(), prec);
        if (arf_cmp(ua, uv) < 0) v = aniso[n_ind];
      }
      ++n_ind;
      sp.vals.emplace_back(v, 1);
    }
  }
  for (int k = K1; k < Kh; ++k)
    sp.vals.emplace_back(sigma_k(c, eps, k, prec), static_cast<ulong>(std::llround(binom_d(k, m))));
  // For K >= Kh: sum_{l >= K} b_l theta^(2l) <= b_K theta^(2K)/(1 - r1), so
  // S <= sum_i p_i (1 - rho_i)^(-eps) b_Kh^(3/2) theta_i^Kh / ((1 - r1_i)^(1/2) (1 - r2_i)).
  for (std::size_t i = 0; i < c.p.size(); ++i) {
    Ball rat, chk, r1, r2, g;
    arb_set_si(rat.get(), Kh + m);
    arb_div_si(rat.get(), rat.get(), Kh + 1, prec);
    arb_mul(chk.get(), c.q[i].get(), rat.get(), prec);
    arb_add_si(r1.get(), c.q[i].get(), 1, prec);
    arb_mul_2exp_si(r1.get(), r1.get(), -1);
    arb_add_si(r2.get(), c.theta[i].get(), 1, prec);
    arb_mul_2exp_si(r2.get(), r2.get(), -1);
    arb_sqrt(g.get(), rat.get(), prec);
    arb_mul(g.get(), g.get(), rat.get(), prec);
    arb_mul(g.get(), g.get(), c.theta[i].get(), prec);
    if (!arb_le(chk.get(), r1.get()) || !arb_le(g.get(), r2.get())) {
      arb_pos_inf(sp.S.get());
      break;
    }
    Ball b = binom_ball(Kh, m), t, w, tp, den1, den2;
    arb_sqrt(t.get(), b.get(), prec);
    arb_mul(t.get(), t.get(), b.get(), prec);
    arb_pow_ui(tp.get(), c.theta[i].get(), static_cast<ulong>(Kh), prec);
    arb_mul(t.get(), t.get(), tp.get(), prec);
    arb_sub_si(den1.get(), r1.get(), 1, prec);
    arb_neg(den1.get(), den1.get());
    arb_sqrt(den1.get(), den1.get(), prec);
    arb_sub_si(den2.get(), r2.get(), 1, prec);
    arb_neg(den2.get(), den2.get());
    arb_mul(den1.get(), den1.get(), den2.get(), prec);
    arb_div(t.get(), t.get(), den1.get(), prec);
    arb_mul(w.get(), eps.get(), c.L[i].get(), prec);
    arb_exp(w.get(), w.get(), prec);
    arb_mul(t.get(), t.get(), w.get(), prec);
    arb_addmul(sp.S.get(), t.get(), c.p[i].get(), prec);
  }
  // e_n(head) from prod_k (1 + sigma_k z)^(b_k), truncated at degree nmax.
  sp.head.assign(nmax + 1, Ball());
  arb_one(sp.head[0].get());
  for (const auto& [sigma, b] : sp.vals) {
    // multiply by (1 + sigma z)^b = sum_j C(b, j) sigma^j z^j
    std::vector<Ball> fac(nmax + 1);
    Ball pw;
    arb_one(pw.get());
    for (int j = 0; j <= nmax && static_cast<ulong>(j) <= b; ++j) {
      Fmpz bj;
      fmpz_bin_uiui(bj.get(), b, static_cast<ulong>(j));
      arb_mul_fmpz(fac[j].get(), pw.get(), bj.get(), prec);
      arb_mul(pw.get(), pw.get(), sigma.get(), prec);
    }
    std::vector<Ball> nh(nmax + 1);
    for (int a = 0; a <= nmax; ++a)
      for (int j = 0; a + j <= nmax && static_cast<ulong>(j) <= b; ++j)
        arb_addmul(nh[a + j].get(), sp.head[a].get(), fac[j].get(), prec);
    sp.head = std::move(nh);
  }
  return sp;
}

// E_n = sum_{j <= n} e_{n-j}(head) S^j / j!  (LYAPND-CYCND-4).
Ball e_bound(const Spectrum& sp, int n, slong prec) {
  Ball out, pw, fact;
  arb_one(pw.get());
  for (int j = 0; j <= n; ++j) {
    if (j > 0) {
      arb_mul(pw.get(), pw.get(), sp.S.get(), prec);
      arb_div_si(pw.get(), pw.get(), j, prec);
    }
    arb_addmul(out.get(), sp.head[n - j].get(), pw.get(), prec);
  }
  return out;
}

// log G(R) = sum over head values of log(1 + s R) + R S >= log prod_j (1 + s_j R)  (LYAPND-CYCND-5).
Ball log_g(const Spectrum& sp, const Ball& R, slong prec) {
  Ball out;
  for (const auto& [sigma, b] : sp.vals) {
    Ball t;
    arb_mul(t.get(), sigma.get(), R.get(), prec);
    arb_log1p(t.get(), t.get(), prec);
    Ball bb;
    arb_set_ui(bb.get(), b);
    arb_addmul(out.get(), t.get(), bb.get(), prec);
  }
  arb_addmul(out.get(), R.get(), sp.S.get(), prec);
  return out;
}

// Best R = 2^e >= 4 for sum_{n >= n1 + 1} R^-n G(R) n^w: returns 2 (n1+1)^w G(R) R^-(n1+1).
Ball remainder(const Spectrum& sp, int n1, bool weighted, slong prec) {
  double best = kInf;
  int be = 2;
  for (int e = 2; e <= 2000; ++e) {
    Ball R;
    arb_one(R.get());
    arb_mul_2exp_si(R.get(), R.get(), e);
    Ball lg = log_g(sp, R, 64);
    const double v = arf_get_d(arb_midref(lg.get()), ARF_RND_NEAR) - (n1 + 1) * e * std::log(2.0);
    if (v < best) {
      best = v;
      be = e;
    } else if (e > be + 40) {
      break;
    }
  }
  Ball R;
  arb_one(R.get());
  arb_mul_2exp_si(R.get(), R.get(), be);
  Ball lg = log_g(sp, R, prec), t;
  arb_set_si(t.get(), -(n1 + 1) * be);
  Ball l2;
  arb_const_log2(l2.get(), prec);
  arb_addmul(lg.get(), t.get(), l2.get(), prec);
  arb_exp(lg.get(), lg.get(), prec);
  arb_mul_2exp_si(lg.get(), lg.get(), 1);
  if (weighted) arb_mul_si(lg.get(), lg.get(), n1 + 1, prec);
  return lg;
}

Ball eps_for(const NdConsts& c, int n) {
  // A power of two near 1/(n L_max): any eps > 0 is valid (LYAPND-CYCND-4); this one balances
  // (1 - rho)^(-n eps) against 1/eps.
  Ball e;
  arb_one(e.get());
  const double target = 1.0 / (std::max(n, 1) * std::max(c.L_max, 1e-9));
  arb_mul_2exp_si(e.get(), e.get(), static_cast<slong>(std::floor(std::log2(target))));
  return e;
}

}  // namespace

CycleBounds cycle_nd_bounds(const CycleNdCertificate& cert, int max_length, slong prec) {
  // Proof: LYAPND-CYCND-4 (coefficients, Cauchy estimate in t), LYAPND-CYCND-5 (remainder).
  const NdConsts c = nd_consts(cert, prec);
  const int N = std::max(max_length, 1);
  const int n1 = N + 8;  // coefficient bounds one by one up to n1, the Cauchy remainder after
  Ball zero;
  const Spectrum sp0 = spectrum(c, zero, n1, prec);
  std::vector<Ball> tz(n1 + 2), tt(n1 + 2);
  CycleBounds out;
  out.coefficient_bound.resize(N + 1);
  out.derivative_bound.resize(N + 1);
  // eps_n is a power of two, so many n share it: one spectrum per distinct eps.
  std::map<slong, Spectrum> by_eps;
  auto spectrum_for = [&](const Ball& es) -> const Spectrum& {
    const slong key = arf_abs_bound_lt_2exp_si(arb_midref(es.get()));
    auto it = by_eps.find(key);
    if (it == by_eps.end()) it = by_eps.emplace(key, spectrum(c, es, n1, prec)).first;
    return it->second;
  };
  for (int n = 0; n <= n1; ++n) {
    Ball cb, db;
    if (n == 0) {
      arb_one(cb.get());
    } else {
      cb = upper_ball(e_bound(sp0, n, prec), prec);
      if (!c.weights_constant) {
        const Ball es = eps_for(c, n);
        const Spectrum& sp = spectrum_for(es);
        db = e_bound(sp, n, prec);
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
  Ball sz = upper_ball(remainder(sp0, n1, true, prec), prec), st;
  if (!c.weights_constant) {
    const Ball es = eps_for(c, n1 + 1);
    const Spectrum& sp = spectrum_for(es);
    st = remainder(sp, n1, false, prec);
    arb_div(st.get(), st.get(), es.get(), prec);
    st = upper_ball(st, prec);
  }
  out.tail_z.resize(N + 1);
  out.tail_t.resize(N + 1);
  for (int n = n1; n >= 1; --n) {
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
// LYAPND-CYCND-2 / -6: traces over necklaces.

namespace {

struct NdWalk {
  int N = 0, k = 0, d = 0;
  slong prec = 0;
  std::vector<fmpz_mat_struct> atoms;  // integer numerators D_i M_i
  std::vector<Fmpz> weights;
  std::vector<Ball> gamma;             // log(D_i kappa_i)
  std::vector<int> a;
  std::vector<fmpz_mat_struct> prod;
  std::vector<Fmpz> omega;
  std::vector<Ball> gsum;
  std::vector<Ball> tau, taud;
  Clock::time_point deadline;
  std::uint64_t nodes = 0, necklaces = 0;
  bool timed_out = false, contradiction = false;
  fmpz_poly_t chi, dchi;
  Fmpz wt;
  std::vector<double> P, v, w;

  NdWalk() {
    fmpz_poly_init(chi);
    fmpz_poly_init(dchi);
  }
  ~NdWalk() {
    fmpz_poly_clear(chi);
    fmpz_poly_clear(dchi);
    for (auto& x : atoms) fmpz_mat_clear(&x);
    for (auto& x : prod) fmpz_mat_clear(&x);
  }
  NdWalk(const NdWalk&) = delete;
  NdWalk& operator=(const NdWalk&) = delete;

  void push(int t, int j) {
    a[t] = j;
    fmpz_mat_mul(&prod[t], &prod[t - 1], &atoms[j]);
    fmpz_mul(omega[t].get(), omega[t - 1].get(), weights[j].get());
    arb_add(gsum[t].get(), gsum[t - 1].get(), gamma[j].get(), prec);
  }

  // Perron root of the positive integer matrix R as a ball: Collatz-Wielandt bounds from a binary64
  // power-iteration vector, then interval Newton on the characteristic polynomial. Proof: LYAPND-CYCND-6.
  bool perron(const fmpz_mat_struct* R, Ball& lam) {
    // binary64 copy scaled by a common power of two
    slong emax = LONG_MIN;
    std::vector<double> man(d * d);
    std::vector<slong> ex(d * d);
    for (int i = 0; i < d * d; ++i) {
      man[i] = fmpz_get_d_2exp(&ex[i], fmpz_mat_entry(R, i / d, i % d));
      emax = std::max(emax, ex[i]);
    }
    P.resize(d * d);
    for (int i = 0; i < d * d; ++i) P[i] = std::ldexp(man[i], static_cast<int>(std::max<slong>(ex[i] - emax, -1000)));
    v.assign(d, 1.0);
    w.assign(d, 0.0);
    for (int it = 0; it < 500; ++it) {
      double mx = 0;
      for (int i = 0; i < d; ++i) {
        double s = 0;
        for (int j = 0; j < d; ++j) s += P[i * d + j] * v[j];
        w[i] = s;
        mx = std::max(mx, s);
      }
      double change = 0;
      for (int i = 0; i < d; ++i) {
        const double nv = w[i] / mx;
        change = std::max(change, std::fabs(nv - v[i]));
        v[i] = nv;
      }
      if (change < 1e-16) break;
    }
    for (int i = 0; i < d; ++i)
      if (!(v[i] > 0) || !std::isfinite(v[i])) return false;
    // Collatz-Wielandt: min_i (R v)_i / v_i <= lambda_1 <= max_i (R v)_i / v_i for positive v.
    Ball lo, hi, x, q;
    arb_pos_inf(lo.get());
    arb_neg_inf(hi.get());
    exact::Arf lo_f, hi_f, tmp;
    arf_pos_inf(lo_f);
    arf_neg_inf(hi_f);
    for (int i = 0; i < d; ++i) {
      arb_zero(x.get());
      for (int j = 0; j < d; ++j) {
        Ball vj;
        arb_set_d(vj.get(), v[j]);
        arb_addmul_fmpz(x.get(), vj.get(), fmpz_mat_entry(R, i, j), prec);
      }
      Ball vi;
      arb_set_d(vi.get(), v[i]);
      arb_div(q.get(), x.get(), vi.get(), prec);
      arb_get_lbound_arf(tmp, q.get(), prec);
      if (arf_cmp(tmp, lo_f) < 0) arf_set(lo_f, tmp);
      arb_get_ubound_arf(tmp, q.get(), prec);
      if (arf_cmp(tmp, hi_f) > 0) arf_set(hi_f, tmp);
    }
    arb_set_interval_arf(lam.get(), lo_f, hi_f, prec);
    // Interval Newton: every root in X stays in X_new = X ∩ (m - chi(m)/chi'(X)).
    // Berkowitz (division-free, exact). Not fmpz_mat_charpoly: in FLINT 2.9 its modular algorithm (used for
    // d >= 4) starts from the previous contents of a reused output polynomial and returns wrong coefficients,
    // and a wrong polynomial would give a wrong Perron root here.
    fmpz_poly_zero(chi);
    fmpz_mat_charpoly_berkowitz(chi, R);
    fmpz_poly_derivative(dchi, chi);
    Ball mid, fm, dfx, nx, ix;
    for (int it = 0; it < 60; ++it) {
      arb_get_mid_arb(mid.get(), lam.get());
      arb_fmpz_poly_evaluate_arb(fm.get(), chi, mid.get(), prec);
      arb_fmpz_poly_evaluate_arb(dfx.get(), dchi, lam.get(), prec);
      if (arb_contains_zero(dfx.get())) break;
      arb_div(nx.get(), fm.get(), dfx.get(), prec);
      arb_sub(nx.get(), mid.get(), nx.get(), prec);
      if (!arb_intersection(ix.get(), lam.get(), nx.get(), prec)) {
        contradiction = true;  // the Perron root lies in both: impossible
        return false;
      }
      const bool done = mag_cmp(arb_radref(ix.get()), arb_radref(lam.get())) >= 0;
      lam = ix;
      if (done || arb_rel_accuracy_bits(lam.get()) >= prec - 8) break;
    }
    return true;
  }

  void necklace(int t, int p) {
    ++necklaces;
    const fmpz_mat_struct* R = &prod[t];
    Ball lam;
    if (!perron(R, lam)) {
      contradiction = true;
      return;
    }
    // 1 / prod_{j >= 2} (1 - lambda_j/lambda_1) = lambda_1^(d-1) / chi'(lambda_1).
    Ball dv, pw, u, lg;
    arb_fmpz_poly_evaluate_arb(dv.get(), dchi, lam.get(), prec);
    if (!arb_is_positive(dv.get())) {
      arb_indeterminate(tau[t].get());
      arb_indeterminate(taud[t].get());
      return;
    }
    arb_pow_ui(pw.get(), lam.get(), static_cast<ulong>(d - 1), prec);
    arb_div(u.get(), pw.get(), dv.get(), prec);
    arb_log(lg.get(), lam.get(), prec);
    arb_sub(lg.get(), lg.get(), gsum[t].get(), prec);  // log(lambda_1(M_w) / kappa_w)
    fmpz_mul_ui(wt.get(), omega[t].get(), static_cast<ulong>(p));
    arb_mul_fmpz(u.get(), u.get(), wt.get(), prec);
    arb_add(tau[t].get(), tau[t].get(), u.get(), prec);
    arb_addmul(taud[t].get(), u.get(), lg.get(), prec);
  }

  void gen(int t, int p) {
    if (t > N || timed_out || contradiction) return;
    for (int j = a[t - p]; j < k; ++j) {
      const int pp = (j == a[t - p]) ? p : t;
      push(t, j);
      if ((++nodes & 255) == 0 && Clock::now() > deadline) {
        timed_out = true;
        return;
      }
      if (t % pp == 0) necklace(t, pp);
      gen(t + 1, pp);
      if (timed_out || contradiction) return;
    }
  }
};

double necklace_count(int k, int N) {
  double total = 0;
  for (int m = 1; m <= N; ++m) {
    double s = 0;
    for (int dd = 1; dd <= m; ++dd) {
      if (m % dd) continue;
      int phi = 0;
      for (int x = 1; x <= dd; ++x) phi += std::gcd(x, dd) == 1;
      s += phi * std::pow(static_cast<double>(k), m / dd);
    }
    total += s / m;
  }
  return total;
}

}  // namespace

std::optional<CycleLevels> cycle_nd_levels(const CycleNdCertificate& cert, const CycleBounds& bounds, int max_length,
                                           slong prec, Clock::time_point deadline) {
  const int N = max_length;
  if (N < 1 || static_cast<int>(bounds.tail_z.size()) <= N)
    throw InputError("cycle_nd_levels: bounds do not cover the requested word length");
  const int d = cert.d;
  NdWalk w;
  w.N = N;
  w.d = d;
  w.k = static_cast<int>(cert.probs.size());
  w.prec = prec;
  w.deadline = deadline;
  Integer W = 1;
  for (const Rational& p : cert.probs) W = boost::multiprecision::lcm(W, denominator(p));
  Ball shift;  // sum_i p_i log kappa_i
  w.atoms.resize(w.k);
  for (int i = 0; i < w.k; ++i) {
    Integer den = 1;
    for (const Rational& x : cert.mats[i]) den = boost::multiprecision::lcm(den, denominator(x));
    fmpz_mat_init(&w.atoms[i], d, d);
    for (int e = 0; e < d * d; ++e) {
      const Rational& x = cert.mats[i][e];
      exact::set_fmpz(fmpz_mat_entry(&w.atoms[i], e / d, e % d), Integer(numerator(x) * (den / denominator(x))));
    }
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
  for (auto& x : w.prod) fmpz_mat_init(&x, d, d);
  fmpz_mat_one(&w.prod[0]);
  w.omega.resize(N + 1);
  fmpz_one(w.omega[0].get());
  w.gsum.resize(N + 1);
  w.tau.resize(N + 1);
  w.taud.resize(N + 1);
  w.gen(1, 1);
  if (w.timed_out) return std::nullopt;
  // Cannot happen for positive atoms; never report a number in that case.
  if (w.contradiction) return detail::indeterminate_cycle_levels(N, w.necklaces);
  return detail::cycle_levels_from_sums(w.tau, w.taud, W, bounds, shift, N, prec, w.necklaces);
}

bool cycle_nd_useful_for_auto(const laws::FiniteMatrices& f, int d, const Options& opt) {
  if (!cycle_nd_applies_for_auto(f, d)) return false;
  const auto cert = find_cycle_nd_certificate(f, d, opt.acc.digits);
  if (!cert) return false;
  if (std::all_of(cert->rho.begin(), cert->rho.end(), [](const Rational& x) { return x == 0; })) return true;
  // Weak contraction: the bound cannot reach a useful width at any affordable word length (measured on the
  // seeded families of bench/lyapnd_cycle_bench.cpp); skip the costlier bound evaluation below.
  if (cert->theta_max.convert_to<double>() > (d == 3 ? 0.6 : 0.45)) return false;
  // The word length the budget affords at about 2e4 necklaces per second (a planning heuristic: the enclosure
  // is certified whatever this says) must bring the truncation bound below 1e-3, else the expansion would
  // print nothing useful and the Poisson certificate is the better choice.
  const int k = static_cast<int>(cert->probs.size());
  int n = 1;
  while (n < std::min(opt.max_word_length, 40) && necklace_count(k, n + 1) <= 2e4 * opt.time_budget_seconds) ++n;
  const CycleBounds b = cycle_nd_bounds(*cert, n, 64);
  auto small = [](const Ball& x) { return x.is_finite() && arf_cmpabs_2exp_si(arb_midref(x.get()), -10) < 0; };
  return small(b.tail_z[n]) && small(b.tail_t[n]);
}

// ---------------------------------------------------------------------------------------------
// Driver.

Result run_cycle_nd(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline) {
  if (d != 3 && d != 4) throw InputError(fmt::format("run_cycle_nd needs d = 3 or 4, got d = {}", d));
  const int digits = opt.acc.digits;
  const std::optional<CycleNdCertificate> cert = find_cycle_nd_certificate(f, d, digits);
  if (!cert)
    throw InputError(fmt::format(
        "--method cycle (d = {}): hypothesis LYAPND-CYCND-1 not established: it needs every matrix to have all "
        "entries > 0 (or all < 0), possibly after a change of basis to a simplicial cone that every matrix maps "
        "into itself (none was found), and a polydisc of the projective chart that every matrix maps strictly "
        "into itself; use --method poisson or enumerate",
        d));
  Result r;
  r.top.method = "cycle";
  r.top.digits_requested = digits;
  const bool constant_weights =
      std::all_of(cert->rho.begin(), cert->rho.end(), [](const Rational& x) { return x == 0; });
  if (constant_weights) {
    // Every atom has equal column sums kappa_i: l(M_i v) = kappa_i l(v), Lambda = sum p_i log kappa_i
    // (T = 0 in LYAPND-CYCND-2 (d)).
    r.word_length = 1;
    if (std::all_of(cert->kappa.begin(), cert->kappa.end(), [](const Rational& x) { return x == 1; })) {
      r.top.value.exact = true;
      r.top.value.sign = lyap::Sign::zero;
      arb_zero(r.top.value.ball.get());
      r.top.converged = true;
      r.top.bits_used = 1;
      r.top.message = "every matrix has column sums 1 (up to sign): Lambda = 0 exactly";
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
    r.top.message = "every matrix has equal column sums: Lambda = sum p_i log(column sum) (LYAPND-CYCND-2 (d))";
    if (!r.top.converged) r.top.message += "; not resolved at the precision cap (the sign may be exactly 0)";
    return r;
  }
  const int k = static_cast<int>(cert->probs.size());
  const int nmax = std::min(opt.max_word_length, 40);
  slong prec = std::min<slong>(opt.acc.max_bits, static_cast<slong>(std::ceil(digits * 3.3219281)) + 64);
  const CycleBounds bounds = cycle_nd_bounds(*cert, nmax, 128);
  std::optional<Ball> best;
  int best_n = 0, passes = 0;
  bool reached = false, timed_out = false;
  std::uint64_t total_necklaces = 0;
  double sec_per_necklace = 2e-5;
  auto take = [&](const CycleLevels& lev) {
    for (int n = 1; n <= static_cast<int>(lev.lambda.size()); ++n) {
      const Ball& b = lev.lambda[n - 1];
      if (!b.is_finite()) continue;
      if (lyap::internal_width_ok(b, digits) && !b.contains_zero()) {
        best = b;
        best_n = n;
        reached = true;
        return;
      }
      if (!best || width_of(b) < width_of(*best)) {
        best = b;
        best_n = n;
      }
    }
  };
  auto fits = [&](int n) {
    const double est = necklace_count(k, n) * sec_per_necklace * 1.5;
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(est)) < deadline;
  };
  int n = 1;
  while (n < nmax && necklace_count(k, n + 1) <= 1000) ++n;
  while (true) {
    const auto t0 = Clock::now();
    std::optional<CycleLevels> lev = cycle_nd_levels(*cert, bounds, n, prec, deadline);
    ++passes;
    if (!lev) {
      timed_out = true;
      break;
    }
    total_necklaces += lev->necklaces;
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (lev->necklaces > 100) sec_per_necklace = std::max(secs / static_cast<double>(lev->necklaces), 1e-7);
    take(*lev);
    if (reached) break;
    // Plan the next pass from this one (as in run_cycle): the word length whose tails meet the width.
    const double zest = std::fabs(arf_get_d(arb_midref(lev->z.get()), ARF_RND_NEAR));
    const double ratio = zest > 0 ? std::fabs(arf_get_d(arb_midref(lev->t.get()), ARF_RND_NEAR)) / zest : 0;
    const double lamest = std::fabs(arf_get_d(arb_midref(lev->computed.back().get()), ARF_RND_NEAR));
    const double target = 0.4 * std::pow(10.0, -digits) * std::max(1.0, lamest);
    const double round_w = width_of(lev->computed.back());
    int want = nmax + 1;
    if (zest > 0)
      for (int mm = 1; mm <= nmax; ++mm) {
        const double tz = arf_get_d(arb_midref(bounds.tail_z[mm].get()), ARF_RND_UP);
        const double tt = arf_get_d(arb_midref(bounds.tail_t[mm].get()), ARF_RND_UP);
        if (tz < zest / 2 && 2 * (tt + ratio * tz) / (zest - tz) + round_w <= target) {
          want = mm;
          break;
        }
      }
    slong next_prec = prec;
    if (round_w > target / 4 && prec < opt.acc.max_bits) next_prec = std::min<slong>(opt.acc.max_bits, 2 * prec);
    int next_n = std::min(std::max(want, n), nmax);
    if (next_n == n && next_prec == prec) {
      if (n >= nmax) break;
      next_n = n + 1;
    }
    while (next_n > n && !fits(next_n)) --next_n;
    if ((next_n == n && next_prec == prec) || !fits(next_n) || Clock::now() > deadline) {
      timed_out = true;
      break;
    }
    n = next_n;
    prec = next_prec;
  }
  r.top.bits_used = prec;
  r.timed_out = timed_out && !reached;
  r.word_length = best_n;
  r.cone_basis = cert->basis;  // empty when the atoms were positive as given
  std::string where = "polydisc D(";
  for (int j = 0; j < d - 1; ++j)
    where += fmt::format("{}{:.4g}", j ? ", " : "", cert->center[j].convert_to<double>());
  where += "; ";
  for (int j = 0; j < d - 1; ++j)
    where += fmt::format("{}{:.4g}", j ? ", " : "", cert->radius[j].convert_to<double>());
  where += fmt::format("), theta = {:.4g}; {} necklaces in {} pass{}", cert->theta_max.convert_to<double>(),
                       total_necklaces, passes, passes == 1 ? "" : "es");
  if (!cert->basis.empty()) where += "; in the basis of a simplicial invariant cone (LYAPND-CYCND-7)";
  if (!best) {
    arb_zero_pm_inf(r.top.value.ball.get());
    r.top.converged = false;
    r.top.message = "cycle expansion (d = " + std::to_string(d) + "): no finite enclosure within the budget (" +
                    where + ")";
    return r;
  }
  r.top.value = value_of(*best);
  r.top.converged = reached;
  if (reached) {
    r.top.message = fmt::format("cycle expansion (d = {}), words of length <= {} (truncation bound LYAPND-CYCND-5; {})",
                                d, best_n, where);
  } else {
    const std::string why = r.timed_out ? fmt::format("time budget of {} s exhausted", opt.time_budget_seconds)
                            : n >= nmax ? fmt::format("the word-length cap {} was reached", nmax)
                                        : fmt::format("the working-precision cap of {} bits was reached",
                                                      opt.acc.max_bits);
    r.top.message = fmt::format("{}: best certified enclosure from words of length <= {} printed ({})", why, best_n,
                                where);
    if (best->contains_zero()) r.top.message += "; the sign is undetermined";
  }
  return r;
}

}  // namespace lyapcert::lyapnd
