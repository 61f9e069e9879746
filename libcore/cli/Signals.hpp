#pragma once
// SIGINT/SIGTERM/SIGHUP only set a flag; long-running loops poll it.
// SIGPIPE is ignored so a closed stdout shows up as a write error instead.

namespace linktools {

// Thread-safe: yes. Call once at start-up from the main thread.
void install_stop_signals();
// Thread-safe: yes. Realtime-safe: yes (a lock-free atomic load).
bool stop_requested() noexcept;
// The signal that asked us to stop, or 0.
int stop_signal() noexcept;
// How many stop signals came (a second Ctrl-C can mean "now").
int stop_signal_count() noexcept;
// For tests and for tools that stop themselves.
void request_stop() noexcept;

} // namespace linktools
