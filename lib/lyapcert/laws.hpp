// lyapcert/laws.hpp -- umbrella header of lyapcert::laws: distributions, exactly. It includes every public header
// of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: a law object describes exactly the distribution its text names: every number is an exact rational,
// finite laws keep exact atoms and weights, and minibatch laws are counted exactly (LAW-MINIBATCH-1); malformed or
// out-of-range input raises `InputError` with a message that names the problem (and, for syntax, its position).
#pragma once
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/finite_law.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/laws/minibatch.hpp"
