#include "midi/ClockFollower.hpp"

#include "timeline/TimelineMath.hpp"

#include <algorithm>
#include <cmath>

namespace linktools::midi {

namespace {
constexpr double kTicks = 24.0;
constexpr double kPhaseSigmas = 8.0;
HostTime at_us(double t) { return HostTime(std::llround(t)); }
} // namespace

const char* kind_name(FollowEvent::Kind kind) noexcept {
  switch (kind) {
  case FollowEvent::Kind::tempo: return "tempo";
  case FollowEvent::Kind::phase: return "phase";
  case FollowEvent::Kind::start: return "start";
  case FollowEvent::Kind::continue_: return "continue";
  case FollowEvent::Kind::stop: return "stop";
  case FollowEvent::Kind::lost: return "clock_lost";
  case FollowEvent::Kind::back: return "clock_back";
  }
  return "tempo";
}

ClockFollower::ClockFollower(FollowOptions options) : options_(options), estimator_(options.estimator) {}

void ClockFollower::receive(std::span<const std::uint8_t> bytes, HostTime time) {
  messages_.clear();
  parser_.feed(bytes, time - options_.offset, messages_);
  for (const ClockMessage& m : messages_) take(m);
}

void ClockFollower::take(const ClockMessage& m) {
  const auto t = static_cast<double>(m.time.count());
  switch (m.kind) {
  case ClockMessage::Kind::tick: {
    have_heard_ = true;
    if (lost_) {
      lost_ = false;
      back_at_ = m.time;
      // Ticks that only reached us late (a stalled JACK server hands them
      // over in a burst, each on its frame) follow on from the last one:
      // the line goes on. After a real silence it starts again and, while
      // playing, takes the session's nearest tick.
      const double interval = estimator_.ticks_in_fit() >= 2 ? estimator_.interval_us() : 0.0;
      if (t - last_heard_ > std::max(ClockEstimator::kMaxIntervalUs, 3.0 * interval)) {
        estimator_.restart();
        realign_ = playing_;
      }
    }
    last_heard_ = std::max(last_heard_, t);
    const auto result = estimator_.add(t);
    if (result.verdict == ClockEstimator::Verdict::too_fast ||
        result.verdict == ClockEstimator::Verdict::outlier)
      return;
    have_tick_ = true;
    last_tick_time_ = t;
    last_tick_index_ = estimator_.last_index();
    return;
  }
  case ClockMessage::Kind::start:
    song_beat_ = 0.0;
    pending_.push_back({FollowEvent::Kind::start, m.time, estimator_.last_index() + 1, 0.0});
    return;
  case ClockMessage::Kind::continue_:
    pending_.push_back({FollowEvent::Kind::continue_, m.time, estimator_.last_index() + 1, song_beat_});
    return;
  case ClockMessage::Kind::stop:
    if (playing_ && have_tick_) song_beat_ = beat_of(last_tick_index_) + 1.0 / kTicks;
    pending_.push_back({FollowEvent::Kind::stop, m.time, 0, 0.0});
    return;
  case ClockMessage::Kind::song_position:
    // MIDI 1.0: a position is only taken while stopped.
    if (!playing_) song_beat_ = m.sixteenths / 4.0;
    return;
  }
}

bool ClockFollower::update(SessionState& state, HostTime now) {
  bool changed = false;
  if (back_at_) {
    emit(FollowEvent::Kind::back, *back_at_, state);
    back_at_.reset();
  }
  if (have_heard_ && !lost_) {
    const double limit = std::max(static_cast<double>(options_.lost_after.count()),
                                  estimator_.ticks_in_fit() >= 2 ? 6.0 * estimator_.interval_us() : 0.0);
    if (static_cast<double>(now.count()) - last_heard_ > limit) {
      lost_ = true;
      emit(FollowEvent::Kind::lost, at_us(last_heard_), state);
    }
  }
  changed = apply_transport(state) || changed;
  changed = follow(state, now) || changed;
  return changed;
}

bool ClockFollower::apply_transport(SessionState& state) {
  bool changed = false;
  std::size_t done = 0;
  for (; done < pending_.size(); ++done) {
    const Pending& p = pending_[done];
    if (p.kind == FollowEvent::Kind::stop) {
      state.set_is_playing(false, p.time);
      playing_ = false;
      realign_ = false;
      emit(p.kind, p.time, state);
    } else {
      std::optional<double> first = tick_time(p.anchor);
      // A line from before a pause would put the first tick in the past.
      if (first && p.anchor > last_tick_index_ && *first < static_cast<double>(p.time.count()) - estimator_.interval_us() / 2)
        first.reset();
      if (!first) break; // wait for the tick
      const HostTime at = at_us(*first);
      state.force_beat_at_time(p.beat, at, options_.quantum);
      state.set_is_playing(true, at);
      playing_ = true;
      realign_ = false;
      anchor_index_ = p.anchor;
      anchor_beat_ = p.beat;
      emit(p.kind, at, state);
    }
    ++commits_;
    changed = true;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
  return changed;
}

bool ClockFollower::follow(SessionState& state, HostTime now) {
  if (lost_ || !fit_ready()) return false;
  // The line's newest point is as uncertain as the jitter over the root of
  // the ticks: with a jittery clock, wait for a beat of ticks before moving
  // the grid to it; a clean clock (JACK's frames) is trusted at once.
  const bool phase_ready = estimator_.ticks_in_fit() >= 24 ||
                           estimator_.jitter_us() < options_.phase_tolerance_us / 10.0;
  const double estimate = estimator_.bpm();
  if (estimate < timeline::kMinTempo || estimate > timeline::kMaxTempo) {
    ++out_of_range_;
    return false;
  }
  if (last_commit_ && options_.max_commits_per_s > 0.0 &&
      static_cast<double>((now - *last_commit_).count()) < 1e6 / options_.max_commits_per_s)
    return false;

  const std::int64_t newest = last_tick_index_;
  const double t_ref = estimator_.time_of(newest);
  const HostTime at = at_us(t_ref);
  if (realign_ && playing_) {
    // Back after a silence while playing: the session played on at the
    // held tempo; the clock's ticks take the session's nearest ticks.
    anchor_beat_ = std::round(state.beat_at_time(at, options_.quantum) * kTicks) / kTicks;
    anchor_index_ = newest;
    realign_ = false;
  }
  const double error = estimator_.bpm_error();
  // Off by more than the estimate could be by chance; or by more than the
  // resolution, with an estimate twice as sure as the one committed (a
  // tempo committed early, from a short line, would otherwise stay until
  // the estimate left it by three of its own, by then smaller, errors).
  const double off = std::abs(estimate - state.tempo());
  const bool tempo_off = off > std::max(options_.tempo_resolution, 3.0 * error) ||
                         (off > options_.tempo_resolution && 2.0 * error < committed_error_);
  double phase_us = 0.0;
  if (playing_ && phase_ready) {
    const double beats = state.beat_at_time(at, options_.quantum) - beat_of(newest);
    phase_us = beats * 60e6 / state.tempo();
  }
  // The grid is moved when it is further from the clock's beat than the
  // line itself could put it by chance (eight standard errors of its newest
  // point), and than the clock's own jitter: no grid can be held closer to a
  // clock than its ticks are to each other, and the grid set at an earlier
  // commit, by a shorter line, is off by more than today's line is sure of.
  // (Four standard errors alone, shrinking as the window grew, were crossed
  // every few seconds by a steady clock.) At least min_phase_us (a clean
  // clock, such as JACK's frames), at most the tolerance.
  const double noise = std::max(kPhaseSigmas * estimator_.time_error_us(newest), estimator_.jitter_us());
  const double tolerance = std::clamp(noise, options_.min_phase_us, options_.phase_tolerance_us);
  const bool phase_off = std::abs(phase_us) > tolerance;
  if (!tempo_off && !phase_off) return false;

  state.set_tempo(estimate, at);
  committed_error_ = error;
  if (playing_ && phase_ready) state.force_beat_at_time(beat_of(newest), at, options_.quantum);
  ++commits_;
  last_commit_ = now;
  emit(tempo_off ? FollowEvent::Kind::tempo : FollowEvent::Kind::phase, at, state, error, phase_us);
  return true;
}

std::optional<double> ClockFollower::tick_time(std::int64_t index) const noexcept {
  if (!have_tick_) return std::nullopt;
  const bool line = estimator_.ticks_in_fit() >= 3;
  if (index <= last_tick_index_) return line ? estimator_.time_of(index) : last_tick_time_;
  // Not here yet: predicted from the line, for the very next tick only.
  if (line && !lost_ && index == last_tick_index_ + 1) return estimator_.time_of(index);
  return std::nullopt;
}

double ClockFollower::beat_of(std::int64_t index) const noexcept {
  return anchor_beat_ + static_cast<double>(index - anchor_index_) / kTicks;
}

bool ClockFollower::fit_ready() const noexcept {
  return estimator_.ticks_in_fit() >= options_.min_fit_ticks;
}

void ClockFollower::emit(FollowEvent::Kind kind, HostTime time, const SessionState& state, double error,
                         double phase_us) {
  FollowEvent e;
  e.kind = kind;
  e.time = time;
  e.tempo = state.tempo();
  e.beat = state.beat_at_time(time, options_.quantum);
  e.estimate_error = error;
  e.phase_error_us = phase_us;
  events_.push_back(e);
}

std::vector<FollowEvent> ClockFollower::take_events() {
  std::vector<FollowEvent> out;
  out.swap(events_);
  return out;
}

std::optional<double> ClockFollower::tempo() const noexcept {
  if (!fit_ready()) return std::nullopt;
  return estimator_.bpm();
}

FollowCounts ClockFollower::counts() const noexcept {
  FollowCounts c;
  c.input = parser_.counts();
  c.ticks = estimator_.counts();
  c.commits = commits_;
  c.out_of_range = out_of_range_;
  return c;
}

} // namespace linktools::midi
