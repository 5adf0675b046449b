// Internal to app/dist*.cpp: the MPI side (compiled only with LYAPCERT_WITH_MPI).
#pragma once
#ifdef LYAPCERT_WITH_MPI
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
std::unique_ptr<core::Distributor> make_distributor(Journal* journal);

}  // namespace mpi
}  // namespace lyapcert::cli::dist
#endif
