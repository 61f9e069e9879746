#include "discovery/Announcement.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <vector>

using linktools::discovery::Announcement;
using linktools::discovery::bpm_from_micros_per_beat;
using linktools::discovery::encode_announcement;
using linktools::discovery::MessageKind;
using linktools::discovery::micros_per_beat;
using linktools::discovery::NodeId;
using linktools::discovery::parse_announcement;
using linktools::discovery::WireStartStop;
using linktools::discovery::WireTimeline;

namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> bytes;
  auto nibble = [](char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  for (std::size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    bytes.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    i += 2;
  }
  return bytes;
}

NodeId id_of(std::string_view text) {
  NodeId id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    id[i] = static_cast<std::uint8_t>(text[i]);
  }
  return id;
}

// An alive message sent by LinkHut (Link 3.0.6) right after space started the
// transport, captured off the loopback interface in a private network namespace.
const std::vector<std::uint8_t> captured_alive = from_hex(
    "5f617364705f7601 01 05 0000 3d36356a73602f50"                      // header, node
    "746d6c6e 00000018 00000000000790fc 0000000000d7b86d 00000000004cc4b8"  // tmln
    "73657373 00000008 3c5259735f7a4676"                                // sess
    "73747374 00000011 01 0000000000d80c91 00000000004cc4b8"            // stst
    "6d657034 00000006 7f000001 d671");                                 // mep4

// The same peer's bye-bye when it quit: header only, ttl 0, empty payload.
const std::vector<std::uint8_t> captured_bye_bye =
    from_hex("5f617364705f7601 03 00 0000 3c5259735f7a4676");

// Where each entry of captured_alive ends: the only lengths that parse.
const std::set<std::size_t> captured_entry_ends{20, 52, 68, 93, 107};

void put_u32(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i) {
    bytes[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  }
}

std::vector<std::uint8_t> header_only(MessageKind kind) {
  Announcement bare{};
  bare.kind = kind;
  bare.ttl = 5;
  bare.node_id = id_of("ABCDEFGH");
  return encode_announcement(bare);
}

void append(std::vector<std::uint8_t>& bytes, std::string_view hex) {
  const auto more = from_hex(hex);
  bytes.insert(bytes.end(), more.begin(), more.end());
}

}  // namespace

TEST_CASE("a datagram captured from LinkHut parses field by field") {
  const auto parsed = parse_announcement(captured_alive);
  REQUIRE(parsed.has_value());
  CHECK(parsed->kind == MessageKind::alive);
  CHECK(parsed->ttl == 5);
  CHECK(parsed->group_id == 0);
  CHECK(parsed->node_id == id_of("=65js`/P"));

  REQUIRE(parsed->timeline.has_value());
  CHECK(parsed->timeline->micros_per_beat == 495868);  // 121 bpm
  CHECK(parsed->timeline->beat_origin_micro_beats == 14137453);
  CHECK(parsed->timeline->time_origin_us == 5031096);
  CHECK(bpm_from_micros_per_beat(parsed->timeline->micros_per_beat) ==
        doctest::Approx(121.0).epsilon(1e-5));

  REQUIRE(parsed->session_id.has_value());
  CHECK(*parsed->session_id == id_of("<RYs_zFv"));

  REQUIRE(parsed->start_stop.has_value());
  CHECK(parsed->start_stop->is_playing);
  CHECK(parsed->start_stop->beats_micro_beats == 14158993);
  CHECK(parsed->start_stop->timestamp_us == 5031096);
}

TEST_CASE("a captured bye-bye has no payload") {
  const auto parsed = parse_announcement(captured_bye_bye);
  REQUIRE(parsed.has_value());
  CHECK(parsed->kind == MessageKind::bye_bye);
  CHECK(parsed->ttl == 0);
  CHECK(parsed->node_id == id_of("<RYs_zFv"));
  CHECK_FALSE(parsed->timeline.has_value());
  CHECK_FALSE(parsed->session_id.has_value());
  CHECK_FALSE(parsed->start_stop.has_value());
}

TEST_CASE("negative and full-width values are big-endian two's complement") {
  const auto bytes = from_hex(
      "5f617364705f7601 02 ff 1234 0001020304050607"
      "746d6c6e 00000018 7fffffffffffffff ffffffffffe17b80 8000000000000000"
      "73747374 00000011 02 fffffffffffffffe 0102030405060708");
  const auto parsed = parse_announcement(bytes);
  REQUIRE(parsed.has_value());
  CHECK(parsed->kind == MessageKind::response);
  CHECK(parsed->ttl == 255);
  CHECK(parsed->group_id == 0x1234);
  CHECK(parsed->node_id == NodeId{0, 1, 2, 3, 4, 5, 6, 7});
  REQUIRE(parsed->timeline.has_value());
  CHECK(parsed->timeline->micros_per_beat == std::numeric_limits<std::int64_t>::max());
  CHECK(parsed->timeline->beat_origin_micro_beats == -2000000);
  CHECK(parsed->timeline->time_origin_us == std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(parsed->session_id.has_value());
  REQUIRE(parsed->start_stop.has_value());
  CHECK(parsed->start_stop->is_playing);  // Link reads any non-zero byte as true
  CHECK(parsed->start_stop->beats_micro_beats == -2);
  CHECK(parsed->start_stop->timestamp_us == 0x0102030405060708);
}

TEST_CASE("encoding writes Link's layout and order") {
  const auto parsed = parse_announcement(captured_alive);
  REQUIRE(parsed.has_value());
  // Everything but the measurement endpoint, which Announcement does not keep.
  const std::vector<std::uint8_t> without_endpoint(captured_alive.begin(),
                                                   captured_alive.begin() + 93);
  CHECK(encode_announcement(*parsed) == without_endpoint);
  CHECK(encode_announcement(*parse_announcement(captured_bye_bye)) == captured_bye_bye);
}

TEST_CASE("encode and parse round trip") {
  Announcement original{};
  original.kind = MessageKind::alive;
  original.ttl = 5;
  original.group_id = 0;
  original.node_id = id_of("node-one");

  SUBCASE("header only") {}
  SUBCASE("every entry") {
    original.timeline = WireTimeline{micros_per_beat(133.5), -7, 123456789};
    original.session_id = id_of("sess-one");
    original.start_stop = WireStartStop{true, 4000000, 987654321};
  }
  SUBCASE("some entries") {
    original.kind = MessageKind::response;
    original.session_id = id_of("sess-two");
    original.start_stop = WireStartStop{false, -1, -2};
  }
  const auto bytes = encode_announcement(original);
  const auto parsed = parse_announcement(bytes);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == original);
}

TEST_CASE("every truncation is refused or parses whole entries, never reads past the end") {
  for (std::size_t length = 0; length < captured_alive.size(); ++length) {
    CAPTURE(length);
    // A heap copy of exactly this length, so a sanitizer sees any overread.
    const std::vector<std::uint8_t> prefix(captured_alive.begin(),
                                           captured_alive.begin() + static_cast<long>(length));
    const auto parsed = parse_announcement(prefix);
    CHECK(parsed.has_value() == captured_entry_ends.contains(length));
    if (parsed) {
      CHECK(parsed->node_id == id_of("=65js`/P"));
      CHECK(parsed->timeline.has_value() == (length >= 52));
      CHECK(parsed->session_id.has_value() == (length >= 68));
      CHECK(parsed->start_stop.has_value() == (length >= 93));
    }
  }
  CHECK(parse_announcement(std::span<const std::uint8_t>{}) == std::nullopt);
}

TEST_CASE("a wrong protocol header, version or message type is refused") {
  for (std::size_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    auto bytes = captured_alive;
    bytes[i] ^= 0x20;
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  auto version_two = captured_alive;
  version_two[7] = 2;
  CHECK_FALSE(parse_announcement(version_two).has_value());

  for (const int type : {0, 4, 255}) {
    CAPTURE(type);
    auto bytes = captured_alive;
    bytes[8] = static_cast<std::uint8_t>(type);
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
}

TEST_CASE("an entry whose size overruns the datagram is refused") {
  // mep4's size field sits at bytes 97..100; its real size is 6.
  for (const std::uint32_t size : {7u, 100u, 0x7fffffffu, 0xfffffff8u, 0xffffffffu}) {
    CAPTURE(size);
    auto bytes = captured_alive;
    put_u32(bytes, 97, size);
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  // The same for a known key: tmln's size field sits at bytes 24..27.
  auto bytes = captured_alive;
  put_u32(bytes, 24, 0xffffffffu);
  CHECK_FALSE(parse_announcement(bytes).has_value());
}

TEST_CASE("a known key with the wrong size is refused") {
  SUBCASE("tmln too short") {
    auto bytes = header_only(MessageKind::alive);
    append(bytes, "746d6c6e 00000010 00000000000790fc 0000000000d7b86d");
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  SUBCASE("tmln too long") {
    auto bytes = header_only(MessageKind::alive);
    append(bytes, "746d6c6e 00000019 00000000000790fc 0000000000d7b86d 00000000004cc4b8 00");
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  SUBCASE("sess too long") {
    auto bytes = header_only(MessageKind::alive);
    append(bytes, "73657373 00000009 3c5259735f7a4676 00");
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  SUBCASE("sess too short") {
    auto bytes = header_only(MessageKind::alive);
    append(bytes, "73657373 00000004 3c525973");
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  SUBCASE("stst without its bool") {
    auto bytes = header_only(MessageKind::alive);
    append(bytes, "73747374 00000010 0000000000d80c91 00000000004cc4b8");
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
  SUBCASE("stst with an 8-byte bool") {
    auto bytes = header_only(MessageKind::alive);
    append(bytes, "73747374 00000018 0000000000000001 0000000000d80c91 00000000004cc4b8");
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
}

TEST_CASE("a dangling partial entry header is refused") {
  for (std::size_t extra = 1; extra < 8; ++extra) {
    CAPTURE(extra);
    auto bytes = captured_alive;
    bytes.insert(bytes.end(), extra, 0);
    CHECK_FALSE(parse_announcement(bytes).has_value());
  }
}

TEST_CASE("unknown keys are skipped by their size") {
  auto bytes = header_only(MessageKind::alive);
  // An empty unknown entry, then one whose value looks like a tmln entry with a
  // bad size: skipped whole, not scanned.
  append(bytes, "7a7a7a7a 00000000");
  append(bytes, "6d657036 00000010 746d6c6e 00000003 01020304 05060708");
  append(bytes, "73657373 00000008 3c5259735f7a4676");
  append(bytes, "6d657034 00000006 7f000001 d671");
  const auto parsed = parse_announcement(bytes);
  REQUIRE(parsed.has_value());
  CHECK_FALSE(parsed->timeline.has_value());
  REQUIRE(parsed->session_id.has_value());
  CHECK(*parsed->session_id == id_of("<RYs_zFv"));
}

TEST_CASE("random damage never crashes, and whatever parses re-encodes to itself") {
  std::mt19937 random(20808);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 20000; ++round) {
    auto bytes = captured_alive;
    const int edits = 1 + round % 4;
    for (int edit = 0; edit < edits; ++edit) {
      const auto at = static_cast<std::size_t>(random() % bytes.size());
      switch (random() % 3) {
        case 0:
          bytes[at] = static_cast<std::uint8_t>(byte(random));
          break;
        case 1:
          bytes.resize(at);
          break;
        default:
          bytes.insert(bytes.begin() + static_cast<long>(at),
                       static_cast<std::uint8_t>(byte(random)));
          break;
      }
      if (bytes.empty()) {
        break;
      }
    }
    bytes.shrink_to_fit();  // so a sanitizer sees reads past the end
    if (const auto parsed = parse_announcement(bytes)) {
      const auto again = parse_announcement(encode_announcement(*parsed));
      REQUIRE(again.has_value());
      CHECK(*again == *parsed);
    }
  }
}

TEST_CASE("bpm converts to the wire as Link rounds it") {
  CHECK(micros_per_beat(120.0) == 500000);
  CHECK(micros_per_beat(121.0) == 495868);  // what LinkHut sent at 121 bpm
  CHECK(micros_per_beat(999.0) == 60060);
  CHECK(micros_per_beat(20.0) == 3000000);
  CHECK(bpm_from_micros_per_beat(500000) == doctest::Approx(120.0));

  for (const double bpm : {20.0, 999.0, 120.0, 133.33, 61.7}) {
    CAPTURE(bpm);
    CHECK(std::abs(bpm_from_micros_per_beat(micros_per_beat(bpm)) - bpm) < 1e-3);
  }

  CHECK(micros_per_beat(0.0) == 0);
  CHECK(micros_per_beat(-120.0) == 0);
  CHECK(micros_per_beat(std::numeric_limits<double>::quiet_NaN()) == 0);
  CHECK(micros_per_beat(std::numeric_limits<double>::infinity()) == 0);
  CHECK(micros_per_beat(1e-300) == 0);
  CHECK(bpm_from_micros_per_beat(0) == 0.0);
  CHECK(bpm_from_micros_per_beat(-500000) == 0.0);
}
