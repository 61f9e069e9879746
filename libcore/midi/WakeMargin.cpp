#include "midi/WakeMargin.hpp"

#include <algorithm>

namespace linktools::midi {

void WakeMargin::record(HostTime late) noexcept {
  late_[next_] = std::max(late, HostTime{0});
  next_ = (next_ + 1) % kKept;
  // The three largest kept: 256 comparisons, a fraction of a microsecond.
  HostTime first{0}, second{0}, third{0};
  for (const HostTime l : late_) {
    if (l > first) {
      third = second;
      second = first;
      first = l;
    } else if (l > second) {
      third = second;
      second = l;
    } else if (l > third) {
      third = l;
    }
  }
  margin_ = std::clamp(third + kHeadroom, kMin, kMax);
}

} // namespace linktools::midi
