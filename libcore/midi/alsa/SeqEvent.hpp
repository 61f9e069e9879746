#pragma once
// The ALSA sequencer's side of our messages, and the addresses --connect
// takes. Pure: nothing here opens the sequencer, so the unit tests run on
// machines without the snd-seq kernel module. Thread-safe.

#include "midi/Message.hpp"
#include "session/ClockOffset.hpp"
#include "session/SessionState.hpp"

#include <alsa/asoundlib.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linktools::midi::alsa {

// Clears `event` and sets its type and data for `message`; the caller adds
// the addressing and scheduling (source port, destination, queue). Returns
// false for a message we have no sequencer event for (SysEx, aftertouch,
// malformed bytes). A note-on with velocity 0 becomes a note-off, which is
// what it means. Realtime-safe.
bool to_seq_event(const Message& message, snd_seq_event_t& event) noexcept;

// The MIDI bytes a received sequencer event stands for, for a reader that
// counts what it skips: a SysEx of any length comes as an empty one (F0 F7),
// note-ons, controllers and the rest as their channel messages. nullopt for
// an event that is no MIDI message (port and client announcements, queue
// control, our own echoes). Realtime-safe.
std::optional<Message> from_seq_event(const snd_seq_event_t& event) noexcept;

// The time the sequencer stamped on a received event, in microseconds of
// its queue's real-time clock; nullopt when it carries no real-time stamp
// (the port was not set to stamp events).
std::optional<std::int64_t> queue_time_us(const snd_seq_event_t& event) noexcept;

// The Link time of an event the input read at `now`: its queue's real-time
// stamp carried to Link's clock by `offset` (the queue's clock against
// Link's, measured by the input), so the time is when the event came and not
// when the reading thread woke; `now` when the event has no real-time stamp
// or the offset is not known yet. Realtime-safe.
HostTime received_time(const snd_seq_event_t& event, const ClockOffset& offset, HostTime now) noexcept;

// How often the input reads its queue's clock against Link's. The offset's
// tracker (ClockOffset) is tuned for JACK's cycles, a few ms apart: at
// 100 ms a queue clock 50 ppm off Link's left the stamps 27-33 us off for
// seconds, 11 us after 10 s (tests/unit/test_alsa_seq_event.cpp). Every
// 10 ms: one system call, and the reading thread's poll wakes that often.
inline constexpr std::chrono::milliseconds kOffsetSampleEvery{10};

// A sequencer port as a user names it: by client number or by client name,
// and a port number (0 when left out).
struct PortSpec {
  std::optional<int> client; // set when the client was given as a number
  std::string client_name;   // otherwise the name (or how it begins)
  int port = 0;
};

// "128:0", "128", "Name", "Name:1". The port is the number after the last
// ':'. A client part that begins with a digit or a sign must be a plain
// number; numbers are 0..255, the range of a sequencer address. nullopt for
// anything else ("", ":", "12:x", "-1:0", "128:-2", "Name:").
std::optional<PortSpec> parse_port_spec(std::string_view text);

} // namespace linktools::midi::alsa
