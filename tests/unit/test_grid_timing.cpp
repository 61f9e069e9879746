// Unit tests of the receiver's pure summary (GridTiming), compiled into
// tests/unit's unit-tests by bench/CMakeLists.txt: the xrun windows and the
// figures of the messages away from xruns, and GridProbe on detached
// session states. No JACK, no Link session.
#include <doctest/doctest.h>

#include "measure/GridTiming.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

using namespace linktools::bench;

namespace {

constexpr std::uint8_t kClock = 0xF8;
constexpr double kNoChanges = 100'000.0;

// One clock tick a millisecond from t = 1 s, on the grid to the microsecond
// except where `error_us` says otherwise.
std::vector<Observation> ticks(int n, double (*error_us)(int) = nullptr) {
  std::vector<Observation> out;
  for (int i = 0; i < n; ++i) {
    Observation o;
    o.status = kClock;
    o.tick = i;
    o.time_us = 1e6 + 1000.0 * i;
    o.error_us = error_us ? error_us(i) : 0.0;
    o.tempo = 120.0;
    out.push_back(o);
  }
  return out;
}

} // namespace

TEST_CASE("xrun windows: an observation is near an xrun reported up to the window before or after it") {
  auto obs = ticks(10); // 1.000 s .. 1.009 s
  const std::vector<double> xruns = {1'004'500.0};
  mark_near_xruns(obs, xruns, false, 1500.0);
  // Within 1.5 ms of 1.0045 s: 1.003, 1.004, 1.005, 1.006.
  for (int i = 0; i < 10; ++i) {
    CAPTURE(i);
    const bool near = i >= 3 && i <= 6;
    CHECK(obs[i].xrun == (near ? XrunProximity::near : XrunProximity::away));
  }
}

TEST_CASE("xrun windows: the window's edges count as near; a zero window only hits exact times") {
  auto obs = ticks(3);
  mark_near_xruns(obs, std::vector<double>{1'001'000.0}, false, 1000.0);
  CHECK(obs[0].xrun == XrunProximity::near);
  CHECK(obs[1].xrun == XrunProximity::near);
  CHECK(obs[2].xrun == XrunProximity::near);
  mark_near_xruns(obs, std::vector<double>{1'001'000.0}, false, 0.0);
  CHECK(obs[0].xrun == XrunProximity::away);
  CHECK(obs[1].xrun == XrunProximity::near);
  CHECK(obs[2].xrun == XrunProximity::away);
}

TEST_CASE("xrun windows: without xruns everything is away, and marking again resets") {
  auto obs = ticks(5);
  mark_near_xruns(obs, std::vector<double>{1'002'000.0}, false, 500.0);
  CHECK(obs[2].xrun == XrunProximity::near);
  mark_near_xruns(obs, std::vector<double>{}, false, 500.0);
  for (const Observation& o : obs) CHECK(o.xrun == XrunProximity::away);
}

TEST_CASE("xrun windows: after a full record, what may lie near a later xrun is unknown") {
  auto obs = ticks(10);
  // The record filled up with the xrun at 1.002 s; more came later, unrecorded.
  mark_near_xruns(obs, std::vector<double>{1'000'000.0, 1'002'000.0}, true, 1000.0);
  CHECK(obs[0].xrun == XrunProximity::near);
  CHECK(obs[1].xrun == XrunProximity::near);
  CHECK(obs[2].xrun == XrunProximity::near);
  CHECK(obs[3].xrun == XrunProximity::near);
  // 1.004 s and on: no recorded xrun within 1 ms, and their window reaches
  // past the last recorded one, where unrecorded ones may be.
  for (int i = 4; i < 10; ++i) CHECK(obs[i].xrun == XrunProximity::unknown);
  // A full record with nothing in it: nothing is known.
  mark_near_xruns(obs, std::vector<double>{}, true, 1000.0);
  for (const Observation& o : obs) CHECK(o.xrun == XrunProximity::unknown);
}

TEST_CASE("summary away from xruns: figures of the clean ticks only, the whole figures unchanged") {
  // 100 ticks 10 us late; two stalls make four ticks 400-700 us late.
  auto obs = ticks(100, [](int i) {
    if (i == 20 || i == 21) return 400.0 + i;
    if (i == 70 || i == 71) return 700.0;
    return 10.0;
  });
  const std::vector<double> xruns = {1'021'200.0, 1'071'200.0}; // reported just after the stalls
  mark_near_xruns(obs, xruns, false, 1500.0);
  const TimingSummary s = summarize(obs, 0.0, kNoChanges);

  CHECK(s.all.count == 100);
  CHECK(s.all.max_us == doctest::Approx(700.0));
  CHECK(s.missing == 0);
  CHECK(s.extra == 0);
  // Near: ticks 20..22 and 70..72 (within 1.5 ms of 21.2 and 71.2).
  CHECK(s.near_xruns == 6);
  CHECK(s.xrun_unknown == 0);
  const ErrorFigures& away = s.away_from_xruns;
  CHECK(away.count == 94);
  CHECK(away.p50_us == doctest::Approx(10.0));
  CHECK(away.p99_us == doctest::Approx(10.0));
  CHECK(away.max_us == doctest::Approx(10.0));
  CHECK(away.mean_us == doctest::Approx(10.0));
  CHECK(away.drift_us == doctest::Approx(0.0));
  // The whole figures are what summarize always gave.
  const ErrorFigures all = error_figures([&] {
    std::vector<double> e;
    for (const Observation& o : obs) e.push_back(o.error_us);
    return e;
  }());
  CHECK(s.all.p50_us == all.p50_us);
  CHECK(s.all.p99_us == all.p99_us);
  CHECK(s.all.mean_us == all.mean_us);
  CHECK(s.all.drift_us == all.drift_us);
}

TEST_CASE("summary away from xruns: drift over the clean ticks, warm-up and unknown left out") {
  // The error grows 1 us a tick; the warm-up (first 10) is not measured.
  auto obs = ticks(110, [](int i) { return static_cast<double>(i); });
  // The record is full at 1.090 s: ticks from 1.089 s on are unknown.
  mark_near_xruns(obs, std::vector<double>{1'090'000.0}, true, 1000.0);
  const TimingSummary s = summarize(obs, 1'010'000.0, kNoChanges);
  CHECK(s.all.count == 100);
  CHECK(s.near_xruns == 3);     // 89, 90, 91
  CHECK(s.xrun_unknown == 18);  // 92 .. 109
  const ErrorFigures& away = s.away_from_xruns;
  REQUIRE(away.count == 79);    // 10 .. 88
  CHECK(away.max_us == doctest::Approx(88.0));
  // Tenths of 7: 10..16 and 82..88, 72 us apart.
  CHECK(away.drift_us == doctest::Approx(72.0));
  CHECK(away.mean_us == doctest::Approx(49.0));
}

TEST_CASE("summary away from xruns: zero when every tick is near one") {
  auto obs = ticks(4);
  mark_near_xruns(obs, std::vector<double>{1'001'500.0}, false, 5000.0);
  const TimingSummary s = summarize(obs, 0.0, kNoChanges);
  CHECK(s.all.count == 4);
  CHECK(s.near_xruns == 4);
  CHECK(s.away_from_xruns.count == 0);
  CHECK(s.away_from_xruns.max_us == 0.0);
}

TEST_CASE("error figures: nearest-rank percentiles of |error|, signed mean, drift of the tenths") {
  std::vector<double> errors;
  for (int i = 1; i <= 100; ++i) errors.push_back(i % 2 ? -i : i); // -1, 2, -3, ...
  const ErrorFigures f = error_figures(errors);
  CHECK(f.count == 100);
  CHECK(f.p50_us == doctest::Approx(50.0));
  CHECK(f.p99_us == doctest::Approx(99.0));
  CHECK(f.max_us == doctest::Approx(100.0));
  CHECK(f.mean_us == doctest::Approx(0.5));
  // First ten: -1, 2, ..., 10 -> mean 0.5; last ten: -91, ..., 100 -> mean 0.5.
  CHECK(f.drift_us == doctest::Approx(0.0));
  CHECK(error_figures({}).count == 0);
}

TEST_CASE("missing and extra steps: counted, and apart when within a tempo change's window") {
  // 100 ticks a millisecond apart; the tempo changes at tick 50 (dated at
  // its arrival). Tick 52 is skipped and tick 54 repeated, inside the 10 ms
  // window; tick 80 is skipped, outside it.
  std::vector<Observation> obs;
  for (int i = 0; i < 100; ++i) {
    if (i == 52 || i == 80) continue;
    Observation o;
    o.status = kClock;
    o.tick = i;
    o.time_us = 1e6 + 1000.0 * i;
    o.tempo = i < 50 ? 120.0 : 130.0;
    obs.push_back(o);
    if (i == 54) obs.push_back(o);
  }
  const TimingSummary s = summarize(obs, 0.0, 10'000.0);
  CHECK(s.tempo_changes == 1);
  CHECK(s.missing == 2);
  CHECK(s.extra == 1);
  CHECK(s.missing_after_changes == 1);
  CHECK(s.extra_after_changes == 1);
}

namespace {

// Clock ticks a millisecond apart from t = 1 s, placed on the given grid
// ticks; tempo 120 up to `change_at` (an index), 60 from there on.
std::vector<Observation> placed(const std::vector<std::int64_t>& grid_ticks, std::size_t change_at) {
  std::vector<Observation> out;
  for (std::size_t i = 0; i < grid_ticks.size(); ++i) {
    Observation o;
    o.status = kClock;
    o.tick = grid_ticks[i];
    o.time_us = 1e6 + 1000.0 * static_cast<double>(i);
    o.tempo = i < change_at ? 120.0 : 60.0;
    out.push_back(o);
  }
  return out;
}

} // namespace

TEST_CASE("count offset: a sender that ran ahead of a slower grid waits; nothing is lost") {
  // What bench/soak/run saw after 187 -> 44 BPM: the sender, late to hear of
  // it, sent ticks 11-15 on the old grid; the receiver's new grid puts them
  // all near tick 11. The sender then waits until the grid reaches 16.
  const auto obs = placed({8, 9, 10, 11, 11, 11, 11, 11, 16, 17, 18}, 3);
  const TimingSummary s = summarize(obs, 0.0, 2'000.0); // a window shorter than the wait
  CHECK(s.missing == 4);
  CHECK(s.extra == 4);
  CHECK(s.missing_after_changes == 0); // the wait ends outside the window
  CHECK(s.count_offset == 0);
  CHECK(s.slips == 1);
  CHECK(s.slips_away_from_changes == 0);
  CHECK(s.longest_slip_us == doctest::Approx(4000.0)); // ticks at 4 ms (index 4) to 8 ms
  REQUIRE(s.slip_list.size() == 1);
  const Slip& slip = s.slip_list[0];
  CHECK(slip.began_us == doctest::Approx(1.004e6));
  CHECK(slip.length_us == doctest::Approx(4000.0));
  CHECK(slip.peak == 4); // 11 at index 7 where 14 was due: 4 steps sent ahead
  CHECK(slip.since_change_us == doctest::Approx(1000.0)); // the change at index 3, undated
  CHECK_FALSE(slip.open);
}

TEST_CASE("count offset: a step back counts every step it undoes") {
  // 10, 16 (5 missing), 12 (back 4: 5 extra): a device counted 12 - 10 = 2
  // steps for two messages. The per-step tally once called the step back 1.
  const TimingSummary s = summarize(placed({9, 10, 16, 12, 13}, 99), 0.0);
  CHECK(s.missing == 5);
  CHECK(s.extra == 5);
  CHECK(s.count_offset == 0);
  CHECK(s.slips == 1);
  CHECK(s.slips_away_from_changes == 1);
}

TEST_CASE("count offset: a tick lost or doubled for good stays in it, the slip open to the end") {
  const TimingSummary lost = summarize(placed({0, 1, 2, 4, 5, 6, 7}, 99), 0.0);
  CHECK(lost.count_offset == -1);
  CHECK(lost.slips == 1);
  CHECK(lost.longest_slip_us == doctest::Approx(3000.0)); // from index 3 to the last, 6
  REQUIRE(lost.slip_list.size() == 1);
  CHECK(lost.slip_list[0].open);
  CHECK(lost.slip_list[0].peak == -1);
  CHECK(std::isnan(lost.slip_list[0].since_change_us)); // no change at all before it
  const TimingSummary doubled = summarize(placed({0, 1, 2, 2, 3, 4}, 99), 0.0);
  CHECK(doubled.count_offset == 1);
  CHECK(doubled.extra == 1);
  const TimingSummary clean = summarize(placed({0, 1, 2, 3}, 99), 0.0);
  CHECK(clean.count_offset == 0);
  CHECK(clean.slips == 0);
  CHECK(clean.longest_slip_us == 0.0);
  CHECK(clean.slip_list.empty());
}

namespace {

using linktools::HostTime;
using linktools::SessionState;

constexpr double kQuantum = 4.0;

// The host time of grid beat `beat` under `state`, as the probe is given it.
double at_beat(const SessionState& state, double beat) {
  return static_cast<double>(state.time_at_beat(beat, kQuantum).count());
}

} // namespace

TEST_CASE("grid probe: the receiver's beat numbers moving by a bar are followed, the count goes on") {
  // Beat 100 at 10 s, 120 BPM. Half-way, the receiver's own numbers move
  // back a bar (as on a session merge): the same moments, beat numbers 4 lower.
  const auto before = SessionState::detached(120.0, HostTime(10'000'000), 100.0);
  const auto after = SessionState::detached(120.0, HostTime(10'000'000), 96.0);
  GridProbe probe(kQuantum);
  std::vector<Observation> obs;
  for (int k = 0; k < 96; ++k) {
    const bool moved = k >= 48;
    const double beat = (moved ? 96.0 : 100.0) + k / 24.0;
    const SessionState& state = moved ? after : before;
    obs.push_back(probe.observe(state, std::vector<std::uint8_t>{kClock}, at_beat(state, beat)));
  }
  for (int k = 0; k < 96; ++k) {
    CHECK(obs[k].tick == 2400 + k); // beat 100 is tick 2400, and on
    CHECK(obs[k].error_us == doctest::Approx(0.0).epsilon(1e-9));
  }
  CHECK(obs[47].renumbered_beats == 0.0);
  CHECK(obs[48].renumbered_beats == -4.0);
  const TimingSummary s = summarize(obs, 0.0);
  CHECK(s.grid_renumberings == 1);
  CHECK(s.missing == 0);
  CHECK(s.extra == 0);
  CHECK(s.slips == 0);
  CHECK(s.tempo_changes == 0);

  // Unfollowed, the same moments would have stepped back 96 ticks.
  GridProbe plain(kQuantum);
  const auto o47 = plain.observe(before, std::vector<std::uint8_t>{kClock}, at_beat(before, 100 + 47 / 24.0));
  CHECK(o47.tick == 2447);
  CHECK(grid_renumbering(before, after, at_beat(after, 98.0), kQuantum) == -4.0);
  CHECK(grid_renumbering(after, before, at_beat(after, 98.0), kQuantum) == 4.0);
  // A move of a beat or less is none: the tools take it for a late tempo change.
  const auto beat_on = SessionState::detached(120.0, HostTime(10'000'000), 101.0);
  CHECK(grid_renumbering(before, beat_on, 10.5e6, kQuantum) == 0.0);
}

TEST_CASE("grid probe: followed every cycle, it notices a change between two far-apart messages") {
  // 60 BPM, beat 48 at 20 s; at 24 s (beat 52) the tempo becomes 180 and the
  // beat numbers move a bar on. Messages come 4 s apart, the cycles often.
  const auto slow = SessionState::detached(60.0, HostTime(20'000'000), 48.0);
  const auto fast = SessionState::detached(180.0, HostTime(24'000'000), 56.0);
  GridProbe every_cycle(kQuantum);
  const auto first = every_cycle.observe(slow, std::vector<std::uint8_t>{kClock}, 22e6);
  for (double t = 22e6; t < 24.1e6; t += 5000.0) every_cycle.follow(slow, t);
  for (double t = 24.1e6; t < 26e6; t += 5000.0) every_cycle.follow(fast, t);
  // 26 s on the fast grid: beat 52 + 6 in the slow one's numbers.
  const auto second = every_cycle.observe(fast, std::vector<std::uint8_t>{kClock}, 26e6);
  CHECK(first.tick == 50 * 24);
  CHECK(second.renumbered_beats == 4.0);
  CHECK(second.tick == 58 * 24);
  CHECK(second.tempo_since_us == doctest::Approx(24e6).epsilon(1e-7));
  // Seen only at the messages, 2 s after the change, the tempo change alone
  // has moved the grid 4 beats: it cannot be told from a bar.
  GridProbe messages_only(kQuantum);
  messages_only.observe(slow, std::vector<std::uint8_t>{kClock}, 22e6);
  const auto late = messages_only.observe(fast, std::vector<std::uint8_t>{kClock}, 26e6);
  CHECK(late.renumbered_beats == 8.0);
}

TEST_CASE("grid probe: a tempo change heard late is no renumbering, and is dated where the grids meet") {
  // 60 BPM, beat 48 at 20 s; 180 BPM from 24 s (beat 52) on, heard of later.
  // (A detached state counts its bars from the beat it is given, so both
  // are given a bar line.)
  const auto slow = SessionState::detached(60.0, HostTime(20'000'000), 48.0);
  const auto fast = SessionState::detached(180.0, HostTime(24'000'000), 52.0);
  for (double late_ms : {20.0, 200.0, 500.0}) {
    const double now = 24e6 + late_ms * 1000.0;
    CAPTURE(late_ms);
    CHECK(grid_renumbering(slow, fast, now, kQuantum) == 0.0);
    CHECK(tempo_change_time(slow, fast, now, kQuantum) == doctest::Approx(24e6).epsilon(1e-7));
  }
  // Slower, heard late: the grids drift apart the other way.
  CHECK(grid_renumbering(fast, slow, 24.3e6, kQuantum) == 0.0);
}

TEST_CASE("grid probe: a renumbering with a tempo change: the bars followed, the change dated") {
  // As above, but the new grid also numbers its beats two bars on.
  const auto slow = SessionState::detached(60.0, HostTime(20'000'000), 48.0);
  const auto fast = SessionState::detached(180.0, HostTime(24'000'000), 60.0);
  const double now = 24.15e6;
  const double bars = grid_renumbering(slow, fast, now, kQuantum);
  CHECK(bars == 8.0);
  CHECK(tempo_change_time(slow, fast, now, kQuantum, bars) == doctest::Approx(24e6).epsilon(1e-7));

  GridProbe probe(kQuantum);
  const auto first = probe.observe(slow, std::vector<std::uint8_t>{kClock}, 23.5e6); // beat 51.5
  const auto second = probe.observe(fast, std::vector<std::uint8_t>{kClock}, now);
  CHECK(first.tick == 1236);
  // At 24.15 s the fast grid, counted in the slow one's numbers, is at beat
  // 52 + 0.45: tick 1258.8, nearest 1259.
  CHECK(second.tick == 1259);
  CHECK(second.renumbered_beats == 8.0);
  CHECK(second.tempo_since_us == doctest::Approx(24e6).epsilon(1e-7));
}
