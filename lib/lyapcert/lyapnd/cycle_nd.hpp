// lyapcert::lyapnd cycle expansion for d = 3, 4 (`--method cycle` with 3 x 3 or 4 x 4 matrices): the top
// exponent of a finite family of d x d matrices whose projective actions map a common polydisc of the
// affine chart x -> (x_1, ..., x_{d-1}, 1 - sum x) strictly into itself (every family of matrices with all
// entries > 0 does), from the Perron roots of the products of length <= N, with a proved truncation bound.
// Derivation and constants: proofs/lyapnd/cycle_nd.md (LYAPND-CYCND-1..6).
//
//   Lambda = T / Z + sum_i p_i log kappa_i,  det(I - z L_t) = exp(-sum_n z^n/n sum_{|w| = n} p_w
//   (lambda_1(w)/kappa_w)^t lambda_1(w)^(d-1) / chi_w'(lambda_1(w))),
// chi_w the characteristic polynomial of the product (so chi'(lambda_1)/lambda_1^(d-1) = prod_{j >= 2}
// (1 - lambda_j/lambda_1) = det(I - Df) at the fixed point), with |coefficients| bounded through the
// approximation numbers of L_t on the Hardy space of the certified polydisc.
#pragma once
#include <arb.h>

#include <chrono>
#include <optional>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

// The hypothesis of LYAPND-CYCND-1, checked in exact rational arithmetic: every atom has all entries > 0
// after a sign change (the Perron data of the products, LYAPND-CYCND-2 (a)), and in the chart
// x = (v_1, ..., v_m)/l(v), m = d - 1, l(v) = v_1 + ... + v_d, each atom's projective action f_i maps the
// closed polydisc prod_j cl D(center_j, radius_j) into the polydisc scaled by theta_i < 1 about the
// centre, and its weight s_i(x) = l(M_i v(x)) stays within rho_i kappa_i of kappa_i = s_i(center).
struct CycleNdCertificate {
  int d = 0;
  // The polydisc is |(chart (x - center))_j| < 1, j = 1..m (chart: m x m row-major, invertible); radius_j is
  // the half-width of its real box along axis j (for reports; chart = diag(1/radius) for a coordinate polydisc).
  std::vector<exact::Rational> center, radius, chart;
  std::vector<exact::Rational> probs;              // p_i > 0
  std::vector<std::vector<exact::Rational>> mats;  // sign-normalised atoms (all entries > 0), d*d row-major
  std::vector<exact::Rational> kappa;              // kappa_i = s_i(center) > 0
  std::vector<exact::Rational> rho;                // sup |s_i/kappa_i - 1| <= rho_i < 1
  std::vector<exact::Rational> theta;              // theta_i = max_j theta_axis[i][j] < 1
  std::vector<std::vector<exact::Rational>> theta_axis;  // sup |F_ij| <= theta_axis[i][j] on the unit polydisc
  exact::Rational theta_max;
  // The atoms above are D M_i D^-1 for the user's M_i and this positive diagonal D (d entries, last 1; all 1
  // when verify_cycle_nd_polydisc is called directly): same Lambda, same spectra of every product.
  std::vector<exact::Rational> scaling;
  // When the user's atoms are not all of one sign: the d x d basis T (row-major, columns = rays of a simplicial
  // cone every atom maps into itself) found by find_positive_basis; the atoms above are then D T^-1 M_i T D^-1.
  // Empty when no change of basis was needed. Proof: LYAPND-CYCND-7.
  std::vector<exact::Rational> basis;
};

// Exact check of a proposed polydisc. Guarantee: exact; nullopt when a condition of LYAPND-CYCND-1 fails
// (then nothing is claimed). Requires d = 3 or 4.
std::optional<CycleNdCertificate> verify_cycle_nd_polydisc(const laws::FiniteMatrices& f, int d,
                                                           const std::vector<exact::Rational>& center,
                                                           const std::vector<exact::Rational>& radius);

// The same check for the polydisc |(chart (x - center))_j| < 1 of a general linear chart (m x m row-major,
// invertible, checked exactly). Guarantee: exact. Proof: LYAPND-CYCND-1.
std::optional<CycleNdCertificate> verify_cycle_nd_chart(const laws::FiniteMatrices& f, int d,
                                                        const std::vector<exact::Rational>& center,
                                                        const std::vector<exact::Rational>& chart);

// Searches (binary64, heuristic) for the polydisc that makes the coefficient bound small, then verifies it
// exactly; a family whose atoms are not all of one sign is first conjugated by the basis of a simplicial invariant
// cone when find_positive_basis finds one (LYAPND-CYCND-7). nullopt: no certificate found (which proves nothing
// about the family).
std::optional<CycleNdCertificate> find_cycle_nd_certificate(const laws::FiniteMatrices& f, int d, int digits = 20);

// Upper bounds (LYAPND-CYCND-4, -5), same layout as CycleBounds (cycle.hpp): coefficient_bound[n] >= |c_n(0)|,
// derivative_bound[n] >= |c_n'(0)|, tail_z[N] >= sum_{n > N} n |c_n(0)|, tail_t[N] >= sum_{n > N} |c_n'(0)|
// for N <= max_length. Guarantee: rigorous (Arb; only upper endpoints are meaningful).
CycleBounds cycle_nd_bounds(const CycleNdCertificate& cert, int max_length, slong prec);

// Enclosures of Lambda from words of length <= n, n = 1..max_length (one pass over the necklaces).
// Proof: LYAPND-CYCND-6. nullopt when the deadline passed.
std::optional<CycleLevels> cycle_nd_levels(const CycleNdCertificate& cert, const CycleBounds& bounds,
                                           int max_length, slong prec, std::chrono::steady_clock::time_point deadline);

// The driver for d = 3, 4 (same contract as run_cycle). InputError when no certificate is found.
Result run_cycle_nd(const laws::FiniteMatrices& f, int d, const Options& opt,
                    std::chrono::steady_clock::time_point deadline);

// True when d is 3 or 4 and every atom of positive probability has all entries > 0 or all < 0 (then a
// polydisc certificate is expected; run_cycle_nd still verifies it). Guarantee: exact.
bool cycle_nd_applies_for_auto(const laws::FiniteMatrices& f, int d);

// True when `auto` should use the cycle expansion for d = 3, 4: cycle_nd_applies_for_auto, a polydisc certificate
// is found, and the truncation bound at the word length the time budget is expected to afford is below 2^-10
// (weakly contracting families, theta near 1, go to the Poisson certificate instead). A heuristic choice;
// whatever it says, the method that runs certifies its own enclosure.
bool cycle_nd_useful_for_auto(const laws::FiniteMatrices& f, int d, const Options& opt);

}  // namespace lyapcert::lyapnd
