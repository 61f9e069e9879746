// link-seq --control's commands (commands/link-seq/SeqControl.hpp): each
// reply, and the version each edit offers, without standard input.
#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "commands/link-seq/SeqControl.hpp"
#include "sequence/JsonFormat.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

using linktools::SeqControl;
using linktools::SequencePlayer;
using linktools::SequencePlayerOptions;
using nlohmann::json;
namespace sequence = linktools::sequence;

namespace {

sequence::Sequence two_tracks() {
  auto r = sequence::parse_json_sequence(R"({"format": "link-seq/1", "loop_beats": 4, "tracks": [
      {"name": "kick", "channel": 1, "events": [{"beat": 0, "note": 36, "duration": 0.25}, {"beat": 2, "note": 36, "duration": 0.25}]},
      {"name": "hat", "channel": 2, "events": [{"beat": 1, "note": 42, "duration": 0.25}]}]})");
  REQUIRE(r.ok());
  return std::move(r.sequence);
}

} // namespace

TEST_CASE("--control: replace, clear and status offer versions and answer on one line") {
  sequence::SequenceVersions versions(two_tracks());
  SequencePlayer player(versions, SequencePlayerOptions{});
  SeqControl control(versions, player);

  auto reply = json::parse(control.handle(R"({"op":"clear","track":"hat"})"));
  CHECK(reply == json{{"ok", true}, {"version", 2}});
  CHECK(versions.newest().events.size() == 2);
  CHECK(versions.newest().tracks.size() == 2); // the track stays, empty

  reply = json::parse(control.handle(R"({"op":"clear","track":0})"));
  CHECK(reply["version"] == 3);
  CHECK(versions.newest().events.empty());

  reply = json::parse(control.handle(R"({"op":"status"})"));
  CHECK(reply["ok"] == true);
  CHECK(reply["version"] == 1); // the player has not rendered: nothing swapped yet
  CHECK(reply["pending"] == 3);
  CHECK(reply["pending_at"].is_null());

  reply = json::parse(control.handle(
      R"({"op":"replace","sequence":{"format":"link-seq/1","tracks":[{"channel":3,"events":[{"beat":0,"cc":1,"value":2}]}]}})"));
  CHECK(reply == json{{"ok", true}, {"version", 4}});
  CHECK(versions.newest().tracks.at(0).channel == 3);
}

TEST_CASE("--control: refused commands name what was expected, with pointers into the command") {
  sequence::SequenceVersions versions(two_tracks());
  SequencePlayer player(versions, SequencePlayerOptions{});
  SeqControl control(versions, player);
  const auto refused = [&](const std::string& line) {
    const auto reply = json::parse(control.handle(line));
    CHECK(reply["ok"] == false);
    return reply;
  };
  CHECK(refused("not json")["error"].get<std::string>().rfind("expected a JSON object", 0) == 0);
  CHECK(refused("[1]")["error"].get<std::string>().rfind("expected a JSON object", 0) == 0);
  CHECK(refused(R"({"op":"fly"})")["error"] == R"(/op: expected status, add, clear, mute, unmute, start, stop, replace or load, got "fly")");
  CHECK(refused(R"({})")["error"] == "/op: expected status, add, clear, mute, unmute, start, stop, replace or load, got nothing");
  CHECK(refused(R"({"op":"clear","track":"snare"})")["error"] ==
        R"(/track: expected a track's name or index (0..1), got "snare")");
  CHECK(refused(R"({"op":"clear","track":2})")["error"] == "/track: expected a track's name or index (0..1), got 2");
  CHECK(refused(R"({"op":"replace"})")["error"] == "/sequence: expected a link-seq/1 document, got nothing");
  const auto bad = refused(R"({"op":"replace","sequence":{"format":"link-seq/1","tracks":[{"channel":0,"events":[{"beat":-1,"note":60,"duration":1}]}]}})");
  CHECK(bad["error"] == "2 problems");
  CHECK(bad["problems"] == json{"/sequence/tracks/0/channel: expected a channel 1..16, got 0",
                                "/sequence/tracks/0/events/0/beat: expected a beat >= 0, got -1"});
  CHECK(refused(R"({"op":"load"})")["error"] == "/path: expected the name of a sequence file");
  CHECK(refused(R"({"op":"load","path":"/no/such/file.json"})")["error"] ==
        "/no/such/file.json: cannot open it: No such file or directory");
  CHECK(versions.newest_generation() == 1); // nothing refused was offered
}

TEST_CASE("--control add: events checked as in a file, beats from the next boundary or absolute") {
  sequence::SequenceVersions versions(two_tracks());
  SequencePlayer player(versions, SequencePlayerOptions{});
  SeqControl control(versions, player);

  // Not playing yet: the next boundary is the start, position 0.
  auto reply = json::parse(control.handle(R"({"op":"add","track":"hat","events":[{"beat":0.5,"note":42,"duration":0.25}]})"));
  CHECK(reply["ok"] == true);
  CHECK(reply["version"] == 2);
  CHECK(reply["track"] == 1);
  const auto& added = versions.newest();
  REQUIRE(added.events.size() == 4);
  CHECK(added.events[1].beat == 0.5);
  CHECK(added.events[1].track == 1);
  CHECK(added.events[1].message == linktools::midi::note_on(2, 42, 100));

  // Absolute, on a new track named in the command, with its channel.
  reply = json::parse(control.handle(R"({"op":"add","track":"bass","channel":5,"at":"beat","events":[{"beat":3,"note":"C2","duration":1}]})"));
  CHECK(reply["track"] == 2);
  CHECK(versions.newest().tracks.at(2).name == "bass");
  CHECK(versions.newest().tracks.at(2).channel == 5);
  CHECK(versions.newest().events.back().beat == 3.0);

  // Relative beats wrap around a loop_beats loop.
  reply = json::parse(control.handle(R"({"op":"add","track":0,"events":[{"beat":5,"cc":1,"value":3}]})"));
  CHECK(reply["ok"] == true);
  bool found = false;
  for (const auto& e : versions.newest().events)
    found = found || (e.kind == sequence::EventKind::control_change && e.beat == 1.0);
  CHECK(found);

  const auto bad = json::parse(control.handle(R"({"op":"add","track":"hat","at":"beat","events":[{"beat":4,"note":42,"duration":1},{"beat":0,"note":200,"duration":1}]})"));
  CHECK(bad["ok"] == false);
  CHECK(bad["error"] == "2 problems");
  // In the order the file reader finds them (beats against loop_beats last).
  CHECK(bad["problems"] == json{"/events/1/note: expected a note 0..127 or a name like C4, F#3, Bb2, got 200",
                                "/events/0/beat: expected a beat below loop_beats (4), got 4"});
  CHECK(json::parse(control.handle(R"({"op":"add","track":"hat"})"))["error"] ==
        "/events: expected an array of link-seq/1 events");
  CHECK(json::parse(control.handle(R"({"op":"add","track":7,"events":[]})"))["error"] ==
        "/track: expected a track's name or index (0..2), got 7");
  CHECK(json::parse(control.handle(R"({"op":"add","track":"x","at":"bar","events":[]})"))["error"] ==
        R"(/at: expected "beat" (absolute beats) or nothing (beats from the next boundary), got "bar")");
  CHECK(versions.newest_generation() == 4);
}

TEST_CASE("--control mute, unmute, stop and start offer versions that say so") {
  sequence::SequenceVersions versions(two_tracks());
  SequencePlayer player(versions, SequencePlayerOptions{});
  SeqControl control(versions, player);
  CHECK(json::parse(control.handle(R"({"op":"mute","track":"kick"})")) == json{{"ok", true}, {"version", 2}});
  CHECK(versions.newest().tracks[0].muted);
  CHECK(!versions.newest().tracks[1].muted);
  CHECK(json::parse(control.handle(R"({"op":"stop"})")) == json{{"ok", true}, {"version", 3}});
  CHECK(versions.newest_stopped());
  CHECK(versions.newest().tracks[0].muted); // kept
  CHECK(json::parse(control.handle(R"({"op":"unmute","track":0})"))["version"] == 4);
  CHECK(!versions.newest().tracks[0].muted);
  CHECK(versions.newest_stopped()); // still stopped
  CHECK(json::parse(control.handle(R"({"op":"start"})"))["version"] == 5);
  CHECK(!versions.newest_stopped());
  CHECK(json::parse(control.handle(R"({"op":"mute","track":"snare"})"))["error"] ==
        R"(/track: expected a track's name or index (0..1), got "snare")");
  CHECK(json::parse(control.handle(R"({"op":"mute"})"))["error"] == "/track: expected a track's name or index (0..1), got nothing");
  // A new document keeps the mutes of the tracks it names alike.
  control.handle(R"({"op":"mute","track":"hat"})");
  control.handle(R"({"op":"replace","sequence":{"format":"link-seq/1","tracks":[{"name":"hat","channel":2,"events":[]},{"name":"kick","channel":1,"events":[]}]}})");
  CHECK(versions.newest().tracks[0].muted);
  CHECK(!versions.newest().tracks[1].muted);
}

TEST_CASE("--control: a key a command does not take is refused, not ignored") {
  sequence::SequenceVersions versions(two_tracks());
  SequencePlayer player(versions, SequencePlayerOptions{});
  SeqControl control(versions, player);
  CHECK(json::parse(control.handle(R"({"op":"mute","trak":"kick"})"))["error"] ==
        R"(/trak: expected a key of mute (op, track), got "trak")");
  CHECK(json::parse(control.handle(R"({"op":"stop","track":0})"))["error"] ==
        R"(/track: expected a key of stop (op), got "track")");
  CHECK(versions.newest_generation() == 1);
}

TEST_CASE("--control add while playing: beat 0 of the events is the boundary the edit takes over on") {
  using namespace std::chrono_literals;
  sequence::SequenceVersions versions(two_tracks()); // loop_beats 4, quantum 4: swaps on the loop's end
  SequencePlayer player(versions, SequencePlayerOptions{});
  SeqControl control(versions, player);
  const linktools::HostTime t0 = 10s; // beat 0; 120 BPM
  const auto state = linktools::SessionState::detached(120.0, t0);
  linktools::testing::Recorder out;
  const auto render_to = [&](double from, double to) {
    for (double b = from; b < to; b += 0.01)
      player.render(state, t0 + linktools::HostTime(std::llround(b * 500e3)),
                    t0 + linktools::HostTime(std::llround(std::min(b + 0.01, to) * 500e3)), out);
  };
  render_to(-0.1, 5.5); // playing from beat 0; position 5.5, the next loop's end is 8
  auto reply = json::parse(control.handle(R"({"op":"add","track":"hat","events":[{"beat":0.5,"note":44,"duration":0.25}]})"));
  CHECK(reply["beat"] == 0.0); // 8 is the loop's beat 0
  render_to(5.5, 7.0);
  CHECK(player.pending_position() == 8.0);
  // A second edit before the boundary counts from the same boundary.
  reply = json::parse(control.handle(R"({"op":"add","track":"hat","events":[{"beat":1.5,"note":45,"duration":0.25}]})"));
  CHECK(reply["beat"] == 0.0);
  render_to(7.0, 10.0);
  std::vector<double> heard;
  for (const auto& e : out.events)
    if (e.message == linktools::midi::note_on(2, 44, 100) || e.message == linktools::midi::note_on(2, 45, 100))
      heard.push_back(e.beat);
  CHECK(heard == std::vector<double>{8.5, 9.5});
}
