// lyapcert::sim -- simulated SGD on the nonlinear saddle models against the certified linear
// theory (docs/simulation.md): simulators (sim/sgd.hpp), the certified prediction, run
// sizing and binomial test (sim/predict.hpp). Simulated figures are Monte Carlo estimates.
#pragma once
#include "lyapcert/sim/predict.hpp"
#include "lyapcert/sim/sgd.hpp"
