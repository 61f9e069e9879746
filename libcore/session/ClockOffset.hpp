#pragma once
// The offset between Link's host clock and another clock (JACK's), measured,
// never assumed: each sample reads Link's clock just before and just after
// the other clock; the midpoint pairs with the other reading. A sample whose
// two readings lie far apart was interrupted and is dropped. The rest feed an
// alpha-beta tracker of offset and rate: the clocks may run at different
// rates (CLOCK_MONOTONIC is slewed by NTP, Link's CLOCK_MONOTONIC_RAW is not)
// and a plain average would lag such a drift (by 8 us at 20 ppm sampled every
// 21 ms); tracking the rate too leaves no lag. Pure; realtime-safe; one thread.

#include <cstdint>

namespace linktools {

class ClockOffset {
public:
  // Microseconds: Link's clock read before and after reading `other`.
  void add(std::int64_t link_before, std::int64_t other, std::int64_t link_after) noexcept;

  bool valid() const noexcept { return valid_; }
  // Link time = other time + offset(), as of the newest sample.
  double offset() const noexcept { return offset_; }
  // The other clock's rate error against Link's, in parts per million.
  double drift_ppm() const noexcept { return rate_ * 1e6; }

  // Readings further apart than this were interrupted.
  static constexpr std::int64_t kMaxBracketUs = 20;
  // A sample this far from the estimate is a step, taken at once.
  static constexpr double kStepUs = 1000.0;
  // Tracker gains (critically damped: beta = alpha^2 / (2 - alpha)).
  static constexpr double kAlpha = 0.1;
  static constexpr double kBeta = 0.005;
  // Real clocks differ by far less; a larger rate is noise.
  static constexpr double kMaxRate = 1e-3;

private:
  bool valid_ = false;
  double offset_ = 0.0;
  double rate_ = 0.0;   // d(offset)/d(link time)
  double last_at_ = 0.0; // Link time of the newest sample
};

} // namespace linktools
