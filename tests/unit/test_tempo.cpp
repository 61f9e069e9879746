#include <doctest/doctest.h>

#include "TestSupport.hpp"

#include "cli/Errors.hpp"
#include "discovery/Announcement.hpp"
#include "commands/link-tempo/ChangeConfirmation.hpp"
#include "commands/link-tempo/TempoRequest.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

using linktools::ConfirmationTally;
using linktools::ExitCode;
using linktools::parse_tempo_request;
using linktools::TempoRequest;
using linktools::ToolError;
using linktools::testing::tool_error_of;
using linktools::discovery::Announcement;
using linktools::discovery::MessageKind;
using linktools::discovery::micros_per_beat;
using linktools::discovery::NodeId;
using linktools::discovery::WireStartStop;
using linktools::discovery::WireTimeline;

namespace {

// True when parsing `word` throws ToolError(bad_input).
bool rejected(std::string_view word) {
  const auto error = tool_error_of([&] { parse_tempo_request(word); });
  return error && error->code() == ExitCode::bad_input;
}

bool target_rejected(const TempoRequest& request, double current_bpm) {
  const auto error = tool_error_of([&] { (void)request.target(current_bpm); });
  return error && error->code() == ExitCode::bad_input;
}

NodeId node(char c) {
  NodeId id{};
  id.fill(static_cast<std::uint8_t>(c));
  return id;
}

// An alive announcement of `id` carrying `micros` per beat and, when given, a transport.
Announcement alive(NodeId id, std::int64_t micros, std::optional<bool> playing = std::nullopt) {
  Announcement a{};
  a.kind = MessageKind::alive;
  a.ttl = 5;
  a.group_id = 0;
  a.node_id = id;
  a.timeline = WireTimeline{micros, 0, 0};
  a.session_id = node('S');
  if (playing) a.start_stop = WireStartStop{*playing, 0, 1000};
  return a;
}

} // namespace

// --- parse_tempo_request ----------------------------------------------------------

TEST_CASE("parse_tempo_request: a plain number sets the tempo") {
  const auto request = parse_tempo_request("128");
  CHECK(request.kind == TempoRequest::Kind::set);
  CHECK(request.value == 128.0);
  CHECK(parse_tempo_request("133.5").value == 133.5);
}

TEST_CASE("parse_tempo_request: the range 20..999 is inclusive") {
  const auto slowest = parse_tempo_request("20");
  CHECK(slowest.kind == TempoRequest::Kind::set);
  CHECK(slowest.value == 20.0);
  const auto fastest = parse_tempo_request("999");
  CHECK(fastest.kind == TempoRequest::Kind::set);
  CHECK(fastest.value == 999.0);
  CHECK(parse_tempo_request("20.0").value == 20.0);
  CHECK(parse_tempo_request("999.00").value == 999.0);
}

TEST_CASE("parse_tempo_request: tempos outside 20..999 are bad input") {
  for (const char* word : {"19.99", "999.01", "1000", "0", "19", "0.5"}) {
    CAPTURE(word);
    CHECK(rejected(word));
  }
}

TEST_CASE("parse_tempo_request: words that are not numbers are bad input") {
  for (const char* word : {"", "abc", "12x", "1e3", "1E2", "0x80", "nan", "inf", "-inf", "+inf",
                           "+nan", "infinity", "+", "-", " 128", "128 ", "\t128", "128\n",
                           "+ 2", "1 28", "12.8.0"}) {
    CAPTURE(std::string(word));
    CHECK(rejected(word));
  }
}

TEST_CASE("parse_tempo_request: the error names the word and what was expected") {
  CHECK_THROWS_WITH_AS(parse_tempo_request("abc"),
                       "tempo 'abc': expected a tempo in BPM (20..999), or +N / -N to nudge",
                       ToolError);
  CHECK_THROWS_WITH_AS(parse_tempo_request("1000"), "tempo '1000': expected 20..999 BPM, got 1000",
                       ToolError);
  CHECK_THROWS_WITH_AS(parse_tempo_request("19.99"),
                       "tempo '19.99': expected 20..999 BPM, got 19.99", ToolError);
}

TEST_CASE("parse_tempo_request: a sign makes a nudge") {
  SUBCASE("+2") {
    const auto request = parse_tempo_request("+2");
    CHECK(request.kind == TempoRequest::Kind::nudge);
    CHECK(request.value == 2.0);
  }
  SUBCASE("-2.5") {
    const auto request = parse_tempo_request("-2.5");
    CHECK(request.kind == TempoRequest::Kind::nudge);
    CHECK(request.value == -2.5);
  }
  SUBCASE("+0.5") {
    const auto request = parse_tempo_request("+0.5");
    CHECK(request.kind == TempoRequest::Kind::nudge);
    CHECK(request.value == 0.5);
  }
  SUBCASE("the largest nudge that can stay in range") {
    CHECK(parse_tempo_request("+979").value == 979.0);
    CHECK(parse_tempo_request("-979").value == -979.0);
  }
}

TEST_CASE("parse_tempo_request: a nudge larger than the whole range is bad input") {
  CHECK(rejected("+979.5"));
  CHECK(rejected("-1000"));
  // The range the result must stay in, and so how far a nudge can go.
  CHECK_THROWS_WITH_AS(parse_tempo_request("+1000"),
                       "tempo '+1000': the tempo after a nudge must stay within 20..999 BPM, "
                       "so a nudge can be at most 979 BPM either way",
                       ToolError);
  CHECK_THROWS_WITH_AS(parse_tempo_request("-1000"),
                       "tempo '-1000': the tempo after a nudge must stay within 20..999 BPM, "
                       "so a nudge can be at most 979 BPM either way",
                       ToolError);
}

// --- TempoRequest::target -----------------------------------------------------------

TEST_CASE("target: a set ignores the current tempo") {
  const auto request = parse_tempo_request("128");
  CHECK(request.target(120.0) == 128.0);
  CHECK(request.target(20.0) == 128.0);
  CHECK(request.target(999.0) == 128.0);
}

TEST_CASE("target: a nudge moves the current tempo") {
  CHECK(parse_tempo_request("+2").target(120.0) == 122.0);
  CHECK(parse_tempo_request("-2.5").target(120.0) == 117.5);
  CHECK(parse_tempo_request("+0.5").target(99.5) == 100.0);
}

TEST_CASE("target: a nudge may land exactly on the range's ends") {
  CHECK(parse_tempo_request("+2").target(997.0) == 999.0);
  CHECK(parse_tempo_request("-2").target(22.0) == 20.0);
  CHECK(parse_tempo_request("+979").target(20.0) == 999.0);
}

TEST_CASE("target: a nudge leaving 20..999 is bad input") {
  CHECK(target_rejected(parse_tempo_request("+2"), 998.0));
  CHECK(target_rejected(parse_tempo_request("-2"), 21.0));
  CHECK(target_rejected(parse_tempo_request("+0.5"), 998.75));
  CHECK(target_rejected(parse_tempo_request("-979"), 998.0));
  CHECK_THROWS_WITH_AS(
      (void)parse_tempo_request("+2").target(998.0),
      "nudge +2: the session tempo 998.00 would become 1000.00, outside 20..999 BPM", ToolError);
}

// --- ConfirmationTally ---------------------------------------------------------------

TEST_CASE("ConfirmationTally: the tempo matches within Link's 1 us per beat") {
  const ConfirmationTally tally(120.0, std::nullopt);
  REQUIRE(micros_per_beat(120.0) == 500'000);
  CHECK(tally.matches(alive(node('a'), 500'000)));
  CHECK(tally.matches(alive(node('a'), 500'001)));
  CHECK(tally.matches(alive(node('a'), 499'999)));
  CHECK_FALSE(tally.matches(alive(node('a'), 500'002)));
  CHECK_FALSE(tally.matches(alive(node('a'), 499'998)));
  CHECK_FALSE(tally.matches(alive(node('a'), micros_per_beat(128.0))));
}

TEST_CASE("ConfirmationTally: a tempo that does not divide a minute evenly") {
  // 135 BPM is 444444.44 us per beat; Link sends 444444.
  const ConfirmationTally tally(135.0, std::nullopt);
  CHECK(tally.matches(alive(node('a'), 444'444)));
  CHECK(tally.matches(alive(node('a'), 444'445)));
  CHECK_FALSE(tally.matches(alive(node('a'), 444'446)));
}

TEST_CASE("ConfirmationTally: an expected tempo needs a timeline") {
  const ConfirmationTally tally(120.0, std::nullopt);
  auto announcement = alive(node('a'), 500'000);
  announcement.timeline.reset();
  CHECK_FALSE(tally.matches(announcement));
}

TEST_CASE("ConfirmationTally: an expected transport is checked") {
  SUBCASE("expecting playing") {
    const ConfirmationTally tally(std::nullopt, true);
    CHECK(tally.matches(alive(node('a'), 500'000, true)));
    CHECK_FALSE(tally.matches(alive(node('a'), 500'000, false)));
    CHECK_FALSE(tally.matches(alive(node('a'), 500'000, std::nullopt)));
  }
  SUBCASE("expecting stopped") {
    const ConfirmationTally tally(std::nullopt, false);
    CHECK(tally.matches(alive(node('a'), 500'000, false)));
    CHECK_FALSE(tally.matches(alive(node('a'), 500'000, true)));
    CHECK_FALSE(tally.matches(alive(node('a'), 500'000, std::nullopt)));
  }
  SUBCASE("expecting tempo and transport: both must match") {
    const ConfirmationTally tally(120.0, true);
    CHECK(tally.matches(alive(node('a'), 500'000, true)));
    CHECK_FALSE(tally.matches(alive(node('a'), 500'000, false)));
    CHECK_FALSE(tally.matches(alive(node('a'), 600'000, true)));
  }
  SUBCASE("expecting only a tempo: the transport does not matter") {
    const ConfirmationTally tally(120.0, std::nullopt);
    CHECK(tally.matches(alive(node('a'), 500'000, false)));
    CHECK(tally.matches(alive(node('a'), 500'000, true)));
  }
}

TEST_CASE("ConfirmationTally: a bye-bye never confirms") {
  const ConfirmationTally tally(120.0, true);
  auto announcement = alive(node('a'), 500'000, true);
  announcement.kind = MessageKind::bye_bye;
  announcement.ttl = 0;
  CHECK_FALSE(tally.matches(announcement));

  ConfirmationTally counting(std::nullopt, std::nullopt);
  counting.add(announcement);
  CHECK(counting.nodes() == 0);
}

TEST_CASE("ConfirmationTally: counts distinct matching nodes") {
  ConfirmationTally tally(120.0, std::nullopt);
  CHECK(tally.nodes() == 0);
  tally.add(alive(node('a'), 500'000));
  CHECK(tally.nodes() == 1);
  tally.add(alive(node('a'), 500'001)); // same node again
  CHECK(tally.nodes() == 1);
  tally.add(alive(node('b'), 600'000)); // does not match
  CHECK(tally.nodes() == 1);
  tally.add(alive(node('b'), 499'999));
  CHECK(tally.nodes() == 2);
  tally.add(alive(node('c'), 500'000));
  CHECK(tally.nodes() == 3);
}

TEST_CASE("parse_tempo_request: a second sign is bad input") {
  for (const char* word : {"+-2", "--2", "-+2", "++2", "+-", "-+"}) {
    CAPTURE(word);
    CHECK_THROWS_AS(parse_tempo_request(word), linktools::ToolError);
  }
}
