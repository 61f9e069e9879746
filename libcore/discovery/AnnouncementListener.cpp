#include "AnnouncementListener.hpp"

#include "cli/Errors.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

namespace linktools::discovery {
namespace {

[[noreturn]] void fail_to_listen(const std::string& why, int error) {
  throw std::system_error(error, std::generic_category(),
                          "cannot listen for Link announcements: " + why);
}

in_addr multicast_address() {
  in_addr address{};
  std::memcpy(&address.s_addr, multicast_group.data(), multicast_group.size());
  return address;  // already in network byte order
}

class SocketGuard {
 public:
  explicit SocketGuard(int socket) : socket_(socket) {}
  ~SocketGuard() {
    if (socket_ >= 0) {
      ::close(socket_);
    }
  }
  SocketGuard(const SocketGuard&) = delete;
  SocketGuard& operator=(const SocketGuard&) = delete;
  int release() { return std::exchange(socket_, -1); }

 private:
  int socket_;
};

class InterfaceList {
 public:
  InterfaceList() {
    if (::getifaddrs(&list_) != 0) {
      fail_to_listen("cannot list network interfaces", errno);
    }
  }
  ~InterfaceList() { ::freeifaddrs(list_); }
  InterfaceList(const InterfaceList&) = delete;
  InterfaceList& operator=(const InterfaceList&) = delete;
  const ifaddrs* first() const { return list_; }

 private:
  ifaddrs* list_ = nullptr;
};

void enable_option(int socket, int level, int option, const char* name) {
  const int on = 1;
  if (::setsockopt(socket, level, option, &on, sizeof on) != 0) {
    fail_to_listen(std::string("cannot set ") + name, errno);
  }
}

// Joins the group on each IPv4 interface that is up; returns how many joined.
std::size_t join_on_every_interface(int socket) {
  const InterfaceList interfaces;
  std::size_t joined = 0;
  int last_error = ENODEV;
  for (const ifaddrs* entry = interfaces.first(); entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET ||
        (entry->ifa_flags & IFF_UP) == 0) {
      continue;
    }
    sockaddr_in local{};
    std::memcpy(&local, entry->ifa_addr, sizeof local);
    ip_mreqn request{};
    request.imr_multiaddr = multicast_address();
    request.imr_address = local.sin_addr;
    request.imr_ifindex = static_cast<int>(::if_nametoindex(entry->ifa_name));
    if (::setsockopt(socket, IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request) == 0) {
      ++joined;
    } else if (errno != EADDRINUSE) {  // EADDRINUSE: a second address on a joined interface
      last_error = errno;
    }
  }
  if (joined == 0) {
    fail_to_listen("cannot join multicast group 224.76.78.75 on any IPv4 interface that is up",
                   last_error);
  }
  return joined;
}

}  // namespace

AnnouncementListener::AnnouncementListener() {
  const int socket = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  if (socket < 0) {
    fail_to_listen("cannot open a UDP socket", errno);
  }
  SocketGuard guard(socket);

  // Link binds the same port on the wildcard address, so both must allow sharing.
  enable_option(socket, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
  enable_option(socket, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT");
#ifdef IP_MULTICAST_ALL
  // Only the group joined below, not every group some other socket joined.
  const int off = 0;
  ::setsockopt(socket, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off);
#endif

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(multicast_port);
  if (::bind(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    fail_to_listen("cannot bind UDP port " + std::to_string(multicast_port), errno);
  }

  joined_interfaces_ = join_on_every_interface(socket);
  socket_ = guard.release();
}

AnnouncementListener::~AnnouncementListener() {
  if (socket_ >= 0) {
    ::close(socket_);
  }
}

AnnouncementListener::AnnouncementListener(AnnouncementListener&& other) noexcept
    : socket_(std::exchange(other.socket_, -1)),
      joined_interfaces_(std::exchange(other.joined_interfaces_, 0)) {}

AnnouncementListener& AnnouncementListener::operator=(AnnouncementListener&& other) noexcept {
  if (this != &other) {
    if (socket_ >= 0) {
      ::close(socket_);
    }
    socket_ = std::exchange(other.socket_, -1);
    joined_interfaces_ = std::exchange(other.joined_interfaces_, 0);
  }
  return *this;
}

std::vector<Announcement> AnnouncementListener::receive(std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  std::vector<Announcement> received;
  // Link never sends more than 512 bytes; anything longer is not Link's.
  std::array<std::uint8_t, 2048> buffer{};

  for (;;) {
    for (;;) {
      // MSG_TRUNC makes recv report the real length, so oversize datagrams show.
      const ssize_t length =
          ::recv(socket_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
      if (length < 0) {
        if (errno == EINTR) {
          continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          break;
        }
        throw std::system_error(errno, std::generic_category(),
                                "cannot receive Link announcements");
      }
      const auto size = static_cast<std::size_t>(length);
      if (size > buffer.size()) {
        continue;
      }
      if (auto announcement = parse_announcement(std::span(buffer.data(), size))) {
        received.push_back(*announcement);
      }
    }

    const auto now = clock::now();
    if (now >= deadline) {
      return received;
    }
    // Wait in slices of at most a minute so the count always fits poll's int.
    const auto wait = std::min(std::chrono::ceil<std::chrono::milliseconds>(deadline - now),
                               std::chrono::milliseconds{60'000});
    pollfd readable{socket_, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(wait.count())) < 0) {
      if (errno == EINTR) {
        return received;
      }
      throw std::system_error(errno, std::generic_category(), "cannot receive Link announcements");
    }
  }
}

AnnouncementListener open_listener_for(const char* purpose) {
  try {
    return AnnouncementListener();
  } catch (const std::system_error& e) {
    throw ToolError(ExitCode::failure, std::string("cannot ") + purpose, e.what());
  }
}

}  // namespace linktools::discovery
