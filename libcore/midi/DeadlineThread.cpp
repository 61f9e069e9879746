#include "midi/DeadlineThread.hpp"

#include "session/Session.hpp"

#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#include <cerrno>

namespace linktools::midi {

namespace {

// If the thread falls this far behind (a stalled write), it skips ahead
// instead of sending a burst of stale events.
constexpr HostTime kMaxLag{50'000};
// A timer wakes a thread tens of microseconds late at best, and a virtual
// machine adds more (the build VM: 48 us at the median, 89 us at the 90th
// percentile). So the thread sleeps to this much before an event and then
// watches the clock until the event is due, and the event leaves on the
// microsecond whenever the wake-up was early enough. The busy wait is what
// is left of the margin after the wake-up: about 50 us an event there, for
// the clock's 48 ticks a second at 120 BPM a quarter of a percent of a core.
constexpr HostTime kSpin{100};
// How long before a window begins it is rendered: more than any wake-up
// takes but for a stall, so that the window's first event is ahead of the
// thread like the others. A tempo change reaches the window's events this
// much later (next to kWindow itself).
constexpr HostTime kRenderAhead{1000};

struct Collector final : EventSink {
  std::vector<Event>* out = nullptr;
  void emit(const Event& e) noexcept override {
    try {
      out->push_back(e);
    } catch (...) {
      // Capacity is reserved up front; an allocation failure drops the event.
    }
  }
};

// Link's clock is CLOCK_MONOTONIC_RAW, which clock_nanosleep does not take.
// Sleep on CLOCK_MONOTONIC instead, converting through a pair of readings
// taken just before sleeping: the two clocks differ in rate by at most the
// NTP slew (500 ppm), a few ns over a window.
void sleep_until(const Session& session, HostTime deadline) {
  for (;;) {
    timespec mono{};
    clock_gettime(CLOCK_MONOTONIC, &mono);
    const HostTime remaining = deadline - session.now();
    if (remaining <= HostTime{0}) return;
    long long ns = static_cast<long long>(mono.tv_nsec) + remaining.count() * 1000;
    timespec target{mono.tv_sec + static_cast<time_t>(ns / 1'000'000'000),
                    static_cast<long>(ns % 1'000'000'000)};
    const int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nullptr);
    if (rc != EINTR) return;
  }
}

// Sleeps to kSpin before `deadline`, then waits for it on the clock.
void wait_until(const Session& session, HostTime deadline) {
  sleep_until(session, deadline - kSpin);
  while (session.now() < deadline) {
  }
}

void tune_thread() {
  // Wake on time: no timer slack (default 50 us), and real-time priority
  // when the system grants it (it is fine when it does not).
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  sched_param param{};
  param.sched_priority = 10;
  pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
}

} // namespace

DeadlineThread::DeadlineThread(Writer writer) : writer_(std::move(writer)) {
  pending_.reserve(1024);
}

DeadlineThread::~DeadlineThread() { stop(); }

void DeadlineThread::start(Session& session, EventSource& source) {
  session_ = &session;
  source_ = &source;
  thread_ = std::thread([this] { run(); });
}

void DeadlineThread::run() {
  tune_thread();
  Collector collect;
  collect.out = &pending_;
  HostTime cursor = session_->now();
  while (!stopping_.load(std::memory_order_acquire) && !broken_) {
    if (session_->now() - cursor > kMaxLag) cursor = session_->now();
    const HostTime to = cursor + kWindow;
    pending_.clear();
    source_->render(session_->capture_app_state(), cursor, to, collect);
    std::size_t i = 0;
    for (; i < pending_.size() && !broken_; ++i) {
      // Once stopping, what is rendered goes out at once: a note-off the
      // source believes sent must not be lost.
      if (!stopping_.load(std::memory_order_acquire)) wait_until(*session_, pending_[i].time);
      broken_ = !writer_(pending_[i], session_->now());
    }
    pending_.clear();
    // The next window is rendered kRenderAhead before it begins, so that an
    // event at its very start is waited for on the clock like any other.
    // Sleeping to the window's start itself sent such an event as late as
    // the timer woke the thread: about 1 % of the clock's ticks, the p99.
    if (!stopping_.load(std::memory_order_acquire)) sleep_until(*session_, to - kRenderAhead);
    cursor = to;
  }
}

void DeadlineThread::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  thread_.join();
  if (broken_) return;
  Collector collect;
  collect.out = &pending_;
  pending_.clear();
  source_->finish(session_->now(), collect);
  for (const auto& e : pending_)
    if (!writer_(e, session_->now())) break;
  pending_.clear();
}

} // namespace linktools::midi
