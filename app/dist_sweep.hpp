// Internal to app/dist*.cpp: the root's side of one distributed sweep (shared by the journal-only and the MPI
// distributors).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dist_journal.hpp"
#include "lyapcert/core/distribute.hpp"

namespace lyapcert::cli::dist {

// An exception of an item, carried as data across ranks and rethrown with its kind on every rank.
struct ItemError {
  enum Kind : std::uint64_t { none = 0, input = 1, interrupted = 2, budget = 3, other = 4 };
  std::uint64_t kind = none;
  std::size_t index = 0;
  std::string what;
};
ItemError capture_error(std::size_t index);  // inside a catch block
[[noreturn]] void rethrow(const ItemError& e);

// Computes item i here and returns its canonical bytes (encode, then decode into the slot: what every other
// rank, and a resumed run, will see), or nullopt when it was not done.
std::optional<std::string> compute_item(const core::SweepItems& items, std::size_t i, unsigned worker);

class RootSweep {
 public:
  RootSweep(const core::SweepItems& items, const core::ParallelOptions& opt, Journal* journal, std::size_t sweep_no);
  ~RootSweep();
  RootSweep(const RootSweep&) = delete;
  RootSweep& operator=(const RootSweep&) = delete;
  // The next item to compute (here or on another rank), or nullopt: none left, a stop, or an error.
  std::optional<std::size_t> take();
  // Item i done with `bytes`: decoded into slot i unless `decoded` already, journalled (unless `under_stop`: an
  // item that ended while a stop was requested may have been cut short, e.g. a cell left unchecked, and a resumed
  // run must compute it again), counted, progress shown.
  void accept(std::size_t i, const std::string& bytes, bool decoded, bool under_stop);
  void fail(const ItemError& e);
  // Computes items from take() on opt.jobs threads of this process until none is left.
  void run_local();
  bool stop_now() const;
  // Every finished item's bytes (for the other ranks) and the result.
  const std::map<std::size_t, std::string>& results() const { return bytes_; }
  core::ParallelResult result() const;
  const ItemError& error() const { return error_; }

 private:
  const core::SweepItems& items_;
  const core::ParallelOptions& opt_;
  Journal* journal_;
  std::size_t sweep_no_;
  std::vector<std::size_t> pending_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::map<std::size_t, std::string> bytes_;
  ItemError error_;
  std::size_t done_ = 0;
  bool stopped_ = false;
  std::FILE* costs_ = nullptr;  // LYAPCERT_ITEM_COSTS: "sweep index seconds" of each item computed on rank 0
};

}  // namespace lyapcert::cli::dist
