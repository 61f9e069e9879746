// Built instead of JackOutput.cpp when JACK was not found at configure time.
#include "audio/Output.hpp"
#include "cli/Errors.hpp"

namespace linktools::audio {

namespace {
[[noreturn]] void unavailable() {
  throw failure("JACK", "this build has no JACK support (install libjack-jackd2-dev and rebuild)");
}
} // namespace

std::unique_ptr<AudioOutput> open_output(const OutputOptions&) { unavailable(); }
std::vector<std::string> list_ports(const OutputOptions&) { unavailable(); }

} // namespace linktools::audio
