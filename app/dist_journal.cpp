#include "dist_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "lyapcert/exact/error.hpp"

namespace lyapcert::cli::dist {
namespace {

constexpr const char* kMagic = "lyapcert-journal 1";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool from_hex(const std::string& hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t k = 0; k < hex.size(); k += 2) {
    const int hi = hex_digit(hex[k]), lo = hex_digit(hex[k + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> f;
  std::istringstream in(line);
  std::string w;
  while (in >> w) f.push_back(w);
  return f;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void write_all(int fd, const std::string& s, const std::string& path) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t w = ::write(fd, s.data() + off, s.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("cannot write the journal '{}' ({})", path, std::strerror(errno)));
    }
    off += static_cast<std::size_t>(w);
  }
}

}  // namespace

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::uint32_t crc32(const std::string& text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  return crc.checksum();
}

Journal::Journal(const std::string& path, const std::string& identity, bool resume) : path_(path) {
  const std::string header_body = fmt::format("{} {}", kMagic, to_hex(identity));
  const std::string header = fmt::format("{} {:08x}\n", header_body, crc32(header_body));
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) throw InputError(fmt::format("--journal '{}' is not a regular file", path));
  if (exists && !resume) {
    throw InputError(fmt::format(
        "--journal '{}' exists: pass --resume to continue the job it records, or remove it to start afresh", path));
  }
  if (!exists || st.st_size == 0) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(fmt::format("cannot create --journal '{}' ({})", path, std::strerror(errno)));
    write_all(fd_, header, path_);
    ::fsync(fd_);
    ::close(fd_);
  } else {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw InputError(fmt::format("cannot read --journal '{}'", path));
    const std::size_t first_nl = text.find('\n');
    if (first_nl == std::string::npos || text.compare(0, std::strlen(kMagic), kMagic) != 0) {
      throw InputError(fmt::format("--journal '{}' is not a lyapcert journal (no header line); refusing to use it", path));
    }
    const std::string head = text.substr(0, first_nl + 1);
    if (head != header) {
      // Name the job that wrote it when its header is intact.
      const auto f = split(head);
      std::string theirs;
      if (f.size() == 4 && from_hex(f[2], theirs) && fmt::format("{:08x}", crc32(f[0] + " " + f[1] + " " + f[2])) == f[3]) {
        throw InputError(fmt::format(
            "--journal '{}' belongs to another job; refusing to mix it in.\n  journal: {}\n  this job: {}", path,
            theirs, identity));
      }
      throw InputError(fmt::format("--journal '{}': damaged header line; refusing to use it", path));
    }
    // Records; the last line without its newline is a write cut short by a kill: dropped and cut off.
    std::size_t pos = first_nl + 1, good_end = pos, line_no = 1;
    while (pos < text.size()) {
      const std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) break;  // torn last line
      ++line_no;
      const std::string line = text.substr(pos, nl - pos);
      const auto f = split(line);
      const std::size_t cut = line.rfind(' ');
      bool ok = f.size() == 6 && cut != std::string::npos &&
                fmt::format("{:08x}", crc32(line.substr(0, cut))) == f[5];
      std::string bytes;
      std::size_t sweep = 0, n = 0, idx = 0;
      if (ok) {
        try {
          sweep = std::stoull(f[0]);
          n = std::stoull(f[2]);
          idx = std::stoull(f[3]);
        } catch (const std::exception&) {
          ok = false;
        }
        ok = ok && idx < n && from_hex(f[4], bytes);
      }
      if (!ok) {
        throw InputError(fmt::format("--journal '{}' is damaged at line {} (checksum or format); refusing to use it",
                                     path, line_no));
      }
      Sweep& s = sweeps_[sweep];
      if (s.items.empty() && s.name.empty()) {
        s.name = f[1];
        s.n = n;
      } else if (s.name != f[1] || s.n != n) {
        throw InputError(fmt::format("--journal '{}' is damaged at line {} (sweep {} changes its name or size)", path,
                                     line_no, sweep));
      }
      const auto [it, fresh] = s.items.emplace(idx, bytes);
      if (!fresh && it->second != bytes) {
        throw InputError(fmt::format("--journal '{}' is damaged at line {} (two different results for item {})", path,
                                     line_no, idx));
      }
      ++records_read_;
      pos = nl + 1;
      good_end = pos;
    }
    if (good_end < text.size() && ::truncate(path.c_str(), static_cast<off_t>(good_end)) != 0) {
      throw InputError(fmt::format("cannot cut the torn last line of --journal '{}' ({})", path, std::strerror(errno)));
    }
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw InputError(fmt::format("cannot append to --journal '{}' ({})", path, std::strerror(errno)));
  last_sync_ = now_seconds();
}

Journal::~Journal() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

std::map<std::size_t, std::string> Journal::recorded(std::size_t sweep, const std::string& name, std::size_t n) const {
  const auto it = sweeps_.find(sweep);
  if (it == sweeps_.end()) return {};
  if (it->second.name != name || it->second.n != n) {
    throw InputError(fmt::format(
        "--journal '{}' does not match this job: its sweep {} is '{}' with {} items, this job's is '{}' with {}",
        path_, sweep, it->second.name, it->second.n, name, n));
  }
  return it->second.items;
}

void Journal::append(std::size_t sweep, const std::string& name, std::size_t n, std::size_t index,
                     const std::string& bytes) {
  const std::string body = fmt::format("{} {} {} {} {}", sweep, name, n, index, to_hex(bytes));
  const std::string line = fmt::format("{} {:08x}\n", body, crc32(body));
  const std::lock_guard<std::mutex> lock(mu_);
  write_all(fd_, line, path_);
  // A process kill loses nothing written (the page cache survives it); a node crash loses at most the last second.
  const double t = now_seconds();
  if (t - last_sync_ > 1.0) {
    ::fdatasync(fd_);
    last_sync_ = t;
  }
}

}  // namespace lyapcert::cli::dist
