// lyapcert/sim.hpp -- umbrella header of lyapcert::sim: simulated SGD against the certified prediction. It includes
// every public header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: simulated figures are Monte Carlo estimates with stated intervals; the prediction comes from certified
// exponents (statistical for the vector model, and said so); the binomial test fails a correct prediction with
// probability at most its stated level, and a sizing that is heuristic is labelled as such (SIM-*).
#pragma once
#include "lyapcert/sim/predict.hpp"
#include "lyapcert/sim/sgd.hpp"
#include "lyapcert/sim/vector_predict.hpp"
