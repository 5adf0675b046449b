// lyapcert::lyapnd cycle expansion (`--method cycle`): the top exponent of a finite family of 2 x 2
// matrices that map a common disc of the projective line strictly into itself (every family of
// positive matrices does), from the eigenvalues of the products of length <= N, with a proved
// truncation bound. Derivation and constants: proofs/lyapnd/cycle.md (LYAPND-CYCLE-1..6).
//
//   Lambda = T / Z + sum_i p_i log kappa_i,   Z = d/dz det(I - z L_t) and T = d/dt det(I - z L_t)
//   at (z, t) = (1, 0), det(I - z L_t) = exp(-sum_n z^n/n sum_{|w| = n} p_w (lambda_1(w)/kappa_w)^t
//   / (1 - lambda_2(w)/lambda_1(w))), with |coefficients| bounded through the approximation numbers of
//   L_t on the Hardy space of the certified disc.
#pragma once
#include <arb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"

namespace lyapcert::lyapnd {

// The hypothesis of LYAPND-CYCLE-1, checked in exact rational arithmetic: in the projective
// coordinate x = v1/(v1 + v2) every atom acts by a Moebius map f_i that sends the closed disc
// D = D(center, radius) into D, and the column-sum weight s_i(x) = l(M_i (x, 1-x)) does not vanish
// on the closed disc. `a` in (-1, 1) chooses the orthonormal basis of H^2(D) used by the bound
// (LYAPND-CYCLE-3). All per-atom constants are exact rationals (only atoms of positive probability).
struct CycleCertificate {
  exact::Rational center, radius, a;
  std::vector<exact::Rational> probs;               // p_i > 0
  std::vector<std::vector<exact::Rational>> mats;   // sign-normalised atoms (s_i(center) > 0), 2x2 row-major
  std::vector<int> sign;                            // +1, or -1 when the atom was negated (same |products|)
  std::vector<exact::Rational> kappa;               // kappa_i = s_i(center) > 0
  std::vector<exact::Rational> rho;                 // sup_D |s_i / kappa_i - 1| = rho_i < 1
  std::vector<exact::Rational> theta;               // sup_D |phi_a(F_i)| = theta_i < 1
  std::vector<exact::Rational> m2;                  // M_i^2, M_i = sup_D sqrt(1-a^2)/|1 - a F_i|
  exact::Rational theta_max;

  // Several discs (multicone.hpp, LYAPND-MCONE-1..4; cones == 1 is LYAPND-CYCLE-1): disc j lives in
  // the coordinate of its own chart and atom i maps disc j into disc target[i * cones + j]. Then rho,
  // theta and m2 are indexed by the pair i * cones + j, kappa_ratio[pair] = kappa_ij / kappa_i
  // (the weight of the pair is s_ij / kappa_i), mats are the atoms in any one chart (only their
  // traces and determinants are used), sign is unused, and center/radius/a describe disc 0 only.
  int cones = 1;
  std::vector<int> target;                     // empty when cones == 1
  std::vector<exact::Rational> kappa_ratio;    // empty when cones == 1 (all 1)
};

// Exact check of a proposed disc and basis parameter. Guarantee: exact; nullopt when a condition
// of LYAPND-CYCLE-1 fails (then nothing is claimed). Requires d = 2.
std::optional<CycleCertificate> verify_cycle_disc(const laws::FiniteMatrices& f, const exact::Rational& center,
                                                  const exact::Rational& radius, const exact::Rational& a);

// Searches (in binary64, heuristically) for the disc and basis parameter that make the coefficient
// bound smallest at the word length where it reaches about 10^-digits, then verifies the candidate exactly
// (verify_cycle_disc). For a family of matrices with all entries > 0 (or < 0) a certificate is
// always found (the disc with diameter [0, 1] is the fallback). nullopt: no certificate found, which
// proves nothing about the family.
std::optional<CycleCertificate> find_cycle_certificate(const laws::FiniteMatrices& f, int digits = 16);

// Upper bounds (LYAPND-CYCLE-4, -5) for the coefficients c_n(t) of det(I - z L_t) = sum_n c_n(t) z^n:
// coefficient_bound[n] >= |c_n(0)|, derivative_bound[n] >= |c_n'(0)|, and for every N < size - 1:
// tail_z[N] >= sum_{n > N} n |c_n(0)|, tail_t[N] >= sum_{n > N} |c_n'(0)|. Entries are balls whose upper
// endpoints are the bounds (+inf when no bound is available). Guarantee: rigorous (Arb).
struct CycleBounds {
  std::vector<exact::Ball> coefficient_bound, derivative_bound, tail_z, tail_t;
};
CycleBounds cycle_bounds(const CycleCertificate& cert, int max_length, slong prec);

// Enclosures of Lambda from words of length <= n for n = 1..max_length, from one pass over the
// necklaces of length <= max_length at working precision prec. lambda[n-1] contains Lambda for every
// n (truncation bounded by LYAPND-CYCLE-5, rounding by Arb); non-finite when Z is not bounded away
// from 0 at that n. nullopt when the deadline passed during the pass. Proof: LYAPND-CYCLE-6.
struct CycleLevels {
  std::vector<exact::Ball> lambda;    // lambda[n-1]: enclosure with truncation at n
  std::vector<exact::Ball> computed;  // the same without the truncation bound (rounding only)
  std::vector<exact::Ball> c;         // c_n(0), n = 0..max_length (enclosures), for tests
  exact::Ball z, t;                   // Z_N, T_N at N = max_length (rounding only), for planning
  std::uint64_t necklaces = 0;
};
std::optional<CycleLevels> cycle_levels(const CycleCertificate& cert, const CycleBounds& bounds, int max_length,
                                        slong prec, std::chrono::steady_clock::time_point deadline);

// The `--method cycle` driver: certificate search, choice of the word length from the bounds and the
// time budget, precision doubling. Same contract as certify_lyapnd (converged = false with the best
// certified enclosure when digits are not reached). InputError when d != 2 or no certificate is found.
Result run_cycle(const laws::FiniteMatrices& f, int d, const Options& opt,
                 std::chrono::steady_clock::time_point deadline);

// The same driver from a verified certificate (one disc or several, LYAPND-CYCLE-6 / LYAPND-MCONE-4);
// `method` names the result, `note` is appended to its message. Same contract as run_cycle.
Result run_cycle_certificate(const CycleCertificate& cert, const Options& opt,
                             std::chrono::steady_clock::time_point deadline, const std::string& method,
                             const std::string& note);

// True when `auto` should use the cycle expansion: d = 2 and every atom of positive probability has
// all entries > 0 or all entries < 0 (then LYAPND-CYCLE-1 holds with the disc of diameter [0, 1]).
// Guarantee: exact.
bool cycle_applies_for_auto(const laws::FiniteMatrices& f, int d);

}  // namespace lyapcert::lyapnd
