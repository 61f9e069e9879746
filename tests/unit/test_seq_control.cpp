// link-seq --control's commands (commands/link-seq/SeqControl.hpp): each
// reply, and the version each edit offers, without standard input.
#include <doctest/doctest.h>

#include "commands/link-seq/SeqControl.hpp"
#include "sequence/JsonFormat.hpp"

#include <nlohmann/json.hpp>

#include <string>

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
  CHECK(refused(R"({"op":"fly"})")["error"] == R"(/op: expected status, replace, load or clear, got "fly")");
  CHECK(refused(R"({})")["error"] == "/op: expected status, replace, load or clear, got nothing");
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
