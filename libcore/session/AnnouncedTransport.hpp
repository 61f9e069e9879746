#pragma once
// The session's transport as the peers announce it.
//
// Link 3.0 hands a joining peer the start/stop state only when it next
// changes, so a tool that joins a playing session would believe it stopped.
// Every peer repeats its start/stop state in its discovery announcements
// (at least every 250 ms), so we listen to those, passively.

#include "discovery/Announcement.hpp"
#include "session/Session.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <condition_variable>

namespace linktools {

// The session's transport as announced. Link clears a session's start/stop
// state when a peer's last partner leaves (and a session that never played
// has none): every node then announces the default state, stopped at time 0,
// though an app left alone may still be playing on its own. `shared` tells
// a real state from that default.
struct SessionTransport {
  bool is_playing = false;
  bool shared = false; // some node announced a start or stop (timestamp > 0)
};

// Pure bookkeeping, unit-tested: the newest announcement of every node.
class AnnouncementBoard {
public:
  void add(const discovery::Announcement& announcement);
  // The transport of the session `self` is in, from the newest start/stop
  // state any node of that session announced; nullopt until a node other
  // than `self` in that session has been heard. Until `self` has announced
  // its session, the session every other node agrees on is taken as ours.
  std::optional<SessionTransport> session_transport(const discovery::NodeId& self) const;
  std::optional<bool> session_is_playing(const discovery::NodeId& self) const {
    const auto t = session_transport(self);
    return t ? std::optional<bool>(t->is_playing) : std::nullopt;
  }
  // Whether no session merge is under way: every node heard besides `self`
  // announces one and the same session, and Link counts all of them as
  // peers of ours (`link_peers`, Link's own count for our session), so we
  // are in that session too. False with no peer heard.
  //
  // A peer that joins while another newcomer does can first join the
  // newcomer's own session and then, a few ms later, the older session both
  // move into. Link clears the start/stop state of a session it leaves, so a
  // change committed in between is never heard of in the session it ends in.
  bool merge_settled(const discovery::NodeId& self, std::size_t link_peers) const;

private:
  std::map<discovery::NodeId, discovery::Announcement> latest_;
};

class AnnouncedTransport {
public:
  // Watches what reaches the session's own Link sockets (Session::on_datagram):
  // the peers' multicast announcements and their unicast answers to ours.
  // One per process, like that observer.
  explicit AnnouncedTransport(const Session& session);
  ~AnnouncedTransport();
  AnnouncedTransport(const AnnouncedTransport&) = delete;
  AnnouncedTransport& operator=(const AnnouncedTransport&) = delete;

  // Thread-safe: yes. Realtime-safe: no.
  std::optional<bool> is_playing() const;
  std::optional<SessionTransport> state() const;
  // When the session has peers, waits until is_playing() is known, at most
  // 400 ms (peers announce at least every 250 ms; their answer to our
  // arrival usually comes within milliseconds).
  void settle() const;
  // Waits until AnnouncementBoard::merge_settled holds, at most `limit`.
  // True when it does.
  bool wait_merge_settled(std::chrono::milliseconds limit) const;

private:
  const Session& session_;
  mutable std::mutex mutex_;
  mutable std::condition_variable heard_;
  AnnouncementBoard board_;
};

} // namespace linktools
