#pragma once
// An external MIDI clock leading a Link session (link-follow): the clock's
// bytes come in with their times; update() brings a captured session state
// in line with the clock, and the caller commits it.
//
// Tempo: ClockEstimator's line through the ticks. It goes to the session
// only when it differs from the session's tempo by more than the
// resolution (or three standard errors of the estimate, if more; or by the
// resolution alone once the estimate is twice as sure as the one last
// committed), and at most max_commits_per_s times a second, so a steady
// clock leaves a steady session alone. Every commit carries the estimate
// at full precision.
// Phase: while the clock's transport plays, tick n after Start is beat n/24
// of the session (Start: the next tick on beat 0, a bar line; Song Position
// + Continue: the next tick on that sixteenth). When the session's beat at
// the line's newest tick is further from the clock's than the line is sure
// of (between min_phase_us and phase_tolerance_us), the commit also moves
// the beat grid there (forceBeatAtTime: we lead). While the clock's transport is stopped only the tempo follows.
// Transport: Start and Continue make the session play from their first
// tick; Stop stops it at the Stop's time. These are never held back.
// A clock that stops ticking is "lost": the session keeps the last tempo,
// and follows again when ticks return.
// Pure: time stamps and the session state are parameters; one thread.

#include "midi/ClockEstimator.hpp"
#include "midi/InputParser.hpp"
#include "session/SessionState.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace linktools::midi {

struct FollowOptions {
  double quantum = 4.0;
  double tempo_resolution = 0.01; // BPM
  double max_commits_per_s = 10.0;
  // The device's clock comes this late: every time stamp is taken this much earlier.
  HostTime offset{0};
  // The beat grid is moved to the clock's beats when it is further from them
  // than eight standard errors of the line's newest point and than the
  // clock's jitter, within these bounds. The least is about a frame at
  // 48 kHz: a clean clock on JACK's frames is held within two (it was 50 us:
  // beats p99 49 us in the unit test, 50 us over JACK). Link keeps a tempo
  // as whole microseconds a beat, so a clean clock whose beat is not a
  // whole number of them drifts from the grid by up to 0.5 us a beat, and
  // needs the grid moved every 40 beats or more.
  double phase_tolerance_us = 500.0;
  double min_phase_us = 20.0;
  // Ticks on the line before its tempo is used; a jittery clock's estimate
  // waits longer anyway, for its error to fall under the resolution.
  std::size_t min_fit_ticks = 4;
  // No tick for this long (or six ticks' time, if more) and the clock is lost.
  HostTime lost_after{250'000};
  EstimatorOptions estimator;
};

struct FollowEvent {
  enum class Kind { tempo, phase, start, continue_, stop, lost, back };
  Kind kind = Kind::tempo;
  HostTime time{0};   // Link time the change takes effect (lost: the last tick; back: the first)
  double tempo = 0.0; // the session's tempo after it
  double beat = 0.0;  // the session's beat at `time` after it
  double estimate_error = 0.0; // tempo, phase: the estimate's standard error, BPM
  double phase_error_us = 0.0; // tempo, phase: how far the grid was from the clock's beat
};

struct FollowCounts {
  InputCounts input;
  EstimatorCounts ticks;
  std::uint64_t commits = 0;            // every change committed, transport ones too
  std::uint64_t out_of_range = 0;       // updates whose estimate lay outside 20..999 BPM (not used)
};

const char* kind_name(FollowEvent::Kind kind) noexcept;

class ClockFollower {
public:
  explicit ClockFollower(FollowOptions options);

  // Bytes that arrived at `time` (Link time): one JACK event, one JSON line.
  void receive(std::span<const std::uint8_t> bytes, HostTime time);

  // Changes `state` (the session as captured at `now`) where the clock
  // says so; true when it did: the caller commits it. Events for the log
  // wait in take_events().
  bool update(SessionState& state, HostTime now);
  std::vector<FollowEvent> take_events();

  // The clock's tempo as estimated now; nullopt before min_fit_ticks ticks.
  std::optional<double> tempo() const noexcept;
  bool playing() const noexcept { return playing_; }
  bool lost() const noexcept { return lost_; }
  FollowCounts counts() const noexcept;

private:
  struct Pending {
    FollowEvent::Kind kind;
    HostTime time;        // stop: when
    std::int64_t anchor;  // start, continue: the tick number that takes `beat`
    double beat;
  };
  void take(const ClockMessage& m);
  bool apply_transport(SessionState& state);
  bool follow(SessionState& state, HostTime now);
  std::optional<double> tick_time(std::int64_t index) const noexcept;
  double beat_of(std::int64_t index) const noexcept;
  bool fit_ready() const noexcept;
  void emit(FollowEvent::Kind kind, HostTime time, const SessionState& state, double error = 0.0,
            double phase_us = 0.0);

  FollowOptions options_;
  InputParser parser_;
  ClockEstimator estimator_;
  std::vector<ClockMessage> messages_;
  std::vector<FollowEvent> events_;
  std::vector<Pending> pending_;
  std::uint64_t commits_ = 0;
  std::uint64_t out_of_range_ = 0;
  std::optional<HostTime> last_commit_;
  double committed_error_ = 0.0; // the standard error of the tempo last committed (BPM)

  bool have_heard_ = false;
  double last_heard_ = 0.0;             // the newest tick of any kind (lost or not)
  std::optional<HostTime> back_at_;     // a tick after the clock was lost, not yet reported
  bool have_tick_ = false;
  double last_tick_time_ = 0.0;         // the newest tick taken, and its number
  std::int64_t last_tick_index_ = -1;
  bool lost_ = false;
  bool realign_ = false;                // back while playing: take the session's nearest tick

  bool playing_ = false;                // the clock's transport
  std::int64_t anchor_index_ = 0;       // while playing: tick anchor_index_ is beat anchor_beat_
  double anchor_beat_ = 0.0;
  double song_beat_ = 0.0;              // where Continue resumes
};

} // namespace linktools::midi
