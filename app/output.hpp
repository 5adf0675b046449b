// Output helpers shared by the subcommands: the common JSON fields, certified values, exit codes.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>

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

// Interruption (exit 130) and atomic file output. install_interrupt_handler() makes SIGINT/SIGTERM
// remove every registered temporary file and exit with status 130. write_file_atomically() writes to
// "<path>.tmp.<pid>" and renames only on success, so no half-written output is ever left behind.
void install_interrupt_handler();

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

}  // namespace lyapcert::cli
