#include "midi/ClockEstimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace linktools::midi {

ClockEstimator::ClockEstimator(EstimatorOptions options) : options_(options) {
  options_.window_ticks = std::max<std::size_t>(options_.window_ticks, 3);
  options_.confirm_ticks = std::max<std::size_t>(options_.confirm_ticks, 1);
}

void ClockEstimator::restart() noexcept { restart_next_ = true; }

ClockEstimator::Result ClockEstimator::add(double time_us) {
  Result result;
  // Too close to the tick before (or before it): a doubled byte, a burst.
  if (have_seen_ && time_us - last_seen_ < kMinIntervalUs) {
    ++counts_.too_fast;
    last_seen_ = std::max(last_seen_, time_us);
    result.verdict = Verdict::too_fast;
    return result;
  }
  const bool first = !have_seen_;
  const double gap = time_us - last_seen_;
  have_seen_ = true;
  last_seen_ = time_us;
  recent_.push_back({time_us, false});
  if (recent_.size() > options_.confirm_ticks) recent_.pop_front();

  if (first || restart_next_ || points_.empty()) {
    restart_next_ = false;
    begin_run(time_us);
    return result;
  }
  if (gap > kMaxIntervalUs) {
    if (gap <= kPauseUs) ++counts_.too_slow;
    begin_run(time_us);
    result.verdict = gap <= kPauseUs ? Verdict::too_slow : Verdict::taken;
    return result;
  }
  if (points_.size() < 3) { // no line worth the name yet: ticks follow each other
    push(last_index_ + 1, time_us);
    return result;
  }

  const double position = (time_us - base_time_ - offset_) / slope_ + static_cast<double>(base_index_);
  const auto index = static_cast<std::int64_t>(std::llround(position));
  const double residual = time_us - time_of(index);
  // A line through fewer than kFirstJudged ticks numbers the next one but
  // is too unsure of where it puts it to call it off the line.
  const bool judged = points_.size() >= kFirstJudged;
  const bool off_line = index <= last_index_ || (judged && std::abs(residual) > outlier_limit(index));
  const int missing = off_line ? 0 : static_cast<int>(index - last_index_ - 1);
  if (mostly_irregular(off_line || missing > 0)) {
    // The recent ticks that the old line numbered keep the first one's
    // number; the rest follow it one by one.
    std::vector<double> times;
    std::int64_t numbered = 0;
    for (const auto& r : recent_) {
      times.push_back(r.time);
      numbered += r.taken ? 1 : 0;
    }
    restart_from(times, last_index_ + 1 - numbered);
    result.verdict = Verdict::restarted;
    return result;
  }
  if (!off_line) {
    counts_.outliers += suspects_.size();
    suspects_.clear();
    result.missing = missing;
    counts_.missing += static_cast<std::uint64_t>(missing);
    push(index, time_us);
    return result;
  }
  suspects_.push_back(time_us);
  if (suspects_.size() < options_.confirm_ticks) {
    result.verdict = Verdict::outlier;
    return result;
  }
  // The clock changed: a new window from the ticks that left the line.
  restart_from(suspects_, last_index_ + 1);
  result.verdict = Verdict::restarted;
  return result;
}

// A new window from `times`, taken as ticks that follow each other.
void ClockEstimator::restart_from(const std::vector<double>& times, std::int64_t first_index) {
  ++counts_.restarts;
  // A few ticks can lie close to a line by chance: until the new window
  // has a scatter of its own, its error is judged with the old one's.
  inherited_scatter_ = std::max(inherited_scatter_, scatter_);
  const std::vector<double> fresh = times;
  suspects_.clear();
  irregular_.clear();
  points_.clear();
  std::int64_t next = first_index;
  for (const double t : fresh) push(next++, t);
}

bool ClockEstimator::mostly_irregular(bool irregular) {
  constexpr std::size_t kLook = 8;
  irregular_.push_back(irregular);
  if (irregular_.size() > kLook) irregular_.pop_front();
  return irregular_.size() == kLook &&
         std::count(irregular_.begin(), irregular_.end(), true) >= static_cast<std::ptrdiff_t>(kLook / 2);
}

void ClockEstimator::begin_run(double time_us) {
  counts_.outliers += suspects_.size();
  suspects_.clear();
  irregular_.clear();
  points_.clear();
  push(last_index_ + 1, time_us);
}

void ClockEstimator::push(std::int64_t index, double time_us) {
  for (auto& r : recent_)
    if (r.time == time_us) r.taken = true;
  points_.push_back({index, time_us});
  while (points_.size() > options_.window_ticks) points_.pop_front();
  last_index_ = index;
  ++counts_.taken;
  refit();
}

void ClockEstimator::refit() noexcept {
  base_index_ = points_.front().index;
  base_time_ = points_.front().time;
  const auto n = static_cast<double>(points_.size());
  if (points_.size() < 2) {
    offset_ = 0.0;
    slope_ = 0.0;
    jitter_ = 0.0;
    slope_error_ = std::numeric_limits<double>::infinity();
    return;
  }
  // Sums about the first point keep the numbers small.
  double sk = 0.0, st = 0.0;
  for (const Point& p : points_) {
    sk += static_cast<double>(p.index - base_index_);
    st += p.time - base_time_;
  }
  const double mk = sk / n, mt = st / n;
  double sxx = 0.0, sxy = 0.0;
  for (const Point& p : points_) {
    const double dk = static_cast<double>(p.index - base_index_) - mk;
    sxx += dk * dk;
    sxy += dk * (p.time - base_time_ - mt);
  }
  slope_ = sxy / sxx;
  offset_ = mt - slope_ * mk;
  mean_k_ = mk;
  sxx_ = sxx;
  double sse = 0.0;
  for (const Point& p : points_) {
    const double r = p.time - time_of(p.index);
    sse += r * r;
  }
  if (points_.size() < 3) {
    jitter_ = 0.0;
    slope_error_ = std::numeric_limits<double>::infinity();
    return;
  }
  scatter_ = std::sqrt(sse / (n - 2.0));
  if (points_.size() >= kOwnScatterTicks) inherited_scatter_ = 0.0;
  slope_error_ = std::max(scatter_, inherited_scatter_) / std::sqrt(sxx);
  // The jitter from second differences of neighbouring ticks, (t[i+1] -
  // t[i]) - (t[i] - t[i-1]): white jitter of deviation s gives them a
  // deviation of s * sqrt(6), while a tempo that changes (a ramp) hardly
  // moves them; the scatter about the line would count the curve as jitter
  // and stop a ramp from ever leaving the line.
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t i = 2; i < points_.size(); ++i) {
    const Point& a = points_[i - 2];
    const Point& b = points_[i - 1];
    const Point& c = points_[i];
    if (b.index - a.index != 1 || c.index - b.index != 1) continue;
    const double d2 = (c.time - b.time) - (b.time - a.time);
    sum += d2 * d2;
    ++count;
  }
  jitter_ = count > 0 ? std::sqrt(sum / static_cast<double>(count) / 6.0) : std::sqrt(sse / n);
}

double ClockEstimator::time_of(std::int64_t index) const noexcept {
  return base_time_ + offset_ + slope_ * static_cast<double>(index - base_index_);
}

double ClockEstimator::time_error_us(std::int64_t index) const noexcept {
  if (points_.size() < 3 || !(sxx_ > 0.0)) return std::numeric_limits<double>::infinity();
  const double dk = static_cast<double>(index - base_index_) - mean_k_;
  const double sigma = std::max(scatter_, inherited_scatter_);
  return sigma * std::sqrt(1.0 / static_cast<double>(points_.size()) + dk * dk / sxx_);
}

double ClockEstimator::bpm() const noexcept {
  return slope_ > 0.0 ? 60e6 / (24.0 * slope_) : 0.0;
}

double ClockEstimator::bpm_error() const noexcept {
  if (!(slope_ > 0.0) || !std::isfinite(slope_error_)) return std::numeric_limits<double>::infinity();
  return bpm() * slope_error_ / slope_;
}

double ClockEstimator::outlier_limit(std::int64_t index) const noexcept {
  // The scatter of a few ticks says little: trust it from a beat on.
  const double floor = points_.size() >= 24 ? options_.min_outlier_us : options_.early_outlier_us;
  // A tick strays from the line by its own jitter and by the line's error
  // where it is put, which a short window's extrapolation makes large: with
  // six ticks, the next one's distance from the line has 1.4 times the
  // jitter's deviation, and the ticks after it share the line's error, so a
  // Gaussian tail and two of its neighbours left it together (a false
  // tempo change in 37 of 200 clocks of 1 ms sd, all within the first beat).
  const double n = static_cast<double>(points_.size());
  const double dk = static_cast<double>(index - base_index_) - mean_k_;
  const double spread = std::sqrt(1.0 + 1.0 / n + (sxx_ > 0.0 ? dk * dk / sxx_ : 0.0));
  const double limit = std::max(floor, 4.0 * jitter_) * spread;
  return std::min(limit, slope_ / 3.0);
}

} // namespace linktools::midi
