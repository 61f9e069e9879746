#pragma once
// The MIDI clock as an EventSource: 24 ticks per beat on the Link beat grid,
// and Start / Stop / Continue (+ Song Position Pointer) following the
// session's transport. Pure logic over SessionState: unit-tested with
// detached states and made-up host times.

#include "midi/Event.hpp"
#include "session/SyncedTransport.hpp"

#include <atomic>
#include <cstdint>
#include <optional>

namespace linktools {

struct MidiClockOptions {
  double quantum = 4.0;
  // Follow the session's transport (Link start/stop sync). Without it the
  // clock starts on the next quantum boundary after launch and stops on exit.
  bool start_stop_sync = true;
  // Joining a session that already plays: send a Song Position Pointer and
  // Continue on the next sixteenth instead of waiting for the next bar to Start.
  bool song_position = false;
  // Keep sending clock ticks while stopped (gear shows the tempo).
  bool idle_clock = true;
  // Added to every event's time: negative sends early, to make up for a
  // device that sounds late.
  HostTime offset{0};
};

class MidiClock final : public midi::EventSource {
public:
  explicit MidiClock(const MidiClockOptions& options) noexcept : options_(options) {}

  void render(const SessionState& state, HostTime from, HostTime to,
              midi::EventSink& sink) noexcept override;
  // Sends Stop (always: stopped gear ignores it, running gear must stop).
  void finish(HostTime now, midi::EventSink& sink) noexcept override;

  // Link 3.0 does not tell a joining peer that the session already plays
  // (it keeps its own newer "stopped"); the tool learns the transport from
  // the peers' announcements and passes it on here until Link reports a
  // change itself, then passes nullopt: from then on Link's state rules.
  // A start learned this way has no known start time.
  // Thread-safe: yes. Realtime-safe: yes.
  void set_transport_hint(std::optional<bool> playing) noexcept {
    hint_.store(encode_hint(playing), std::memory_order_relaxed);
  }

  // For the live display. Thread-safe: yes.
  std::uint64_t ticks_sent() const noexcept { return ticks_sent_.load(std::memory_order_relaxed); }
  bool running() const noexcept { return running_flag_.load(std::memory_order_relaxed); }

private:
  struct Plan;
  Plan plan_start(const SessionState& state, std::int64_t first_tick, bool start_known) noexcept;
  void emit(midi::EventSink& sink, HostTime time, double beat, const midi::Message& m) noexcept;

  MidiClockOptions options_;
  std::atomic<int> hint_{-1};
  std::atomic<std::uint64_t> ticks_sent_{0};
  std::atomic<bool> running_flag_{false};

  // Timing thread only.
  bool have_last_tick_ = false;
  std::int64_t last_tick_ = 0;   // index of the last tick rendered (sent or, with no idle clock, skipped)
  bool running_ = false;          // Start/Continue sent, Stop not yet
  std::optional<HostTime> last_start_; // the session time of the last Start or Continue
  bool launched_ = false;         // no-sync mode: launch beat fixed
  double launch_start_beat_ = 0.0;
};

namespace midiclock {
// The song position (sixteenths, 0..16383) of the sixteenth at `beat` for a
// song that started at `origin_beat`; past the 14-bit limit it wraps by whole
// bars of `quantum` beats so the position keeps the bar's phase.
int song_position_at(double beat, double origin_beat, double quantum) noexcept;
} // namespace midiclock

} // namespace linktools
