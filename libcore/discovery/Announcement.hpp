#pragma once

// Ableton Link's discovery announcements, as they travel on the wire.
//
// Every Link peer multicasts its node state to 224.76.78.75:20808 about every
// 250 ms ("alive"), again at once (rate-limited to one per 50 ms) whenever its
// timeline or start/stop state changes, and a "bye-bye" when it leaves. Peers
// answer an alive with a "response" sent by unicast to the sender only, so a
// passive listener sees alive and bye-bye messages.
//
// This module knows the byte layout only; it does not include Link's headers.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace linktools::discovery {

// Link makes node ids (and so session ids) from 8 random printable ASCII
// characters (33..126), but the wire allows any bytes.
using NodeId = std::array<std::uint8_t, 8>;

enum class MessageKind : std::uint8_t { alive = 1, response = 2, bye_bye = 3 };

// Payload entry 'tmln'. The origins are in Link's session-wide "ghost" time,
// not in the sender's host clock.
struct WireTimeline {
  std::int64_t micros_per_beat;
  std::int64_t beat_origin_micro_beats;
  std::int64_t time_origin_us;

  friend bool operator==(const WireTimeline&, const WireTimeline&) = default;
};

// Payload entry 'stst'. The timestamp is ghost time as well. Link announces
// an all-zero state when no peer has ever started or stopped the session.
struct WireStartStop {
  bool is_playing;
  std::int64_t beats_micro_beats;
  std::int64_t timestamp_us;

  friend bool operator==(const WireStartStop&, const WireStartStop&) = default;
};

struct Announcement {
  MessageKind kind;
  std::uint8_t ttl;        // seconds a peer stays known without news (Link: 5, bye-bye: 0)
  std::uint16_t group_id;  // Link sends 0 and ignores anything else
  NodeId node_id;
  std::optional<WireTimeline> timeline;
  std::optional<NodeId> session_id;  // payload entry 'sess'
  std::optional<WireStartStop> start_stop;

  friend bool operator==(const Announcement&, const Announcement&) = default;
};

// The UDP destination of Link's announcements.
inline constexpr std::array<std::uint8_t, 4> multicast_group{224, 76, 78, 75};
inline constexpr std::uint16_t multicast_port = 20808;

// Parses one datagram. Never reads past the buffer; returns std::nullopt for
// anything that is not a well-formed v1 message: wrong protocol header or
// version, unknown message type, truncated header or payload entry, an entry
// whose size overruns the datagram, or a known key ('tmln', 'sess', 'stst')
// with the wrong size. Unknown keys (such as 'mep4', the peer's measurement
// endpoint) are skipped by their size. If a key repeats, the last one wins.
// Thread-safe: yes. Realtime-safe: yes (no allocation, no locks).
std::optional<Announcement> parse_announcement(std::span<const std::uint8_t> datagram) noexcept;

// Link's conversion between bpm and the wire's microseconds per beat
// (rounded to the nearest microsecond). Out-of-range input (bpm not positive
// or not finite, micros_per_beat not positive) gives 0.
// Thread-safe: yes. Realtime-safe: yes.
std::int64_t micros_per_beat(double bpm) noexcept;
double bpm_from_micros_per_beat(std::int64_t micros_per_beat) noexcept;

// Builds a well-formed datagram, the inverse of parse_announcement. Entries
// are written in Link's order ('tmln', 'sess', 'stst'), each only if present.
// Thread-safe: yes. Realtime-safe: no (allocates).
std::vector<std::uint8_t> encode_announcement(const Announcement& announcement);

}  // namespace linktools::discovery
