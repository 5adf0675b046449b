// lyapcert/exact.hpp -- umbrella header of lyapcert::exact: exact numbers, balls and exact decisions. It includes
// every public header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: numbers are read exactly (`0.1` is 1/10) and never pass through binary64; a `Ball` that the library
// returns as an enclosure contains the exact value; decimal output is rounded outward, so a printed interval
// contains the ball it prints (DEC-1); `product_of_powers_is_one` answers yes or no exactly (LYAP1D-ZERO-1).
#pragma once
#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/decimal.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/fmpz.hpp"
#include "lyapcert/exact/input.hpp"
#include "lyapcert/exact/product_one.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/exact/sign.hpp"
