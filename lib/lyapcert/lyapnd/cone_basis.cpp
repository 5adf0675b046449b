// A simplicial invariant cone for a d x d family, found in binary64 and checked exactly (LYAPND-CYCND-7).
//
// The search: a family that maps a closed cone strictly into itself has, for every word, a simple dominant real
// eigenvalue whose eigenvector lies inside the cone, and the cone contains the convex hull of these directions.
// So the directions of the words of length <= 3 (and their images under each atom) are collected, put in an
// affine chart, and regular simplices around them (a few margins and seeded rotations) are moved by a pattern search
// on their vertices until the conjugated atoms are of one sign, then toward the tightest such simplex. The
// simplex's vertices are the columns of T; rounding them to short dyadic rationals changes nothing in the
// argument, because only the exact check of T^-1 M_i T decides.
#include "lyapcert/lyapnd/cone_basis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "lyapcert/lyapnd/internal/rational_matrix.hpp"

namespace lyapcert::lyapnd {
namespace {

using exact::Rational;
using detail::RationalMatrix;
using DVec = std::vector<double>;

// +1 when every entry is > 0, -1 when every entry is < 0, 0 otherwise.
int entry_sign(const RationalMatrix& m) {
  bool pos = true, neg = true;
  for (const Rational& x : m) {
    if (!(x > 0)) pos = false;
    if (!(x < 0)) neg = false;
  }
  return pos ? 1 : neg ? -1 : 0;
}

DVec mat_vec(const DVec& a, const DVec& v, int d) {
  DVec w(d, 0.0);
  for (int i = 0; i < d; ++i)
    for (int k = 0; k < d; ++k) w[i] += a[i * d + k] * v[k];
  return w;
}

DVec mat_mul(const DVec& a, const DVec& b, int d) {
  DVec c(static_cast<std::size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i)
    for (int k = 0; k < d; ++k)
      for (int j = 0; j < d; ++j) c[i * d + j] += a[i * d + k] * b[k * d + j];
  return c;
}

double dot(const DVec& a, const DVec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

bool normalise(DVec& v) {
  const double n = std::sqrt(dot(v, v));
  if (!(n > 0) || !std::isfinite(n)) return false;
  for (double& x : v) x /= n;
  return true;
}

// The eigenvector of a simple dominant real eigenvalue by power iteration (binary64, a guess); nullopt when the
// iteration does not settle on a direction (a dominant complex pair or two eigenvalues of equal modulus: then no
// cone is mapped strictly into itself by this word, and the search gives up).
std::optional<DVec> dominant_direction(const DVec& w, int d) {
  DVec v(d);
  for (int i = 0; i < d; ++i) v[i] = 1.0 + 0.1 * i;  // not orthogonal to the dominant eigenvector generically
  if (!normalise(v)) return std::nullopt;
  for (int it = 0; it < 2000; ++it) {
    DVec u = mat_vec(w, v, d);
    if (!normalise(u)) return std::nullopt;
    if (dot(u, v) < 0)
      for (double& x : u) x = -x;  // a negative dominant eigenvalue flips the sign each step
    double diff = 0;
    for (int i = 0; i < d; ++i) diff = std::max(diff, std::fabs(u[i] - v[i]));
    v = u;
    if (diff < 1e-13) return v;
  }
  return std::nullopt;
}

// Vertices (unit vectors summing to 0) of a regular simplex in R^m, m = 2 or 3.
std::vector<DVec> regular_simplex(int m) {
  if (m == 1) return {{1.0}, {-1.0}};
  if (m == 2) {
    const double s = std::sqrt(3.0) / 2;
    return {{1.0, 0.0}, {-0.5, s}, {-0.5, -s}};
  }
  const double r = 1 / std::sqrt(3.0);
  return {{r, r, r}, {r, -r, -r}, {-r, r, -r}, {-r, -r, r}};
}

// A seeded random rotation of R^m (Gram-Schmidt of Gaussian columns; the first one is the identity).
std::vector<DVec> rotation(int m, int which) {
  std::vector<DVec> q(m, DVec(m, 0.0));
  if (which == 0) {
    for (int i = 0; i < m; ++i) q[i][i] = 1;
    return q;
  }
  std::mt19937_64 rng(0x6c79617063657274ULL + static_cast<std::uint64_t>(which));  // fixed: deterministic search
  std::normal_distribution<double> n01;
  for (int j = 0; j < m; ++j) {
    for (;;) {
      DVec c(m);
      for (double& x : c) x = n01(rng);
      for (int k = 0; k < j; ++k) {
        const double t = dot(c, q[k]);
        for (int i = 0; i < m; ++i) c[i] -= t * q[k][i];
      }
      if (normalise(c)) {
        q[j] = c;
        break;
      }
    }
  }
  return q;  // q[j] is the j-th column
}

// Inverse of a d x d binary64 matrix (Gauss-Jordan with partial pivoting); false when nearly singular.
bool invert64(DVec a, int d, DVec& inv) {
  inv.assign(static_cast<std::size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i) inv[i * d + i] = 1;
  for (int c = 0; c < d; ++c) {
    int p = c;
    for (int r = c + 1; r < d; ++r)
      if (std::fabs(a[r * d + c]) > std::fabs(a[p * d + c])) p = r;
    if (!(std::fabs(a[p * d + c]) > 1e-12)) return false;
    for (int j = 0; j < d; ++j) std::swap(a[p * d + j], a[c * d + j]), std::swap(inv[p * d + j], inv[c * d + j]);
    const double f = 1 / a[c * d + c];
    for (int j = 0; j < d; ++j) a[c * d + j] *= f, inv[c * d + j] *= f;
    for (int r = 0; r < d; ++r) {
      if (r == c) continue;
      const double g = a[r * d + c];
      for (int j = 0; j < d; ++j) a[r * d + j] -= g * a[c * d + j], inv[r * d + j] -= g * inv[c * d + j];
    }
  }
  return true;
}

// How positive the conjugated atoms are: min over atoms i and entries of s_i (T^-1 M_i T)_jk / |column k|_1,
// s_i the sign of the atom's entry sum. Positive iff every conjugated atom is of one strict sign (the column
// k holds the barycentric coordinates of M_i r_k in the rays r_j, up to a factor). -inf when T is singular.
double positivity(const std::vector<DVec>& atoms, const DVec& t, int d) {
  DVec ti;
  if (!invert64(t, d, ti)) return -std::numeric_limits<double>::infinity();
  double worst = std::numeric_limits<double>::infinity();
  for (const DVec& a : atoms) {
    const DVec c = mat_mul(ti, mat_mul(a, t, d), d);
    double sum = 0;
    for (double x : c) sum += x;
    const double sg = sum >= 0 ? 1 : -1;
    for (int k = 0; k < d; ++k) {
      double n = 0;
      for (int j = 0; j < d; ++j) n += std::fabs(c[j * d + k]);
      if (!(n > 0)) return -std::numeric_limits<double>::infinity();
      for (int j = 0; j < d; ++j) worst = std::min(worst, sg * c[j * d + k] / n);
    }
  }
  return worst;
}

// Objective of the search over simplices (vertices in the chart): while the conjugated atoms are not clearly of
// one sign, their positivity (below 1e-3, shifted below 0); then 1 / (1 + volume of the simplex), i.e. the
// tightest invariant simplex around the directions. A tight cone has a wide dual cone, and the chart functionals
// the polydisc search of the cycle expansion can reach (positive diagonal scalings of the conjugated family) are
// exactly the interior of that dual cone. A heuristic only: the exact check decides.
double cone_score(const std::vector<DVec>& atoms, const std::vector<DVec>& verts, const DVec& t, int d) {
  const double pos = positivity(atoms, t, d);
  if (!(pos > 1e-3)) return pos - 1e-3;
  const int m = d - 1;
  DVec e(static_cast<std::size_t>(m) * m);  // edge vectors from vertex 0
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) e[i * m + j] = verts[i + 1][j] - verts[0][j];
  const double vol = m == 1   ? std::fabs(e[0])
                     : m == 2 ? std::fabs(e[0] * e[3] - e[1] * e[2])
                              : std::fabs(e[0] * (e[4] * e[8] - e[5] * e[7]) - e[1] * (e[3] * e[8] - e[5] * e[6]) +
                                          e[2] * (e[3] * e[7] - e[4] * e[6]));
  return 1 / (1 + vol);
}

Rational dyadic(double x, int bits) { return Rational(std::ldexp(std::nearbyint(std::ldexp(x, bits)), -bits)); }

// The exact check of LYAPND-CYCND-7: T invertible and every T^-1 M_i T of one strict sign.
std::optional<PositiveBasis> check_basis(const laws::FiniteMatrices& f, int d, const RationalMatrix& t) {
  const auto ti = detail::try_inverse(t, d);
  if (!ti) return std::nullopt;
  PositiveBasis out;
  out.d = d;
  out.basis = t;
  out.conjugated = f;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    RationalMatrix c = detail::mul(*ti, detail::mul(f.matrices[i], t, d), d);
    if (f.probs[i] > 0 && entry_sign(c) == 0) return std::nullopt;
    out.conjugated.matrices[i] = std::move(c);
  }
  return out;
}

}  // namespace

std::optional<PositiveBasis> find_positive_basis(const laws::FiniteMatrices& f, int d) {
  // Proof: LYAPND-CYCND-7 (the search below is a heuristic; check_basis is the exact part).
  if (d < 2 || d > 4) return std::nullopt;
  std::vector<DVec> atoms;
  bool all_signed = true;
  for (std::size_t i = 0; i < f.matrices.size(); ++i) {
    if (!(f.probs[i] > 0)) continue;
    if (static_cast<int>(f.matrices[i].size()) != d * d) return std::nullopt;
    if (entry_sign(f.matrices[i]) == 0) all_signed = false;
    DVec a;
    for (const Rational& x : f.matrices[i]) a.push_back(x.convert_to<double>());
    atoms.push_back(std::move(a));
  }
  if (atoms.empty()) return std::nullopt;
  if (all_signed) return check_basis(f, d, detail::identity(d));
  // Words of length <= 3 (<= 2 when there are many atoms), each normalised to keep binary64 in range.
  std::vector<DVec> words = atoms;
  const int max_len = atoms.size() <= 4 ? 3 : 2;
  for (std::size_t lo = 0, len = 1; static_cast<int>(len) < max_len; ++len) {
    const std::size_t hi = words.size();
    for (std::size_t w = lo; w < hi; ++w)
      for (const DVec& a : atoms) {
        DVec p = mat_mul(a, words[w], d);
        double s = 0;
        for (double x : p) s = std::max(s, std::fabs(x));
        if (!(s > 0) || !std::isfinite(s)) return std::nullopt;
        for (double& x : p) x /= s;
        words.push_back(std::move(p));
      }
    lo = hi;
  }
  std::vector<DVec> dirs;
  for (const DVec& w : words) {
    auto v = dominant_direction(w, d);
    if (!v) return std::nullopt;
    dirs.push_back(*v);
  }
  for (std::size_t i = 0, n = dirs.size(); i < n; ++i)  // one step of each atom: more of the invariant set
    for (const DVec& a : atoms) {
      DVec u = mat_vec(a, dirs[i], d);
      if (normalise(u)) dirs.push_back(std::move(u));
    }
  // Orient the lines into one half-space (a cone is pointed) and take the unit mean as the chart's functional.
  DVec s(d, 0.0);
  for (DVec& v : dirs) {
    if (dot(v, s) < 0 || (dot(s, s) == 0 && v[0] < 0))
      for (double& x : v) x = -x;
    for (int i = 0; i < d; ++i) s[i] += v[i];
  }
  if (!normalise(s)) return std::nullopt;
  for (const DVec& v : dirs)
    if (!(dot(v, s) > 1e-3)) return std::nullopt;
  // An orthonormal basis E of s^perp; chart coordinates y = E^T v / (s . v).
  const int m = d - 1;
  std::vector<DVec> e;
  for (int j = 0; j < d && static_cast<int>(e.size()) < m; ++j) {
    DVec c(d, 0.0);
    c[j] = 1;
    const double ts = dot(c, s);
    for (int i = 0; i < d; ++i) c[i] -= ts * s[i];
    for (const DVec& b : e) {
      const double t = dot(c, b);
      for (int i = 0; i < d; ++i) c[i] -= t * b[i];
    }
    if (std::sqrt(dot(c, c)) > 1e-6 && normalise(c)) e.push_back(c);
  }
  if (static_cast<int>(e.size()) != m) return std::nullopt;
  std::vector<DVec> y;
  DVec centre(m, 0.0);
  for (const DVec& v : dirs) {
    const double l = dot(v, s);
    DVec p(m);
    for (int j = 0; j < m; ++j) p[j] = dot(v, e[j]) / l;
    for (int j = 0; j < m; ++j) centre[j] += p[j] / static_cast<double>(dirs.size());
    y.push_back(std::move(p));
  }
  double spread = 0;
  for (const DVec& p : y)
    for (int j = 0; j < m; ++j) spread = std::max(spread, std::fabs(p[j] - centre[j]));
  const std::vector<DVec> simplex = regular_simplex(m);
  // The rays of the simplex with vertices c + R u_j in the chart (lifted: s + E y), as the columns of T.
  auto rays = [&](const std::vector<DVec>& verts) {
    DVec t(static_cast<std::size_t>(d) * d);
    for (int col = 0; col < d; ++col) {
      DVec ray = s;
      for (int j = 0; j < m; ++j)
        for (int i = 0; i < d; ++i) ray[i] += verts[col][j] * e[j][i];
      for (int i = 0; i < d; ++i) t[i * d + col] = ray[i];
    }
    return t;
  };
  auto exact_try = [&](const std::vector<DVec>& verts) -> std::optional<PositiveBasis> {
    const DVec t64 = rays(verts);
    RationalMatrix t(static_cast<std::size_t>(d) * d);
    for (int col = 0; col < d; ++col) {
      double big = 0;
      for (int i = 0; i < d; ++i) big = std::max(big, std::fabs(t64[i * d + col]));
      for (int i = 0; i < d; ++i) t[i * d + col] = dyadic(t64[i * d + col] / big, 16);
    }
    return check_basis(f, d, t);
  };
  // Starting simplices: regular, around the directions with a margin, in a few seeded orientations; then a
  // pattern search on the vertices that maximises cone_score (binary64), and the exact
  // check once it is clearly positive.
  constexpr int kRotations = 8;
  for (double margin : {0.1, 0.6, 2.0}) {
    for (int r = 0; r < kRotations; ++r) {
      const std::vector<DVec> q = rotation(m, r);
      std::vector<DVec> u;  // rotated vertex directions
      for (const DVec& sv : simplex) {
        DVec w(m, 0.0);
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < m; ++j) w[i] += q[j][i] * sv[j];
        u.push_back(std::move(w));
      }
      // The facet opposite vertex j has outward normal -u_j at distance R/m from the centre (R the
      // circumradius): y is inside iff (y - c) . (-u_j) <= R/m for every j.
      double need = 0;
      for (const DVec& p : y)
        for (const DVec& uj : u) {
          double t = 0;
          for (int i = 0; i < m; ++i) t -= (p[i] - centre[i]) * uj[i];
          need = std::max(need, m * t);
        }
      const double radius = need * (1 + margin) + 1e-3 * std::max(spread, 1e-3);
      std::vector<DVec> verts(d, DVec(m));
      for (int col = 0; col < d; ++col)
        for (int j = 0; j < m; ++j) verts[col][j] = centre[j] + radius * u[col][j];
      double cur = cone_score(atoms, verts, rays(verts), d);
      // Run to convergence: a cone mapped deeper into itself contracts more in the Hilbert metric, which gives
      // shorter words for the cycle expansion.
      double step = 0.25 * radius;
      for (int it = 0; it < 400 && step > 1e-4 * radius; ++it) {
        bool improved = false;
        for (int col = 0; col < d; ++col)
          for (int j = 0; j < m; ++j)
            for (double sg : {-1.0, 1.0}) {
              std::vector<DVec> v2 = verts;
              v2[col][j] += sg * step;
              const double val = cone_score(atoms, v2, rays(v2), d);
              if (val > cur) cur = val, verts = std::move(v2), improved = true;
            }
        if (!improved) step /= 2;
      }
      if (cur > 0)
        if (auto b = exact_try(verts)) return b;
    }
  }
  return std::nullopt;
}

}  // namespace lyapcert::lyapnd
