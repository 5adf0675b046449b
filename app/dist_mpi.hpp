// Internal to app/dist*.cpp: the MPI side (compiled only with LYAPCERT_WITH_MPI).
#pragma once
#ifdef LYAPCERT_WITH_MPI
#include <atomic>
#include <memory>
#include <string>

#include "lyapcert/core/distribute.hpp"

namespace lyapcert::cli::dist {
class Journal;
namespace mpi {

void init(int& argc, char**& argv, int& rank, int& size);
void finalize();
// Rank 0's string on every rank.
std::string bcast_string(const std::string& s);
// The distributor over MPI_COMM_WORLD; journal: rank 0's (null elsewhere or without --journal).
// follow: set on the other ranks when rank 0 has stopped (they end the command as it does).
std::unique_ptr<core::Distributor> make_distributor(Journal* journal, std::atomic<bool>* follow);

}  // namespace mpi
}  // namespace lyapcert::cli::dist
#endif
