// The ALSA sequencer input is not written yet: link-follow says so and
// names the inputs that work.
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"

namespace linktools::midi::alsa {

namespace {
ToolError not_yet() {
  return failure("ALSA sequencer input", "not implemented yet; use --backend jack or --backend jsonl");
}
} // namespace

std::vector<PortInfo> list_sources(const InputOptions&) { throw not_yet(); }
std::unique_ptr<MidiInput> open_input(const InputOptions&) { throw not_yet(); }

} // namespace linktools::midi::alsa
