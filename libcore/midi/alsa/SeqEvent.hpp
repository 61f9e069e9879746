#pragma once
// The ALSA sequencer's side of our messages, and the addresses --connect
// takes. Pure: nothing here opens the sequencer, so the unit tests run on
// machines without the snd-seq kernel module. Thread-safe.

#include "midi/Message.hpp"

#include <alsa/asoundlib.h>

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
