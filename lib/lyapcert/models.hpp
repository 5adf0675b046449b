// lyapcert/models.hpp -- umbrella header of lyapcert::models: the two-layer saddle and its phases. It includes
// every public header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: a phase label is derived from certified signs and the exact L_2 flag, and is undetermined when a sign
// is; a certified diagram cell has that label at every point of the cell (MODEL-CELL-1); a critical-SNR interval
// has a certified collapse witness at its low end and a certificate that `Lambda_+ > 0` for every learning rate at
// its high end (MODEL-*). `gaussian_xy_dataset` certifies nothing: it defines the data format of `--data-sample`,
// and the same (n, seed, k, sigma2) gives the same binary64 values wherever libm's log and cos agree (dataset.hpp).
#pragma once
#include "lyapcert/models/critical.hpp"
#include "lyapcert/models/dataset.hpp"
#include "lyapcert/models/diagonal.hpp"
#include "lyapcert/models/diagonal_diagram.hpp"
#include "lyapcert/models/phase.hpp"
#include "lyapcert/models/phase_diagram.hpp"
#include "lyapcert/models/twolayer.hpp"
