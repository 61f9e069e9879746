#pragma once
// JACK's transport position judged against a peer's own beat grid, one
// sample per process cycle (bench/transport-receiver). The receiver reads
// JACK's position in every cycle and, beside it, the beat its own Link
// session gives the moment that cycle's first frame is heard; summarize_cycles()
// is a pure function of those samples, so it can be checked with made-up
// numbers.
//
// The position is taken as a beat count: bars from bar 1 times beats_per_bar,
// plus beat - 1, plus tick / ticks_per_beat. JACK says nothing about where
// bar 1 is; link-jack-transport counts bars from the session's start bar, so
// the count and the grid's beat differ by a constant whole number of bars,
// taken from the first rolling cycle measured. The error of a cycle is the
// count plus that offset minus the grid's beat, turned into time at the
// receiver's tempo.

#include "measure/GridTiming.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace linktools::bench {

struct CycleSample {
  std::uint64_t cycle = 0;  // the receiver's count of process cycles: a gap breaks a run
  double time_us = 0.0;     // Link host time the cycle's first frame is heard
  bool rolling = false;     // JACK's state is Rolling
  bool has_bbt = false;     // the position holds bar, beat and tick
  std::int32_t bar = 0;
  std::int32_t beat = 0;
  double tick = 0.0;        // tick_double when JACK gave it, else the whole tick
  double beats_per_bar = 4.0;
  double ticks_per_beat = 1920.0;
  double jack_bpm = 0.0;
  std::uint32_t frame = 0;
  // The receiver's own session at time_us: its beat (whole-bar renumberings
  // taken off, as GridProbe does), tempo and when its newest tempo change
  // took effect (NaN before the first).
  double grid_beat = 0.0;
  double tempo = 120.0;
  double tempo_since_us = std::numeric_limits<double>::quiet_NaN();
  // The session's transport as the receiver sees it, and the time of its
  // newest start (meaningful while playing).
  bool session_playing = false;
  double session_start_us = 0.0;
};

// The position of a sample as a beat count from bar 1's first beat.
double bbt_beats(const CycleSample& s) noexcept;

// A bar number that did not step by exactly one at a bar line, between two
// consecutive rolling cycles.
struct BarJump {
  double time_us = 0.0;
  std::int32_t from_bar = 0, to_bar = 0;
  double from_beats = 0.0, to_beats = 0.0; // bbt_beats of the two cycles
};

// A position behind the one of the cycle before (ticks counting back).
struct StepBack {
  double time_us = 0.0;
  double beats = 0.0; // how far back, positive
  double since_change_us = std::numeric_limits<double>::quiet_NaN();
};

// The session started: how long after its start time JACK's first rolling
// cycle was heard, and the frame JACK gave that cycle.
struct TransportStart {
  double session_start_us = 0.0;
  double first_rolling_us = 0.0;
  // The first cycle in which the receiver's session was playing from that
  // start: how long the start took to reach a peer, for comparison.
  double heard_us = 0.0;
  double late_us = 0.0;       // first_rolling_us - session_start_us
  double late_cycles = 0.0;   // late_us in cycles
  std::uint32_t frame = 0;
  double frame_error = 0.0;   // frame minus late_us in frames (the frame rule: 0)
};

struct TransportSummary {
  std::size_t cycles = 0;          // rolling cycles with BBT, measured
  std::size_t without_bbt = 0;     // rolling cycles whose position had no BBT
  std::size_t runs = 0;            // stretches of consecutive rolling cycles
  double offset_bars = 0.0;        // grid beat minus BBT count at the first, in bars
  ErrorFigures all;                // of the error in microseconds
  // Cycles heard within the window after a tempo change's date (any change
  // a sample knows of, also one the receiver heard of only after that
  // cycle), and the figures of the others.
  std::size_t cycles_after_changes = 0;
  ErrorFigures outside_changes;
  // Cycles within the window of an xrun (either side), and the others'.
  std::size_t near_xruns = 0;
  ErrorFigures away_from_xruns;
  std::size_t tempo_changes = 0;
  std::size_t bar_jumps = 0;
  std::vector<BarJump> bar_jump_list;   // the first kMaxListed
  std::size_t steps_back = 0;
  std::vector<StepBack> step_back_list; // the first kMaxListed
  std::vector<TransportStart> starts;
  static constexpr std::size_t kMaxListed = 50;
};

struct CycleJudging {
  double measure_from_us = 0.0;     // earlier samples are the warm-up
  double change_window_us = 300'000.0;
  double xrun_window_us = 50'000.0;
  double sample_rate = 48000.0;
  double period_frames = 256.0;
};

// `samples`: in cycle order; `xrun_times_us`: ascending, Link host time.
// Starts are judged over all samples (a start in the warm-up counts too);
// everything else from measure_from_us on.
TransportSummary summarize_cycles(std::span<const CycleSample> samples, std::span<const double> xrun_times_us,
                                  const CycleJudging& judging);

} // namespace linktools::bench
