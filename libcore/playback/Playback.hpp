#pragma once
// The main loop link-midiclock and link-seq share: join the session, let an
// open MIDI output pull events from a source until a stop signal, a broken
// output or the end of what the source has to play, draw the live line, and
// stop the output so the source's last events (Stop, note-offs) go out.

#include "cli/Tool.hpp"
#include "midi/Output.hpp"

#include <functional>
#include <optional>
#include <string>

namespace linktools {

struct PlaybackOptions {
  CommonOptions common;       // --peers and --timeout; the quantum the live line shows
  bool start_stop_sync = true; // ask Link for start/stop sync
  bool live = false;           // draw the live line on standard error
};

struct PlaybackHooks {
  // Told the transport the peers announce, until Link itself reports a
  // start or stop; then told nullopt (Link's state rules from there on).
  // Link does not hand a joining peer the session's start/stop state.
  std::function<void(std::optional<bool>)> transport_hint;
  // Once the source has played everything: the time of its last event.
  std::function<std::optional<HostTime>()> finished = [] { return std::nullopt; };
  // Appended to link-status's live line (" | 1234 ticks").
  std::function<std::string()> live_suffix = [] { return std::string(); };
};

// Returns when stopped by a signal or when the source finished (after its
// last event's time). Throws ToolError: no_peers (--peers not reached),
// failure (the output broke; not when only a pipe's reader left).
void play_in_session(midi::MidiOutput& output, midi::EventSource& source,
                     const PlaybackOptions& options, const PlaybackHooks& hooks);

} // namespace linktools
