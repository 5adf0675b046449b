// lyapcert/continuous.hpp -- umbrella header of lyapcert::continuous: certified expectations of continuous laws
// (Arb). It includes every public header of the module; docs/architecture.md describes the module, what it may use,
// and this contract.
//
// Contract: every function returns an Arb ball that contains the exact expectation for every point of its input
// balls, or a non-finite ball when it cannot certify at the given precision; a finite ball never misses
// (CONT-GAUSS-*, CONT-UNIF-*, CONT-SQN-*, CONT-XY-*, CONT-XYD-*, CONT-VG-*, CONT-BIV-*, CONT-BIVD-*, CONT-QUAD-*,
// CONT-SQS-1).
#pragma once
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/quadrature.hpp"
#include "lyapcert/continuous/uniform.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/continuous/bivariate.hpp"
#include "lyapcert/continuous/sqnormal_shift.hpp"
#include "lyapcert/continuous/sqnormal_moment.hpp"
#include "lyapcert/continuous/variance_gamma.hpp"
#include "lyapcert/continuous/xy_derivative.hpp"
