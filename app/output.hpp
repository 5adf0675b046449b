// Output helpers shared by the subcommands: the common JSON fields, certified values, exit codes.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "lyapcert/lyap/lyap1d.hpp"

namespace lyapcert::cli {

// Exit statuses of the output contract (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitNotConverged = 3;

nlohmann::ordered_json common_fields(const std::string& command);
// x as a JSON number, or null when x is not finite (JSON has no inf or NaN).
inline nlohmann::ordered_json finite_or_null(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}
// {"lower", "upper", "sign"} of a certified value, plus the printed DecimalEnclosure.
nlohmann::ordered_json certified_json(const lyap::CertifiedValue& v, int digits,
                                      lyap::DecimalEnclosure* printed = nullptr);
// Law text for the "law" field: canonical, shortened beyond 64 KiB (flagged by "law_truncated").
void put_law(nlohmann::ordered_json& j, const std::string& canonical_law);
// Reads --law: the text itself, or the contents of a file for "@path" (app/input_files.cpp: at most 64 MiB,
// regular files and pipes only).
std::string read_law_argument(const std::string& arg);

// Interruption (exit 130) and atomic file output (docs/cli.md, "Interrupting, time budgets, outputs").
// install_interrupt_handler(): SIGINT/SIGTERM set the library's interrupt flag (core::request_interrupt); the
// computation stops at its next check and the command exits 130 (main() maps core::Interrupted). If it has not
// ended kGraceSeconds later, or on a second signal, every registered temporary file is removed and the process
// exits 130 at once. write_file_atomically() writes to "<path>.tmp.<pid>" in the same directory and renames only
// on success, so an output file is either the old one, the complete new one, or absent, never truncated.
inline constexpr unsigned kGraceSeconds = 1;
inline constexpr int kExitInterrupted = 130;
void install_interrupt_handler();

// Refuses an output path before anything is computed (InputError, exit 2): a directory, an existing non-regular
// file, or a place where the temporary file of write_file_atomically() cannot be created (missing directory,
// /proc, read-only, no permission).
void check_output_path(const std::string& path);
// check_output_path(prefix + s) for every suffix; also refuses a prefix that is a directory (or ends in '/').
void check_output_prefix(const std::string& prefix, const std::vector<std::string>& suffixes);

// --time-budget SECONDS, one meaning for every command (docs/cli.md): wall clock for the whole command. When it
// runs out the computation stops (core::StopScope), the best certified result so far is printed with
// converged / complete false, and the exit status is 3; nothing certified yet: a message and exit 3.
inline constexpr double kDefaultTimeBudget = 600;
inline constexpr double kMaxTimeBudget = 1e6;
CLI::Option* add_time_budget(CLI::App* cmd, double& seconds, double default_seconds = kDefaultTimeBudget);
// The checked value (InputError outside (0, kMaxTimeBudget]).
double check_time_budget(double seconds);

// A host that runs the commands in-process (the Python module: a tqdm bar) takes their progress here instead of
// the terminal line: while a sink is set, every progress report of the commands (ProgressLine and the
// commands' own counters) goes to it, whether or not stderr is a terminal. Called from worker threads: the sink
// must be thread-safe and cheap. An empty function removes the sink.
using ProgressSink = std::function<void(const std::string& what, std::size_t done, std::size_t total)>;
void set_progress_sink(ProgressSink sink);
// Reports to the sink; false (nothing done) when there is none.
bool report_progress(const std::string& what, std::size_t done, std::size_t total);
bool has_progress_sink();

// Progress of a sweep on stderr, "\r<done>/<total> <what> (<pct>%), <t> s elapsed, ~<eta> s left", only when
// stderr is a terminal. Call with (done, total) from the sweep's callback; finish() ends the line.
class ProgressLine {
 public:
  explicit ProgressLine(std::string what);
  void operator()(std::size_t done, std::size_t total) const;
  void finish() const;

 private:
  std::string what_;
  bool tty_;
  std::chrono::steady_clock::time_point t0_;
};
void write_file_atomically(const std::string& path, const std::string& contents);

// Cell edges of a sorted grid axis for the phase-diagram PNGs (heat maps): between neighbours the geometric
// midpoint (log axes; the cells of models::GridPoint::cell) or the arithmetic one, the outer edges mirrored, so
// the cells tile the plotted range; a single value gets [v / 1.15, v * 1.15] (log) or [v - 1/2, v + 1/2].
std::vector<double> cell_edges(const std::vector<double>& axis, bool log_axis);

// The gnuplot driver of the phase-diagram PNGs (two-layer, vector and diagonal diagram). A script opens with
// png_script_head (PNG terminal writing <out>.png.tmp, log learning-rate axis, axis labels), sets its own title,
// key and colours, then png_script_axes (axes ending at the outer cell edges xe, ye), then its plot command.
std::string png_script_head(const std::string& out, bool log_y, const std::string& y_label);
std::string png_script_axes(const std::vector<double>& xe, const std::vector<double>& ye);
// Writes the data blocks to `dat` and the script to <out>.gp.tmp, runs gnuplot and moves <out>.png.tmp to
// <out>.png. The temporary files go once gnuplot has run; a failed run leaves no PNG (its log <out>.gnuplot.log
// stays for the user) and throws.
void run_gnuplot(const std::string& out, const std::string& dat, const std::string& data, const std::string& script);

}  // namespace lyapcert::cli
