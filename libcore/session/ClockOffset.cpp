#include "session/ClockOffset.hpp"

#include <algorithm>
#include <cmath>

namespace linktools {

void ClockOffset::add(std::int64_t link_before, std::int64_t other,
                      std::int64_t link_after) noexcept {
  const std::int64_t bracket = link_after - link_before;
  if (bracket < 0 || bracket > kMaxBracketUs) return;
  const double at = static_cast<double>(link_before) + static_cast<double>(bracket) / 2.0;
  const double sample = at - static_cast<double>(other);
  const double dt = at - last_at_;
  const double predicted = offset_ + rate_ * dt;
  if (!valid_ || dt <= 0.0 || std::abs(sample - predicted) > kStepUs) {
    offset_ = sample;
    rate_ = 0.0;
    last_at_ = at;
    valid_ = true;
    return;
  }
  const double residual = sample - predicted;
  offset_ = predicted + kAlpha * residual;
  rate_ = std::clamp(rate_ + kBeta * residual / dt, -kMaxRate, kMaxRate);
  last_at_ = at;
}

} // namespace linktools
