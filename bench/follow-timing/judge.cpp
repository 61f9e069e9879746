// bench/follow-timing's judge: an independent Link peer that writes the
// session as it sees it every 5 ms, "TIME_US BEAT TEMPO PLAYING" (beat with
// quantum 4), until SIGINT or SIGTERM. Run it only inside scripts/netns.
#include "cli/Signals.hpp"
#include "session/Join.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <thread>

using namespace linktools;

int main() {
  install_stop_signals();
  Session session;
  session.enable_start_stop_sync(true);
  join_session(session, 1, std::chrono::seconds(10));
  while (!stop_requested()) {
    const HostTime now = session.now();
    const SessionState s = session.capture_app_state();
    fmt::print("{} {:.6f} {:.6f} {}\n", now.count(), s.beat_at_time(now, 4.0), s.tempo(), s.is_playing() ? 1 : 0);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}
