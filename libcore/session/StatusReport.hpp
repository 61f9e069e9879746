#pragma once
// What link-status reports: a plain value, its JSON form and its text forms.

#include "session/Session.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace linktools {

struct StatusReport {
  double tempo = 0.0;
  double beat = 0.0;
  double phase = 0.0;
  double quantum = 4.0;
  bool is_playing = false;
  std::size_t peers = 0;
  bool start_stop_sync = false;
  std::int64_t time_us = 0; // Link host time of this snapshot
  // False when peers are present but none shares a start/stop state (Link
  // cleared it, or nobody ever played): is_playing is then only a guess.
  // Not in the JSON form.
  bool transport_known = true;

  bool operator==(const StatusReport&) const = default;
};

class AnnouncedTransport;

// Snapshot of the session now; is_playing from the peers' announcements when
// `transport` knows it (see AnnouncedTransport). Thread-safe: yes. Realtime-safe: no.
StatusReport capture_status(const Session& session, double quantum,
                            const AnnouncedTransport* transport = nullptr);

// Keys: tempo, beat, phase, quantum, is_playing, peers, start_stop_sync, time_us.
void to_json(nlohmann::json& j, const StatusReport& report);
void from_json(const nlohmann::json& j, StatusReport& report);

// A few aligned lines for people.
std::string format_summary(const StatusReport& report);

// One line for a live display: tempo, peers, transport, beat indicator, phase.
std::string format_live_line(const StatusReport& report);

// "playing", "stopped", or "session transport unknown: stopped" when no
// peer shares a start/stop state.
std::string transport_text(const StatusReport& report);

// "1 peer", "2 peers".
std::string peers_text(std::size_t peers);

// "● ○ ○ ○" with the current beat of the bar filled (at most 16 dots).
std::string beat_indicator(double phase, double quantum);

} // namespace linktools
