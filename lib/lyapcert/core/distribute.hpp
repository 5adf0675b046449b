// Sweeps that can run beyond the calling process: item results as exact bytes, and a distributor (MPI ranks, a
// journal on disk) installed by the caller for the calling thread.
//
// * A sweep is parallel_for plus two functions that turn the result in slot i into bytes and back exactly
//   (binary64 bit patterns, exact rationals as text, Arb balls as Arb's exact dump): decode(encode(slot)) must
//   reproduce the slot, so a result computed on another rank, or read back from a journal after a kill, gives
//   the same output bytes as one computed here.
// * distributed_for() runs the sweep through the calling thread's Distributor (a DistributeScope) when there
//   is one, else it is parallel_for. The library stays free of MPI and files: the command-line tool installs the
//   distributor (app/dist.hpp). Only the thread that installed the scope sees it; a sweep started inside an item
//   (another thread) is an ordinary parallel_for.
// * A distributor keeps parallel_for's contract: slot i holds item i's result whatever the ranks and threads;
//   items already done (a journal) or computed elsewhere are decoded into their slots; it counts the items
//   done; the exception of the lowest failing index is rethrown (on every rank).
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lyapcert/core/parallel.hpp"

namespace lyapcert::core {

// Bytes of one item's result. Fixed-width little-endian integers, binary64 as its bit pattern, strings with
// their length: exact and independent of the host's locale.
class ItemWriter {
 public:
  void u64(std::uint64_t x) {
    for (int k = 0; k < 8; ++k) buf_.push_back(static_cast<char>((x >> (8 * k)) & 0xff));
  }
  void i64(std::int64_t x) { u64(static_cast<std::uint64_t>(x)); }
  void boolean(bool b) { buf_.push_back(b ? 1 : 0); }
  void f64(double x) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    u64(bits);
  }
  void str(std::string_view s) {
    u64(s.size());
    buf_.append(s);
  }
  // Bytes another writer produced, appended as they are (a list of records).
  void raw(std::string_view bytes) { buf_.append(bytes); }
  const std::string& bytes() const noexcept { return buf_; }
  std::string take() noexcept { return std::move(buf_); }

 private:
  std::string buf_;
};

// Reads what ItemWriter wrote; std::runtime_error on bytes that end early or a bad flag (a damaged record).
class ItemReader {
 public:
  explicit ItemReader(std::string_view bytes) : s_(bytes) {}
  std::uint64_t u64() {
    need(8);
    std::uint64_t x = 0;
    for (int k = 0; k < 8; ++k) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(s_[pos_ + k])) << (8 * k);
    pos_ += 8;
    return x;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  bool boolean() {
    need(1);
    const char c = s_[pos_++];
    if (c != 0 && c != 1) throw std::runtime_error("damaged item record (a flag is neither 0 nor 1)");
    return c == 1;
  }
  double f64() {
    const std::uint64_t bits = u64();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  }
  std::string str() {
    const std::uint64_t n = u64();
    need(n);
    std::string out(s_.substr(pos_, n));
    pos_ += n;
    return out;
  }
  bool at_end() const noexcept { return pos_ == s_.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > s_.size() - pos_) throw std::runtime_error("damaged item record (it ends early)");
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

// One sweep: n items, computed into slots by compute(i, worker) (false: stopped before the item had a result,
// not done), turned into bytes by encode and back by decode.
struct SweepItems {
  std::string name;  // identifies the sweep in a journal ("phase-diagram/points"; no spaces)
  std::size_t n = 0;
  std::function<bool(std::size_t i, unsigned worker)> compute;
  std::function<void(std::size_t i, ItemWriter& out)> encode;
  std::function<void(std::size_t i, ItemReader& in)> decode;
  // Optional, consulted on the root only (rank 0, or the one process): items whose slot already holds a result
  // (the caller resumed them from its own journal) are neither computed nor handed out, and count as done.
  std::function<bool(std::size_t i)> already_done;
  // Optional, called on the root only, one call at a time: item i's result is in its slot (computed there or on
  // another rank; not for already_done items nor items read back from the distributor's journal).
  std::function<void(std::size_t i)> on_result;
};

class Distributor {
 public:
  virtual ~Distributor() = default;
  // Runs the sweep (opt: threads per process, cancel flag, progress of the whole sweep).
  virtual ParallelResult run(const SweepItems& items, const ParallelOptions& opt) = 0;
};

// Installs `d` (not owned; may be null) as the calling thread's distributor until the scope ends (scopes nest).
class DistributeScope {
 public:
  explicit DistributeScope(Distributor* d) noexcept;
  ~DistributeScope();
  DistributeScope(const DistributeScope&) = delete;
  DistributeScope& operator=(const DistributeScope&) = delete;

 private:
  Distributor* saved_;
};

// The calling thread's distributor, or null.
Distributor* current_distributor() noexcept;

// The sweep through current_distributor(), or parallel_for(items.n, opt, compute) without one. The result
// counts the items whose compute returned true (decoded ones included).
ParallelResult distributed_for(const SweepItems& items, const ParallelOptions& opt);

}  // namespace lyapcert::core
