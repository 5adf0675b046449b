// lyapcert::oracle claims: what another implementation states about a number (a value with a one-sigma error
// bar, an interval, or a bare value with a tolerance), and the rule that compares it with a certified
// enclosure. Proof: ORACLE-CLASS-1, ORACLE-FWER-1 (proofs/oracle/verify.md).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/rational.hpp"

namespace lyapcert::oracle {

using exact::Rational;

// An extended real: an exact rational, -inf or +inf.
struct XReal {
  int inf = 0;  // -1: -inf, +1: +inf, 0: finite value q
  Rational q;
  static XReal finite(Rational v) { return XReal{0, std::move(v)}; }
  static XReal minus_inf() { return XReal{-1, 0}; }
  static XReal plus_inf() { return XReal{1, 0}; }
  bool is_finite() const { return inf == 0; }
};
int compare(const XReal& a, const XReal& b);
inline bool operator<(const XReal& a, const XReal& b) { return compare(a, b) < 0; }
inline bool operator<=(const XReal& a, const XReal& b) { return compare(a, b) <= 0; }
inline bool operator==(const XReal& a, const XReal& b) { return compare(a, b) == 0; }

// A closed interval [lower, upper] of extended reals, lower <= upper, with exact endpoints (no rounding): what a
// claim states or what an enclosure is, as a set; it carries no guarantee of its own.
struct ExactInterval {
  XReal lower, upper;
};
bool meets(const ExactInterval& a, const ExactInterval& b);
bool contains(const ExactInterval& outer, const ExactInterval& inner);
// Distance between two intervals (0 when they meet); nullopt when it is infinite.
std::optional<Rational> distance(const ExactInterval& a, const ExactInterval& b);

// A number as another implementation writes it: the law language's exact syntax ("0.1" is 1/10, "1/3",
// "2.5e-3") or, case-insensitively, inf, +inf, -inf, infinity, nan. Returns nullopt for NaN.
// Throws InputError naming the text for anything else.
std::optional<XReal> parse_number(std::string_view text);

enum class ClaimKind { stderr_bar, interval, value };
const char* to_string(ClaimKind k);

// The claim of one row. `range` is the set of values the claim admits:
//   stderr_bar  value v, one-sigma error bar s >= 0:   [v - K s, v + K s]  (K = --sigmas)
//   interval    [lower, upper] as given
//   value       bare value v:                          [v - t, v + t], t = atol + rtol |v|
// `nan` is set when a number of the claim is NaN: such a claim admits nothing.
struct Claim {
  ClaimKind kind = ClaimKind::value;
  bool nan = false;
  XReal value;                  // stderr_bar, value; interval: the midpoint when finite
  std::optional<Rational> bar;  // stderr_bar: s; interval: half-width (finite); value: t when t > 0
  ExactInterval range;
};

enum class Verdict { consistent, inconsistent, undetermined };
const char* to_string(Verdict v);

// The classification rule (Proof: ORACLE-CLASS-1), with E the certified enclosure of the true value x and
// C the claim's range:
//   inconsistent  C and E are disjoint (or the claim is NaN): x is certainly not in C;
//   consistent    E is inside C (x is certainly in C), or C meets E and the enclosure met the requested
//                 digits ("enclosure_converged");
//   undetermined  C meets E only partly and the enclosure did not reach the requested digits.
Verdict classify(const Claim& claim, const ExactInterval& enclosure, bool enclosure_converged);

// The size of a miss: the distance from the claimed value (interval claims: their midpoint) to E, and the
// same in units of the claim's error bar (sigma, half-width or tolerance). Both rounded down when printed:
// the truth is at least that far from the claimed value. nullopt members mean infinite / not defined.
struct Miss {
  bool infinite = false;           // the claimed value is finite and E = {-inf}, or vice versa
  std::optional<Rational> distance;
  std::optional<Rational> error_bars;
};
Miss miss_of(const Claim& claim, const ExactInterval& enclosure);

// Outward decimal text of a rational with about `sig` significant digits: rounded down or up
// (law-language number syntax; "-inf"/"inf" for infinite XReals). Proof: DEC-1.
std::string decimal(const Rational& x, int sig, exact::Round dir);
std::string decimal(const XReal& x, int sig, exact::Round dir);

// The two-sided normal quantile z with P(|Z| > z) <= alpha / m for Z ~ N(0, 1), rounded up to a multiple
// of 1/1000 (an exact rational). Used for --sigmas auto: the Bonferroni bound makes the probability that a
// correct Gaussian estimator with honest error bars gets any of its m rows flagged at most alpha.
// Proof: ORACLE-FWER-1. InputError unless 0 < alpha < 1 and m >= 1.
Rational bonferroni_sigmas(double alpha, std::size_t m);

}  // namespace lyapcert::oracle
