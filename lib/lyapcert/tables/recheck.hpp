// Independent re-verification of a published certified table (`lyapcert recheck`).
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "lyapcert/tables/compute.hpp"

namespace lyapcert::tables {

struct RecheckOptions {
  std::optional<int> digits;          // requested digits of the recomputation (default: the row's + 10)
  Backend backend = Backend::other;   // other: MPFI where implemented, Arb at the new precision elsewhere
  unsigned jobs = 1;
  double time_budget_seconds = 20;    // backend other: wall clock for one second-path value (a slower path is
                                      // cut off and the row reported as not rechecked independently)
};

// Rechecks one row of a table document. Checks, each reported with "ok" and a detail:
//  * printed-decimals: every decimal endpoint is a faithful outward rounding of its exact endpoint (below /
//    above it by less than one unit of its last digit), exact endpoints ordered, signs consistent;
//  * shown-digits: the shown texts are the certified digits of the exact endpoints (TABLE-DIGITS-1);
//  * recompute: certified rows are recomputed at a different precision and, with backend other, by an
//    independent path (MPFI, or the library's second certified algorithm: second_path.hpp) where one exists,
//    else by the table's algorithm (the detail and "independent" say which); each new enclosure must intersect
//    the old one (entry by entry; a one-sided upper bound must be >= the table's lower end; boundary root
//    counts equal, phase labels compatible); statistical rows are re-run from their seed and must reproduce
//    the same binary64 estimate and interval.
//  * mpfi-sign-change (boundary rows of finite laws, backend other): MPFI signs of Lambda at the exact ends of
//    each root enclosure are opposite, no singular point inside; independent-sign-change: the same for the
//    other laws with the second path's signs (TABLE-SECOND-5).
// Proof: TABLE-RECHECK-1. Returns {"index","id","quantity","status": "pass"|"fail","backend","checks":[...]}. A row that cannot be
// recomputed (its inputs are malformed) fails with the reason.
Json recheck_row(const Json& row, const RecheckOptions& options);

// Rechecks every row of a table document (docs/schema/table.schema.json) on options.jobs threads and returns
// the recheck report (docs/schema/recheck.schema.json). InputError when the document is not a table. When the
// calling thread's StopScope expires (the command's time budget), rows not finished before it are reported
// "unchecked" ("complete": false), never "fail".
Json recheck_table(const Json& document, const RecheckOptions& options);

}  // namespace lyapcert::tables
