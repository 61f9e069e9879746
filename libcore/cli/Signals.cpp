#include "cli/Signals.hpp"

#include <atomic>
#include <csignal>

namespace linktools {
namespace {
std::atomic<int> g_stop_signal{0};
std::atomic<int> g_stop_count{0};
std::atomic<bool> g_stop{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  g_stop_signal.store(sig, std::memory_order_relaxed);
  g_stop_count.fetch_add(1, std::memory_order_relaxed);
  g_stop.store(true, std::memory_order_release);
}
} // namespace

void install_stop_signals() {
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
void request_stop() noexcept { g_stop.store(true, std::memory_order_release); }

} // namespace linktools
