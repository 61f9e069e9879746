#pragma once
// One Link instance. This module (Session.cpp) is the only place that includes
// <ableton/Link.hpp>; everything else sees these types.

#include "session/SessionState.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace linktools {

class Session {
public:
  // Creates a disabled Link instance whose own session starts at `bpm`.
  // It sends nothing until enable(true).
  explicit Session(double bpm = 120.0);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Thread-safe: yes. Realtime-safe: no.
  void enable(bool on);
  bool is_enabled() const;
  void enable_start_stop_sync(bool on);
  bool is_start_stop_sync_enabled() const;

  // Peers in our session, not counting ourselves. Thread-safe: yes. Realtime-safe: yes.
  std::size_t peer_count() const;

  // Our node id as Link announces it on the network (it changes whenever Link
  // founds a new session for us, e.g. on enable). Valid for the newest Session
  // of the process: the tools have one. Thread-safe: yes. Realtime-safe: yes.
  std::array<std::uint8_t, 8> node_id() const;

  // Shows every datagram that reaches this process's Link sockets to
  // `observer`, on Link's thread, before Link handles it (nullptr: none).
  // Process-wide, like node_id. Thread-safe: yes. Realtime-safe: no.
  static void on_datagram(std::function<void(std::span<const std::uint8_t>)> observer);

  // Link's host clock. Thread-safe: yes. Realtime-safe: yes.
  HostTime now() const noexcept;

  // App thread: thread-safe: yes, realtime-safe: no (may lock).
  SessionState capture_app_state() const;
  void commit_app_state(const SessionState& state);

  // Audio thread only: thread-safe: no (one audio thread), realtime-safe: yes.
  SessionState capture_audio_state() const noexcept;
  void commit_audio_state(const SessionState& state) noexcept;

  // Callbacks run on Link's own thread, never on the audio thread. They must be
  // quick; set them before enable(). Thread-safe: yes. Realtime-safe: no.
  void on_peers(std::function<void(std::size_t peers)> callback);
  void on_tempo(std::function<void(double bpm)> callback);
  void on_transport(std::function<void(bool is_playing)> callback);

  // A counter bumped on every change of peers, tempo or transport, so a loop
  // can sleep until something happens. Thread-safe: yes. Realtime-safe: no.
  std::uint64_t change_count() const;
  // Waits until change_count() differs from `seen` or `timeout` passes;
  // returns the count at return.
  std::uint64_t wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  // Bumps change_count() though nothing changed, so that a loop waiting in
  // wait_for_change looks now (a stop signal came). Thread-safe: yes.
  void poke();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace linktools
