// The MPI distributor: a rank-0 queue handing out single items (dynamic balance: cells differ in cost by 100x),
// one communication thread per rank during a sweep (MPI_THREAD_SERIALIZED: no two threads call MPI at once), and
// waits that poll and sleep instead of spinning, so that a rank waiting for work leaves its core to the ranks
// still computing (Open MPI's blocking calls spin at 100 % CPU).
#include "dist_mpi.hpp"

#include <mpi.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <optional>
#include <thread>

#include "dist.hpp"
#include "dist_journal.hpp"
#include "dist_sweep.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"

namespace lyapcert::cli::dist::mpi {
namespace {

// Tags: 10 for "the job is over" (rank 0 has finished the command), then a request and a reply tag per sweep, so
// that a message of one sweep is never taken for one of another.
constexpr int kTagOver = 10;
int request_tag(std::size_t sweep) { return 12 + 2 * static_cast<int>(sweep % 1000000); }
int reply_tag(std::size_t sweep) { return 13 + 2 * static_cast<int>(sweep % 1000000); }
constexpr int kRoot = 0;
constexpr std::size_t kChunk = std::size_t{1} << 28;  // bytes per broadcast call (MPI counts are int)

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(fmt::format("MPI error in {}", what));
}

// Completes a request without spinning: test, then sleep, the sleep growing from 20 us to 2 ms.
void polite_wait(MPI_Request& req, MPI_Status* status = MPI_STATUS_IGNORE) {
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    int flag = 0;
    check(MPI_Test(&req, &flag, status), "MPI_Test");
    if (flag) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
}

void send_bytes(const std::string& s, int dest, int tag) {
  MPI_Request req;
  check(MPI_Isend(s.data(), static_cast<int>(s.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD, &req), "MPI_Isend");
  polite_wait(req);
}

std::string recv_bytes(int source, int tag, int* from = nullptr) {
  MPI_Status st;
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    int flag = 0;
    check(MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
    if (flag) break;
    if (source == kRoot) {
      // Rank 0 finished the command while this rank waits in a sweep it did not enter (its time budget ran out
      // between two sweeps): this rank's part is over too.
      check(MPI_Iprobe(kRoot, kTagOver, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE), "MPI_Iprobe");
      if (flag) throw JobOver();
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
  int count = 0;
  MPI_Get_count(&st, MPI_BYTE, &count);
  std::string s(static_cast<std::size_t>(count), '\0');
  check(MPI_Recv(s.data(), count, MPI_BYTE, st.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  if (from) *from = st.MPI_SOURCE;
  return s;
}

std::string bcast_big(std::string s) {
  std::uint64_t n = s.size();
  MPI_Request req;
  check(MPI_Ibcast(&n, 1, MPI_UINT64_T, kRoot, MPI_COMM_WORLD, &req), "MPI_Ibcast");
  polite_wait(req);
  s.resize(n);
  for (std::uint64_t off = 0; off < n; off += kChunk) {
    const int len = static_cast<int>(std::min<std::uint64_t>(kChunk, n - off));
    check(MPI_Ibcast(s.data() + off, len, MPI_BYTE, kRoot, MPI_COMM_WORLD, &req), "MPI_Ibcast");
    polite_wait(req);
  }
  return s;
}

// A worker's record of one item: done (its bytes), not done (stopped), or failed (the exception as data).
// kDoneUnderStop: done while a stop was requested (possibly cut short: kept for the partial output, not journalled).
enum Status : std::uint64_t { kDone = 0, kNotDone = 1, kFailed = 2, kDoneUnderStop = 3 };

void put_error(core::ItemWriter& w, const ItemError& e) {
  w.u64(e.kind);
  w.u64(e.index);
  w.str(e.what);
}

ItemError get_error(core::ItemReader& r) {
  ItemError e;
  e.kind = r.u64();
  e.index = r.u64();
  e.what = r.str();
  return e;
}

class MpiDistributor final : public core::Distributor {
 public:
  MpiDistributor(Journal* journal, std::atomic<bool>* follow, int rank, int size)
      : journal_(journal), follow_(follow), rank_(rank), size_(size) {}
  ~MpiDistributor() override {
    if (rank_ != kRoot) return;
    // The command is over on rank 0: a rank still waiting in a sweep rank 0 did not enter may stop waiting.
    static const char over = 1;
    for (int r = 1; r < size_; ++r) {
      MPI_Request req;
      if (MPI_Isend(&over, 1, MPI_BYTE, r, kTagOver, MPI_COMM_WORLD, &req) == MPI_SUCCESS) MPI_Request_free(&req);
    }
  }

  core::ParallelResult run(const core::SweepItems& items, const core::ParallelOptions& opt) override {
    const std::size_t sweep_no = sweeps_++;
    std::string outcome;
    if (rank_ == kRoot) {
      outcome = run_root(items, opt, sweep_no);
    } else {
      run_worker(items, opt, sweep_no);
    }
    // Every rank ends the sweep with rank 0's results, error and counts: the same slots everywhere.
    outcome = bcast_big(std::move(outcome));
    core::ItemReader r(outcome);
    const ItemError err = get_error(r);
    core::ParallelResult res;
    res.done = r.u64();
    res.stopped = r.boolean();
    if (r.boolean() && follow_) follow_->store(true);
    const std::uint64_t count = r.u64();
    for (std::uint64_t k = 0; k < count; ++k) {
      const std::size_t i = r.u64();
      const std::string bytes = r.str();
      if (rank_ != kRoot) {
        core::ItemReader ir(bytes);
        items.decode(i, ir);
      }
    }
    if (err.kind != ItemError::none) rethrow(err);
    return res;
  }

 private:
  std::string run_root(const core::SweepItems& items, const core::ParallelOptions& opt, std::size_t sweep_no) {
    RootSweep sweep(items, opt, journal_, sweep_no);
    const core::ScopeHandoff scopes;  // the command's time budget, for the communication thread
    std::thread comm([&] {
      const core::ScopeHandoff::Adopted adopted(scopes);
      int active = size_ - 1;
      while (active > 0) {
        int from = 0;
        const std::string msg = recv_bytes(MPI_ANY_SOURCE, request_tag(sweep_no), &from);
        core::ItemReader r(msg);
        const bool final = r.boolean();
        const std::uint64_t want = r.u64();
        const std::uint64_t count = r.u64();
        for (std::uint64_t k = 0; k < count; ++k) {
          const std::size_t i = r.u64();
          const std::uint64_t status = r.u64();
          if (status == kDone || status == kDoneUnderStop) {
            sweep.accept(i, r.str(), false, status == kDoneUnderStop);
          } else if (status == kFailed) {
            sweep.fail(get_error(r));
          }
        }
        if (final) {
          --active;
          continue;
        }
        core::ItemWriter reply;
        std::vector<std::size_t> give;
        for (std::uint64_t k = 0; k < want; ++k) {
          const auto i = sweep.take();
          if (!i) break;
          give.push_back(*i);
        }
        reply.u64(give.size());
        for (std::size_t i : give) reply.u64(i);
        send_bytes(reply.bytes(), from, reply_tag(sweep_no));
      }
    });
    sweep.run_local();
    comm.join();
    core::ItemWriter out;
    put_error(out, sweep.error());
    const core::ParallelResult res = sweep.result();
    out.u64(res.done);
    out.boolean(res.stopped);
    out.boolean(core::stop_requested());  // rank 0's stop (its time budget): every rank follows it
    out.u64(sweep.results().size());
    for (const auto& [i, bytes] : sweep.results()) {
      out.u64(i);
      out.str(bytes);
    }
    return out.take();
  }

  void run_worker(const core::SweepItems& items, const core::ParallelOptions& opt, std::size_t sweep_no) {
    const unsigned threads = core::parallel_threads(items.n, opt.jobs);
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::size_t> queue;
    std::size_t running = 0;
    bool no_more = false, computing_over = false, over = false;
    core::ItemWriter outbox;  // records not yet sent
    std::uint64_t outbox_count = 0;

    std::thread comm([&] {
     try {
      for (;;) {
        std::unique_lock<std::mutex> lock(mu);
        // One item queued beyond the running ones hides the round trip to rank 0.
        cv.wait_for(lock, std::chrono::milliseconds(20), [&] {
          return computing_over || (!no_more && queue.size() + running < threads + 1);
        });
        if (computing_over || no_more) {
          if (!computing_over) continue;
          core::ItemWriter msg;
          msg.boolean(true);
          msg.u64(0);
          msg.u64(outbox_count);
          const std::string bytes = msg.take() + outbox.take();
          lock.unlock();
          send_bytes(bytes, kRoot, request_tag(sweep_no));
          return;
        }
        if (queue.size() + running >= threads + 1) continue;
        const std::uint64_t want = threads + 1 - queue.size() - running;
        core::ItemWriter msg;
        msg.boolean(false);
        msg.u64(want);
        msg.u64(outbox_count);
        const std::string bytes = msg.take() + outbox.take();
        outbox = core::ItemWriter();
        outbox_count = 0;
        lock.unlock();
        send_bytes(bytes, kRoot, request_tag(sweep_no));
        const std::string reply = recv_bytes(kRoot, reply_tag(sweep_no));
        core::ItemReader r(reply);
        const std::uint64_t count = r.u64();
        lock.lock();
        for (std::uint64_t k = 0; k < count; ++k) queue.push_back(r.u64());
        if (count == 0) no_more = true;
        cv.notify_all();
      }
     } catch (const JobOver&) {
      const std::lock_guard<std::mutex> lock(mu);
      over = no_more = true;
      cv.notify_all();
     }
    });

    std::atomic<bool> exhausted{false};
    core::ParallelOptions po;
    po.jobs = opt.jobs;
    po.cancel = &exhausted;
    core::parallel_for(items.n, po, [&](std::size_t, unsigned worker) {
      std::size_t i = 0;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || no_more; });
        if (queue.empty()) {
          exhausted.store(true);
          return;
        }
        i = queue.front();
        queue.pop_front();
        ++running;
      }
      // A stop (the budget, an interrupt) after the item was handed out: reported as not done.
      std::optional<std::string> bytes;
      ItemError err;
      if (!core::stop_requested()) {
        try {
          bytes = compute_item(items, i, worker);
        } catch (...) {
          err = capture_error(i);
        }
      }
      core::ItemWriter rec;
      rec.u64(i);
      const bool under_stop = core::stop_requested();
      rec.u64(err.kind != ItemError::none ? kFailed : !bytes ? kNotDone : under_stop ? kDoneUnderStop : kDone);
      if (bytes) rec.str(*bytes);
      if (err.kind != ItemError::none) put_error(rec, err);
      const std::lock_guard<std::mutex> lock(mu);
      outbox.raw(rec.bytes());
      ++outbox_count;
      --running;
      cv.notify_all();
    });
    {
      const std::lock_guard<std::mutex> lock(mu);
      computing_over = true;
      cv.notify_all();
    }
    comm.join();
    if (over) throw JobOver();
  }

  Journal* journal_;
  std::atomic<bool>* follow_;  // the other ranks: set when rank 0 has stopped
  int rank_, size_;
  std::size_t sweeps_ = 0;
};

}  // namespace

void init(int& argc, char**& argv, int& rank, int& size) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    fmt::print(stderr, "lyapcert: internal error: this MPI does not support MPI_THREAD_SERIALIZED\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
}

void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::string bcast_string(const std::string& s) { return bcast_big(s); }

std::unique_ptr<core::Distributor> make_distributor(Journal* journal, std::atomic<bool>* follow) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::make_unique<MpiDistributor>(journal, follow, rank, size);
}

}  // namespace lyapcert::cli::dist::mpi
