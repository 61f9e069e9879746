#include "midi/MidiInput.hpp"

#include "midi/Backends.hpp"

namespace linktools::midi {

namespace {

Backend resolve_input(Backend backend) {
  return resolve(backend, "input", "read JSON Lines from standard input");
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
