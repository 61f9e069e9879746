#include "midi/OutputFlags.hpp"

#include "cli/Errors.hpp"

#include <fmt/core.h>

#include <cmath>

namespace linktools::midi {

namespace {
constexpr double kMaxOffsetMs = 1000.0;
} // namespace

void add_output_flags(CLI::App& app, OutputFlags& flags) {
  app.add_option("-b,--backend", flags.backend,
                 "MIDI output: auto (JACK if a server runs, else ALSA), jack, alsa or jsonl");
  app.add_flag("-l,--list", flags.list, "List the MIDI ports --connect can name, then exit");
  app.add_option("-c,--connect", flags.connect,
                 "Connect to this port (JACK: client:port name; ALSA: client:port or name)");
  app.add_option("-n,--name", flags.name, "Client name for JACK or ALSA");
  app.add_option("-p,--port", flags.port, "Name of our MIDI output port (JACK or ALSA)");
  app.add_option("-o,--output", flags.output, "jsonl: file to write (- for stdout)");
  app.add_option("--offset-ms", flags.offset_ms,
                 "Send everything this much later (negative: earlier), -1000..1000");
}

void validate(const OutputFlags& flags) {
  const auto backend = parse_backend(flags.backend);
  if (!backend)
    throw bad_input("--backend", fmt::format("expected auto, jack, alsa or jsonl, got '{}'",
                                             flags.backend));
  if (flags.name.empty()) throw bad_input("--name", "expected a non-empty client name");
  if (flags.port.empty() || flags.port.find(':') != std::string::npos)
    throw bad_input("--port", fmt::format("expected a port name without ':', got '{}'", flags.port));
  if (flags.output != "-" && *backend != Backend::jsonl)
    throw bad_input("--output", "only the jsonl backend writes to a file (add --backend jsonl)");
  if (flags.connect && *backend == Backend::jsonl)
    throw bad_input("--connect", "the jsonl backend has no ports to connect");
  if (!std::isfinite(flags.offset_ms) || std::abs(flags.offset_ms) > kMaxOffsetMs)
    throw bad_input("--offset-ms", fmt::format("expected milliseconds in -1000..1000, got {}",
                                               flags.offset_ms));
}

HostTime OutputFlags::offset() const { return HostTime(std::llround(offset_ms * 1000.0)); }

OutputOptions output_options(const OutputFlags& flags) {
  OutputOptions out;
  out.backend = *parse_backend(flags.backend);
  out.client_name = flags.name;
  out.port_name = flags.port;
  out.connect = flags.connect;
  out.path = flags.output;
  return out;
}

void print_ports(const OutputFlags& flags, const std::string& tool) {
  const auto options = output_options(flags);
  if (options.backend == Backend::jsonl) {
    fmt::print(stderr, "{}: the jsonl backend has no ports; it writes to --output\n", tool);
    return;
  }
  for (const auto& port : list_ports(options)) fmt::print("{}\t{}\n", port.name, port.description);
}

} // namespace linktools::midi
