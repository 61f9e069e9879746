#pragma once
// How a tool joins the session it can see before it answers or changes anything.

#include "session/Session.hpp"

#include <chrono>
#include <cstddef>
#include <optional>

namespace linktools {

struct JoinOutcome {
  std::size_t peers = 0;           // peers in our session when we stopped waiting
  bool reached = false;            // peers >= wanted
  std::chrono::milliseconds waited{0};
};

// Enables the session and waits until at least `wanted` peers share our
// session, `timeout` passes, or a stop signal arrives. Link counts a peer only
// once both sides are in the same session, so when `reached` is true the
// tempo, beat grid and transport we see are the shared ones. wanted == 0
// returns at once.
JoinOutcome join_session(Session& session, std::size_t wanted, std::chrono::milliseconds timeout);

// The tools' rule: wait for `required` peers (--peers N) or, when none are
// required, for the first one; throws ToolError(no_peers) when required peers
// did not come in time. A stop signal ends the wait early (check it after).
JoinOutcome join_as_asked(Session& session, std::optional<std::size_t> required,
                          std::chrono::milliseconds timeout);

} // namespace linktools
