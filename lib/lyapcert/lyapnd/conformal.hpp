// lyapcert::lyapnd conformal and imprimitive 2 x 2 families: the top exponent in closed form,
// Lambda = E log|det A| / 2 (proofs/lyapnd/conformal.md, LYAPND-CONF-1..3).
//
// A finite family of invertible 2 x 2 matrices has Lambda = E log|det A| / 2 (both Lyapunov exponents equal)
// when some nonzero traceless rational matrix X0 with det X0 != 0 satisfies, for every atom A of positive
// probability, A X0 = X0 A or A X0 = -X0 A, and either
//   det X0 > 0  (every atom is a similarity or an anti-similarity of one inner product: "conformal"), or
//   some atom anticommutes with X0 (the atoms permute the two real eigenlines of X0 and one swaps them:
//   "imprimitive").
// Everything is decided in exact rational arithmetic; the value E log|det A| / 2 is a finite 1-D law, so it is
// certified to any digits, with -inf and 0 decided exactly (e.g. families in SL(2) +- and O(2) give 0 exactly).
// Examples: rotations by rational-cosine angles, [[0, 1], [1, 0]] mixed with diagonal matrices, an atom of
// projective order 2 (trace 0) with the diagonal matrices in its eigenbasis.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

enum class ConformalKind { conformal, imprimitive };

struct ConformalCertificate {
  ConformalKind kind = ConformalKind::conformal;
  std::vector<exact::Rational> x0;  // the traceless witness X0, row-major 2 x 2
  std::string note;                 // one line: the witness and what it proves
};

// Exact search for a witness X0 among the traceless parts of the atoms of positive probability and of their
// pairwise products (a complete search for the families this method covers, LYAPND-CONF-3). nullopt when
// d != 2, some atom of positive probability is singular, or no witness is found (no claim then).
// Guarantee: exact; a returned certificate satisfies the hypotheses of LYAPND-CONF-1 or -2 (checked exactly).
std::optional<ConformalCertificate> find_conformal_certificate(const laws::FiniteMatrices& f, int d);

// The method `conformal`: Lambda = E log|det A| / 2, certified through the finite 1-D law of det A
// (lyap::certify_log_abs_mean, LOOP-1). Same contract as certify_lyapnd. Requires a certificate from
// find_conformal_certificate for the same family. Proof: LYAPND-CONF-1, -2.
Result run_conformal(const laws::FiniteMatrices& f, const ConformalCertificate& cert, const Options& opt);

}  // namespace lyapcert::lyapnd
