// Internal to lyapcert::lyapnd (not part of the public API; included by the module's .cpp files only).
// The one stop test of the lyapnd loops: the method's own deadline (Options::time_budget_seconds), or
// core::stop_requested() -- the interrupt flag (SIGINT/SIGTERM) and any StopScope budget of the calling thread
// (a table row, a verify law). A stopped loop ends through its normal path: the best certified enclosure so
// far, not converged; the CLI then maps an interrupt to exit 130 (core::throw_if_interrupted()).
#pragma once
#include <chrono>

#include "lyapcert/core/stop.hpp"

namespace lyapcert::lyapnd::detail {

inline bool past(std::chrono::steady_clock::time_point deadline) {
  return core::stop_requested() || std::chrono::steady_clock::now() >= deadline;
}

}  // namespace lyapcert::lyapnd::detail
