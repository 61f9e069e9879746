#pragma once
// MIDI output: one interface, backends chosen at configure time.
//
//   jack   a JACK client with one MIDI output port; events placed at their
//          frame in the process callback (jack/MidiOutput.cpp)
//   alsa   an ALSA sequencer client with one port (midi/alsa)
//   jsonl  one JSON object per message, to stdout or a file (midi/jsonl)
//
// A backend that was not found at configure time is still listed and fails
// with a message saying so; nothing outside the backend folders knows which
// backends were built.

#include "midi/Event.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linktools {
class Session;
}

namespace linktools::midi {

enum class Backend { automatic, jack, alsa, jsonl };

// "auto", "jack", "alsa", "jsonl"; nullopt for anything else.
std::optional<Backend> parse_backend(std::string_view name) noexcept;
std::string_view backend_name(Backend backend) noexcept;

struct OutputOptions {
  Backend backend = Backend::automatic;
  std::string client_name = "link-tools"; // JACK client / ALSA client name
  std::string port_name = "out";          // our JACK / ALSA port's name
  std::optional<std::string> connect;     // JACK port or ALSA client:port to connect to
  std::string path = "-";                 // jsonl: file to write ("-" = stdout)
};

struct PortInfo {
  std::string name;        // what --connect accepts
  std::string description; // a readable note (client name, type)
};

class MidiOutput {
public:
  virtual ~MidiOutput() = default;
  // Starts pulling events from `source` on this output's timing thread.
  // `session` and `source` must outlive stop(). Call once.
  virtual void start(Session& session, EventSource& source) = 0;
  // Stops pulling, sends source.finish()'s events at once and returns when
  // they are out (at most about a second). Safe to call twice.
  virtual void stop() = 0;
  // Set when the output broke while running (JACK server gone, file not
  // writable, the reader of a pipe gone); the tool then stops.
  virtual std::optional<std::string> failure() const = 0;
  // True when the failure is only that a pipe's reader went away.
  virtual bool reader_gone() const { return false; }
  // Messages that could not be sent although the output works: JACK's port
  // buffer had no room left in a cycle. Counted from start(); thread-safe.
  virtual std::uint64_t dropped() const { return 0; }
  // One line for people: "JACK port link-midiclock:out -> synth:midi_in".
  virtual std::string description() const = 0;
  // What the user should know about how the output was opened, a line each
  // (JACK gave the client another name: --name was taken).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// Opens the backend `options` picks (automatic: JACK when a server runs, else
// the ALSA sequencer when the kernel has one, else an error naming the
// choices). Throws ToolError: bad_input for a --connect port that does not
// exist, failure when the backend cannot be opened. Opens no port on bad input.
std::unique_ptr<MidiOutput> open_output(const OutputOptions& options);

// The ports --connect can name for that backend (automatic as above).
std::vector<PortInfo> list_ports(const OutputOptions& options);

} // namespace linktools::midi
