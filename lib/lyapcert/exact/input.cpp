#include "lyapcert/exact/input.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "lyapcert/exact/error.hpp"

namespace lyapcert {
namespace {

std::string size_text(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

// Why a file of this type is not read, or "" for the two kinds that are (regular files and pipes/FIFOs).
const char* refused_type(mode_t mode) {
  if (S_ISREG(mode) || S_ISFIFO(mode)) return "";
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISCHR(mode)) return "is a character device, not a regular file or a pipe";
  if (S_ISBLK(mode)) return "is a block device, not a regular file or a pipe";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file or a pipe";
  return "is not a regular file or a pipe";
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

std::string read_input_file(const std::string& path, std::string_view what, std::size_t max_bytes) {
  const auto fail = [&](const std::string& why) {
    throw InputError(fmt::format("cannot read {} '{}': {}", what, printable(path), why));
  };
  const auto too_big = [&] {
    throw InputError(fmt::format("{} '{}' exceeds the limit of {}", what, printable(path), size_text(max_bytes)));
  };
  if (path.empty()) fail("the file name is empty");
  // The type is checked before open(): opening a device can have effects of its own.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(errno_text(errno));
  if (const char* why = refused_type(st.st_mode); *why) fail(why);
  if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > max_bytes) too_big();
  int raw = -1;
  do {
    raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (raw < 0 && errno == EINTR);
  if (raw < 0) fail(errno_text(errno));
  const Fd fd(raw);
  if (::fstat(fd.get(), &st) != 0) fail(errno_text(errno));
  if (const char* why = refused_type(st.st_mode); *why) fail(why);  // replaced between stat() and open()
  // Streamed in any case: a regular file may grow while it is read, and /proc files report size 0.
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size) + 1);
  constexpr std::size_t kChunk = std::size_t{1} << 16;
  while (true) {
    if (text.size() > max_bytes) too_big();
    const std::size_t want = std::min(kChunk, max_bytes + 1 - text.size());
    const std::size_t old = text.size();
    text.resize(old + want);
    const ssize_t n = ::read(fd.get(), text.data() + old, want);
    if (n < 0) {
      const int err = errno;
      text.resize(old);
      if (err == EINTR) continue;
      fail(errno_text(err));
    }
    text.resize(old + static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  return text;
}

std::size_t json_nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void check_json_nesting(std::string_view text, const std::string& source, std::size_t max_depth) {
  const std::size_t depth = json_nesting_depth(text);
  if (depth > max_depth) {
    throw InputError(fmt::format("{}: JSON nested {} levels deep, more than the limit of {}", printable(source),
                                 depth, max_depth));
  }
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto escape = [&out](unsigned char b) { out += fmt::format("\\x{:02x}", b); };
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = s[i];
    if (b < 0x80) {
      if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f) {
        escape(b);
      } else {
        out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte (RFC 3629, section 4): this excludes overlong forms,
    // UTF-16 surrogates and code points above U+10FFFF.
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b == 0xe0) lo = 0xa0;
      if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b == 0xf0) lo = 0x90;
      if (b == 0xf4) hi = 0x8f;
    }
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const unsigned char c = s[i + k];
      ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xbf);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      escape(b);  // one byte at a time: the next byte may start a valid sequence
      ++i;
    }
  }
  return out;
}

}  // namespace lyapcert
