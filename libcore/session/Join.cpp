#include "session/Join.hpp"

#include "cli/Errors.hpp"
#include "cli/Signals.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace linktools {

JoinOutcome join_session(Session& session, std::size_t wanted, std::chrono::milliseconds timeout) {
  using namespace std::chrono;
  const auto start = steady_clock::now();
  const auto deadline = start + timeout;
  // Short slices so a stop signal is noticed quickly.
  constexpr auto kSlice = milliseconds(20);

  auto seen = session.change_count();
  session.enable(true);
  JoinOutcome outcome;
  for (;;) {
    outcome.peers = session.peer_count();
    outcome.reached = outcome.peers >= wanted;
    const auto now = steady_clock::now();
    if (outcome.reached || now >= deadline || stop_requested()) break;
    const auto left = duration_cast<milliseconds>(deadline - now) + milliseconds(1);
    seen = session.wait_for_change(seen, std::min(left, milliseconds(kSlice)));
  }
  outcome.waited = duration_cast<milliseconds>(steady_clock::now() - start);
  return outcome;
}

JoinOutcome join_as_asked(Session& session, std::optional<std::size_t> required,
                          std::chrono::milliseconds timeout) {
  const auto wanted = required.value_or(1);
  const auto joined = join_session(session, wanted, timeout);
  if (required && !joined.reached && !stop_requested())
    throw ToolError(ExitCode::no_peers, "--peers",
                    fmt::format("found {} of {} peers within {:g} s", joined.peers, wanted,
                                static_cast<double>(timeout.count()) / 1000.0));
  return joined;
}

} // namespace linktools
