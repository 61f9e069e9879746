#include "Announcement.hpp"

#include <cmath>
#include <cstddef>

namespace linktools::discovery {
namespace {

// Layout of a v1 message (all integers big-endian):
//   "_asdp_v" 0x01                 protocol header and version
//   type u8, ttl u8, group u16, node id [8]
//   then payload entries until the end: key u32, size u32, size bytes of value
constexpr std::array<std::uint8_t, 8> protocol_header{'_', 'a', 's', 'd', 'p', '_', 'v', 1};
constexpr std::size_t message_header_size = 1 + 1 + 2 + 8;
constexpr std::size_t payload_offset = protocol_header.size() + message_header_size;
constexpr std::size_t entry_header_size = 4 + 4;

constexpr std::uint32_t four_cc(const char (&name)[5]) {
  return (std::uint32_t{static_cast<std::uint8_t>(name[0])} << 24) |
         (std::uint32_t{static_cast<std::uint8_t>(name[1])} << 16) |
         (std::uint32_t{static_cast<std::uint8_t>(name[2])} << 8) |
         std::uint32_t{static_cast<std::uint8_t>(name[3])};
}

constexpr std::uint32_t timeline_key = four_cc("tmln");
constexpr std::uint32_t session_key = four_cc("sess");
constexpr std::uint32_t start_stop_key = four_cc("stst");
static_assert(timeline_key == 0x746d6c6e);

constexpr std::uint32_t timeline_size = 8 + 8 + 8;
constexpr std::uint32_t session_size = 8;
constexpr std::uint32_t start_stop_size = 1 + 8 + 8;

// Callers check the length first; these only assemble bytes.
std::uint64_t load_u64(const std::uint8_t* bytes) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | bytes[i];
  }
  return value;
}

std::uint32_t load_u32(const std::uint8_t* bytes) noexcept {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

std::int64_t load_i64(const std::uint8_t* bytes) noexcept {
  // Two's complement on the wire; the conversion is well defined since C++20.
  return static_cast<std::int64_t>(load_u64(bytes));
}

NodeId load_node_id(const std::uint8_t* bytes) noexcept {
  NodeId id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    id[i] = bytes[i];
  }
  return id;
}

void store_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void store_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void store_i64(std::vector<std::uint8_t>& out, std::int64_t value) {
  store_u64(out, static_cast<std::uint64_t>(value));
}

void store_entry_header(std::vector<std::uint8_t>& out, std::uint32_t key, std::uint32_t size) {
  store_u32(out, key);
  store_u32(out, size);
}

}  // namespace

std::optional<Announcement> parse_announcement(std::span<const std::uint8_t> datagram) noexcept {
  if (datagram.size() < payload_offset) {
    return std::nullopt;
  }
  const std::uint8_t* const bytes = datagram.data();
  for (std::size_t i = 0; i < protocol_header.size(); ++i) {
    if (bytes[i] != protocol_header[i]) {
      return std::nullopt;
    }
  }

  const std::uint8_t* const header = bytes + protocol_header.size();
  const std::uint8_t type = header[0];
  if (type < static_cast<std::uint8_t>(MessageKind::alive) ||
      type > static_cast<std::uint8_t>(MessageKind::bye_bye)) {
    return std::nullopt;
  }
  Announcement announcement{};
  announcement.kind = static_cast<MessageKind>(type);
  announcement.ttl = header[1];
  announcement.group_id = static_cast<std::uint16_t>((header[2] << 8) | header[3]);
  announcement.node_id = load_node_id(header + 4);

  std::size_t offset = payload_offset;
  while (offset < datagram.size()) {
    const std::size_t remaining = datagram.size() - offset;
    if (remaining < entry_header_size) {
      return std::nullopt;
    }
    const std::uint32_t key = load_u32(bytes + offset);
    const std::uint32_t size = load_u32(bytes + offset + 4);
    offset += entry_header_size;
    // Compare without adding, so a huge size cannot wrap around.
    if (size > datagram.size() - offset) {
      return std::nullopt;
    }
    const std::uint8_t* const value = bytes + offset;
    switch (key) {
      case timeline_key:
        if (size != timeline_size) {
          return std::nullopt;
        }
        announcement.timeline =
            WireTimeline{load_i64(value), load_i64(value + 8), load_i64(value + 16)};
        break;
      case session_key:
        if (size != session_size) {
          return std::nullopt;
        }
        announcement.session_id = load_node_id(value);
        break;
      case start_stop_key:
        if (size != start_stop_size) {
          return std::nullopt;
        }
        // Link writes a bool as one byte and reads any non-zero byte as true.
        announcement.start_stop =
            WireStartStop{value[0] != 0, load_i64(value + 1), load_i64(value + 9)};
        break;
      default:
        break;  // e.g. 'mep4', the peer's ping/pong measurement endpoint
    }
    offset += size;
  }
  return announcement;
}

std::int64_t micros_per_beat(double bpm) noexcept {
  if (!std::isfinite(bpm) || bpm <= 0.0) {
    return 0;
  }
  const double micros = 60.0 * 1e6 / bpm;
  // llround is undefined beyond the range of long long.
  if (micros >= 9.0e18) {
    return 0;
  }
  return static_cast<std::int64_t>(std::llround(micros));
}

double bpm_from_micros_per_beat(std::int64_t micros_per_beat) noexcept {
  if (micros_per_beat <= 0) {
    return 0.0;
  }
  return 60.0 * 1e6 / static_cast<double>(micros_per_beat);
}

std::vector<std::uint8_t> encode_announcement(const Announcement& announcement) {
  std::vector<std::uint8_t> out;
  out.reserve(payload_offset + 3 * entry_header_size + timeline_size + session_size +
              start_stop_size);
  out.insert(out.end(), protocol_header.begin(), protocol_header.end());
  out.push_back(static_cast<std::uint8_t>(announcement.kind));
  out.push_back(announcement.ttl);
  out.push_back(static_cast<std::uint8_t>(announcement.group_id >> 8));
  out.push_back(static_cast<std::uint8_t>(announcement.group_id));
  out.insert(out.end(), announcement.node_id.begin(), announcement.node_id.end());

  if (const auto& timeline = announcement.timeline) {
    store_entry_header(out, timeline_key, timeline_size);
    store_i64(out, timeline->micros_per_beat);
    store_i64(out, timeline->beat_origin_micro_beats);
    store_i64(out, timeline->time_origin_us);
  }
  if (const auto& session = announcement.session_id) {
    store_entry_header(out, session_key, session_size);
    out.insert(out.end(), session->begin(), session->end());
  }
  if (const auto& start_stop = announcement.start_stop) {
    store_entry_header(out, start_stop_key, start_stop_size);
    out.push_back(start_stop->is_playing ? 1 : 0);
    store_i64(out, start_stop->beats_micro_beats);
    store_i64(out, start_stop->timestamp_us);
  }
  return out;
}

}  // namespace linktools::discovery
