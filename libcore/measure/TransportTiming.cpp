#include "measure/TransportTiming.hpp"

#include <algorithm>
#include <iterator>
#include <cmath>

namespace linktools::bench {

namespace {

double in_bar(const CycleSample& s) noexcept {
  return (s.beat - 1) + s.tick / s.ticks_per_beat;
}

// A step of one bar is one at a bar line when the cycle before lay in the
// old bar's last beat and this one lies in the new bar's first.
bool at_bar_line(const CycleSample& from, const CycleSample& to) noexcept {
  const double near = std::min(1.0, to.beats_per_bar / 2.0);
  return in_bar(to) < near && in_bar(from) >= from.beats_per_bar - near;
}

bool near_xrun(double t, std::span<const double> xruns, double window) noexcept {
  const auto it = std::lower_bound(xruns.begin(), xruns.end(), t - window);
  return it != xruns.end() && *it <= t + window;
}

template <typename T>
void keep(std::vector<T>& list, const T& item) {
  if (list.size() < TransportSummary::kMaxListed) list.push_back(item);
}

// JACK's transport rolling from a stop, and a session start the receiver
// heard of, are paired when the start was heard within this of the edge,
// before or after it: a peer hears of a start tens of milliseconds after
// its time, and the receiver may hear of it after link-jack-transport did.
constexpr double kPairStartUs = 2e6;

void judge_starts(std::span<const CycleSample> samples, const CycleJudging& j, TransportSummary& out) {
  struct Heard {
    double start_us, heard_us;
  };
  std::vector<Heard> heard;
  std::vector<const CycleSample*> edges;
  double last_start_us = std::numeric_limits<double>::quiet_NaN();
  bool was_rolling = true; // rolling before we looked is no start we saw
  for (const CycleSample& s : samples) {
    if (s.session_playing && s.session_start_us != last_start_us) {
      last_start_us = s.session_start_us;
      heard.push_back({s.session_start_us, s.time_us});
    }
    if (s.rolling && !was_rolling) edges.push_back(&s);
    was_rolling = s.rolling;
  }
  const double period_us = j.period_frames * 1e6 / j.sample_rate;
  std::size_t next = 0; // each heard start pairs with one edge at most
  for (const CycleSample* e : edges) {
    while (next < heard.size() && heard[next].heard_us < e->time_us - kPairStartUs) ++next;
    if (next == heard.size() || heard[next].heard_us > e->time_us + kPairStartUs) continue;
    const Heard& h = heard[next++];
    TransportStart st;
    st.session_start_us = h.start_us;
    st.first_rolling_us = e->time_us;
    st.heard_us = h.heard_us;
    st.late_us = e->time_us - h.start_us;
    st.late_cycles = st.late_us / period_us;
    st.frame = e->frame;
    st.frame_error = e->frame - st.late_us * j.sample_rate / 1e6;
    out.starts.push_back(st);
  }
}

// Bar jumps and steps back between two consecutive judged cycles.
void judge_step(const CycleSample& a, const CycleSample& b, TransportSummary& out) {
  const double from = bbt_beats(a);
  const double to = bbt_beats(b);
  const std::int32_t step = b.bar - a.bar;
  if (step != 0 && !(step == 1 && at_bar_line(a, b))) {
    ++out.bar_jumps;
    keep(out.bar_jump_list, BarJump{b.time_us, a.bar, b.bar, from, to});
  }
  if (to < from - 1e-9) {
    ++out.steps_back;
    const double since = std::isfinite(b.tempo_since_us) ? b.time_us - b.tempo_since_us
                                                         : std::numeric_limits<double>::quiet_NaN();
    keep(out.step_back_list, StepBack{b.time_us, from - to, since});
  }
}

} // namespace

double bbt_beats(const CycleSample& s) noexcept {
  return (s.bar - 1) * s.beats_per_bar + (s.beat - 1) + s.tick / s.ticks_per_beat;
}

TransportSummary summarize_cycles(std::span<const CycleSample> samples, std::span<const double> xrun_times_us,
                                  const CycleJudging& j) {
  TransportSummary out;
  judge_starts(samples, j, out);
  std::vector<double> all, outside, away;
  // Every change's date, including changes the receiver heard of only
  // after a cycle it judged (a master that heard sooner already follows
  // them), as GridTiming dates them.
  std::vector<double> change_dates;
  for (const CycleSample& s : samples)
    if (std::isfinite(s.tempo_since_us)) change_dates.push_back(s.tempo_since_us);
  std::sort(change_dates.begin(), change_dates.end());
  change_dates.erase(std::unique(change_dates.begin(), change_dates.end()), change_dates.end());
  double offset_beats = 0.0;
  double last_since = std::numeric_limits<double>::quiet_NaN();
  // The last judged cycle of the run of rolling cycles under way (none
  // before its first); a rolling cycle without BBT does not end a run, so a
  // master that renumbers bars across such a cycle still shows as a jump.
  const CycleSample* previous = nullptr;
  std::uint64_t last_rolling_cycle = 0;
  bool in_run = false;
  for (const CycleSample& s : samples) {
    if (s.time_us < j.measure_from_us) continue;
    if (std::isfinite(s.tempo_since_us) && s.tempo_since_us != last_since) {
      ++out.tempo_changes;
      last_since = s.tempo_since_us;
    }
    if (!s.rolling || (in_run && s.cycle != last_rolling_cycle + 1)) {
      in_run = false;
      previous = nullptr;
    }
    if (!s.rolling) continue;
    in_run = true;
    last_rolling_cycle = s.cycle;
    if (!s.has_bbt) {
      ++out.without_bbt;
      continue;
    }
    const double count = bbt_beats(s);
    if (!previous) {
      // A new run: its bar 1 may be a new one (each start latches its own).
      ++out.runs;
      offset_beats = std::round((s.grid_beat - count) / s.beats_per_bar) * s.beats_per_bar;
      if (out.runs == 1) out.offset_bars = offset_beats / s.beats_per_bar;
    } else {
      judge_step(*previous, s, out);
    }
    previous = &s;
    const double error_us = (count + offset_beats - s.grid_beat) * 60e6 / s.tempo;
    ++out.cycles;
    all.push_back(error_us);
    const auto later = std::upper_bound(change_dates.begin(), change_dates.end(), s.time_us);
    const bool after_change =
        later != change_dates.begin() && s.time_us - *std::prev(later) <= j.change_window_us;
    if (after_change) ++out.cycles_after_changes;
    else outside.push_back(error_us);
    if (near_xrun(s.time_us, xrun_times_us, j.xrun_window_us)) ++out.near_xruns;
    else away.push_back(error_us);
  }
  out.all = error_figures(all);
  out.outside_changes = error_figures(outside);
  out.away_from_xruns = error_figures(away);
  return out;
}

} // namespace linktools::bench
