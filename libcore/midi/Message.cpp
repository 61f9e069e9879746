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

std::optional<Decoded> decode(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.empty() || bytes[0] < 0x80) return std::nullopt;
  for (std::size_t i = 1; i < bytes.size(); ++i)
    if (bytes[i] >= 0x80) return std::nullopt;
  const std::uint8_t s = bytes[0];
  const auto expect = [&](std::size_t n) { return bytes.size() == n; };
  Decoded d;
  switch (s) {
  case kClock: d.kind = Kind::clock; return expect(1) ? std::optional(d) : std::nullopt;
  case kStart: d.kind = Kind::start; return expect(1) ? std::optional(d) : std::nullopt;
  case kContinue: d.kind = Kind::continue_; return expect(1) ? std::optional(d) : std::nullopt;
  case kStop: d.kind = Kind::stop; return expect(1) ? std::optional(d) : std::nullopt;
  case kSongPosition:
    if (!expect(3)) return std::nullopt;
    d.kind = Kind::song_position;
    d.data1 = bytes[1] | (bytes[2] << 7);
    return d;
  default: break;
  }
  if (s >= 0xF0) return std::nullopt;
  d.channel = (s & 0x0F) + 1;
  switch (s & 0xF0) {
  case 0x80:
  case 0x90:
    if (!expect(3)) return std::nullopt;
    d.kind = ((s & 0xF0) == 0x90 && bytes[2] > 0) ? Kind::note_on : Kind::note_off;
    d.data1 = bytes[1];
    d.data2 = bytes[2];
    return d;
  case 0xB0:
    if (!expect(3)) return std::nullopt;
    d.kind = (bytes[1] == 123 && bytes[2] == 0) ? Kind::all_notes_off : Kind::control_change;
    d.data1 = bytes[1];
    d.data2 = bytes[2];
    return d;
  case 0xC0:
    if (!expect(2)) return std::nullopt;
    d.kind = Kind::program_change;
    d.data1 = bytes[1];
    return d;
  case 0xE0:
    if (!expect(3)) return std::nullopt;
    d.kind = Kind::pitch_bend;
    d.data1 = (bytes[1] | (bytes[2] << 7)) - 8192;
    return d;
  default:
    // Polyphonic and channel pressure: valid MIDI, not something we send.
    d.kind = Kind::other;
    return expect((s & 0xF0) == 0xD0 ? 2 : 3) ? std::optional(d) : std::nullopt;
  }
}

std::string_view kind_name(Kind kind) noexcept {
  switch (kind) {
  case Kind::clock: return "clock";
  case Kind::start: return "start";
  case Kind::continue_: return "continue";
  case Kind::stop: return "stop";
  case Kind::song_position: return "song_position";
  case Kind::note_on: return "note_on";
  case Kind::note_off: return "note_off";
  case Kind::control_change: return "control_change";
  case Kind::program_change: return "program_change";
  case Kind::pitch_bend: return "pitch_bend";
  case Kind::all_notes_off: return "all_notes_off";
  case Kind::other: break;
  }
  return "other";
}

} // namespace linktools::midi
