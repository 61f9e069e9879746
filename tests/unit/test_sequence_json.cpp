#include "sequence/JsonFormat.hpp"
#include "sequence/NoteName.hpp"

#include <doctest/doctest.h>

#include <fmt/core.h>

#include <string>

using namespace linktools;
using namespace linktools::sequence;

namespace {

// A document with one track on channel `channel` holding `events` (the
// inside of the events array).
std::string doc(const std::string& events, const std::string& top = "", int channel = 1) {
  return fmt::format(R"({{"format": "link-seq/1", {} "tracks": [{{"channel": {}, "events": [{}]}}]}})",
                     top, channel, events);
}

// The problems as "POINTER: MESSAGE" lines.
std::string problems(const ParseResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.pointer + ": " + p.message + "\n";
  return out;
}

// The only problem of `text`; fails the test when there is not exactly one.
std::string only_problem(const std::string& text) {
  const auto r = parse_json_sequence(text);
  INFO(problems(r));
  REQUIRE(r.problems.size() == 1);
  return r.problems[0].pointer + ": " + r.problems[0].message;
}

} // namespace

TEST_CASE("note names follow scientific pitch with middle C as C4 = 60") {
  CHECK(parse_note_name("C4") == 60);
  CHECK(parse_note_name("c4") == 60);
  CHECK(parse_note_name("A4") == 69);
  CHECK(parse_note_name("F#3") == 54);
  CHECK(parse_note_name("Bb2") == 46);
  CHECK(parse_note_name("Cb4") == 59);
  CHECK(parse_note_name("B#3") == 60);
  CHECK(parse_note_name("C##4") == 62);
  CHECK(parse_note_name("C-1") == 0);
  CHECK(parse_note_name("G9") == 127);
  CHECK(parse_note_name("G#9") == 128); // a name; out of range for the caller to refuse
  CHECK(parse_note_name("Cb-1") == -1);
  for (const char* bad : {"", "H4", "C", "C10", "C-2", "C 4", "4C", "C4 ", "#4", "Cx4", "C+4"}) {
    INFO(bad);
    CHECK_FALSE(parse_note_name(bad));
  }
}

TEST_CASE("a valid document becomes a sorted sequence with the track's channel") {
  const auto r = parse_json_sequence(R"({
    "$schema": "../schema/link-seq-1.schema.json",
    "format": "link-seq/1", "quantum": 3, "loop_beats": 6,
    "tracks": [
      {"name": "lead", "events": [
        {"beat": 1, "note": "C4", "velocity": 90, "duration": 0.5},
        {"beat": 0, "note": 62.0, "duration": 1},
        {"beat": 2, "cc": 74, "value": 64},
        {"beat": 2, "program": 5},
        {"beat": 3, "pitch_bend": -1},
        {"beat": 3.5, "pitch_bend": 1},
        {"beat": 4, "pitch_bend": 0},
        {"beat": 5, "raw": [208, 33]}
      ], "channel": 3},
      {"channel": 10, "events": [{"beat": 1, "note": 36, "duration": 0.25}]}
    ]})");
  INFO(problems(r));
  REQUIRE(r.ok());
  const auto& s = r.sequence;
  CHECK(s.quantum == 3.0);
  REQUIRE(s.loop_beats);
  CHECK(*s.loop_beats == 6.0);
  REQUIRE(s.tracks.size() == 2);
  CHECK(s.tracks[0].name == "lead");
  CHECK(s.tracks[0].channel == 3);
  CHECK(s.tracks[1].channel == 10);
  REQUIRE(s.events.size() == 9);
  // Sorted by beat; on one beat, track order then file order.
  CHECK(s.events[0].beat == 0.0);
  CHECK(s.events[0].message == midi::note_on(3, 62, 100)); // default velocity
  CHECK(s.events[0].duration == 1.0);
  CHECK(s.events[0].index == 1);
  CHECK(s.events[1].message == midi::note_on(3, 60, 90));
  CHECK(s.events[2].track == 1);
  CHECK(s.events[2].message == midi::note_on(10, 36, 100));
  CHECK(s.events[3].message == midi::control_change(3, 74, 64));
  CHECK(s.events[4].message == midi::program_change(3, 5));
  CHECK(s.events[5].message == midi::pitch_bend(3, -8192));
  CHECK(s.events[6].message == midi::pitch_bend(3, 8191));
  CHECK(s.events[7].message == midi::pitch_bend(3, 0));
  CHECK(s.events[8].kind == EventKind::raw);
  CHECK(s.events[8].message.size == 2);
  CHECK(s.events[8].message.bytes[0] == 208); // raw keeps its own channel
}

TEST_CASE("the defaults: quantum 4, no loop, an empty track list is a silent sequence") {
  const auto r = parse_json_sequence(R"({"format": "link-seq/1", "tracks": []})");
  REQUIRE(r.ok());
  CHECK(r.sequence.quantum == 4.0);
  CHECK_FALSE(r.sequence.loop_beats);
  CHECK(r.sequence.events.empty());
  CHECK(loop_length(r.sequence, 4.0) == 4.0);
  CHECK(natural_end(r.sequence) == 0.0);
}

TEST_CASE("not JSON is reported with line and column") {
  const auto r = parse_json_sequence("{\n  \"format\": \"link-seq/1\",\n  \"tracks\": [}\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].pointer == "line 3, column 14");
  CHECK(r.problems[0].message.rfind("invalid JSON: ", 0) == 0);
  CHECK(r.problems[0].message.find("json.exception") == std::string::npos);

  const auto truncated = parse_json_sequence(R"({"format": "link-seq/1", "tracks": [)");
  REQUIRE(truncated.problems.size() == 1);
  CHECK(truncated.problems[0].pointer == "line 1, column 37");
}

TEST_CASE("a byte order mark before the document is skipped") {
  CHECK(parse_json_sequence("\xEF\xBB\xBF{\"format\": \"link-seq/1\", \"tracks\": []}").ok());
  CHECK(only_problem("\xEF\xBB\xBF{\n x") == "line 2, column 2: invalid JSON: expected a member name in "
                                              "double quotes or '}', got 'x'");
}

TEST_CASE("an empty file, and a document that is not an object") {
  CHECK(only_problem("") == ": expected a link-seq/1 document (a JSON object), got an empty file");
  CHECK(only_problem(" \n ") ==
        ": expected a link-seq/1 document (a JSON object), got an empty file");
  CHECK(only_problem("[1, 2]") == ": expected a link-seq/1 document (a JSON object), got an array");
  CHECK(only_problem("42") == ": expected a link-seq/1 document (a JSON object), got 42");
}

TEST_CASE("the format name and the required keys") {
  CHECK(only_problem(R"({"format": "link-seq/2", "tracks": []})") ==
        R"(/format: expected "link-seq/1", got "link-seq/2")");
  CHECK(only_problem(R"({"tracks": []})") == R"(/format: expected "link-seq/1", got nothing)");
  CHECK(only_problem(R"({"format": "link-seq/1"})") ==
        "/tracks: expected an array of tracks, got nothing");
  CHECK(only_problem(R"({"format": "link-seq/1", "tracks": {}})") ==
        "/tracks: expected an array of tracks, got an object");
  CHECK(only_problem(R"({"format": "link-seq/1", "tracks": [{"events": []}]})") ==
        "/tracks/0/channel: expected a channel 1..16, got nothing");
  CHECK(only_problem(R"({"format": "link-seq/1", "tracks": [{"channel": 2}]})") ==
        "/tracks/0/events: expected an array of events, got nothing");
  CHECK(only_problem(doc(R"({"note": 60, "duration": 1})")) ==
        "/tracks/0/events/0/beat: expected a beat (a number >= 0), got nothing");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60})")) ==
        "/tracks/0/events/0/duration: expected a duration in beats above 0, got nothing");
  CHECK(only_problem(doc(R"({"beat": 0, "cc": 7})")) ==
        "/tracks/0/events/0/value: expected a controller value 0..127, got nothing");
}

TEST_CASE("wrong types name what was found") {
  CHECK(only_problem(doc(R"({"beat": "1", "program": 1})")) ==
        R"(/tracks/0/events/0/beat: expected a beat (a number >= 0), got "1")");
  CHECK(only_problem(doc(R"({"beat": 0, "note": true, "duration": 1})")) ==
        "/tracks/0/events/0/note: expected a note 0..127 or a name like C4, F#3, Bb2, got true");
  CHECK(only_problem(doc(R"({"beat": 0, "note": [60], "duration": 1})")) ==
        "/tracks/0/events/0/note: expected a note 0..127 or a name like C4, F#3, Bb2, got an array");
  CHECK(only_problem(doc(R"({"beat": 0, "program": {"a": [1, {}]}})")) ==
        "/tracks/0/events/0/program: expected a program 0..127, got an object");
  CHECK(only_problem(doc("7")) == "/tracks/0/events/0: expected an event (an object), got 7");
  CHECK(only_problem(R"({"format": "link-seq/1", "tracks": [null]})") ==
        "/tracks/0: expected a track (an object), got null");
  CHECK(only_problem(doc("", "", 0).replace(doc("", "", 0).find("\"channel\": 0"), 12,
                                             "\"channel\": \"1\"")) ==
        R"(/tracks/0/channel: expected a channel 1..16, got "1")");
  CHECK(only_problem(R"({"format": "link-seq/1", "tracks": [{"name": 5, "channel": 1, "events": []}]})") ==
        "/tracks/0/name: expected a track name (a string), got 5");
}

TEST_CASE("values out of range") {
  CHECK(only_problem(doc("", "", 0)) == "/tracks/0/channel: expected a channel 1..16, got 0");
  CHECK(only_problem(doc("", "", 17)) == "/tracks/0/channel: expected a channel 1..16, got 17");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 128, "duration": 1})")) ==
        "/tracks/0/events/0/note: expected a note 0..127 or a name like C4, F#3, Bb2, got 128");
  CHECK(only_problem(doc(R"({"beat": 0, "note": "G#9", "duration": 1})")) ==
        R"(/tracks/0/events/0/note: expected a note name within C-1..G9 (0..127; this one is 128), got "G#9")");
  CHECK(only_problem(doc(R"({"beat": 0, "note": "H4", "duration": 1})")) ==
        R"(/tracks/0/events/0/note: expected a note 0..127 or a name like C4, F#3, Bb2, got "H4")");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "velocity": 300, "duration": 1})")) ==
        "/tracks/0/events/0/velocity: expected a velocity 1..127, got 300");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "velocity": 0, "duration": 1})")) ==
        "/tracks/0/events/0/velocity: expected a velocity 1..127 (0 would be a note-off), got 0");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "velocity": 64.5, "duration": 1})")) ==
        "/tracks/0/events/0/velocity: expected a velocity 1..127, got 64.5");
  CHECK(only_problem(doc(R"({"beat": 0, "cc": 128, "value": 1})")) ==
        "/tracks/0/events/0/cc: expected a controller number 0..127, got 128");
  CHECK(only_problem(doc(R"({"beat": 0, "cc": 1, "value": -1})")) ==
        "/tracks/0/events/0/value: expected a controller value 0..127, got -1");
  CHECK(only_problem(doc(R"({"beat": -0.5, "program": 1})")) ==
        "/tracks/0/events/0/beat: expected a beat >= 0, got -0.5");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "duration": 0})")) ==
        "/tracks/0/events/0/duration: expected a duration in beats above 0, got 0");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "duration": -1})")) ==
        "/tracks/0/events/0/duration: expected a duration in beats above 0, got -1");
  CHECK(only_problem(doc(R"({"beat": 0, "pitch_bend": 1.5})")) ==
        "/tracks/0/events/0/pitch_bend: expected a pitch bend in -1..1, got 1.5");
  CHECK(only_problem(doc("", R"("quantum": 0,)")) ==
        "/quantum: expected beats per bar from 0.0625 to 64, got 0");
  CHECK(only_problem(doc("", R"("loop_beats": -4,)")) ==
        "/loop_beats: expected a loop length of at least 0.0625 beats (a sixty-fourth note), got -4");
}

TEST_CASE("raw bytes must be one complete MIDI message") {
  CHECK(only_problem(doc(R"({"beat": 0, "raw": [300]})")) ==
        "/tracks/0/events/0/raw/0: expected a byte 0..255, got 300");
  CHECK(only_problem(doc(R"({"beat": 0, "raw": []})")) ==
        "/tracks/0/events/0/raw: expected one MIDI message of 1 to 3 bytes, got 0 bytes");
  CHECK(only_problem(doc(R"({"beat": 0, "raw": [144, 60]})")) ==
        "/tracks/0/events/0/raw: expected one complete MIDI message (status byte first, the right "
        "number of data bytes, no SysEx), got [144, 60]");
  CHECK(only_problem(doc(R"({"beat": 0, "raw": [60, 144, 1]})")).find("got [60, 144, 1]") !=
        std::string::npos);
  CHECK(only_problem(doc(R"({"beat": 0, "raw": [240, 1, 247]})")).find("no SysEx") !=
        std::string::npos);
  CHECK(only_problem(doc(R"({"beat": 0, "raw": [144, 60, 1, 2]})")) ==
        "/tracks/0/events/0/raw: expected one MIDI message of 1 to 3 bytes, got 4 bytes");
  CHECK(only_problem(doc(R"({"beat": 0, "raw": 144})")) ==
        "/tracks/0/events/0/raw: expected an array of 1 to 3 bytes (one MIDI message), got 144");
  for (const char* fine : {"[248]", "[254]", "[242, 0, 1]", "[243, 5]", "[160, 60, 1]", "[176, 64, 127]"}) {
    INFO(fine);
    CHECK(parse_json_sequence(doc(fmt::format(R"({{"beat": 0, "raw": {}}})", fine))).ok());
  }
}

TEST_CASE("an event has exactly one kind and only that kind's keys") {
  CHECK(only_problem(doc(R"({"beat": 0})")) ==
        "/tracks/0/events/0: expected one of note, cc, program, pitch_bend or raw, got none");
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "duration": 1, "cc": 1, "value": 2})")) ==
        "/tracks/0/events/0: expected one of note, cc, program, pitch_bend or raw, got note and cc");
  CHECK(only_problem(doc(R"({"beat": 0, "cc": 1, "value": 2, "duration": 1})")) ==
        "/tracks/0/events/0/duration: expected only beat, cc and value in a cc event, got duration");
}

TEST_CASE("unknown keys are errors, with a guess for typos") {
  CHECK(only_problem(doc(R"({"beat": 0, "note": 60, "velocty": 9, "duration": 1})")) ==
        "/tracks/0/events/0/velocty: expected a key of an event (beat, note, velocity, duration, "
        "cc, value, program, pitch_bend, raw), got \"velocty\" (did you mean \"velocity\"?)");
  CHECK(only_problem(doc("", R"("tempo": 120,)")) ==
        R"(/tempo: expected a key of the document (format, quantum, loop_beats, tracks), got "tempo")");
  CHECK(only_problem(R"({"format": "link-seq/1", "tracks": [{"chanel": 1, "channel": 1, "events": []}]})") ==
        R"(/tracks/0/chanel: expected a key of a track (name, channel, events), got "chanel" (did you mean "channel"?))");
  // Pointer escaping (RFC 6901).
  CHECK(only_problem(doc("", R"("a/b~c": {"deep": [1]},)")).rfind("/a~1b~0c: ", 0) == 0);
  CHECK(only_problem(doc(R"({"beat": 0, "beat": 1, "program": 1})")) ==
        R"(/tracks/0/events/0/beat: expected each key once, got a second "beat")");
}

TEST_CASE("events at or beyond loop_beats are refused, wherever loop_beats stands") {
  const std::string events = R"({"beat": 3.5, "program": 1}, {"beat": 4, "program": 2})";
  CHECK(only_problem(doc(events, R"("loop_beats": 4,)")) ==
        "/tracks/0/events/1/beat: expected a beat below loop_beats (4), got 4");
  const auto after = parse_json_sequence(fmt::format(
      R"({{"format": "link-seq/1", "tracks": [{{"channel": 1, "events": [{}]}}], "loop_beats": 2}})",
      events));
  CHECK(problems(after) == "/tracks/0/events/0/beat: expected a beat below loop_beats (2), got 3.5\n"
                           "/tracks/0/events/1/beat: expected a beat below loop_beats (2), got 4\n");
}

TEST_CASE("one problem of an event does not hide another") {
  // A misspelt key and a beat past loop_beats: both, as --check promises.
  CHECK(problems(parse_json_sequence(
            doc(R"({"beat": 4, "note": 60, "velocty": 9, "duration": 1})", R"("loop_beats": 4,)"))) ==
        "/tracks/0/events/0/velocty: expected a key of an event (beat, note, velocity, duration, "
        "cc, value, program, pitch_bend, raw), got \"velocty\" (did you mean \"velocity\"?)\n"
        "/tracks/0/events/0/beat: expected a beat below loop_beats (4), got 4\n");
  // A bad value beside a late beat, loop_beats after the tracks; the beats
  // are reported in file order whether or not their events were good.
  const auto late = parse_json_sequence(
      R"({"format": "link-seq/1", "tracks": [{"channel": 1, "events": [
           {"beat": 5, "program": 1}, {"beat": 6, "program": 200}, {"beat": 7, "program": 2}]},
         {"channel": 2, "events": [{"beat": 8, "cc": 1}]}],
         "loop_beats": 4})");
  CHECK(problems(late) ==
        "/tracks/0/events/1/program: expected a program 0..127, got 200\n"
        "/tracks/1/events/0/value: expected a controller value 0..127, got nothing\n"
        "/tracks/0/events/0/beat: expected a beat below loop_beats (4), got 5\n"
        "/tracks/0/events/1/beat: expected a beat below loop_beats (4), got 6\n"
        "/tracks/0/events/2/beat: expected a beat below loop_beats (4), got 7\n"
        "/tracks/1/events/0/beat: expected a beat below loop_beats (4), got 8\n");
  // A bad byte and too many of them.
  CHECK(problems(parse_json_sequence(doc(R"({"beat": 0, "raw": [144, 300, 1, 2]})"))) ==
        "/tracks/0/events/0/raw/1: expected a byte 0..255, got 300\n"
        "/tracks/0/events/0/raw: expected one MIDI message of 1 to 3 bytes, got 4 bytes\n");
}

TEST_CASE("every problem is reported, not only the first, up to a limit") {
  const auto r = parse_json_sequence(
      doc(R"({"beat": -1, "note": 999, "duration": 1}, {"beat": 0, "cc": 1, "value": 300})", "", 20));
  CHECK(problems(r) ==
        "/tracks/0/channel: expected a channel 1..16, got 20\n"
        "/tracks/0/events/0/beat: expected a beat >= 0, got -1\n"
        "/tracks/0/events/0/note: expected a note 0..127 or a name like C4, F#3, Bb2, got 999\n"
        "/tracks/0/events/1/value: expected a controller value 0..127, got 300\n");

  std::string many;
  for (int i = 0; i < 150; ++i) many += fmt::format("{}{{\"beat\": {}, \"program\": 200}}", i ? "," : "", i);
  const auto lots = parse_json_sequence(doc(many));
  CHECK(lots.problems.size() == kMaxProblems);
  CHECK(lots.problems_dropped == 50);
}

TEST_CASE("to_json writes a document that reads back to the same sequence") {
  const auto first = parse_json_sequence(R"({"format": "link-seq/1", "quantum": 3, "loop_beats": 6,
    "tracks": [{"name": "a \"quoted\" name", "channel": 2, "events": [
      {"beat": 0.1, "note": "F#3", "velocity": 7, "duration": 0.3333333333333333},
      {"beat": 0, "cc": 1, "value": 2}, {"beat": 5, "pitch_bend": 0.5}, {"beat": 5, "pitch_bend": -0.25},
      {"beat": 1, "program": 127}, {"beat": 2, "raw": [250]}]},
      {"channel": 16, "events": []}]})");
  REQUIRE(first.ok());
  const std::string text = to_json(first.sequence);
  const auto again = parse_json_sequence(text);
  INFO(text);
  INFO(problems(again));
  REQUIRE(again.ok());
  CHECK(again.sequence.quantum == 3.0);
  CHECK(again.sequence.loop_beats == first.sequence.loop_beats);
  REQUIRE(again.sequence.tracks.size() == 2);
  CHECK(again.sequence.tracks[0].name == "a \"quoted\" name");
  REQUIRE(again.sequence.events.size() == first.sequence.events.size());
  for (std::size_t i = 0; i < first.sequence.events.size(); ++i) {
    const auto& a = first.sequence.events[i];
    const auto& b = again.sequence.events[i];
    CHECK(a.beat == b.beat);
    CHECK(a.duration == b.duration);
    CHECK(a.message == b.message);
    CHECK(a.kind == b.kind);
    CHECK(a.track == b.track);
    CHECK(a.index == b.index);
  }
  // Same text the second time round.
  CHECK(to_json(again.sequence) == text);
}

TEST_CASE("loop length: loop_beats, else whole bars past the last event") {
  Sequence s;
  Event e;
  e.beat = 3.5;
  s.events.push_back(e);
  e.beat = 4.0;
  CHECK(loop_length(s, 4.0) == 4.0);
  s.events.push_back(e);
  CHECK(loop_length(s, 4.0) == 8.0);
  CHECK(loop_length(s, 3.0) == 6.0);
  s.loop_beats = 5.0;
  CHECK(loop_length(s, 4.0) == 5.0);
  s.events[0].duration = 2.0;
  CHECK(natural_end(s) == 5.5);
}
