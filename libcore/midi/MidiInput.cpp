#include "midi/MidiInput.hpp"

#include "midi/Backends.hpp"

#include "cli/Errors.hpp"

namespace linktools::midi {

namespace {

Backend resolve_input(Backend backend) {
  if (backend != Backend::automatic) return backend;
  if (jack::built() && jack::server_running()) return Backend::jack;
  if (alsa::built() && alsa::sequencer_present()) return Backend::alsa;
  throw failure("no MIDI input found",
                "no JACK server is running and the ALSA sequencer is not available; "
                "start JACK (e.g. jackd -d dummy), load the snd-seq kernel module, "
                "or read JSON Lines from standard input with --backend jsonl");
}

} // namespace

std::unique_ptr<MidiInput> open_input(const InputOptions& options) {
  switch (resolve_input(options.backend)) {
  case Backend::jack: return jack::open_input(options);
  case Backend::alsa: return alsa::open_input(options);
  default: return jsonl::open_input(options);
  }
}

std::vector<PortInfo> list_sources(const InputOptions& options) {
  switch (resolve_input(options.backend)) {
  case Backend::jack: return jack::list_sources(options);
  case Backend::alsa: return alsa::list_sources(options);
  default: return {};
  }
}

} // namespace linktools::midi
