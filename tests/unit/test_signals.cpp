#include <doctest/doctest.h>

#include "cli/Signals.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

using namespace linktools;

namespace {

// Runs `body` in a child process (the stop flags are process-wide and stay
// set) that is killed by SIGALRM if it hangs; true when it exited 0.
template <typename Body> bool in_child(Body body) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(5);
    _exit(body() ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

TEST_CASE("signals: a stop signal wakes a thread waiting for one") {
  CHECK(in_child([] {
    install_stop_signals();
    std::atomic<bool> woke{false};
    std::thread waiter([&] { woke = wait_for_stop_or_interrupt(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (woke) return false; // nothing came yet
    raise(SIGINT);
    waiter.join();
    return woke && stop_requested() && stop_signal() == SIGINT && stop_signal_count() == 1;
  }));
}

TEST_CASE("signals: a stop that came before the wait is not missed") {
  CHECK(in_child([] {
    install_stop_signals();
    raise(SIGTERM);
    return wait_for_stop_or_interrupt() && stop_requested() && stop_signal() == SIGTERM;
  }));
  CHECK(in_child([] {
    install_stop_signals();
    request_stop();
    return wait_for_stop_or_interrupt() && stop_requested();
  }));
}

TEST_CASE("signals: an interrupt wakes the waiter without asking for a stop") {
  CHECK(in_child([] {
    install_stop_signals();
    std::thread waiter([] { wait_for_stop_or_interrupt(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    interrupt_stop_wait();
    waiter.join();
    return !stop_requested();
  }));
}

TEST_CASE("signals: without install_stop_signals nothing can wake a waiter, and it says so") {
  CHECK(in_child([] { return !wait_for_stop_or_interrupt(); }));
}
