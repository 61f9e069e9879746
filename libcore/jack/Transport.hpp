#pragma once
// JACK's transport locked to a Link session: the timebase master's callback
// that fills every cycle's bar, beat, tick and tempo from the session, and
// the transport kept in step both ways (link-jack-transport).
//
// This header includes no JACK header; jack/Transport.cpp is the JACK side
// (jack/JackUnavailable.cpp when the build has no JACK).
//
// What runs in JACK's process thread (the process and timebase callbacks)
// neither allocates, locks nor prints: it reads the session with
// capture_audio_state, asks JACK with its realtime-safe transport calls, and
// hands what it saw to the main thread through a fixed lock-free queue.

#include "session/Session.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linktools::jack_client {

struct TransportOptions {
  std::string client_name = "link-jack-transport";
  double quantum = 4.0;           // beats_per_bar
  double beat_type = 4.0;
  double ticks_per_beat = 1920.0;
  bool force = false;             // take the timebase from another master
  // Another client is the timebase master: we never become one, read its
  // tempo (jack_tempo()) instead, and start JACK without locating it.
  bool jack_leads = false;
  // Hold the position rather than step back when a late tempo change puts
  // the grid behind it (--never-back); by default it steps back within a bar.
  bool never_back = false;
};

// Something that happened to JACK's transport, seen in the process thread.
struct TransportEvent {
  enum class Kind : std::uint8_t { rolled, stopped, located };
  Kind kind = Kind::rolled;
  // True when we asked JACK for it, following the session.
  bool ours = false;
  // The Link time at which the first frame of the first cycle in the new
  // state is heard.
  HostTime time{0};
  std::uint32_t frame = 0;
  // ours: the session's start or stop time JACK followed.
  HostTime session_time{0};
};

// JACK's transport as the main thread reads it.
struct TransportPosition {
  bool rolling = false;
  std::uint32_t frame = 0;
  bool has_bbt = false;
  std::int32_t bar = 0, beat = 0, tick = 0;
  double beats_per_minute = 0.0;
};

class TransportSync {
public:
  // Opens a JACK client of the running server and becomes its timebase
  // master (unless options.jack_leads): conditionally, unless options.force.
  // Throws ToolError(failure) when no server runs or another client is the
  // master. Until follow(), the position it gives JACK has no bar, beat and
  // tick.
  TransportSync(Session& session, const TransportOptions& options);
  // Releases the timebase and closes the client; the transport stays where
  // it is.
  ~TransportSync();
  TransportSync(const TransportSync&) = delete;
  TransportSync& operator=(const TransportSync&) = delete;

  // From now on the position follows the session, and the transport its
  // starts and stops. Call once the session is joined.
  void follow();
  // The transport the peers announce, until Link reports a start or stop
  // itself (nullopt from then on); see session/SyncedTransport.hpp.
  void set_transport_hint(std::optional<bool> playing);
  // A start or stop the main thread commits to the session at `time`,
  // following JACK: the process thread must not send it back to JACK.
  void mark_own_session_change(HostTime time);
  // The next event of the process thread, oldest first; false when none.
  bool pop_event(TransportEvent& event);
  TransportPosition position() const;
  // With jack_leads: the tempo the timebase master gave the last cycle;
  // nullopt while no master gives one.
  std::optional<double> jack_tempo() const;
  // Why the run cannot go on: the server went away, or another client took
  // the timebase (seen while the transport rolls). nullopt while all is well.
  std::optional<std::string> failure() const;
  // JACK renamed the client (its name was taken).
  std::vector<std::string> warnings() const;
  std::string client_name() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace linktools::jack_client
