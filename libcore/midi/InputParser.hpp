#pragma once
// Reading a MIDI byte stream from outside for what a clock follower needs:
// Clock, Start, Continue, Stop and Song Position Pointer, each with the time
// its bytes arrived. Everything else is skipped and counted, never an error:
// a device or a cable can send anything (running status, SysEx, bytes torn
// out of a message, undefined status bytes). Real-time bytes (F8..FF) are
// taken wherever they stand, also in the middle of another message or of a
// SysEx, as MIDI 1.0 allows. The parser keeps its state from one chunk to
// the next, so a message split across chunks is read whole.
// Pure; one thread; realtime-safe (feed() does not allocate when `out` has room).

#include "session/SessionState.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace linktools::midi {

struct ClockMessage {
  enum class Kind { tick, start, continue_, stop, song_position };
  Kind kind = Kind::tick;
  HostTime time{0};
  int sixteenths = 0; // song_position: MIDI beats (sixteenth notes) from the song's start
};

// What the parser skipped, by reason.
struct InputCounts {
  std::uint64_t clock_messages = 0;  // ticks, Start, Continue, Stop, SPP taken
  std::uint64_t sysex = 0;           // SysEx messages skipped (their data bytes are not counted)
  std::uint64_t other_messages = 0;  // complete messages we have no use for (notes, CC, MTC, active sensing)
  std::uint64_t running_status = 0;  // of the other messages, channel messages sent with running status
  std::uint64_t stray_bytes = 0;     // data bytes outside any message, cut-off messages' bytes, stray F7
  std::uint64_t undefined = 0;       // undefined status bytes F4, F5, F9, FD

  friend bool operator==(const InputCounts&, const InputCounts&) = default;
};

class InputParser {
public:
  // Reads `bytes`, which arrived at `time`, and appends the clock messages
  // they complete to `out`, in order.
  void feed(std::span<const std::uint8_t> bytes, HostTime time, std::vector<ClockMessage>& out);
  const InputCounts& counts() const noexcept { return counts_; }

private:
  void status(std::uint8_t byte, HostTime time, std::vector<ClockMessage>& out);
  void data(std::uint8_t byte, HostTime time, std::vector<ClockMessage>& out);
  void complete(HostTime time, std::vector<ClockMessage>& out);
  void drop_partial();

  InputCounts counts_;
  bool in_sysex_ = false;
  std::uint8_t status_ = 0;        // the message being read (0: none)
  std::uint8_t running_ = 0;       // channel status that running status repeats (0: none)
  int needed_ = 0;                 // data bytes the message needs
  int have_ = 0;                   // data bytes it has
  std::uint8_t data_[2] = {};
};

} // namespace linktools::midi
