#pragma once
// link-midiclock: options, their parsing, and the program itself.

#include "cli/Tool.hpp"
#include "midi/OutputFlags.hpp"

#include <memory>
#include <optional>
#include <string>

namespace linktools {

struct MidiClockCommandOptions {
  CommonOptions common;
  midi::OutputFlags output{"link-midiclock"};
  bool no_sync = false;
  bool spp = false;
  bool no_idle_clock = false;
  bool quiet = false;
};

std::unique_ptr<CLI::App> make_midiclock_app(MidiClockCommandOptions& options);
void validate(const MidiClockCommandOptions& options);
ExitCode run_midiclock(const MidiClockCommandOptions& options);

} // namespace linktools
