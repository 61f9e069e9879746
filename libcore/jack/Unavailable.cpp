// Built instead of jack/JackClient.cpp, MidiOutput.cpp and AudioOutput.cpp
// when configure found no JACK development files: the MIDI backend and the
// audio output say so when asked for.
#include "audio/Output.hpp"
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

namespace linktools::audio {
namespace {
[[noreturn]] void unavailable() {
  throw failure("JACK", "this build has no JACK support (install libjack-jackd2-dev and rebuild)");
}
} // namespace
std::unique_ptr<AudioOutput> open_output(const OutputOptions&) { unavailable(); }
std::vector<std::string> list_ports(const OutputOptions&) { unavailable(); }
} // namespace linktools::audio
