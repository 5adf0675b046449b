// The seeded random class of invertible 2x2 families used to measure `lyapnd --method poisson`
// (docs/performance.md, "Poisson certificate on the random 2x2 class"): family i (0-based) of the class with
// seed S is drawn from std::mt19937_64(S * 1000003 + i): k = 2 or 3 atoms (uniform), entries uniform integers
// in [-3, 3] (a singular draw is redrawn, exact integer test), weights uniform integers 1..9 normalised
// (exact rationals). Each family is classified (for reporting only, no claim is made from it):
//   reducible   a common real eigenvector of all atoms (exact integer test) -- `--method reducible` territory;
//   imprimitive an invariant pair of lines (not a common eigenvector): several stationary measures are possible
//               (LYAPND-POIS-2), e.g. atoms of projective order 2 whose product is hyperbolic;
//   dominated   heuristic: no elliptic or parabolic word of length <= 6 AND the smallest log(s1/s2) over all
//               words of length 10 exceeds that over words of length 5 by > 1 (the ratio grows uniformly)
//               -- `--method multicone` territory;
//   general     the rest (irreducible, not dominated as far as this test can tell).
// Also printed: alpha, a heuristic cusp exponent of the Poisson solution (cusp_alpha below), and the word that
// sets it (a single atom index when an atom does); the summary splits the general families at alpha = 1.
// Then the certificate runs with --digits D --time-budget B (library equivalent of the CLI) and one line per
// family is printed: index, k, class, converged, width, wall s, CPU s, law. A summary follows.
//
// Usage: lyapnd_random_class [--seed S] [--count N] [--first I] [--digits D] [--budget B] [--method M]
//                            [--laws-only] [--induced-estimate N] [--order-estimate N] [--notes]
//                            [--max-levels K] [--arb-cells] [--floor-profile L]
// (--method: any `lyapcert lyapnd --method` name, default poisson, so the table can be reported per method;
// each line also names the method that ran; --notes prints each result's message under its line; --max-levels K
// caps the Poisson mesh levels (Options::max_levels) for runs that must not depend on the clock; --arb-cells
// evaluates the cell bounds and image arcs in Arb only (Options::poisson_binary64_cells = false), for comparisons. --laws-only prints the law strings, one a line, for
// `lyapcert lyapnd --law ...`, with alpha and its word. --induced-estimate N runs the binary64 prototype of the
// induced Poisson function below on the grid of N nodes instead of the certificate; --order-estimate N compares
// piecewise-linear and cubic interpolation of g on the uniform grid of N nodes, also in binary64. --floor-profile L
// certifies the driver's L-th mesh level as its final level within --budget and prints where the transfer floor
// sits: floor_profile below.)
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <arb.h>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/poisson.hpp"

namespace {

using namespace lyapcert;

struct Family {
  std::vector<std::array<long, 4>> m;
  std::vector<long> w;
  std::string law;
  std::string cls;
  double alpha = 0;
  std::string word;  // the word that sets alpha (atom indices, 0-based, rightmost applied first)
};

// Common real eigenvector of integer 2x2 matrices: each eigenline of the first non-scalar atom (exact:
// its eigenvalues are real iff disc >= 0; a line spanned by (b, l - a) or (l - d, c)) must be invariant
// under every atom. Tested exactly when the discriminant is a perfect square (rational eigenvalue);
// otherwise in long double with a relative tolerance (irrational eigenlines: only other atoms with the same
// quadratic field can share them; the tolerance is generous for entries <= 3).
bool common_eigenvector(const std::vector<std::array<long, 4>>& ms) {
  const std::array<long, 4>* ref = nullptr;
  for (const auto& m : ms)
    if (!(m[1] == 0 && m[2] == 0 && m[0] == m[3])) {
      ref = &m;
      break;
    }
  if (!ref) return true;  // all scalar
  const long a = (*ref)[0], b = (*ref)[1], c = (*ref)[2], d = (*ref)[3];
  const long disc = (a - d) * (a - d) + 4 * b * c;
  if (disc < 0) return false;
  const long double sq = std::sqrt(static_cast<long double>(disc));
  for (int sgn : {-1, 1}) {
    const long double l = (a + d + sgn * sq) / 2;
    long double x, y;
    if (b != 0 || std::fabs(l - a) > 1e-12L) {
      x = b;
      y = l - a;
    } else {
      x = l - d;
      y = c;
    }
    if (std::fabs(x) + std::fabs(y) < 1e-12L) {
      x = 1;
      y = 0;
    }
    bool all = true;
    for (const auto& m : ms) {
      const long double u = m[0] * x + m[1] * y, v = m[2] * x + m[3] * y;
      const long double cross = u * y - v * x;
      if (std::fabs(cross) > 1e-9L * (std::fabs(u) + std::fabs(v) + 1) * (std::fabs(x) + std::fabs(y))) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

// An invariant pair of lines {u, v} (imprimitive family: the 2-step family, or a subgroup of index 2, is
// reducible): candidates are the real eigenline pairs of the atoms and of the products of two atoms; a pair
// is accepted when every atom maps each line onto one of the two (long double, relative tolerance).
bool invariant_line_pair(const std::vector<std::array<long, 4>>& ms) {
  using LD = long double;
  std::vector<std::array<LD, 4>> cands;
  for (const auto& a : ms) {
    cands.push_back({LD(a[0]), LD(a[1]), LD(a[2]), LD(a[3])});
    for (const auto& b : ms)
      cands.push_back({LD(a[0] * b[0] + a[1] * b[2]), LD(a[0] * b[1] + a[1] * b[3]), LD(a[2] * b[0] + a[3] * b[2]),
                       LD(a[2] * b[1] + a[3] * b[3])});
  }
  auto parallel = [](LD x1, LD y1, LD x2, LD y2) {
    return std::fabs(x1 * y2 - y1 * x2) <= 1e-12L * (std::fabs(x1) + std::fabs(y1)) * (std::fabs(x2) + std::fabs(y2));
  };
  for (const auto& m : cands) {
    const LD a = m[0], b = m[1], c = m[2], d = m[3], tr = a + d, disc = (a - d) * (a - d) + 4 * b * c;
    if (disc <= 0 || (b == 0 && c == 0)) continue;  // no two distinct real eigenlines (or scalar/diagonal: skip)
    LD lines[2][2];
    for (int s = 0; s < 2; ++s) {
      const LD l = (tr + (s ? 1 : -1) * std::sqrt(disc)) / 2;
      if (std::fabs(b) > std::fabs(c)) {
        lines[s][0] = b;
        lines[s][1] = l - a;
      } else {
        lines[s][0] = l - d;
        lines[s][1] = c;
      }
    }
    bool ok = true;
    for (const auto& t : ms) {
      for (int s = 0; s < 2 && ok; ++s) {
        const LD u = t[0] * lines[s][0] + t[1] * lines[s][1], v = t[2] * lines[s][0] + t[3] * lines[s][1];
        ok = parallel(u, v, lines[0][0], lines[0][1]) || parallel(u, v, lines[1][0], lines[1][1]);
      }
      if (!ok) break;
    }
    if (ok) return true;
  }
  return false;
}

// log(s1 / s2) of a 2x2 matrix (doubles).
double log_sv_ratio(double a, double b, double c, double d) {
  const double f = a * a + b * b + c * c + d * d, det = std::fabs(a * d - b * c);
  const double s1sq = (f + std::sqrt(std::max(0.0, f * f - 4 * det * det))) / 2;
  return std::log(s1sq / det);  // s1^2 / (s1 s2) = s1 / s2
}

void words(const std::vector<std::array<long, 4>>& ms, int len, double m00, double m01, double m10, double m11,
           bool* elliptic, double* min_ratio) {
  if (len == 0) {
    const double tr = m00 + m11, det = m00 * m11 - m01 * m10;
    if (elliptic && tr * tr <= 4 * det * (1 + 1e-12)) *elliptic = true;
    if (min_ratio) *min_ratio = std::min(*min_ratio, log_sv_ratio(m00, m01, m10, m11));
    return;
  }
  for (const auto& m : ms) {
    // new = m * old
    words(ms, len - 1, m[0] * m00 + m[1] * m10, m[0] * m01 + m[1] * m11, m[2] * m00 + m[3] * m10,
          m[2] * m01 + m[3] * m11, elliptic, min_ratio);
  }
}

std::string classify(const std::vector<std::array<long, 4>>& ms) {
  if (common_eigenvector(ms)) return "reducible";
  if (invariant_line_pair(ms)) return "imprimitive";
  bool ell = false;
  for (int n = 1; n <= 6 && !ell; ++n) words(ms, n, 1, 0, 0, 1, &ell, nullptr);
  if (ell) return "general";
  double r5 = 1e300, r10 = 1e300;
  words(ms, 5, 1, 0, 0, 1, nullptr, &r5);
  words(ms, 10, 1, 0, 0, 1, nullptr, &r10);
  return r10 > r5 + 1 ? "dominated" : "general";
}

// Heuristic regularity exponent of the Poisson solution at repellers: for each hyperbolic word W of length
// <= 3 (probability p_W, eigenvalues |l1| > |l2|), the projective map of W expands its repelling fixed point by
// |l1 / l2|, and the solution of g - P g = phi - Lambda behaves there like |t - t0|^alpha with
// alpha = log(1 / p_W) / log|l1 / l2| when that is < 1 (a cusp). The minimum over words is printed: a
// piecewise-linear g on nodes no finer than 2^-40 cannot resolve a cusp below about 2^(-40 alpha).
// *word receives the minimising word, shortest first: a power W^n has the alpha of W (up to rounding, which
// the relative margin 1e-9 absorbs), so a word is reported only when it beats every shorter one.
double cusp_alpha(const std::vector<std::array<long, 4>>& ms, const std::vector<double>& p, std::string* word) {
  double best = 1e9;
  struct Partial {
    std::array<double, 4> m;
    double p;
    std::string name;
  };
  std::vector<Partial> cur{{{1, 0, 0, 1}, 1.0, ""}};
  for (int len = 1; len <= 3; ++len) {
    std::vector<Partial> next;
    for (const auto& [w, pw, name] : cur)
      for (std::size_t i = 0; i < ms.size(); ++i) {
        const auto& m = ms[i];
        const std::array<double, 4> z{m[0] * w[0] + m[1] * w[2], m[0] * w[1] + m[1] * w[3], m[2] * w[0] + m[3] * w[2],
                                      m[2] * w[1] + m[3] * w[3]};
        const double q = pw * p[i];
        next.push_back({z, q, std::to_string(i) + name});
        const double tr = z[0] + z[3], det = z[0] * z[3] - z[1] * z[2], disc = tr * tr - 4 * det;
        if (disc <= 0) continue;
        const double l1 = std::fabs((tr + std::copysign(std::sqrt(disc), tr)) / 2), l2 = std::fabs(det) / l1;
        if (l2 == 0 || l1 / l2 <= 1 + 1e-12) continue;
        const double a = std::log(1 / q) / std::log(l1 / l2);
        if (a < best * (1 - 1e-9)) {
          best = a;
          *word = next.back().name;
        }
      }
    cur = std::move(next);
  }
  return best;
}

Family draw(std::uint64_t seed, int i) {
  std::mt19937_64 rng(seed * 1000003ULL + static_cast<std::uint64_t>(i));
  std::uniform_int_distribution<int> kd(2, 3), ed(-3, 3), wd(1, 9);
  Family f;
  const int k = kd(rng);
  long wsum = 0;
  for (int a = 0; a < k; ++a) {
    std::array<long, 4> m{};
    do {
      for (long& x : m) x = ed(rng);
    } while (m[0] * m[3] - m[1] * m[2] == 0);
    f.m.push_back(m);
    f.w.push_back(wd(rng));
    wsum += f.w.back();
  }
  f.law = "matrices(";
  for (int a = 0; a < k; ++a) {
    const auto& m = f.m[static_cast<std::size_t>(a)];
    f.law += "[[" + std::to_string(m[0]) + ", " + std::to_string(m[1]) + "], [" + std::to_string(m[2]) + ", " +
             std::to_string(m[3]) + "]]: " + std::to_string(f.w[static_cast<std::size_t>(a)]) + "/" +
             std::to_string(wsum) + (a + 1 < k ? ", " : ")");
  }
  f.cls = classify(f.m);
  std::vector<double> p;
  for (long w : f.w) p.push_back(static_cast<double>(w) / static_cast<double>(wsum));
  f.alpha = cusp_alpha(f.m, p, &f.word);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Binary64 prototype of the "induced" Poisson function (--induced-estimate N; no certificate, no library
// call). For a selection sigma (piecewise constant on disjoint arcs U, an atom index or none) and a
// piecewise-linear F (nodes: the uniform grid j / N, the arc ends, and nodes graded geometrically outside
// each arc; F may jump at arc ends), g = F + p_sigma g(A_sigma . t) (geometric series, sub-Markov), and on
// the arcs h = phi + P g - g = phi - F + sum_{j != sigma} p_j g(A_j . t): the self-similar term cancels.
// Arcs: around the repeller t0 of every hyperbolic atom with alpha < 1.2 (sigma = that atom; radius where it
// expands by > 1.05, at most 0.06), then around the preimages s = A_j^{-1} . u of selected centres u
// (sigma = j), breadth first, while the cusp amplitude p_j |(A_j . )'(s)|^alpha times the parent's exceeds
// 1e-4; a preimage inside an arc of the same atom is left to the recursion, one inside an arc of another atom
// is a conflict (not cancelled); in the "nested" variant it gets a sub-arc of its own atom instead (arcs nested
// or disjoint, the innermost selects), and only exact coincidences remain conflicts. F is found by the value
// iteration F <- F + (h - mid h) at the nodes (both one-sided values at arc ends). Printed: sup h - inf h
// sampled at the nodes, midpoints, random points and points 2^-k away from the repellers and their preimages,
// for the plain piecewise-linear g (no arcs), the induced g and the nested variant on the same grid
// (INDUCED_VERBOSE=1 in the environment also prints the arcs and where h attains the sampled extremes).
// Known gap, kept because it is what was measured: a point left to the recursion is not expanded further, so
// its preimages under the other atoms (cusp points of h too) get no arc. docs/performance.md records the
// outcome.
namespace induced {

struct At {
  double a, b, c, d, p, det;
};
constexpr double kPi = 3.14159265358979323846;
double wrap1(double t) {
  t -= std::floor(t);
  return t >= 1 ? 0 : t;
}
double act(const At& m, double t) {
  const double c = std::cos(kPi * t), s = std::sin(kPi * t);
  return wrap1(std::atan2(m.c * c + m.d * s, m.a * c + m.b * s) / kPi);
}
double sq(const At& m, double t) {
  const double c = std::cos(kPi * t), s = std::sin(kPi * t), x = m.a * c + m.b * s, y = m.c * c + m.d * s;
  return x * x + y * y;
}
double dact(const At& m, double t) { return std::fabs(m.det) / sq(m, t); }
At inverse(const At& m) { return {m.d / m.det, -m.b / m.det, -m.c / m.det, m.a / m.det, m.p, 1 / m.det}; }
double cdist(double u, double v) { return std::fabs(wrap1(u - v + 0.5) - 0.5); }
double dyadic(double v) { return wrap1(std::round(v * 0x1p40) / 0x1p40); }

struct Arc {
  double a, b;  // [a, b) inside [0, 1]
  int s;        // selected atom
};

struct Model {
  std::vector<At> at;
  std::vector<double> x, fl, fr;  // nodes, left and right limits of F
  std::vector<Arc> arcs;
  // The arcs are nested or disjoint; the innermost arc containing y selects.
  int sigma(double y, bool left) const {
    int s = -1;
    double w = 2;
    for (const Arc& r : arcs)
      if ((left ? (y > r.a && y <= r.b) : (y >= r.a && y < r.b)) && r.b - r.a < w) {
        s = r.s;
        w = r.b - r.a;
      }
    return s;
  }
  double f(double y) const {
    const std::size_t m = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), y) - x.begin()) - 1;
    const std::size_t n = x.size();
    const double x0 = x[m], x1 = m + 1 < n ? x[m + 1] : 1.0, f0 = fr[m], f1 = m + 1 < n ? fl[m + 1] : fl[0];
    return f0 + (y - x0) / (x1 - x0) * (f1 - f0);
  }
  double g(double y) const {
    double acc = 0, w = 1;
    for (int n = 0; n < 400 && w > 1e-18; ++n) {
      const int s = sigma(y, false);
      acc += w * f(y);
      if (s < 0) break;
      w *= at[static_cast<std::size_t>(s)].p;
      y = act(at[static_cast<std::size_t>(s)], y);
    }
    return acc;
  }
  double phi(double t) const {
    double r = 0;
    for (const At& m : at) r += m.p * 0.5 * std::log(sq(m, t));
    return r;
  }
  // phi - F + sum over the unselected atoms of p_j g(A_j . t), at t with the selection s.
  double h_with(double t, int s, double fv) const {
    double r = phi(t) - fv;
    for (std::size_t j = 0; j < at.size(); ++j)
      if (static_cast<int>(j) != s) r += at[j].p * g(act(at[j], t));
    return r;
  }
};

// Repeller of a hyperbolic atom (nullopt otherwise) and its expansion factor |l1 / l2|.
bool repeller(const At& m, double* t0, double* lambda) {
  const double tr = m.a + m.d, disc = tr * tr - 4 * m.det;
  if (disc <= 0) return false;
  const double l1 = (tr + std::copysign(std::sqrt(disc), tr)) / 2, l2 = m.det / l1;
  if (std::fabs(l1 / l2) < 1 + 1e-9) return false;
  double vx, vy;
  if (std::fabs(m.b) + std::fabs(l2 - m.a) > std::fabs(l2 - m.d) + std::fabs(m.c)) {
    vx = m.b;
    vy = l2 - m.a;
  } else {
    vx = l2 - m.d;
    vy = m.c;
  }
  *t0 = wrap1(std::atan2(vy, vx) / kPi);
  *lambda = std::fabs(l1 / l2);
  return true;
}

struct Outcome {
  double spread = 0, argmin = 0, argmax = 0;
  int arcs = 0, handled = 0, conflicts = 0, nodes = 0;
};

Outcome run(const Family& fam, int n_grid, bool use_arcs, bool nested) {
  Model mo;
  long ws = 0;
  for (long w : fam.w) ws += w;
  for (std::size_t i = 0; i < fam.m.size(); ++i) {
    const auto& m = fam.m[i];
    mo.at.push_back({double(m[0]), double(m[1]), double(m[2]), double(m[3]), double(fam.w[i]) / double(ws),
                     double(m[0] * m[3] - m[1] * m[2])});
  }
  Outcome out;
  struct Centre {
    double u, r, amp, alpha;
    int s;
  };
  std::vector<Centre> todo, sel;
  if (use_arcs)
    for (std::size_t i = 0; i < mo.at.size(); ++i) {
      const At& m = mo.at[i];
      double t0, lam;
      if (!repeller(m, &t0, &lam)) continue;
      const double alpha = std::log(1 / m.p) / std::log(lam);
      if (alpha >= 1.2) continue;
      double r = 1e-6;
      while (r < 0.06 && dact(m, wrap1(t0 + 2 * r)) > 1.05 && dact(m, wrap1(t0 - 2 * r)) > 1.05) r *= 1.25;
      todo.push_back({t0, r, 1.0, alpha, static_cast<int>(i)});
    }
  for (std::size_t k = 0; k < todo.size() && sel.size() < 4000; ++k) {
    Centre c = todo[k];
    bool skip = false;
    double room = c.r;
    // The innermost arc containing the new centre: the same atom leaves it to the recursion; another atom
    // (nested arcs allowed) gets a sub-arc inside it, away from its centre.
    const Centre* inner = nullptr;
    for (const Centre& e : sel) {
      const double d = cdist(c.u, e.u);
      if (d < 1e-12) {
        skip = true;
        ++(e.s == c.s ? out.handled : out.conflicts);
        break;
      }
      if (d < e.r) {
        if (!inner || e.r < inner->r) inner = &e;
        room = std::min(room, std::min(e.r - d, 0.45 * d));
      } else {
        room = std::min(room, std::min(d - e.r, 0.45 * d));
      }
    }
    if (!skip && inner && (!nested || inner->s == c.s)) {
      ++(inner->s == c.s ? out.handled : out.conflicts);
      skip = true;
    }
    if (skip) continue;
    if (room < 1e-11) {
      ++out.conflicts;
      continue;
    }
    c.r = room;
    sel.push_back(c);
    for (std::size_t j = 0; j < mo.at.size(); ++j) {
      const double s = act(inverse(mo.at[j]), c.u), d = dact(mo.at[j], s);
      const double amp = c.amp * mo.at[j].p * std::pow(d, c.alpha);
      if (amp >= 1e-4) todo.push_back({s, std::min(c.r / d, 0.05), amp, c.alpha, static_cast<int>(j)});
    }
  }
  std::vector<double> x;
  for (int i = 0; i < n_grid; ++i) x.push_back(double(i) / n_grid);
  for (const Centre& c : sel) {
    const double a = std::round((c.u - c.r) * 0x1p40) / 0x1p40, b = std::round((c.u + c.r) * 0x1p40) / 0x1p40;
    if (a < 0) {
      mo.arcs.push_back({a + 1, 1.0, c.s});
      mo.arcs.push_back({0, b, c.s});
    } else if (b > 1) {
      mo.arcs.push_back({a, 1.0, c.s});
      mo.arcs.push_back({0, b - 1, c.s});
    } else {
      mo.arcs.push_back({a, b, c.s});
    }
    x.push_back(wrap1(a));
    x.push_back(wrap1(b));
    // Outside the arc g follows the cusp (curvature ~ amp d^(alpha - 2)): nodes graded from the arc end.
    for (double q = 1.2; c.r * (q - 1) < 1.0 / n_grid && q < 40; q *= 1.2)
      for (double sg : {-1.0, 1.0}) x.push_back(dyadic(c.u + sg * c.r * q));
    for (double q = 0.8; q > 0.2; q *= 0.8)
      for (double sg : {-1.0, 1.0}) x.push_back(dyadic(c.u + sg * c.r * q));
  }
  std::sort(x.begin(), x.end());
  x.erase(std::unique(x.begin(), x.end()), x.end());
  mo.x = x;
  const std::size_t n = x.size();
  out.arcs = static_cast<int>(sel.size());
  out.nodes = static_cast<int>(n);
  mo.fl.assign(n, 0);
  mo.fr.assign(n, 0);
  std::vector<int> sl(n), sr(n);
  for (std::size_t i = 0; i < n; ++i) {
    sr[i] = mo.sigma(x[i], false);
    sl[i] = mo.sigma(x[i] == 0 ? 1.0 : x[i], true);
  }
  std::vector<double> nl(n), nr(n);
  for (int it = 0; it < 3000; ++it) {
    double lo = 1e300, hi = -1e300;
    for (std::size_t i = 0; i < n; ++i) {
      nr[i] = mo.h_with(x[i], sr[i], mo.fr[i]);
      nl[i] = sl[i] == sr[i] ? nr[i] : mo.h_with(x[i], sl[i], mo.fl[i]);
      lo = std::min({lo, nr[i], nl[i]});
      hi = std::max({hi, nr[i], nl[i]});
    }
    const double mid = (lo + hi) / 2, c = it < 256 ? 1.0 : 0.5;
    for (std::size_t i = 0; i < n; ++i) {
      mo.fl[i] += c * (nl[i] - mid);
      mo.fr[i] += c * (nr[i] - mid);
    }
    if (hi - lo < 1e-14) break;
  }
  std::vector<double> pts;
  for (std::size_t i = 0; i < n; ++i) {
    pts.push_back(x[i]);
    pts.push_back((x[i] + (i + 1 < n ? x[i + 1] : 1.0)) / 2);
  }
  std::vector<double> cen;
  for (const At& m : mo.at) {
    double t0, lam;
    if (repeller(m, &t0, &lam)) cen.push_back(t0);
  }
  for (int lev = 0; lev < 3; ++lev) {
    const std::size_t c0 = cen.size();
    for (std::size_t k = 0; k < c0; ++k)
      for (const At& m : mo.at) cen.push_back(act(inverse(m), cen[k]));
  }
  for (double c : cen)
    for (int k = 2; k < 44; ++k)
      for (double sg : {-1.0, 1.0})
        for (double q : {1.0, 1.37}) pts.push_back(wrap1(c + sg * q * std::ldexp(1.0, -k)));
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uni(0, 1);
  for (int k = 0; k < 20000; ++k) pts.push_back(uni(rng));
  double lo = 1e300, hi = -1e300;
  for (double t : pts) {
    const int s = mo.sigma(t, false);
    const double v = mo.h_with(t, s, mo.f(t));
    if (v < lo) {
      lo = v;
      out.argmin = t;
    }
    if (v > hi) {
      hi = v;
      out.argmax = t;
    }
  }
  out.spread = hi - lo;
  if (std::getenv("INDUCED_VERBOSE")) {
    std::printf("    arcs:");
    for (const Centre& c : sel) std::printf(" [%.9f r=%.2e atom %d amp %.2e]", c.u, c.r, c.s, c.amp);
    std::printf("\n    extremes of h at %.12f (min) and %.12f (max)\n", out.argmin, out.argmax);
  }
  return out;
}

}  // namespace induced

// Binary64 estimate for a higher-order g (--order-estimate N; no certificate): g on the uniform grid j / N,
// interpolated piecewise linearly (order 1) or by the cubic Lagrange polynomial through the four nearest nodes
// (order 3), from the same value iteration; sup h - inf h sampled at the cell midpoints and 40000 - 2N random
// points. Measures whether a higher-order g pays before any derivative bound is certified.
double order_spread(const Family& fam, int n_grid, int order) {
  using induced::At;
  std::vector<At> at;
  long ws = 0;
  for (long w : fam.w) ws += w;
  for (std::size_t i = 0; i < fam.m.size(); ++i) {
    const auto& m = fam.m[i];
    at.push_back({double(m[0]), double(m[1]), double(m[2]), double(m[3]), double(fam.w[i]) / double(ws),
                  double(m[0] * m[3] - m[1] * m[2])});
  }
  const long n = n_grid;
  std::vector<double> g(static_cast<std::size_t>(n), 0.0), h(g.size()), ph(g.size());
  auto node = [&](long k) { return g[static_cast<std::size_t>(((k % n) + n) % n)]; };
  auto interp = [&](double y) {
    const double u = y * static_cast<double>(n);
    const long i = static_cast<long>(std::floor(u));
    const double f = u - static_cast<double>(i);
    if (order == 1) return node(i) + f * (node(i + 1) - node(i));
    return -f * (f - 1) * (f - 2) / 6 * node(i - 1) + (f + 1) * (f - 1) * (f - 2) / 2 * node(i) -
           (f + 1) * f * (f - 2) / 2 * node(i + 1) + (f + 1) * f * (f - 1) / 6 * node(i + 2);
  };
  auto phi = [&](double t) {
    double r = 0;
    for (const At& m : at) r += m.p * 0.5 * std::log(induced::sq(m, t));
    return r;
  };
  std::vector<std::vector<double>> img(at.size(), std::vector<double>(g.size()));
  for (std::size_t i = 0; i < g.size(); ++i) {
    ph[i] = phi(static_cast<double>(i) / static_cast<double>(n));
    for (std::size_t j = 0; j < at.size(); ++j)
      img[j][i] = induced::act(at[j], static_cast<double>(i) / static_cast<double>(n));
  }
  for (int it = 0; it < 5000; ++it) {
    double lo = 1e300, hi = -1e300;
    for (std::size_t i = 0; i < g.size(); ++i) {
      double v = ph[i] - g[i];
      for (std::size_t j = 0; j < at.size(); ++j) v += at[j].p * interp(img[j][i]);
      h[i] = v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double mid = (lo + hi) / 2, c = it < 256 ? 1.0 : 0.5;
    for (std::size_t i = 0; i < g.size(); ++i) g[i] += c * (h[i] - mid);
    if (hi - lo < 1e-14 || !std::isfinite(hi - lo)) break;
  }
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uni(0, 1);
  double lo = 1e300, hi = -1e300;
  for (long k = 0; k < 40000; ++k) {
    const double t = k < 2 * n ? (static_cast<double>(k) + 0.5) / (2.0 * static_cast<double>(n)) : uni(rng);
    double v = phi(t) - interp(t);
    for (const At& m : at) v += m.p * interp(induced::act(m, t));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi - lo;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// --floor-profile L: where the transfer floor sits on the driver's final level (diagnostics, no claim). The mesh of
// the driver's first L levels (uniform 256 nodes, then x1.5 per level by refine_poisson_mesh, the solver warm
// started), then that level certified as the driver's final level (binary64 cells at the driver's tolerance, the
// budget as deadline) with PoissonFloorCells; printed: the width, the estimated floor F = sum mass x (U0 - L0), how
// many cells carry half and 90 % of F, F split by the cells' length (binades) and by their width of h relative to
// their length, and the heaviest cells.
void floor_profile(const Family& fam, int levels, int digits, double budget) {
  using Clock = std::chrono::steady_clock;
  const laws::FiniteMatrices f = std::get<laws::FiniteMatrices>(laws::parse_matrix_law(fam.law).node);
  const auto far = Clock::now() + std::chrono::hours(1);
  std::vector<double> x(256);
  for (std::size_t j = 0; j < x.size(); ++j) x[j] = static_cast<double>(j) / 256;  // exact
  std::vector<double> g = lyapnd::poisson_mesh_solution(f, x, {}, {}, 20000, far);
  for (int l = 1; l < levels; ++l) {
    const std::vector<double> x2 = lyapnd::refine_poisson_mesh(x, g, x.size() / 2);
    g = lyapnd::poisson_mesh_solution(f, x2, x, g, 20000, far);
    x = x2;
  }
  double mid = 0;
  const double est = lyapnd::estimate_poisson_spread(f, x, g, &mid);
  const double transfer_target = 0.4 * std::pow(10.0, -digits) * std::max(1.0, 0.9 * std::fabs(mid));
  const double tol = std::max(0.05 * transfer_target, std::isfinite(est) ? 1e-6 * est : 0.0);
  lyapnd::PoissonFloorCells fc;
  const std::clock_t c0 = std::clock();
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget));
  const auto b = lyapnd::certify_poisson_bounds_mesh(f, x, g, 64, deadline, 20000, transfer_target, true, tol, &fc);
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  if (!b || fc.mass.empty()) {
    std::printf("  no transfer rounds (deadline or failed cells)\n");
    return;
  }
  const std::size_t n = fc.mass.size();
  std::vector<double> score(n);
  double F = 0;
  for (std::size_t c = 0; c < n; ++c) F += score[c] = fc.mass[c] * (fc.upper[c] - fc.lower[c]);
  std::vector<std::size_t> order(n);
  for (std::size_t c = 0; c < n; ++c) order[c] = c;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t z) { return score[a] > score[z]; });
  std::size_t half = 0, most = 0;
  double run = 0;
  for (std::size_t i = 0; i < n; ++i) {
    run += score[order[i]];
    if (half == 0 && run >= 0.5 * F) half = i + 1;
    if (most == 0 && run >= 0.9 * F) most = i + 1;
  }
  std::printf("  N=%zu nodes, est spread %.2e, width %.3e (h %.3e), cpu %.2f s, %d rounds (stop: %s), %zu cells, "
              "floor %.3e, cells for 50%% / 90%% of it: %zu / %zu\n",
              x.size(), est, 2 * mag_get_d(arb_radref(b->enclosure.get())), b->h_width, cpu, fc.rounds, fc.stop, n,
              F, half, most);
  // F by the cell length's binade and by the slope (U0 - L0) / length.
  std::vector<double> by_len(64, 0.0), by_slope(64, 0.0);
  std::vector<std::size_t> n_len(64, 0);
  for (std::size_t c = 0; c < n; ++c) {
    const double len = fc.edges[c + 1] - fc.edges[c], w = fc.upper[c] - fc.lower[c];
    const int bl = std::clamp(static_cast<int>(-std::floor(std::log2(len))), 0, 63);
    by_len[static_cast<std::size_t>(bl)] += score[c];
    ++n_len[static_cast<std::size_t>(bl)];
    const int bs = std::clamp(static_cast<int>(std::floor(std::log10(w / len))) + 20, 0, 63);
    by_slope[static_cast<std::size_t>(bs)] += score[c];
  }
  std::printf("  floor by cell length (2^-k: share of F, cells):");
  for (int k = 0; k < 64; ++k)
    if (by_len[static_cast<std::size_t>(k)] > 0.02 * F)
      std::printf(" 2^-%d: %.0f%% (%zu)", k, 100 * by_len[static_cast<std::size_t>(k)] / F, n_len[static_cast<std::size_t>(k)]);
  std::printf("\n  floor by slope (U0 - L0) / length (10^k: share of F):");
  for (int k = 0; k < 64; ++k)
    if (by_slope[static_cast<std::size_t>(k)] > 0.02 * F)
      std::printf(" 1e%d: %.0f%%", k - 20, 100 * by_slope[static_cast<std::size_t>(k)] / F);
  std::printf("\n  heaviest cells (t, length, U0 - L0, mass, share of F):");
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 6); ++i) {
    const std::size_t c = order[i];
    std::printf(" [%.9f %.1e %.1e %.1e %.1f%%]", fc.edges[c], fc.edges[c + 1] - fc.edges[c], fc.upper[c] - fc.lower[c],
                fc.mass[c], 100 * score[c] / F);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 20261207;
  int count = 100, first = 0, digits = 6;
  double budget = 4;
  bool laws_only = false, notes = false;
  int max_levels = 0;
  bool arb_cells = false;
  lyapnd::Method method = lyapnd::Method::poisson;
  int induced_grid = 0, order_grid = 0, floor_levels = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lyapnd_random_class: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed")
      seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--count")
      count = std::atoi(next());
    else if (a == "--first")
      first = std::atoi(next());
    else if (a == "--digits")
      digits = std::atoi(next());
    else if (a == "--budget")
      budget = std::atof(next());
    else if (a == "--method") {
      try {
        method = lyapnd::parse_method(next());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "lyapnd_random_class: %s\n", e.what());
        return 2;
      }
    } else if (a == "--induced-estimate")
      induced_grid = std::atoi(next());
    else if (a == "--order-estimate")
      order_grid = std::atoi(next());
    else if (a == "--laws-only")
      laws_only = true;
    else if (a == "--notes")
      notes = true;
    else if (a == "--max-levels")
      max_levels = std::atoi(next());
    else if (a == "--arb-cells")
      arb_cells = true;
    else if (a == "--floor-profile")
      floor_levels = std::atoi(next());
    else {
      std::fprintf(stderr, "lyapnd_random_class: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  struct Row {
    std::string cls;
    bool conv;
    double width, wall, cpu, alpha;
  };
  std::vector<Row> rows;
  for (int i = first; i < first + count; ++i) {
    const Family f = draw(seed, i);
    if (order_grid > 0) {
      std::printf("%3d %-11s alpha=%.3f word=%-3s N=%d  piecewise-linear spread=%.3e  cubic spread=%.3e\n", i,
                  f.cls.c_str(), f.alpha, f.word.c_str(), order_grid, order_spread(f, order_grid, 1),
                  order_spread(f, order_grid, 3));
      std::fflush(stdout);
      continue;
    }
    if (induced_grid > 0) {
      const induced::Outcome pl = induced::run(f, induced_grid, false, false),
                             in = induced::run(f, induced_grid, true, false),
                             nest = induced::run(f, induced_grid, true, true);
      std::printf("%3d %-11s alpha=%.3f word=%-3s N=%d  piecewise-linear spread=%.3e  induced spread=%.3e (arcs %d, "
                  "left to the recursion %d, conflicts %d, nodes %d)  nested arcs: spread=%.3e (arcs %d, "
                  "conflicts %d)\n",
                  i, f.cls.c_str(), f.alpha, f.word.c_str(), induced_grid, pl.spread, in.spread, in.arcs, in.handled,
                  in.conflicts, in.nodes, nest.spread, nest.arcs, nest.conflicts);
      std::fflush(stdout);
      continue;
    }
    if (floor_levels > 0) {
      std::printf("%3d %-11s alpha=%.3f word=%-3s %s\n", i, f.cls.c_str(), f.alpha, f.word.c_str(), f.law.c_str());
      floor_profile(f, floor_levels, digits, budget);
      std::fflush(stdout);
      continue;
    }
    if (laws_only) {
      std::printf("%d\t%s\talpha=%.3f\tword=%s\t%s\n", i, f.cls.c_str(), f.alpha, f.word.c_str(), f.law.c_str());
      continue;
    }
    lyapnd::Options o;
    o.acc.digits = digits;
    o.method = method;
    o.time_budget_seconds = budget;
    o.max_levels = max_levels;
    o.poisson_binary64_cells = !arb_cells;
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const lyapnd::Result r = lyapnd::certify_lyapnd(laws::parse_matrix_law(f.law), o);
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double w = 2 * mag_get_d(arb_radref(r.top.value.ball.get()));
    const double mid = arf_get_d(arb_midref(r.top.value.ball.get()), ARF_RND_NEAR);
    rows.push_back({f.cls, r.top.converged, w, wall, cpu, f.alpha});
    std::printf("%3d k=%zu %-11s %s width=%.3e mid=%+.9f wall=%.2f cpu=%.2f alpha=%.3f word=%-3s %s  %s\n", i,
                f.m.size(), f.cls.c_str(), r.top.converged ? "conv" : "MISS", w, mid, wall, cpu, f.alpha,
                f.word.c_str(), r.top.method.c_str(), f.law.c_str());
    if (notes) std::printf("    note: %s\n", r.top.message.c_str());
    std::fflush(stdout);
  }
  if (laws_only || induced_grid > 0 || order_grid > 0 || floor_levels > 0) return 0;
  for (const char* part : {"all", "general", "alpha>=1", "alpha<1"}) {
    std::vector<double> ws, ts, cs;
    int conv = 0, n = 0;
    for (const Row& r : rows) {
      if (std::string(part) == "general" && r.cls != "general") continue;
      if (std::string(part) == "alpha>=1" && (r.cls != "general" || r.alpha < 1)) continue;
      if (std::string(part) == "alpha<1" && (r.cls != "general" || r.alpha >= 1)) continue;
      ++n;
      conv += r.conv;
      ws.push_back(r.width);
      ts.push_back(r.wall);
      cs.push_back(r.cpu);
    }
    if (n == 0) continue;
    std::printf("%-8s n=%3d converged=%3d (%.0f%%) width median=%.2e worst=%.2e wall median=%.2f worst=%.2f cpu "
                "median=%.2f worst=%.2f\n",
                part, n, conv, 100.0 * conv / n, median(ws), *std::max_element(ws.begin(), ws.end()), median(ts),
                *std::max_element(ts.begin(), ts.end()), median(cs), *std::max_element(cs.begin(), cs.end()));
  }
  int red = 0, dom = 0, imp = 0;
  for (const Row& r : rows) {
    red += r.cls == "reducible";
    dom += r.cls == "dominated";
    imp += r.cls == "imprimitive";
  }
  std::printf("classes: reducible=%d imprimitive=%d dominated=%d general=%zu\n", red, imp, dom,
              rows.size() - red - dom - imp);
  return 0;
}
