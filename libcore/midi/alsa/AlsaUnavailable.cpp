// Built when configure found no ALSA development files.
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"

namespace linktools::midi::alsa {
namespace {
ToolError not_built() {
  return failure("ALSA backend", "this build has no ALSA support (install libasound2-dev "
                                 "and rebuild), use --backend jack or --backend jsonl");
}
} // namespace
bool built() { return false; }
bool sequencer_present() { return false; }
std::vector<PortInfo> list_ports(const OutputOptions&) { throw not_built(); }
std::unique_ptr<MidiOutput> open(const OutputOptions&) { throw not_built(); }
std::vector<PortInfo> list_sources(const InputOptions&) { throw not_built(); }
std::unique_ptr<MidiInput> open_input(const InputOptions&) { throw not_built(); }
} // namespace linktools::midi::alsa
