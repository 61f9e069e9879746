#pragma once
// Where a JACK process cycle's frames sit in JACK's time, from the figures
// jack_get_cycle_times gives: the cycle's first frame at `current_usecs`,
// the next cycle's at `next_usecs` (JACK's delay-locked loop).
//
// JACK 2 breaks that pair for one cycle after an xrun notice: a driver that
// woke late (a machine that stalled, the dummy driver's "XRun" line) sets
// the current time to its late wake-up and leaves the next time as it was,
// so current can lie at or after next. Taken as unsigned microseconds,
// next - current is then about 2^64, and a frame lasts ~7e16 us: every
// position worked out from it is garbage (bench/RESULTS.md, "link-play's
// lost runs"). CycleClock keeps the last cycle's next time, which is this
// cycle's true start when the frames follow on, and otherwise falls back on
// JACK's period estimate. Pure; realtime-safe; one thread (the process
// callback's).

#include <cstdint>

namespace linktools::jack_client {

// One call of jack_get_cycle_times, in its own units.
struct CycleReading {
  std::uint32_t frames = 0;      // the frame count at the cycle's start
  std::uint64_t current_usecs = 0;
  std::uint64_t next_usecs = 0;
  float period_usecs = 0.0f;     // JACK's filtered period
};

// The cycle's span in JACK microseconds: frame i at start_usecs + i * us_per_frame.
struct CycleSpan {
  double start_usecs = 0.0;
  double us_per_frame = 0.0;
};

class CycleClock {
public:
  // `nframes`: the cycle's length (> 0); `rate`: frames a second (> 0).
  CycleSpan span(const CycleReading& reading, std::uint32_t nframes, double rate) noexcept;
  // How many cycles came with current at or after next (for diagnostics).
  std::uint64_t repaired() const noexcept { return repaired_; }

private:
  bool have_last_ = false;
  std::uint32_t last_frames_ = 0;
  std::uint64_t last_next_ = 0;
  std::uint64_t repaired_ = 0;
};

} // namespace linktools::jack_client
