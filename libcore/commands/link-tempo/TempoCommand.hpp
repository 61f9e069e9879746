#pragma once
// link-tempo: read or set the session tempo, start and stop the transport.

#include "cli/Tool.hpp"

#include <memory>
#include <optional>
#include <string>

namespace linktools {

struct TempoOptions {
  CommonOptions common;
  std::optional<std::string> word; // "128", "+2", "-2.5"; none: print the tempo
  bool play = false;
  bool stop = false;
  bool at_next_bar = false;

  bool changes_something() const { return word || play || stop; }
};

std::unique_ptr<CLI::App> make_tempo_app(TempoOptions& options);
// Everything that can be checked before joining; throws ToolError(bad_input).
void validate(const TempoOptions& options);
ExitCode run_tempo(const TempoOptions& options);

} // namespace linktools
