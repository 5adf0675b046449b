// Umbrella header of the lyapcert::boundary module: certified learning rates where Lambda(lr) changes sign
// (`lyapcert boundary`), with singular points and slivers of finite laws reported exactly.
#pragma once
#include "lyapcert/boundary/model.hpp"
#include "lyapcert/boundary/law_template.hpp"
#include "lyapcert/boundary/roots.hpp"
