#include "dist.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "dist_journal.hpp"
#include "dist_mpi.hpp"
#include "dist_sweep.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/version.hpp"

namespace lyapcert::cli::dist {
namespace {

std::vector<std::string> g_args;  // argv[1..], kept by the Session for the journal's job identity
bool g_mpi = false;
int g_rank = 0, g_size = 1;

// The launcher's environment: Open MPI's mpirun, or a PMI/PMIx launcher (srun).
int launcher_size() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const char* s = std::getenv(v)) return std::atoi(s);
  }
  return std::getenv("PMIX_RANK") ? 2 : 0;  // PMIx without a size variable: treat as a parallel launch
}

// The journal-only distributor of a single process: items already journalled are decoded, the others computed on
// the command's threads and journalled as they finish.
class LocalDistributor final : public core::Distributor {
 public:
  explicit LocalDistributor(Journal* j) : journal_(j) {}
  core::ParallelResult run(const core::SweepItems& items, const core::ParallelOptions& opt) override {
    RootSweep sweep(items, opt, journal_, sweeps_++);
    sweep.run_local();
    if (sweep.error().kind != ItemError::none) rethrow(sweep.error());
    return sweep.result();
  }

 private:
  Journal* journal_;
  std::size_t sweeps_ = 0;
};

}  // namespace

Session::Session(int& argc, char**& argv) {
  for (int k = 1; k < argc; ++k) g_args.emplace_back(argv[k]);
  const int launched = launcher_size();
  const bool disabled = std::getenv("LYAPCERT_NO_MPI") != nullptr;
#ifdef LYAPCERT_WITH_MPI
  if (launched > 0 && !disabled) {
    mpi::init(argc, argv, g_rank, g_size);
    g_mpi = true;
    if (g_rank != 0 && !std::getenv("LYAPCERT_MPI_WORKER_OUTPUT")) {
      // Rank 0 speaks for the job; the same messages N times would only bury it.
      const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
      }
    }
  }
#else
  if (launched > 1 && !disabled) {
    std::cerr << "lyapcert: error: started by an MPI launcher with " << launched
              << " processes, but this lyapcert was built without MPI (LYAPCERT_WITH_MPI=OFF): every process would "
                 "run the whole job. Rebuild with MPI (docs/cluster.md) or run one process.\n";
    std::exit(2);
  }
#endif
}

Session::~Session() {
#ifdef LYAPCERT_WITH_MPI
  if (g_mpi) mpi::finalize();
#endif
}

int rank() noexcept { return g_rank; }
int size() noexcept { return g_size; }
bool is_root() noexcept { return g_rank == 0; }
bool mpi_active() noexcept { return g_mpi; }

bool stderr_is_terminal() noexcept {
  if (const char* e = std::getenv("LYAPCERT_PROGRESS")) return e[0] == '1';
  if (::isatty(2)) return g_rank == 0;
  if (!g_mpi || g_rank != 0) return false;
  const std::string parent = "/proc/" + std::to_string(::getppid()) + "/fd/2";
  const int fd = ::open(parent.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool tty = ::isatty(fd) != 0;
  ::close(fd);
  return tty;
}

double budget_seconds(double seconds) noexcept { return g_rank == 0 ? seconds : 1e12; }

void add_flags(CLI::App* cmd, Flags& f) {
  cmd->add_option("--journal", f.journal,
                  "append every finished work item with its exact result to FILE (a new file unless --resume)");
  cmd->add_flag("--resume", f.resume,
                "continue the job recorded in --journal FILE: items already there are not computed again");
}

std::string job_identity() {
  std::string id = fmt::format("lyapcert {} {}", kVersion, kGitCommit);
  // Options that do not change any result are left out, so a resumed run may change them.
  static const std::vector<std::string> skip_value = {"--journal", "--jobs", "--threads", "--time-budget", "--out"};
  for (std::size_t k = 0; k < g_args.size(); ++k) {
    const std::string& a = g_args[k];
    bool skip = a == "--resume";
    for (const auto& s : skip_value) {
      if (a == s) {
        skip = true;
        ++k;  // and its value
      } else if (a.rfind(s + "=", 0) == 0) {
        skip = true;
      }
    }
    if (skip) continue;
    id += " " + a;
    // An input file: its contents are part of the job (a changed data file is another job).
    const std::string path = a.rfind('=') != std::string::npos && a.rfind("--", 0) == 0 ? a.substr(a.find('=') + 1) : a;
    const std::string file = !path.empty() && path[0] == '@' ? path.substr(1) : path;
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      std::ifstream in(file, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      id += fmt::format("[{}:{:08x}]", text.size(), crc32(text));
    }
  }
  for (char& c : id) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return id;
}

Job::Job(const Flags& f) {
  if (f.resume && f.journal.empty()) throw InputError("--resume needs --journal FILE (the journal to continue)");
  std::string error;
  if (!f.journal.empty() && is_root()) {
    try {
      journal_ = std::make_unique<Journal>(f.journal, job_identity(), f.resume);
    } catch (const InputError& e) {
      error = e.what();
    }
  }
#ifdef LYAPCERT_WITH_MPI
  // Only rank 0 reads the journal; a refusal ends every rank with the same message and status.
  if (mpi_active()) error = mpi::bcast_string(error);
#endif
  if (!error.empty()) throw InputError(error);
#ifdef LYAPCERT_WITH_MPI
  if (mpi_active()) {
    follow_scope_ = std::make_unique<core::StopScope>(core::StopToken().with_flag(&follow_));
    distributor_ = mpi::make_distributor(journal_.get(), &follow_);
  }
#endif
  if (!distributor_ && journal_) distributor_ = std::make_unique<LocalDistributor>(journal_.get());
  if (distributor_) scope_ = std::make_unique<core::DistributeScope>(distributor_.get());
}

Job::~Job() {
  scope_.reset();
  distributor_.reset();
  follow_scope_.reset();
}

// ------------------------------------------------------------------------------------------------------------
// RootSweep

ItemError capture_error(std::size_t index) {
  ItemError e;
  e.index = index;
  try {
    throw;
  } catch (const InputError& x) {
    e.kind = ItemError::input;
    e.what = x.what();
  } catch (const core::Interrupted& x) {
    e.kind = ItemError::interrupted;
    e.what = x.what();
  } catch (const core::BudgetExhausted& x) {
    e.kind = ItemError::budget;
    e.what = x.what();
  } catch (const std::exception& x) {
    e.kind = ItemError::other;
    e.what = x.what();
  } catch (...) {
    e.kind = ItemError::other;
    e.what = "unknown exception";
  }
  return e;
}

void rethrow(const ItemError& e) {
  switch (e.kind) {
    case ItemError::input: throw InputError(e.what);
    case ItemError::interrupted: throw core::Interrupted(e.what);
    case ItemError::budget: throw core::BudgetExhausted(e.what);
    default: throw std::runtime_error(e.what);
  }
}

std::optional<std::string> compute_item(const core::SweepItems& items, std::size_t i, unsigned worker) {
  if (!items.compute(i, worker)) return std::nullopt;
  core::ItemWriter w;
  items.encode(i, w);
  std::string bytes = w.take();
  core::ItemReader r(bytes);
  items.decode(i, r);
  return bytes;
}

RootSweep::RootSweep(const core::SweepItems& items, const core::ParallelOptions& opt, Journal* journal,
                     std::size_t sweep_no)
    : items_(items), opt_(opt), journal_(journal), sweep_no_(sweep_no) {
  if (const char* path = std::getenv("LYAPCERT_ITEM_COSTS")) costs_ = std::fopen(path, "a");
  std::map<std::size_t, std::string> old;
  if (journal_) old = journal_->recorded(sweep_no, items.name, items.n);
  for (auto& [i, bytes] : old) {
    core::ItemReader r(bytes);
    try {
      items.decode(i, r);
      if (!r.at_end()) throw std::runtime_error("trailing bytes");
    } catch (const std::runtime_error&) {
      throw InputError(fmt::format("--journal '{}': the record of item {} of sweep '{}' does not decode; refusing to "
                                   "use it", journal_->path(), i, items.name));
    }
    bytes_.emplace(i, std::move(bytes));
    ++done_;
  }
  for (std::size_t i = 0; i < items.n; ++i) {
    if (bytes_.count(i)) continue;
    if (items.already_done && items.already_done(i)) {
      core::ItemWriter w;  // the caller's own result, for the other ranks
      items.encode(i, w);
      bytes_.emplace(i, w.take());
      ++done_;
      continue;
    }
    pending_.push_back(i);
  }
  if (done_ > 0 && opt_.on_done) opt_.on_done(done_, items_.n);
}

RootSweep::~RootSweep() {
  if (costs_) std::fclose(costs_);
}

bool RootSweep::stop_now() const {
  return failed_.load() || core::stop_requested() || (opt_.cancel && opt_.cancel->load());
}

std::optional<std::size_t> RootSweep::take() {
  if (stop_now()) {
    if (next_.load() < pending_.size()) {
      const std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    return std::nullopt;
  }
  const std::size_t k = next_.fetch_add(1);
  if (k >= pending_.size()) return std::nullopt;
  return pending_[k];
}

void RootSweep::accept(std::size_t i, const std::string& bytes, bool decoded, bool under_stop) {
  if (!decoded) {
    core::ItemReader r(bytes);
    items_.decode(i, r);
  }
  if (journal_ && !under_stop) journal_->append(sweep_no_, items_.name, items_.n, i, bytes);
  const std::lock_guard<std::mutex> lock(mu_);
  if (items_.on_result) items_.on_result(i);
  bytes_.emplace(i, bytes);
  ++done_;
  if (opt_.on_done) opt_.on_done(done_, items_.n);
}

void RootSweep::fail(const ItemError& e) {
  const std::lock_guard<std::mutex> lock(mu_);
  if (error_.kind == ItemError::none || e.index < error_.index) error_ = e;
  failed_.store(true);
}

void RootSweep::run_local() {
  if (pending_.empty()) return;
  std::atomic<bool> exhausted{false};
  core::ParallelOptions po;
  po.jobs = opt_.jobs;
  po.cancel = &exhausted;
  // parallel_for's own indices only count turns; the item of each turn comes from the shared queue.
  core::parallel_for(pending_.size(), po, [&](std::size_t, unsigned worker) {
    const auto i = take();
    if (!i) {
      exhausted.store(true);
      return;
    }
    try {
      const auto t0 = std::chrono::steady_clock::now();
      auto bytes = compute_item(items_, *i, worker);
      if (costs_) {
        // bench/mpi_efficiency.sh: the cost of every item for the cost model of docs/performance.md.
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::lock_guard<std::mutex> lock(mu_);
        std::fprintf(costs_, "%s %zu %.6f\n", items_.name.c_str(), *i, secs);
      }
      if (bytes) accept(*i, *bytes, true, core::stop_requested());
    } catch (...) {
      fail(capture_error(*i));
    }
  });
}

core::ParallelResult RootSweep::result() const {
  const std::lock_guard<std::mutex> lock(mu_);
  core::ParallelResult r;
  r.done = done_;
  r.stopped = done_ < items_.n && (stopped_ || core::stop_requested() || (opt_.cancel && opt_.cancel->load()));
  return r;
}

}  // namespace lyapcert::cli::dist
