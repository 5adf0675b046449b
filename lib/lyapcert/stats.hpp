// lyapcert/stats.hpp -- umbrella header of lyapcert::stats: Monte Carlo with honest confidence statements. It
// includes every public header of the module; docs/architecture.md describes the module, what it may use, and this
// contract.
//
// Contract: results are estimates, never enclosures, and each carries the guarantee it actually has (non-asymptotic
// at level L, asymptotic under a stated assumption, or a one-sided upper bound); a sign verdict is wrong with
// probability at most the stated level; the random numbers depend on the seed only, not on the thread count or the
// machine (STATS-*).
#pragma once
#include "lyapcert/stats/confidence.hpp"
#include "lyapcert/stats/estimator.hpp"
#include "lyapcert/stats/kernels.hpp"
#include "lyapcert/stats/philox.hpp"
#include "lyapcert/stats/sampler.hpp"
