// lyapcert/lyap.hpp -- umbrella header of lyapcert::lyap: certified one-dimensional exponents. It includes every
// public header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: a `CertifiedValue` holds a ball that contains the true exponent; its sign is `negative` or `positive`
// only when the ball excludes 0, `zero` or `-inf` only on an exact decision, `undetermined` otherwise; the
// precision loop never presents a value it has not certified, and `converged` says whether the requested digits
// were reached (LOOP-1, LYAP1D-FIN-*, LYAP1D-ZERO-1, LYAP1D-MOM-*, LYAP1D-L2-1, LYAP1D-LAW-*, LYAP1D-FAST-1).
#pragma once
#include "lyapcert/lyap/certified.hpp"
#include "lyapcert/lyap/curvature_eval.hpp"
#include "lyapcert/lyap/finite.hpp"
#include "lyapcert/lyap/codec.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
