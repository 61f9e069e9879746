#pragma once
// Drives an EventSource from an ordinary thread that sleeps to each event's
// deadline, for outputs that take messages "now" (jsonl, the ALSA
// sequencer). It wakes a little early and waits out the rest on the clock,
// so an event leaves on time unless the wake-up itself came later than that
// (a busy machine, a stalled virtual CPU); against one frame for JACK.

#include "midi/Event.hpp"

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace linktools {
class Session;
}

namespace linktools::midi {

class DeadlineThread {
public:
  // Called on the thread for every event when its time comes; `sent` is the
  // Link host time of the call. Returns false when the output broke: the
  // thread then stops rendering (the writer keeps the reason).
  using Writer = std::function<bool(const Event& event, HostTime sent)>;

  explicit DeadlineThread(Writer writer);
  ~DeadlineThread();
  DeadlineThread(const DeadlineThread&) = delete;
  DeadlineThread& operator=(const DeadlineThread&) = delete;

  void start(Session& session, EventSource& source);
  // Writes what was already rendered, then source.finish()'s events, and
  // joins the thread. Safe to call twice, and without start().
  void stop();

  // How far ahead each window looks: a tempo change reaches events at most
  // this much (and the 1 ms a window is rendered before it begins) later
  // than with JACK (which renders each period afresh), next
  // to the 20-200 ms a peer takes to hear of it at all. Each window is one
  // wake-up: 4 ms windows cost link-midiclock 1.6 % of a core on the build
  // VM, 10 ms ones 1.1 %.
  static constexpr HostTime kWindow{10000};

private:
  void run();

  Writer writer_;
  Session* session_ = nullptr;
  EventSource* source_ = nullptr;
  std::atomic<bool> stopping_{false};
  bool broken_ = false;
  std::thread thread_;
  std::vector<Event> pending_;
};

} // namespace linktools::midi
