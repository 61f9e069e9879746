#pragma once
// Bar, beat and tick on the session's beat grid, counted the way JACK's
// transport counts them (bars and beats from 1, ticks from 0). Pure: no
// clock, no JACK, no Link; thread-safe and realtime-safe.
//
// A position is worked out from the session's beat alone, never from a
// running count of frames or ticks, so a tempo change moves no bar line:
// the grid's beats stay where Link puts them and only their length changes.

#include <cstdint>

namespace linktools::timeline {

struct BbtGrid {
  double quantum = 4.0;          // beats in a bar (JACK's beats_per_bar)
  double ticks_per_beat = 1920.0;
  double origin_beat = 0.0;      // the session beat where bar 1 begins
};

struct BbtPosition {
  std::int32_t bar = 1;          // 1 at origin_beat; 0, -1, ... before it
  std::int32_t beat = 1;         // 1 .. ceil(quantum)
  std::int32_t tick = 0;         // 0 .. ticks_per_beat - 1
  double tick_double = 0.0;      // the tick with its fraction (JACK's tick_double)
  double bar_start_tick = 0.0;   // ticks from origin_beat to the bar's first beat
};

// The position of session beat `beat` on `grid`.
BbtPosition bbt_at_beat(double beat, const BbtGrid& grid) noexcept;

// The session beat a position stands for (the inverse of bbt_at_beat, to
// the tick).
double beat_of_bbt(const BbtPosition& position, const BbtGrid& grid) noexcept;

// The first beat of the bar that holds `start_beat`, the session's beat at
// its start time: bar 1. A start a hair before a bar line (Link turns times
// into whole microseconds, so a start on a bar line can come out a few
// millionths of a beat early) counts as a start on that line.
double start_bar_origin(double start_beat, double quantum) noexcept;

// How the position of a rolling transport may go back when the grid does.
struct StepBackRule {
  // Never step back by less than a beat: hold until the grid catches up
  // (--never-back).
  bool never = false;
  // A step back smaller than this many beats is held (one frame's worth:
  // the clock's own jitter is no reason to go back).
  double hold_under = 0.0;
};

// The session beat to give the next cycle, from the grid's beat at its first
// frame (`grid_beat`) and the beat given to the cycle before (`published`),
// both on the same grid while the transport rolls.
//
// A peer's tempo change reaches us 85 to 170 ms after the moment it took
// effect (bench/RESULTS.md), so the positions we gave meanwhile were on the
// old grid: after a fall in tempo, ahead of the new one. The position
// follows the grid as soon as we hear of it, stepping back within its bar;
// it never goes back across a bar line (bars only ever step by one, at bar
// lines), but waits on that line for the grid. A step back of a beat or
// more is a new grid (a takeover), taken as it is. With rule.never it holds
// instead of stepping back at all, until the grid catches up.
double next_position_beat(double grid_beat, double published, const BbtGrid& grid,
                          const StepBackRule& rule) noexcept;

} // namespace linktools::timeline
