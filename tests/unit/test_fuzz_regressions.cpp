// Inputs the libFuzzer targets in fuzz/ found, each with what went wrong.
// Each input is also kept in its target's seed corpus (fuzz/corpus/TARGET/),
// so the fuzzers start from it too.
#include <doctest/doctest.h>

#include "cli/Errors.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/MidiFile.hpp"

#include <fmt/core.h>

#include <cstdint>
#include <span>
#include <string>
#include <utility>

using namespace linktools;
using namespace linktools::sequence;

namespace {

std::span<const std::uint8_t> bytes_of(const std::string& contents) {
  return {reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()};
}

// Built without libsmf, read_midi_file refuses every file (exit 1): then
// there is nothing of libsmf's import to check.
bool midi_files_readable() {
  try {
    read_midi_file(bytes_of(std::string("MThd\0\0\0\6\0\1\0\0\0\x60", 14)), "empty.mid");
  } catch (const ToolError& e) {
    return e.code() != ExitCode::failure;
  }
  return true;
}

} // namespace

TEST_CASE("fuzz midi_file: crash-overlong-utf8-track-name.mid, a track name in overlong UTF-8") {
  // The track name's bytes end in E0 99 AA, which has the shape of UTF-8 but
  // is an overlong form (U+066A written in three bytes). The import took it
  // for UTF-8 and kept it, so `link-seq --to-json` wrote a document that
  // link-seq itself refused ("expected UTF-8 text, got byte 0xE0"). Names
  // that are not well-formed UTF-8 are read as Latin-1.
  if (!midi_files_readable()) return;
  const std::string file("MThd\0\0\0\6\0\1\0\1\0\x60"
                         "MTrk\0\0\0\x1e"
                         "\0\xff\x03\x0e" "K\x1e\xef\xbb\xbf\x0eKlav \xe0\x99\xaa"
                         "\0\x90\x34\x04" "\x60\x80\x2f\0" "\0\xff\x2f\0",
                         52);
  const Sequence s = read_midi_file(bytes_of(file), "crash-overlong-utf8-track-name.mid");
  REQUIRE(s.tracks.size() == 1);
  CHECK(s.tracks[0].name == "K\x1e\xc3\xaf\xc2\xbb\xc2\xbf\x0eKlav \xc3\xa0\xc2\x99\xc2\xaa");
  const auto again = parse_json_sequence(to_json(s));
  REQUIRE(again.ok());
  CHECK(again.sequence.tracks[0].name == s.tracks[0].name);
}

TEST_CASE("fuzz midi_file: surrogates and code points above U+10FFFF are not UTF-8 either") {
  // The same mistake with the other forms RFC 3629 rules out: a UTF-16
  // surrogate (ED A0 80) and a lead byte beyond U+10FFFF (F5 80 80 80).
  if (!midi_files_readable()) return;
  for (const std::string& name : {std::string("\xed\xa0\x80"), std::string("\xf5\x80\x80\x80"),
                                 std::string("\xc0\x80")}) {
    CAPTURE(name);
    const std::string track = std::string("\0\xff\x03", 3) + static_cast<char>(name.size()) + name +
                              std::string("\0\xc0\x01\0\xff\x2f\0", 7);
    const std::string file = std::string("MThd\0\0\0\6\0\0\0\1\0\x60MTrk\0\0\0", 21) +
                             static_cast<char>(track.size()) + track;
    const Sequence s = read_midi_file(bytes_of(file), "song.mid");
    REQUIRE(s.tracks.size() == 1);
    CHECK(parse_json_sequence(to_json(s)).ok());
  }
}

TEST_CASE("fuzz midi_file: crash-padded-meta-length.mid, a meta event length written in two bytes") {
  // A Track Name whose length 0 is written as 0x80 0x00: a variable-length
  // number may carry such padding, and the layout walk read it as 0. libsmf
  // takes the length's first byte alone (0x80: 128 bytes of text), read on
  // over the 41 program changes and the End Of Track behind it, and at the
  // end of the chunk stopped the whole process with a failed assert
  // (smf_load.c: "buffer_length > 0"). Now the walk refuses the file first.
  if (!midi_files_readable()) return;
  std::string body("\0\xff\x03\x80\x00", 5);
  for (int i = 0; i < 41; ++i) body += std::string("\0\xc0\x01", 3);
  body += std::string("\0\xff\x2f\0", 4);
  REQUIRE(body.size() == 132);
  const std::string file = std::string("MThd\0\0\0\6\0\0\0\1\0\x60MTrk\0\0\0\x84", 22) + body;
  try {
    read_midi_file(bytes_of(file), "song.mid");
    FAIL("the file was read");
  } catch (const ToolError& e) {
    CHECK(e.code() == ExitCode::bad_input);
    CHECK(std::string(e.what()) ==
          "song.mid: expected a meta event length in one byte (libsmf reads no other), got 0 written "
          "in 2 bytes (type 0x03) (track 1, tick 0)");
  }
}

TEST_CASE("fuzz sequence_json: hang-tiny-loop.json, a loop of 1e-300 beats") {
  // loop_beats 1e-300 was "above 0" and passed --check. Playing it, each
  // pass moved the position by less than a double can tell apart at any
  // beat past 0, so one render call never reached the end of its window:
  // `link-seq --dry-run --beats 1` grew to 12 GB and did not stop on SIGTERM.
  // A quantum of 1e-300 with --loop made the same pass. Both are refused
  // now: a loop or a bar is at least a sixty-fourth note.
  const std::string events = R"("tracks": [{"channel": 1, "events": [{"beat": 0, "note": 60, "duration": 1}]}])";
  for (const auto& [top, pointer] :
       {std::pair{R"("loop_beats": 1e-300)", "/loop_beats"}, std::pair{R"("quantum": 1e-300)", "/quantum"},
        std::pair{R"("loop_beats": 0.0624)", "/loop_beats"}, std::pair{R"("quantum": 0.0624)", "/quantum"}}) {
    CAPTURE(top);
    const ParseResult r = parse_json_sequence(fmt::format(R"({{"format": "link-seq/1", {}, {}}})", top, events));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].pointer == pointer);
  }
  const ParseResult shortest = parse_json_sequence(
      fmt::format(R"({{"format": "link-seq/1", "quantum": 0.0625, "loop_beats": 0.0625, {}}})", events));
  REQUIRE(shortest.ok());
  CHECK(loop_length(shortest.sequence, shortest.sequence.quantum) == kMinLoopBeats);
}

TEST_CASE("fuzz midi_file: a time signature of 6/2^35 gives no quantum of 7e-10 beats") {
  // The same tiny bar from a MIDI file: a denominator of 2^35 made a quantum
  // of 7e-10 beats, and with --loop a pass as short. Such a time signature
  // now leaves the quantum at 4, as one above 64 beats already did.
  if (!midi_files_readable()) return;
  const std::string track = std::string("\0\xff\x58\x04\x06\x23\x18\x08", 8) +
                            std::string("\0\x90\x3c\x40\x60\x80\x3c\x40\0\xff\x2f\0", 12);
  const std::string file = std::string("MThd\0\0\0\6\0\0\0\1\0\x60MTrk\0\0\0", 21) +
                           static_cast<char>(track.size()) + track;
  const Sequence s = read_midi_file(bytes_of(file), "song.mid");
  CHECK(s.quantum == 4.0);
  CHECK(s.events.size() == 1);
}
