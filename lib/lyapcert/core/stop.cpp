#include "lyapcert/core/stop.hpp"

#include <algorithm>
#include <cmath>

namespace lyapcert::core {
namespace {

std::atomic<bool> g_interrupt{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the interrupt flag is set from a signal handler");

thread_local const StopScope* t_scope = nullptr;

}  // namespace

void request_interrupt() noexcept { g_interrupt.store(true, std::memory_order_relaxed); }
bool interrupt_requested() noexcept { return g_interrupt.load(std::memory_order_relaxed); }
void clear_interrupt() noexcept { g_interrupt.store(false, std::memory_order_relaxed); }

void throw_if_interrupted(const std::string& what) {
  if (interrupt_requested()) throw Interrupted(what);
}

StopToken StopToken::after_seconds(double seconds) {
  StopToken t;
  if (std::isnan(seconds) || seconds > 1e9) return t;
  if (seconds < 0) seconds = 0;
  t.deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  return t;
}

StopToken StopToken::with_deadline(Clock::time_point deadline) const {
  StopToken t = *this;
  if (deadline < t.deadline_) t.deadline_ = deadline;
  return t;
}

StopToken StopToken::with_flag(const std::atomic<bool>* flag) const {
  StopToken t = *this;
  t.flag_ = flag;
  return t;
}

double StopToken::seconds_left() const noexcept {
  if (!has_deadline()) return INFINITY;
  return std::chrono::duration<double>(deadline_ - Clock::now()).count();
}

bool StopToken::expired() const noexcept {
  if (flag_ && flag_->load(std::memory_order_relaxed)) return true;
  return has_deadline() && Clock::now() >= deadline_;
}

StopScope::StopScope(const StopToken& token) noexcept : token_(token), parent_(t_scope) { t_scope = this; }
StopScope::~StopScope() { t_scope = parent_; }

bool scope_expired() noexcept {
  for (const StopScope* s = t_scope; s; s = s->parent_) {
    if (s->token_.expired()) return true;
  }
  return false;
}

double scope_seconds_left() noexcept {
  double left = INFINITY;
  for (const StopScope* s = t_scope; s; s = s->parent_) left = std::min(left, s->token_.seconds_left());
  return left;
}

bool stop_requested() noexcept { return interrupt_requested() || scope_expired(); }

ScopeHandoff::ScopeHandoff() noexcept : top_(t_scope) {}
ScopeHandoff::Adopted::Adopted(const ScopeHandoff& h) noexcept : saved_(t_scope) { t_scope = h.top_; }
ScopeHandoff::Adopted::~Adopted() { t_scope = saved_; }

}  // namespace lyapcert::core
