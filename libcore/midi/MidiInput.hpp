#pragma once
// MIDI input: one interface, backends chosen at configure time, as the
// outputs (midi/MidiOutput.hpp) are.
//
//   jack   a JACK client with one MIDI input port; each message stamped
//          with the Link time of its frame (jack/JackMidiInput.cpp)
//   alsa   an ALSA sequencer client with one port; each event stamped by
//          the sequencer's queue when it arrived (midi/alsa/AlsaInput.cpp)
//   jsonl  JSON Lines on standard input: {"time_us":..., "bytes":[...]}
//          (midi/jsonl/JsonlInput.cpp)

#include "midi/MidiOutput.hpp"
#include "session/SessionState.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linktools::midi {

struct InputOptions {
  Backend backend = Backend::automatic;
  std::string client_name = "link-tools"; // JACK client / ALSA client name
  std::string port_name = "in";           // our JACK / ALSA port's name
  std::optional<std::string> connect;     // JACK port or ALSA client:port to take MIDI from
};

// Bytes as they came: one JACK event, one sequencer event, one JSON line.
struct Received {
  HostTime time{0}; // Link host time they arrived (JACK: their frame's time)
  std::vector<std::uint8_t> bytes;
};

class MidiInput {
public:
  virtual ~MidiInput() = default;
  // Takes messages from now on, stamped on `session`'s clock, which must
  // outlive the input. Call once.
  virtual void start(Session& session) = 0;
  // Main thread: appends what arrived since the last call, waiting up to
  // `wait` for something first. False once nothing more can come (the end
  // of standard input).
  virtual bool read(std::vector<Received>& out, std::chrono::milliseconds wait) = 0;
  // Set when the input broke while running (JACK server gone, a read error).
  virtual std::optional<std::string> failure() const = 0;
  // Messages lost before they could be read (a hand-over ring was full,
  // JACK's clock offset not measured yet), and input that was not MIDI (a
  // bad JSON line). Thread-safe.
  virtual std::uint64_t lost() const { return 0; }
  virtual std::uint64_t unreadable() const { return 0; }
  // One line for people: "JACK port link-follow:in <- jack_midi_clock:mclk_out".
  virtual std::string description() const = 0;
  // How the input was opened, a line each (JACK gave the client another name).
  virtual std::vector<std::string> warnings() const { return {}; }
  // Problems with what came in since the last call (a line that is not
  // JSON), a line each, for the user; main thread.
  virtual std::vector<std::string> take_problems() { return {}; }
};

// Opens the backend `options` picks (automatic: JACK when a server runs,
// else the ALSA sequencer when the kernel has one, else an error naming the
// choices). Throws ToolError: bad_input for a --connect port that does not
// exist or sends no MIDI, failure when the backend cannot be opened.
std::unique_ptr<MidiInput> open_input(const InputOptions& options);

// The ports --connect can name for an input: other clients' MIDI outputs.
std::vector<PortInfo> list_sources(const InputOptions& options);

} // namespace linktools::midi
