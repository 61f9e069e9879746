#pragma once
// The transport receiver's JACK client "transport-receiver": in every process
// cycle it asks JACK for the transport (jack_transport_query) and samples its
// own Link session at the moment the cycle's first frame is heard, and hands
// the pair to the main thread as a CycleSample. It shares no code with
// link-jack-transport beyond the helpers every JACK client of ours uses
// (the clock offset, the cycle's mended times).

#include "measure/TransportTiming.hpp"
#include "session/Session.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace linktools::bench {

struct CycleFacts {
  std::uint32_t sample_rate = 0;
  std::uint32_t period = 0;
  std::uint32_t latency_frames = 0; // added to every cycle's time
  std::uint64_t lost = 0;           // cycles not handed over (ring full, no offset yet)
  std::uint64_t tick_double = 0;    // cycles whose position had JackTickDouble
  std::uint64_t xruns = 0;
  std::vector<double> xrun_times_us; // Link host time, ascending (the first 16384)
};

class CycleInput {
public:
  virtual ~CycleInput() = default;
  // Samples are taken from now on.
  virtual void start() = 0;
  // Main thread: appends what arrived, waiting up to `wait` first when
  // nothing had. Throws ToolError when JACK went away.
  virtual void collect(std::vector<CycleSample>& out, std::chrono::milliseconds wait) = 0;
  virtual CycleFacts facts() const = 0;
};

// `with_latency`: a cycle's time is when its first frame is heard, the
// playback latency of the server's first physical playback port after JACK's
// time of the cycle (link-jack-transport's meaning of a position); without,
// JACK's time of the cycle itself. Throws ToolError(failure) when no JACK
// server runs.
std::unique_ptr<CycleInput> open_cycle_input(Session& session, double quantum, bool with_latency);

} // namespace linktools::bench
