// The sequence player against a fake clock: detached session states (Link's
// own beat arithmetic, no network) rendered over made-up host-time windows.
#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "midi/Message.hpp"
#include "sequence/SequencePlayer.hpp"
#include "sequence/JsonFormat.hpp"

#include <fmt/core.h>

#include <cmath>
#include <algorithm>
#include <string>
#include <vector>

using linktools::HostTime;
using linktools::SequencePlayer;
using linktools::SequencePlayerOptions;
using linktools::SessionState;
using linktools::testing::check_balanced;
using linktools::testing::check_same_events;
using linktools::testing::Recorder;
namespace midi = linktools::midi;
namespace sequence = linktools::sequence;

namespace {

using namespace std::chrono_literals;

constexpr HostTime kT0 = 10s; // beat 0 of the fake session; 120 BPM: a beat is 500 ms

sequence::Sequence parse(const std::string& text) {
  auto r = sequence::parse_json_sequence(text);
  REQUIRE(r.ok());
  return std::move(r.sequence);
}

// One track on channel 1 with `events`; `top` adds document keys.
sequence::Sequence seq(const std::string& events, const std::string& top = "") {
  return parse(fmt::format(
      R"({{"format": "link-seq/1", {} "tracks": [{{"channel": 1, "events": [{}]}}]}})", top, events));
}

void render(SequencePlayer& player, const SessionState& state, HostTime from, HostTime to,
            Recorder& out, HostTime step = 5333us) {
  for (HostTime t = from; t < to; t += step) player.render(state, t, std::min(t + step, to), out);
}

// "note_on 60 @4.000" lines: what was sent, in order, with beats.
std::string listing(const std::vector<midi::Event>& events) {
  std::string out;
  for (const auto& e : events) {
    const auto d = midi::decode(e.message.view());
    REQUIRE(d);
    out += fmt::format("{} {} @{:.3f}\n", midi::kind_name(d->kind), d->data1, e.beat);
  }
  return out;
}

HostTime at_beat(double beat, double bpm = 120.0) {
  return kT0 + HostTime(std::llround(beat * 60e6 / bpm));
}

} // namespace

TEST_CASE("a sequence starts on the next bar and plays each event on its beat") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 0.5}, {"beat": 1.5, "cc": 7, "value": 100},
                        {"beat": 2, "program": 3})");
  const auto state = SessionState::detached(120.0, kT0);
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, state, at_beat(0.2), at_beat(12), out);
  CHECK(listing(out.events) == "note_on 60 @4.000\n"
                               "note_off 60 @4.500\n"
                               "control_change 7 @5.500\n"
                               "program_change 3 @6.000\n");
  CHECK(out.events[0].time == at_beat(4));
  CHECK(out.events[1].time == at_beat(4.5));
  CHECK(out.events[2].time == at_beat(5.5));
  CHECK(out.events[0].message == midi::note_on(1, 60, 100));
  CHECK(out.events[1].message == midi::note_off(1, 60));
  CHECK(player.done());
}

TEST_CASE("the same events whatever the windows") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 0.3}, {"beat": 0.25, "note": 62, "duration": 0.7},
                        {"beat": 1.333333, "note": 64, "duration": 0.01}, {"beat": 3.99, "cc": 1, "value": 2})",
                     R"("loop_beats": 4,)");
  const auto state = SessionState::detached(133.0, kT0);
  auto run = [&](HostTime step) {
    SequencePlayer player(s, SequencePlayerOptions{});
    Recorder out;
    render(player, state, at_beat(0.5), at_beat(20), out, step);
    return out.events;
  };
  check_same_events({run(1ms), run(5333us), run(250ms)});
}

TEST_CASE("a loop repeats seamlessly: no gap and no doubled event at the seam") {
  const auto s = seq(R"({"beat": 0, "note": 36, "duration": 0.25}, {"beat": 1, "note": 38, "duration": 0.25},
                        {"beat": 3.75, "note": 42, "duration": 0.25})",
                     R"("loop_beats": 4,)");
  const auto state = SessionState::detached(120.0, kT0);
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, state, at_beat(-0.1), at_beat(12), out); // starts on beat 0: three passes
  player.finish(at_beat(12), out);                         // the last hat's note-off
  std::vector<double> ons;
  for (const auto& e : out.events)
    if (midi::decode(e.message.view())->kind == midi::Kind::note_on) ons.push_back(e.beat);
  CHECK(out.events.back().message == midi::note_off(1, 42));
  CHECK(ons == std::vector<double>{0, 1, 3.75, 4, 5, 7.75, 8, 9, 11.75});
  // The hat at 3.75 ends exactly where the next pass's kick starts.
  CHECK(listing(out.events).find("note_off 42 @4.000\nnote_on 36 @4.000\n") != std::string::npos);
  check_balanced(out.events);
  CHECK_FALSE(player.done());
}

TEST_CASE("--loop without loop_beats repeats whole bars") {
  const auto s = seq(R"({"beat": 0, "program": 1}, {"beat": 5, "program": 2})");
  SequencePlayerOptions o;
  o.loop = true;
  SequencePlayer player(s, o);
  CHECK(player.pass_length() == 8.0);
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(0), at_beat(16), out);
  CHECK(listing(out.events) == "program_change 1 @0.000\nprogram_change 2 @5.000\n"
                               "program_change 1 @8.000\nprogram_change 2 @13.000\n");
}

TEST_CASE("a note longer than the loop rings into the next pass and retriggers") {
  const auto s = seq(R"({"beat": 1, "note": 60, "duration": 6})", R"("loop_beats": 4,)");
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(0), at_beat(16), out);
  // Pass 2's note finds pass 1's still sounding: off, then on; it then ends
  // at the later end (pass 2's, beat 11), and so on.
  CHECK(listing(out.events) == "note_on 60 @1.000\n"
                               "note_off 60 @5.000\nnote_on 60 @5.000\n"
                               "note_off 60 @9.000\nnote_on 60 @9.000\n"
                               "note_off 60 @13.000\nnote_on 60 @13.000\n");
  Recorder last;
  player.finish(at_beat(16), last);
  CHECK(listing(last.events).rfind("note_off 60", 0) == 0);
  out.events.insert(out.events.end(), last.events.begin(), last.events.end());
  check_balanced(out.events);
}

TEST_CASE("overlapping notes of one pitch: one note-off each, the pitch held to the later end") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 4}, {"beat": 1, "note": 60, "duration": 1},
                        {"beat": 1, "note": 60, "duration": 1, "velocity": 5})");
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(0), at_beat(8), out);
  CHECK(listing(out.events) == "note_on 60 @0.000\n"
                               "note_off 60 @1.000\nnote_on 60 @1.000\n"
                               "note_off 60 @1.000\nnote_on 60 @1.000\n"
                               "note_off 60 @4.000\n");
  check_balanced(out.events);
}

TEST_CASE("--beats stops there: sounding notes are released, later events not played") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 3}, {"beat": 2, "program": 1},
                        {"beat": 3, "note": 62, "duration": 1}, {"beat": 2, "cc": 64, "value": 127})",
                     R"("loop_beats": 4,)");
  SequencePlayerOptions o;
  o.length = 6.0;
  SequencePlayer player(s, o);
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(0), at_beat(12), out);
  CHECK(listing(out.events) == "note_on 60 @0.000\n"
                               "program_change 1 @2.000\ncontrol_change 64 @2.000\n"
                               "note_off 60 @3.000\nnote_on 62 @3.000\nnote_off 62 @4.000\n"
                               "note_on 60 @4.000\n"
                               // the limit: note 60 still sounding, the pedal held
                               "note_off 60 @6.000\ncontrol_change 64 @6.000\n");
  CHECK(out.events.back().message == midi::control_change(1, 64, 0));
  CHECK(player.done());
}

TEST_CASE("an event on the natural end of a sequence still plays") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 2}, {"beat": 2, "cc": 1, "value": 0})");
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(0), at_beat(4), out);
  CHECK(listing(out.events) == "note_on 60 @0.000\nnote_off 60 @2.000\ncontrol_change 1 @2.000\n");
  CHECK(player.done());
}

TEST_CASE("finish releases every sounding note and held pedal, once") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 8}, {"beat": 0, "note": 64, "duration": 8},
                        {"beat": 0, "cc": 64, "value": 100}, {"beat": 0, "raw": [145, 70, 90]},
                        {"beat": 0.5, "raw": [145, 70, 0]}, {"beat": 0.5, "raw": [146, 71, 90]})");
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(0), at_beat(1), out);
  Recorder last;
  player.finish(at_beat(1), last);
  std::vector<midi::Message> got;
  for (const auto& e : last.events) {
    got.push_back(e.message);
    CHECK(e.time == at_beat(1));
  }
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
  CHECK(got == std::vector<midi::Message>{midi::note_off(1, 60), midi::note_off(1, 64),
                                          midi::note_off(3, 71), midi::control_change(1, 64, 0)});
  Recorder again;
  player.finish(at_beat(2), again);
  CHECK(again.events.empty());
}

TEST_CASE("a tempo change moves the next events; note lengths follow it") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 1}, {"beat": 2, "note": 62, "duration": 1})");
  const auto before = SessionState::detached(120.0, kT0);
  // From beat 1 on, 60 BPM: beat 1 at kT0 + 500 ms, a beat lasts a second.
  auto slower = before;
  slower.set_tempo(60.0, at_beat(1));
  SequencePlayer player(s, SequencePlayerOptions{});
  Recorder out;
  render(player, before, at_beat(0), at_beat(0.5), out);
  render(player, slower, at_beat(0.5), at_beat(1) + 5s, out);
  REQUIRE(out.events.size() == 4);
  CHECK(out.events[0].time == at_beat(0));
  CHECK(out.events[1].time == at_beat(1));       // beat 1: before and after the change
  CHECK(out.events[2].time == at_beat(1) + 1s);  // beat 2 at 60 BPM
  CHECK(out.events[3].time == at_beat(1) + 2s);
}

TEST_CASE("with start/stop sync it plays while the session plays, from the session's first bar") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 2}, {"beat": 3, "program": 9})");
  SequencePlayerOptions o;
  o.start_stop_sync = true;
  SequencePlayer player(s, o);
  auto state = SessionState::detached(120.0, kT0);
  Recorder out;
  render(player, state, at_beat(0), at_beat(2), out); // stopped: nothing
  CHECK(out.events.empty());
  state.set_is_playing(true, at_beat(2.5)); // starts mid-bar: the music starts on bar 4
  render(player, state, at_beat(2), at_beat(5), out);
  CHECK(listing(out.events) == "note_on 60 @4.000\n");
  state.set_is_playing(false, at_beat(5.25)); // stops mid-note
  render(player, state, at_beat(5), at_beat(8), out);
  CHECK(listing(out.events) == "note_on 60 @4.000\nnote_off 60 @5.250\n");
  CHECK(out.events.back().time == at_beat(5.25));
  CHECK_FALSE(player.playing());
  state.set_is_playing(true, at_beat(8)); // starts again: from the beginning
  render(player, state, at_beat(8), at_beat(12), out);
  CHECK(listing(out.events) == "note_on 60 @4.000\nnote_off 60 @5.250\n"
                               "note_on 60 @8.000\nnote_off 60 @10.000\nprogram_change 9 @11.000\n");
}

TEST_CASE("joining a session that already plays: the next bar, from the start") {
  const auto s = seq(R"({"beat": 0, "program": 1})");
  SequencePlayerOptions o;
  o.start_stop_sync = true;
  SequencePlayer player(s, o);
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, at_beat(0));
  Recorder out;
  render(player, state, at_beat(9), at_beat(13), out);
  CHECK(listing(out.events) == "program_change 1 @12.000\n");
}

TEST_CASE("joined a playing session: a stop Link dated ends the notes at its time, whatever the hint") {
  // Link reported nothing (its own state: stopped when we joined, at beat 1);
  // the peers' announcements said playing.
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 16})", R"("loop_beats": 16,)");
  SequencePlayerOptions o;
  o.start_stop_sync = true;
  SequencePlayer player(s, o);
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(false, at_beat(1));
  player.set_transport_hint(true);
  Recorder out;
  render(player, state, at_beat(2), at_beat(5), out);
  CHECK(listing(out.events) == "note_on 60 @4.000\n");
  // The stop, dated on the next bar line; the announcements may say so at once.
  state.set_is_playing(false, at_beat(8));
  render(player, state, at_beat(5), at_beat(6), out);
  player.set_transport_hint(false);
  render(player, state, at_beat(6), at_beat(10), out);
  CHECK(listing(out.events) == "note_on 60 @4.000\nnote_off 60 @8.000\n");
  CHECK(out.events.back().time == at_beat(8));
  // A stale "playing" hint does not start it again.
  player.set_transport_hint(true);
  render(player, state, at_beat(10), at_beat(14), out);
  CHECK(out.events.size() == 2);
}

TEST_CASE("a jump of the beat grid by whole bars: the sequence goes on where it was") {
  const auto s = seq(R"({"beat": 0, "program": 0}, {"beat": 1, "program": 1}, {"beat": 2, "program": 2},
                        {"beat": 3, "program": 3})");
  SequencePlayer player(s, SequencePlayerOptions{});
  const auto before = SessionState::detached(120.0, kT0);
  auto after = before;
  after.force_beat_at_time(8.0, kT0, 4.0); // the grid jumped 8 beats ahead
  Recorder out;
  render(player, before, at_beat(0), at_beat(1.5), out);
  render(player, after, at_beat(1.5), at_beat(4), out);
  CHECK(listing(out.events) == "program_change 0 @0.000\nprogram_change 1 @1.000\n"
                               "program_change 2 @10.000\nprogram_change 3 @11.000\n");
  CHECK(out.events[2].time == at_beat(2));
}

TEST_CASE("a small jump ahead sends the events it passed at once, none lost or doubled") {
  const auto s = seq(R"({"beat": 0, "program": 0}, {"beat": 1, "program": 1}, {"beat": 1.25, "program": 2},
                        {"beat": 2, "program": 3})");
  SequencePlayer player(s, SequencePlayerOptions{});
  const auto before = SessionState::detached(120.0, kT0);
  auto after = before;
  after.force_beat_at_time(0.5, kT0, 4.0); // half a beat ahead
  Recorder out;
  render(player, before, at_beat(0), at_beat(0.75), out);
  render(player, after, at_beat(0.75), at_beat(2), out);
  CHECK(listing(out.events) == "program_change 0 @0.000\nprogram_change 1 @1.000\n"
                               "program_change 2 @1.250\nprogram_change 3 @2.000\n");
  CHECK(out.events[1].time == at_beat(0.75)); // overdue: the first moment of the window
  CHECK(out.events[3].time == at_beat(1.5));
}

TEST_CASE("a stalled output skips ahead instead of sending a burst") {
  std::string events;
  for (int i = 0; i < 64; ++i) events += fmt::format("{}{{\"beat\": {}, \"program\": {}}}", i ? "," : "", i, i);
  const auto s = seq(events);
  SequencePlayer player(s, SequencePlayerOptions{});
  const auto state = SessionState::detached(120.0, kT0);
  Recorder out;
  render(player, state, at_beat(0), at_beat(2.5), out);
  render(player, state, at_beat(20), at_beat(21.5), out); // 17.5 beats never rendered
  CHECK(listing(out.events) == "program_change 0 @0.000\nprogram_change 1 @1.000\n"
                               "program_change 2 @2.000\nprogram_change 20 @20.000\n"
                               "program_change 21 @21.000\n");
}

TEST_CASE("offset: a negative offset sends everything earlier") {
  const auto s = seq(R"({"beat": 0, "note": 60, "duration": 1})");
  SequencePlayerOptions o;
  o.offset = -20ms;
  SequencePlayer player(s, o);
  Recorder out;
  render(player, SessionState::detached(120.0, kT0), at_beat(-1), at_beat(2), out);
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[0].time == at_beat(0) - 20ms);
  CHECK(out.events[1].time == at_beat(1) - 20ms);
}

TEST_CASE("an empty sequence is done at once; an empty loop plays silence") {
  const auto empty = parse(R"({"format": "link-seq/1", "tracks": []})");
  SequencePlayer once(empty, SequencePlayerOptions{});
  Recorder out;
  render(once, SessionState::detached(120.0, kT0), at_beat(0), at_beat(1), out);
  CHECK(once.done());
  SequencePlayerOptions o;
  o.loop = true;
  SequencePlayer loop(empty, o);
  render(loop, SessionState::detached(120.0, kT0), at_beat(0), at_beat(10), out);
  CHECK_FALSE(loop.done());
  CHECK(out.events.empty());
}

TEST_CASE("note tracker: ends in order, retrigger keeps the later end, shift, release") {
  linktools::NoteTracker t;
  CHECK(t.next_end() == linktools::NoteTracker::kForever);
  CHECK_FALSE(t.start(1, 60, 4.0));
  CHECK_FALSE(t.start(2, 60, 2.0)); // another channel: another note
  CHECK_FALSE(t.start(1, 64, linktools::NoteTracker::kForever));
  CHECK(t.sounding() == 3);
  int ch = 0, note = 0;
  CHECK(t.next_end() == 2.0);
  t.next_due(ch, note);
  CHECK((ch == 2 && note == 60));
  t.stop(ch, note);
  CHECK(t.next_end() == 4.0);
  CHECK(t.start(1, 60, 3.0)); // already sounding: a retrigger, still ends at 4
  CHECK(t.next_end() == 4.0);
  CHECK(t.start(1, 60, 6.0)); // now ends at 6
  CHECK(t.next_end() == 6.0);
  t.shift(-4.0);
  CHECK(t.next_end() == 2.0);
  t.controller(1, 64, 127);
  t.controller(3, 66, 64);
  t.controller(3, 66, 10); // released again: nothing owed
  std::vector<std::pair<int, int>> offs, pedals;
  t.release_all([&](int c, int n) { offs.emplace_back(c, n); },
                [&](int c, int cc) { pedals.emplace_back(c, cc); });
  std::sort(offs.begin(), offs.end());
  CHECK(offs == std::vector<std::pair<int, int>>{{1, 60}, {1, 64}});
  CHECK(pedals == std::vector<std::pair<int, int>>{{1, 64}});
  CHECK(t.sounding() == 0);
  CHECK(t.next_end() == linktools::NoteTracker::kForever);
  CHECK_FALSE(t.is_sounding(1, 60));
}

TEST_CASE("note tracker: every pitch on every channel at once") {
  linktools::NoteTracker t;
  for (int ch = 1; ch <= 16; ++ch)
    for (int n = 0; n < 128; ++n) CHECK_FALSE(t.start(ch, n, ch * 1000.0 + n));
  CHECK(t.sounding() == 16 * 128);
  t.stop_channel(16);
  CHECK(t.sounding() == 15 * 128);
  double last = -1.0;
  while (t.next_end() != linktools::NoteTracker::kForever) {
    CHECK(t.next_end() > last);
    last = t.next_end();
    int ch = 0, note = 0;
    t.next_due(ch, note);
    CHECK(last == ch * 1000.0 + note);
    t.stop(ch, note);
  }
  CHECK(t.sounding() == 0);
}
