#pragma once
// The tempo and phase of an incoming MIDI clock, from the times its ticks
// arrived: a least-squares line through the newest ticks (time against tick
// number) over a window of up to `window_ticks`. Jitter averages out: with
// n ticks the slope's error falls as n^-1.5 (ARCHITECTURE.md, "link-follow's
// estimator", has the figures). A tempo change would be averaged in slowly,
// so it is detected instead: `confirm_ticks` ticks in a row too far from the
// line (more than four times the jitter seen, at least `min_outlier_us`
// (`early_outlier_us` while the window holds less than a beat), and less
// than a third of a tick) begin a new window from those
// ticks. One such tick followed by a tick on the line is an outlier: counted
// and left out. Ticks are numbered: a missing tick (its neighbours two
// intervals apart) leaves its number out, so the line does not bend.
// A new tempo that is a simple ratio of the old one (double, half, 2:3)
// puts every other tick back on the old line; so when half of the last
// eight ticks were outliers or came after missing ones, a new window
// begins too, from the last three ticks that came.
// Pure: time stamps are parameters (microseconds, any clock); one thread.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace linktools::midi {

struct EstimatorOptions {
  std::size_t window_ticks = 1536; // 64 beats: 32 s at 120 BPM
  std::size_t confirm_ticks = 3;
  double min_outlier_us = 500.0;    // with a beat of ticks in the window
  double early_outlier_us = 2500.0; // with fewer
};

struct EstimatorCounts {
  std::uint64_t taken = 0;     // ticks on the line (or starting one)
  std::uint64_t too_fast = 0;  // closer than a tick at 999 BPM to the tick before (ignored)
  std::uint64_t too_slow = 0;  // further than a tick at 20 BPM from the tick before (a new run begins)
  std::uint64_t missing = 0;   // tick numbers skipped: ticks that never came
  std::uint64_t outliers = 0;  // ticks off the line, alone (ignored)
  std::uint64_t restarts = 0;  // new windows after a tempo change

  friend bool operator==(const EstimatorCounts&, const EstimatorCounts&) = default;
};

class ClockEstimator {
public:
  // 24 ticks a beat at 999 and 20 BPM.
  static constexpr double kMinIntervalUs = 60e6 / (999.0 * 24.0);
  static constexpr double kMaxIntervalUs = 60e6 / (20.0 * 24.0);
  // A longer silence is a pause (a clock that stopped), not a slow clock:
  // the next tick begins a new run without counting it too slow.
  static constexpr double kPauseUs = 1e6;

  enum class Verdict { taken, too_fast, too_slow, outlier, restarted };
  struct Result {
    Verdict verdict = Verdict::taken;
    int missing = 0; // taken: ticks skipped before this one
  };

  explicit ClockEstimator(EstimatorOptions options = {});

  Result add(double time_us);
  // The next tick begins a new window (a clock that comes back after silence).
  void restart() noexcept;

  // Ticks in the current window; a line needs two, a fair one many more.
  std::size_t ticks_in_fit() const noexcept { return points_.size(); }
  // The newest tick's number on the line (ticks count on across windows).
  std::int64_t last_index() const noexcept { return last_index_; }
  // Where the line puts tick `index` (needs ticks_in_fit() >= 2).
  double time_of(std::int64_t index) const noexcept;
  double interval_us() const noexcept { return slope_; }
  double bpm() const noexcept;
  // The standard error of bpm() from the scatter about the line; infinite
  // with fewer than three ticks.
  double bpm_error() const noexcept;
  // The standard error of time_of(index) for a tick of the window (the
  // line's own uncertainty there); infinite with fewer than three ticks.
  double time_error_us(std::int64_t index) const noexcept;
  // The ticks' jitter (standard deviation), from the window's neighbouring ticks.
  double jitter_us() const noexcept { return jitter_; }
  const EstimatorCounts& counts() const noexcept { return counts_; }

private:
  struct Point {
    std::int64_t index;
    double time;
  };
  void begin_run(double time_us);
  void restart_from(const std::vector<double>& times, std::int64_t first_index);
  bool mostly_irregular(bool irregular);
  void push(std::int64_t index, double time_us);
  void refit() noexcept;
  double outlier_limit(std::int64_t index) const noexcept;

  EstimatorOptions options_;
  EstimatorCounts counts_;
  std::deque<Point> points_;
  std::vector<double> suspects_;  // ticks off the line, in a row, not yet judged
  struct Recent {
    double time;
    bool taken; // numbered on the line
  };
  std::deque<Recent> recent_;     // the last ticks that came (not too fast), newest last
  std::deque<bool> irregular_;    // for the last eight: off the line, or after missing ones
  bool have_seen_ = false;
  double last_seen_ = 0.0;        // the newest tick, whatever became of it
  std::int64_t last_index_ = -1;
  bool restart_next_ = false;
  // The line: time = base_time_ + offset_ + slope_ * (index - base_index_).
  std::int64_t base_index_ = 0;
  double base_time_ = 0.0;
  double offset_ = 0.0;
  double slope_ = 0.0;
  double jitter_ = 0.0;
  double slope_error_ = 0.0;
  double scatter_ = 0.0;           // the ticks' deviation from the line
  double mean_k_ = 0.0;            // the window's mean tick number (from base_index_) and
  double sxx_ = 0.0;               // the sum of squares about it
  double inherited_scatter_ = 0.0; // the window's before a restart, until this one has its own
  static constexpr std::size_t kOwnScatterTicks = 48;
  // Ticks in a window before any is judged off its line.
  static constexpr std::size_t kFirstJudged = 6;
};

} // namespace linktools::midi
