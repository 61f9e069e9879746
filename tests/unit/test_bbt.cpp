#include <doctest/doctest.h>

#include "session/SessionState.hpp"
#include "timeline/Bbt.hpp"

#include <chrono>
#include <cmath>

using linktools::HostTime;
using linktools::SessionState;
using linktools::timeline::bbt_at_beat;
using linktools::timeline::beat_of_bbt;
using linktools::timeline::BbtGrid;
using linktools::timeline::BbtPosition;
using linktools::timeline::start_bar_origin;

namespace {
BbtGrid grid(double quantum, double origin = 0.0, double ticks = 1920.0) {
  BbtGrid g;
  g.quantum = quantum;
  g.origin_beat = origin;
  g.ticks_per_beat = ticks;
  return g;
}
void check_position(const BbtPosition& p, int bar, int beat, int tick) {
  CHECK(p.bar == bar);
  CHECK(p.beat == beat);
  CHECK(p.tick == tick);
}
} // namespace

TEST_CASE("bbt: the origin is bar 1, beat 1, tick 0") {
  check_position(bbt_at_beat(0.0, grid(4)), 1, 1, 0);
  check_position(bbt_at_beat(8.0, grid(4, 8.0)), 1, 1, 0);
  CHECK(bbt_at_beat(0.0, grid(4)).bar_start_tick == 0.0);
}

TEST_CASE("bbt: beats and ticks inside a bar") {
  check_position(bbt_at_beat(1.0, grid(4)), 1, 2, 0);
  check_position(bbt_at_beat(2.5, grid(4)), 1, 3, 960);
  check_position(bbt_at_beat(3.999999, grid(4)), 1, 4, 1919);
  check_position(bbt_at_beat(0.25, grid(4, 0.0, 24.0)), 1, 1, 6);
}

TEST_CASE("bbt: bars count from the origin, and bar_start_tick with them") {
  check_position(bbt_at_beat(4.0, grid(4)), 2, 1, 0);
  CHECK(bbt_at_beat(4.0, grid(4)).bar_start_tick == 4 * 1920.0);
  check_position(bbt_at_beat(13.0, grid(4, 4.0)), 3, 2, 0);
  CHECK(bbt_at_beat(13.0, grid(4, 4.0)).bar_start_tick == 8 * 1920.0);
  check_position(bbt_at_beat(100.0 * 3 + 0.5, grid(3)), 101, 1, 960);
}

TEST_CASE("bbt: beats before the origin are bar 0 and below (a count-in)") {
  check_position(bbt_at_beat(-0.5, grid(4)), 0, 4, 960);
  check_position(bbt_at_beat(-4.0, grid(4)), 0, 1, 0);
  check_position(bbt_at_beat(-4.5, grid(4)), -1, 4, 960);
  CHECK(bbt_at_beat(-4.5, grid(4)).bar_start_tick == -8 * 1920.0);
}

TEST_CASE("bbt: a quantum that is not a whole number of beats leaves a short last beat") {
  check_position(bbt_at_beat(2.25, grid(2.5)), 1, 3, 480);
  check_position(bbt_at_beat(2.5, grid(2.5)), 2, 1, 0);
  check_position(bbt_at_beat(0.03125, grid(1.0 / 16)), 1, 1, 60);
  check_position(bbt_at_beat(0.0625, grid(1.0 / 16)), 2, 1, 0);
}

TEST_CASE("bbt: beat_of_bbt gives back the beat to the tick") {
  for (double beat : {0.0, 1.5, 3.999, 4.0, 17.3, -2.75, 1234.5678}) {
    const auto g = grid(4, 8.0);
    const double back = beat_of_bbt(bbt_at_beat(beat, g), g);
    CHECK(back <= beat);
    CHECK(beat - back < 1.0 / 1920);
  }
}

TEST_CASE("start_bar_origin: bar 1 is the bar the start falls in") {
  CHECK(start_bar_origin(0.0, 4) == 0.0);
  CHECK(start_bar_origin(5.3, 4) == 4.0);
  CHECK(start_bar_origin(7.99, 4) == 4.0);
  CHECK(start_bar_origin(8.0, 4) == 8.0);
  CHECK(start_bar_origin(-0.5, 4) == -4.0);
  CHECK(start_bar_origin(6.0, 3) == 6.0);
}

TEST_CASE("start_bar_origin: a start a microsecond before a bar line is on it") {
  // One microsecond at 999 BPM is 1.7e-5 beats.
  CHECK(start_bar_origin(7.99999, 4) == 8.0);
  CHECK(start_bar_origin(-0.00001, 4) == 0.0);
}

TEST_CASE("bbt: a tempo change in the middle of a bar keeps the bar lines on the grid") {
  using std::chrono::microseconds;
  // 120 BPM from t = 1 s, beat 0 there; a peer changes to 90 BPM at beat 5.5.
  auto state = SessionState::detached(120.0, HostTime(1'000'000), 0.0);
  const HostTime change = state.time_at_beat(5.5, 4.0);
  CHECK(change.count() == 1'000'000 + 2'750'000);
  state.set_tempo(90.0, change);
  const BbtGrid g = grid(4);

  // The beat at the change is unchanged, so the position is too.
  check_position(bbt_at_beat(state.beat_at_time(change, 4.0), g), 2, 2, 960);
  // Bar 3 begins at beat 8, 2.5 beats of 90 BPM (1 2/3 s) after the change.
  const HostTime bar3 = state.time_at_beat(8.0, 4.0);
  CHECK(std::abs(bar3.count() - (change.count() + 1'666'667)) <= 1);
  check_position(bbt_at_beat(state.beat_at_time(bar3 + microseconds(2), 4.0), g), 3, 1, 0);
  CHECK(bbt_at_beat(state.beat_at_time(bar3 - microseconds(2), 4.0), g).bar == 2);
  // And bars go on stepping by one, each 4 beats of 90 BPM long.
  int last_bar = 3;
  for (int i = 1; i <= 41; ++i) {
    const HostTime t = bar3 + microseconds(i * 2'666'667 / 4);
    const auto p = bbt_at_beat(state.beat_at_time(t, 4.0), g);
    CHECK(p.bar - last_bar <= 1);
    CHECK(p.bar - last_bar >= 0);
    last_bar = p.bar;
  }
  CHECK(last_bar == 13);
}

TEST_CASE("bbt: counting from the start bar of a session that started mid-bar") {
  // The session started at beat 5.25: bar 1 is beats 4..8.
  const double origin = start_bar_origin(5.25, 4);
  const BbtGrid g = grid(4, origin);
  check_position(bbt_at_beat(5.25, g), 1, 2, 480);
  check_position(bbt_at_beat(8.0, g), 2, 1, 0);
  CHECK(bbt_at_beat(8.0, g).bar_start_tick == 4 * 1920.0);
}

// JACK's integer tick is the floor of the position: up to a tick (260 us at
// 120 BPM, 520 us at 60, with 1920 ticks a beat) behind the grid. The double
// tick (JackTickDouble) carries the rest, so a client can place the beat to
// well under a frame (bench/RESULTS.md, issue 19).
TEST_CASE("bbt: the double tick holds the fraction the whole tick drops") {
  const BbtPosition p = bbt_at_beat(2.5 + 0.3 / 1920.0, grid(4));
  check_position(p, 1, 3, 960);
  CHECK(p.tick_double == doctest::Approx(960.3).epsilon(1e-9));
  const BbtPosition q = bbt_at_beat(7.0 - 1e-7, grid(4));
  CHECK(q.tick == 1919);
  CHECK(q.tick_double >= 1919.0);
  CHECK(q.tick_double < 1920.0);
}
