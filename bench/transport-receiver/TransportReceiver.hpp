#pragma once
// transport-receiver: joins the Link session as one more peer, reads JACK's
// transport every process cycle and reports how far each rolling cycle's
// position lies from the receiver's own beat grid (bench/jack-transport-timing).

#include "cli/Tool.hpp"

#include <memory>
#include <optional>
#include <string>

namespace linktools::bench {

struct TransportOptions {
  CommonOptions common;           // --quantum, --json, --timeout (the wait for a peer)
  double seconds = 10.0;          // the whole run, warm-up included
  double warmup_s = 1.0;
  // Cycles this long after a tempo change are reported apart: the peers
  // hear of a change tens of milliseconds after the moment it is dated.
  double change_window_ms = 300.0;
  double xrun_window_ms = 50.0;
  bool no_latency = false;
  std::optional<std::string> log_path;
};

// Not one rolling cycle with bar, beat and tick after the warm-up.
inline constexpr auto kNoCycles = static_cast<ExitCode>(3);

std::unique_ptr<CLI::App> make_transport_receiver_app(TransportOptions& options);
// Throws ToolError(bad_input) naming the flag.
void validate(const TransportOptions& options);
ExitCode run_transport_receiver(const TransportOptions& options);

} // namespace linktools::bench
