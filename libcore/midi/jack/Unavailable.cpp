// Built when configure found no JACK development files.
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"

namespace linktools::midi::jack {
namespace {
ToolError not_built() {
  return failure("JACK backend", "this build has no JACK support (install libjack-jackd2-dev "
                                 "and rebuild), use --backend alsa or --backend jsonl");
}
} // namespace
bool built() { return false; }
bool server_running() { return false; }
std::vector<PortInfo> list_ports(const OutputOptions&) { throw not_built(); }
std::unique_ptr<MidiOutput> open(const OutputOptions&) { throw not_built(); }
} // namespace linktools::midi::jack
