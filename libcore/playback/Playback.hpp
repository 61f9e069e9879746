#pragma once
// The main loop link-midiclock, link-seq and link-play share: join the
// session, let an open output (MIDI or audio) pull from its source until a
// stop signal, a broken output or the end of what the source has to play,
// draw the live line, and stop the output so the source's last events (Stop,
// note-offs) go out.

#include "audio/AudioOutput.hpp"
#include "cli/Tool.hpp"
#include "midi/MidiOutput.hpp"
#include "session/AnnouncedTransport.hpp"
#include "session/Session.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace linktools {

// The session a player plays in: start/stop sync as asked, and the
// transport the peers announce, which the player follows until Link itself
// reports a start or stop (Link does not hand a joining peer the session's
// start/stop state). Shared by link-midiclock, link-seq and link-play.
class PlayingSession {
public:
  explicit PlayingSession(bool start_stop_sync);
  // Joins as every tool does (join_as_asked: --peers, --timeout) and waits
  // for the announced transport. False when a stop signal came first.
  // Throws ToolError(no_peers).
  bool join(const CommonOptions& common);
  Session& session() noexcept { return session_; }
  const AnnouncedTransport& transport() const noexcept { return transport_; }
  // The announced transport until Link reports a change, then nullopt.
  std::optional<bool> transport_hint() const;

private:
  Session session_;
  std::atomic<bool> link_reported_transport_{false};
  AnnouncedTransport transport_;
};

struct PlaybackOptions {
  CommonOptions common;       // --peers and --timeout; the quantum the live line shows
  bool start_stop_sync = true; // ask Link for start/stop sync
  bool live = false;           // draw the live line on standard error
  // How often the loop looks (hooks.look, the live line) when the session
  // does not change before: 50 ms with the live line, 500 ms without (a
  // stop signal wakes the loop at once either way; the looks are for the
  // end of the source and an output that broke).
  std::optional<std::chrono::milliseconds> look_every;
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
  // A stop was asked for (a signal, or a reader that left): told the number
  // of stop signals so far, again each time it grows. True ends the loop now
  // (the default); false leaves the stop to the source (link-play
  // --stop-at-bar plays on to the bar), and the loop runs until finished.
  std::function<bool(int signals)> stop_signal = [](int) { return true; };
  // After every look at the session (link-play's JSON Lines progress).
  std::function<void(PlayingSession&)> look = [](PlayingSession&) {};
  // Once the loop has ended, before the output stops.
  std::function<void(PlayingSession&)> ended = [](PlayingSession&) {};
};

// Returns when stopped by a signal or when the source finished (after its
// last event's time). Throws ToolError: no_peers (--peers not reached),
// failure (the output broke; not when only a pipe's reader left; or MIDI
// messages were dropped).
void play_in_session(midi::MidiOutput& output, midi::EventSource& source,
                     const PlaybackOptions& options, const PlaybackHooks& hooks);
void play_in_session(audio::AudioOutput& output, audio::AudioSource& source,
                     const PlaybackOptions& options, const PlaybackHooks& hooks);

} // namespace linktools
