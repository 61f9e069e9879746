#pragma once
// MIDI output: one interface, backends chosen at configure time.
//
//   jack   a JACK client with one MIDI output port; events placed at their
//          frame in the process callback (jack/JackMidiOutput.cpp)
//   alsa   an ALSA sequencer client with one port (midi/alsa)
//   jsonl  one JSON object per message, to stdout or a file (midi/jsonl)
//
// A backend that was not found at configure time is still listed and fails
// with a message saying so; nothing outside the backend folders knows which
// backends were built.

#include "midi/Event.hpp"
#include "session/SessionOutput.hpp"

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

// The contract of every output is SessionOutput's; stop() sends
// source.finish()'s events at once and returns when they are out (at most
// about a second).
class MidiOutput : public SessionOutput {
public:
  // Starts pulling events from `source` on this output's timing thread.
  // `session` and `source` must outlive stop(). Call once.
  virtual void start(Session& session, EventSource& source) = 0;
};

// Opens the backend `options` picks (automatic: JACK when a server runs, else
// the ALSA sequencer when the kernel has one, else an error naming the
// choices). Throws ToolError: bad_input for a --connect port that does not
// exist, failure when the backend cannot be opened. Opens no port on bad input.
std::unique_ptr<MidiOutput> open_output(const OutputOptions& options);

// The ports --connect can name for that backend (automatic as above).
std::vector<PortInfo> list_ports(const OutputOptions& options);

} // namespace linktools::midi
