#pragma once
// Pure beat-grid arithmetic: no clock, no network. Everything here is
// thread-safe and realtime-safe.

#include <cstdint>

namespace linktools::timeline {

// The quantum (beats in a bar) every tool accepts, from the command line and
// from files: a sixty-fourth note up to 64 beats. The floor keeps a bar, and
// a loop of bars, long enough that positions on it stay apart in a double
// and a realtime cycle meets a bounded number of bar lines.
inline constexpr double kMinQuantum = 1.0 / 16.0;
inline constexpr double kMaxQuantum = 64.0;
inline bool is_valid_quantum(double quantum) noexcept {
  return quantum >= kMinQuantum && quantum <= kMaxQuantum; // false for NaN
}

// Link's tempo range (it clamps every tempo to it): every tool refuses a
// tempo outside it, from the command line, files and Carabiner's clients.
inline constexpr double kMinTempo = 20.0;
inline constexpr double kMaxTempo = 999.0;

// The first multiple of `quantum` strictly after `beat` (quantum > 0).
double next_quantum_boundary(double beat, double quantum) noexcept;

// Phase of `beat` within a bar of `quantum` beats, in [0, quantum).
double phase_of(double beat, double quantum) noexcept;

// A half-open range [first, last) of tick indices on a grid of
// `ticks_per_beat` ticks, where tick k sits at beat k / ticks_per_beat.
struct TickRange {
  std::int64_t first;
  std::int64_t last;
  std::int64_t size() const noexcept { return last > first ? last - first : 0; }
};

// The ticks whose beat lies in [from_beat, to_beat).
TickRange ticks_between(double from_beat, double to_beat, double ticks_per_beat) noexcept;

// The beat of tick `tick` on the grid.
double beat_of_tick(std::int64_t tick, double ticks_per_beat) noexcept;

// Beat position inside the bar (0-based index) for a phase, e.g. phase 2.7 -> 2.
int beat_in_bar(double phase, double quantum) noexcept;

} // namespace linktools::timeline
