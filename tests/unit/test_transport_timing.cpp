// Unit tests of the transport receiver's pure summary (measure/TransportTiming):
// the beat count of a position, the whole-bar offset, errors in time, bar
// jumps, steps back and the start's lateness, on made-up cycles.
#include <doctest/doctest.h>

#include "measure/TransportTiming.hpp"

#include <cmath>
#include <vector>

using namespace linktools::bench;

namespace {

constexpr double kRate = 48000.0;
constexpr double kPeriod = 256.0;
constexpr double kPeriodUs = kPeriod * 1e6 / kRate; // 5333.3 us
constexpr double kTicks = 1920.0;

// A cycle at `time_us` whose position is session beat `beat` counted from
// bar 1 at session beat `origin`, at 120 BPM in 4/4, tick to a double.
CycleSample cycle_at(std::uint64_t n, double beat, double origin, double grid_beat) {
  CycleSample s;
  s.cycle = n;
  s.time_us = 1e6 + static_cast<double>(n) * kPeriodUs;
  s.rolling = true;
  s.has_bbt = true;
  const double from = beat - origin;
  const double bar = std::floor(from / 4.0);
  const double in_bar = from - bar * 4.0;
  s.bar = static_cast<std::int32_t>(bar) + 1;
  s.beat = static_cast<std::int32_t>(std::floor(in_bar)) + 1;
  s.tick = (in_bar - std::floor(in_bar)) * kTicks;
  s.grid_beat = grid_beat;
  s.tempo = 120.0;
  s.session_playing = true;
  return s;
}

// n cycles on the grid (120 BPM: 0.010667 beats a cycle) from session beat
// 8.5, bar 1 at session beat 8.
std::vector<CycleSample> run(int n) {
  std::vector<CycleSample> out;
  for (int i = 0; i < n; ++i) {
    const double beat = 8.5 + i * kPeriodUs / 500'000.0;
    out.push_back(cycle_at(i, beat, 8.0, beat));
  }
  return out;
}

CycleJudging judging() {
  CycleJudging j;
  j.sample_rate = kRate;
  j.period_frames = kPeriod;
  return j;
}

} // namespace

TEST_CASE("a position's beat count runs from bar 1's first beat") {
  CycleSample s;
  s.bar = 3;
  s.beat = 2;
  s.tick = 960.0;
  s.beats_per_bar = 4.0;
  s.ticks_per_beat = 1920.0;
  CHECK(bbt_beats(s) == doctest::Approx(9.5));
}

TEST_CASE("positions on the grid: no error, the offset in whole bars, no jumps") {
  const auto samples = run(1000); // crosses bar lines at session beats 12, 16
  const auto s = summarize_cycles(samples, {}, judging());
  CHECK(s.cycles == 1000);
  CHECK(s.runs == 1);
  CHECK(s.offset_bars == doctest::Approx(2.0));
  CHECK(s.all.max_us < 1e-6);
  CHECK(s.bar_jumps == 0);
  CHECK(s.steps_back == 0);
}

TEST_CASE("an error in beats is reported in time at the session's tempo") {
  auto samples = run(10);
  // A whole tick late at 120 BPM: 500000 / 1920 us.
  samples[5] = cycle_at(5, samples[5].grid_beat - 1.0 / kTicks, 8.0, samples[5].grid_beat);
  const auto s = summarize_cycles(samples, {}, judging());
  CHECK(s.all.max_us == doctest::Approx(500'000.0 / kTicks));
  CHECK(s.steps_back == 0);
}

TEST_CASE("a bar that steps by two, or by one away from a bar line, is a jump") {
  auto samples = run(20);
  // Cycle 10 a bar ahead of where it should be (bar 2 instead of 1).
  samples[10] = cycle_at(10, samples[10].grid_beat + 4.0, 8.0, samples[10].grid_beat);
  const auto s = summarize_cycles(samples, {}, judging());
  // Up at cycle 10 (one bar, in the middle of one), down again at 11.
  CHECK(s.bar_jumps == 2);
  REQUIRE(s.bar_jump_list.size() == 2);
  CHECK(s.bar_jump_list[0].from_bar == 1);
  CHECK(s.bar_jump_list[0].to_bar == 2);
  CHECK(s.steps_back == 1);
}

TEST_CASE("a position a cycle behind the one before is a step back") {
  auto samples = run(20);
  samples[7] = cycle_at(7, samples[5].grid_beat, 8.0, samples[7].grid_beat);
  const auto s = summarize_cycles(samples, {}, judging());
  CHECK(s.steps_back == 1);
  REQUIRE(s.step_back_list.size() == 1);
  CHECK(s.step_back_list[0].beats == doctest::Approx(samples[6].grid_beat - samples[5].grid_beat));
  CHECK(s.bar_jumps == 0);
}

TEST_CASE("cycles after a tempo change and near an xrun are counted apart") {
  auto samples = run(100);
  for (auto& c : samples) c.tempo_since_us = samples[50].time_us;
  const std::vector<double> xruns = {samples[10].time_us};
  CycleJudging j = judging();
  j.change_window_us = 10.5 * kPeriodUs;
  j.xrun_window_us = 2.5 * kPeriodUs;
  const auto s = summarize_cycles(samples, xruns, j);
  CHECK(s.tempo_changes == 1);
  CHECK(s.cycles_after_changes == 11); // cycles 50..60
  CHECK(s.near_xruns == 5);
  CHECK(s.away_from_xruns.count == 95);
}

// A master that hears of a change before the receiver follows the new grid
// while the receiver still judges by the old one: the window counts from
// the change's date, known from the cycles after it was heard.
TEST_CASE("a change the receiver heard of late still opens its window at its date") {
  auto samples = run(100);
  for (int i = 0; i < 100; ++i)
    samples[i].tempo_since_us = i < 70 ? samples[10].time_us : samples[50].time_us;
  CycleJudging j = judging();
  j.change_window_us = 10.5 * kPeriodUs;
  const auto s = summarize_cycles(samples, {}, j);
  CHECK(s.tempo_changes == 2);
  CHECK(s.cycles_after_changes == 22); // cycles 10..20 and 50..60
  CHECK(s.outside_changes.count == 78);
}

TEST_CASE("the start's lateness is the first rolling cycle against the session's start time") {
  auto samples = run(10);
  for (int i = 0; i < 3; ++i) samples[i].rolling = false;
  for (auto& c : samples) c.session_start_us = samples[3].time_us - 0.25 * kPeriodUs;
  samples[3].frame = 64;
  const auto s = summarize_cycles(samples, {}, judging());
  REQUIRE(s.starts.size() == 1);
  CHECK(s.starts[0].late_cycles == doctest::Approx(0.25));
  CHECK(s.starts[0].frame_error == doctest::Approx(0.0));
  CHECK(s.runs == 1);
}

TEST_CASE("a transport already rolling when the receiver begins is no start") {
  const auto s = summarize_cycles(run(10), {}, judging());
  CHECK(s.starts.empty());
}

TEST_CASE("a renumbering across a cycle without BBT is still a bar jump, judged on the first offset") {
  auto samples = run(20);
  samples[10].has_bbt = false; // a takeover: one cycle without a position
  for (int i = 11; i < 20; ++i) // the new master numbers bars 3 bars lower
    samples[static_cast<std::size_t>(i)] = cycle_at(static_cast<std::uint64_t>(i),
        samples[static_cast<std::size_t>(i)].grid_beat - 12.0, 8.0, samples[static_cast<std::size_t>(i)].grid_beat);
  const auto s = summarize_cycles(samples, {}, judging());
  CHECK(s.runs == 1);
  CHECK(s.without_bbt == 1);
  CHECK(s.bar_jumps == 1);
  CHECK(s.all.max_us == doctest::Approx(12.0 * 500'000.0));
}

TEST_CASE("a start the receiver hears of after JACK already rolls still counts") {
  auto samples = run(30);
  for (auto& c : samples) {
    c.session_playing = false;
    c.session_start_us = 0.0;
  }
  for (int i = 0; i < 3; ++i) samples[static_cast<std::size_t>(i)].rolling = false;
  const double start = samples[3].time_us - 0.5 * kPeriodUs;
  for (std::size_t i = 10; i < samples.size(); ++i) { // heard seven cycles after JACK rolled
    samples[i].session_playing = true;
    samples[i].session_start_us = start;
  }
  samples[3].frame = 128;
  const auto s = summarize_cycles(samples, {}, judging());
  REQUIRE(s.starts.size() == 1);
  CHECK(s.starts[0].late_cycles == doctest::Approx(0.5));
  CHECK(s.starts[0].heard_us == doctest::Approx(samples[10].time_us));
}
