// lyapcert/oracle.hpp -- umbrella header of lyapcert::oracle: lyapcert as a referee for other implementations. It
// includes every public header of the module; docs/architecture.md describes the module, what it may use, and this
// contract.
//
// Contract: `inconsistent` is said only when the claim's set of admissible values and the certified enclosure are
// disjoint, so it is a proof that the claim is false; `consistent` means contained or not refuted at the requested
// accuracy; `undetermined` otherwise; with `--sigmas auto`, if every error bar is an honest Gaussian one, the
// probability that any row is flagged is at most `--alpha` (ORACLE-CLASS-1, ORACLE-FWER-1).
#pragma once
#include "lyapcert/oracle/claims.hpp"
#include "lyapcert/oracle/csv.hpp"
#include "lyapcert/oracle/verify.hpp"
