// One row of a certified table: computes the requested quantity and returns the row as JSON (the format
// is documented in docs/tables.md and docs/schema/table.schema.json).
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "lyapcert/tables/spec.hpp"

namespace lyapcert::tables {

enum class Backend {
  arb,    // the library's certified algorithms (Arb balls), the default of `table`
  other,  // an independent second computation (recheck): MPFI over exact rational inputs for finite-law
          // exponents and moments, uniform-law exponents and phase rows with finite data; the library's second
          // certified path for the other laws and for lyapnd rows (second_path.hpp, TABLE-SECOND-1 .. 4); where
          // none exists the row is recomputed with the library's algorithm and says so ("independent": false,
          // "independence_note": the reason)
};

struct ComputeOptions {
  int digits_offset = 0;   // added to each row's requested digits (recheck: a different working precision)
  Backend backend = Backend::arb;
  unsigned stats_threads = 1;  // threads of one statistical row (results do not depend on it)
  double second_path_budget_seconds = 20;  // backend other: wall clock for one second-path value
  std::optional<std::string> table_method;  // backend other, lyapnd rows: the method the table used
};

// Computes one row. Guarantee of every entry with guarantee "exact" / "enclosure": the exact endpoints
// (lower_exact, upper_exact) enclose the true value, and the decimals and shown digits are outward /
// truncated from them (DEC-1, TABLE-DIGITS-1); "upper-bound": only upper_exact is a bound; "statistical":
// a confidence interval at the stated level, reproducible from seed, steps and reps. Never an exception for
// "not certified" (converged false, sign undetermined); InputError when the row's method does not apply.
Json compute_row(const RowSpec& row, const ComputeOptions& options = {});

// The shown-digits texts ("shown", "shown_md", "shown_tex") of an entry, recomputed from its exact fields
// (used by compute_row and by recheck to verify a table's printed digits). InputError for malformed fields.
Json shown_fields(const Json& entry, int max_sig);

}  // namespace lyapcert::tables
