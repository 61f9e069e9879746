#include <doctest/doctest.h>

#include "midi/EventJson.hpp"
#include "midi/Message.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace linktools::midi;

namespace {
std::vector<int> bytes_of(const Message& m) {
  return {m.bytes.begin(), m.bytes.begin() + m.size};
}
} // namespace

TEST_CASE("system real-time messages are single status bytes (MIDI 1.0 table V)") {
  CHECK(bytes_of(linktools::midi::clock()) == std::vector<int>{0xF8});
  CHECK(bytes_of(start()) == std::vector<int>{0xFA});
  CHECK(bytes_of(continue_()) == std::vector<int>{0xFB});
  CHECK(bytes_of(stop()) == std::vector<int>{0xFC});
}

TEST_CASE("song position pointer: F2, 14 bits least significant first") {
  CHECK(bytes_of(song_position(0)) == std::vector<int>{0xF2, 0x00, 0x00});
  CHECK(bytes_of(song_position(1)) == std::vector<int>{0xF2, 0x01, 0x00});
  CHECK(bytes_of(song_position(128)) == std::vector<int>{0xF2, 0x00, 0x01});
  CHECK(bytes_of(song_position(300)) == std::vector<int>{0xF2, 300 & 0x7F, 300 >> 7});
  CHECK(bytes_of(song_position(16383)) == std::vector<int>{0xF2, 0x7F, 0x7F});
  CHECK(bytes_of(song_position(20000)) == std::vector<int>{0xF2, 0x7F, 0x7F}); // clamped
}

TEST_CASE("channel voice messages: status nibble, channel 1..16 as 0..15") {
  CHECK(bytes_of(note_on(1, 60, 100)) == std::vector<int>{0x90, 60, 100});
  CHECK(bytes_of(note_on(16, 60, 100)) == std::vector<int>{0x9F, 60, 100});
  CHECK(bytes_of(note_off(10, 36)) == std::vector<int>{0x89, 36, 0});
  CHECK(bytes_of(note_off(2, 36, 64)) == std::vector<int>{0x81, 36, 64});
  CHECK(bytes_of(control_change(3, 7, 127)) == std::vector<int>{0xB2, 7, 127});
  CHECK(bytes_of(program_change(4, 12)) == std::vector<int>{0xC3, 12});
  CHECK(bytes_of(all_notes_off(5)) == std::vector<int>{0xB4, 123, 0});
}

TEST_CASE("pitch bend: E0, 14 bits LSB first, centre 0x2000") {
  CHECK(bytes_of(pitch_bend(1, 0)) == std::vector<int>{0xE0, 0x00, 0x40});
  CHECK(bytes_of(pitch_bend(1, -8192)) == std::vector<int>{0xE0, 0x00, 0x00});
  CHECK(bytes_of(pitch_bend(1, 8191)) == std::vector<int>{0xE0, 0x7F, 0x7F});
  CHECK(bytes_of(pitch_bend(2, 1)) == std::vector<int>{0xE1, 0x01, 0x40});
}

TEST_CASE("out-of-range arguments are clamped, never spill into the status byte") {
  CHECK(bytes_of(note_on(0, 200, -5)) == std::vector<int>{0x90, 127, 0});
  CHECK(bytes_of(note_on(17, 60, 100)) == std::vector<int>{0x9F, 60, 100});
  CHECK(bytes_of(pitch_bend(1, 99999)) == std::vector<int>{0xE0, 0x7F, 0x7F});
}

TEST_CASE("decode inverts encode") {
  const auto check = [](const Message& m, Kind kind, int channel, int d1, int d2) {
    const auto d = decode(m.view());
    REQUIRE(d);
    CHECK(d->kind == kind);
    CHECK(d->channel == channel);
    CHECK(d->data1 == d1);
    CHECK(d->data2 == d2);
  };
  check(linktools::midi::clock(), Kind::clock, 0, 0, 0);
  check(start(), Kind::start, 0, 0, 0);
  check(continue_(), Kind::continue_, 0, 0, 0);
  check(stop(), Kind::stop, 0, 0, 0);
  check(song_position(1234), Kind::song_position, 0, 1234, 0);
  check(note_on(7, 61, 99), Kind::note_on, 7, 61, 99);
  check(note_off(7, 61, 5), Kind::note_off, 7, 61, 5);
  check(control_change(16, 1, 64), Kind::control_change, 16, 1, 64);
  check(program_change(9, 127), Kind::program_change, 9, 127, 0);
  check(pitch_bend(3, -100), Kind::pitch_bend, 3, -100, 0);
  check(all_notes_off(11), Kind::all_notes_off, 11, 123, 0);
}

TEST_CASE("decode: note-on with velocity 0 means note-off") {
  const std::vector<std::uint8_t> bytes{0x93, 60, 0};
  const auto d = decode(bytes);
  REQUIRE(d);
  CHECK(d->kind == Kind::note_off);
  CHECK(d->channel == 4);
}

TEST_CASE("decode rejects what is not one complete message") {
  const auto bad = [](std::vector<std::uint8_t> bytes) { return !decode(bytes).has_value(); };
  CHECK(bad({}));
  CHECK(bad({60, 100}));             // running status: no status byte
  CHECK(bad({0x90, 60}));            // short
  CHECK(bad({0x90, 60, 100, 1}));    // long
  CHECK(bad({0x90, 0x90, 100}));     // status byte where data belongs
  CHECK(bad({0xF8, 0x00}));          // real-time with data
  CHECK(bad({0xC0, 1, 2}));          // program change has one data byte
  CHECK(bad({0xF2, 1}));
  CHECK(bad({0xF0, 0x7E}));          // SysEx without its end
  CHECK(bad({0xF0, 0x7E, 0xF8, 0xF7})); // a status byte inside SysEx
  CHECK(bad({0xF7}));                // an end of SysEx alone
  CHECK(bad({0xA0, 60}));            // poly pressure has two data bytes
  CHECK(bad({0xD0, 1, 2}));          // channel pressure has one
  CHECK(bad({0xF3}));                // song select has one
  CHECK(bad({0xF6, 0}));             // tune request has none
  for (const int undefined : {0xF4, 0xF5, 0xF9, 0xFD}) {
    CAPTURE(undefined);
    CHECK(bad({static_cast<std::uint8_t>(undefined)}));
  }
}

TEST_CASE("every MIDI 1.0 message kind has its own name") {
  const std::vector<std::pair<std::vector<std::uint8_t>, std::string_view>> kinds{
      {{0x80, 60, 0}, "note_off"},
      {{0x93, 60, 100}, "note_on"},
      {{0x93, 60, 0}, "note_off"},
      {{0xA2, 60, 40}, "poly_pressure"},
      {{0xB0, 1, 2}, "control_change"},
      {{0xB0, 123, 0}, "all_notes_off"},
      {{0xC0, 5}, "program_change"},
      {{0xD0, 100}, "channel_pressure"},
      {{0xE0, 0, 64}, "pitch_bend"},
      {{0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7}, "sysex"},
      {{0xF0, 0xF7}, "sysex"},
      {{0xF1, 0x23}, "mtc_quarter_frame"},
      {{0xF2, 1, 2}, "song_position"},
      {{0xF3, 4}, "song_select"},
      {{0xF6}, "tune_request"},
      {{0xF8}, "clock"},
      {{0xFA}, "start"},
      {{0xFB}, "continue"},
      {{0xFC}, "stop"},
      {{0xFE}, "active_sensing"},
      {{0xFF}, "reset"},
  };
  for (const auto& [bytes, name] : kinds) {
    CAPTURE(name);
    const auto d = decode(bytes);
    REQUIRE(d);
    CHECK(kind_name(d->kind) == name);
  }
  // What each carries.
  const auto poly = decode(std::vector<std::uint8_t>{0xA2, 60, 40});
  CHECK((poly->channel == 3 && poly->data1 == 60 && poly->data2 == 40));
  const auto pressure = decode(std::vector<std::uint8_t>{0xD5, 100});
  CHECK((pressure->channel == 6 && pressure->data1 == 100));
  const auto select = decode(std::vector<std::uint8_t>{0xF3, 4});
  CHECK((select->channel == 0 && select->data1 == 4));
  const auto quarter = decode(std::vector<std::uint8_t>{0xF1, 0x23});
  CHECK((quarter->channel == 0 && quarter->data1 == 0x23));
}

TEST_CASE("the JSON Lines name comes from the same table: channel pressure is not \"other\"") {
  const Message pressure{{0xD0, 100, 0}, 2};
  CHECK(event_json(Event{linktools::HostTime(5), 1.0, pressure}) ==
        R"({"time_us":5,"beat":1.000000,"message":"channel_pressure","bytes":[208,100]})");
  const Message poly{{0xA0, 60, 40}, 3};
  CHECK(event_json(Event{linktools::HostTime(5), 1.0, poly}).find(R"("message":"poly_pressure")") !=
        std::string::npos);
  // Bytes that are no whole message (not something a source sends).
  const Message broken{{0x90, 60, 0}, 2};
  CHECK(event_json(Event{linktools::HostTime(5), 1.0, broken}).find(R"("message":"other")") !=
        std::string::npos);
}

TEST_CASE("the kind a status byte announces, for a reader that keeps only the status") {
  CHECK(kind_name(status_kind(0x80)) == "note_off");
  CHECK(kind_name(status_kind(0x9F)) == "note_on");
  CHECK(kind_name(status_kind(0xA0)) == "poly_pressure");
  CHECK(kind_name(status_kind(0xB0)) == "control_change");
  CHECK(kind_name(status_kind(0xC0)) == "program_change");
  CHECK(kind_name(status_kind(0xD0)) == "channel_pressure");
  CHECK(kind_name(status_kind(0xE0)) == "pitch_bend");
  CHECK(kind_name(status_kind(0xF0)) == "sysex");
  CHECK(kind_name(status_kind(0xF2)) == "song_position");
  CHECK(kind_name(status_kind(0xF8)) == "clock");
  CHECK(kind_name(status_kind(0xFF)) == "reset");
  CHECK(kind_name(status_kind(0xF4)) == "other");
  CHECK(kind_name(status_kind(0x40)) == "other");
}

TEST_CASE("kind names") {
  CHECK(kind_name(Kind::clock) == "clock");
  CHECK(kind_name(Kind::continue_) == "continue");
  CHECK(kind_name(Kind::song_position) == "song_position");
  CHECK(kind_name(Kind::all_notes_off) == "all_notes_off");
}
