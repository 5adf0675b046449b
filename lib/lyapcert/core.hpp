// lyapcert/core.hpp -- umbrella header of lyapcert::core: stopping and the one thread pool. It includes every public
// header of the module; docs/architecture.md describes the module, what it may use, and this contract.
//
// Contract: the only global state is the process-wide interrupt flag, set only by the CLI's signal handler; a time
// budget is a value (a `StopToken` deadline) made visible to the calling thread's inner loops by a `StopScope`;
// `parallel_for` puts result i in slot i whatever the thread count, hands the caller's stop scope to its workers,
// starts no item once a stop is requested, rethrows the exception of the lowest failing index, and has every thread it
// starts call `flint_cleanup()` before it ends; the library never forks; `distributed_for` is `parallel_for` unless the
// calling thread installed a `Distributor` (a `DistributeScope`: MPI ranks or a journal, supplied by the tool), which
// keeps the same placement, counting and lowest-index exception across processes, with item results carried as exact
// bytes.
#pragma once
#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
