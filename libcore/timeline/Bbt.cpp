#include "timeline/Bbt.hpp"

#include <algorithm>
#include <cmath>

namespace linktools::timeline {

namespace {
// Far below a tick at any tempo we accept, far above a microsecond's
// worth of beats at the fastest tempo (999 BPM: 1.7e-5 beats).
constexpr double kOnTheLine = 1e-4;
} // namespace

BbtPosition bbt_at_beat(double beat, const BbtGrid& grid) noexcept {
  const double from_origin = beat - grid.origin_beat;
  const double bar_index = std::floor(from_origin / grid.quantum);
  // Rounding can put the phase a hair outside its bar; keep it inside.
  const double phase = std::clamp(from_origin - bar_index * grid.quantum, 0.0,
                                  std::nextafter(grid.quantum, 0.0));
  const double beat_index = std::floor(phase);
  const double exact_tick = (phase - beat_index) * grid.ticks_per_beat;
  const double tick = std::floor(exact_tick);
  BbtPosition p;
  p.bar = static_cast<std::int32_t>(bar_index) + 1;
  p.beat = static_cast<std::int32_t>(beat_index) + 1;
  p.tick = static_cast<std::int32_t>(std::clamp(tick, 0.0, grid.ticks_per_beat - 1.0));
  // Kept in the whole tick's span, so the two never disagree.
  p.tick_double = std::clamp(exact_tick, static_cast<double>(p.tick),
                             std::nextafter(static_cast<double>(p.tick) + 1.0, 0.0));
  p.bar_start_tick = bar_index * grid.quantum * grid.ticks_per_beat;
  return p;
}

double beat_of_bbt(const BbtPosition& position, const BbtGrid& grid) noexcept {
  return grid.origin_beat + (position.bar - 1) * grid.quantum + (position.beat - 1) +
         position.tick / grid.ticks_per_beat;
}

double start_bar_origin(double start_beat, double quantum) noexcept {
  return std::floor((start_beat + kOnTheLine) / quantum) * quantum;
}

double next_position_beat(double grid_beat, double published, const BbtGrid& grid,
                          const StepBackRule& rule) noexcept {
  const double back = published - grid_beat;
  // On or ahead of the last position, or a new grid (a beat or more back).
  if (back <= 0.0 || back >= 1.0) return grid_beat;
  if (rule.never || back < rule.hold_under) return published;
  // Back within the bar: to the grid. Across a bar line: no further back
  // than that line, the nearest place to the grid in the bar we gave.
  const std::int32_t bar = bbt_at_beat(published, grid).bar;
  if (bbt_at_beat(grid_beat, grid).bar == bar) return grid_beat;
  BbtPosition line;
  line.bar = bar;
  const double line_beat = beat_of_bbt(line, grid);
  // Rounding can put the line itself in the bar before: hold then.
  return bbt_at_beat(line_beat, grid).bar == bar ? line_beat : published;
}

} // namespace linktools::timeline
