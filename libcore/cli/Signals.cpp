#include "cli/Signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>

namespace linktools {
namespace {
std::atomic<int> g_stop_signal{0};
std::atomic<int> g_stop_count{0};
std::atomic<bool> g_stop{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);
// The wake-up pipe: written (never blocking) by the handler and by
// request_stop(), read by wait_for_stop_or_interrupt(). -1 until installed.
int g_wake_read = -1;
int g_wake_write = -1;

void write_wake_byte() noexcept {
  if (g_wake_write < 0) return;
  const int saved = errno; // a handler must leave errno as it found it
  const char byte = 1;
  // A full pipe already holds a wake-up; nothing is lost by not writing.
  [[maybe_unused]] const ssize_t n = write(g_wake_write, &byte, 1);
  errno = saved;
}

extern "C" void on_stop_signal(int sig) {
  g_stop_signal.store(sig, std::memory_order_relaxed);
  g_stop_count.fetch_add(1, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_release);
  write_wake_byte();
}
} // namespace

void install_stop_signals() {
  if (g_wake_read < 0) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
      g_wake_read = fds[0];
      g_wake_write = fds[1];
    }
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // The handler only sets flags that the program looks at; the call a
  // signal lands in goes on. Without SA_RESTART a read or write inside JACK
  // or ALSA fails with EINTR, which they take for a broken server (a signal
  // while link-seq registered its port made it fail to).
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &action, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);
}

bool stop_requested() noexcept { return g_stop.load(std::memory_order_acquire); }
int stop_signal() noexcept { return g_stop_signal.load(std::memory_order_relaxed); }
int stop_signal_count() noexcept { return g_stop_count.load(std::memory_order_relaxed); }
void request_stop() noexcept {
  g_stop.store(true, std::memory_order_release);
  write_wake_byte();
}

bool wait_for_stop_or_interrupt() {
  if (g_wake_read < 0) return false;
  pollfd p{g_wake_read, POLLIN, 0};
  int ready;
  while ((ready = poll(&p, 1, -1)) < 0 && errno == EINTR) {
  }
  // A pipe that cannot be waited on would make a caller's loop spin.
  if (ready < 0) return false;
  char drain[64];
  while (read(g_wake_read, drain, sizeof drain) > 0) {
  }
  return true;
}

void interrupt_stop_wait() noexcept { write_wake_byte(); }

} // namespace linktools
