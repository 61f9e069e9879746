#pragma once
// link-jack-transport: JACK's transport and timebase locked to the Link
// session. Options, their validation, and the program itself.

#include "cli/Tool.hpp"

#include <memory>
#include <string>

namespace linktools {

struct JackTransportCommandOptions {
  CommonOptions common;
  std::string name = "link-jack-transport"; // the JACK client's name
  bool force = false;                        // take the timebase from another master
  bool quantized = false;                    // JACK's starts and stops reach the session on the next bar
  bool jack_leads = false;                   // another client is timebase master; the session takes its tempo
  bool never_back = false;                   // hold the position rather than step back within a bar
  double beat_type = 4.0;
  double ticks_per_beat = 1920.0;
  bool quiet = false;
};

// The longest client name JACK takes (JACK_CLIENT_NAME_SIZE less its NUL).
inline constexpr std::size_t kMaxJackClientName = 63;

std::unique_ptr<CLI::App> make_jack_transport_app(JackTransportCommandOptions& options);
// Throws ToolError(bad_input) before anything touches JACK or the network.
void validate(const JackTransportCommandOptions& options);
ExitCode run_jack_transport(const JackTransportCommandOptions& options);

} // namespace linktools
