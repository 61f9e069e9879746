#pragma once
// MIDI 1.0 channel and real-time messages: encoding to bytes and decoding
// from bytes. Pure; every function is thread-safe and realtime-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace linktools::midi {

// One complete MIDI message of at most three bytes (we never send SysEx).
struct Message {
  std::array<std::uint8_t, 3> bytes{};
  std::uint8_t size = 0;

  std::span<const std::uint8_t> view() const noexcept { return {bytes.data(), size}; }
  friend bool operator==(const Message&, const Message&) = default;
};

// System real-time.
inline constexpr std::uint8_t kClock = 0xF8;
inline constexpr std::uint8_t kStart = 0xFA;
inline constexpr std::uint8_t kContinue = 0xFB;
inline constexpr std::uint8_t kStop = 0xFC;
// System common.
inline constexpr std::uint8_t kSongPosition = 0xF2;

// MIDI clock runs at 24 pulses per quarter note; a song position counts
// sixteenth notes ("MIDI beats"), 6 pulses each, up to 16383.
inline constexpr int kTicksPerBeat = 24;
inline constexpr int kTicksPerSixteenth = 6;
inline constexpr int kMaxSongPosition = 16383;

// Channels are 1..16 as musicians count them; data values are 0..127.
// Out-of-range arguments are clamped into range (callers validate input
// where the user can see an error).
Message clock() noexcept;
Message start() noexcept;
Message continue_() noexcept;
Message stop() noexcept;
Message song_position(int sixteenths) noexcept;
Message note_on(int channel, int note, int velocity) noexcept;
Message note_off(int channel, int note, int velocity = 0) noexcept;
Message control_change(int channel, int controller, int value) noexcept;
Message program_change(int channel, int program) noexcept;
// `value` in -8192..8191 (0 = centre).
Message pitch_bend(int channel, int value) noexcept;
Message all_notes_off(int channel) noexcept;

enum class Kind {
  clock, start, continue_, stop, song_position,
  note_on, note_off, control_change, program_change, pitch_bend, all_notes_off,
  other
};

// What a message means, decoded from its bytes.
struct Decoded {
  Kind kind = Kind::other;
  int channel = 0;  // 1..16 for channel messages, 0 otherwise
  int data1 = 0;    // note, controller, program; song position in sixteenths; bend -8192..8191
  int data2 = 0;    // velocity or controller value
};

// nullopt when `bytes` is not one complete message (wrong length, a data
// byte where a status byte belongs, a status we do not know). A note-on with
// velocity 0 decodes as note_off, as MIDI 1.0 says it means.
std::optional<Decoded> decode(std::span<const std::uint8_t> bytes) noexcept;

// A short lowercase name for the kind ("clock", "note_on", ...).
std::string_view kind_name(Kind kind) noexcept;

} // namespace linktools::midi
