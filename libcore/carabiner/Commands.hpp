#pragma once
// What each Carabiner command does to the session and what it answers,
// without sockets: the server feeds every parsed command through execute().
// The session is behind an interface so unit tests can run it on a detached
// SessionState with a fake clock.

#include "carabiner/Protocol.hpp"
#include "session/SessionState.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace linktools::carabiner {

// The version `version` answers: the Carabiner release whose protocol we
// speak. Clients compare it (beat-carabiner warns about "1.1.0" only).
inline constexpr std::string_view kProtocolVersion = "1.2.0";

// What the commands act on. Thread-safe: as the implementation's.
class SessionAccess {
public:
  virtual ~SessionAccess() = default;
  virtual SessionState capture() const = 0;
  virtual void commit(const SessionState& state) = 0;
  virtual HostTime now() const = 0;
  virtual std::size_t peers() const = 0;
  virtual bool start_stop_sync() const = 0;
  virtual void enable_start_stop_sync(bool on) = 0;
};

// Clients' times and Link's: Link time = client time + link_minus_client.
// Zero unless the clients read another clock than Link's (--clock monotonic).
struct ClockMap {
  std::int64_t link_minus_client = 0;
  HostTime to_link(std::int64_t client_us) const noexcept {
    return HostTime(client_us + link_minus_client);
  }
  std::int64_t to_client(HostTime link) const noexcept { return link.count() - link_minus_client; }
};

enum class Format : std::uint8_t { edn, json };

// The status as it stands now (the beat at quantum 4, as Carabiner's).
StatusFacts status_now(const SessionAccess& session, const ClockMap& clock);
std::string format_status(const StatusFacts& facts, Format format);

struct Outcome {
  std::string reply;          // the line for the sender; empty: none
  bool moved_timeline = false; // a force or request: the others should hear of it
};

// Runs one command. `format` is the connection's and `json`/`edn` change it.
// `server` names us in the JSON version reply.
Outcome execute(const Command& command, SessionAccess& session, const ClockMap& clock,
                Format& format, std::string_view server);

} // namespace linktools::carabiner
