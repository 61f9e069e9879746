#pragma once
// What every tool shares: the common flags, their validation, and the one
// error boundary that turns exceptions into "TOOL: error: WHAT: WHY" and a
// documented exit code.

#include "cli/Errors.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace linktools {

struct CommonOptions {
  double quantum = 4.0;
  bool json = false;
  double timeout_s = 1.0;               // how long to wait for peers
  // --peers N: wait for N peers, exit 3 if not found. Read as a signed
  // number: CLI11 reads unsigned ones with strtoull, which turns "-1" into
  // the largest size_t, and validate() must show the count as written.
  std::optional<long long> peers;

  // --peers once validate() accepted it.
  std::optional<std::size_t> required_peers() const {
    if (!peers) return std::nullopt;
    return static_cast<std::size_t>(*peers);
  }

  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000.0 + 0.5));
  }
};

enum CommonFlag : unsigned {
  kQuantumFlag = 1u << 0,
  kJsonFlag = 1u << 1,
  kTimeoutFlag = 1u << 2,
  kPeersFlag = 1u << 3,
};

// A CLI11 app with -h/--help and -V/--version set up the house way.
std::unique_ptr<CLI::App> make_app(const std::string& tool, const std::string& description);

// Adds the chosen common flags; their values are checked by validate().
void add_common_options(CLI::App& app, CommonOptions& options, unsigned flags);

// Throws ToolError(bad_input) naming the flag and what was expected.
void validate(const CommonOptions& options);

// Parses argv into `app` and runs `body`. Help and version go to stdout and
// return 0; bad usage returns 2; a ToolError returns its code; anything else
// returns 1. Exactly one message is printed, to stderr, on failure.
int run_tool(const std::string& tool, CLI::App& app, int argc, char** argv,
             const std::function<ExitCode()>& body);

// --bars / --beats: how long a player plays before it stops by itself.
struct LengthOptions {
  std::optional<double> bars;
  std::optional<double> beats;
  // The length in beats with `quantum` beats a bar; nullopt: no limit.
  std::optional<double> in_beats(double quantum) const {
    if (bars) return *bars * quantum;
    return beats;
  }
};

// The most --bars or --beats may say.
inline constexpr double kMaxLengthBeats = 1e6;

void add_length_options(CLI::App& app, LengthOptions& options);
// Throws ToolError(bad_input): both given, or one not a number in (0, kMaxLengthBeats].
void validate(const LengthOptions& options);

// Prints "TOOL: warning: MESSAGE" to standard error: something the user
// should know that does not stop the run. Not silenced by --quiet, which
// only turns off the live line.
void warn(std::string_view tool, std::string_view message);

// The version set once in project().
const char* version();

// True when the stream is a terminal (a live display is only drawn there).
bool is_terminal(int fd);

} // namespace linktools
