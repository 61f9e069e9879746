#pragma once
// link-midiclock: options, their parsing, and the program itself.

#include "cli/Tool.hpp"

#include <memory>
#include <optional>
#include <string>

namespace linktools {

struct MidiClockCommandOptions {
  CommonOptions common;
  std::string backend = "auto";
  bool list = false;
  std::optional<std::string> connect;
  std::string name = "link-midiclock";
  std::string output = "-";
  bool no_sync = false;
  bool spp = false;
  bool no_idle_clock = false;
  double offset_ms = 0.0;
  bool quiet = false;
};

std::unique_ptr<CLI::App> make_midiclock_app(MidiClockCommandOptions& options);
void validate(const MidiClockCommandOptions& options);
ExitCode run_midiclock(const MidiClockCommandOptions& options);

} // namespace linktools
