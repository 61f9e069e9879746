#include "sequence/smf/Layout.hpp"

#include "cli/Errors.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <limits>

namespace linktools::sequence::smf {

namespace {

constexpr std::size_t kHeaderSize = 14;  // "MThd", length 6, format, tracks, division
constexpr std::size_t kChunkHeaderSize = 8;
// libsmf keeps tick positions in an int and asserts they never go negative.
constexpr std::uint64_t kMaxTick = std::numeric_limits<int>::max();
// libsmf reads a meta event's length as one byte, not as a variable-length number.
constexpr std::uint32_t kMaxMetaLength = 127;

constexpr std::uint8_t kMeta = 0xFF;
constexpr std::uint8_t kSysEx = 0xF0;
constexpr std::uint8_t kSysExEscape = 0xF7;
constexpr std::uint8_t kEndOfTrack = 0x2F;
constexpr std::uint8_t kSetTempo = 0x51;
constexpr std::uint8_t kTimeSignature = 0x58;

std::uint32_t big_endian(std::span<const std::uint8_t> bytes) noexcept {
  std::uint32_t value = 0;
  for (const auto b : bytes) value = (value << 8) | b;
  return value;
}

bool is_printable(std::uint8_t b) noexcept {
  return (b >= 0x20 && b < 0x7F) || b == '\t' || b == '\n' || b == '\r';
}

// How a file that is not a MIDI file begins: quoted text, or its first bytes.
std::string describe_start(std::span<const std::uint8_t> file) {
  if (file.empty()) return "an empty file";
  const auto start = file.first(std::min<std::size_t>(file.size(), 16));
  if (std::all_of(start.begin(), start.end(), is_printable)) {
    std::string text;
    for (const auto b : start) {
      if (b == '\n') text += "\\n";
      else if (b == '\r') text += "\\r";
      else if (b == '\t') text += "\\t";
      else if (b == '"' || b == '\\') text += {'\\', static_cast<char>(b)};
      else text += static_cast<char>(b);
    }
    return fmt::format("text beginning \"{}\"", text);
  }
  const auto first = start.first(std::min<std::size_t>(start.size(), 8));
  return fmt::format("bytes beginning {:02x}", fmt::join(first, " "));
}

std::string chunk_id(std::span<const std::uint8_t> id) {
  if (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b >= 0x20 && b < 0x7F; }))
    return fmt::format("\"{}\"", std::string(id.begin(), id.end()));
  return fmt::format("bytes {:02x}", fmt::join(id, " "));
}

std::string describe_division(std::uint16_t division) {
  // SMPTE timing: the high byte is minus the frame rate, -29 meaning 29.97 drop-frame.
  const int frames = 256 - (division >> 8);
  if (frames == 29) return "SMPTE timing (29.97 fps)";
  return fmt::format("SMPTE timing ({} fps)", frames);
}

// Walks one track chunk's events the way libsmf will, refusing what it would misread.
class TrackWalk {
public:
  TrackWalk(std::span<const std::uint8_t> body, int track, const std::string& path)
      : body_(body), track_(track), path_(path) {}

  // The events up to and including End Of Track.
  int count_events() {
    int events = 0;
    for (;;) {
      if (pos_ == body_.size()) fail("expected an End Of Track event, got the end of the track chunk");
      tick_ += read_number("a delta time");
      if (tick_ > kMaxTick)
        fail(fmt::format("expected positions below {} ticks, got one beyond", kMaxTick));
      ++events;
      if (read_event()) return events;
    }
  }

private:
  [[noreturn]] void fail(const std::string& why) const {
    throw bad_input(path_, fmt::format("{} (track {}, tick {})", why, track_, tick_));
  }

  std::uint8_t next_byte() {
    if (pos_ == body_.size())
      fail("expected the rest of an event, got the end of the track chunk (is the file damaged?)");
    return body_[pos_++];
  }

  std::uint8_t next_data_byte() {
    const auto b = next_byte();
    if (b & 0x80) fail(fmt::format("expected a data byte (below 0x80), got 0x{:02X}", b));
    return b;
  }

  // A variable-length number: seven bits a byte, at most four bytes (as libsmf reads them).
  std::uint32_t read_number(const char* what) {
    std::uint32_t value = 0;
    for (int length = 1;; ++length) {
      const auto b = next_byte();
      value = (value << 7) | (b & 0x7Fu);
      if (!(b & 0x80)) return value;
      if (length == 4) fail(fmt::format("expected {} of at most 4 bytes, got a longer one", what));
    }
  }

  void skip(std::uint32_t length) {
    if (length > body_.size() - pos_)
      fail(fmt::format("expected {} more bytes in the event, got {} to the end of the track chunk",
                       length, body_.size() - pos_));
    pos_ += length;
  }

  // Reads one event after its delta time; true for End Of Track.
  bool read_event() {
    std::uint8_t status = 0;
    if (pos_ < body_.size() && !(body_[pos_] & 0x80)) {
      if (running_status_ == 0)
        fail(fmt::format("expected a status byte, got data byte 0x{:02X} with no running status",
                         body_[pos_]));
      status = running_status_; // the data byte is read below
    } else {
      status = next_byte();
    }

    if (status < 0xF0) {
      running_status_ = status;
      const int kind = status & 0xF0;
      const int data_bytes = (kind == 0xC0 || kind == 0xD0) ? 1 : 2;
      for (int i = 0; i < data_bytes; ++i) next_data_byte();
      return false;
    }
    // libsmf carries the status of every event over as running status, where
    // MIDI files cancel it after SysEx, meta and system messages: a data byte
    // after one of them is refused above.
    running_status_ = 0;
    switch (status) {
    case kMeta: return read_meta();
    case kSysEx: skip(read_number("a SysEx length")); return false;
    case kSysExEscape:
      fail("expected no SysEx continuation or escape events (0xF7), which libsmf cannot read, got one");
    case 0xF2: next_data_byte(); next_data_byte(); return false; // Song Position
    case 0xF1: case 0xF3: next_data_byte(); return false;       // MTC quarter frame, Song Select
    case 0xF6: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFE: return false;
    default: fail(fmt::format("expected a MIDI status byte, got undefined status 0x{:02X}", status));
    }
  }

  bool read_meta() {
    const auto type = next_data_byte();
    const std::size_t length_at = pos_;
    const auto length = read_number("a meta event length");
    if (length > kMaxMetaLength)
      fail(fmt::format("expected meta events of at most {} bytes (libsmf reads no longer ones), "
                       "got one of {} (type 0x{:02X})",
                       kMaxMetaLength, length, type));
    // libsmf takes the length's first byte for the whole length, so a short
    // length written in more bytes than it needs (0x80 0x00 for 0) makes it
    // read 131 bytes as the event; at the end of the track it then stops the
    // process with a failed assert.
    if (pos_ - length_at > 1)
      fail(fmt::format("expected a meta event length in one byte (libsmf reads no other), got "
                       "{} written in {} bytes (type 0x{:02X})",
                       length, pos_ - length_at, type));
    // libsmf reads three bytes of every tempo and four of every time signature.
    if (type == kSetTempo && length < 3)
      fail(fmt::format("expected a Set Tempo event of 3 bytes, got {}", length));
    if (type == kTimeSignature && length < 4)
      fail(fmt::format("expected a Time Signature event of 4 bytes, got {}", length));
    skip(length);
    return type == kEndOfTrack;
  }

  std::span<const std::uint8_t> body_;
  std::size_t pos_ = 0;
  std::uint64_t tick_ = 0;
  std::uint8_t running_status_ = 0;
  int track_;
  const std::string& path_;
};

} // namespace

Layout check_layout(std::span<const std::uint8_t> file, const std::string& path) {
  const auto refuse = [&](const std::string& why) { return bad_input(path, why); };

  if (file.size() < 4 || !std::equal(file.begin(), file.begin() + 4, "MThd"))
    throw refuse(fmt::format("expected a Standard MIDI File (beginning \"MThd\"), got {}",
                             describe_start(file)));
  if (file.size() < kHeaderSize)
    throw refuse(fmt::format("expected a {}-byte MThd header, got a file of {} bytes", kHeaderSize,
                             file.size()));
  const auto header_length = big_endian(file.subspan(4, 4));
  if (header_length != 6)
    throw refuse(fmt::format("expected an MThd chunk of 6 bytes (libsmf reads no other), got {}",
                             header_length));
  const auto format = big_endian(file.subspan(8, 2));
  const auto declared_tracks = big_endian(file.subspan(10, 2));
  const auto division = static_cast<std::uint16_t>(big_endian(file.subspan(12, 2)));
  if (format > 1)
    throw refuse(fmt::format("expected a Standard MIDI File of type 0 or 1, got type {}", format));
  if (division & 0x8000)
    throw refuse(fmt::format("expected ticks per quarter note, got {}", describe_division(division)));
  if (division == 0) throw refuse("expected ticks per quarter note above 0, got 0");

  Layout layout;
  layout.format = static_cast<int>(format);
  layout.ticks_per_quarter = division;

  // libsmf reads exactly the declared number of chunks after the header,
  // each of which must be a track.
  std::size_t offset = kHeaderSize;
  for (std::uint32_t track = 1; track <= declared_tracks; ++track) {
    if (file.size() - offset < kChunkHeaderSize)
      throw refuse(fmt::format("expected {} track chunks as the header declares, got {}{}",
                               declared_tracks, track - 1,
                               offset == file.size() ? "" : " and a few stray bytes"));
    const auto id = file.subspan(offset, 4);
    if (!std::equal(id.begin(), id.end(), "MTrk"))
      throw refuse(fmt::format("expected track chunk (\"MTrk\") {} of {}, got chunk {} "
                               "(libsmf cannot skip other chunks between tracks)",
                               track, declared_tracks, chunk_id(id)));
    const std::size_t length = big_endian(file.subspan(offset + 4, 4));
    const std::size_t present = file.size() - offset - kChunkHeaderSize;
    if (length > present)
      throw refuse(fmt::format("expected track {} to hold {} bytes, got {} before the end of the "
                               "file (is it cut short?)",
                               track, length, present));
    const auto body = file.subspan(offset + kChunkHeaderSize, length);
    layout.events_per_track.push_back(TrackWalk(body, static_cast<int>(track), path).count_events());
    offset += kChunkHeaderSize + length;
  }
  return layout;
}

} // namespace linktools::sequence::smf
