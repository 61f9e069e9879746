#pragma once
// MIDI 1.0 messages: encoding the ones we send to bytes, and decoding every
// kind from bytes. Pure; every function is thread-safe and realtime-safe.

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

// Every kind of MIDI 1.0 message. all_notes_off is the control change
// (123, 0) told apart, since a player treats it apart. other: no message of
// MIDI 1.0 (an undefined status byte, or bytes that are not one message).
enum class Kind {
  // channel voice
  note_off, note_on, poly_pressure, control_change, all_notes_off, program_change,
  channel_pressure, pitch_bend,
  // system common
  sysex, mtc_quarter_frame, song_position, song_select, tune_request,
  // system real-time
  clock, start, continue_, stop, active_sensing, reset,
  other
};

// What a message means, decoded from its bytes.
struct Decoded {
  Kind kind = Kind::other;
  int channel = 0;  // 1..16 for channel messages, 0 otherwise
  // note, controller, program, channel pressure; song position in
  // sixteenths; bend -8192..8191; song number; MTC quarter frame's byte
  int data1 = 0;
  int data2 = 0;    // velocity, poly pressure or controller value
};

// nullopt when `bytes` is not one complete message (wrong length, a data
// byte where a status byte belongs, an undefined status: F4, F5, F9, FD). A
// note-on with velocity 0 decodes as note_off, as MIDI 1.0 says it means. A
// SysEx is F0, data bytes, F7.
std::optional<Decoded> decode(std::span<const std::uint8_t> bytes) noexcept;

// The kind a status byte announces, for a reader that keeps no data bytes: a
// note-on status is note_on (the velocity that could make it a note-off is
// not known), a control change control_change. other for a data byte or an
// undefined status.
Kind status_kind(std::uint8_t status) noexcept;

// The kind's name in JSON Lines ("clock", "note_on", "channel_pressure", ...):
// the names the man pages list, snake_case.
std::string_view kind_name(Kind kind) noexcept;

} // namespace linktools::midi
