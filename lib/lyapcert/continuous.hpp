// Umbrella header of the lyapcert::continuous module: certified expectations for continuous
// curvature laws (normal, uniform, sqnormal, the two-layer minibatch law xy, bivariate products)
// and their independent quadrature cross-checks.
#pragma once
#include "lyapcert/continuous/gaussian.hpp"
#include "lyapcert/continuous/quadrature.hpp"
#include "lyapcert/continuous/uniform.hpp"
#include "lyapcert/continuous/xy.hpp"
#include "lyapcert/continuous/bivariate.hpp"
