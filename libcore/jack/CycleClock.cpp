#include "jack/CycleClock.hpp"

namespace linktools::jack_client {

CycleSpan CycleClock::span(const CycleReading& r, std::uint32_t nframes, double rate) noexcept {
  CycleSpan out;
  const bool follows_on = have_last_ && static_cast<std::uint32_t>(last_frames_ + nframes) == r.frames;
  if (r.next_usecs > r.current_usecs) {
    out.start_usecs = static_cast<double>(r.current_usecs);
    out.us_per_frame = static_cast<double>(r.next_usecs - r.current_usecs) / nframes;
  } else if (follows_on && r.next_usecs > last_next_) {
    // The last cycle's next time is where JACK's loop put this cycle's start
    // before the xrun notice moved it.
    ++repaired_;
    out.start_usecs = static_cast<double>(last_next_);
    out.us_per_frame = static_cast<double>(r.next_usecs - last_next_) / nframes;
  } else {
    // No last cycle to go on from: JACK's period estimate back from the next
    // cycle's start, or the nominal period if that estimate is off by half.
    ++repaired_;
    const double nominal = nframes * 1e6 / rate;
    const double period = r.period_usecs;
    const double use = period > 0.5 * nominal && period < 2.0 * nominal ? period : nominal;
    out.start_usecs = static_cast<double>(r.next_usecs) - use;
    out.us_per_frame = use / nframes;
  }
  have_last_ = true;
  last_frames_ = r.frames;
  last_next_ = r.next_usecs;
  return out;
}

} // namespace linktools::jack_client
