// lyapcert::stats -- Monte Carlo Lyapunov exponents with honest confidence statements
// (docs/statistics.md): counter-based random streams, samplers for curvature and matrix laws,
// confidence sequences, `estimate` and the sequential `sign` test.
#pragma once
#include "lyapcert/stats/confidence.hpp"
#include "lyapcert/stats/estimator.hpp"
#include "lyapcert/stats/kernels.hpp"
#include "lyapcert/stats/philox.hpp"
#include "lyapcert/stats/sampler.hpp"
