#pragma once
// A sequence played on the Link beat grid, as an EventSource: outputs pull
// the events of each window of host time from it (midi/Event.hpp).
//
// Positions in the sequence are beats after the start beat (`origin`), a
// quantum boundary of the session. Each window is turned into session beats
// with that window's session state, so a tempo change by any peer moves the
// next event. Events are found by position: a cursor walks the sorted
// events, and a jump seeks with a binary search, so the cost of a window
// does not depend on the length of the sequence.

#include "midi/Event.hpp"
#include "sequence/NoteTracker.hpp"
#include "sequence/Sequence.hpp"
#include "session/SyncedTransport.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace linktools {

struct SequencePlayerOptions {
  double quantum = 4.0;
  // Repeat the sequence (passes of sequence::loop_length); on when the
  // sequence has loop_beats.
  bool loop = false;
  // Stop after this many beats of playing (--beats, --bars); notes still
  // sounding then are released at that moment.
  std::optional<double> length;
  // Follow the session's transport: start with it (on the first bar line
  // of the session's start), stop with it (every note released, the next
  // start plays from the beginning). Off: start on the next quantum boundary.
  bool start_stop_sync = false;
  // Added to every event's time (negative: earlier).
  HostTime offset{0};
};

class SequencePlayer final : public midi::EventSource {
public:
  SequencePlayer(const sequence::Sequence& sequence, const SequencePlayerOptions& options);

  void render(const SessionState& state, HostTime from, HostTime to,
              midi::EventSink& sink) noexcept override;
  // Note-offs for every sounding note and pedal releases, stamped `now`.
  void finish(HostTime now, midi::EventSink& sink) noexcept override;

  // As MidiClock::set_transport_hint: the transport the peers announce,
  // until Link reports a change itself. Thread-safe and realtime-safe.
  void set_transport_hint(std::optional<bool> playing) noexcept {
    hint_.store(encode_hint(playing), std::memory_order_relaxed);
  }

  // True once everything was played (a sequence played once to its end, or
  // `length` reached), all notes released. Thread-safe.
  bool done() const noexcept { return done_flag_.load(std::memory_order_acquire); }
  // For the live display. Thread-safe.
  bool playing() const noexcept { return playing_flag_.load(std::memory_order_relaxed); }
  double position() const noexcept { return position_.load(std::memory_order_relaxed); }
  std::uint64_t events_sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  // The time of the latest event rendered (0 before the first).
  HostTime last_time() const noexcept { return HostTime(last_time_.load(std::memory_order_relaxed)); }

  // The length of a pass (the loop length; the natural end when not looping).
  double pass_length() const noexcept { return pass_; }

private:
  void begin(const SessionState& state, double b0, bool link_rules) noexcept;
  // Emits everything due before `until` (host time) in [from, until).
  void play(const SessionState& state, HostTime from, HostTime until, midi::EventSink& sink) noexcept;
  void cut(HostTime at, double beat, midi::EventSink& sink) noexcept;
  void seek(double position) noexcept;
  void send(midi::EventSink& sink, HostTime at, double beat, const midi::Message& m) noexcept;
  void send_event(midi::EventSink& sink, HostTime at, double beat,
                  const sequence::Event& e) noexcept;
  double next_event_position() const noexcept;

  const sequence::Sequence& sequence_;
  SequencePlayerOptions options_;
  double pass_ = 0.0; // loop length, or the natural end
  double end_ = 0.0;  // where playing stops (position); infinity when looping forever
  bool end_is_limit_ = false; // end_ comes from `length`: events on it are not played

  std::atomic<int> hint_{-1};
  std::atomic<bool> done_flag_{false};
  std::atomic<bool> playing_flag_{false};
  std::atomic<double> position_{0.0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<HostTime::rep> last_time_{0};

  // Timing thread only.
  NoteTracker notes_;
  bool playing_ = false;
  bool done_ = false;
  bool launched_ = false;   // without sync: started once
  double origin_ = 0.0;     // the session beat of position 0
  std::optional<HostTime> last_start_; // the session time playing last started on
  std::int64_t pass_index_ = 0;
  std::size_t next_ = 0;    // the next event of the pass
  bool have_last_ = false;
  HostTime last_to_{0};     // end of the previous window
  double last_beat_ = 0.0;  // its session beat, by that window's state
};

} // namespace linktools
