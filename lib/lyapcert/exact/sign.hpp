// lyapcert::exact::Sign -- the one sign type that may be undetermined.
//
// Every sign decision of the library has this type: the certified signs of lyap (an enclosure excludes 0, or the
// value is proved to be 0; lyap::Sign names this type) and the statistical sign test of stats (a confidence
// sequence excludes 0 at a stated level; stats::SignResult carries the guarantee and the level next to it). The
// type does not say which guarantee a sign has: the structure holding it does (lyap::CertifiedValue is certified,
// stats::SignResult is statistical), and the two kinds never convert into each other. `undetermined` is an honest
// answer, never a guess. Other three-valued answers are different questions and keep their own types:
// exact::Tri (an exact yes/no decision that may run out of budget), boundary::PointSign (a sign over the extended
// reals, where -inf must be told apart from an ordinary negative value), oracle::Verdict (a claim consistent with
// the certified values or not) and boundary::MonotoneVerdict (where the zero of a monotone function lies).
#pragma once
#include <optional>
#include <string_view>

namespace lyapcert::exact {

enum class Sign { negative, zero, positive, undetermined };

// "negative", "zero", "positive" or "undetermined" (the text of every JSON, CSV and table output).
const char* to_string(Sign s);
// The sign as to_string prints it (exact match); nullopt for any other text. The one reader of the text form.
std::optional<Sign> parse_sign(std::string_view text);

// The sign an enclosure [lower, upper] of a value proves: positive when lower > 0, negative when upper < 0, zero
// when the enclosure is the point 0, undetermined otherwise (an unordered end, NaN, proves nothing). T: an ordered
// type whose values are exact (exact::Rational; a double that is an end of an outward-rounded enclosure).
template <class T>
Sign enclosure_sign(const T& lower, const T& upper) {
  if (lower > 0) return Sign::positive;
  if (upper < 0) return Sign::negative;
  if (lower == 0 && upper == 0) return Sign::zero;
  return Sign::undetermined;
}

}  // namespace lyapcert::exact
