// The MIDI clock against a fake clock: detached session states (Link's own
// beat arithmetic, no network) rendered over made-up host-time windows.
#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "midi/Message.hpp"
#include "midi/MidiClock.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

using linktools::HostTime;
using linktools::MidiClock;
using linktools::MidiClockOptions;
using linktools::SessionState;
using linktools::testing::check_same_events;
using linktools::testing::Recorder;
namespace midi = linktools::midi;

namespace {

using namespace std::chrono_literals;

constexpr HostTime kT0 = 10s; // beat 0 of the fake session

// Renders [from, to) in back-to-back windows of `step`.
void render(MidiClock& clock, const SessionState& state, HostTime from, HostTime to,
            Recorder& out, HostTime step = 21333us) {
  for (HostTime t = from; t < to; t += step) clock.render(state, t, std::min(t + step, to), out);
}

MidiClockOptions free_running() {
  MidiClockOptions o;
  o.start_stop_sync = false;
  return o;
}

// Ideal time of tick k at a constant tempo from kT0.
HostTime tick_time(std::int64_t k, double bpm, HostTime origin = kT0) {
  return origin + HostTime(std::llround(static_cast<double>(k) * 60e6 / bpm / 24.0));
}

} // namespace

TEST_CASE("120 BPM: 48 ticks a second, each on beat k/24") {
  const auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(free_running());
  Recorder out;
  render(clock, state, kT0, kT0 + 1s, out);
  const auto ticks = out.of(midi::kClock);
  REQUIRE(ticks.size() == 48);
  for (std::size_t k = 0; k < ticks.size(); ++k) {
    CHECK(std::abs((ticks[k].time - tick_time(static_cast<std::int64_t>(k), 120.0)).count()) <= 1);
    CHECK(ticks[k].beat == doctest::Approx(static_cast<double>(k) / 24.0));
  }
  CHECK(clock.ticks_sent() == 48);
}

TEST_CASE("the window size does not change what is sent") {
  const auto state = SessionState::detached(133.0, kT0, 0.37);
  const auto run = [&](HostTime step) {
    MidiClock clock(free_running());
    Recorder out;
    render(clock, state, kT0, kT0 + 3s, out, step);
    return out.events;
  };
  check_same_events({run(1333us), run(21333us), run(97us)});
}

TEST_CASE("events are in time order and inside their window") {
  auto state = SessionState::detached(97.0, kT0);
  MidiClock clock(free_running());
  struct Checker final : midi::EventSink {
    HostTime from{}, to{}, last{};
    int bad = 0, count = 0;
    void emit(const midi::Event& e) noexcept override {
      ++count;
      if (e.time < from || e.time >= to || e.time < last) ++bad;
      last = e.time;
    }
  } checker;
  for (HostTime t = kT0; t < kT0 + 2s; t += 777us) {
    checker.from = t;
    checker.to = t + 777us;
    clock.render(state, t, t + 777us, checker);
  }
  CHECK(checker.count > 0);
  CHECK(checker.bad == 0);
}

TEST_CASE("a tempo change mid-bar moves every later tick, and only those") {
  auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(free_running());
  Recorder out;
  const HostTime change = kT0 + 1250ms; // beat 2.5: mid-bar, mid-tick
  render(clock, state, kT0, change, out);
  const auto before = out.of(midi::kClock).size();
  state.set_tempo(60.0, change);
  render(clock, state, change, change + 2s, out);
  const auto ticks = out.of(midi::kClock);
  // Up to the change: 120 BPM; after it: 60 BPM from the beat reached at the change.
  CHECK(before == 60); // ticks 0..59 lie before beat 2.5
  for (std::size_t k = 0; k < before; ++k)
    CHECK(std::abs((ticks[k].time - tick_time(static_cast<std::int64_t>(k), 120.0)).count()) <= 1);
  for (std::size_t k = before; k < ticks.size(); ++k) {
    const auto ideal = change + HostTime(std::llround((static_cast<double>(k) / 24.0 - 2.5) * 1e6));
    CHECK(std::abs((ticks[k].time - ideal).count()) <= 1);
  }
  CHECK(ticks.size() == before + 48); // 2 s at 60 BPM
  // No tick twice, none missing.
  for (std::size_t k = 1; k < ticks.size(); ++k)
    CHECK(ticks[k].beat == doctest::Approx(ticks[k - 1].beat + 1.0 / 24.0));
}

TEST_CASE("without start/stop sync: Start on the next quantum boundary after launch") {
  const auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(free_running());
  Recorder out;
  const HostTime launch = kT0 + 700ms; // beat 1.4
  render(clock, state, launch, launch + 3s, out);
  const auto starts = out.of(midi::kStart);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].beat == doctest::Approx(4.0));
  CHECK(std::abs((starts[0].time - (kT0 + 2s)).count()) <= 1);
  // Start comes just before the tick it starts on, at the same time.
  std::size_t i = 0;
  while (out.events[i].message != midi::start()) ++i;
  REQUIRE(i + 1 < out.events.size());
  CHECK(out.events[i + 1].message == midi::clock());
  CHECK(out.events[i + 1].time == starts[0].time);
  // The clock ran (idle) before the Start.
  CHECK(out.events.front().message == midi::clock());
  CHECK(out.events.front().time < starts[0].time);
}

TEST_CASE("--no-idle-clock: no tick before Start; Start then ticks") {
  auto options = free_running();
  options.idle_clock = false;
  const auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(options);
  Recorder out;
  render(clock, state, kT0 + 100ms, kT0 + 3s, out);
  REQUIRE(!out.events.empty());
  CHECK(out.events.front().message == midi::start());
  CHECK(out.events.front().beat == doctest::Approx(4.0));
  CHECK(out.of(midi::kClock).front().beat == doctest::Approx(4.0));
}

TEST_CASE("with sync: Start on the first bar boundary after the session starts; Stop when it stops") {
  auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(MidiClockOptions{});
  Recorder out;
  render(clock, state, kT0, kT0 + 1s, out);
  CHECK(out.of(midi::kStart).empty()); // stopped: idle clock only
  CHECK(out.of(midi::kClock).size() == 48);
  CHECK(!clock.running());

  const HostTime play = kT0 + 2750ms; // beat 5.5
  state.set_is_playing(true, play);
  render(clock, state, kT0 + 1s, kT0 + 6s, out);
  const auto starts = out.of(midi::kStart);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].beat == doctest::Approx(8.0));
  CHECK(std::abs((starts[0].time - (kT0 + 4s)).count()) <= 1);
  CHECK(clock.running());

  const HostTime halt = kT0 + 6100ms;
  state.set_is_playing(false, halt);
  render(clock, state, kT0 + 6s, kT0 + 7s, out);
  const auto stops = out.of(midi::kStop);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].time == halt);
  CHECK(!clock.running());
  // The clock keeps running while stopped (idle clock is the default).
  CHECK(out.of(midi::kClock).back().time > halt);
  CHECK(out.of(midi::kClock).size() == 48 * 7);
}

TEST_CASE("with sync and --no-idle-clock: no ticks after Stop") {
  MidiClockOptions options;
  options.idle_clock = false;
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, kT0);
  MidiClock clock(options);
  Recorder out;
  render(clock, state, kT0, kT0 + 1s, out);
  REQUIRE(out.of(midi::kStart).size() == 1);
  CHECK(out.of(midi::kStart)[0].time == kT0);
  state.set_is_playing(false, kT0 + 1s);
  render(clock, state, kT0 + 1s, kT0 + 2s, out);
  REQUIRE(out.of(midi::kStop).size() == 1);
  CHECK(out.events.back().message == midi::stop());
  CHECK(out.of(midi::kClock).size() == 48);
}

TEST_CASE("joining a playing session (start time unknown): Start waits for the next bar") {
  const auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(MidiClockOptions{});
  clock.set_transport_hint(true);
  Recorder out;
  render(clock, state, kT0 + 2500ms, kT0 + 5s, out); // beat 5 .. 10
  const auto starts = out.of(midi::kStart);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].beat == doctest::Approx(8.0));
  CHECK(out.of(midi::kContinue).empty());
  CHECK(out.of(midi::kSongPosition).empty());
}

// Joined while the session played: Link reported nothing (its own state said
// stopped, dated when we joined), and the peers' announcements said playing.
// A stop arrives: Link takes in its time without reporting a change. The
// clock stops at that time, not when the announcements are next looked at.
TEST_CASE("joined a playing session: a stop Link dated rules at its own time, whatever the hint") {
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(false, kT0 + 1s); // the joiner's own, older than our start
  MidiClock clock(MidiClockOptions{});
  clock.set_transport_hint(true);
  Recorder out;
  render(clock, state, kT0 + 2500ms, kT0 + 5s, out); // Start on beat 8 (4 s)
  REQUIRE(out.of(midi::kStart).size() == 1);

  SUBCASE("a stop dated on the next bar line, the hint still playing") {
    state.set_is_playing(false, kT0 + 6s); // beat 12
    render(clock, state, kT0 + 5s, kT0 + 7s, out);
  }
  SUBCASE("a stop dated on the next bar line, the hint already stopped") {
    // The announcements say "stopped" at once, though the stop is a bar away.
    state.set_is_playing(false, kT0 + 6s);
    clock.set_transport_hint(false);
    render(clock, state, kT0 + 5s, kT0 + 7s, out);
  }
  const auto stops = out.of(midi::kStop);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].time == kT0 + 6s);
  CHECK(stops[0].beat == doctest::Approx(12.0));
  CHECK(!clock.running());
  // The stale "playing" hint does not start it again.
  clock.set_transport_hint(true);
  render(clock, state, kT0 + 7s, kT0 + 10s, out);
  CHECK(out.of(midi::kStart).size() == 1);
}

TEST_CASE("joined a playing session: a stop known only from the announcements is at once") {
  const auto state = SessionState::detached(120.0, kT0); // Link knows of no stop
  MidiClock clock(MidiClockOptions{});
  clock.set_transport_hint(true);
  Recorder out;
  render(clock, state, kT0 + 2500ms, kT0 + 5s, out);
  REQUIRE(out.of(midi::kStart).size() == 1);
  clock.set_transport_hint(false);
  clock.render(state, kT0 + 5s, kT0 + 5010ms, out);
  const auto stops = out.of(midi::kStop);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].time == kT0 + 5s);
}

TEST_CASE("--spp joining a playing session: position of the next sixteenth in the bar, then Continue") {
  MidiClockOptions options;
  options.song_position = true;
  const auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(options);
  clock.set_transport_hint(true);
  Recorder out;
  // Beat 5.1: the next sixteenth is beat 5.25, sixteenth 5 of the bar 4..8.
  render(clock, state, kT0 + 2550ms, kT0 + 4s, out);
  // Idle ticks until then (beats 5.125 .. 5.2083), then position, Continue, tick.
  std::size_t i = 0;
  while (i < out.events.size() && out.events[i].message == midi::clock()) ++i;
  CHECK(i == 3);
  REQUIRE(out.events.size() >= i + 3);
  const auto& spp = out.events[i];
  CHECK(spp.message == midi::song_position(5));
  CHECK(spp.beat == doctest::Approx(5.25));
  CHECK(out.events[i + 1].message == midi::continue_());
  CHECK(out.events[i + 1].time == spp.time);
  CHECK(out.events[i + 2].message == midi::clock());
  CHECK(out.events[i + 2].time == spp.time);
  CHECK(out.of(midi::kStart).empty());
}

TEST_CASE("--spp after a known start that was missed: position counted from the song's first bar") {
  MidiClockOptions options;
  options.song_position = true;
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, kT0 + 100ms); // the song starts on beat 4 (the next bar)
  MidiClock clock(options);
  Recorder out;
  // We only start rendering at beat 13.1: the start was missed.
  render(clock, state, kT0 + 6550ms, kT0 + 8s, out);
  // Next sixteenth: beat 13.25 = 9.25 beats after beat 4 = 37 sixteenths.
  const auto spp = out.of(midi::kSongPosition);
  REQUIRE(spp.size() == 1);
  CHECK(spp[0].message == midi::song_position(37));
  CHECK(spp[0].beat == doctest::Approx(13.25));
  REQUIRE(out.of(midi::kContinue).size() == 1);
  CHECK(out.of(midi::kContinue)[0].time == spp[0].time);
}

TEST_CASE("--offset-ms shifts every event by the offset, either way") {
  const auto run = [](HostTime offset) {
    auto options = free_running();
    options.offset = offset;
    const auto state = SessionState::detached(120.0, kT0);
    MidiClock clock(options);
    Recorder out;
    render(clock, state, kT0 + 1s, kT0 + 4s, out);
    return out.events;
  };
  const auto plain = run(0us);
  const auto late = run(7500us);
  const auto early = run(-7500us);
  REQUIRE(plain.size() > 10);
  // Compare events by beat: the same beat, 7.5 ms later or earlier.
  const auto find = [](const std::vector<midi::Event>& events, double beat, const midi::Message& m) {
    for (const auto& e : events)
      if (e.message == m && std::abs(e.beat - beat) < 1e-9) return e.time;
    return HostTime{-1};
  };
  for (double beat : {2.5, 3.0, 4.0, 5.0 + 1.0 / 24.0}) {
    const auto t = find(plain, beat, midi::clock());
    REQUIRE(t.count() > 0);
    CHECK(find(late, beat, midi::clock()) == t + 7500us);
    CHECK(find(early, beat, midi::clock()) == t - 7500us);
  }
  CHECK(find(late, 4.0, midi::start()) == find(plain, 4.0, midi::start()) + 7500us);
}

TEST_CASE("the grid stepping back a little repeats no tick; a new grid starts over") {
  auto state = SessionState::detached(120.0, kT0);
  MidiClock clock(free_running());
  Recorder out;
  render(clock, state, kT0, kT0 + 1s, out);
  // A tenth of a beat back: the ticks already sent are not sent again.
  state.force_beat_at_time(1.9, kT0 + 1s, 4.0);
  render(clock, state, kT0 + 1s, kT0 + 2s, out);
  auto ticks = out.of(midi::kClock);
  for (std::size_t k = 1; k < ticks.size(); ++k) CHECK(ticks[k].beat > ticks[k - 1].beat);
  // Eight beats back: a new grid; the clock keeps going on it.
  state.force_beat_at_time(-4.0, kT0 + 2s, 4.0);
  const auto count = out.of(midi::kClock).size();
  render(clock, state, kT0 + 2s, kT0 + 3s, out);
  CHECK(out.of(midi::kClock).size() == count + 48);
}

TEST_CASE("a faster tempo heard of late: the ticks the grid jumped over go out at once") {
  auto state = SessionState::detached(60.0, kT0);
  MidiClock clock(free_running());
  Recorder out;
  render(clock, state, kT0, kT0 + 1s, out); // beats 0..1: ticks 0..23
  REQUIRE(out.of(midi::kClock).size() == 24);
  // A peer went to 180 BPM at 0.9 s; we hear of it only now, at 1 s, when the
  // grid already stands at beat 1.2 (tick 28.8).
  state.set_tempo(180.0, kT0 + 900ms);
  render(clock, state, kT0 + 1s, kT0 + 2s, out);
  const auto ticks = out.of(midi::kClock);
  for (std::size_t k = 0; k < ticks.size(); ++k)
    CHECK(ticks[k].beat == doctest::Approx(static_cast<double>(k) / 24.0)); // none skipped
  for (std::size_t k = 24; k <= 28; ++k) CHECK(ticks[k].time == kT0 + 1s);  // overdue: at once
  CHECK(ticks[29].time > kT0 + 1s);
  CHECK(ticks.size() == 101); // then 180 BPM up to beat 4.2: ticks 0..100
}

TEST_CASE("finish sends Stop") {
  MidiClock clock(free_running());
  Recorder out;
  clock.finish(kT0, out);
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].message == midi::stop());
}

TEST_CASE("song positions") {
  using linktools::midiclock::song_position_at;
  CHECK(song_position_at(4.0, 4.0, 4.0) == 0);
  CHECK(song_position_at(5.25, 4.0, 4.0) == 5);
  CHECK(song_position_at(3.0, 4.0, 4.0) == 0); // before the start
  CHECK(song_position_at(4096.0 + 4.0 - 0.25, 4.0, 4.0) == 16383);
  // Past 14 bits: wraps by whole bars, keeping the sixteenth within the bar.
  const int wrapped = song_position_at(4096.0 + 4.0 + 1.0, 4.0, 4.0);
  CHECK(wrapped < 16384);
  CHECK(wrapped % 16 == (4096 * 4 + 4) % 16);
}
