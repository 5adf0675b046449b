#include "output.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

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

void on_interrupt(int) {
  for (std::size_t i = 0; i < kMaxTemps; ++i) {
    if (g_temp_used[i].load()) ::unlink(g_temps[i].data());  // async-signal-safe
  }
  static const char msg[] = "lyapcert: interrupted\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  ::_exit(130);
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

ProgressLine::ProgressLine(std::string what)
    : what_(std::move(what)), tty_(::isatty(2) != 0), t0_(std::chrono::steady_clock::now()) {}

void ProgressLine::operator()(std::size_t done, std::size_t total) const {
  if (!tty_ || total == 0) return;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const double eta = done == 0 ? 0.0 : secs / static_cast<double>(done) * static_cast<double>(total - done);
  fmt::print(stderr, "\r{}/{} {} ({:.0f}%), {:.0f} s elapsed, ~{:.0f} s left   ", done, total, what_,
             100.0 * static_cast<double>(done) / static_cast<double>(total), secs, eta);
}

void ProgressLine::finish() const {
  if (tty_) fmt::print(stderr, "\n");
}

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

void write_file_atomically(const std::string& path, const std::string& contents) {
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

}  // namespace lyapcert::cli
