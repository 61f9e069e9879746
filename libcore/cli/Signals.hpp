#pragma once
// SIGINT/SIGTERM/SIGHUP only set a flag, which long-running loops poll, and
// write a byte to a pipe, which a waiting thread can wake on.
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

// Blocks until a stop signal comes, request_stop() is called or
// interrupt_stop_wait() is called (whichever first; one that came before
// the call counts). For a thread that turns a stop into a wake-up of a loop
// that otherwise sleeps long: nothing polls while nothing happens.
// False at once when install_stop_signals() was not called (or could not
// make its pipe), or when waiting on the pipe fails: then nothing wakes a
// waiter, and the caller must poll.
// Thread-safe: yes, for one waiting thread at a time.
bool wait_for_stop_or_interrupt();
void interrupt_stop_wait() noexcept;

} // namespace linktools
