#include "cli/Tool.hpp"

#include "cli/Signals.hpp"
#include "cli/Version.hpp"
#include "timeline/TimelineMath.hpp"

#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <unistd.h>
#include <utility>

namespace linktools {

const char* version() { return LINK_TOOLS_VERSION; }

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

void warn(std::string_view tool, std::string_view message) {
  fmt::print(stderr, "{}: warning: {}\n", tool, message);
}

std::unique_ptr<CLI::App> make_app(const std::string& tool, const std::string& description) {
  auto app = std::make_unique<CLI::App>(description, tool);
  app->set_version_flag("-V,--version", fmt::format("{} {}", tool, version()),
                        "Print the version and exit");
  app->set_help_flag("-h,--help", "Print this help and exit");
  app->option_defaults()->always_capture_default();
  return app;
}

void add_length_options(CLI::App& app, LengthOptions& options) {
  app.add_option("--bars", options.bars, "Stop after this many bars");
  app.add_option("--beats", options.beats, "Stop after this many beats");
}

void validate(const LengthOptions& options) {
  if (options.bars && options.beats) throw bad_input("--bars, --beats", "expected one of them, not both");
  for (const auto& [flag, value] : {std::pair{"--bars", options.bars}, std::pair{"--beats", options.beats}}) {
    if (value && (!std::isfinite(*value) || *value <= 0.0 || *value > kMaxLengthBeats))
      throw bad_input(flag, fmt::format("expected a number above 0 (at most {:.0f}), got {}",
                                        kMaxLengthBeats, *value));
  }
}

void add_common_options(CLI::App& app, CommonOptions& options, unsigned flags) {
  if (flags & kQuantumFlag)
    app.add_option("-q,--quantum", options.quantum, "Beats in a bar (phase and bar boundaries)");
  if (flags & kJsonFlag)
    app.add_flag("--json", options.json, "Print JSON instead of text");
  if (flags & kTimeoutFlag)
    app.add_option("--timeout", options.timeout_s, "Seconds to wait for peers");
  if (flags & kPeersFlag)
    app.add_option("--peers", options.peers,
                   "Wait until N peers have joined (exit 3 if not before --timeout)");
}

void validate(const CommonOptions& options) {
  if (!timeline::is_valid_quantum(options.quantum))
    throw bad_input("--quantum", fmt::format("expected a number of beats from {:g} to {:g}, got {}",
                                             timeline::kMinQuantum, timeline::kMaxQuantum,
                                             options.quantum));
  if (!std::isfinite(options.timeout_s) || options.timeout_s < 0.0 || options.timeout_s > 3600.0)
    throw bad_input("--timeout", fmt::format("expected seconds in 0..3600, got {}",
                                             options.timeout_s));
  if (options.peers && (*options.peers < 0 || *options.peers > 1000))
    throw bad_input("--peers", fmt::format("expected 0..1000, got {}", *options.peers));
}

int run_tool(const std::string& tool, CLI::App& app, int argc, char** argv,
             const std::function<ExitCode()>& body) {
  // First of all, so that a stop signal at any moment after the program
  // is loaded ends it through its own way out (notes ended, Stop sent,
  // the documented exit code), never by the default action.
  install_stop_signals();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& v) {
    std::puts(v.what());
    return 0;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: error: bad usage: {}\nTry '{} --help'.\n", tool, e.what(), tool);
    return static_cast<int>(ExitCode::bad_input);
  }
  try {
    return static_cast<int>(body());
  } catch (const ToolError& e) {
    for (const auto& line : e.details()) fmt::print(stderr, "{}\n", line);
    fmt::print(stderr, "{}: error: {}\n", tool, e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: error: {}\n", tool, e.what());
    return static_cast<int>(ExitCode::failure);
  }
}

} // namespace linktools
