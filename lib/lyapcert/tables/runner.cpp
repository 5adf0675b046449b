#include "lyapcert/tables/runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <flint/flint.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

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
  std::atomic<std::size_t> next{0}, done{0}, running{0};
  std::atomic<bool> stop{false};
  std::mutex err_mu, cv_mu;
  std::condition_variable cv;
  std::exception_ptr error;
  auto worker = [&] {
    while (!stop.load()) {
      const std::size_t t = next.fetch_add(1);
      if (t >= todo.size()) break;
      const std::size_t i = todo[t];
      ++running;
      try {
        Json row = compute_row(spec.rows[i], options.compute);
        journal.append(row);
        res.rows[i] = std::move(row);  // distinct slots: no lock needed
        ++done;
        cv.notify_all();
      } catch (const InputError& e) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (!error) {
          error = std::make_exception_ptr(InputError(
              fmt::format("row {} (id '{}'): {}", i, spec.rows[i].id, e.what())));
        }
        stop = true;
        cv.notify_all();
      } catch (...) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (!error) error = std::current_exception();
        stop = true;
        cv.notify_all();
      }
      --running;
    }
    flint_cleanup();  // this thread's FLINT/Arb caches
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(std::max<std::size_t>(1, todo.size()))));
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  auto report = [&] {
    if (options.on_progress) options.on_progress(Progress{n, res.resumed + done.load(), res.resumed, running.load()});
  };
  while (done.load() < todo.size() && !stop.load()) {
    report();
    std::unique_lock<std::mutex> lock(cv_mu);
    cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  for (auto& t : threads) t.join();
  report();
  if (error) std::rethrow_exception(error);
  res.computed = done.load();
  return res;
}

}  // namespace lyapcert::tables
