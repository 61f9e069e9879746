#include "timeline/TimelineMath.hpp"

#include <algorithm>
#include <cmath>

namespace linktools::timeline {

namespace {
// Tolerance for beats that land a hair off a grid point after floating-point
// arithmetic (Link works in micro-beats, so 1e-9 beats is far below its resolution).
constexpr double kBeatEpsilon = 1e-9;
} // namespace

double next_quantum_boundary(double beat, double quantum) noexcept {
  const double bars = std::floor(beat / quantum + kBeatEpsilon);
  return (bars + 1.0) * quantum;
}

double phase_of(double beat, double quantum) noexcept {
  double phase = std::fmod(beat, quantum);
  if (phase < 0.0) phase += quantum;
  // fmod of a tiny negative can round up to quantum; and -0.0 would print as "-0".
  if (phase >= quantum || phase == 0.0) phase = 0.0;
  return phase;
}

TickRange ticks_between(double from_beat, double to_beat, double ticks_per_beat) noexcept {
  const auto first = static_cast<std::int64_t>(std::ceil(from_beat * ticks_per_beat - kBeatEpsilon));
  const auto last = static_cast<std::int64_t>(std::ceil(to_beat * ticks_per_beat - kBeatEpsilon));
  return {first, std::max(first, last)};
}

double beat_of_tick(std::int64_t tick, double ticks_per_beat) noexcept {
  return static_cast<double>(tick) / ticks_per_beat;
}

int beat_in_bar(double phase, double quantum) noexcept {
  const int beats = std::max(1, static_cast<int>(std::ceil(quantum - kBeatEpsilon)));
  return std::clamp(static_cast<int>(std::floor(phase + kBeatEpsilon)), 0, beats - 1);
}

} // namespace linktools::timeline
