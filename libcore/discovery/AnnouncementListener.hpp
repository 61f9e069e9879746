#pragma once

// A passive listener for Link's discovery multicast. It never sends anything,
// so it is not a Link peer and no peer counts it.

#include "Announcement.hpp"

#include <chrono>
#include <cstddef>
#include <vector>

namespace linktools::discovery {

class AnnouncementListener {
 public:
  // Binds UDP port 20808 (shared with any Link peer on this machine through
  // SO_REUSEADDR/SO_REUSEPORT) and joins 224.76.78.75 on every IPv4 interface
  // that is up, loopback included, as Link itself does. Interfaces that come
  // up later are not joined.
  // Throws std::system_error("cannot listen for Link announcements: ...") if
  // the socket cannot be opened or bound, or no interface could be joined.
  AnnouncementListener();
  ~AnnouncementListener();

  AnnouncementListener(AnnouncementListener&& other) noexcept;
  AnnouncementListener& operator=(AnnouncementListener&& other) noexcept;
  AnnouncementListener(const AnnouncementListener&) = delete;
  AnnouncementListener& operator=(const AnnouncementListener&) = delete;

  // Waits the whole timeout and returns every announcement that arrived and
  // parsed, in arrival order; malformed datagrams are dropped. A zero timeout
  // drains what is already queued. Returns early, with what it has, if a
  // signal interrupts the wait, so callers can check their signal flags.
  // Throws std::system_error if receiving fails.
  // Thread-safe: no. Realtime-safe: no (blocks and allocates).
  std::vector<Announcement> receive(std::chrono::milliseconds timeout);

  // How many interfaces the multicast group was joined on.
  std::size_t joined_interface_count() const noexcept { return joined_interfaces_; }

 private:
  int socket_ = -1;
  std::size_t joined_interfaces_ = 0;
};

// Opens a listener for `purpose` ("confirm the change"); a failure becomes
// ToolError(failure, "cannot " + purpose, why).
AnnouncementListener open_listener_for(const char* purpose);

}  // namespace linktools::discovery
