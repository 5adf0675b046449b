// lyapcert::laws::MatrixLaw -- the law of the multiplier A of a random matrix product
// S_n = A_n ... A_1 (d x d, 1 <= d <= 4), built from a parsed law expression
// (docs/statistics.md, "Matrix laws").
//
//   matrices(M1: p1, M2: p2, ...)   finitely many exact matrices, M = [[a, b], [c, d]]
//   entries([[L11, L12], [L21, L22]])   independent entries: numbers or curvature-law expressions
//   ginibre(d, sigma)               i.i.d. N(0, sigma^2) entries
//   isotropic(d, lr)                I - lr a a^T, a ~ N(0, I_d)
//   sgd(lr, H)                      I - lr H for a matrix law H, 1 - lr h for a curvature law h
//   vector(q, d, lr, k, sigma, batch=S, gamma=G)   the linearisation of the vector two-layer model
//                                   [[c I_q, lr M], [lr M^T, c I_d]] (SIM-VEC-LIN-1), dimension q + d
//   any curvature law h             the 1 x 1 multiplier h itself
//
// Curvature-law sub-expressions are kept as parse trees (Value): their meaning for sampling is
// given by lyapcert::stats (sampler.hpp), for certification by curvature.hpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/ast.hpp"

namespace lyapcert::laws {

inline constexpr int kMaxMatrixDim = 4;

struct MatrixLaw;

struct FiniteMatrices {
  std::vector<std::vector<exact::Rational>> matrices;  // each row-major, d*d entries, exact
  std::vector<exact::Rational> probs;                   // >= 0, sum exactly 1
};
struct EntryMatrix {
  std::vector<Value> entries;  // row-major d*d: a Number or a curvature-law Call each
};
struct Ginibre {
  exact::Rational sigma;  // > 0
};
struct Isotropic {
  exact::Rational lr;  // > 0
};
struct Sgd {
  exact::Rational lr;                      // > 0
  std::shared_ptr<const MatrixLaw> curv;   // law of H (dimension d) or of h (d = 1)
};
// The multiplier [[c I_q, lr M], [lr M^T, c I_d]], c = 1 - lr gamma, M = (1/S) sum_j y_j x_j^T,
// x_j ~ N(0, I_d), y_j = k P x_j + sigma eps_j, P = [I 0] (q x d), eps_j ~ N(0, I_q): the linearised SGD step
// of f(x) = U W x at U = W = 0 (proofs/sim/vector.md, SIM-VEC-LIN-1; proofs/lyapnd/vector.md).
struct VectorSaddle {
  int q = 1, d = 1;              // 1 <= q, d; q + d <= kMaxMatrixDim
  exact::Rational lr = 1;        // > 0
  exact::Rational k = 1;         // any
  exact::Rational sigma2 = 1;    // sigma^2 >= 0 (exact even when sigma is irrational, e.g. from an SNR)
  std::uint64_t batch = 1;       // 1 .. 10^6
  exact::Rational gamma = 0;     // any (c = 1 - lr gamma)
};
struct ScalarLaw {
  Value curvature;  // a curvature-law expression; the 1 x 1 multiplier is h itself
};

struct MatrixLaw {
  int dim = 1;
  std::variant<FiniteMatrices, EntryMatrix, Ginibre, Isotropic, Sgd, ScalarLaw, VectorSaddle> node;
};

// Gives the meaning of `expr` as a matrix law. Guarantee: exact (all numbers kept as rationals).
// Throws InputError naming the problem: non-square or ragged matrices, d outside [1, 4], mixed
// dimensions, probabilities negative or not summing to exactly 1, sigma <= 0, lr <= 0, d not an
// integer, unknown arguments. Curvature-law sub-expressions are checked only syntactically here.
MatrixLaw build_matrix_law(const Value& expr);
MatrixLaw parse_matrix_law(std::string_view text, const ParseLimits& limits = {});

// Structural facts used by the estimators (Proof: STATS-IID-1 in proofs/stats/statistics.md).
// increments_iid: the increments log(|A_k v_{k-1}| / |v_{k-1}|) are i.i.d. for every start v_0:
// true for d = 1 and for conjugation-invariant laws (ginibre, isotropic, sgd of those).
bool increments_iid(const MatrixLaw& law);

}  // namespace lyapcert::laws
