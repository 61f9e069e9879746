#pragma once
// How a player that follows the session's start/stop (--sync) reads it:
// link-midiclock, link-seq and link-play share this rule.
//
// Link 3.0 does not tell a peer that joins a playing session that it plays:
// the peer keeps its own "stopped" and reports no change. Until Link reports
// one, a player follows the transport the peers announce (the hint: 0 or 1;
// -1 once Link's own state rules). The announcements carry no time a player
// can use, and a player learns of them only when its main loop looks (every
// 50-100 ms), so a stop learned that way came late, and a stop dated on the
// next bar line came at once, up to a bar early.
//
// But Link does take in the stop itself: its state stays "stopped" (so it
// reports nothing) and its time moves to the moment the session stops. A
// stopped state dated after the player's own start is that stop, and it
// rules at once, at its own time, whatever the hint says.
//
// All functions: pure, realtime-safe.

#include "session/SessionState.hpp"

#include <optional>

namespace linktools {

// The hint as a player keeps it, in one atomic int its realtime thread
// reads: -1 when Link's state rules (nullopt), else the announced transport
// (1 playing, 0 stopped).
constexpr int encode_hint(std::optional<bool> announced) noexcept {
  return announced ? (*announced ? 1 : 0) : -1;
}

// `hint`: -1 when Link's state rules, else the announced transport (1 playing).
// `last_start`: the host time the player last started playing on, kept after
// it stops (so a stale "playing" hint does not start it again); nullopt
// before its first start.
class SyncedTransport {
public:
  SyncedTransport(const SessionState& state, int hint, std::optional<HostTime> last_start) noexcept
      : state_(state), hint_(hint), last_start_(last_start) {}

  // Whether the session plays now.
  bool playing() const noexcept {
    if (hint_ < 0) return state_.is_playing();
    if (stop_after_start()) return false;
    return hint_ == 1;
  }
  // Whether the session's start is known by its time (Link's state rules).
  bool start_dated() const noexcept { return hint_ < 0; }
  // When a player that plays must stop, if the session dated it; nullopt
  // for a stop known only from the announcements (stop at once).
  std::optional<HostTime> stop_time() const noexcept {
    if (hint_ < 0 || stop_after_start()) return state_.time_for_is_playing();
    return std::nullopt;
  }

private:
  bool stop_after_start() const noexcept {
    return last_start_ && !state_.is_playing() && state_.time_for_is_playing() > *last_start_;
  }

  const SessionState& state_;
  int hint_;
  std::optional<HostTime> last_start_;
};

} // namespace linktools
