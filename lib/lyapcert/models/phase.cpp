#include "lyapcert/models/phase.hpp"

namespace lyapcert::models {

const char* to_string(Phase p) {
  switch (p) {
    case Phase::Ia: return "Ia";
    case Phase::Ib: return "Ib";
    case Phase::II: return "II";
    case Phase::III: return "III";
    case Phase::IV: return "IV";
    case Phase::collapse: return "collapse";
    case Phase::escape: return "escape";
    case Phase::undetermined: return "undetermined";
  }
  return "undetermined";
}

std::optional<Phase> parse_phase(std::string_view text) {
  if (text == "undetermined") return Phase::undetermined;
  for (Phase p : kTwoLayerPhases) {
    if (text == to_string(p)) return p;
  }
  for (Phase p : kVectorPhases) {
    if (text == to_string(p)) return p;
  }
  return std::nullopt;
}

std::vector<std::string> to_strings(const std::vector<Phase>& phases) {
  std::vector<std::string> out;
  out.reserve(phases.size());
  for (Phase p : phases) out.emplace_back(to_string(p));
  return out;
}

const char* survival_label(lyap::Sign max_exponent) {
  switch (max_exponent) {
    case lyap::Sign::positive: return "yes";
    case lyap::Sign::negative:
    case lyap::Sign::zero: return "no";
    case lyap::Sign::undetermined: return "undetermined";
  }
  return "undetermined";
}

Phase vector_phase(lyap::Sign top) {
  if (top == lyap::Sign::negative) return Phase::collapse;
  if (top == lyap::Sign::positive) return Phase::escape;
  return Phase::undetermined;
}

std::string to_string(const CellPhase& c) {
  switch (c.status) {
    case CellPhase::Status::unchecked: return "unchecked";
    case CellPhase::Status::mixed: return "mixed";
    case CellPhase::Status::certified: return to_string(c.phase);
  }
  return "unchecked";
}

std::optional<CellPhase> parse_cell_phase(std::string_view text) {
  if (text == "unchecked") return CellPhase{};
  if (text == "mixed") return CellPhase::mixed();
  for (Phase p : kTwoLayerPhases) {
    if (text == to_string(p)) return CellPhase::proved(p);
  }
  return std::nullopt;
}

}  // namespace lyapcert::models
