// The journal of a long sweep (--journal FILE, --resume): an append-only text file, one line per completed work
// item with its exact result bytes and a CRC-32, after a header that identifies the job (version, commit, the
// options that change results, the contents of the input files). docs/cluster.md describes the format.
//
// * A journal of another job, or one damaged anywhere but in its last line, is refused (InputError, exit 2):
//   nothing is mixed into a result that did not come from this job.
// * A last line without its newline (the process was killed in the middle of writing it) is dropped and cut off
//   before anything is appended.
#pragma once
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace lyapcert::cli::dist {

class Journal {
 public:
  // Opens `path` for the job `identity` (one line of text): resume = false needs a new file; resume = true
  // reads an existing one (or starts a new one when there is none). InputError for a foreign or damaged journal.
  Journal(const std::string& path, const std::string& identity, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Items of the sweep-th sweep of this job already in the journal (index -> result bytes). InputError when the
  // journal's sweep of that number has another name or size.
  std::map<std::size_t, std::string> recorded(std::size_t sweep, const std::string& name, std::size_t n) const;
  // Appends one record (one write(2) call, thread-safe).
  void append(std::size_t sweep, const std::string& name, std::size_t n, std::size_t index, const std::string& bytes);
  const std::string& path() const noexcept { return path_; }
  std::size_t records_read() const noexcept { return records_read_; }

 private:
  struct Sweep {
    std::string name;
    std::size_t n = 0;
    std::map<std::size_t, std::string> items;
  };
  std::string path_;
  int fd_ = -1;
  std::map<std::size_t, Sweep> sweeps_;
  std::size_t records_read_ = 0;
  std::mutex mu_;
  double last_sync_ = 0;
};

// Hex of bytes, and back (std::nullopt-free: InputError names the journal on a bad digit).
std::string to_hex(const std::string& bytes);
// CRC-32 (IEEE) of text.
std::uint32_t crc32(const std::string& text);

}  // namespace lyapcert::cli::dist
