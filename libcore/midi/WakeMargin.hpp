#pragma once
// How early the deadline thread must ask to be woken so that an event still
// leaves on time: learnt from how late this machine's timer has been waking
// the thread. A fixed margin cannot fit every machine: on the build VM a
// thread that sleeps 10-20 ms wakes 30-40 us late at the median in a busy
// minute and about 100 us late in an idle one (its virtual CPU idles
// deeper), with a 99th percentile anywhere from 80 to 400 us, minute to
// minute. Too small a margin sends the late wake-ups' events late; too large
// a one spins the difference away on every event.
//
// The margin is the third largest of the last kKept wake-ups' lateness (for
// 256 of them, about the 99th percentile) plus kHeadroom, within
// [kMin, kMax]: a single stall does not move it, a minute of late wake-ups
// does within a few seconds (256 of the clock's wake-ups at 120 BPM), and it
// comes back down as the machine calms. Pure: the thread feeds it.

#include "session/SessionState.hpp"

#include <array>
#include <cstddef>

namespace linktools::midi {

class WakeMargin {
public:
  static constexpr HostTime kMin{100};
  // The most it spins for one event: at the clock's 48 events a second,
  // 2.4 % of a core at worst.
  static constexpr HostTime kMax{500};
  static constexpr HostTime kHeadroom{30};
  static constexpr std::size_t kKept = 256;

  HostTime margin() const noexcept { return margin_; }
  // A sleep aimed at `target` returned `late` after it (negative counts as 0).
  void record(HostTime late) noexcept;

private:
  std::array<HostTime, kKept> late_{};
  std::size_t next_ = 0;
  HostTime margin_ = kMin;
};

} // namespace linktools::midi
