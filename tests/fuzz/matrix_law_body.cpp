// Fuzz target matrix_law (docs/fuzzing.md): the matrix-law language of lyapnd / stats
// (matrices, entries, ginibre, isotropic, sgd, or a curvature law as a 1 x 1 multiplier), and the exact
// structural checks that run on a finite family before any certification: family_facts (rank <= 1, triangular,
// commuting), the exact entry moments, the commuting polynomial certificate and the reducibility analysis.
//
// Oracle (anything else is a bug):
//  * bad input ends in lyapcert::InputError with a message; no other exception (reduce_family's internal
//    std::logic_error included);
//  * the parse tree's canonical text re-parses to the same matrix law (same dimension and kind);
//  * the built law meets its documented invariants: 1 <= d <= 4; a finite family has d x d exact matrices and
//    probabilities >= 0 summing to exactly 1; sigma, lr > 0;
//  * the exact mean of a finite family from entry_moments equals sum_j p_j M_j computed here;
//  * a commuting family's polynomial certificate reproduces every atom: q_j(B) = A_j, evaluated here;
//  * reduce_family agrees with facts checked here independently: a triangular or commuting family with d >= 2
//    is never "absolutely irreducible"; a triangular family is never "irreducible over Q"; a reducible verdict
//    has diagonal blocks whose dimensions add up to d and whose characteristic polynomials multiply to the
//    characteristic polynomial of each atom (Faddeev-LeVerrier, computed here).
// Work is bounded: numbers of at most 40 digits (exponents within +-50), and the structural checks only on
// families of at most 12 atoms.
#include <exception>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "fuzz_bodies.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/commuting.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/reducible.hpp"
#include "lyapcert/lyapnd/second_moment.hpp"

namespace lyapcert::fuzz {
namespace {

namespace laws = lyapcert::laws;
namespace lyapnd = lyapcert::lyapnd;
using exact::Rational;
using Mat = std::vector<Rational>;
using Poly = std::vector<Rational>;  // coefficients, low to high

constexpr std::size_t kMaxStructuralAtoms = 12;

Mat mul(const Mat& a, const Mat& b, int d) {
  Mat c(static_cast<std::size_t>(d) * d, Rational(0));
  for (int i = 0; i < d; ++i)
    for (int k = 0; k < d; ++k)
      for (int j = 0; j < d; ++j) c[i * d + j] += a[i * d + k] * b[k * d + j];
  return c;
}

// Characteristic polynomial det(x I - A) by Faddeev-LeVerrier: M_0 = 0, c_d = 1,
// M_k = A M_{k-1} + c_{d-k+1} I, c_{d-k} = -tr(A M_k) / k.
Poly charpoly(const Mat& a, int d) {
  Poly c(static_cast<std::size_t>(d) + 1, Rational(0));
  c[d] = 1;
  Mat m(static_cast<std::size_t>(d) * d, Rational(0));
  for (int k = 1; k <= d; ++k) {
    Mat next = mul(a, m, d);
    for (int i = 0; i < d; ++i) next[i * d + i] += c[d - k + 1];
    m = std::move(next);
    const Mat am = mul(a, m, d);
    Rational tr = 0;
    for (int i = 0; i < d; ++i) tr += am[i * d + i];
    c[d - k] = -tr / k;
  }
  return c;
}

Poly poly_mul(const Poly& p, const Poly& q) {
  Poly r(p.size() + q.size() - 1, Rational(0));
  for (std::size_t i = 0; i < p.size(); ++i)
    for (std::size_t j = 0; j < q.size(); ++j) r[i + j] += p[i] * q[j];
  return r;
}

// q(B) for a polynomial q (low to high) and a d x d matrix B, by Horner's rule.
Mat poly_at(const Poly& q, const Mat& b, int d) {
  Mat r(static_cast<std::size_t>(d) * d, Rational(0));
  for (std::size_t k = q.size(); k-- > 0;) {
    r = mul(r, b, d);
    for (int i = 0; i < d; ++i) r[i * d + i] += q[k];
  }
  return r;
}

int kind(const laws::MatrixLaw& m) { return static_cast<int>(m.node.index()); }

std::string check_invariants(const laws::MatrixLaw& law) {
  if (law.dim < 1 || law.dim > laws::kMaxMatrixDim) return fmt::format("dimension {} outside [1, 4]", law.dim);
  const std::size_t n = static_cast<std::size_t>(law.dim) * law.dim;
  if (const auto* f = std::get_if<laws::FiniteMatrices>(&law.node)) {
    if (f->matrices.empty() || f->matrices.size() != f->probs.size()) return "finite family: matrices/probs sizes";
    Rational s = 0;
    for (std::size_t j = 0; j < f->matrices.size(); ++j) {
      if (f->matrices[j].size() != n) return fmt::format("finite family: matrix {} has {} entries", j + 1, f->matrices[j].size());
      if (f->probs[j] < 0) return "finite family: negative probability";
      s += f->probs[j];
    }
    if (s != 1) return "finite family: probabilities do not sum to 1";
  } else if (const auto* e = std::get_if<laws::EntryMatrix>(&law.node)) {
    if (e->entries.size() != n) return "entries: wrong number of entries";
  } else if (const auto* g = std::get_if<laws::Ginibre>(&law.node)) {
    if (g->sigma <= 0) return "ginibre: sigma <= 0";
  } else if (const auto* i = std::get_if<laws::Isotropic>(&law.node)) {
    if (i->lr <= 0) return "isotropic: lr <= 0";
  } else if (const auto* s = std::get_if<laws::Sgd>(&law.node)) {
    if (s->lr <= 0 || !s->curv) return "sgd: lr <= 0 or no inner law";
    if (s->curv->dim != law.dim) return "sgd: inner dimension differs";
    return check_invariants(*s->curv);
  } else if (law.dim != 1) {
    return "a curvature law as a matrix law must be 1 x 1";
  }
  return "";
}

// Laws whose entry moments need no curvature-law construction (that is the law_parser target's business and
// may be expensive for large minibatch laws).
bool moments_cheap(const laws::MatrixLaw& law) {
  if (std::holds_alternative<laws::FiniteMatrices>(law.node) || std::holds_alternative<laws::Ginibre>(law.node) ||
      std::holds_alternative<laws::Isotropic>(law.node)) {
    return true;
  }
  if (const auto* s = std::get_if<laws::Sgd>(&law.node)) return moments_cheap(*s->curv);
  return false;
}

std::string check_finite(const laws::FiniteMatrices& f, int d) {
  const std::size_t n = static_cast<std::size_t>(d) * d;
  std::vector<std::size_t> idx;
  for (std::size_t j = 0; j < f.probs.size(); ++j)
    if (f.probs[j] > 0) idx.push_back(j);
  if (idx.size() > kMaxStructuralAtoms) return "";

  laws::MatrixLaw law{d, f};
  const lyapnd::EntryMoments mom = lyapnd::entry_moments(law);
  Mat mean(n, Rational(0));
  for (std::size_t j : idx)
    for (std::size_t i = 0; i < n; ++i) mean[i] += f.probs[j] * f.matrices[j][i];
  if (mom.mean != mean) return "entry_moments: the mean differs from sum_j p_j M_j";

  const lyapnd::FamilyFacts facts = lyapnd::family_facts(f, d);
  if (facts.commuting && !facts.zero_atom) {
    if (const auto cert = lyapnd::polynomial_certificate(f, d, 8)) {
      if (cert->q.size() != idx.size()) return "polynomial certificate: one polynomial per atom expected";
      for (std::size_t k = 0; k < idx.size(); ++k) {
        if (poly_at(cert->q[k], cert->b, d) != f.matrices[idx[k]]) {
          return fmt::format("polynomial certificate: q_{}(B) != A_{}", k + 1, k + 1);
        }
      }
    }
  }

  const lyapnd::Reduction red = lyapnd::reduce_family(f, d);
  const bool triangular = facts.upper || facts.lower;
  if (d >= 2 && (triangular || facts.commuting) && red.verdict == lyapnd::Reducibility::absolutely_irreducible) {
    return "reduce_family: a triangular or commuting family called absolutely irreducible";
  }
  if (d >= 2 && triangular && red.verdict == lyapnd::Reducibility::irreducible_over_q) {
    return "reduce_family: a triangular family called irreducible over Q";
  }
  if (red.verdict == lyapnd::Reducibility::reducible) {
    if (red.blocks.size() < 2) return "reduce_family: reducible with fewer than two blocks";
    int total = 0;
    for (const auto& b : red.blocks) {
      if (b.dim < 1 || b.matrices.size() != idx.size()) return "reduce_family: a block of the wrong shape";
      total += b.dim;
    }
    if (total != d) return "reduce_family: block dimensions do not add up to d";
    for (std::size_t k = 0; k < idx.size(); ++k) {
      Poly prod{Rational(1)};
      for (const auto& b : red.blocks) prod = poly_mul(prod, charpoly(b.matrices[k], b.dim));
      if (prod != charpoly(f.matrices[idx[k]], d)) {
        return fmt::format("reduce_family: the blocks' characteristic polynomials do not multiply to atom {}'s", k + 1);
      }
    }
  }
  return "";
}

std::string run(std::string_view text) {
  laws::ParseLimits limits;
  limits.max_text_bytes = 1 << 20;
  limits.number.max_digits = 40;
  limits.number.max_exponent = 50;
  limits.max_atoms = 4096;

  laws::Value expr;
  try {
    expr = laws::parse(text, limits);
  } catch (const InputError& e) {
    return std::string_view(e.what()).empty() ? "parse: InputError without a message" : "";
  }
  const std::string canonical = laws::canonical(expr);

  laws::MatrixLaw law;
  try {
    law = laws::build_matrix_law(expr);
  } catch (const InputError& e) {
    if (std::string_view(e.what()).empty()) return "build: InputError without a message: " + canonical;
    // The canonical text must be refused as well: it names the same law.
    try {
      (void)laws::parse_matrix_law(canonical);
      return "the canonical text of a refused matrix law is accepted: " + canonical;
    } catch (const InputError&) {
      return "";
    }
  }

  try {
    const laws::MatrixLaw again = laws::parse_matrix_law(canonical);
    if (again.dim != law.dim || kind(again) != kind(law)) {
      return "canonical text builds a different matrix law: " + canonical;
    }
  } catch (const InputError& e) {
    return "canonical text of a matrix law is refused: " + canonical + ": " + e.what();
  }

  if (std::string why = check_invariants(law); !why.empty()) return why + ": " + canonical;
  (void)laws::increments_iid(law);

  try {
    if (moments_cheap(law)) (void)lyapnd::entry_moments(law);
    if (const auto* f = std::get_if<laws::FiniteMatrices>(&law.node)) {
      if (std::string why = check_finite(*f, law.dim); !why.empty()) return why + ": " + canonical;
    }
  } catch (const InputError& e) {
    if (std::string_view(e.what()).empty()) return "structural checks: InputError without a message: " + canonical;
  }
  return "";
}

}  // namespace

std::string matrix_law_one(std::string_view input) { return report_unexpected(run, input); }

}  // namespace lyapcert::fuzz
