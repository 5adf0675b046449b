// Sweeps across MPI ranks and journals (docs/cluster.md): the command-line side of core/distribute.hpp.
//
// * Session (main): when the process was started by mpirun / srun and lyapcert was built with MPI
//   (LYAPCERT_WITH_MPI), initialises MPI; rank 0 prints and writes every output, the other ranks only compute
//   (their stdout and stderr go to /dev/null unless LYAPCERT_MPI_WORKER_OUTPUT=1). A build without MPI started by
//   mpirun with more than one process refuses (exit 2) instead of running N copies of the same job.
// * Flags / Job (the sweep commands): --journal FILE and --resume; a Job installs the distributor for the
//   command's sweeps: rank 0 hands out items one by one from a queue (dynamic balance), computes some itself,
//   writes the journal and assembles every result from its exact bytes, then gives all ranks the same results.
#pragma once
#include <CLI/CLI.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <string>

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/stop.hpp"

namespace lyapcert::cli::dist {

class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

int rank() noexcept;
int size() noexcept;
// The process that prints and writes outputs (rank 0, or the only process).
bool is_root() noexcept;
// MPI is initialised (the process was started by an MPI launcher and lyapcert has MPI).
bool mpi_active() noexcept;
// Whether progress lines go to a terminal: stderr is one (one process); under MPI, on rank 0 only, the launcher's
// stderr is one (Open MPI gives the ranks a pipe: rank 0 looks at its parent mpirun's). LYAPCERT_PROGRESS=1 / 0
// forces it on / off.
bool stderr_is_terminal() noexcept;

struct Flags {
  std::string journal;
  bool resume = false;
};
void add_flags(CLI::App* cmd, Flags& f);

class Journal;

// Thrown on a rank other than 0 that waits in a sweep after rank 0 has finished the command (main: exit 0; the
// job's status is rank 0's).
class JobOver : public std::exception {
 public:
  const char* what() const noexcept override { return "rank 0 finished the job"; }
};

// The time budget of a command on this rank: `seconds` on rank 0 (or without MPI); no deadline on the other
// ranks, which stop when rank 0 does (it hands out no more items and tells them at the end of each sweep), so
// that every rank takes the same path through the command.
double budget_seconds(double seconds) noexcept;

// For the lifetime of a command run: the distributor of its sweeps (MPI, a journal, or none).
class Job {
 public:
  explicit Job(const Flags& f);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

 private:
  std::unique_ptr<Journal> journal_;
  std::atomic<bool> follow_{false};
  std::unique_ptr<core::StopScope> follow_scope_;
  std::unique_ptr<core::Distributor> distributor_;
  std::unique_ptr<core::DistributeScope> scope_;
};

// The job's identity in a journal header: version, commit, the command line without the options that do not
// change results (--journal, --resume, --jobs, --time-budget, --out), and a CRC-32 and size of every argument that
// names an existing regular file (input data).
std::string job_identity();

}  // namespace lyapcert::cli::dist
