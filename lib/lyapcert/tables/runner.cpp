#include "lyapcert/tables/runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>

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

  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < n; ++i)
    if (!have[i]) todo.push_back(i);
  std::atomic<std::size_t> running{0};
  std::atomic<bool> stop{false};  // a row failed: no new row starts
  std::mutex err_mu;
  std::exception_ptr error;
  core::ParallelOptions po;
  po.jobs = std::max(1u, options.jobs);
  po.cancel = &stop;
  auto report = [&](std::size_t done) {
    if (options.on_progress) options.on_progress(Progress{n, res.resumed + done, res.resumed, running.load()});
  };
  po.on_done = [&](std::size_t done, std::size_t) { report(done); };
  // A row's error is kept (not thrown through parallel_for) so that the rows already running still finish and
  // reach the journal; the first failing row by index is reported.
  std::size_t error_row = n;
  const std::string interrupted = fmt::format("interrupted; the finished rows are kept in '{}' for a rerun",
                                              options.journal_path);
  core::ParallelResult run;
  try {
    run = core::parallel_for(todo.size(), po, [&](std::size_t t, unsigned) {
      const std::size_t i = todo[t];
      ++running;
      try {
        Json row = compute_row(spec.rows[i], options.compute);
        if (core::stop_requested()) {  // possibly cut short by the time budget: not kept, a rerun computes it
          --running;
          return;
        }
        journal.append(row);
        res.rows[i] = std::move(row);  // distinct slots: no lock needed
      } catch (const core::Interrupted&) {
        --running;
        throw;
      } catch (const core::BudgetExhausted&) {
        // The time budget ended before this row had an enclosure: not done, a rerun computes it.
      } catch (const InputError& e) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (i < error_row) {
          error_row = i;
          error = std::make_exception_ptr(
              InputError(fmt::format("row {} (id '{}'): {}", i, spec.rows[i].id, e.what())));
        }
        stop = true;
      } catch (...) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (i < error_row) {
          error_row = i;
          error = std::current_exception();
        }
        stop = true;
      }
      --running;
    });
  } catch (const core::Interrupted&) {
    throw core::Interrupted(interrupted);
  }
  if (error) std::rethrow_exception(error);
  core::throw_if_interrupted(interrupted);
  report(run.done);
  res.computed = 0;
  for (std::size_t t = 0; t < todo.size(); ++t) res.computed += !res.rows[todo[t]].is_null();
  res.complete = res.computed == todo.size();
  return res;
}

}  // namespace lyapcert::tables
