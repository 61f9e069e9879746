#include "midi/MidiOutput.hpp"

#include "cli/Errors.hpp"
#include "midi/Backends.hpp"

#include <fmt/core.h>

namespace linktools::midi {

std::optional<Backend> parse_backend(std::string_view name) noexcept {
  if (name == "auto") return Backend::automatic;
  if (name == "jack") return Backend::jack;
  if (name == "alsa") return Backend::alsa;
  if (name == "jsonl") return Backend::jsonl;
  return std::nullopt;
}

std::string_view backend_name(Backend backend) noexcept {
  switch (backend) {
  case Backend::automatic: return "auto";
  case Backend::jack: return "jack";
  case Backend::alsa: return "alsa";
  case Backend::jsonl: return "jsonl";
  }
  return "auto";
}

Backend resolve(Backend backend, std::string_view kind, std::string_view jsonl) {
  if (backend != Backend::automatic) return backend;
  if (jack::built() && jack::server_running()) return Backend::jack;
  if (alsa::built() && alsa::sequencer_present()) return Backend::alsa;
  throw failure(fmt::format("no MIDI {} found", kind),
                fmt::format("no JACK server is running and the ALSA sequencer is not available; "
                            "start JACK (e.g. jackd -d dummy), load the snd-seq kernel module, "
                            "or {} with --backend jsonl",
                            jsonl));
}

namespace {
Backend resolve_output(Backend backend) { return resolve(backend, "output", "write JSON Lines"); }
} // namespace

std::unique_ptr<MidiOutput> open_output(const OutputOptions& options) {
  switch (resolve_output(options.backend)) {
  case Backend::jack: return jack::open(options);
  case Backend::alsa: return alsa::open(options);
  default: return jsonl::open(options);
  }
}

std::vector<PortInfo> list_ports(const OutputOptions& options) {
  switch (resolve_output(options.backend)) {
  case Backend::jack: return jack::list_ports(options);
  case Backend::alsa: return alsa::list_ports(options);
  default: return {};
  }
}

} // namespace linktools::midi
