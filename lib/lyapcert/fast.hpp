// Umbrella header of the binary64 fast path (module lyapcert_fast).
#pragma once
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/sum.hpp"
#include "lyapcert/fast/gaussian.hpp"
#include "lyapcert/fast/xy.hpp"
#include "lyapcert/fast/xy_grad.hpp"
