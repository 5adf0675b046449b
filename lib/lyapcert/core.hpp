// Umbrella header of the lowest module (lyapcert_core): stopping (interrupt flag, stop tokens, stop scopes) and
// the one parallel_for.
#pragma once
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
