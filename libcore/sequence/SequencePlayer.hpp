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
//
// Live editing: a player built on SequenceVersions swaps to each new version
// at the next boundary (SwapAt) after it sees it. On the boundary's beat the
// old version's note-offs due there go first, then the swap, then the new
// version's events of that beat; the old version's events at or after the
// boundary are never played. Notes sounding at the swap end at their own
// end (or at the swap with cut_at_swap). The new version plays from the
// same position (beats since playing started), as if it had played from
// the start. Stopped or not yet started, a new version takes over at once.

#include "midi/Event.hpp"
#include "sequence/NoteTracker.hpp"
#include "sequence/Sequence.hpp"
#include "sequence/SequenceVersions.hpp"
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
  // Live editing (a player built on SequenceVersions): where a new version
  // takes over, and whether notes sounding then are ended there.
  enum class SwapAt { automatic, beat, bar, loop }; // automatic: loop with loop_beats, else bar
  SwapAt swap_at = SwapAt::automatic;
  bool cut_at_swap = false;
};

class SequencePlayer final : public midi::EventSource {
public:
  SequencePlayer(const sequence::Sequence& sequence, const SequencePlayerOptions& options);
  // Plays `versions`' latest version and swaps to each newer one offered.
  // `versions` must outlive the player.
  SequencePlayer(sequence::SequenceVersions& versions, const SequencePlayerOptions& options);

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

  // The length of a pass (the loop length; the natural end when not
  // looping), of the version playing. Thread-safe.
  double pass_length() const noexcept { return pass_shown_.load(std::memory_order_relaxed); }
  // Live editing, for the status line and scripts. Thread-safe. The
  // generation of the version playing; of the one waiting for its boundary
  // (0: none); that boundary as a position (NaN: none); swaps so far.
  std::uint64_t playing_generation() const noexcept { return playing_gen_.load(std::memory_order_relaxed); }
  std::uint64_t pending_generation() const noexcept { return pending_gen_.load(std::memory_order_relaxed); }
  double pending_position() const noexcept { return pending_at_.load(std::memory_order_relaxed); }
  std::uint64_t swaps() const noexcept { return swaps_.load(std::memory_order_relaxed); }
  // The first boundary strictly after `position` where a version taking
  // over from `playing` would (--swap-at), for a script's edit placed
  // relative to it. Thread-safe (reads the options, never the player's
  // state); realtime-safe: no (reads every event of `playing`).
  double boundary_after(double position, const sequence::Sequence& playing) const noexcept;
  // The beat of `playing` that plays at `position`: the position itself, or
  // within its pass when it loops. Thread-safe, as boundary_after.
  double sequence_beat(double position, const sequence::Sequence& playing) const noexcept;

private:
  // pass_, end_ and end_is_limit_ for the sequence now playing, whose
  // natural end is given (worked out off the realtime thread).
  void configure(double natural_end) noexcept;
  // Takes a newer version offered, if any, and decides when it plays.
  void take_offer(double b0) noexcept;
  // The next swap boundary strictly after `position`.
  double next_swap_position(double position) const noexcept;
  // The waiting version becomes the one playing, at session beat `beat`.
  void swap(HostTime at, double beat, midi::EventSink& sink) noexcept;
  // The waiting version becomes the one playing (the cursor is the caller's).
  void take_over() noexcept;
  void publish(double b1) noexcept;
  void begin(const SessionState& state, double b0, bool link_rules) noexcept;
  // Emits everything due before `until` (host time) in [from, until).
  void play(const SessionState& state, HostTime from, HostTime until, midi::EventSink& sink) noexcept;
  void cut(HostTime at, double beat, midi::EventSink& sink) noexcept;
  void seek(double position) noexcept;
  void send(midi::EventSink& sink, HostTime at, double beat, const midi::Message& m) noexcept;
  void send_event(midi::EventSink& sink, HostTime at, double beat,
                  const sequence::Event& e) noexcept;
  double next_event_position() const noexcept;

  const sequence::Sequence* sequence_;
  sequence::SequenceVersions* versions_ = nullptr;
  SequencePlayerOptions options_;
  bool loop_asked_ = false; // --loop (a version with loop_beats loops anyway)
  double pass_ = 0.0; // loop length, or the natural end
  double end_ = 0.0;  // where playing stops (position); infinity when looping forever
  bool end_is_limit_ = false; // end_ comes from `length`: events on it are not played
  bool stopped_ = false;      // the version playing is stopped: nothing is sent

  std::atomic<int> hint_{-1};
  std::atomic<bool> done_flag_{false};
  std::atomic<bool> playing_flag_{false};
  std::atomic<double> position_{0.0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<HostTime::rep> last_time_{0};
  std::atomic<double> pass_shown_{0.0};
  std::atomic<std::uint64_t> playing_gen_{0};
  std::atomic<std::uint64_t> pending_gen_{0};
  std::atomic<double> pending_at_{0.0};
  std::atomic<std::uint64_t> swaps_{0};

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
  std::uint64_t taken_gen_ = 0;                           // the newest version taken
  const sequence::SequenceVersion* waiting_ = nullptr;   // taken, not yet playing
  std::optional<double> swap_position_;                   // where it takes over
};

} // namespace linktools
