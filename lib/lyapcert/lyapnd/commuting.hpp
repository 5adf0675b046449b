// lyapcert::lyapnd commuting finite families that are not triangular in the given basis
// (`--method commuting`): an exact certificate that every atom is a polynomial in one nonderogatory
// rational matrix B = sum_j c_j A_j, which gives a common triangularisation and pairs the eigenvalues
// across the family: lambda_i(A_j) = q_j(mu_i), mu_i the eigenvalues of B. Then
// Lambda = max_i sum_j p_j log|q_j(mu_i)|. Proof: LYAPND-COMM-2, -3 (proofs/lyapnd/commuting.md).
#pragma once
#include <flint/fmpz_poly_factor.h>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/finite_law.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace lyapcert::lyapnd {

// The exact certificate: B = sum_j c_j A_j (over the atoms of positive probability, in order) is
// nonderogatory (I, B, ..., B^{d-1} linearly independent) and A_j = q_j(B) exactly.
struct PolynomialCertificate {
  std::vector<exact::Rational> combination;      // c_j
  std::vector<exact::Rational> b;                // B, row-major d x d
  std::vector<exact::Rational> charpoly;         // characteristic polynomial of B, low to high (monic)
  std::vector<std::vector<exact::Rational>> q;   // q_j coefficients, low to high, degree < d
  std::vector<exact::Rational> probs;            // p_j of the atoms used
};

// Searches the combinations c_j = t^j (t = 1, 2, ..., max_tries) for a nonderogatory B with every atom a
// polynomial in B, verified exactly (nullopt when none is found, e.g. a derogatory family such as
// {I, diag(1, 1, 2)}; then no claim is made). Requires a commuting family (checked exactly: throws
// InputError otherwise). Guarantee: exact. Proof: LYAPND-COMM-2.
std::optional<PolynomialCertificate> polynomial_certificate(const laws::FiniteMatrices& f, int d,
                                                            int max_tries = 64);

// Lambda = max_i sum_j p_j log|q_j(mu_i)| from a certificate. Roots mu_i of the squarefree part of the
// characteristic polynomial of B are grouped by irreducible factor; a linear factor (rational mu) gives a
// 1-D finite law certified by lyap::certify_log_abs_mean (exact -inf and exact 0); a nonlinear factor is
// evaluated with Arb (exact -inf when the factor divides q_j; sign from the enclosure otherwise).
// Same contract as certify_lyapnd. Proof: LYAPND-COMM-3.
lyap::CertifiedResult certify_commuting_polynomial(const PolynomialCertificate& cert, const lyap::Accuracy& acc);

// The distinct irreducible factors over Z of cert.charpoly (the factors of its squarefree part P / gcd(P, P')),
// one per Galois orbit of eigenvalues. fac must be initialised (fmpz_poly_factor_init); it is overwritten. Exact.
void charpoly_factors(fmpz_poly_factor_t fac, const PolynomialCertificate& cert);

// max of certified values (the combination step of the triangular and commuting reductions): -inf parts
// are dropped (all -inf gives -inf), the enclosure is arb_max of the parts, the sign is positive if a part
// is certainly positive, negative if all are, exactly 0 if some part is exactly 0 and the others are
// negative or exactly 0, undetermined otherwise. Proof: LYAPND-COMM-1 (combination step).
lyap::CertifiedResult combine_max(const std::vector<lyap::CertifiedResult>& parts, const lyap::Accuracy& acc);

}  // namespace lyapcert::lyapnd
