#pragma once
// What the benchmark measures: every MIDI real-time message as it arrived,
// placed against the receiver's own Link beat grid (one MIDI clock tick every
// 1/24 beat), and the summary of a run. GridProbe runs in JACK's process
// callback; summarize() is a pure function of the observations, so it can be
// checked with made-up numbers.

#include "session/SessionState.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace linktools::bench {

struct Observation {
  std::uint8_t status = 0; // 0xF8 clock, 0xFA start, 0xFB continue, 0xFC stop
  double time_us = 0.0;    // Link host time at which the message arrived
  std::int64_t tick = 0;   // the nearest grid tick k, at beat k / 24
  double error_us = 0.0;   // time_us minus the host time of that grid tick
  double tempo = 0.0;      // the receiver's session tempo at that moment
  // When the newest tempo change the receiver knows of took effect (see
  // GridProbe); NaN before the first one.
  double tempo_since_us = std::numeric_limits<double>::quiet_NaN();
};

// Clock, Start, Continue and Stop: the messages the benchmark times.
bool is_measured(std::uint8_t status) noexcept;

// Places messages on the receiver's grid, one after another, and notices
// when the grid's tempo changes. A peer hears of a change a little after it
// took effect, and the sender and the receiver hear of it at different
// moments; so the change is dated by when it took effect, not by when we
// noticed. Link changes tempo keeping the beat of the moment of the change,
// so that moment is where the old grid and the new one meet.
// Thread-safe: no (one thread). Realtime-safe: yes.
class GridProbe {
public:
  explicit GridProbe(double quantum) noexcept : quantum_(quantum) {}
  Observation observe(const SessionState& state, std::uint8_t status, double time_us) noexcept;

private:
  double quantum_;
  std::optional<SessionState> previous_;
  double tempo_since_us_ = std::numeric_limits<double>::quiet_NaN();
};

// Where the grids of `before` and `after` (different tempi) meet, looking
// back from `now_us`; clamped into the second before it, as a change we hear
// of is never older than that (a grid that also moved is no plain change).
double tempo_change_time(const SessionState& before, const SessionState& after, double now_us,
                         double quantum) noexcept;

struct TransportMessage {
  std::uint8_t status = 0;
  double time_us = 0.0;
  std::int64_t tick = 0;
  double error_us = 0.0;
};

struct TimingSummary {
  std::size_t ticks = 0;       // clock ticks measured (after the warm-up)
  // Of |error|: nearest-rank percentiles and the maximum. Zero without ticks.
  double p50_us = 0.0;
  double p99_us = 0.0;
  double max_us = 0.0;
  double mean_us = 0.0;        // signed: negative is early
  std::uint64_t missing = 0;   // grid ticks skipped between two received ticks
  std::uint64_t extra = 0;     // received ticks that did not advance the grid tick
  // Mean error of the last tenth of the ticks minus that of the first tenth:
  // how far the clock wandered off the grid over the run.
  double drift_us = 0.0;
  std::size_t tempo_changes = 0;
  // Ticks within the window after a tempo change, and max |error| of the
  // ticks outside those windows and inside them.
  std::size_t ticks_after_changes = 0;
  double max_outside_changes_us = 0.0;
  double max_after_changes_us = 0.0;
  std::vector<TransportMessage> transport; // Start / Continue / Stop after the warm-up
};

// Observations must be in arrival order. Those before `measure_from_us` are
// the warm-up: they only give the first measured tick its predecessor (for
// missing/extra and for tempo changes). A clock tick whose tempo differs
// from the previous tick's marks a change, dated by its tempo_since_us (or
// by the tick itself when that is missing or later); ticks from that date
// up to `change_window_us` after it are inside that change's window.
TimingSummary summarize(std::span<const Observation> observations, double measure_from_us,
                        double change_window_us = 100'000.0);

// The nearest-rank percentile (0 < p <= 100) of `sorted` (ascending, not empty).
double nearest_rank(std::span<const double> sorted, double p) noexcept;

} // namespace linktools::bench
