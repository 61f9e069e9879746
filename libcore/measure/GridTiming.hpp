#pragma once
// What the benchmark measures: every MIDI clock message (or, in note-on
// mode, every note-on) as it arrived, placed against the receiver's own Link
// beat grid (one MIDI clock tick every 1/24 beat), and the summary of a run.
// GridProbe runs in JACK's process callback; summarize() is a pure function
// of the observations, so it can be checked with made-up numbers.

#include "session/SessionState.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace linktools::bench {

// What a run times. The clock: every MIDI clock message against the nearest
// grid tick, one expected per tick; Start, Continue and Stop are reported one
// by one. Note-ons: every note-on (0x90-0x9F, velocity above 0) against the
// nearest grid tick that is a whole number of steps (step_ticks grid ticks,
// 6 for sixteenths), one expected per step; nothing else is looked at.
struct Measure {
  enum class What { clock, note_ons };
  What what = What::clock;
  std::int64_t step_ticks = 1; // always 1 for the clock

  static Measure clock() noexcept { return {}; }
  static Measure note_ons(std::int64_t step_ticks) noexcept {
    return {What::note_ons, step_ticks};
  }
};

// Whether the server reported a JACK xrun close to a message (see
// mark_near_xruns): a stalled cycle mistimes the messages in it and right
// after it, by up to the stall. Unknown when the record of xrun times was
// full by then. Messages from stdin, where there are no xruns, are away.
enum class XrunProximity : std::uint8_t { away, near, unknown };

struct Observation {
  std::uint8_t status = 0; // 0xF8 clock, 0xFA start, 0xFB continue, 0xFC stop, 0x9n note-on
  std::uint8_t note = 0;   // note-ons: the note number (the log shows it)
  double time_us = 0.0;    // Link host time at which the message arrived
  // The nearest grid tick k (at beat k / 24) the message may fall on: every
  // tick for the clock, every step_ticks-th tick for note-ons.
  std::int64_t tick = 0;
  double error_us = 0.0;   // time_us minus the host time of that grid tick
  double tempo = 0.0;      // the receiver's session tempo at that moment
  // When the newest tempo change the receiver knows of took effect (see
  // GridProbe); NaN before the first one.
  double tempo_since_us = std::numeric_limits<double>::quiet_NaN();
  // Not known when the message arrives (the xrun is reported after the
  // cycle): set after the run by mark_near_xruns.
  XrunProximity xrun = XrunProximity::away;
  // JACK's estimate of the length of the process cycle the message came in
  // (next minus current cycle time, from its time filter); NaN where the
  // input has no cycles. It swings after a late wake-up, so the log shows
  // whether an outlier came with such a swing.
  double cycle_us = std::numeric_limits<double>::quiet_NaN();
  // The beats GridProbe has taken off the receiver's own beat numbers so
  // far, to follow its whole-bar renumberings (0 until the first one).
  double renumbered_beats = 0.0;
  // The sender's own stamp of the moment it wrote the message, where the
  // input carries one (the jsonl backend's sent_us); NaN otherwise. Not
  // judged: the log shows it, so a lateness can be split into the sender's
  // and the way's.
  double sent_us = std::numeric_limits<double>::quiet_NaN();
  // The time the sender meant the message for, where the input carries it
  // (the jsonl backend's time_us); NaN otherwise. Not judged either: a
  // message later than half a step lands on the next grid step, and this
  // tells which step it was meant for.
  double meant_us = std::numeric_limits<double>::quiet_NaN();
};

// Whether `message` (one complete MIDI message, status byte first) is one
// the run looks at: the clock mode's Clock, Start, Continue and Stop, or
// note-on mode's note-ons. A note-on with velocity 0 is a note-off.
bool is_measured(std::span<const std::uint8_t> message, const Measure& measure) noexcept;

// Of the messages is_measured() lets through, those timed against the grid
// (clock ticks, note-ons); the rest are transport messages.
bool is_timed(std::uint8_t status, const Measure& measure) noexcept;

// Places messages on the receiver's grid, one after another, and notices
// when the grid's tempo changes. A peer hears of a change a little after it
// took effect, and the sender and the receiver hear of it at different
// moments; so the change is dated by when it took effect, not by when we
// noticed. Link changes tempo keeping the beat of the moment of the change,
// so that moment is where the old grid and the new one meet.
// Link keeps every peer's phase within the bar, but not its beat numbers: on
// a session merge, say, the receiver's own numbers can move by whole bars
// while the sender's do not. The probe follows such a renumbering (see
// grid_renumbering) and goes on counting from where it was, as link-seq does
// (link-midiclock goes on from the next tick of the moved grid, which is the
// same for a whole-bar move), so the count of steps stays that of a device
// listening.
// Thread-safe: no (one thread). Realtime-safe: yes.
class GridProbe {
public:
  explicit GridProbe(double quantum, std::int64_t step_ticks = 1) noexcept
      : quantum_(quantum), step_ticks_(step_ticks) {}
  // Takes note of the receiver's state at `now_us`: a tempo change (dated)
  // or a renumbering since the last state it saw. Given every cycle, it
  // notices them as soon as the receiver hears of them, as the tools do,
  // however far apart the messages are.
  void follow(const SessionState& state, double now_us) noexcept;
  // Follows `state` and places `message` (as is_measured() passed it).
  Observation observe(const SessionState& state, std::span<const std::uint8_t> message,
                      double time_us) noexcept;

private:
  double quantum_;
  std::int64_t step_ticks_;
  std::optional<SessionState> previous_;
  double tempo_since_us_ = std::numeric_limits<double>::quiet_NaN();
  double renumbered_beats_ = 0.0;
};

// How far `after` numbers the beats on from `before`, in whole bars of
// `quantum` beats, seen at `now_us`: 0 when the grid moved by no more than a
// beat there, else the move rounded to whole bars. That is link-seq's rule
// (and link-play's), so the receiver counts on as they do. A tempo change
// heard of late moves the grid too, by the difference of the tempi times
// the delay: under a beat when heard within a few hundred milliseconds
// (60 to 180 BPM heard 500 ms late: exactly one). A change is committed at
// the moment it pivots on (link-tempo --at-next-bar waits for the bar), so
// none moves the grid by the wait for a later moment.
double grid_renumbering(const SessionState& before, const SessionState& after, double now_us,
                        double quantum) noexcept;

// Where the grids of `before` and `after` (different tempi) meet, looking
// back from `now_us`; clamped into the second before it, as a change we hear
// of is never older than that (a grid that also moved is no plain change).
// `renumbered_by`: the whole bars `after` numbers on from `before`
// (grid_renumbering), left out.
double tempo_change_time(const SessionState& before, const SessionState& after, double now_us,
                         double quantum, double renumbered_by = 0.0) noexcept;

struct TransportMessage {
  std::uint8_t status = 0;
  double time_us = 0.0;
  std::int64_t tick = 0;
  double error_us = 0.0;
};

// The error figures of a set of timed messages, as TimingSummary gives them
// for all of them.
struct ErrorFigures {
  std::size_t count = 0;
  // Of |error|: nearest-rank percentiles and the maximum. Zero without messages.
  double p50_us = 0.0;
  double p99_us = 0.0;
  double max_us = 0.0;
  double mean_us = 0.0;  // signed: negative is early
  double drift_us = 0.0; // mean error of the last tenth minus that of the first
};

// `errors`: signed, in arrival order.
ErrorFigures error_figures(std::span<const double> errors);

// Marks each observation near an xrun when one was reported from `window_us`
// before it to `window_us` after it: JACK reports an xrun after the cycle
// that stalled, and the cycles right after a stall run off the clock too, so
// the window reaches both ways. `xrun_times_us`: ascending, in Link host time
// like the observations. When `record_full`, xruns after the last one in it
// went unrecorded: an observation whose window reaches past that last one
// and holds no recorded xrun is unknown.
void mark_near_xruns(std::span<Observation> observations, std::span<const double> xrun_times_us,
                     bool record_full, double window_us) noexcept;

// A time the count a device keeps was away from 0 (see TimingSummary).
struct Slip {
  double began_us = 0.0;  // the message that took the count away from 0
  double length_us = 0.0; // until the message that brought it back, or the run's end
  std::int64_t peak = 0;  // the count offset farthest from 0 in it
  // From the newest tempo change dated at or before it began; NaN when none was.
  double since_change_us = std::numeric_limits<double>::quiet_NaN();
  bool open = false; // still away from 0 at the end of the run
};

struct TimingSummary {
  // The timed messages measured (after the warm-up: clock ticks, or
  // note-ons): how many, and their error figures (drift: how far the clock
  // wandered off the grid over the run).
  ErrorFigures all;
  // Counted in steps (grid ticks for the clock, step_ticks for note-ons):
  std::uint64_t missing = 0;   // steps skipped between two timed messages
  // Steps a timed message went back or stood still by: 1 for a repeat, 3 for
  // a step from tick 10 to tick 8 (a device has then counted 3 too many).
  std::uint64_t extra = 0;
  // Of those, the ones seen within the window after a tempo change.
  std::uint64_t missing_after_changes = 0;
  std::uint64_t extra_after_changes = 0;
  std::size_t tempo_changes = 0;
  // Times the receiver's own beat numbers moved by whole bars and GridProbe
  // followed (see GridProbe).
  std::size_t grid_renumberings = 0;
  // What a device counting the steps ends up with. The count offset is the
  // steps received minus the grid steps passed, from the first measured
  // message (missing minus extra so far, negated). A step lost or doubled
  // for good leaves it away from 0. It also leaves 0 for a while when the
  // sender heard of a change later than the receiver, or stalled: it ran
  // ahead and waits for the grid, or fell behind and sends what it owes at
  // once; and it is back at 0 when that is done. Each time it leaves 0 is a
  // slip; the longest shows how long such a wait or catch-up lasted.
  std::int64_t count_offset = 0; // at the end of the run
  std::size_t slips = 0;
  std::size_t slips_away_from_changes = 0; // begun outside every change window
  double longest_slip_us = 0.0;            // to the end of the run for one still open
  std::vector<Slip> slip_list;             // each of them, in order
  // Ticks within the window after a tempo change, and max |error| of the
  // ticks outside those windows and inside them.
  std::size_t ticks_after_changes = 0;
  double max_outside_changes_us = 0.0;
  double max_after_changes_us = 0.0;
  // The timed messages (after the warm-up) as mark_near_xruns left them: the
  // figures of those away from xruns, and how many were near one or unknown.
  ErrorFigures away_from_xruns;
  std::size_t near_xruns = 0;
  std::size_t xrun_unknown = 0;
  std::vector<TransportMessage> transport; // Start / Continue / Stop after the warm-up
};

// Observations must be in arrival order, with ticks as GridProbe gives them
// for `measure`. Those before `measure_from_us` are the warm-up: they only
// give the first measured tick its predecessor (for missing/extra and for
// tempo changes). A timed message whose tempo differs from the previous
// one's marks a change, dated by its tempo_since_us (or by the message
// itself when that is missing or later); timed messages from that date up to
// `change_window_us` after it are inside that change's window.
TimingSummary summarize(std::span<const Observation> observations, double measure_from_us,
                        double change_window_us = 100'000.0,
                        const Measure& measure = Measure::clock());

// The nearest-rank percentile (0 < p <= 100) of `sorted` (ascending, not empty).
double nearest_rank(std::span<const double> sorted, double p) noexcept;

} // namespace linktools::bench
