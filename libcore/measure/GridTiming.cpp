#include "measure/GridTiming.hpp"

#include "midi/Message.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

namespace linktools::bench {

namespace {

constexpr double kTicksPerBeat = midi::kTicksPerBeat;
// How far back a change we hear of can lie (see tempo_change_time).
constexpr double kMaxChangeAgeUs = 1e6;
// A move of the grid by no more than this is never taken for a renumbering
// (link-seq's kJumpBeats).
constexpr double kRenumberingBeats = 1.0;

// Tempi arrive as doubles computed from Link's microseconds-per-beat; treat
// anything closer than this as the same tempo rather than trust ==.
bool same_tempo(double a, double b) noexcept { return std::abs(a - b) <= 1e-9 * std::abs(b); }

double mean_of(std::span<const double> values) noexcept {
  if (values.empty()) return 0.0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

} // namespace

bool is_measured(std::span<const std::uint8_t> message, const Measure& measure) noexcept {
  if (message.empty()) return false;
  const std::uint8_t status = message[0];
  if (measure.what == Measure::What::note_ons)
    return is_timed(status, measure) && message.size() >= 3 && message[2] > 0;
  return status == midi::kClock || status == midi::kStart || status == midi::kContinue ||
         status == midi::kStop;
}

bool is_timed(std::uint8_t status, const Measure& measure) noexcept {
  if (measure.what == Measure::What::note_ons) return (status & 0xF0) == 0x90;
  return status == midi::kClock;
}

double grid_renumbering(const SessionState& before, const SessionState& after, double now_us,
                        double quantum) noexcept {
  const HostTime now(std::llround(now_us));
  const double apart = after.beat_at_time(now, quantum) - before.beat_at_time(now, quantum);
  if (std::abs(apart) <= kRenumberingBeats) return 0.0;
  return std::round(apart / quantum) * quantum;
}

double tempo_change_time(const SessionState& before, const SessionState& after, double now_us,
                         double quantum, double renumbered_by) noexcept {
  const HostTime now(std::llround(now_us));
  const double apart =
      after.beat_at_time(now, quantum) - before.beat_at_time(now, quantum) - renumbered_by;
  const double closing_per_us = (after.tempo() - before.tempo()) / 60e6;
  if (closing_per_us == 0.0) return now_us;
  const double met = now_us - apart / closing_per_us;
  return std::clamp(met, now_us - kMaxChangeAgeUs, now_us);
}

void GridProbe::follow(const SessionState& state, double now_us) noexcept {
  if (previous_) {
    const double bars = grid_renumbering(*previous_, state, now_us, quantum_);
    renumbered_beats_ += bars;
    if (!same_tempo(state.tempo(), previous_->tempo()))
      tempo_since_us_ = tempo_change_time(*previous_, state, now_us, quantum_, bars);
  }
  previous_ = state;
}

Observation GridProbe::observe(const SessionState& state, std::span<const std::uint8_t> message,
                               double time_us) noexcept {
  follow(state, time_us);
  // Link works in whole microseconds; the fraction of time_us is kept in the
  // error so a sub-microsecond time is not rounded twice.
  const HostTime at(std::llround(time_us));
  const double beat = state.beat_at_time(at, quantum_) - renumbered_beats_;
  const double step = static_cast<double>(step_ticks_);
  const auto tick = static_cast<std::int64_t>(std::llround(beat * kTicksPerBeat / step)) *
                    step_ticks_;
  const HostTime grid = state.time_at_beat(
      static_cast<double>(tick) / kTicksPerBeat + renumbered_beats_, quantum_);
  const std::uint8_t status = message.empty() ? 0 : message[0];
  const bool channel_message = status >= 0x80 && status < 0xF0;
  const std::uint8_t note = channel_message && message.size() >= 2 ? message[1] : 0;
  return {status, note, time_us, tick, time_us - static_cast<double>(grid.count()),
          state.tempo(), tempo_since_us_, XrunProximity::away,
          std::numeric_limits<double>::quiet_NaN(), renumbered_beats_};
}

double nearest_rank(std::span<const double> sorted, double p) noexcept {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

ErrorFigures error_figures(std::span<const double> errors) {
  ErrorFigures f;
  f.count = errors.size();
  if (errors.empty()) return f;
  f.mean_us = mean_of(errors);
  const std::size_t tenth = std::max<std::size_t>(1, errors.size() / 10);
  f.drift_us = mean_of(errors.last(tenth)) - mean_of(errors.first(tenth));

  std::vector<double> magnitudes(errors.size());
  std::transform(errors.begin(), errors.end(), magnitudes.begin(),
                 [](double e) { return std::abs(e); });
  std::sort(magnitudes.begin(), magnitudes.end());
  f.p50_us = nearest_rank(magnitudes, 50.0);
  f.p99_us = nearest_rank(magnitudes, 99.0);
  f.max_us = magnitudes.back();
  return f;
}

void mark_near_xruns(std::span<Observation> observations, std::span<const double> xrun_times_us,
                     bool record_full, double window_us) noexcept {
  for (Observation& o : observations) {
    const auto first_after_start =
        std::lower_bound(xrun_times_us.begin(), xrun_times_us.end(), o.time_us - window_us);
    if (first_after_start != xrun_times_us.end() && *first_after_start <= o.time_us + window_us)
      o.xrun = XrunProximity::near;
    else if (record_full &&
             (xrun_times_us.empty() || o.time_us + window_us >= xrun_times_us.back()))
      o.xrun = XrunProximity::unknown;
    else
      o.xrun = XrunProximity::away;
  }
}

namespace {

// The dated tempo changes of a run, in order, and how long after the last
// one a moment came.
struct ChangeTimes {
  std::vector<double> times;
  double since(double t) const {
    const auto later = std::upper_bound(times.begin(), times.end(), t);
    return later == times.begin() ? std::numeric_limits<double>::quiet_NaN() : t - *std::prev(later);
  }
};

// First pass: the tempo changes, dated, and the renumberings followed.
ChangeTimes find_changes(std::span<const Observation> observations, double measure_from_us,
                         const Measure& measure, TimingSummary& s) {
  ChangeTimes changes;
  bool have_previous = false;
  double previous_tempo = 0.0;
  for (std::size_t i = 1; i < observations.size(); ++i)
    if (observations[i].time_us >= measure_from_us &&
        observations[i].renumbered_beats != observations[i - 1].renumbered_beats)
      ++s.grid_renumberings;
  for (const Observation& o : observations) {
    if (!is_timed(o.status, measure)) continue;
    if (have_previous && !same_tempo(o.tempo, previous_tempo)) {
      const bool dated = std::isfinite(o.tempo_since_us) && o.tempo_since_us <= o.time_us;
      changes.times.push_back(dated ? o.tempo_since_us : o.time_us);
      if (o.time_us >= measure_from_us) ++s.tempo_changes;
    }
    have_previous = true;
    previous_tempo = o.tempo;
  }
  // A tick can lie in a window of a change noticed only after it arrived.
  std::sort(changes.times.begin(), changes.times.end());
  return changes;
}

// Second pass: missing and extra steps, how many of them came within a
// change's window (where the peers still learn of it), and the slips of the
// count.
void count_steps(std::span<const Observation> observations, double measure_from_us,
                 double change_window_us, const Measure& measure, const ChangeTimes& changes,
                 TimingSummary& s) {
  const std::int64_t step_ticks = std::max<std::int64_t>(1, measure.step_ticks);
  bool have_previous = false;
  std::int64_t previous_tick = 0;
  double last_us = 0.0;
  for (const Observation& o : observations) {
    if (!is_timed(o.status, measure)) continue;
    if (o.time_us >= measure_from_us && have_previous) {
      // GridProbe puts every tick on a whole step, so this divides exactly.
      const std::int64_t step = (o.tick - previous_tick) / step_ticks;
      const std::uint64_t missing = step > 1 ? static_cast<std::uint64_t>(step - 1) : 0;
      const std::uint64_t extra = step < 1 ? static_cast<std::uint64_t>(1 - step) : 0;
      s.missing += missing;
      s.extra += extra;
      if (changes.since(o.time_us) <= change_window_us) {
        s.missing_after_changes += missing;
        s.extra_after_changes += extra;
      }
      const std::int64_t offset = s.count_offset - (step - 1);
      if (s.count_offset == 0 && offset != 0) {
        Slip slip;
        slip.began_us = o.time_us;
        slip.since_change_us = changes.since(o.time_us);
        s.slip_list.push_back(slip);
      }
      if (s.count_offset != 0 || offset != 0) {
        Slip& slip = s.slip_list.back();
        if (std::abs(offset) > std::abs(slip.peak)) slip.peak = offset;
        slip.length_us = o.time_us - slip.began_us;
      }
      s.count_offset = offset;
      last_us = o.time_us;
    }
    have_previous = true;
    previous_tick = o.tick;
  }
  if (s.count_offset != 0) {
    s.slip_list.back().length_us = last_us - s.slip_list.back().began_us;
    s.slip_list.back().open = true;
  }
  s.slips = s.slip_list.size();
  for (const Slip& slip : s.slip_list) {
    if (!(slip.since_change_us <= change_window_us)) ++s.slips_away_from_changes;
    s.longest_slip_us = std::max(s.longest_slip_us, slip.length_us);
  }
}

// Third pass: the errors, inside and outside the windows after changes.
void collect_errors(std::span<const Observation> observations, double measure_from_us,
                    double change_window_us, const Measure& measure, const ChangeTimes& changes,
                    TimingSummary& s) {
  std::vector<double> errors; // signed, in arrival order
  std::vector<double> errors_away_from_xruns;
  for (const Observation& o : observations) {
    if (o.time_us < measure_from_us) continue;
    if (!is_timed(o.status, measure)) {
      s.transport.push_back({o.status, o.time_us, o.tick, o.error_us});
      continue;
    }
    const double magnitude = std::abs(o.error_us);
    if (changes.since(o.time_us) <= change_window_us) {
      ++s.ticks_after_changes;
      s.max_after_changes_us = std::max(s.max_after_changes_us, magnitude);
    } else {
      s.max_outside_changes_us = std::max(s.max_outside_changes_us, magnitude);
    }
    errors.push_back(o.error_us);
    switch (o.xrun) {
    case XrunProximity::away: errors_away_from_xruns.push_back(o.error_us); break;
    case XrunProximity::near: ++s.near_xruns; break;
    case XrunProximity::unknown: ++s.xrun_unknown; break;
    }
  }
  s.all = error_figures(errors);
  s.away_from_xruns = error_figures(errors_away_from_xruns);
}

} // namespace

TimingSummary summarize(std::span<const Observation> observations, double measure_from_us,
                        double change_window_us, const Measure& measure) {
  TimingSummary s;
  const ChangeTimes changes = find_changes(observations, measure_from_us, measure, s);
  count_steps(observations, measure_from_us, change_window_us, measure, changes, s);
  collect_errors(observations, measure_from_us, change_window_us, measure, changes, s);
  return s;
}

} // namespace linktools::bench
