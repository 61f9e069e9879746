// bench/follow-timing's judge: an independent Link peer that writes the
// session as it sees it every 5 ms, "TIME_US BEAT TEMPO PLAYING" (beat with
// quantum 4), until SIGINT or SIGTERM. Run it only inside scripts/netns.
//   follow-judge [TEMPO]
// TEMPO: the session's tempo, set as soon as link-follow has joined (before
// the session's peers meet, either one's tempo may win): a source at Link's
// default 120 BPM would otherwise find the session at its tempo already, and
// the tempo goal would be met without a single commit.
#include "cli/Signals.hpp"
#include "session/Join.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace linktools;

int main(int argc, char** argv) {
  install_stop_signals();
  Session session;
  session.enable_start_stop_sync(true);
  join_session(session, 1, std::chrono::seconds(10));
  if (argc > 1) {
    SessionState s = session.capture_app_state();
    s.set_tempo(std::strtod(argv[1], nullptr), session.now());
    session.commit_app_state(s);
  }
  while (!stop_requested()) {
    const HostTime now = session.now();
    const SessionState s = session.capture_app_state();
    fmt::print("{} {:.6f} {:.6f} {}\n", now.count(), s.beat_at_time(now, 4.0), s.tempo(), s.is_playing() ? 1 : 0);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}
