#pragma once
// The Carabiner TCP server: one thread running standalone asio, any number
// of clients, each with its own bounded input and output, and the status
// broadcasts. The protocol itself is in Protocol.hpp and Commands.hpp.

#include "carabiner/Commands.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace linktools {
class Session;
}

namespace linktools::carabiner {

enum class ClientClock : std::uint8_t { link, monotonic };

struct ServerOptions {
  std::string listen = "127.0.0.1";
  std::uint16_t port = 17000; // 0: any free port (the start-up line names it)
  std::chrono::milliseconds poll{20};
  Format format = Format::edn;          // --json: what new connections get
  ClientClock clock = ClientClock::link; // --clock
};

// How long a client must stay quiet before what it sent counts as complete,
// as Carabiner takes each packet (Protocol.hpp): old clients send one
// command per packet without a newline and wait for the reply.
inline constexpr std::chrono::milliseconds kQuietBeforeFlush{5};
// Replies waiting to be written: past this a client's commands wait, and it
// is not read, until it has taken half of them.
inline constexpr std::size_t kMaxUnsentBytes = 64 * 1024;
// A client that takes nothing of its replies for this long while one is
// being written does not read: it is dropped, so it holds nothing for ever.
inline constexpr std::chrono::seconds kStalledWriteTimeout{5};
// A status goes to everyone when the beat grid moves this far without a
// tempo change (another peer's force, or a client's).
inline constexpr std::int64_t kTimelineShiftUs = 1000;

// Serves until stop_requested() (SIGINT, SIGTERM, SIGHUP). `on_listening`
// gets the URL once the port is open, before any client is served; `on_poll`
// runs every poll period with the number of connections (the live line).
// Throws ToolError when the address is bad or the port cannot be opened.
void serve(Session& session, const ServerOptions& options,
           const std::function<void(const std::string& url)>& on_listening,
           const std::function<void(std::size_t connections)>& on_poll);

} // namespace linktools::carabiner
