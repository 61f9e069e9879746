#pragma once
// The session's transport as the peers announce it.
//
// Link 3.0 hands a joining peer the start/stop state only when it next
// changes, so a tool that joins a playing session would believe it stopped.
// Every peer repeats its start/stop state in its discovery announcements
// (at least every 250 ms), so we listen to those, passively.

#include "discovery/Announcement.hpp"
#include "session/Session.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <condition_variable>

namespace linktools {

// Pure bookkeeping, unit-tested: the newest announcement of every node.
class AnnouncementBoard {
public:
  void add(const discovery::Announcement& announcement);
  // The transport of the session `self` is in, from the newest start/stop
  // state any node of that session announced; nullopt until a node other
  // than `self` in that session has been heard. Until `self` has announced
  // its session, the session every other node agrees on is taken as ours.
  std::optional<bool> session_is_playing(const discovery::NodeId& self) const;

private:
  std::map<discovery::NodeId, discovery::Announcement> latest_;
};

class AnnouncedTransport {
public:
  // Starts listening on a thread of its own. Throws ToolError(failure) when
  // it cannot open the multicast socket.
  explicit AnnouncedTransport(const Session& session);
  ~AnnouncedTransport();
  AnnouncedTransport(const AnnouncedTransport&) = delete;
  AnnouncedTransport& operator=(const AnnouncedTransport&) = delete;

  // Thread-safe: yes. Realtime-safe: no.
  std::optional<bool> is_playing() const;
  // Waits until is_playing() is known or `timeout` passes.
  std::optional<bool> wait_until_known(std::chrono::milliseconds timeout) const;

private:
  const Session& session_;
  mutable std::mutex mutex_;
  mutable std::condition_variable heard_;
  AnnouncementBoard board_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

} // namespace linktools
