// Stopping long computations: the process-wide interrupt flag, stop tokens (a deadline and/or a caller's flag)
// and the stop scope through which they reach inner loops (docs/architecture.md, "Stopping").
//
// * The interrupt flag is the library's one piece of global state. The CLI's SIGINT/SIGTERM handler sets it
//   (request_interrupt() is a lock-free atomic store, async-signal-safe); parallel_for and the long loops read
//   it and stop. Nothing in the library sets it otherwise.
// * A StopToken is a value: a deadline (a time budget) and/or a pointer to a caller's std::atomic<bool>. It is
//   passed explicitly (lyap::Accuracy::stop, the options of the long routines).
// * A StopScope makes a token visible to the inner loops of the calling thread (quadratures, series, sweeps)
//   without threading it through every signature; parallel_for hands the caller's scope to its workers.
//   stop_requested() = the interrupt flag, or any token of the scopes enclosing the calling code.
//
// A routine that notices a stop returns what it has certified so far (flagged as not converged: a wider
// enclosure is still an enclosure) or, for an interrupt, throws Interrupted; a stop never produces a value that
// claims more than was computed.
#pragma once
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

namespace lyapcert::core {

using Clock = std::chrono::steady_clock;

// Sets the process-wide interrupt flag. Async-signal-safe (a lock-free atomic store).
void request_interrupt() noexcept;
// True once request_interrupt() was called (until clear_interrupt()).
bool interrupt_requested() noexcept;
// Clears the flag (tests, or a host that handled the interrupt and goes on).
void clear_interrupt() noexcept;

// Thrown by routines that were stopped by the interrupt flag; the CLI maps it to exit status 130.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(const std::string& what = "interrupted") : std::runtime_error(what) {}
};
// Thrown by a routine whose time budget (a StopScope's deadline) ended before it had any result to return (a
// routine with a partial certified result returns that instead, flagged as not converged). The CLI maps it to
// exit status 3 with the message.
class BudgetExhausted : public std::runtime_error {
 public:
  explicit BudgetExhausted(const std::string& what) : std::runtime_error(what) {}
};
// Throws Interrupted(what) when the interrupt flag is set.
void throw_if_interrupted(const std::string& what = "interrupted");

// A stop condition: a deadline and/or a caller's flag. The default token never stops by itself.
class StopToken {
 public:
  StopToken() = default;
  // A token whose deadline is `seconds` from now (+inf or > 10^9 s: no deadline).
  static StopToken after_seconds(double seconds);
  // This token with the earlier of the two deadlines and `flag` (not owned; must outlive the token) added.
  StopToken with_deadline(Clock::time_point deadline) const;
  StopToken with_flag(const std::atomic<bool>* flag) const;
  bool has_deadline() const noexcept { return deadline_ != Clock::time_point::max(); }
  Clock::time_point deadline() const noexcept { return deadline_; }
  // Seconds until the deadline (negative once passed; +inf without a deadline).
  double seconds_left() const noexcept;
  // The deadline has passed or the flag is set (the interrupt flag is not included: see stop_requested()).
  bool expired() const noexcept;

 private:
  Clock::time_point deadline_ = Clock::time_point::max();
  const std::atomic<bool>* flag_ = nullptr;
};

// Makes `token` part of the calling thread's stop condition until the scope ends (scopes nest: any enclosing
// token stops the inner code too). The token is copied.
class StopScope {
 public:
  explicit StopScope(const StopToken& token) noexcept;
  ~StopScope();
  StopScope(const StopScope&) = delete;
  StopScope& operator=(const StopScope&) = delete;

 private:
  friend bool stop_requested() noexcept;
  friend bool scope_expired() noexcept;
  friend double scope_seconds_left() noexcept;
  friend class ScopeHandoff;
  StopToken token_;
  const StopScope* parent_;
};

// The interrupt flag or an expired token of the calling thread's scopes. Cheap (a clock read per scope with a
// deadline): call it between units of work of about a millisecond or more.
bool stop_requested() noexcept;
// An expired token of the calling thread's scopes (the budget), ignoring the interrupt flag.
bool scope_expired() noexcept;
// Seconds until the earliest deadline of the calling thread's scopes (+inf when none has a deadline).
double scope_seconds_left() noexcept;

// Carries the calling thread's scopes to another thread (parallel_for's workers): construct it in the caller,
// then call adopt() in the worker for the worker's lifetime. The caller's scopes must outlive the worker.
class ScopeHandoff {
 public:
  ScopeHandoff() noexcept;
  // Installs the captured scopes as the calling (worker) thread's; restores the previous ones on destruction.
  class Adopted {
   public:
    explicit Adopted(const ScopeHandoff& h) noexcept;
    ~Adopted();
    Adopted(const Adopted&) = delete;
    Adopted& operator=(const Adopted&) = delete;

   private:
    const StopScope* saved_;
  };

 private:
  const StopScope* top_;
};

}  // namespace lyapcert::core
