#pragma once
// One MIDI event as one line of JSON, as the jsonl backend writes it and
// link-seq --dry-run prints it:
//   {"time_us":123,"sent_us":125,"beat":4.000000,"message":"clock","bytes":[248]}
// time_us is the Link host time the message is meant for, sent_us (only when
// given) the Link host time it was written; beat is null when the event
// belongs to no beat.

#include "midi/Event.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

namespace linktools::midi {

std::string event_json(const Event& event, std::optional<HostTime> sent = std::nullopt);
// The same line appended to `out`: a buffer kept from one event to the next
// allocates nothing once it has grown to a line (the deadline thread writes
// with it between its stamp and the pipe).
void append_event_json(fmt::memory_buffer& out, const Event& event, std::optional<HostTime> sent);

} // namespace linktools::midi
