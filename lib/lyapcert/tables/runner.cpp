#include "lyapcert/tables/runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>

#include "lyapcert/core/distribute.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/tables/json_input.hpp"

namespace lyapcert::tables {

std::vector<Json> read_journal(const std::string& path, const TableSpec& spec, bool* other_spec) {
  if (other_spec) *other_spec = false;
  std::vector<Json> rows(spec.rows.size());
  std::ifstream in(path);
  if (!in) return {};
  std::string line;
  if (!std::getline(in, line)) return {};
  Json header;
  try {
    header = parse_json_input(line, path);
  } catch (const std::exception&) {
    if (other_spec) *other_spec = true;
    return {};
  }
  if (!header.is_object() || header.value("lyapcert_journal", 0) != 1 ||
      header.value("spec_sha256", std::string()) != spec.sha256) {
    if (other_spec) *other_spec = true;
    return {};
  }
  std::vector<Json> out;
  while (std::getline(in, line)) {
    Json r;
    try {
      r = parse_json_input(line, path);  // a truncated (or tampered) line fails here and is skipped
    } catch (const std::exception&) {
      continue;
    }
    if (!r.is_object() || !r.contains("index") || !r["index"].is_number_unsigned()) continue;
    const auto i = r["index"].get<std::size_t>();
    if (i >= spec.rows.size() || r.value("key", std::string()) != spec.rows[i].key) continue;
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

class Journal {
 public:
  Journal(const std::string& path, const TableSpec& spec, bool fresh) {
    if (path.empty()) return;
    const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0);
    fd_ = ::open(path.c_str(), flags, 0644);
    if (fd_ < 0) throw InputError(fmt::format("cannot write the journal '{}'", path));
    if (fresh) {
      Json h;
      h["lyapcert_journal"] = 1;
      h["spec_sha256"] = spec.sha256;
      append(h);
    } else {
      // Make sure an earlier truncated line does not swallow the next record.
      std::ifstream in(path, std::ios::binary | std::ios::ate);
      if (in && in.tellg() > 0) {
        in.seekg(-1, std::ios::end);
        char c = 0;
        in.get(c);
        if (c != '\n') write_all("\n");
      }
    }
  }
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  void append(const Json& row) {
    if (fd_ < 0) return;
    write_all(row.dump() + "\n");  // one write() per line: a killed run leaves at most one partial line
  }

 private:
  void write_all(const std::string& s) {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
      if (n <= 0) throw std::runtime_error("cannot append to the table journal (disk full?)");
      off += static_cast<std::size_t>(n);
    }
  }
  int fd_ = -1;
  std::mutex mu_;
};

}  // namespace

RunResult run_rows(const TableSpec& spec, const RunOptions& options) {
  RunResult res;
  const std::size_t n = spec.rows.size();
  res.rows.assign(n, Json());
  std::vector<bool> have(n, false);
  bool fresh = true;
  if (!options.journal_path.empty()) {
    bool other = false;
    std::vector<Json> old = read_journal(options.journal_path, spec, &other);
    res.journal_reset = other;
    {
      std::ifstream probe(options.journal_path);
      fresh = !probe || other;
    }
    for (Json& r : old) {
      const auto i = r["index"].get<std::size_t>();
      if (!have[i]) {
        have[i] = true;
        res.rows[i] = std::move(r);
        ++res.resumed;
      }
    }
  }
  Journal journal(options.journal_path, spec, fresh);

  std::atomic<std::size_t> running{0};
  core::ParallelOptions po;
  po.jobs = std::max(1u, options.jobs);
  auto report = [&](std::size_t done) {
    if (options.on_progress) options.on_progress(Progress{n, done, res.resumed, running.load()});
  };
  po.on_done = [&](std::size_t done, std::size_t) { report(done); };
  const std::string interrupted = fmt::format("interrupted; the finished rows are kept in '{}' for a rerun",
                                              options.journal_path);
  // The rows may be computed on other MPI ranks (core/distribute.hpp; a row travels as its JSON text, which
  // nlohmann writes and reads back exactly). A row reaches the journal when its result is in place (on_result:
  // the root only); the first failing row by index is reported on every rank, after the rows already running
  // have finished and reached the journal.
  const auto compute = [&](std::size_t i, unsigned) {
    ++running;
    struct Running {
      std::atomic<std::size_t>& r;
      ~Running() { --r; }
    } guard{running};
    try {
      Json row = compute_row(spec.rows[i], options.compute);
      if (core::stop_requested()) return false;  // possibly cut short by the time budget: a rerun computes it
      res.rows[i] = std::move(row);  // distinct slots: no lock needed
      return true;
    } catch (const core::BudgetExhausted&) {
      return false;  // the time budget ended before this row had an enclosure: not done, a rerun computes it
    } catch (const InputError& e) {
      throw InputError(fmt::format("row {} (id '{}'): {}", i, spec.rows[i].id, e.what()));
    }
  };
  core::ParallelResult run;
  try {
    run = core::distributed_for(
        core::SweepItems{"table/rows", n, compute, [&](std::size_t i, core::ItemWriter& w) { w.str(res.rows[i].dump()); },
                         [&](std::size_t i, core::ItemReader& r) { res.rows[i] = Json::parse(r.str()); },
                         [&](std::size_t i) { return static_cast<bool>(have[i]); },
                         [&](std::size_t i) { journal.append(res.rows[i]); }},
        po);
  } catch (const core::Interrupted&) {
    throw core::Interrupted(interrupted);
  }
  core::throw_if_interrupted(interrupted);
  report(run.done);
  res.computed = 0;
  std::size_t todo = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (have[i]) continue;
    ++todo;
    res.computed += !res.rows[i].is_null();
  }
  res.complete = res.computed == todo;
  return res;
}

}  // namespace lyapcert::tables
