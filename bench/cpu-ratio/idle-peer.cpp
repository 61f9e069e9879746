// A Link peer that does nothing else: it joins the session and waits for
// SIGINT or SIGTERM. bench/cpu-ratio/run measures it beside the tools, so
// that what any program in a Link session pays for Link's own threads (its
// network thread and its dispatcher) is measured in the same seconds rather
// than argued. Run it only inside scripts/netns.
#include "session/Session.hpp"

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: %s (joins the Link session until SIGINT or SIGTERM)\n", argv[0]);
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Blocked before Link starts its threads, so they inherit the mask and the
  // signal reaches sigwait here.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  linktools::Session session;
  session.enable_start_stop_sync(true);
  session.enable(true);
  int signal = 0;
  sigwait(&stop, &signal);
  session.enable(false);
  return 0;
}
