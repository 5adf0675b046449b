// lyapcert/boundary.hpp -- umbrella header of lyapcert::boundary: where Lambda(lr) changes sign. It includes every
// public header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: every root enclosure contains exactly one zero of `Lambda`, at which the sign changes in the stated
// direction (at least one when `unique` is false: brackets of non-commuting `sgd(lr, matrices(...))` templates,
// `sgd_family.{hpp,cpp}`, BND-TEMPLATE-10..12); every sliver offset encloses the unique zero on its side of the
// singular point; `complete` is true only when the whole range is covered by certified cells (BND-*).
#pragma once
#include "lyapcert/boundary/model.hpp"
#include "lyapcert/boundary/law_template.hpp"
#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/boundary/sgd_family.hpp"
