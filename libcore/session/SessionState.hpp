#pragma once
// A snapshot of the Link session state: the operations musicians know
// (tempo, beat, phase, transport) on a value that is cheap to copy.
//
// The Link type lives in fixed inline storage so that this header does not
// include <ableton/Link.hpp> and so that copies never allocate (the audio
// thread captures and commits these).

#include <chrono>
#include <cstddef>

namespace linktools {

using HostTime = std::chrono::microseconds; // Link's host clock (CLOCK_MONOTONIC_RAW on Linux)

class SessionState {
public:
  // All members: thread-safe on distinct objects, realtime-safe (no allocation, no locks).
  SessionState(const SessionState& other) noexcept;
  // A state that belongs to no session: a beat grid of `bpm` with `beat` at
  // host time `time`, transport stopped and never started (time_for_is_playing
  // 0). Link's own arithmetic, with no network: for unit tests with a fake
  // clock and for offline rendering.
  static SessionState detached(double bpm, HostTime time, double beat = 0.0) noexcept;
  SessionState& operator=(const SessionState& other) noexcept;
  ~SessionState();

  double tempo() const noexcept;
  bool is_playing() const noexcept;
  // Host time at which the transport last started or stopped (or will).
  HostTime time_for_is_playing() const noexcept;

  double beat_at_time(HostTime time, double quantum) const noexcept;
  double phase_at_time(HostTime time, double quantum) const noexcept;
  HostTime time_at_beat(double beat, double quantum) const noexcept;

  // Changes take effect only when the state is committed through a Session.
  void set_tempo(double bpm, HostTime at_time) noexcept;
  void set_is_playing(bool playing, HostTime at_time) noexcept;
  void request_beat_at_time(double beat, HostTime time, double quantum) noexcept;
  void force_beat_at_time(double beat, HostTime time, double quantum) noexcept;
  // Start (or stop) at `time` and map `beat` to that moment, as a quantum-aligned launch.
  void set_is_playing_and_request_beat_at_time(bool playing, HostTime time, double beat,
                                               double quantum) noexcept;

private:
  friend class Session;
  SessionState() noexcept = default;
  static constexpr std::size_t kStorageSize = 96;
  alignas(std::max_align_t) unsigned char storage_[kStorageSize];
};

} // namespace linktools
