// Runs the rows of a table on several threads, with a resume journal: every finished row is appended to
// the journal as one JSON line as soon as it is done, and a restarted run reuses the journal's rows whose
// spec hash and row key match instead of computing them again.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "lyapcert/tables/compute.hpp"
#include "lyapcert/tables/spec.hpp"

namespace lyapcert::tables {

struct Progress {
  std::size_t total = 0, done = 0, resumed = 0, running = 0;
};

struct RunOptions {
  unsigned jobs = 1;                 // threads (>= 1; core::parallel_for, the calling thread included)
  std::string journal_path;          // "" : no journal
  ComputeOptions compute;
  // Called after each finished row (serialised, from any worker thread) and once at the end (may be empty).
  std::function<void(const Progress&)> on_progress;
};

struct RunResult {
  std::vector<Json> rows;     // in row order
  std::size_t resumed = 0;    // rows taken from the journal
  std::size_t computed = 0;   // rows computed in this run
  bool journal_reset = false; // a journal for another spec was found and discarded
  // Every row is there. false: a time budget (core::StopScope of the caller) stopped the run; the rows finished
  // before it are in `rows` and the journal (rows finished after the stop are dropped: they may be cut short).
  bool complete = true;
};

// Computes every row of `spec` (reusing the journal's rows). An InputError thrown by a row is rethrown
// after the other workers stop, prefixed with the row's index and id; rows finished before it stay in the
// journal. The interrupt (core::request_interrupt) stops it with core::Interrupted; finished rows stay in the
// journal, so a rerun resumes. The journal's first line is {"lyapcert_journal": 1, "spec_sha256": ...}; a truncated last line
// (a run killed mid-write) is ignored.
RunResult run_rows(const TableSpec& spec, const RunOptions& options);

// Reads a journal: the rows whose "index" and "key" match `spec` (others are ignored). Empty when the file
// does not exist or belongs to another spec (`other_spec` set then).
std::vector<Json> read_journal(const std::string& path, const TableSpec& spec, bool* other_spec = nullptr);

}  // namespace lyapcert::tables
