#include <doctest/doctest.h>

#include "TestSupport.hpp"

#include "sequence/Load.hpp"
#include "sequence/MidiFile.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <vector>

using namespace linktools;
using namespace linktools::sequence;
using linktools::testing::tool_error_of;

namespace {

// --- Standard MIDI Files written byte by byte -------------------------------

std::string number(std::uint32_t value) { // variable-length: seven bits a byte
  std::string out(1, static_cast<char>(value & 0x7F));
  while (value >>= 7) out.insert(out.begin(), static_cast<char>(0x80 | (value & 0x7F)));
  return out;
}

std::string big_endian(std::uint32_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}

std::string chunk(const std::string& id, const std::string& body) {
  return id + big_endian(static_cast<std::uint32_t>(body.size()), 4) + body;
}

std::string header(int format, int tracks, int division) {
  return chunk("MThd", big_endian(static_cast<std::uint32_t>(format), 2) +
                           big_endian(static_cast<std::uint32_t>(tracks), 2) +
                           big_endian(static_cast<std::uint32_t>(division), 2));
}

// One track chunk's events, each after a delta time in ticks.
class TrackBytes {
public:
  TrackBytes& at(std::uint32_t delta, std::initializer_list<int> bytes) {
    body_ += number(delta);
    for (const int b : bytes) body_ += static_cast<char>(b);
    return *this;
  }
  TrackBytes& meta(std::uint32_t delta, int type, const std::string& data) {
    body_ += number(delta) + '\xFF' + static_cast<char>(type) +
             number(static_cast<std::uint32_t>(data.size())) + data;
    return *this;
  }
  TrackBytes& name(const std::string& text) { return meta(0, 0x03, text); }
  TrackBytes& time_signature(int numerator, int power) {
    return meta(0, 0x58, {static_cast<char>(numerator), static_cast<char>(power), 24, 8});
  }
  std::string chunk(std::uint32_t end_delta = 0) const {
    return mtrk(body_ + number(end_delta) + "\xFF\x2F" + '\0');
  }
  std::string chunk_without_end() const { return mtrk(body_); }

private:
  static std::string mtrk(const std::string& body) { return ::chunk("MTrk", body); }
  std::string body_;
};

std::string file(int format, int division, const std::vector<std::string>& tracks) {
  std::string out = header(format, static_cast<int>(tracks.size()), division);
  for (const auto& t : tracks) out += t;
  return out;
}

// A file written for one test and removed after it.
class TempFile {
public:
  // `suffix`: how the name ends (".mid"), for readers that look at it.
  explicit TempFile(const std::string& contents, const std::string& suffix = "") {
    std::string name = "/tmp/test_midi_file_XXXXXX" + suffix;
    const int fd = ::mkstemps(name.data(), static_cast<int>(suffix.size()));
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

std::span<const std::uint8_t> bytes_of(const std::string& contents) {
  return {reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()};
}

Sequence read(const std::string& contents) { return read_midi_file(bytes_of(contents), "song.mid"); }

// What reading `contents` throws, as "WHY" (the part after "song.mid: ").
std::string refusal(const std::string& contents) {
  const auto error = tool_error_of([&] { read(contents); });
  REQUIRE(error);
  CHECK(error->code() == ExitCode::bad_input);
  const std::string what = error->what();
  REQUIRE(what.rfind("song.mid: ", 0) == 0);
  return what.substr(10);
}

// Everything written to stderr (fd 2) while `action` runs.
std::string stderr_of(const std::function<void()>& action) {
  std::fflush(stderr);
  FILE* capture = std::tmpfile();
  REQUIRE(capture);
  const int saved = ::dup(2);
  ::dup2(::fileno(capture), 2);
  action();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::string text;
  std::rewind(capture);
  for (int c; (c = std::fgetc(capture)) != EOF;) text += static_cast<char>(c);
  std::fclose(capture);
  return text;
}

std::vector<Event> events_of(const Sequence& s, std::uint32_t track) {
  std::vector<Event> out;
  for (const auto& e : s.events)
    if (e.track == track) out.push_back(e);
  return out;
}

midi::Message msg(std::uint8_t a, std::uint8_t b) { return {{a, b, 0}, 2}; }
midi::Message msg(std::uint8_t a, std::uint8_t b, std::uint8_t c) { return {{a, b, c}, 3}; }

} // namespace

TEST_CASE("midi file: the sniff looks for MThd") {
  CHECK(looks_like_midi_file("MThd\0\0\0\6"));
  CHECK(looks_like_midi_file("MThd"));
  CHECK_FALSE(looks_like_midi_file("MTh"));
  CHECK_FALSE(looks_like_midi_file("{\"format\": \"link-seq/1\"}"));
  CHECK_FALSE(looks_like_midi_file(""));
}

TEST_CASE("midi file: type 0 notes in beats of ticks per quarter note") {
  const auto s = read(file(0, 96, {TrackBytes()
                                       .at(0, {0x90, 60, 100})
                                       .at(48, {0x80, 60, 64})
                                       .at(48, {0x90, 64, 90})
                                       .at(192, {0x80, 64, 0})
                                       .chunk()}));
  CHECK(s.quantum == 4.0);
  CHECK_FALSE(s.loop_beats);
  REQUIRE(s.tracks.size() == 1);
  CHECK(s.tracks[0].name.empty());
  CHECK(s.tracks[0].channel == 1);
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].kind == EventKind::note);
  CHECK(s.events[0].beat == 0.0);
  CHECK(s.events[0].duration == 0.5);
  CHECK(s.events[0].message == midi::note_on(1, 60, 100));
  CHECK(s.events[0].index == 0);
  CHECK(s.events[1].beat == 1.0);
  CHECK(s.events[1].duration == 2.0);
  CHECK(s.events[1].message == midi::note_on(1, 64, 90));
  CHECK(s.events[1].index == 1);
}

TEST_CASE("midi file: type 1 tracks become tracks in file order, named, by their channel") {
  const auto conductor = TrackBytes().name("Song").meta(0, 0x51, "\x07\xA1\x20").time_signature(4, 2);
  const auto bass = TrackBytes().name("Bass").at(0, {0x91, 36, 100}).at(96, {0x81, 36, 0});
  const auto drums = TrackBytes().name("Drums").at(0, {0x99, 36, 127}).at(24, {0x89, 36, 0});
  const auto s = read(file(1, 96, {conductor.chunk(), bass.chunk(), drums.chunk()}));
  REQUIRE(s.tracks.size() == 2); // the conductor track has no channel events
  CHECK(s.tracks[0].name == "Bass");
  CHECK(s.tracks[0].channel == 2);
  CHECK(s.tracks[1].name == "Drums");
  CHECK(s.tracks[1].channel == 10);
  REQUIRE(s.events.size() == 2);
  // Same beat: track order.
  CHECK(s.events[0].track == 0);
  CHECK(s.events[0].message == midi::note_on(2, 36, 100));
  CHECK(s.events[0].duration == 1.0);
  CHECK(s.events[1].track == 1);
  CHECK(s.events[1].message == midi::note_on(10, 36, 127));
  CHECK(s.events[1].duration == 0.25);
}

TEST_CASE("midi file: running status carries the last channel status over") {
  const auto s = read(file(0, 480, {TrackBytes()
                                        .at(0, {0x90, 60, 100})
                                        .at(0, {64, 100})     // note-on, running status
                                        .at(480, {60, 0})     // note-on velocity 0: off
                                        .at(0, {64, 0})
                                        .at(0, {0xB0, 7, 100})
                                        .at(240, {10, 64})    // control change, running
                                        .chunk()}));
  REQUIRE(s.events.size() == 4);
  CHECK(s.events[0].message == midi::note_on(1, 60, 100));
  CHECK(s.events[0].duration == 1.0);
  CHECK(s.events[1].message == midi::note_on(1, 64, 100));
  CHECK(s.events[1].duration == 1.0);
  CHECK(s.events[2].kind == EventKind::control_change);
  CHECK(s.events[2].beat == 1.0);
  CHECK(s.events[2].message == msg(0xB0, 7, 100));
  CHECK(s.events[3].beat == 1.5);
  CHECK(s.events[3].message == msg(0xB0, 10, 64));
}

TEST_CASE("midi file: a note-on of velocity 0 ends a note") {
  const auto s = read(file(0, 96, {TrackBytes().at(0, {0x93, 50, 80}).at(72, {0x93, 50, 0}).chunk()}));
  REQUIRE(s.events.size() == 1);
  CHECK(s.tracks[0].channel == 4);
  CHECK(s.events[0].message == midi::note_on(4, 50, 80));
  CHECK(s.events[0].duration == 0.75);
}

TEST_CASE("midi file: overlapping notes of one pitch end first in, first out") {
  const auto s = read(file(0, 96, {TrackBytes()
                                       .at(0, {0x90, 60, 100})
                                       .at(48, {0x90, 60, 50})
                                       .at(48, {0x80, 60, 0})
                                       .at(96, {0x80, 60, 0})
                                       .chunk()}));
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].beat == 0.0);
  CHECK(s.events[0].duration == 1.0);
  CHECK(s.events[0].message == midi::note_on(1, 60, 100));
  CHECK(s.events[1].beat == 0.5);
  CHECK(s.events[1].duration == 1.5);
  CHECK(s.events[1].message == midi::note_on(1, 60, 50));
}

TEST_CASE("midi file: a note never ended lasts to the end of its track, or one tick") {
  SUBCASE("to the End Of Track") {
    const auto s = read(file(0, 96, {TrackBytes().at(96, {0x90, 60, 100}).chunk(288)}));
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0].beat == 1.0);
    CHECK(s.events[0].duration == 3.0);
  }
  SUBCASE("End Of Track on the note: one tick") {
    const auto s = read(file(0, 96, {TrackBytes().at(96, {0x90, 60, 100}).chunk(0)}));
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0].duration == 1.0 / 96);
  }
  SUBCASE("ended on the tick it starts: one tick") {
    const auto s = read(file(0, 96, {TrackBytes().at(96, {0x90, 60, 100}).at(0, {0x80, 60, 0}).chunk(96)}));
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0].duration == 1.0 / 96);
  }
  SUBCASE("a note-off with no note is ignored") {
    const auto s = read(file(0, 96, {TrackBytes().at(0, {0x80, 60, 0}).chunk(96)}));
    CHECK(s.tracks.empty());
    CHECK(s.events.empty());
  }
}

TEST_CASE("midi file: controllers, programs and bends keep their kind; pressure is raw") {
  const auto s = read(file(0, 96, {TrackBytes()
                                       .at(0, {0xB2, 74, 20})
                                       .at(1, {0xC2, 5})
                                       .at(1, {0xE2, 0x00, 0x40})
                                       .at(1, {0xD2, 33})
                                       .at(1, {0xA2, 60, 44})
                                       .at(1, {0xF0, 3, 0x43, 0x10, 0xF7}) // SysEx: dropped
                                       .meta(1, 0x01, "a text event")      // meta: dropped
                                       .chunk()}));
  REQUIRE(s.tracks.size() == 1);
  CHECK(s.tracks[0].channel == 3);
  REQUIRE(s.events.size() == 5);
  CHECK(s.events[0].kind == EventKind::control_change);
  CHECK(s.events[0].message == msg(0xB2, 74, 20));
  CHECK(s.events[1].kind == EventKind::program_change);
  CHECK(s.events[1].message == msg(0xC2, 5));
  CHECK(s.events[2].kind == EventKind::pitch_bend);
  CHECK(s.events[2].message == msg(0xE2, 0x00, 0x40));
  CHECK(s.events[3].kind == EventKind::raw);
  CHECK(s.events[3].message == msg(0xD2, 33));
  CHECK(s.events[4].kind == EventKind::raw);
  CHECK(s.events[4].message == msg(0xA2, 60, 44));
  for (std::uint32_t i = 0; i < 5; ++i) {
    CHECK(s.events[i].duration == 0.0);
    CHECK(s.events[i].index == i);
    CHECK(s.events[i].beat == i / 96.0);
  }
}

TEST_CASE("midi file: a file track on two channels becomes two tracks, channel order") {
  const auto keys = TrackBytes()
                        .name("Keys")
                        .at(0, {0x91, 60, 100}) // channel 2 first in the file
                        .at(0, {0x90, 48, 100})
                        .at(96, {0x81, 60, 0})
                        .at(0, {0x80, 48, 0})
                        .at(0, {0x91, 62, 100})
                        .at(96, {0x81, 62, 0});
  const auto s = read(file(1, 96, {keys.chunk()}));
  REQUIRE(s.tracks.size() == 2);
  CHECK(s.tracks[0].name == "Keys (ch 1)");
  CHECK(s.tracks[0].channel == 1);
  CHECK(s.tracks[1].name == "Keys (ch 2)");
  CHECK(s.tracks[1].channel == 2);
  const auto ch1 = events_of(s, 0);
  const auto ch2 = events_of(s, 1);
  REQUIRE(ch1.size() == 1);
  REQUIRE(ch2.size() == 2);
  CHECK(ch1[0].message == midi::note_on(1, 48, 100));
  CHECK(ch2[0].message == midi::note_on(2, 60, 100));
  CHECK(ch2[0].index == 0);
  CHECK(ch2[1].message == midi::note_on(2, 62, 100));
  CHECK(ch2[1].index == 1);
  CHECK(ch2[1].beat == 1.0);
  // Sorted by beat; on beat 0 track 0 comes first.
  CHECK(s.events[0].track == 0);
  CHECK(s.events[1].track == 1);
}

TEST_CASE("midi file: an unnamed track on two channels stays unnamed") {
  const auto s = read(file(0, 96, {TrackBytes().at(0, {0xC0, 1}).at(0, {0xC1, 2}).chunk()}));
  REQUIRE(s.tracks.size() == 2);
  CHECK(s.tracks[0].name.empty());
  CHECK(s.tracks[1].name.empty());
}

TEST_CASE("midi file: the first time signature sets the quantum") {
  const auto quantum = [](int numerator, int power) {
    return read(file(0, 96, {TrackBytes().time_signature(numerator, power).chunk()})).quantum;
  };
  CHECK(quantum(6, 3) == 3.0);
  CHECK(quantum(3, 4 - 2) == 3.0);
  CHECK(quantum(7, 3) == 3.5);
  CHECK(quantum(4, 2) == 4.0);
  CHECK(quantum(5, 2) == 5.0);
  CHECK(quantum(0, 2) == 4.0);   // no beats: ignored
  CHECK(quantum(99, 2) == 4.0);  // above 64 beats: ignored
  CHECK(quantum(1, 6) == 0.0625); // 1/64: short, but in range

  // The earliest counts, whichever track it is in; later ones change nothing.
  const auto s = read(file(1, 96, {TrackBytes().meta(96, 0x58, "\x03\x02\x18\x08").chunk(),
                                   TrackBytes().time_signature(6, 3).meta(384, 0x58, "\x02\x02\x18\x08").chunk()}));
  CHECK(s.quantum == 3.0);
}

TEST_CASE("midi file: a file of no tracks or no events is an empty sequence") {
  const auto none = read(header(1, 0, 96));
  CHECK(none.tracks.empty());
  CHECK(none.events.empty());
  CHECK(none.quantum == 4.0);
  const auto silent = read(file(1, 96, {TrackBytes().name("Empty").chunk(), TrackBytes().chunk()}));
  CHECK(silent.tracks.empty());
  CHECK(silent.events.empty());
}

TEST_CASE("midi file: track names are UTF-8, read as Latin-1 when they are not") {
  const auto named = [](const std::string& name) {
    return read(file(0, 96, {TrackBytes().name(name).at(0, {0xC0, 1}).chunk()})).tracks.at(0).name;
  };
  CHECK(named("Caf\xC3\xA9") == "Caf\xC3\xA9");
  CHECK(named("Caf\xE9") == "Caf\xC3\xA9");
  CHECK(named(std::string("Lead\0", 5)) == "Lead");
}

TEST_CASE("midi file: what is not a type 0 or 1 file in ticks is refused, saying what it is") {
  const auto track = TrackBytes().at(0, {0x90, 60, 100}).chunk();
  CHECK(refusal(file(2, 96, {track})) == "expected a Standard MIDI File of type 0 or 1, got type 2");
  CHECK(refusal(header(0, 1, 0xE728) + track) ==
        "expected ticks per quarter note, got SMPTE timing (25 fps)");
  CHECK(refusal(header(0, 1, 0xE350) + track) ==
        "expected ticks per quarter note, got SMPTE timing (29.97 fps)");
  CHECK(refusal(header(0, 1, 0) + track) == "expected ticks per quarter note above 0, got 0");
  CHECK(refusal("hello, this is not MIDI\n") ==
        "expected a Standard MIDI File (beginning \"MThd\"), got text beginning \"hello, this is n\"");
  CHECK(refusal("{\"a\":\n1}") ==
        "expected a Standard MIDI File (beginning \"MThd\"), got text beginning \"{\\\"a\\\":\\n1}\"");
  CHECK(refusal("\x7F" "ELF\x02\x01\x01") ==
        "expected a Standard MIDI File (beginning \"MThd\"), got bytes beginning 7f 45 4c 46 02 01 01");
  CHECK(refusal("") == "expected a Standard MIDI File (beginning \"MThd\"), got an empty file");
}

TEST_CASE("midi file: a missing file or a directory is refused, a MIDI file read by content") {
  const auto error = tool_error_of([] { load_sequence("/nonexistent/song.mid"); });
  REQUIRE(error);
  CHECK(error->code() == ExitCode::bad_input);
  CHECK(std::string(error->what()) == "/nonexistent/song.mid: cannot open it: No such file or directory");
  const auto directory = tool_error_of([] { load_sequence("/"); });
  REQUIRE(directory);
  CHECK(directory->code() == ExitCode::bad_input);
  CHECK(std::string(directory->what()) == "/: expected a sequence file, got a directory");
  // Whatever the name says, the bytes decide.
  const TempFile f(file(0, 96, {TrackBytes().at(0, {0x90, 60, 100}).at(96, {0x80, 60, 0}).chunk()}));
  const auto s = load_sequence(f.path());
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].duration == 1.0);
}

TEST_CASE("midi file: every cut-short copy of a file is refused, quietly") {
  const auto whole = file(1, 96, {TrackBytes().name("Lead").time_signature(6, 3).chunk(),
                                  TrackBytes()
                                      .at(0, {0x90, 60, 100})
                                      .at(96, {0x80, 60, 0})
                                      .at(0, {0xF0, 2, 0x01, 0xF7})
                                      .at(0, {0xB0, 7, 100})
                                      .chunk(96)});
  REQUIRE(read(whole).events.size() == 2);
  const auto printed = stderr_of([&] {
    for (std::size_t length = 0; length < whole.size(); ++length) {
      INFO("cut to ", length, " of ", whole.size(), " bytes");
      const auto error = tool_error_of([&] { read(whole.substr(0, length)); });
      CHECK((error && error->code() == ExitCode::bad_input));
    }
  });
  CHECK(printed.empty());
  CHECK(refusal(whole.substr(0, whole.size() - 3)) ==
        "expected track 2 to hold 21 bytes, got 18 before the end of the file (is it cut short?)");
}

TEST_CASE("midi file: damaged tracks are refused, naming the track and tick") {
  CHECK(refusal(file(0, 96, {TrackBytes().at(0, {0x90, 60, 100}).chunk_without_end()})) ==
        "expected an End Of Track event, got the end of the track chunk (track 1, tick 0)");
  CHECK(refusal(file(0, 96, {TrackBytes().at(7, {60, 100}).chunk()})) ==
        "expected a status byte, got data byte 0x3C with no running status (track 1, tick 7)");
  CHECK(refusal(file(0, 96, {TrackBytes().at(0, {0xF0, 1, 0xF7}).at(5, {60, 100}).chunk()})) ==
        "expected a status byte, got data byte 0x3C with no running status (track 1, tick 5)");
  CHECK(refusal(file(0, 96, {TrackBytes().at(0, {0x90, 60, 0xF8}).chunk()})) ==
        "expected a data byte (below 0x80), got 0xF8 (track 1, tick 0)");
  CHECK(refusal(file(0, 96, {TrackBytes().at(0, {0xF4}).chunk()})) ==
        "expected a MIDI status byte, got undefined status 0xF4 (track 1, tick 0)");
  CHECK(refusal(file(0, 96, {TrackBytes().meta(0, 0x51, "\x07").chunk()})) ==
        "expected a Set Tempo event of 3 bytes, got 1 (track 1, tick 0)");
  CHECK(refusal(file(0, 96, {TrackBytes().meta(0, 0x58, "\x06\x03").chunk()})) ==
        "expected a Time Signature event of 4 bytes, got 2 (track 1, tick 0)");
  TrackBytes far;
  for (int i = 0; i < 9; ++i) far.at(0x0FFFFFFF, {0xC0, 1}); // nine times 2^28 - 1 ticks
  CHECK(refusal(file(0, 96, {far.chunk()})) ==
        "expected positions below 2147483647 ticks, got one beyond (track 1, tick 2415919095)");
  CHECK(refusal(header(1, 2, 96) + TrackBytes().chunk()) ==
        "expected 2 track chunks as the header declares, got 1");
  CHECK(refusal(header(0, 1, 96).replace(7, 1, "\x08") + "\0\0" + TrackBytes().chunk()) ==
        "expected an MThd chunk of 6 bytes (libsmf reads no other), got 8");
}

TEST_CASE("midi file: what libsmf cannot read is refused instead of misread") {
  // Legal, but libsmf stops the process on 0xF7, misreads long meta events
  // and cannot skip a foreign chunk between tracks.
  CHECK(refusal(file(0, 96, {TrackBytes().at(0, {0xF7, 1, 0xF8}).chunk()})) ==
        "expected no SysEx continuation or escape events (0xF7), which libsmf cannot read, "
        "got one (track 1, tick 0)");
  CHECK(refusal(file(0, 96, {TrackBytes().meta(0, 0x01, std::string(200, 'x')).chunk()})) ==
        "expected meta events of at most 127 bytes (libsmf reads no longer ones), got one of 200 "
        "(type 0x01) (track 1, tick 0)");
  CHECK(refusal(header(1, 2, 96) + chunk("XFIH", "abcd") + TrackBytes().chunk() + TrackBytes().chunk()) ==
        "expected track chunk (\"MTrk\") 1 of 2, got chunk \"XFIH\" (libsmf cannot skip other "
        "chunks between tracks)");
  // After the declared tracks, other chunks are never read.
  CHECK(read(file(0, 96, {TrackBytes().at(0, {0xC0, 1}).chunk()}) + chunk("XFKM", "abcd")).events.size() == 1);
  // A meta event of 127 bytes is fine.
  CHECK(read(file(0, 96, {TrackBytes().name(std::string(127, 'n')).at(0, {0xC0, 1}).chunk()}))
            .tracks.at(0).name.size() == 127);
}

TEST_CASE("midi file: libsmf's complaints about a file it reads stay off the terminal") {
  // A tempo of 0 microseconds: libsmf logs a critical and goes on.
  std::string out;
  const auto printed = stderr_of([&] {
    const auto s = read(file(0, 96, {TrackBytes().meta(0, 0x51, std::string(3, '\0')).at(0, {0xC0, 1}).chunk()}));
    out = fmt::format("{} events", s.events.size());
  });
  CHECK(out == "1 events");
  CHECK(printed.empty());
}

TEST_CASE("midi file: no damaged copy of a file stops the process") {
  // Each byte replaced by values that matter to a parser: reading must end in
  // a sequence or a ToolError, never in an abort or a crash.
  const auto whole = file(1, 96, {TrackBytes().name("Lead").time_signature(6, 3).chunk(),
                                  TrackBytes()
                                      .at(0, {0x90, 60, 100})
                                      .at(96, {60, 0})
                                      .at(0, {0xF0, 2, 0x01, 0xF7})
                                      .at(0, {0xB0, 7, 100})
                                      .at(0, {0xF8})
                                      .chunk(96)});
  int read_ok = 0;
  int refused = 0;
  const auto printed = stderr_of([&] {
    for (std::size_t at = 0; at < whole.size(); ++at) {
      for (const int value : {0x00, 0x01, 0x7F, 0x80, 0x90, 0xF0, 0xF7, 0xFF}) {
        auto damaged = whole;
        damaged[at] = static_cast<char>(value);
        try {
          read(damaged);
          ++read_ok;
        } catch (const ToolError& e) {
          ++refused;
          CHECK(e.code() == ExitCode::bad_input);
        }
      }
    }
  });
  CHECK(printed.empty());
  CHECK(read_ok > 0);
  CHECK(refused > 0);
}

TEST_CASE("midi file: a file that is neither MIDI nor link-seq JSON says what was tried") {
  const auto what = [](const TempFile& f) {
    const auto error = tool_error_of([&] { load_sequence(f.path()); });
    REQUIRE(error);
    CHECK(error->code() == ExitCode::bad_input);
    return std::string(error->what());
  };
  SUBCASE("named .mid: a WAV file") {
    const TempFile f(std::string("RIFF\x24\0\0\0WAVEfmt ", 16), ".mid");
    CHECK(what(f) == f.path() + ": not a MIDI file (no MThd header; it begins with \"RIFF\") and "
                                "not link-seq JSON (line 1, column 1: invalid JSON: expected a "
                                "value, got 'R')");
  }
  SUBCASE("named .MIDI, too short for a header") {
    const TempFile f("MT", ".MIDI");
    CHECK(what(f) == f.path() + ": not a MIDI file (no MThd header; it begins with \"MT\") and "
                                "not link-seq JSON (line 1, column 1: invalid JSON: expected a "
                                "value, got 'M')");
  }
  SUBCASE("named .mid, JSON but not link-seq/1: every problem, then both readers") {
    const TempFile f("{}", ".mid");
    const auto error = tool_error_of([&] { load_sequence(f.path()); });
    REQUIRE(error);
    CHECK(std::string(error->what()) ==
          f.path() + ": not a MIDI file (no MThd header; it begins with \"{}\") and not link-seq "
                     "JSON (2 problems, above)");
    CHECK(error->details() ==
          std::vector<std::string>{f.path() + ": /format: expected \"link-seq/1\", got nothing",
                                   f.path() + ": /tracks: expected an array of tracks, got nothing"});
  }
  SUBCASE("any name: bytes that cannot begin JSON") {
    const TempFile f(std::string("\0\x01\x02\x03\x04", 5), ".bin");
    CHECK(what(f) == f.path() + ": not a MIDI file (no MThd header; it begins with bytes 00 01 02 "
                                "03) and not link-seq JSON (line 1, column 1: invalid JSON: "
                                "expected a value, got byte 0x00)");
  }
  SUBCASE("named .mid, empty") {
    const TempFile f("", ".mid");
    CHECK(what(f) == f.path() + ": not a MIDI file (it is empty) and not link-seq JSON (expected "
                                "a link-seq/1 document (a JSON object), got an empty file)");
  }
  SUBCASE("a JSON file with a mistake is only JSON's business") {
    const TempFile f("{\"format\": \"link-seq/1\", \"tracks\": [}", ".json");
    const auto error = tool_error_of([&] { load_sequence(f.path()); });
    REQUIRE(error);
    CHECK(std::string(error->what()) == f.path() + ": 1 problem");
    REQUIRE(error->details().size() == 1);
    CHECK(error->details()[0].find("invalid JSON") != std::string::npos);
  }
  SUBCASE("the content decides: link-seq JSON named .mid is read") {
    const TempFile f(R"({"format": "link-seq/1", "tracks": [{"channel": 1, "events": [{"beat": 0, "program": 3}]}]})",
                     ".mid");
    CHECK(load_sequence(f.path()).events.size() == 1);
  }
}
