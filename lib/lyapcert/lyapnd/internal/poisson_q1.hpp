// lyapcert::lyapnd, module-private -- the evaluators of the piecewise-multilinear (Q1) Poisson certificate
// (internal/poisson_q1.cpp) that the transfer iteration on chart covers uses (internal/transfer_nd.hpp). The
// public part of the Q1 certificate (node tables, solver, certified bounds, memory) is declared in poisson_nd.hpp.
// Not part of the public API.
#pragma once
#include <chrono>
#include <vector>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/transfer_nd.hpp"

namespace lyapcert::lyapnd {
// Cell bounds of h = phi + P g - g for the multilinear g (node table g on the m-grid, internal/poisson_q1.cpp) on the
// cover: cell_bounds_nd with the evaluator of LYAPND-POIS-22. Proof: LYAPND-TRANS-12.
bool q1_cell_bounds(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g,
                    const internal::ChartCover& cover, std::chrono::steady_clock::time_point deadline,
                    std::vector<double>& lo, std::vector<double>& hi, double refine_factor = 2.0);
// The same evaluator as a BoxBoundsFn that owns its table (for AdaptiveTransferNd). Proof: LYAPND-POIS-22.
internal::BoxBoundsFn q1_box_bounds(const laws::FiniteMatrices& f, int d, int m, const std::vector<double>& g);
}  // namespace lyapcert::lyapnd
