#include "output.hpp"

#include "dist.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <atomic>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/version.hpp"

namespace lyapcert::cli {

nlohmann::ordered_json common_fields(const std::string& command) {
  nlohmann::ordered_json j;
  j["schema"] = 1;
  j["lyapcert_version"] = kVersion;
  j["command"] = command;
  return j;
}

nlohmann::ordered_json certified_json(const lyap::CertifiedValue& v, int digits, lyap::DecimalEnclosure* printed) {
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, digits);
  if (printed) *printed = d;
  nlohmann::ordered_json j;
  j["lower"] = d.lower;
  j["upper"] = d.upper;
  j["sign"] = lyap::to_string(v.sign);
  return j;
}

void put_law(nlohmann::ordered_json& j, const std::string& canonical_law) {
  constexpr std::size_t kMax = 64 * 1024;
  if (canonical_law.size() <= kMax) {
    j["law"] = canonical_law;
  } else {
    j["law"] = canonical_law.substr(0, kMax) + "...";
    j["law_truncated"] = true;
  }
}

namespace {

// Registered temporary paths, fixed-size so the signal handler touches no allocator.
constexpr std::size_t kMaxTemps = 64;
std::array<std::array<char, 4096>, kMaxTemps> g_temps{};
std::array<std::atomic<bool>, kMaxTemps> g_temp_used{};
std::atomic<int> g_signals{0};
static_assert(std::atomic<int>::is_always_lock_free);

// Removes the registered temporary files and exits with 130. Async-signal-safe.
[[noreturn]] void hard_exit() noexcept {
  for (std::size_t i = 0; i < kMaxTemps; ++i) {
    if (g_temp_used[i].load()) ::unlink(g_temps[i].data());  // async-signal-safe
  }
  static const char msg[] = "lyapcert: interrupted\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  ::_exit(130);
}

void on_alarm(int) { hard_exit(); }

// First SIGINT/SIGTERM: set the library's interrupt flag (core::request_interrupt, a lock-free store), so that
// parallel_for and the long loops stop and the command unwinds to exit 130, and arm a watchdog: a computation
// that does not notice the flag within kGraceSeconds is ended by hard_exit. A second signal ends it at once.
void on_interrupt(int) {
  if (g_signals.fetch_add(1) > 0) hard_exit();
  core::request_interrupt();
  ::alarm(kGraceSeconds);
}

std::size_t register_temp(const std::string& path) {
  for (std::size_t i = 0; i < kMaxTemps; ++i) {
    bool expected = false;
    if (path.size() < 4095 && g_temp_used[i].compare_exchange_strong(expected, true)) {
      std::snprintf(g_temps[i].data(), g_temps[i].size(), "%s", path.c_str());
      return i;
    }
  }
  return kMaxTemps;
}

void unregister_temp(std::size_t i) {
  if (i < kMaxTemps) g_temp_used[i].store(false);
}

}  // namespace

namespace {
std::mutex g_sink_mutex;
ProgressSink g_sink;  // guarded by g_sink_mutex
std::atomic<bool> g_has_sink{false};
}  // namespace

void set_progress_sink(ProgressSink sink) {
  const std::lock_guard<std::mutex> lock(g_sink_mutex);
  g_sink = std::move(sink);
  g_has_sink.store(static_cast<bool>(g_sink));
}

bool has_progress_sink() { return g_has_sink.load(); }

bool report_progress(const std::string& what, std::size_t done, std::size_t total) {
  if (!g_has_sink.load()) return false;
  const std::lock_guard<std::mutex> lock(g_sink_mutex);
  if (!g_sink) return false;
  g_sink(what, done, total);
  return true;
}

ProgressLine::ProgressLine(std::string what)
    : what_(std::move(what)), tty_(dist::stderr_is_terminal()), t0_(std::chrono::steady_clock::now()) {}

void ProgressLine::operator()(std::size_t done, std::size_t total) const {
  if (report_progress(what_, done, total)) return;
  if (!tty_ || total == 0) return;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const double eta = done == 0 ? 0.0 : secs / static_cast<double>(done) * static_cast<double>(total - done);
  fmt::print(stderr, "\r{}/{} {} ({:.0f}%), {:.0f} s elapsed, ~{:.0f} s left   ", done, total, what_,
             100.0 * static_cast<double>(done) / static_cast<double>(total), secs, eta);
}

void ProgressLine::finish() const {
  if (tty_ && !has_progress_sink()) fmt::print(stderr, "\n");
}

void install_interrupt_handler() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_interrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, nullptr);
}

void check_output_path(const std::string& path) {
  if (path.empty()) throw InputError("an output path is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw InputError(fmt::format("cannot write '{}': it is a directory", path));
    if (!S_ISREG(st.st_mode)) throw InputError(fmt::format("cannot write '{}': it is not a regular file", path));
  }
  // The temporary file write_file_atomically() would use, created and removed: the directory exists and takes
  // new files (this catches missing directories, /proc, read-only file systems and permissions alike).
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw InputError(fmt::format("cannot write '{}' ({}); nothing was computed", path, std::strerror(err)));
  }
  ::close(fd);
  ::unlink(tmp.c_str());
}

void check_output_prefix(const std::string& prefix, const std::vector<std::string>& suffixes) {
  if (prefix.empty()) throw InputError("--out PREFIX must not be empty");
  struct stat st {};
  if (prefix.back() == '/' || (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) {
    // PREFIX.csv next to a directory PREFIX is almost never what was meant.
    throw InputError(fmt::format("cannot write '{}*': --out {} is a directory; give a file prefix such as {}/name",
                                 prefix, prefix, prefix.back() == '/' ? prefix.substr(0, prefix.size() - 1) : prefix));
  }
  for (const auto& s : suffixes) check_output_path(prefix + s);
}

double check_time_budget(double seconds) {
  if (!(seconds > 0) || seconds > kMaxTimeBudget) {
    throw InputError(fmt::format("--time-budget must be in (0, {:g}] seconds, got {:g}", kMaxTimeBudget, seconds));
  }
  return seconds;
}

CLI::Option* add_time_budget(CLI::App* cmd, double& seconds, double default_seconds) {
  return cmd
      ->add_option("--time-budget", seconds,
                   fmt::format("wall-clock seconds for the whole command (default {:g}); on expiry the best certified "
                               "result so far is printed as not converged, exit 3",
                               default_seconds))
      ->default_val(default_seconds);
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  if (!dist::is_root()) return;  // under MPI rank 0 writes every output (app/dist.hpp)
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  const std::size_t slot = register_temp(tmp);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      unregister_temp(slot);
      throw InputError(fmt::format("cannot write '{}'", path));
    }
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      unregister_temp(slot);
      throw InputError(fmt::format("cannot write '{}' (disk full?)", path));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    unregister_temp(slot);
    throw InputError(fmt::format("cannot rename the temporary file onto '{}'", path));
  }
  unregister_temp(slot);
}

std::vector<double> cell_edges(const std::vector<double>& v, bool log_axis) {
  std::vector<double> e(v.size() + 1);
  if (v.empty()) return {};
  if (v.size() == 1) {
    e[0] = log_axis ? v[0] / 1.15 : v[0] - 0.5;
    e[1] = log_axis ? v[0] * 1.15 : v[0] + 0.5;
    return e;
  }
  for (std::size_t i = 1; i < v.size(); ++i) e[i] = log_axis ? std::sqrt(v[i - 1] * v[i]) : (v[i - 1] + v[i]) / 2;
  e.front() = log_axis ? v[0] * v[0] / e[1] : 2 * v[0] - e[1];
  e.back() = log_axis ? v.back() * v.back() / e[v.size() - 1] : 2 * v.back() - e[v.size() - 1];
  return e;
}

std::string png_script_head(const std::string& out, bool log_y, const std::string& y_label) {
  return fmt::format(
      "set terminal pngcairo size 1000,700 enhanced font 'sans,11'\n"
      "set output '{}'\n"
      "set logscale x\n{}"
      "set xlabel 'learning rate'\nset ylabel '{}'\n",
      out + ".png.tmp", log_y ? "set logscale y\n" : "", y_label);
}

std::string png_script_axes(const std::vector<double>& xe, const std::vector<double>& ye) {
  return fmt::format("set tics out\nset xrange [{}:{}]\nset yrange [{}:{}]\n", xe.front(), xe.back(), ye.front(),
                     ye.back());
}

void run_gnuplot(const std::string& out, const std::string& dat, const std::string& data, const std::string& script) {
  write_file_atomically(dat, data);
  const std::string gp = out + ".gp.tmp";
  write_file_atomically(gp, script);
  const int rc = std::system(fmt::format("gnuplot '{}' 2> '{}.gnuplot.log'", gp, out).c_str());
  std::remove(gp.c_str());
  std::remove(dat.c_str());
  if (rc != 0) {
    std::remove((out + ".png.tmp").c_str());
    throw std::runtime_error(fmt::format("gnuplot failed (see {}.gnuplot.log); is gnuplot installed?", out));
  }
  std::remove((out + ".gnuplot.log").c_str());
  if (std::rename((out + ".png.tmp").c_str(), (out + ".png").c_str()) != 0) {
    throw std::runtime_error("cannot rename the PNG into place");
  }
}

}  // namespace lyapcert::cli
