#include <doctest/doctest.h>

#include "midi/DeadlineThread.hpp"
#include "session/Session.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

using namespace linktools;
using namespace linktools::midi;

namespace {

// One event at the very start of every window, and when each window was
// asked for. Link is never enabled: the session is only its clock.
struct WindowStarts final : EventSource {
  const Session* session = nullptr;
  struct Asked {
    HostTime from;
    HostTime at; // the session's clock when render() was called
  };
  std::vector<Asked> asked;
  void render(const SessionState&, HostTime from, HostTime, EventSink& sink) noexcept override {
    asked.push_back({from, session->now()});
    Event e;
    e.time = from;
    e.message.bytes[0] = 0xF8;
    e.message.size = 1;
    sink.emit(e);
  }
  void finish(HostTime, EventSink&) noexcept override {}
};

} // namespace

TEST_CASE("deadline thread: a window is rendered before it begins, so an event at its start is waited for like any other") {
  // An event right at a window's start used to get no early wake-up: the
  // thread slept to the window's start itself, then rendered, so such an
  // event left as late as the timer woke the thread.
  Session session;
  WindowStarts source;
  source.session = &session;
  source.asked.reserve(1000);
  std::mutex mutex;
  std::vector<HostTime> lateness;
  DeadlineThread thread([&](const Event& e, HostTime sent) {
    std::lock_guard lock(mutex);
    lateness.push_back(sent - e.time);
    return true;
  });
  thread.start(session, source);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  thread.stop();

  REQUIRE(source.asked.size() > 20);
  std::size_t ahead = 0;
  for (std::size_t i = 1; i < source.asked.size(); ++i) // the first is the thread's start
    if (source.asked[i].at < source.asked[i].from) ++ahead;
  // The thread renders each window 1 ms ahead now; before, never ahead at
  // all. A wake-up later than 1 ms is a stall: allow a loaded machine a
  // fifth of them.
  CHECK(ahead >= (source.asked.size() - 1) * 4 / 5);
  std::lock_guard lock(mutex);
  for (const HostTime late : lateness) CHECK(late >= HostTime{0}); // never early
}
