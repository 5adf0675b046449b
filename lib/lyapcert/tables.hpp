// lyapcert/tables.hpp -- umbrella header of lyapcert::tables: certified tables with provenance. It includes every
// public header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: every digit a table shows is a digit of the true value (TABLE-DIGITS-1); every row carries its exact
// endpoints and provenance; `recheck` passes a row only if its printed endpoints, digits and a recomputed enclosure
// all agree, and says when no independent path exists (TABLE-RECHECK-1, TABLE-SECOND-*, TABLE-MPFI-1).
#pragma once
#include "lyapcert/tables/compute.hpp"
#include "lyapcert/tables/exact_text.hpp"
#include "lyapcert/tables/json_input.hpp"
#include "lyapcert/tables/mpfi_eval.hpp"
#include "lyapcert/tables/recheck.hpp"
#include "lyapcert/tables/render.hpp"
#include "lyapcert/tables/runner.hpp"
#include "lyapcert/tables/second_path.hpp"
#include "lyapcert/tables/spec.hpp"
