#pragma once
// The MIDI output flags link-midiclock and link-seq share, their checks, and
// --list.

#include "midi/MidiOutput.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace linktools::midi {

struct OutputFlags {
  // `client`: the default client name (the tool's name).
  explicit OutputFlags(std::string client) : name(std::move(client)) {}

  std::string backend = "auto";
  bool list = false;
  std::optional<std::string> connect;
  std::string name;          // client name
  std::string port = "out";  // our port's name
  std::string output = "-";  // jsonl: the file
  double offset_ms = 0.0;    // added to every message's time (negative: earlier)

  HostTime offset() const;
};

// -b/--backend, -l/--list, -c/--connect, -n/--name, -p/--port, -o/--output,
// --offset-ms.
void add_output_flags(CLI::App& app, OutputFlags& flags);

// Throws ToolError(bad_input) naming the flag and what was expected.
void validate(const OutputFlags& flags);

OutputOptions output_options(const OutputFlags& flags);

// --list: prints the ports --connect can name ("NAME<tab>DESCRIPTION" lines).
void print_ports(const OutputFlags& flags, const std::string& tool);

} // namespace linktools::midi
