#include <doctest/doctest.h>

#include "TestSupport.hpp"

#include "midi/Backends.hpp"
#include "midi/ClockFollower.hpp"
#include "midi/alsa/SeqEvent.hpp"
#include "session/ClockOffset.hpp"

#include <cmath>
#include <cstring>
#include <vector>

using namespace linktools::midi;
using linktools::ExitCode;
using linktools::testing::tool_error_of;
using linktools::midi::alsa::parse_port_spec;
using linktools::midi::alsa::to_seq_event;

namespace {

// Converts into an event full of junk, so a field the mapping forgets to set
// (or to clear) shows up.
snd_seq_event_t converted(const Message& m) {
  snd_seq_event_t event;
  std::memset(&event, 0xA5, sizeof event);
  REQUIRE(to_seq_event(m, event));
  return event;
}

bool is_fixed(const snd_seq_event_t& e) {
  return (e.flags & SND_SEQ_EVENT_LENGTH_MASK) == SND_SEQ_EVENT_LENGTH_FIXED;
}

} // namespace

TEST_CASE("real-time messages become the sequencer's clock and transport events") {
  const auto check = [](const Message& m, int type) {
    const auto e = converted(m);
    CHECK(e.type == type);
    CHECK(is_fixed(e));
    CHECK(e.data.control.value == 0);
    CHECK(e.queue == 0); // addressing is the caller's: left cleared
    CHECK(e.dest.client == 0);
  };
  // Qualified: <alsa/asoundlib.h> brings in the C library's ::clock().
  check(linktools::midi::clock(), SND_SEQ_EVENT_CLOCK);
  check(start(), SND_SEQ_EVENT_START);
  check(continue_(), SND_SEQ_EVENT_CONTINUE);
  check(stop(), SND_SEQ_EVENT_STOP);
}

TEST_CASE("song position: SONGPOS with the value in sixteenths") {
  for (const int sixteenths : {0, 1, 128, 300, 16383}) {
    const auto e = converted(song_position(sixteenths));
    CHECK(e.type == SND_SEQ_EVENT_SONGPOS);
    CHECK(is_fixed(e));
    CHECK(e.data.control.value == sixteenths);
  }
}

TEST_CASE("notes: channel counted from 0, note and velocity as sent") {
  auto e = converted(note_on(1, 60, 100));
  CHECK(e.type == SND_SEQ_EVENT_NOTEON);
  CHECK(is_fixed(e));
  CHECK(e.data.note.channel == 0);
  CHECK(e.data.note.note == 60);
  CHECK(e.data.note.velocity == 100);

  e = converted(note_on(16, 127, 1));
  CHECK(e.type == SND_SEQ_EVENT_NOTEON);
  CHECK(e.data.note.channel == 15);
  CHECK(e.data.note.note == 127);
  CHECK(e.data.note.velocity == 1);

  e = converted(note_off(10, 36, 64));
  CHECK(e.type == SND_SEQ_EVENT_NOTEOFF);
  CHECK(e.data.note.channel == 9);
  CHECK(e.data.note.note == 36);
  CHECK(e.data.note.velocity == 64);

  // A note-on with velocity 0 is a note-off (MIDI 1.0).
  e = converted(note_on(2, 48, 0));
  CHECK(e.type == SND_SEQ_EVENT_NOTEOFF);
  CHECK(e.data.note.channel == 1);
  CHECK(e.data.note.note == 48);
  CHECK(e.data.note.velocity == 0);
}

TEST_CASE("controllers, programs and all-notes-off use the control fields") {
  auto e = converted(control_change(3, 7, 127));
  CHECK(e.type == SND_SEQ_EVENT_CONTROLLER);
  CHECK(is_fixed(e));
  CHECK(e.data.control.channel == 2);
  CHECK(e.data.control.param == 7);
  CHECK(e.data.control.value == 127);

  e = converted(all_notes_off(5));
  CHECK(e.type == SND_SEQ_EVENT_CONTROLLER);
  CHECK(e.data.control.channel == 4);
  CHECK(e.data.control.param == MIDI_CTL_ALL_NOTES_OFF);
  CHECK(e.data.control.param == 123);
  CHECK(e.data.control.value == 0);

  e = converted(program_change(4, 12));
  CHECK(e.type == SND_SEQ_EVENT_PGMCHANGE);
  CHECK(is_fixed(e));
  CHECK(e.data.control.channel == 3);
  CHECK(e.data.control.value == 12);
}

TEST_CASE("pitch bend: the signed value, centre 0") {
  for (const int bend : {-8192, -1, 0, 1, 8191}) {
    const auto e = converted(pitch_bend(6, bend));
    CHECK(e.type == SND_SEQ_EVENT_PITCHBEND);
    CHECK(is_fixed(e));
    CHECK(e.data.control.channel == 5);
    CHECK(e.data.control.value == bend);
  }
}

TEST_CASE("messages without a sequencer event are refused") {
  snd_seq_event_t event;
  CHECK_FALSE(to_seq_event(Message{{0xA0, 60, 10}, 3}, event)); // polyphonic pressure
  CHECK_FALSE(to_seq_event(Message{{0xD0, 10, 0}, 2}, event));  // channel pressure
  CHECK_FALSE(to_seq_event(Message{}, event));                  // empty
  CHECK_FALSE(to_seq_event(Message{{0x90, 60, 0}, 2}, event));  // truncated note-on
  CHECK_FALSE(to_seq_event(Message{{0xF0, 0, 0}, 1}, event));   // SysEx start
}

TEST_CASE("port specs: numbers, names, and an optional port after the last colon") {
  auto spec = parse_port_spec("128:0");
  REQUIRE(spec);
  CHECK(spec->client == 128);
  CHECK(spec->client_name.empty());
  CHECK(spec->port == 0);

  spec = parse_port_spec("14:3");
  REQUIRE(spec);
  CHECK(spec->client == 14);
  CHECK(spec->port == 3);

  spec = parse_port_spec("128");
  REQUIRE(spec);
  CHECK(spec->client == 128);
  CHECK(spec->port == 0);

  spec = parse_port_spec("Name");
  REQUIRE(spec);
  CHECK_FALSE(spec->client);
  CHECK(spec->client_name == "Name");
  CHECK(spec->port == 0);

  spec = parse_port_spec("Name:1");
  REQUIRE(spec);
  CHECK_FALSE(spec->client);
  CHECK(spec->client_name == "Name");
  CHECK(spec->port == 1);

  spec = parse_port_spec("Midi Through:0");
  REQUIRE(spec);
  CHECK(spec->client_name == "Midi Through");

  spec = parse_port_spec("a:b:2"); // only the last colon separates the port
  REQUIRE(spec);
  CHECK(spec->client_name == "a:b");
  CHECK(spec->port == 2);

  spec = parse_port_spec("255:255");
  REQUIRE(spec);
  CHECK(spec->client == 255);
  CHECK(spec->port == 255);
}

TEST_CASE("port specs: malformed ones are refused") {
  for (const char* bad : {"", ":", ":0", "12:x", "-1:0", "+1:0", "128:-2", "128:+2", "Name:", "12x",
                          "256:0", "0:256", "99999999999999999999:0", "1:99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_port_spec(bad));
  }
}

TEST_CASE("alsa::open rejects a malformed --connect before it opens the sequencer") {
  // Needs no kernel: the address is checked before snd_seq_open.
  OutputOptions options;
  options.backend = Backend::alsa;
  options.connect = "12:x";
  const auto error = tool_error_of([&] { alsa::open(options); });
  REQUIRE(error);
  CHECK(error->code() == ExitCode::bad_input);
  CHECK(std::string(error->what()).starts_with("--connect 12:x: "));
}

// --- events received (link-follow's ALSA input) -------------------------------

namespace {
using linktools::midi::alsa::from_seq_event;
using linktools::midi::alsa::queue_time_us;

snd_seq_event_t received(snd_seq_event_type_t type) {
  snd_seq_event_t e;
  std::memset(&e, 0, sizeof e);
  e.type = type;
  return e;
}

std::vector<int> bytes_of(const snd_seq_event_t& e) {
  const auto m = from_seq_event(e);
  REQUIRE(m);
  return {m->bytes.begin(), m->bytes.begin() + m->size};
}
} // namespace

TEST_CASE("alsa input: clock, transport and song position become their MIDI bytes") {
  CHECK(bytes_of(received(SND_SEQ_EVENT_CLOCK)) == std::vector<int>{0xF8});
  CHECK(bytes_of(received(SND_SEQ_EVENT_START)) == std::vector<int>{0xFA});
  CHECK(bytes_of(received(SND_SEQ_EVENT_CONTINUE)) == std::vector<int>{0xFB});
  CHECK(bytes_of(received(SND_SEQ_EVENT_STOP)) == std::vector<int>{0xFC});
  auto spp = received(SND_SEQ_EVENT_SONGPOS);
  spp.data.control.value = 300; // 0x12C: 0x2C, 0x02
  CHECK(bytes_of(spp) == std::vector<int>{0xF2, 0x2C, 0x02});
}

TEST_CASE("alsa input: other MIDI events keep their bytes, so the follower can count them") {
  auto on = received(SND_SEQ_EVENT_NOTEON);
  on.data.note.channel = 9;
  on.data.note.note = 36;
  on.data.note.velocity = 100;
  CHECK(bytes_of(on) == std::vector<int>{0x99, 36, 100});
  auto cc = received(SND_SEQ_EVENT_CONTROLLER);
  cc.data.control.channel = 0;
  cc.data.control.param = 7;
  cc.data.control.value = 90;
  CHECK(bytes_of(cc) == std::vector<int>{0xB0, 7, 90});
  auto bend = received(SND_SEQ_EVENT_PITCHBEND);
  bend.data.control.channel = 1;
  bend.data.control.value = -8192;
  CHECK(bytes_of(bend) == std::vector<int>{0xE1, 0, 0});
  CHECK(bytes_of(received(SND_SEQ_EVENT_SYSEX)) == std::vector<int>{0xF0, 0xF7});
  CHECK(bytes_of(received(SND_SEQ_EVENT_SENSING)) == std::vector<int>{0xFE});
  // Announcements are not MIDI.
  CHECK(!from_seq_event(received(SND_SEQ_EVENT_PORT_SUBSCRIBED)));
  CHECK(!from_seq_event(received(SND_SEQ_EVENT_CLIENT_START)));
}

TEST_CASE("alsa input: the queue's real-time stamp in microseconds, only when there is one") {
  auto e = received(SND_SEQ_EVENT_CLOCK);
  e.flags = SND_SEQ_TIME_STAMP_REAL;
  e.time.time.tv_sec = 12;
  e.time.time.tv_nsec = 345'678'901;
  REQUIRE(queue_time_us(e));
  CHECK(*queue_time_us(e) == 12'345'678);
  e.flags = SND_SEQ_TIME_STAMP_TICK;
  CHECK(!queue_time_us(e));
}

// --- the ALSA input's time stamps, without a kernel sequencer ----------------
// The machines these tests run on have no /dev/snd/seq (no sound in their
// kernels), so the input itself never ran; what it does with an event is
// here: the queue's real-time stamp, carried to Link's clock by the offset
// the input measures (its queue's time read between two readings of Link's
// clock every kOffsetSampleEvery), or the time it was read when there is no
// stamp.
namespace {
using linktools::ClockOffset;
using linktools::HostTime;
using linktools::midi::alsa::received_time;

snd_seq_event_t clock_at(double queue_us) {
  auto e = received(SND_SEQ_EVENT_CLOCK);
  e.flags = SND_SEQ_TIME_STAMP_REAL;
  const auto us = static_cast<std::int64_t>(std::llround(queue_us));
  e.time.time.tv_sec = static_cast<unsigned int>(us / 1'000'000);
  e.time.time.tv_nsec = static_cast<unsigned int>((us % 1'000'000) * 1000);
  return e;
}
} // namespace

TEST_CASE("alsa input: an event's Link time is its queue stamp plus the queue's offset, else when it was read") {
  ClockOffset offset;
  const HostTime read_at(9'000'000);
  auto e = clock_at(2'000'000.0);
  CHECK(received_time(e, offset, read_at) == read_at); // no offset yet
  offset.add(5'000'000, 1'000'000, 5'000'010);         // Link = queue + 4'000'005
  CHECK(received_time(e, offset, read_at) == HostTime(6'000'005));
  e.flags = SND_SEQ_TIME_STAMP_TICK; // a port not set to stamp real time
  CHECK(received_time(e, offset, read_at) == read_at);
}

TEST_CASE("alsa input: a clock stamped by a queue that runs 50 ppm slow and started 3 s after Link's clock leads the follower") {
  // The queue's clock: started at Link time 3 s, 50 ppm slow (CLOCK_MONOTONIC
  // under NTP against Link's raw clock). The input samples the offset every
  // kOffsetSampleEvery as AlsaInput::run does (brackets of 4 us), and stamps
  // each tick; the reading thread wakes up to 3 ms late, which the stamps
  // must not show: each within 10 us of the tick's Link time.
  const auto queue_of = [](double link_us) { return (link_us - 3e6) * (1.0 - 50e-6); };
  ClockOffset offset;
  linktools::midi::ClockFollower follower{linktools::midi::FollowOptions{}};
  auto session = linktools::SessionState::detached(100.0, HostTime(0));
  const double interval = 60e6 / (132.0 * 24.0);
  double next_sample = 3e6;
  const std::uint8_t tick[] = {0xF8};
  for (int i = 0; i < 132 * 24 / 6; ++i) { // 10 s
    const double link_t = 4e6 + i * interval;
    while (next_sample <= link_t) {
      offset.add(std::llround(next_sample), std::llround(queue_of(next_sample + 2.0)), std::llround(next_sample + 4.0));
      next_sample += static_cast<double>(std::chrono::microseconds(linktools::midi::alsa::kOffsetSampleEvery).count());
    }
    const double read_late = (i * 7919 % 3000);
    const HostTime t = received_time(clock_at(queue_of(link_t)), offset, HostTime(std::llround(link_t + read_late)));
    CHECK(std::abs(static_cast<double>(t.count()) - link_t) < 10.0);
    follower.receive(tick, t);
    follower.update(session, HostTime(std::llround(link_t + read_late)));
  }
  REQUIRE(follower.tempo());
  CHECK(*follower.tempo() == doctest::Approx(132.0).epsilon(1e-5));
  CHECK(std::abs(session.tempo() - 132.0) < 0.01);
}
