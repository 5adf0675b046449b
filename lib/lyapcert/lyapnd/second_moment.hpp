// lyapcert::lyapnd second-moment exponent of a matrix law (`lyapcert moment --p 2`):
//   g(2) = lim (1/n) log E||A_n ... A_1||_F^2 = log rho(E[A (x) A]),   Lambda <= g(2)/2,
// with the L_2 verdict (rho < 1, rho = 1 or rho > 1) decided exactly. Every matrix law of the law
// language has exact rational first and second entry moments (finite families, ginibre, isotropic,
// independent entries with curvature laws, sgd of those, 1 x 1 curvature laws), so E[A (x) A] is an
// exact rational matrix and the verdict is always exact. Proofs: LYAPND-MOM-1..3
// (proofs/lyapnd/second_moment.md).
#pragma once
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace lyapcert::lyapnd {

// Exact entry moments of A: mean[i*d + j] = E A_ij and
// second[((i*d + j)*d + k)*d + l] = E[A_ij A_kl]. Guarantee: exact. Proof: LYAPND-MOM-2.
// InputError if a curvature-law entry cannot be built.
struct EntryMoments {
  int d = 1;
  std::vector<exact::Rational> mean;
  std::vector<exact::Rational> second;
};
EntryMoments entry_moments(const laws::MatrixLaw& law);

// The d^2 x d^2 matrix K = E[A (x) A] (row-major) of X -> E[A X A^T] on row-major vec(X):
// K[(i*d + k) * d^2 + (j*d + l)] = E[A_ij A_kl]. Guarantee: exact.
std::vector<exact::Rational> kronecker_second_moment(const EntryMoments& m);

// The N x N matrix (N = d(d+1)/2, row-major) of the same map restricted to symmetric matrices, in the
// basis E_aa, E_ab + E_ba (a < b) ordered by (a, b) lexicographically with a <= b; the coordinate of a
// symmetric Y on that basis element is Y_ab. Guarantee: exact. Proof: LYAPND-MOM-1 (the restriction has
// the same spectral radius).
std::vector<exact::Rational> symmetric_second_moment(const EntryMoments& m);

enum class L2Verdict { stable, boundary, unstable };  // rho < 1, rho = 1, rho > 1 (decided exactly)
const char* to_string(L2Verdict v);

struct SecondMomentResult {
  // g(2) = log rho. Sign decided exactly (negative / zero / positive as rho <, =, > 1); minus_infinity
  // exactly when rho = 0 (then Lambda = -inf too); otherwise value.ball encloses log rho.
  lyap::CertifiedResult g2;
  exact::Ball rho;  // encloses rho = spectral radius of E[A (x) A] (exactly 0 or 1 when so decided)
  L2Verdict verdict = L2Verdict::unstable;
  // Encloses g(2)/2 >= Lambda (Jensen); its upper endpoint is a certified upper bound on Lambda.
  lyap::CertifiedValue lambda_upper;
  int dim = 1;
  std::vector<exact::Rational> charpoly;  // char. polynomial of the symmetric restriction, low to high
};

// Certified g(2) and exact L_2 verdict. Guarantee: rho and g2 are enclosures; verdict, sign, -inf and
// exact 0 are exact decisions (Perron-Frobenius for the PSD cone + a Sturm count on the exact
// characteristic polynomial). converged = false only when the width is not reached at acc.max_bits.
// InputError for bad accuracy or a law whose moments cannot be formed. Proof: LYAPND-MOM-1, -3.
SecondMomentResult certify_second_moment(const laws::MatrixLaw& law, const lyap::Accuracy& acc);

// rho as a certified value (what `moment` prints): exact when rho = 0 or rho = 1 was decided (the ball is then
// exactly that number), its sign zero for rho = 0 and positive otherwise (a spectral radius not decided 0 is > 0).
lyap::CertifiedValue rho_value(const SecondMomentResult& r);

}  // namespace lyapcert::lyapnd
