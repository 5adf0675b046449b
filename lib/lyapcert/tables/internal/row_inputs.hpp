// Internal to lyapcert::tables (not part of the public API; included by the module's .cpp files only).
// The exact inputs of one normalised table row (spec.hpp), built once for validation and again for the
// computation. Every number is parsed exactly (law-language number syntax).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "lyapcert/stats/estimator.hpp"

namespace lyapcert::tables {

struct RowInputs {
  std::string quantity;
  lyap::Accuracy acc;                        // digits, max_bits
  std::string law_text;                      // canonical law text ("" for phase rows)
  std::optional<laws::CurvatureLaw> curvature;  // exponent, moment, boundary; phase: the law of h_B
  laws::MatrixLaw matrix;                    // lyapnd, estimate
  exact::Rational lr, p;                     // exponent, moment, phase (lr); moment (p)
  boundary::BoundaryOptions boundary;        // boundary
  lyapnd::Options lyapnd;                    // lyapnd
  models::TwoLayerModel model;               // phase
  stats::EstimateOptions estimate;           // estimate (threads set by the caller)
};

// Builds the inputs of a normalised row; InputError naming the field and the problem.
RowInputs load_inputs(const nlohmann::ordered_json& spec);
// load_inputs, for its errors only.
void validate_row(const nlohmann::ordered_json& spec);

}  // namespace lyapcert::tables
