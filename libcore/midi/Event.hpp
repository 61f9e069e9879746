#pragma once
// How MIDI gets from a generator (the clock, a sequence) to an output.
//
// Outputs pull: on its own timing thread (JACK's process callback, or a thread
// sleeping to deadlines) an output asks its EventSource for the events of the
// next window of host time, using the newest session state it captured for
// that window. So every event's time comes from the state current in the very
// cycle it goes out, and a tempo change by any peer moves the next event.

#include "midi/Message.hpp"
#include "session/SessionState.hpp"

namespace linktools::midi {

struct Event {
  HostTime time{0};  // Link host time at which the message should leave the port
  double beat = 0.0; // the beat it belongs to (for logs and scripts); NaN: none
  Message message;
};

// Where a source puts events: "send these bytes at this host time".
// Realtime-safe implementations only (it is called from JACK's callback).
class EventSink {
public:
  virtual void emit(const Event& event) noexcept = 0;

protected:
  ~EventSink() = default;
};

class EventSource {
public:
  virtual ~EventSource() = default;
  // Emits, in time order, every event due in [from, to). Windows arrive in
  // order and back to back on one thread at a time. Must not block or
  // allocate: it runs in JACK's realtime callback.
  virtual void render(const SessionState& state, HostTime from, HostTime to,
                      EventSink& sink) noexcept = 0;
  // The last events, sent at once (stamped `now`) when the output stops: MIDI
  // Stop, note-offs for sounding notes. Same thread rules as render().
  virtual void finish(HostTime now, EventSink& sink) noexcept = 0;
};

} // namespace linktools::midi
