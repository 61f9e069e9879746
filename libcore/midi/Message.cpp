#include "midi/Message.hpp"

#include <algorithm>

namespace linktools::midi {

namespace {

int clamp(int v, int lo, int hi) noexcept { return std::clamp(v, lo, hi); }

std::uint8_t status(std::uint8_t high_nibble, int channel) noexcept {
  return static_cast<std::uint8_t>(high_nibble | (clamp(channel, 1, 16) - 1));
}

std::uint8_t data(int v) noexcept { return static_cast<std::uint8_t>(clamp(v, 0, 127)); }

Message one(std::uint8_t b) noexcept { return Message{{b, 0, 0}, 1}; }
Message two(std::uint8_t a, std::uint8_t b) noexcept { return Message{{a, b, 0}, 2}; }
Message three(std::uint8_t a, std::uint8_t b, std::uint8_t c) noexcept {
  return Message{{a, b, c}, 3};
}

} // namespace

Message clock() noexcept { return one(kClock); }
Message start() noexcept { return one(kStart); }
Message continue_() noexcept { return one(kContinue); }
Message stop() noexcept { return one(kStop); }

Message song_position(int sixteenths) noexcept {
  const int v = clamp(sixteenths, 0, kMaxSongPosition);
  // 14 bits, least significant 7 bits first.
  return three(kSongPosition, static_cast<std::uint8_t>(v & 0x7F),
               static_cast<std::uint8_t>((v >> 7) & 0x7F));
}

Message note_on(int channel, int note, int velocity) noexcept {
  return three(status(0x90, channel), data(note), data(velocity));
}
Message note_off(int channel, int note, int velocity) noexcept {
  return three(status(0x80, channel), data(note), data(velocity));
}
Message control_change(int channel, int controller, int value) noexcept {
  return three(status(0xB0, channel), data(controller), data(value));
}
Message program_change(int channel, int program) noexcept {
  return two(status(0xC0, channel), data(program));
}
Message pitch_bend(int channel, int value) noexcept {
  const int v = clamp(value, -8192, 8191) + 8192;
  return three(status(0xE0, channel), static_cast<std::uint8_t>(v & 0x7F),
               static_cast<std::uint8_t>((v >> 7) & 0x7F));
}
Message all_notes_off(int channel) noexcept {
  // Channel mode message: controller 123, value 0.
  return control_change(channel, 123, 0);
}

Kind status_kind(std::uint8_t s) noexcept {
  if (s < 0x80) return Kind::other;
  if (s < 0xF0) {
    switch (s & 0xF0) {
    case 0x80: return Kind::note_off;
    case 0x90: return Kind::note_on;
    case 0xA0: return Kind::poly_pressure;
    case 0xB0: return Kind::control_change;
    case 0xC0: return Kind::program_change;
    case 0xD0: return Kind::channel_pressure;
    default: return Kind::pitch_bend;
    }
  }
  switch (s) {
  case 0xF0: return Kind::sysex;
  case 0xF1: return Kind::mtc_quarter_frame;
  case kSongPosition: return Kind::song_position;
  case 0xF3: return Kind::song_select;
  case 0xF6: return Kind::tune_request;
  case kClock: return Kind::clock;
  case kStart: return Kind::start;
  case kContinue: return Kind::continue_;
  case kStop: return Kind::stop;
  case 0xFE: return Kind::active_sensing;
  case 0xFF: return Kind::reset;
  default: return Kind::other; // F4, F5, F9, FD are undefined; F7 only ends a SysEx
  }
}

namespace {

// The data bytes a message of `kind` has; -1 for a SysEx (any number, then F7).
int data_bytes(Kind kind) noexcept {
  switch (kind) {
  case Kind::note_off:
  case Kind::note_on:
  case Kind::poly_pressure:
  case Kind::control_change:
  case Kind::pitch_bend:
  case Kind::song_position: return 2;
  case Kind::program_change:
  case Kind::channel_pressure:
  case Kind::mtc_quarter_frame:
  case Kind::song_select: return 1;
  case Kind::sysex: return -1;
  default: return 0;
  }
}

} // namespace

std::optional<Decoded> decode(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.empty()) return std::nullopt;
  const std::uint8_t s = bytes[0];
  Decoded d;
  d.kind = status_kind(s);
  if (d.kind == Kind::other) return std::nullopt;
  if (d.kind == Kind::sysex) {
    if (bytes.size() < 2 || bytes.back() != 0xF7) return std::nullopt;
    for (std::size_t i = 1; i + 1 < bytes.size(); ++i)
      if (bytes[i] >= 0x80) return std::nullopt;
    return d;
  }
  if (bytes.size() != static_cast<std::size_t>(1 + data_bytes(d.kind))) return std::nullopt;
  for (std::size_t i = 1; i < bytes.size(); ++i)
    if (bytes[i] >= 0x80) return std::nullopt;
  const int data1 = bytes.size() > 1 ? bytes[1] : 0;
  const int data2 = bytes.size() > 2 ? bytes[2] : 0;
  if (s < 0xF0) d.channel = (s & 0x0F) + 1;
  switch (d.kind) {
  case Kind::note_on:
    if (data2 == 0) d.kind = Kind::note_off;
    d.data1 = data1;
    d.data2 = data2;
    break;
  case Kind::control_change:
    if (data1 == 123 && data2 == 0) d.kind = Kind::all_notes_off;
    d.data1 = data1;
    d.data2 = data2;
    break;
  case Kind::pitch_bend:
  case Kind::song_position:
    // 14 bits, least significant 7 first; a bend is centred on 0.
    d.data1 = (data1 | (data2 << 7)) - (d.kind == Kind::pitch_bend ? 8192 : 0);
    break;
  default:
    d.data1 = data1;
    d.data2 = data2;
    break;
  }
  return d;
}

std::string_view kind_name(Kind kind) noexcept {
  switch (kind) {
  case Kind::note_off: return "note_off";
  case Kind::note_on: return "note_on";
  case Kind::poly_pressure: return "poly_pressure";
  case Kind::control_change: return "control_change";
  case Kind::all_notes_off: return "all_notes_off";
  case Kind::program_change: return "program_change";
  case Kind::channel_pressure: return "channel_pressure";
  case Kind::pitch_bend: return "pitch_bend";
  case Kind::sysex: return "sysex";
  case Kind::mtc_quarter_frame: return "mtc_quarter_frame";
  case Kind::song_position: return "song_position";
  case Kind::song_select: return "song_select";
  case Kind::tune_request: return "tune_request";
  case Kind::clock: return "clock";
  case Kind::start: return "start";
  case Kind::continue_: return "continue";
  case Kind::stop: return "stop";
  case Kind::active_sensing: return "active_sensing";
  case Kind::reset: return "reset";
  case Kind::other: break;
  }
  return "other";
}

} // namespace linktools::midi
