#pragma once
// link-follow: options, their parsing, and the program itself.

#include "cli/Tool.hpp"
#include "midi/ClockFollower.hpp"
#include "midi/MidiInput.hpp"

#include <memory>
#include <optional>
#include <string>

namespace linktools {

struct FollowCommandOptions {
  CommonOptions common;
  std::string backend = "auto";
  bool list = false;
  std::optional<std::string> connect;
  std::string name = "link-follow";
  std::string port = "in";
  double offset_ms = 0.0;
  double tempo_resolution = 0.01;
  double max_commits = 10.0;
  bool quiet = false;
};

std::unique_ptr<CLI::App> make_follow_app(FollowCommandOptions& options);
// Throws ToolError(bad_input) naming the flag and what was expected.
void validate(const FollowCommandOptions& options);
// What validate() accepted, for the input and for the follower.
midi::InputOptions input_options(const FollowCommandOptions& options);
midi::FollowOptions follow_options(const FollowCommandOptions& options);
ExitCode run_follow(const FollowCommandOptions& options);

} // namespace linktools
