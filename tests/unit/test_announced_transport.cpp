#include <doctest/doctest.h>

#include "discovery/Announcement.hpp"
#include "session/AnnouncedTransport.hpp"

#include <cstdint>
#include <optional>

using linktools::AnnouncementBoard;
using linktools::discovery::Announcement;
using linktools::discovery::MessageKind;
using linktools::discovery::NodeId;
using linktools::discovery::WireStartStop;
using linktools::discovery::WireTimeline;

namespace {

NodeId id_of(char c) {
  NodeId id{};
  id.fill(static_cast<std::uint8_t>(c));
  return id;
}

const NodeId self = id_of('m');
const NodeId peer = id_of('p');
const NodeId other_peer = id_of('q');
const NodeId stranger = id_of('x');
const NodeId our_session = id_of('S');
const NodeId their_session = id_of('T');

// An alive announcement as Link sends it: timeline, session and start/stop state.
Announcement alive(NodeId node, NodeId session, bool playing, std::int64_t timestamp_us) {
  Announcement a{};
  a.kind = MessageKind::alive;
  a.ttl = 5;
  a.group_id = 0;
  a.node_id = node;
  a.timeline = WireTimeline{500'000, 0, 0};
  a.session_id = session;
  a.start_stop = WireStartStop{playing, 0, timestamp_us};
  return a;
}

Announcement bye_bye(NodeId node) {
  Announcement a{};
  a.kind = MessageKind::bye_bye;
  a.ttl = 0;
  a.group_id = 0;
  a.node_id = node;
  return a;
}

} // namespace

TEST_CASE("AnnouncementBoard: unknown while empty") {
  const AnnouncementBoard board;
  CHECK_FALSE(board.session_is_playing(self).has_value());
}

TEST_CASE("AnnouncementBoard: unknown until a peer of our session was heard") {
  AnnouncementBoard board;
  board.add(alive(self, our_session, true, 100));
  CHECK_FALSE(board.session_is_playing(self).has_value());
  board.add(alive(peer, our_session, false, 0));
  CHECK(board.session_is_playing(self) == std::optional<bool>(true));
}

TEST_CASE("AnnouncementBoard: before our own announcement, the peers' common session is ours") {
  SUBCASE("one peer") {
    AnnouncementBoard board;
    board.add(alive(peer, our_session, true, 100));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("two peers that agree") {
    AnnouncementBoard board;
    board.add(alive(peer, our_session, true, 100));
    board.add(alive(other_peer, our_session, false, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("our own announcement without a session id") {
    AnnouncementBoard board;
    auto mine = alive(self, our_session, false, 0);
    mine.session_id.reset();
    board.add(mine);
    board.add(alive(peer, our_session, true, 100));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
}

TEST_CASE("AnnouncementBoard: before our own announcement, peers that disagree leave it unknown") {
  AnnouncementBoard board;
  board.add(alive(peer, our_session, true, 100));
  board.add(alive(stranger, their_session, false, 200));
  CHECK_FALSE(board.session_is_playing(self).has_value());

  SUBCASE("our announcement settles it") {
    board.add(alive(self, their_session, false, 0));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("the odd one leaving settles it") {
    board.add(bye_bye(stranger));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
}

TEST_CASE("AnnouncementBoard: our own announced session counts once a peer is in it") {
  AnnouncementBoard board;
  board.add(alive(peer, their_session, true, 100));
  board.add(alive(other_peer, their_session, true, 100));
  REQUIRE(board.session_is_playing(self) == std::optional<bool>(true));
  // Right after joining, our announcement still names the session we left:
  // the peers' agreed session stays ours.
  board.add(alive(self, our_session, false, 0));
  CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  // Once a peer shares our announced session, it is ours.
  board.add(alive(other_peer, our_session, false, 50));
  CHECK(board.session_is_playing(self) == std::optional<bool>(false));
}

TEST_CASE("AnnouncementBoard: nodes of other sessions are ignored") {
  AnnouncementBoard board;
  board.add(alive(self, our_session, false, 0));
  SUBCASE("while we are alone in ours, the session all others agree on is taken") {
    board.add(alive(stranger, their_session, true, 500));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("their newer transport does not win") {
    board.add(alive(peer, our_session, false, 200));
    board.add(alive(stranger, their_session, true, 500));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("a node without a session id is not a peer") {
    auto anonymous = alive(stranger, our_session, true, 500);
    anonymous.session_id.reset();
    board.add(anonymous);
    CHECK_FALSE(board.session_is_playing(self).has_value());
  }
}

TEST_CASE("AnnouncementBoard: the newest start/stop timestamp wins") {
  SUBCASE("playing at 100, stopped at 200: stopped") {
    AnnouncementBoard board;
    board.add(alive(self, our_session, true, 100));
    board.add(alive(peer, our_session, false, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("stopped at 100, playing at 200: playing") {
    AnnouncementBoard board;
    board.add(alive(self, our_session, false, 100));
    board.add(alive(peer, our_session, true, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("our own node can hold the newest state") {
    AnnouncementBoard board;
    board.add(alive(self, our_session, true, 300));
    board.add(alive(peer, our_session, false, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("not the order of arrival") {
    AnnouncementBoard board;
    board.add(alive(peer, our_session, true, 200));
    board.add(alive(other_peer, our_session, false, 100));
    board.add(alive(self, our_session, false, 50));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
}

TEST_CASE("AnnouncementBoard: Link's default state means stopped") {
  SUBCASE("timestamp 0, not playing") {
    AnnouncementBoard board;
    board.add(alive(self, our_session, false, 0));
    board.add(alive(peer, our_session, false, 0));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("no start/stop entry at all") {
    AnnouncementBoard board;
    auto mine = alive(self, our_session, false, 0);
    mine.start_stop.reset();
    auto theirs = alive(peer, our_session, false, 0);
    theirs.start_stop.reset();
    board.add(mine);
    board.add(theirs);
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
}

TEST_CASE("AnnouncementBoard: a bye-bye removes the node") {
  AnnouncementBoard board;
  board.add(alive(self, our_session, false, 100));
  board.add(alive(peer, our_session, true, 200));
  REQUIRE(board.session_is_playing(self) == std::optional<bool>(true));

  SUBCASE("the only peer leaves: unknown again") {
    board.add(bye_bye(peer));
    CHECK_FALSE(board.session_is_playing(self).has_value());
  }
  SUBCASE("one of two peers leaves: its state no longer counts") {
    board.add(alive(other_peer, our_session, false, 150));
    board.add(bye_bye(peer));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("a bye-bye of a node never heard changes nothing") {
    board.add(bye_bye(stranger));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("the peer comes back") {
    board.add(bye_bye(peer));
    board.add(alive(peer, our_session, true, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
}

TEST_CASE("AnnouncementBoard: a later announcement of a node replaces the earlier one") {
  AnnouncementBoard board;
  board.add(alive(self, our_session, false, 100));
  SUBCASE("a newer transport") {
    board.add(alive(peer, our_session, true, 200));
    board.add(alive(peer, our_session, false, 300));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("even with an older timestamp, the node's old state is gone") {
    board.add(alive(peer, our_session, true, 300));
    board.add(alive(peer, our_session, false, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(false));
  }
  SUBCASE("the peer moves to another session") {
    board.add(alive(peer, our_session, false, 200));
    REQUIRE(board.session_is_playing(self) == std::optional<bool>(false));
    board.add(alive(peer, their_session, true, 200));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("we move to the peer's session") {
    board.add(alive(peer, their_session, true, 200));
    board.add(alive(self, their_session, false, 100));
    CHECK(board.session_is_playing(self) == std::optional<bool>(true));
  }
  SUBCASE("peers that disagree, with none in our session, leave it unknown") {
    board.add(alive(peer, their_session, true, 200));
    board.add(alive(stranger, id_of('U'), true, 200));
    CHECK_FALSE(board.session_is_playing(self).has_value());
  }
}

TEST_CASE("AnnouncementBoard: a cleared start/stop state is not a shared one") {
  // Link's state after a peer's last partner left (or before anyone played):
  // stopped at time 0. The peer may be playing on its own all the same.
  AnnouncementBoard board;
  board.add(alive(self, our_session, false, 0));
  board.add(alive(peer, our_session, false, 0));
  const auto cleared = board.session_transport(self);
  REQUIRE(cleared.has_value());
  CHECK_FALSE(cleared->is_playing);
  CHECK_FALSE(cleared->shared);

  // Someone starts the transport: now it is shared, and playing.
  board.add(alive(peer, our_session, true, 7'000'000));
  const auto started = board.session_transport(self);
  REQUIRE(started.has_value());
  CHECK(started->is_playing);
  CHECK(started->shared);

  // A stop is shared too.
  board.add(alive(self, our_session, false, 9'000'000));
  const auto stopped = board.session_transport(self);
  REQUIRE(stopped.has_value());
  CHECK_FALSE(stopped->is_playing);
  CHECK(stopped->shared);
}

// The board link-tempo held in a lost start of cli.play_runs (bench/sync-start-runs.sh):
// link-play alone in its session, a link-status --watch and link-tempo
// started at once. link-tempo joined the watcher's brand-new session (one
// peer, so it committed the start there) and 2 ms later both moved into
// link-play's older session, where Link cleared the start.
TEST_CASE("AnnouncementBoard: a newcomer still in its own session is a merge under way") {
  const NodeId newcomers_session = id_of('N');
  AnnouncementBoard board;
  board.add(alive(peer, our_session, false, 0));             // link-play
  board.add(alive(other_peer, newcomers_session, false, 0)); // the watcher, just started
  board.add(alive(self, their_session, false, 0));           // our own first announcement
  // Link counts the one peer of the session we joined, the watcher's.
  CHECK_FALSE(board.merge_settled(self, 1));
  // The watcher moved into link-play's session, and so did we.
  board.add(alive(other_peer, our_session, false, 0));
  CHECK(board.merge_settled(self, 2));
}

TEST_CASE("AnnouncementBoard: settled only when Link counts every node heard as a peer of ours") {
  AnnouncementBoard board;
  CHECK_FALSE(board.merge_settled(self, 0)); // nothing heard
  board.add(alive(peer, our_session, false, 0));
  board.add(alive(other_peer, our_session, false, 0));
  CHECK_FALSE(board.merge_settled(self, 0)); // they agree, but we are not in their session yet
  CHECK_FALSE(board.merge_settled(self, 1));
  CHECK(board.merge_settled(self, 2));
  // Our own announcement may still name the session we left: it does not count.
  board.add(alive(self, their_session, false, 0));
  CHECK(board.merge_settled(self, 2));
}

TEST_CASE("AnnouncementBoard: a node that said bye-bye no longer holds a merge up") {
  AnnouncementBoard board;
  board.add(alive(peer, our_session, false, 0));
  board.add(alive(stranger, their_session, false, 0));
  CHECK_FALSE(board.merge_settled(self, 1));
  board.add(bye_bye(stranger));
  CHECK(board.merge_settled(self, 1));
}
