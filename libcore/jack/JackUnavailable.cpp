// Built instead of jack/JackClient.cpp, JackMidiOutput.cpp, JackAudioOutput.cpp and
// Transport.cpp when configure found no JACK development files: the MIDI
// backend, the audio output and the transport bridge say so when asked for.
#include "audio/AudioOutput.hpp"
#include "cli/Errors.hpp"
#include "jack/Transport.hpp"
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
std::vector<PortInfo> list_sources(const InputOptions&) { throw not_built(); }
std::unique_ptr<MidiInput> open_input(const InputOptions&) { throw not_built(); }
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

namespace linktools::jack_client {
struct TransportSync::Impl {};

TransportSync::TransportSync(Session&, const TransportOptions&) {
  throw failure("JACK", "this build has no JACK support (install libjack-jackd2-dev and rebuild)");
}
TransportSync::~TransportSync() = default;
void TransportSync::follow() {}
void TransportSync::set_transport_hint(std::optional<bool>) {}
void TransportSync::mark_own_session_change(HostTime) {}
bool TransportSync::pop_event(TransportEvent&) { return false; }
TransportPosition TransportSync::position() const { return {}; }
std::optional<double> TransportSync::jack_tempo() const { return std::nullopt; }
std::optional<std::string> TransportSync::failure() const { return std::nullopt; }
std::vector<std::string> TransportSync::warnings() const { return {}; }
std::string TransportSync::client_name() const { return {}; }
} // namespace linktools::jack_client
