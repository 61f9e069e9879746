// link-midiclock: MIDI clock locked to the Link session. All logic lives in libcore/midiclock.
#include "commands/link-midiclock/MidiClockCommand.hpp"

int main(int argc, char** argv) {
  linktools::MidiClockCommandOptions options;
  auto app = linktools::make_midiclock_app(options);
  return linktools::run_tool("link-midiclock", *app, argc, argv,
                             [&] { return linktools::run_midiclock(options); });
}
