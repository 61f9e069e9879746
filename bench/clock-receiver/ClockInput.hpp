#pragma once
// Where the receiver's MIDI comes from: a JACK MIDI input port, or JSON Lines
// on stdin as link-midiclock's jsonl backend writes them. Either way every
// message the run measures (is_measured) becomes an Observation stamped with
// the Link host time at which it reached us, placed on our own session's grid.

#include "measure/GridTiming.hpp"
#include "session/Session.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linktools::bench {

// What the report says about the input besides the timing.
struct InputFacts {
  std::string source;             // "jack" or "stdin"
  std::uint32_t sample_rate = 0;  // JACK only
  std::uint32_t period = 0;       // JACK only, frames per cycle
  // JACK: messages dropped because the hand-over ring was full or the clock
  // offset was not measured yet.
  std::uint64_t lost = 0;
  // JACK: xruns the server reported during the run. A cycle that ran late
  // can shift the messages in it, so timing near an xrun is suspect.
  std::uint64_t xruns = 0;
  // JACK: when each xrun was reported, in Link host time like the
  // observations' time_us, ascending; the ones after the record filled up
  // are only counted (unrecorded).
  std::vector<double> xrun_times_us;
  std::uint64_t xruns_unrecorded = 0;
  std::uint64_t unreadable = 0;   // stdin: lines that were not a MIDI message
};

class ClockInput {
public:
  virtual ~ClockInput() = default;
  // Begins receiving (JACK: takes messages from now on and makes the connection).
  virtual void start() = 0;
  // Main thread: appends what arrived since the last call, waiting up to
  // `wait` for something first. False once nothing more can arrive (end of
  // input); throws ToolError when the input failed.
  virtual bool collect(std::vector<Observation>& out, std::chrono::milliseconds wait) = 0;
  virtual InputFacts facts() const = 0;
};

// Audio instead of MIDI (--audio): every onset in the sound (the signal
// rising to `threshold` after at least 2 ms below half of it) counts as a
// note-on, timed when it is heard: `latency_frames` after it reaches our
// input, which the input port announces as its playback latency, as a
// sound card would, so a sender that compensates its output latency plays
// that much earlier. The time is JACK's for that later frame, read in the
// cycle that holds it.
struct AudioOnsets {
  float threshold = 0.1f;
  std::uint32_t latency_frames = 0;
};

// A JACK client "clock-receiver" with a MIDI input "in" (an audio input
// with `audio`). The client is active
// from the start, so a sender can connect to it; messages count from start()
// on, which also connects `connect` (when given) to our input. Throws
// ToolError: failure (exit 1) when no JACK server runs, bad_input when
// `connect` names no MIDI output port.
std::unique_ptr<ClockInput> open_jack_input(Session& session, double quantum,
                                            const Measure& measure,
                                            const std::optional<std::string>& connect,
                                            const std::optional<AudioOnsets>& audio = std::nullopt);

// `busy`: watch stdin without sleeping (a core kept busy), so a line is
// stamped when it reached the pipe, not when this program's thread woke up.
std::unique_ptr<ClockInput> open_stdin_input(Session& session, double quantum,
                                             const Measure& measure, bool busy = false);

} // namespace linktools::bench
