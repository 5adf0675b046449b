// lyapcert/lyapnd.hpp -- umbrella header of lyapcert::lyapnd: certified exponents of d x d products (d <= 4). It
// includes every public header of the module; docs/architecture.md describes the module, what it may use, and this
// contract.
//
// Contract: each method returns an enclosure of the top exponent, or, where only one side is certified (the
// enumeration bound), a certified upper bound labelled as such; the sign is taken from the enclosure; a method is
// applied only where its hypothesis is checked exactly (otherwise it refuses, and `auto` picks another); the L_2
// verdict is exact; a level runs only if its bounded working memory fits the budget (LYAPND-*).
#pragma once
#include "lyapcert/lyapnd/closed_forms.hpp"
#include "lyapcert/lyapnd/commuting.hpp"
#include "lyapcert/lyapnd/cone_basis.hpp"
#include "lyapcert/lyapnd/conformal.hpp"
#include "lyapcert/lyapnd/cycle.hpp"
#include "lyapcert/lyapnd/cycle_nd.hpp"
#include "lyapcert/lyapnd/elementary.hpp"
#include "lyapcert/lyapnd/finite_family.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/lyapnd/memory.hpp"
#include "lyapcert/lyapnd/multicone.hpp"
#include "lyapcert/lyapnd/poisson.hpp"
#include "lyapcert/lyapnd/poisson_nd.hpp"
#include "lyapcert/lyapnd/reducible.hpp"
#include "lyapcert/lyapnd/second_moment.hpp"
#include "lyapcert/lyapnd/vector.hpp"
