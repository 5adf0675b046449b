#include "lyapcert/lyapnd/multicone.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Rational;
using Clock = std::chrono::steady_clock;
using Mat = std::array<Rational, 4>;  // row-major 2 x 2
using MatD = std::array<double, 4>;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = std::numbers::pi;
constexpr int kMaxArcs = 8;

Rational dyadic(double x, int bits) { return Rational(std::ldexp(std::nearbyint(std::ldexp(x, bits)), -bits)); }

Mat mul(const Mat& a, const Mat& b) {
  return {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
}
Mat chart(const std::array<Rational, 4>& arc) { return {arc[0], arc[2], arc[1], arc[3]}; }  // [u | v]
std::optional<Mat> inverse(const Mat& p) {
  const Rational det = p[0] * p[3] - p[1] * p[2];
  if (det == 0) return std::nullopt;
  return Mat{p[3] / det, -p[1] / det, -p[2] / det, p[0] / det};
}
int strict_sign(const Mat& b) {
  if (std::all_of(b.begin(), b.end(), [](const Rational& x) { return x > 0; })) return 1;
  if (std::all_of(b.begin(), b.end(), [](const Rational& x) { return x < 0; })) return -1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Multicone search in binary64 (heuristic; verified exactly by verify_multicone).

MatD mul_d(const MatD& a, const MatD& b) {
  return {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
}

double angle_of(double x, double y) {
  double t = std::atan2(y, x);
  if (t < 0) t += kPi;
  if (t >= kPi) t -= kPi;
  return t;
}

// Direction (angle in [0, pi)) of the eigenvector of m for the real eigenvalue lam.
double eigen_angle(const MatD& m, double lam) {
  const double x1 = m[1], y1 = lam - m[0];  // (b, lam - a)
  const double x2 = lam - m[3], y2 = m[2];  // (lam - d, c)
  return std::hypot(x1, y1) >= std::hypot(x2, y2) ? angle_of(x1, y1) : angle_of(x2, y2);
}

// Forward distance from a to b on the circle R / pi Z, in [0, pi).
double fwd(double a, double b) {
  double d = std::fmod(b - a, kPi);
  if (d < 0) d += kPi;
  return d;
}

struct Directions {
  std::vector<double> attract, repel;
  std::string failure;  // non-empty: no multicone (reason)
};

// Attracting and repelling eigendirections of every product of length <= n (n as large as about
// 4000 products allow). A product whose eigenvalues have equal moduli, decided exactly, ends the search.
Directions directions(const std::vector<MatD>& at, const std::vector<Mat>& exact_atoms,
                      const std::vector<std::size_t>& labels) {
  Directions out;
  const std::size_t k = at.size();
  int n = 1;
  {
    double total = static_cast<double>(k);
    while (n < 12 && total + std::pow(static_cast<double>(k), n + 1) <= 4096) {
      total += std::pow(static_cast<double>(k), n + 1);
      ++n;
    }
  }
  std::vector<int> word;
  std::vector<MatD> prod(n + 1);
  prod[0] = {1, 0, 0, 1};
  auto visit = [&](auto&& self, int t) -> void {
    if (!out.failure.empty() || t > n) return;
    for (std::size_t i = 0; i < k && out.failure.empty(); ++i) {
      word.push_back(static_cast<int>(i));
      MatD p = mul_d(at[i], prod[t - 1]);
      const double s = std::max({std::fabs(p[0]), std::fabs(p[1]), std::fabs(p[2]), std::fabs(p[3])});
      if (s > 0)
        for (double& x : p) x /= s;
      prod[t] = p;
      const double tr = p[0] + p[3], det = p[0] * p[3] - p[1] * p[2];
      const double disc = tr * tr - 4 * det;
      const double scale = tr * tr + 4 * std::fabs(det);
      if (!(disc > 1e-9 * scale) || !(std::fabs(tr) > 1e-9 * std::sqrt(scale))) {
        // Decide exactly: |lambda_1| = |lambda_2| iff disc <= 0 or tr = 0 (real 2 x 2).
        Mat e{1, 0, 0, 1};
        for (int j : word) e = mul(exact_atoms[j], e);
        const Rational etr = e[0] + e[3], edet = e[0] * e[3] - e[1] * e[2];
        if (etr * etr - 4 * edet <= 0 || etr == 0) {
          std::string w;
          for (std::size_t j = word.size(); j-- > 0;) w += fmt::format("{}A{}", w.empty() ? "" : " ", labels[word[j]] + 1);
          out.failure = fmt::format(
              "the product {} has two eigenvalues of equal modulus (tr^2 - 4 det = {} and tr = {}, exact), so no "
              "union of arcs is mapped strictly into itself (LYAPND-MCONE-0 (c))",
              w, exact::to_text(etr * etr - 4 * edet), exact::to_text(etr));
          return;
        }
        if (!(disc > 0)) {  // binary64 cannot resolve the directions; skip this product
          self(self, t + 1);
          word.pop_back();
          continue;
        }
      }
      const double sq = std::sqrt(disc);
      const double l1 = tr >= 0 ? (tr + sq) / 2 : (tr - sq) / 2;
      const double l2 = det / l1;
      out.attract.push_back(eigen_angle(p, l1));
      out.repel.push_back(eigen_angle(p, l2));
      self(self, t + 1);
      word.pop_back();
    }
  };
  visit(visit, 1);
  return out;
}

// Arcs [lo_g - frac d_lo, hi_g + frac d_hi] around the groups of attracting directions that are
// separated by repelling ones (d: distance to the nearest repelling direction on that side).
struct ArcD {
  double lo, hi;  // lo <= hi < lo + pi (unwrapped angles)
};

std::vector<std::vector<ArcD>> candidate_arcs(const Directions& dir) {
  std::vector<double> x = dir.attract, y = dir.repel;
  std::sort(x.begin(), x.end());
  x.erase(std::unique(x.begin(), x.end(), [](double a, double b) { return b - a < 1e-13; }), x.end());
  std::sort(y.begin(), y.end());
  if (x.empty() || y.empty()) return {};
  const std::size_t nx = x.size();
  // Nearest repelling direction strictly after / before angle a (forward / backward distance), by binary
  // search in the sorted y (angles in [0, pi)).
  auto norm = [](double a) {
    a = std::fmod(a, kPi);
    return a < 0 ? a + kPi : a;
  };
  auto next_repel = [&](double a) {
    a = norm(a);
    auto it = std::upper_bound(y.begin(), y.end(), a + 1e-15);
    const double r = it == y.end() ? y.front() + kPi : *it;
    const double d = r - a;
    return d > 1e-15 && d < kPi ? d : kPi;
  };
  auto prev_repel = [&](double a) {
    a = norm(a);
    auto it = std::lower_bound(y.begin(), y.end(), a - 1e-15);
    const double r = it == y.begin() ? y.back() - kPi : *(it - 1);
    const double d = a - r;
    return d > 1e-15 && d < kPi ? d : kPi;
  };
  for (double a : x) {  // an attracting direction that is also (nearly) repelling: nothing to separate
    const double a0 = norm(a);
    auto it = std::lower_bound(y.begin(), y.end(), a0);
    const double up = it == y.end() ? y.front() + kPi - a0 : *it - a0;
    const double down = it == y.begin() ? a0 - (y.back() - kPi) : a0 - *(it - 1);
    if (std::min(up, down) < 1e-12) return {};
  }
  // Gap after x[i] (towards x[i+1], cyclically) separates groups iff a repelling direction lies in it.
  std::vector<char> sep(nx);
  bool any = false;
  for (std::size_t i = 0; i < nx; ++i) {
    const double g = nx == 1 ? kPi : fwd(x[i], x[(i + 1) % nx]);
    sep[i] = next_repel(x[i]) < g || nx == 1;
    any = any || sep[i];
  }
  if (!any) return {};
  std::size_t start = 0;
  while (!sep[(start + nx - 1) % nx]) ++start;  // x[start] begins a group
  std::vector<ArcD> groups;
  for (std::size_t c = 0; c < nx;) {
    const std::size_t i0 = (start + c) % nx;
    double lo = x[i0], hi = lo;
    std::size_t i = i0;
    ++c;
    while (!sep[i]) {
      const std::size_t j = (i + 1) % nx;
      hi += fwd(x[i], x[j]);
      i = j;
      ++c;
    }
    groups.push_back({lo, hi});
  }
  if (groups.size() > kMaxArcs) return {};
  std::vector<std::vector<ArcD>> out;
  for (double frac : {0.5, 0.25, 0.75, 0.1, 0.9, 0.03}) {
    std::vector<ArcD> arcs;
    for (const ArcD& g : groups) {
      const double dlo = prev_repel(g.lo), dhi = next_repel(std::fmod(g.hi, kPi));
      arcs.push_back({g.lo - frac * dlo, g.hi + frac * dhi});
    }
    out.push_back(std::move(arcs));
  }
  return out;
}

std::array<Rational, 4> arc_of(const ArcD& a) {
  // u at the upper end, v at the lower end: x u + (1 - x) v, x in [0, 1], sweeps [lo, hi].
  return {dyadic(std::cos(a.hi), 30), dyadic(std::sin(a.hi), 30), dyadic(std::cos(a.lo), 30),
          dyadic(std::sin(a.lo), 30)};
}

std::vector<std::size_t> positive_atoms(const laws::FiniteMatrices& f) {
  std::vector<std::size_t> idx;
  for (std::size_t j = 0; j < f.probs.size(); ++j)
    if (f.probs[j] > 0) idx.push_back(j);
  return idx;
}

// ---------------------------------------------------------------------------------------------
// Disc search in binary64 for several discs (heuristic; verified by verify_multicone_discs).

struct PairD {
  int atom, from, to;
  double p;
  MatD b;  // P_to^{-1} M_atom P_from
};

// log of prod_{n < N} sigma_n for discs (c, r, a), sigma_n = S_{floor(n/m)} (LYAPND-MCONE-3 at t = 0);
// +inf when a condition of LYAPND-MCONE-1 fails (with margin).
double multi_objective(const std::vector<PairD>& pairs, int m, const std::vector<double>& c,
                       const std::vector<double>& r, const std::vector<double>& a, int N) {
  for (int j = 0; j < m; ++j)
    if (!(r[j] > 0) || !(std::fabs(a[j]) < 0.995)) return kInf;
  std::vector<double> coef(pairs.size()), th(pairs.size());
  for (std::size_t q = 0; q < pairs.size(); ++q) {
    const PairD& pr = pairs[q];
    const MatD& B = pr.b;
    const int j = pr.from, k = pr.to;
    const double s0 = (B[0] + B[2]) * c[j] + (B[1] + B[3]) * (1 - c[j]);
    if (!(std::fabs(s0) > 0) || !std::isfinite(s0)) return kInf;
    const double beta = (B[0] + B[2]) - (B[1] + B[3]);
    if (!(std::fabs(beta) * r[j] < 0.995 * std::fabs(s0))) return kInf;
    auto f = [&](double x) { return (B[0] * x + B[1] * (1 - x)) / ((B[0] + B[2]) * x + (B[1] + B[3]) * (1 - x)); };
    const double fm = (f(c[j] - r[j]) - c[k]) / r[k], fp = (f(c[j] + r[j]) - c[k]) / r[k];
    if (!(std::fabs(fm) < 0.995 && std::fabs(fp) < 0.995)) return kInf;
    auto phi = [&](double u) { return (u - a[k]) / (1 - a[k] * u); };
    const double t = std::max(std::fabs(phi(fm)), std::fabs(phi(fp)));
    const double mid = (fm + fp) / 2, rad = std::fabs(fp - fm) / 2;
    const double den = 1 - a[k] * mid - std::fabs(a[k]) * rad;
    if (!(t < 0.995) || !(den > 0)) return kInf;
    th[q] = t;
    coef[q] = pr.p * std::sqrt(1 - a[k] * a[k]) / den / std::sqrt(1 - t * t);
  }
  double obj = 0;
  const int Q = (N + m - 1) / m;
  for (int qq = 0; qq < Q; ++qq) {
    std::vector<double> A(m, 0.0);
    for (std::size_t q = 0; q < pairs.size(); ++q) A[pairs[q].from] += coef[q] * std::pow(th[q], qq);
    double s = 0;
    for (double x : A) s += x * x;
    if (!(s > 0)) return obj;
    obj += std::min(m, N - qq * m) * 0.5 * std::log(s);
  }
  return obj;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::optional<Multicone> verify_multicone(const laws::FiniteMatrices& f, const std::vector<std::array<Rational, 4>>& arcs) {
  // Proof: LYAPND-MCONE-0 (the check below is its hypothesis).
  if (arcs.empty()) return std::nullopt;
  const int m = static_cast<int>(arcs.size());
  std::vector<Mat> P, Pinv;
  for (const auto& arc : arcs) {
    P.push_back(chart(arc));
    auto inv = inverse(P.back());
    if (!inv) return std::nullopt;
    Pinv.push_back(*inv);
  }
  Multicone mc;
  mc.arcs = arcs;
  for (std::size_t idx : positive_atoms(f)) {
    if (f.matrices[idx].size() != 4) return std::nullopt;
    const Mat M{f.matrices[idx][0], f.matrices[idx][1], f.matrices[idx][2], f.matrices[idx][3]};
    for (int j = 0; j < m; ++j) {
      const Mat MP = mul(M, P[j]);
      int to = -1;
      for (int k = 0; k < m && to < 0; ++k)
        if (strict_sign(mul(Pinv[k], MP)) != 0) to = k;
      if (to < 0) return std::nullopt;
      mc.target.push_back(to);
    }
    mc.probs.push_back(f.probs[idx]);
    mc.mats.push_back(f.matrices[idx]);
  }
  if (mc.probs.empty()) return std::nullopt;
  return mc;
}

namespace {

// Every candidate arc set of the search that passes verify_multicone (all = false: the first only).
std::vector<Multicone> find_multicones(const laws::FiniteMatrices& f, std::string* why, bool all) {
  auto fail = [&](const std::string& s) {
    if (why) *why = s;
    return std::vector<Multicone>{};
  };
  std::vector<MatD> at;
  std::vector<Mat> ex;
  const std::vector<std::size_t> labels = positive_atoms(f);  // A1, A2, ...: the matrices as given
  for (std::size_t idx : labels) {
    const auto& m = f.matrices[idx];
    if (m.size() != 4) return fail("the matrices are not 2 x 2");
    ex.push_back({m[0], m[1], m[2], m[3]});
    MatD d{m[0].convert_to<double>(), m[1].convert_to<double>(), m[2].convert_to<double>(),
           m[3].convert_to<double>()};
    const double s = std::max({std::fabs(d[0]), std::fabs(d[1]), std::fabs(d[2]), std::fabs(d[3])});
    if (!(s > 0) || !std::isfinite(s)) return fail("a matrix of positive probability is 0 or too large for the search");
    for (double& x : d) x /= s;
    at.push_back(d);
  }
  if (at.empty()) return fail("no matrix has positive probability");
  const Directions dir = directions(at, ex, labels);
  if (!dir.failure.empty()) return fail(dir.failure);
  const auto cands = candidate_arcs(dir);
  if (cands.empty())
    return fail(fmt::format("the attracting directions of the products of length <= n could not be separated from "
                            "the repelling ones by at most {} arcs",
                            kMaxArcs));
  std::vector<Multicone> out;
  for (const auto& arcs : cands) {
    std::vector<std::array<Rational, 4>> ex_arcs;
    for (const ArcD& a : arcs) ex_arcs.push_back(arc_of(a));
    if (auto mc = verify_multicone(f, ex_arcs)) {
      out.push_back(std::move(*mc));
      if (!all) break;
    }
  }
  if (out.empty())
    return fail(fmt::format("no union of {} arc{} around the attracting directions of the products passed the exact "
                            "check (LYAPND-MCONE-0)",
                            cands.front().size(), cands.front().size() == 1 ? "" : "s"));
  return out;
}

}  // namespace

std::optional<Multicone> find_multicone(const laws::FiniteMatrices& f, std::string* why) {
  std::vector<Multicone> v = find_multicones(f, why, false);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::optional<CycleCertificate> verify_multicone_discs(const Multicone& mc, const std::vector<Rational>& centers,
                                                       const std::vector<Rational>& radii,
                                                       const std::vector<Rational>& as) {
  // Proof: LYAPND-MCONE-1 (every condition below is one of its exact checks).
  const int m = static_cast<int>(mc.arcs.size());
  if (m < 1 || static_cast<int>(centers.size()) != m || static_cast<int>(radii.size()) != m ||
      static_cast<int>(as.size()) != m)
    return std::nullopt;
  for (int j = 0; j < m; ++j)
    if (radii[j] <= 0 || as[j] <= -1 || as[j] >= 1) return std::nullopt;
  std::vector<Mat> P, Pinv;
  for (const auto& arc : mc.arcs) {
    P.push_back(chart(arc));
    auto inv = inverse(P.back());
    if (!inv) return std::nullopt;
    Pinv.push_back(*inv);
  }
  CycleCertificate cert;
  cert.cones = m;
  cert.center = centers[0];
  cert.radius = radii[0];
  cert.a = as[0];
  cert.theta_max = 0;
  cert.target = mc.target;
  cert.probs = mc.probs;
  cert.mats = mc.mats;
  std::vector<Rational> kij;
  for (std::size_t i = 0; i < mc.probs.size(); ++i) {
    const Mat M{mc.mats[i][0], mc.mats[i][1], mc.mats[i][2], mc.mats[i][3]};
    cert.sign.push_back(1);
    double logsum = 0;
    for (int j = 0; j < m; ++j) {
      const int k = mc.target[i * m + j];
      Mat B = mul(Pinv[k], mul(M, P[j]));
      const Rational& c = centers[j];
      const Rational& r = radii[j];
      Rational s0 = (B[0] + B[2]) * c + (B[1] + B[3]) * (1 - c);
      if (s0 == 0) return std::nullopt;
      if (s0 < 0) {  // -B has the same projective action and the same |products|
        for (auto& x : B) x = -x;
        s0 = -s0;
        if (m == 1) {  // one disc: the walk multiplies sign-normalised atoms (tr > 0, LYAPND-CYCLE-2 (a))
          cert.sign[i] = -1;
          for (auto& x : cert.mats[i]) x = -x;
        }
      }
      const Rational beta = (B[0] + B[2]) - (B[1] + B[3]);
      const Rational rho = exact::rational_abs(beta) * r / s0;
      if (rho >= 1) return std::nullopt;  // s_ij vanishes on the closed disc
      auto fx = [&](const Rational& x) {
        return Rational((B[0] * x + B[1] * (1 - x)) / ((B[0] + B[2]) * x + (B[1] + B[3]) * (1 - x)));
      };
      const Rational fm = (fx(c - r) - centers[k]) / radii[k], fp = (fx(c + r) - centers[k]) / radii[k];
      // f_ij(closed D_j) not inside D_k
      if (exact::rational_abs(fm) >= 1 || exact::rational_abs(fp) >= 1) return std::nullopt;
      const Rational& a = as[k];
      auto phi = [&](const Rational& u) { return Rational((u - a) / (1 - a * u)); };
      const Rational th = std::max(exact::rational_abs(phi(fm)), exact::rational_abs(phi(fp)));
      const Rational mid = (fm + fp) / 2, rad = exact::rational_abs(fp - fm) / 2;
      const Rational den = 1 - a * mid - exact::rational_abs(a) * rad;
      if (den <= 0 || th >= 1) return std::nullopt;  // impossible when the checks above pass
      cert.rho.push_back(rho);
      cert.theta.push_back(th);
      cert.m2.push_back((1 - a * a) / (den * den));
      kij.push_back(s0);
      logsum += std::log(s0.convert_to<double>());
      if (th > cert.theta_max) cert.theta_max = th;
    }
    // kappa_i: any positive rational; a dyadic near the geometric mean of the kappa_ij keeps
    // |log(kappa_ij / kappa_i)| small (it only enters L_ij, LYAPND-MCONE-1 (a)).
    const double g = std::exp(logsum / m);
    int e = 0;
    std::frexp(g, &e);
    Rational kap = std::isfinite(g) && g > 0 ? dyadic(g, 24 - e) : kij[i * m];
    if (kap <= 0) kap = kij[i * m];
    cert.kappa.push_back(kap);
    for (int j = 0; j < m; ++j) cert.kappa_ratio.push_back(kij[i * m + j] / kap);
  }
  if (cert.probs.empty()) return std::nullopt;
  return cert;
}

std::optional<CycleCertificate> find_multicone_certificate(const Multicone& mc, int digits) {
  const int m = static_cast<int>(mc.arcs.size());
  std::vector<PairD> pairs;
  {
    std::vector<Mat> P, Pinv;
    for (const auto& arc : mc.arcs) {
      P.push_back(chart(arc));
      auto inv = inverse(P.back());
      if (!inv) return std::nullopt;
      Pinv.push_back(*inv);
    }
    for (std::size_t i = 0; i < mc.probs.size(); ++i) {
      const Mat M{mc.mats[i][0], mc.mats[i][1], mc.mats[i][2], mc.mats[i][3]};
      for (int j = 0; j < m; ++j) {
        const int k = mc.target[i * m + j];
        const Mat B = mul(Pinv[k], mul(M, P[j]));
        MatD b{B[0].convert_to<double>(), B[1].convert_to<double>(), B[2].convert_to<double>(),
               B[3].convert_to<double>()};
        const double s = std::max({std::fabs(b[0]), std::fabs(b[1]), std::fabs(b[2]), std::fabs(b[3])});
        for (double& x : b) x /= s;
        pairs.push_back({static_cast<int>(i), j, k, mc.probs[i].convert_to<double>(), b});
      }
    }
  }
  std::vector<double> c(m, 0.5), r(m, 0.5), a(m, 0.0);
  // Design length: the bound should reach about 10^-(digits + 3); N grows like sqrt(m digits).
  const int N = std::clamp(static_cast<int>(std::ceil(std::sqrt(2.0 * m * (digits + 3) / 0.8))), 4, 40);
  double best = multi_objective(pairs, m, c, r, a, N);
  {
    // Starting discs: iterate the hull map I_k <- hull{f_ij(I_j): sigma(i, j) = k} from the unit intervals
    // (a real Moebius map without pole on I maps the disc with diameter I onto the disc with diameter
    // f(I)), which shrinks towards the hull of the limit set, then widen by a factor 1 + w.
    std::vector<double> lo(m, 0.0), hi(m, 1.0);
    for (int it = 0; it < 40; ++it) {
      std::vector<double> nlo(m, kInf), nhi(m, -kInf);
      for (const PairD& pr : pairs) {
        const MatD& B = pr.b;
        auto f = [&](double x) { return (B[0] * x + B[1] * (1 - x)) / ((B[0] + B[2]) * x + (B[1] + B[3]) * (1 - x)); };
        const double y0 = f(lo[pr.from]), y1 = f(hi[pr.from]);
        nlo[pr.to] = std::min({nlo[pr.to], y0, y1});
        nhi[pr.to] = std::max({nhi[pr.to], y0, y1});
      }
      bool inside = true;
      for (int k = 0; k < m; ++k) {
        if (!(nlo[k] <= nhi[k])) {  // no atom maps into arc k: keep its interval
          nlo[k] = lo[k];
          nhi[k] = hi[k];
        }
        inside = inside && nlo[k] >= lo[k] - 1e-12 && nhi[k] <= hi[k] + 1e-12 && std::isfinite(nlo[k] + nhi[k]);
      }
      if (!inside) break;
      lo = nlo;
      hi = nhi;
    }
    for (double w : {0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6}) {
      std::vector<double> cc(m), rr(m);
      for (int k = 0; k < m; ++k) {
        cc[k] = (lo[k] + hi[k]) / 2;
        rr[k] = std::max((hi[k] - lo[k]) / 2 * (1 + w), 1e-3);
      }
      const double o = multi_objective(pairs, m, cc, rr, a, N);
      if (o < best) {
        best = o;
        c = cc;
        r = rr;
      }
    }
  }
  if (std::isfinite(best)) {
    // Coordinate pattern search from the unit-interval discs.
    double dc = 0.1, dl = 0.3, da = 0.2;
    for (int it = 0; it < 400 && (dc > 1e-7 || da > 1e-7); ++it) {
      const double before = best;
      for (int j = 0; j < m; ++j)
        for (int s : {-1, 1}) {
          auto tryit = [&](std::vector<double>& v, int idx, double val) {
            const double old = v[idx];
            v[idx] = val;
            const double o = multi_objective(pairs, m, c, r, a, N);
            if (o < best) {
              best = o;
            } else {
              v[idx] = old;
            }
          };
          // A disc that no atom maps into would otherwise shrink to a point: keep 1e-3 <= r <= 10, |c| <= 10.
          tryit(c, j, std::clamp(c[j] + s * dc, -10.0, 10.0));
          tryit(r, j, std::clamp(r[j] * std::exp(s * dl), 1e-3, 10.0));
          tryit(a, j, std::clamp(a[j] + s * da, -0.99, 0.99));
        }
      if (!(best < before)) {
        dc /= 2;
        dl /= 2;
        da /= 2;
      }
    }
  }
  auto exact_of = [&](const std::vector<double>& cc, const std::vector<double>& rr, const std::vector<double>& aa) {
    std::vector<Rational> ce, re, ae;
    for (int j = 0; j < m; ++j) {
      ce.push_back(dyadic(cc[j], 30));
      re.push_back(dyadic(rr[j], 30));
      ae.push_back(dyadic(aa[j], 30));
    }
    return verify_multicone_discs(mc, ce, re, ae);
  };
  if (auto cert = exact_of(c, r, a)) return cert;
  return verify_multicone_discs(mc, std::vector<Rational>(m, Rational(1, 2)), std::vector<Rational>(m, Rational(1, 2)),
                                std::vector<Rational>(m, Rational(0)));
}

namespace {

struct BestCertificate {
  std::optional<CycleCertificate> cert;  // empty: no multicone (why says why)
  std::string note, why;
  double rate = 2;  // theta^(1/m) of cert
};

// Every candidate arc set that passed the exact check is valid; take the one whose certificate contracts
// best (smallest theta^(1/m), the decay rate of LYAPND-MCONE-4), stopping at the first with rate <= 0.3.
// The searches cost milliseconds.
BestCertificate best_certificate(const laws::FiniteMatrices& f, int digits) {
  BestCertificate out;
  const std::vector<Multicone> cands = find_multicones(f, &out.why, true);
  const Multicone* best_mc = nullptr;
  for (const Multicone& mc : cands) {
    const int m = static_cast<int>(mc.arcs.size());
    std::optional<CycleCertificate> cert;
    if (m == 1) {
      // One arc with chart P: the atoms P^{-1} M_i P are entrywise of one strict sign, Lambda is unchanged
      // by the conjugation, and the one-disc expansion applies (LYAPND-MCONE-0 (b), LYAPND-CYCLE-1).
      const Mat P = chart(mc.arcs[0]);
      const Mat Pinv = *inverse(P);
      laws::FiniteMatrices g;
      for (std::size_t i = 0; i < mc.probs.size(); ++i) {
        const Mat M{mc.mats[i][0], mc.mats[i][1], mc.mats[i][2], mc.mats[i][3]};
        const Mat B = mul(Pinv, mul(M, P));
        g.matrices.push_back({B[0], B[1], B[2], B[3]});
        g.probs.push_back(mc.probs[i]);
      }
      cert = find_cycle_certificate(g, digits);
      if (cert) {
        // The walk needs only traces and determinants of products, which conjugation does not change:
        // multiply the atoms themselves (sign-normalised like the certificate), not their conjugates with
        // 2^30-sized denominators. Proof: LYAPND-MCONE-0 (b)
        for (std::size_t i = 0; i < cert->mats.size(); ++i)
          for (std::size_t e = 0; e < 4; ++e) cert->mats[i][e] = cert->sign[i] * mc.mats[i][e];
      }
    }
    if (!cert) cert = find_multicone_certificate(mc, digits);
    if (!cert) continue;  // cannot happen: the discs D(1/2, 1/2) pass (LYAPND-MCONE-0 (d))
    const double rate = std::pow(cert->theta_max.convert_to<double>(), 1.0 / std::max(cert->cones, 1));
    if (!out.cert || rate < out.rate) {
      out.cert = std::move(cert);
      best_mc = &mc;
      out.rate = rate;
    }
    if (out.rate <= 0.3) break;  // good enough: the remaining candidates would only cost time
  }
  if (!out.cert) {
    if (!cands.empty()) out.why = "no disc certificate (LYAPND-MCONE-1) for the multicone";
    return out;
  }
  const int m = static_cast<int>(best_mc->arcs.size());
  std::string arcs;
  for (const auto& arc : best_mc->arcs) {
    const double hi = angle_of(arc[0].convert_to<double>(), arc[1].convert_to<double>());
    const double lo = angle_of(arc[2].convert_to<double>(), arc[3].convert_to<double>());
    arcs += fmt::format("{}[{:.4g}, {:.4g}] deg", arcs.empty() ? "" : ", ", lo * 180 / kPi,
                        (lo + fwd(lo, hi)) * 180 / kPi);
  }
  out.note = fmt::format("; invariant multicone of {} arc{} {} (exact check LYAPND-MCONE-0){}", m, m == 1 ? "" : "s",
                         arcs, out.cert->cones == 1 ? ", conjugated by its chart" : "");
  return out;
}

}  // namespace

Result run_multicone(const laws::FiniteMatrices& f, int d, const Options& opt, Clock::time_point deadline) {
  if (d != 2) throw InputError(fmt::format("--method multicone does not apply: it needs 2 x 2 matrices, got d = {}", d));
  const BestCertificate b = best_certificate(f, opt.acc.digits);
  if (!b.cert)
    throw InputError("--method multicone does not apply: " + b.why +
                     "; use --method poisson (invertible matrices) or --method enumerate for an upper bound");
  return run_cycle_certificate(*b.cert, opt, deadline, "multicone", b.note);
}

bool multicone_applies_for_auto(const laws::FiniteMatrices& f, int d, int digits) {
  if (d != 2 || !find_multicone(f)) return false;
  // Predicted cost (heuristic, decides only which certified method runs): the coefficients decay like
  // rate^(n^2/2) (LYAPND-MCONE-4), so about n = sqrt(2 (digits + 3) / log10(1/rate)) and k^n / n necklaces.
  const BestCertificate b = best_certificate(f, digits);
  // rate > 3/4: the constants of the bound (1 / prod (1 - rate^l), the crude tail) dominate any prediction.
  if (!b.cert || !(b.rate <= 0.75)) return false;
  const double n = std::sqrt(2.0 * (digits + 3) / std::log10(1 / b.rate));
  const double k = static_cast<double>(b.cert->probs.size());
  return n * std::log(k) - std::log(n) <= std::log(2e6);
}

}  // namespace lyapcert::lyapnd
