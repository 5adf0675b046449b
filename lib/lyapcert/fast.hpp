// lyapcert/fast.hpp -- umbrella header of lyapcert::fast: certified binary64. It includes every public header of
// the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: every result contains the exact result for every point of the input intervals (one IEEE rounding per
// source operation, moved outward; the module is compiled with `-ffp-contract=off`); a kernel that cannot certify
// returns the whole line or a wider interval, never a narrower one (FAST-RND-*, FAST-KER-*, FAST-LOG-*, FAST-SUM-*,
// FAST-GAUSS-*, FAST-XY-*, FAST-XYG-*).
#pragma once
#include "lyapcert/fast/interval.hpp"
#include "lyapcert/fast/interval_kernel.hpp"
#include "lyapcert/fast/log.hpp"
#include "lyapcert/fast/sum.hpp"
#include "lyapcert/fast/gaussian.hpp"
#include "lyapcert/fast/xy.hpp"
#include "lyapcert/fast/xy_grad.hpp"
