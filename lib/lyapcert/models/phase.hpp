// The phase labels of the saddle models, one enum defined once (docs/models.md names what each means). Inside the library
// a phase is an enum; its text exists only at the edges (printing, JSON, CSV, the distributed item records, the
// Python module), through to_string and parse_phase.
//
// Two-layer model (and each coordinate of the diagonal model), from the certified signs of Lambda_+ (the correct
// direction) and Lambda_- (the wrong one) and the exact L2 flag of the wrong direction:
//   Ia   Lambda_+ > 0 > Lambda_-, the wrong direction not L2-stable   (correct learning)
//   Ib   Lambda_+ > 0 > Lambda_-, the wrong direction also L2-stable
//   II   Lambda_- > 0 > Lambda_+                                       (incorrect learning)
//   III  both < 0                                                      (collapse to the saddle)
//   IV   both > 0                                                      (complete loss of stability)
//   undetermined: a sign is undetermined or exactly 0, so more than one label is consistent.
// Diagonal model: each coordinate has a two-layer phase, and survives (yes) when max(Lambda_+, Lambda_-) is
// certified > 0, not (no) when it is certified <= 0, undetermined otherwise.
// Vector model (one certified top exponent Lambda_top): collapse (< 0), escape (> 0), undetermined (a zero or
// undetermined sign: neither is proved). For q = d = 1 the finer two-layer labels apply (collapse = III).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lyapcert/lyap/certified.hpp"

namespace lyapcert::models {

// The integer values are the Python module's documented codes (lyapcert.Phase, docs/python.md): keep them.
enum class Phase { undetermined = 0, Ia = 1, Ib = 2, II = 3, III = 4, IV = 5, collapse = 6, escape = 7 };

// The five proved phases of the two-layer model, in the order of docs/models.md (legends, colour tables).
inline constexpr std::array<Phase, 5> kTwoLayerPhases{Phase::Ia, Phase::Ib, Phase::II, Phase::III, Phase::IV};
// The two proved phases of the vector model.
inline constexpr std::array<Phase, 2> kVectorPhases{Phase::collapse, Phase::escape};

// "Ia", "Ib", "II", "III", "IV", "collapse", "escape" or "undetermined".
const char* to_string(Phase p);
// The label as to_string prints it (exact match); nullopt for any other text.
std::optional<Phase> parse_phase(std::string_view text);
// to_string of each element (a list of phase candidates in JSON or text).
std::vector<std::string> to_strings(const std::vector<Phase>& phases);

// The survival label of a diagonal-model coordinate from the certified sign of max(Lambda_+, Lambda_-):
// "yes" (positive), "no" (negative or zero: surviving needs max > 0) or "undetermined".
const char* survival_label(lyap::Sign max_exponent);

// The phase of the vector model from the certified sign of its top exponent: collapse (negative), escape
// (positive), undetermined (zero or undetermined: neither is proved).
Phase vector_phase(lyap::Sign top);

// What interval evaluation proved on a two-layer diagram cell (the rectangle around a grid point): one phase on
// the whole cell (MODEL-CELL-1), no single phase ("mixed"), or nothing because cells were not evaluated.
struct CellPhase {
  enum class Status { unchecked, mixed, certified };
  Status status = Status::unchecked;
  Phase phase = Phase::undetermined;  // meaningful only when certified (then one of kTwoLayerPhases)

  bool certified() const { return status == Status::certified; }
  static CellPhase mixed() { return {Status::mixed, Phase::undetermined}; }
  static CellPhase proved(Phase p) { return {Status::certified, p}; }
};
// "unchecked", "mixed" or the certified phase's label.
std::string to_string(const CellPhase& c);
// Inverse of to_string(CellPhase); nullopt for any other text.
std::optional<CellPhase> parse_cell_phase(std::string_view text);

}  // namespace lyapcert::models
