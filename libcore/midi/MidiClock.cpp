#include "midi/MidiClock.hpp"

#include "session/SyncedTransport.hpp"
#include "timeline/TimelineMath.hpp"

#include <algorithm>
#include <cmath>

namespace linktools {

namespace {

constexpr double kTicks = midi::kTicksPerBeat;
// Beats computed from microsecond host times carry rounding noise; a tick
// or boundary this close counts as reached.
constexpr double kBeatSlack = 1e-6;
// The grid stepping back by more than a beat is a new grid (a session
// change), not jitter: start counting ticks over on it.
constexpr std::int64_t kResyncTicks = midi::kTicksPerBeat;

// The first tick at or after `beat`.
std::int64_t tick_at_or_after(double beat) noexcept {
  return static_cast<std::int64_t>(std::ceil(beat * kTicks - kBeatSlack));
}

// The first multiple of `quantum` at or after `beat`.
double boundary_at_or_after(double beat, double quantum) noexcept {
  return std::ceil(beat / quantum - kBeatSlack) * quantum;
}

} // namespace

namespace midiclock {
int song_position_at(double beat, double origin_beat, double quantum) noexcept {
  auto sixteenths = static_cast<long long>(std::llround((beat - origin_beat) * 4.0));
  if (sixteenths < 0) sixteenths = 0;
  if (sixteenths > midi::kMaxSongPosition) {
    // Wrap by whole bars (when a bar is a whole number of sixteenths).
    const auto bar = static_cast<long long>(std::llround(quantum * 4.0));
    if (bar > 0 && std::abs(quantum * 4.0 - static_cast<double>(bar)) < 1e-9 &&
        bar <= midi::kMaxSongPosition)
      sixteenths %= (static_cast<long long>(midi::kMaxSongPosition + 1) / bar) * bar;
    else
      sixteenths %= midi::kMaxSongPosition + 1;
  }
  return static_cast<int>(sixteenths);
}
} // namespace midiclock

struct MidiClock::Plan {
  bool start = false;         // a Start or Continue is due
  std::int64_t tick = 0;      // ... just before this tick
  bool with_position = false; // Song Position Pointer + Continue instead of Start
  int position = 0;
};

MidiClock::Plan MidiClock::plan_start(const SessionState& state, std::int64_t first_tick,
                                      bool start_known) noexcept {
  const double q = options_.quantum;
  Plan plan;
  plan.start = true;
  bool have_origin = false;
  double origin = 0.0; // the beat the song starts on
  if (!options_.start_stop_sync) {
    if (!launched_) {
      launch_start_beat_ = boundary_at_or_after(static_cast<double>(first_tick) / kTicks, q);
      launched_ = true;
    }
    origin = launch_start_beat_;
    have_origin = true;
  } else if (start_known) {
    // The session starts at time_for_is_playing; the music starts on the
    // first bar boundary from there (LinkHut and Live count in that way).
    origin = boundary_at_or_after(state.beat_at_time(state.time_for_is_playing(), q), q);
    have_origin = true;
  }
  if (have_origin && tick_at_or_after(origin) >= first_tick) {
    plan.tick = tick_at_or_after(origin);
    return plan;
  }
  // Too late for the song's first beat (we joined a playing session, or
  // heard of the start after it happened).
  const double first_beat = static_cast<double>(first_tick) / kTicks;
  if (options_.song_position) {
    // Continue on the next sixteenth, told where in the song it is.
    const auto tick = static_cast<std::int64_t>(
        std::ceil(static_cast<double>(first_tick) / midi::kTicksPerSixteenth) *
        midi::kTicksPerSixteenth);
    const double beat = static_cast<double>(tick) / kTicks;
    // Unknown start: count from the bar the sixteenth is in, so gear at least
    // lands on the right sixteenth of the bar.
    const double from = have_origin ? origin : std::floor(beat / q + kBeatSlack) * q;
    plan.tick = tick;
    plan.with_position = true;
    plan.position = midiclock::song_position_at(beat, from, q);
    return plan;
  }
  plan.tick = tick_at_or_after(boundary_at_or_after(first_beat, q));
  return plan;
}

void MidiClock::emit(midi::EventSink& sink, HostTime time, double beat,
                     const midi::Message& m) noexcept {
  sink.emit(midi::Event{time, beat, m});
}

void MidiClock::render(const SessionState& state, HostTime from, HostTime to,
                       midi::EventSink& sink) noexcept {
  if (to <= from) return;
  const double q = options_.quantum;
  const HostTime off = options_.offset;
  const double b0 = state.beat_at_time(from - off, q);
  const double b1 = state.beat_at_time(to - off, q);
  const auto range = timeline::ticks_between(b0, b1, kTicks);

  if (!have_last_tick_ || range.first <= last_tick_ - kResyncTicks) {
    last_tick_ = range.first - 1;
    have_last_tick_ = true;
  }
  std::int64_t first = std::max(range.first, last_tick_ + 1);
  // The grid jumped ahead by up to a beat (a faster tempo heard of late, a
  // slow cycle): send the ticks it jumped over now, late, so a device that
  // counts ticks stays on the right beat. A bigger jump is a new grid.
  if (last_tick_ + 1 < range.first && range.first - (last_tick_ + 1) <= kResyncTicks)
    first = last_tick_ + 1;

  // What the transport should be.
  const SyncedTransport session(state, hint_.load(std::memory_order_relaxed), last_start_);
  const bool want = !options_.start_stop_sync || session.playing();

  bool stop_due = false;
  HostTime stop_at = from;
  if (running_ && !want) {
    if (const auto dated = session.stop_time()) stop_at = std::max(from, *dated + off);
    stop_due = stop_at < to;
  }
  Plan start;
  if (!running_ && want) start = plan_start(state, first, session.start_dated());

  // A tick belongs to the window its (microsecond-rounded) time falls in, so
  // the same ticks come out however the time is cut into windows.
  for (std::int64_t k = first - 1; k <= range.last; ++k) {
    if (k <= last_tick_) continue;
    const double beat = static_cast<double>(k) / kTicks;
    HostTime t = state.time_at_beat(beat, q) + off;
    if (t < from) {
      if (k >= range.first) continue; // rounding: it belonged to the previous window
      t = from;                       // overdue: catching up
    }
    if (t >= to) break;
    if (stop_due && stop_at <= t) {
      emit(sink, stop_at, state.beat_at_time(stop_at - off, q), midi::stop());
      running_ = false;
      stop_due = false;
    }
    if (start.start && k == start.tick) {
      if (start.with_position) {
        emit(sink, t, beat, midi::song_position(start.position));
        emit(sink, t, beat, midi::continue_());
      } else {
        emit(sink, t, beat, midi::start());
      }
      running_ = true;
      last_start_ = t - off;
      start.start = false;
    }
    if (running_ || options_.idle_clock) {
      emit(sink, t, beat, midi::clock());
      ticks_sent_.fetch_add(1, std::memory_order_relaxed);
    }
    last_tick_ = k;
  }
  if (stop_due) {
    emit(sink, stop_at, state.beat_at_time(stop_at - off, q), midi::stop());
    running_ = false;
  }
  running_flag_.store(running_, std::memory_order_relaxed);
}

void MidiClock::finish(HostTime now, midi::EventSink& sink) noexcept {
  emit(sink, now, std::nan(""), midi::stop());
  running_ = false;
  running_flag_.store(false, std::memory_order_relaxed);
}

} // namespace linktools
