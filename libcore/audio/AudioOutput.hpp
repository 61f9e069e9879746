#pragma once
// Audio output: one interface, a JACK backend (jack/JackAudioOutput.cpp; jack/JackUnavailable.cpp
// when JACK was not found at configure time).
//
// Like MIDI outputs (midi/Event.hpp), an audio output pulls: each period it
// asks its AudioSource to fill the period's frames, telling it the Link host
// time at which the period's first frame will be heard (the port's output
// latency already added), and the session state captured on the audio
// thread for that period.

#include "session/SessionOutput.hpp"
#include "session/SessionState.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linktools {
class Session;
}

namespace linktools::audio {

// One period to fill: `frames` frames of left and right, already zeroed;
// frame i is heard at host time start_us + i * us_per_frame (microseconds of
// Link's clock, with fractions).
struct Period {
  float* left = nullptr;
  float* right = nullptr;
  std::uint32_t frames = 0;
  double start_us = 0.0;
  double us_per_frame = 0.0;
};

class AudioSource {
public:
  virtual ~AudioSource() = default;
  // Runs on the audio thread: must neither block nor allocate.
  virtual void render(const SessionState& state, const Period& period) noexcept = 0;
};

struct OutputOptions {
  std::string client_name = "link-play";
  // Ports to connect to, in order: left, right. One port takes both
  // channels. Empty: the system's playback ports, when there are some.
  std::vector<std::string> connect;
  bool auto_connect = true; // false: connect nothing (--no-connect)
};

// The contract of every output is SessionOutput's (description: "JACK
// link-play:out_1,out_2 -> system:playback_1,system:playback_2").
class AudioOutput : public SessionOutput {
public:
  // Frames a second; known once the output is open.
  virtual int sample_rate() const = 0;
  // Starts pulling from `source`; `session` and `source` must outlive stop().
  virtual void start(Session& session, AudioSource& source) = 0;
};

// Throws ToolError: bad_input for a --connect port that does not exist or is
// not an audio input, failure when no JACK server runs.
std::unique_ptr<AudioOutput> open_output(const OutputOptions& options);

// The audio input ports --connect can name.
std::vector<std::string> list_ports(const OutputOptions& options);

} // namespace linktools::audio
