// Umbrella header of lyapcert::tables: certified tables with provenance (`lyapcert table`) and their
// independent re-verification (`lyapcert recheck`). docs/tables.md; proofs/tables/.
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
