// lyapcert::oracle::verify -- lyapcert as an oracle for other implementations (`lyapcert verify`).
// Another implementation's results arrive as a CSV table (csv.hpp); each row names its inputs (a law and a
// learning rate, a matrix law, a two-layer model) and a claim about the quantity (claims.hpp). The row is
// recomputed with a certified enclosure and classified consistent / inconsistent / undetermined
// (Proof: ORACLE-CLASS-1 in proofs/oracle/verify.md; docs/oracle.md has the column reference).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/exact/sign.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/models/dataset.hpp"
#include "lyapcert/models/phase.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "lyapcert/oracle/claims.hpp"
#include "lyapcert/oracle/csv.hpp"

namespace lyapcert::oracle {

enum class Quantity { lyap1d, lyapnd, boundary, phase };
const char* to_string(Quantity q);
// "lyap1d", "lyapnd", "boundary", "phase"; InputError otherwise.
Quantity parse_quantity(std::string_view name);

struct VerifyOptions {
  std::optional<Quantity> quantity;  // nullopt: inferred from the header (docs/oracle.md)
  std::optional<Rational> sigmas;    // K of stderr claims; nullopt: bonferroni_sigmas(alpha, rows with stderr)
  double alpha = 1e-3;               // family-wise false-alarm level of --sigmas auto
  Rational rtol = 0, atol = 0;       // tolerance of bare values: t = atol + rtol |v|
  lyap::Accuracy acc;                // digits and precision cap of each certification
  double time_budget = 60;           // lyapnd: seconds per distinct law
  std::uint64_t max_atoms = 10'000'000;
  // phase rows' `data` files: false (the default) reads only files inside the CSV's folder, named by relative
  // paths; true (--allow-absolute-data) also absolute paths and paths that leave the folder.
  bool allow_absolute_data = false;
  // phase rows with a data_sample column: the dataset of `lyapcert phase --data-sample N --seed S` with the row's
  // N and seed (models::gaussian_xy_dataset, the default). Empty: such rows are a malformed file (the fuzz target
  // sets it so, as a fuzzed row must not draw 10^8 pairs).
  std::function<std::vector<std::pair<Rational, Rational>>(std::uint64_t n, std::uint64_t seed, const Rational& k,
                                                           const Rational& sigma2)>
      sample_data = models::gaussian_xy_dataset;
};

// The phase a row claims: one of the five two-layer phases, or "I" (Ia or Ib: the claim does not say whether the
// wrong direction is also L2-stable).
struct PhaseClaim {
  models::Phase phase = models::Phase::Ia;  // one of models::kTwoLayerPhases (Ia when either_ia_ib)
  bool either_ia_ib = false;                // "I"
  bool admits(models::Phase p) const { return p == phase || (either_ia_ib && p == models::Phase::Ib); }
};
// "I" or the phase's label (the canonical text of the claim, printed in JSON and reasons).
std::string to_string(const PhaseClaim& c);
// The phase column's text, case-insensitively, with Arabic numerals allowed: Ia (1a), Ib (1b), I (1), II (2),
// III (3), IV (4). InputError naming the text otherwise.
PhaseClaim parse_phase_claim(std::string_view text);

// The two-layer model of a phase row (columns model, k, sigma | snr, gamma, batch, replace, data | data_sample,
// seed: the flags of `lyapcert phase`).
struct PhaseInputs {
  models::TwoLayerModel model;
  PhaseClaim claimed;
};

// One data row, parsed and validated.
struct Row {
  std::size_t line = 0;
  std::vector<std::pair<std::string, std::string>> inputs;  // the recognised input columns as written (printable())
  std::string law;                 // canonical law text (lyap1d, lyapnd, boundary)
  Rational lr;                     // lyap1d, phase
  std::size_t group = 0;           // boundary: index into Plan::boundary_groups; phase: the model group
  std::optional<PhaseInputs> phase;
  Claim claim;                     // lyap1d, lyapnd, boundary
};

// Rows of a boundary file that share a law and search range: one search serves them all.
struct BoundaryGroup {
  std::string law;
  Rational lr_min, lr_max;
  bool range_given = false;
};

struct Plan {
  Quantity quantity = Quantity::lyap1d;
  bool quantity_inferred = false;
  std::vector<std::string> used_columns, ignored_columns;
  Rational sigmas;
  bool sigmas_auto = false;
  std::size_t stderr_rows = 0;
  std::vector<Row> rows;
  std::vector<BoundaryGroup> boundary_groups;
  std::map<std::string, std::shared_ptr<const laws::CurvatureLaw>> curvature_laws;  // by canonical text
  std::map<std::string, std::shared_ptr<const laws::MatrixLaw>> matrix_laws;
  std::vector<std::shared_ptr<const laws::CurvatureLaw>> phase_laws;  // minibatch law per model group
};

// Reads the header and every row before anything is computed, so a malformed file fails fast.
// `base_dir` (the CSV's folder) resolves the `data` paths of phase rows; absolute paths and paths that leave it
// are refused unless options.allow_absolute_data. Throws InputError "NAME:LINE: WHAT" naming the
// column for: a missing required column, columns that cannot be combined (stderr with lower/upper), a
// quantity that cannot be inferred, a bad number, law or label, lr <= 0, a negative error bar,
// lower > upper, a bad two-layer model.
Plan make_plan(const CsvTable& table, const VerifyOptions& options, const std::string& base_dir);

// A certified enclosure as printed (outward decimals) and as used for the classification (the same
// decimals read back exactly, so every verdict can be re-derived from the output).
// `sign`: the certified sign of the value (lyap1d, lyapnd, phase) or, for a zero of Lambda (boundary), the direction
// in which Lambda changes sign across it; printed through to_string only.
using EnclosureSign = std::variant<exact::Sign, boundary::Direction>;
std::string to_string(const EnclosureSign& s);
// The text to_string prints (either alternative); nullopt for any other text.
std::optional<EnclosureSign> parse_enclosure_sign(std::string_view text);

struct PrintedEnclosure {
  std::string lower, upper;
  EnclosureSign sign = exact::Sign::undetermined;
  ExactInterval interval;
  bool converged = false;
};

struct RowResult {
  Verdict verdict = Verdict::undetermined;
  std::optional<PrintedEnclosure> certified;     // lyap1d, lyapnd: the enclosure; boundary: nearest root
  std::optional<PrintedEnclosure> lambda_plus, lambda_minus;  // phase
  std::optional<models::Phase> certified_phase;  // phase: Ia..IV or undetermined; nullopt: not certified at all
  std::vector<models::Phase> candidates;         // phase: the phases allowed by the certified signs
  std::optional<Miss> miss;                      // inconsistent rows of lyap1d, lyapnd, boundary
  std::string method;                            // the certification method
  std::string reason;                            // one sentence: why this verdict
};

// Certifies and classifies rows; caches per-law work (boundary searches, lyapnd results). Not thread-safe.
class Verifier {
 public:
  Verifier(const Plan& plan, const VerifyOptions& options);
  ~Verifier();
  // Guarantee: "inconsistent" only when the certified enclosure excludes the claim (ORACLE-CLASS-1);
  // certification problems (no method applies, precision cap) give "undetermined", never an exception.
  RowResult check(std::size_t row_index);

 private:
  struct Cache;
  const Plan& plan_;
  VerifyOptions options_;
  std::unique_ptr<Cache> cache_;
};

struct Summary {
  std::size_t rows = 0, consistent = 0, inconsistent = 0, undetermined = 0;
};

// Exit status of `lyapcert verify`: 0 all consistent, 4 some row inconsistent, 3 none inconsistent but
// some undetermined.
inline constexpr int kExitInconsistent = 4;
int exit_status(const Summary& s);

}  // namespace lyapcert::oracle
