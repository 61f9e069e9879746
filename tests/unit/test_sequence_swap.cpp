// Live editing: a SequencePlayer on SequenceVersions swapping to a new
// version on its boundary, against a fake clock (detached session states
// rendered over made-up windows), as test_sequence_player.cpp does.
#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "midi/Message.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/SequencePlayer.hpp"
#include "sequence/SequenceVersions.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cmath>
#include <map>
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
using SwapAt = SequencePlayerOptions::SwapAt;

namespace {

using namespace std::chrono_literals;

constexpr HostTime kT0 = 10s; // beat 0; 120 BPM: a beat is 500 ms

HostTime at_beat(double beat) { return kT0 + HostTime(std::llround(beat * 500e3)); }

sequence::Sequence seq(const std::string& events, const std::string& top = R"("loop_beats": 4,)") {
  auto r = sequence::parse_json_sequence(fmt::format(
      R"({{"format": "link-seq/1", {} "tracks": [{{"channel": 1, "events": [{}]}}]}})", top, events));
  REQUIRE(r.ok());
  return std::move(r.sequence);
}

// One note of `pitch` on every beat of a 4-beat loop, a quarter beat long.
sequence::Sequence every_beat(int pitch) {
  return seq(fmt::format(R"({{"beat": 0, "note": {0}, "duration": 0.25}}, {{"beat": 1, "note": {0}, "duration": 0.25}},
                            {{"beat": 2, "note": {0}, "duration": 0.25}}, {{"beat": 3, "note": {0}, "duration": 0.25}})",
                         pitch));
}

void render(SequencePlayer& player, HostTime from, HostTime to, Recorder& out, HostTime step = 5333us) {
  const auto state = SessionState::detached(120.0, kT0);
  for (HostTime t = from; t < to; t += step) player.render(state, t, std::min(t + step, to), out);
}

// "on 60 @4.000" / "off 60 @4.250" lines.
std::string listing(const std::vector<midi::Event>& events) {
  std::string out;
  for (const auto& e : events) {
    const auto d = midi::decode(e.message.view());
    REQUIRE(d);
    const char* kind = d->kind == midi::Kind::note_on ? "on" : d->kind == midi::Kind::note_off ? "off" : "other";
    out += fmt::format("{} {} @{:.3f}\n", kind, d->data1, e.beat);
  }
  return out;
}

// The beats of every note-on of `pitch`.
std::vector<double> ons(const std::vector<midi::Event>& events, int pitch) {
  std::vector<double> beats;
  for (const auto& e : events) {
    const auto d = midi::decode(e.message.view());
    if (d->kind == midi::Kind::note_on && d->data1 == pitch) beats.push_back(e.beat);
  }
  return beats;
}

} // namespace

TEST_CASE("a new version takes over exactly on the loop's end, not before") {
  sequence::SequenceVersions versions(every_beat(60));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(5.3), out);
  versions.offer(every_beat(72));
  render(player, at_beat(5.3), at_beat(12), out);
  CHECK(player.pending_generation() == 0);
  CHECK(player.playing_generation() == 2);
  CHECK(player.swaps() == 1);
  CHECK(ons(out.events, 60) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(ons(out.events, 72) == std::vector<double>{8, 9, 10, 11});
  const auto first_new = std::find_if(out.events.begin(), out.events.end(), [](const midi::Event& e) {
    return e.message == midi::note_on(1, 72, 100);
  });
  REQUIRE(first_new != out.events.end());
  CHECK(first_new->time == at_beat(8));
  player.finish(at_beat(12), out);
  check_balanced(out.events);
}

TEST_CASE("the swap waits for its boundary: seen in the middle of a bar, nothing changes before it") {
  sequence::SequenceVersions versions(every_beat(60));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(4.01), out);
  versions.offer(every_beat(72));
  render(player, at_beat(4.01), at_beat(7.99), out);
  CHECK(player.pending_generation() == 2);
  CHECK(player.pending_position() == 8.0);
  CHECK(ons(out.events, 72).empty());
  CHECK(versions.alive() == 2); // the old version still plays: not freed
  render(player, at_beat(7.99), at_beat(8.01), out);
  CHECK(ons(out.events, 72) == std::vector<double>{8});
  versions.collect();
  CHECK(versions.alive() == 1); // the old one was let go of, and freed on this thread
}

TEST_CASE("--swap-at beat and bar, and a file without loop_beats swaps on the next bar") {
  const auto run = [](SwapAt at, const std::string& top) {
    sequence::SequenceVersions versions(seq(R"({"beat": 0, "note": 60, "duration": 0.25}, {"beat": 1, "note": 60, "duration": 0.25},
                                               {"beat": 2, "note": 60, "duration": 0.25}, {"beat": 3, "note": 60, "duration": 0.25},
                                               {"beat": 4, "note": 60, "duration": 0.25}, {"beat": 5, "note": 60, "duration": 0.25},
                                               {"beat": 6, "note": 60, "duration": 0.25}, {"beat": 7, "note": 60, "duration": 0.25})",
                                            top));
    SequencePlayerOptions o;
    o.swap_at = at;
    o.quantum = 2.0;
    SequencePlayer player(versions, o);
    Recorder out;
    render(player, at_beat(-0.1), at_beat(2.5), out);
    versions.offer(seq(R"({"beat": 0, "note": 72, "duration": 0.25}, {"beat": 1, "note": 72, "duration": 0.25},
                          {"beat": 2, "note": 72, "duration": 0.25}, {"beat": 3, "note": 72, "duration": 0.25},
                          {"beat": 4, "note": 72, "duration": 0.25}, {"beat": 5, "note": 72, "duration": 0.25},
                          {"beat": 6, "note": 72, "duration": 0.25}, {"beat": 7, "note": 72, "duration": 0.25})",
                       top));
    render(player, at_beat(2.5), at_beat(8.5), out);
    return ons(out.events, 72).front();
  };
  CHECK(run(SwapAt::beat, R"("loop_beats": 8,)") == 3.0);
  CHECK(run(SwapAt::bar, R"("loop_beats": 8,)") == 4.0);   // the quantum: 2
  CHECK(run(SwapAt::loop, R"("loop_beats": 8,)") == 8.0);
  CHECK(run(SwapAt::automatic, "") == 4.0);                // no loop_beats: the bar
}

TEST_CASE("a note sounding at the seam ends once: at its own end, or at the swap with cut") {
  // A long note across the seam (beat 3 of the loop, two beats long: pass
  // 2's ends on beat 9).
  const auto old_version = seq(R"({"beat": 3, "note": 50, "duration": 2})");
  const auto new_version = seq(R"({"beat": 0, "note": 72, "duration": 0.5})");
  for (const bool cut : {false, true}) {
    CAPTURE(cut);
    sequence::SequenceVersions versions(old_version);
    SequencePlayerOptions o;
    o.cut_at_swap = cut;
    SequencePlayer player(versions, o);
    Recorder out;
    render(player, at_beat(-0.1), at_beat(6), out);
    versions.offer(new_version);
    render(player, at_beat(6), at_beat(12), out);
    player.finish(at_beat(12), out);
    check_balanced(out.events);
    const std::string expected_seam = cut ? "off 50 @8.000\non 72 @8.000\noff 72 @8.500\n"
                                          : "on 72 @8.000\noff 72 @8.500\noff 50 @9.000\n";
    CHECK(listing(out.events) == "on 50 @3.000\noff 50 @5.000\non 50 @7.000\n" + expected_seam);
  }
}

TEST_CASE("the seam beat's events: the new version's, played once; the old one's not at all") {
  // Both versions have a note on the loop's first beat; the same pitch
  // still sounding from the old version is ended first (a retrigger).
  sequence::SequenceVersions versions(seq(R"({"beat": 0, "note": 60, "duration": 0.5}, {"beat": 3.5, "note": 64, "duration": 1})"));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(6), out);
  versions.offer(seq(R"({"beat": 0, "note": 64, "duration": 0.5, "velocity": 7}, {"beat": 0, "note": 67, "duration": 0.5})"));
  render(player, at_beat(6), at_beat(8.75), out);
  player.finish(at_beat(8.75), out);
  CHECK(listing(out.events) == "on 60 @0.000\noff 60 @0.500\non 64 @3.500\n"
                               "on 60 @4.000\noff 64 @4.500\noff 60 @4.500\non 64 @7.500\n"
                               // the seam: 64 retriggered by the new version, 60 not played
                               "off 64 @8.000\non 64 @8.000\non 67 @8.000\n"
                               "off 64 @8.500\noff 67 @8.500\n");
  check_balanced(out.events);
}

TEST_CASE("the same seam whatever the windows") {
  auto run = [](HostTime step) {
    sequence::SequenceVersions versions(seq(R"({"beat": 0, "note": 60, "duration": 0.3}, {"beat": 2.5, "note": 62, "duration": 3})"));
    SequencePlayer player(versions, SequencePlayerOptions{});
    Recorder out;
    render(player, at_beat(-0.1), at_beat(5), out, step);
    versions.offer(seq(R"({"beat": 0, "note": 61, "duration": 0.3}, {"beat": 0.01, "cc": 1, "value": 2})"));
    render(player, at_beat(5), at_beat(14), out, step);
    return out.events;
  };
  check_same_events({run(1ms), run(5333us), run(250ms)});
}

TEST_CASE("a swap pending when playing stops: every note still ends") {
  sequence::SequenceVersions versions(seq(R"({"beat": 0, "note": 60, "duration": 3.9}, {"beat": 1, "cc": 64, "value": 127})"));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(5), out);
  versions.offer(seq(R"({"beat": 0, "note": 61, "duration": 1})"));
  render(player, at_beat(5), at_beat(6), out);
  CHECK(player.pending_generation() == 2);
  player.finish(at_beat(6), out);
  check_balanced(out.events);
  CHECK(out.events.back().message == midi::control_change(1, 64, 0));
}

TEST_CASE("several versions before one boundary: only the newest plays, the others are freed") {
  sequence::SequenceVersions versions(every_beat(60));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(5), out);
  versions.offer(every_beat(70));
  render(player, at_beat(5), at_beat(6), out);
  versions.offer(every_beat(71));
  render(player, at_beat(6), at_beat(6.5), out);
  versions.offer(every_beat(72));
  // The player plays 60 and holds 71 for the boundary: 70 was freed.
  CHECK(versions.alive() == 3);
  render(player, at_beat(6.5), at_beat(9), out);
  CHECK(player.playing_generation() == 4);
  CHECK(ons(out.events, 70).empty());
  CHECK(ons(out.events, 71).empty());
  CHECK(ons(out.events, 72) == std::vector<double>{8});
  versions.collect();
  CHECK(versions.alive() == 1);
}

TEST_CASE("before playing starts, or stopped, a new version takes over at once") {
  sequence::SequenceVersions versions(every_beat(60));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(0.5), at_beat(1), out); // waits for beat 4
  versions.offer(every_beat(72));
  render(player, at_beat(1), at_beat(6), out);
  CHECK(ons(out.events, 60).empty());
  CHECK(ons(out.events, 72) == std::vector<double>{4, 5});
}

TEST_CASE("a version shorter than where playing is: the player goes on to its end") {
  sequence::SequenceVersions versions(seq(R"({"beat": 0, "note": 60, "duration": 1}, {"beat": 11, "note": 60, "duration": 1})", ""));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(5), out);
  versions.offer(seq(R"({"beat": 0, "note": 62, "duration": 1}, {"beat": 6, "note": 62, "duration": 1})", ""));
  render(player, at_beat(5), at_beat(14), out);
  // Swapped on beat 8 (the bar), past the new version's end: done, nothing hanging.
  CHECK(player.done());
  CHECK(ons(out.events, 62).empty());
  check_balanced(out.events);
}

TEST_CASE("versions offered while another thread plays: every note ends, old versions are freed") {
  // The player on a thread of its own, as an output's timing thread runs
  // it; this thread offers 120 versions (a long note crossing every seam
  // in each, at its own velocity), 4 ms apart, and frees what was let go of.
  // The windows are fake time, far faster than real time: a swap roughly
  // every pass or two.
  const auto version = [](int n) {
    return seq(fmt::format(R"({{"beat": 0, "note": 60, "velocity": {0}, "duration": 0.5}},
                              {{"beat": 1.5, "note": {1}, "velocity": {0}, "duration": 5}},
                              {{"beat": 3.75, "note": 62, "velocity": {0}, "duration": 0.25}})",
                           n + 1, 40 + n % 30));
  };
  sequence::SequenceVersions versions(version(0));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  std::atomic<bool> stop{false};
  std::thread timing([&] {
    const auto state = SessionState::detached(120.0, kT0);
    HostTime t = at_beat(-0.1);
    while (!stop.load()) {
      player.render(state, t, t + 5333us, out);
      t += 5333us;
      std::this_thread::sleep_for(50us);
    }
    player.finish(t, out);
  });
  std::size_t most_alive = 0;
  for (int n = 1; n <= 120; ++n) {
    versions.offer(version(n));
    most_alive = std::max(most_alive, versions.alive());
    std::this_thread::sleep_for(4ms);
  }
  std::this_thread::sleep_for(20ms);
  stop.store(true);
  timing.join();
  versions.collect();
  // The one playing, one waiting, the latest; and a few offered while the
  // player's thread did not look (never all 120).
  CHECK(versions.alive() <= 3);
  CHECK(most_alive < 20);
  CHECK(player.swaps() > 3);
  check_balanced(out.events);
  // Versions only move forward, and never change inside a pass.
  std::map<long, int> version_of_pass;
  int last = 0;
  for (const auto& e : out.events) {
    const auto d = midi::decode(e.message.view());
    if (d->kind != midi::Kind::note_on) continue;
    const long pass = std::lround(std::floor(e.beat / 4.0));
    const auto [it, fresh] = version_of_pass.emplace(pass, d->data2);
    CHECK(it->second == d->data2);
    (void)fresh;
    CHECK(d->data2 >= last);
    last = d->data2;
  }
}

TEST_CASE("a muted track's note-ons are left out from its boundary on, and come back when unmuted") {
  // Track 0 plays 60 on every beat, track 1 plays 62 on every beat, with a
  // long 62 across the seam: muting lets it end at its own end.
  auto two = [](bool muted) {
    auto r = sequence::parse_json_sequence(R"({"format": "link-seq/1", "loop_beats": 4, "tracks": [
        {"channel": 1, "events": [{"beat": 0, "note": 60, "duration": 0.25}, {"beat": 2, "note": 60, "duration": 0.25}]},
        {"channel": 1, "events": [{"beat": 1, "note": 62, "duration": 0.25}, {"beat": 3, "note": 63, "duration": 2}]}]})");
    REQUIRE(r.ok());
    r.sequence.tracks[1].muted = muted;
    return std::move(r.sequence);
  };
  sequence::SequenceVersions versions(two(false));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(5), out);
  versions.offer(two(true));
  render(player, at_beat(5), at_beat(9), out);
  versions.offer(two(false));
  render(player, at_beat(9), at_beat(13.5), out);
  player.finish(at_beat(13.5), out);
  CHECK(ons(out.events, 60) == std::vector<double>{0, 2, 4, 6, 8, 10, 12});
  CHECK(ons(out.events, 62) == std::vector<double>{1, 5, 13}); // muted for the pass 8..12
  CHECK(ons(out.events, 63) == std::vector<double>{3, 7});
  check_balanced(out.events); // 63 from beat 7 ends on beat 9, muted or not
}

TEST_CASE("a stopped version sends its note-offs on the boundary and nothing after; started, it plays on the next") {
  sequence::SequenceVersions versions(seq(R"({"beat": 0, "note": 60, "duration": 0.25}, {"beat": 3, "note": 50, "duration": 3},
                                             {"beat": 3.5, "cc": 64, "value": 127})"));
  SequencePlayer player(versions, SequencePlayerOptions{});
  Recorder out;
  render(player, at_beat(-0.1), at_beat(5), out);
  versions.offer(versions.newest(), true);
  CHECK(versions.newest_stopped());
  render(player, at_beat(5), at_beat(13), out);
  // Stopped on beat 8: 50 (begun on beat 7) and the pedal ended there.
  CHECK(listing(out.events).find("off 50 @8.000\nother 64 @8.000\n") != std::string::npos);
  CHECK(ons(out.events, 60) == std::vector<double>{0, 4});
  versions.offer(versions.newest()); // keeps stopped
  CHECK(versions.newest_stopped());
  render(player, at_beat(13), at_beat(13.5), out);
  versions.offer(versions.newest(), false);
  render(player, at_beat(13.5), at_beat(17), out);
  CHECK(ons(out.events, 60) == std::vector<double>{0, 4, 16}); // resumed on the bar, where it would have been
  player.finish(at_beat(17), out);
  check_balanced(out.events);
}
